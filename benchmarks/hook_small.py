"""What the pre-commit hook costs on a small repository, against ``python -c pass``.

The repository: a ``pyproject.toml`` declaring a few dependencies (one protected:
``openai``) and a ``uv.lock`` with 25 packages in uv's format (registry sources, an sdist
and wheels with hashes and upload times), committed, with the protected version approved
offline. That is the common case the hook runs on, many times a day, where start-up and
imports, not the per-package work, decide the cost.

It times, interleaved (one warm-up each, then the median of ``--repeat`` rounds, the
order rotated every round), fresh interpreters running:

* ``python -c pass`` (the baseline: interpreter start-up);
* ``python -m guard -C DIR check`` with bumpguard's cache warm (the parsed built-in
  policy remembered, as on a developer's machine after the first run);
* the same with the caches off (``BUMPGUARD_VERIFY_CACHE=0``, as under CI), which parses
  the policy with PyYAML;
* a floor: a fresh interpreter importing only the standard-library and ``packaging``
  modules the check cannot do without, parsing the two files with tomllib and running
  the same two git commands. What the check costs above it is bumpguard's own.

Then it prints the largest ``-X importtime`` self times of the warm check. Timings are
never asserted (exit 0 unless the setup or a check fails).

Usage: ``python benchmarks/hook_small.py [--repeat 15] [--keep]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _bench import interleaved

PACKAGES = 25
PROTECTED = ("openai", "1.93.0")
BAR, GOAL = 7.0, 4.0


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def lock_text() -> str:
    """A 25-package uv.lock: the project, openai and its usual dependencies, and fillers."""
    names = [
        ("openai", PROTECTED[1], ["anyio", "distro", "httpx", "jiter", "pydantic", "sniffio"]),
        ("anyio", "4.9.0", ["idna", "sniffio"]),
        ("distro", "1.9.0", []),
        ("httpx", "0.28.1", ["anyio", "certifi", "httpcore", "idna"]),
        ("httpcore", "1.0.9", ["certifi", "h11"]),
        ("h11", "0.16.0", []),
        ("certifi", "2025.6.15", []),
        ("idna", "3.10", []),
        ("jiter", "0.10.0", []),
        ("pydantic", "2.11.7", ["annotated-types", "pydantic-core", "typing-extensions"]),
        ("pydantic-core", "2.33.2", ["typing-extensions"]),
        ("annotated-types", "0.7.0", []),
        ("typing-extensions", "4.14.0", []),
        ("sniffio", "1.3.1", []),
        ("requests", "2.32.4", ["certifi", "charset-normalizer", "idna", "urllib3"]),
        ("charset-normalizer", "3.4.2", []),
        ("urllib3", "2.5.0", []),
        ("click", "8.2.1", []),
        ("rich", "14.0.0", ["markdown-it-py", "pygments"]),
        ("markdown-it-py", "3.0.0", ["mdurl"]),
        ("mdurl", "0.1.2", []),
        ("pygments", "2.19.2", []),
        ("pyyaml", "6.0.2", []),
        ("tqdm", "4.67.1", []),
    ]
    assert len(names) + 1 == PACKAGES
    out = ["version = 1", "revision = 2", 'requires-python = ">=3.10"', ""]
    out += [
        "[[package]]",
        'name = "app"',
        'version = "0.1.0"',
        'source = { editable = "." }',
        "dependencies = [",
        *(f'    {{ name = "{n}" }},' for n in ("click", "openai", "pyyaml", "requests", "rich")),
        "]",
        "",
    ]
    for name, version, deps in names:
        base = name.replace("-", "_")
        out += [
            "[[package]]",
            f'name = "{name}"',
            f'version = "{version}"',
            'source = { registry = "https://pypi.org/simple" }',
        ]
        if deps:
            out.append("dependencies = [")
            out += [f'    {{ name = "{d}" }},' for d in deps]
            out.append("]")
        sdist = f"{base}-{version}.tar.gz"
        out.append(
            f'sdist = {{ url = "https://files.pythonhosted.org/packages/{sdist}", '
            f'hash = "sha256:{_digest(sdist)}", size = 123456, '
            'upload-time = "2025-06-01T12:00:00.000Z" }'
        )
        wheel = f"{base}-{version}-py3-none-any.whl"
        out.append("wheels = [")
        out.append(
            f'    {{ url = "https://files.pythonhosted.org/packages/{wheel}", '
            f'hash = "sha256:{_digest(wheel)}", size = 65432, '
            'upload-time = "2025-06-01T12:00:00.000Z" },'
        )
        out += ["]", ""]
    return "\n".join(out)


PYPROJECT = """[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["click>=8", "openai>=1.60", "pyyaml>=6", "requests>=2.31", "rich>=13"]
"""


FLOOR = """
import argparse, dataclasses, json, pathlib, subprocess, sys, tomllib
import packaging.requirements, packaging.specifiers, packaging.utils, packaging.version
repo = pathlib.Path(sys.argv[1])
for name in ("pyproject.toml", "uv.lock"):
    tomllib.loads((repo / name).read_text())
for args in (["ls-files", "-z", "--stage"], ["ls-tree", "-z", "HEAD", "--", "pyproject.toml"]):
    subprocess.run(["git", *args], cwd=repo, capture_output=True)
"""


def _run(cmd: Sequence[str], cwd: Path | None, env: dict[str, str]) -> None:
    proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(
            f"hook_small: {' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}{proc.stderr}"
        )


def setup(directory: Path, env: dict[str, str]) -> Path:
    repo = directory / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(PYPROJECT)
    (repo / "uv.lock").write_text(lock_text())
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    _run([*git, "init", "-q", "-b", "main"], repo, env)
    _run([*git, "add", "-A"], repo, env)
    _run([*git, "commit", "-q", "-m", "lock"], repo, env)
    name, version = PROTECTED
    approve = ["approve", f"{name}=={version}", "--reason", "bench", "--reviewer", "bench"]
    _run([sys.executable, "-m", "guard", "-C", str(repo), *approve, "--offline"], None, env)
    _run([*git, "add", "-A"], repo, env)
    _run([*git, "commit", "-q", "-m", "review"], repo, env)
    return repo


def timed(cmd: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(list(cmd), capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"hook_small: {' '.join(cmd)} exited {proc.returncode}\n{proc.stderr.decode()}")
    return elapsed


_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", re.MULTILINE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=15, help="timed rounds (15)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary repository")
    args = parser.parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="bumpguard-hook-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BUMPGUARD_", "GIT_"))}
    env.pop("CI", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed bumpguard has its bytecode
    env.update(
        HOME=str(directory),
        BUMPGUARD_CACHE_DIR=str(directory / "cache"),
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        PYTHONPYCACHEPREFIX=str(directory / "pycache"),
        # As pre-commit runs a hook: inside a commit, check does not list untracked files.
        PRE_COMMIT="1",
    )
    cold = {**env, "BUMPGUARD_VERIFY_CACHE": "0"}
    try:
        repo = setup(directory, env)
        check = [sys.executable, "-m", "guard", "-C", str(repo), "check"]
        floor = [sys.executable, "-c", FLOOR, str(repo)]
        jobs = {
            "python -c pass": lambda: timed([sys.executable, "-c", "pass"], env),
            "floor (imports, tomllib, git; no bumpguard)": lambda: timed(floor, env),
            "bumpguard check (cache warm)": lambda: timed(check, env),
            "bumpguard check (caches off, as in CI)": lambda: timed(check, cold),
        }
        samples = interleaved(jobs, args.repeat)
        base = statistics.median(samples["python -c pass"])
        print(
            f"small repository: pyproject.toml + {PACKAGES}-package uv.lock, python "
            f"{sys.version.split()[0]}; median of {args.repeat} interleaved runs\n"
        )
        print(f"{'measurement':42} {'median ms':>10} {'min ms':>8} {'x pass':>7}")
        for name, values in samples.items():
            median = statistics.median(values)
            print(
                f"{name:42} {median * 1000:10.1f} {min(values) * 1000:8.1f} {median / base:6.1f}x"
            )
        warm = statistics.median(samples["bumpguard check (cache warm)"]) / base
        verdict = (
            "goal met" if warm <= GOAL else "within the bar" if warm <= BAR else "ABOVE the bar"
        )
        print(
            f"\nwarm check / python -c pass: {warm:.1f}x (bar {BAR:g}x, goal {GOAL:g}x): {verdict}"
        )
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", *check[1:]],
            capture_output=True,
            text=True,
            env=env,
        )
        rows = sorted(
            ((int(m.group(1)), int(m.group(2)), m.group(4)) for m in _LINE.finditer(proc.stderr)),
            reverse=True,
        )
        total = sum(r[0] for r in rows)
        print(f"\n-X importtime of the warm check: {total / 1000:.1f} ms self in all; largest:")
        for own, cumulative, module in rows[:15]:
            print(f"  {own / 1000:6.1f} ms self {cumulative / 1000:7.1f} ms cumulative  {module}")
    finally:
        if args.keep:
            print(f"\nkept: {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
