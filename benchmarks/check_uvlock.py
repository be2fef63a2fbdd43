"""How much slower is ``bumpguard check`` than parsing the same uv.lock with tomllib?

Generates a realistic, deterministic uv.lock with N packages in a throw-away git
repository, records approvals for the protected packages it contains (so the check
passes), then times, interleaved:

* subprocess: ``python -c pass``, ``python -c "tomllib.load(...)"`` (baseline A) and
  ``python -m guard -C DIR check`` (the subject);
* in-process, with guard already imported: ``tomllib.loads(text)``,
  ``guard.manifests.uvlock.read`` and the full ``guard.engine.check.run``;
* import cost: the sum of ``-X importtime`` self times for ``-m guard --version`` and for
  ``-m guard -C DIR check``.

Usage: ``python benchmarks/check_uvlock.py [--packages 2000] [--repeat 7] [--keep]
[--bytecode cache|inherit]``.
Prints a table; never asserts on timings (exit 0 unless the setup or the check fails).
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from _bench import interleaved

if TYPE_CHECKING:
    from guard.policy.rules import Policy

if sys.version_info >= (3, 11):
    import tomllib

    TOML_MODULE = "tomllib"
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]

    TOML_MODULE = "tomli"

REGISTRY = "https://pypi.org/simple"
FILES_HOST = "https://files.pythonhosted.org/packages"
SEED = 20250101
TARGET_RATIO = 3.0

# Protected packages (builtin:llm-gateways) put into the lock, with their usual dependencies.
PROTECTED: dict[str, tuple[str, list[str]]] = {
    "anthropic": (
        "0.57.1",
        ["anyio", "distro", "httpx", "jiter", "pydantic", "sniffio", "typing-extensions"],
    ),
    "huggingface-hub": (
        "0.33.4",
        ["filelock", "fsspec", "packaging", "pyyaml", "requests", "tqdm", "typing-extensions"],
    ),
    "instructor": (
        "1.9.2",
        ["aiohttp", "docstring-parser", "jinja2", "jiter", "openai", "pydantic", "rich"],
    ),
    "langchain": (
        "0.3.26",
        ["langchain-core", "langchain-text-splitters", "langsmith", "pydantic", "pyyaml"],
    ),
    "langchain-core": (
        "0.3.69",
        ["jsonpatch", "langsmith", "packaging", "pydantic", "pyyaml", "tenacity"],
    ),
    "langchain-text-splitters": ("0.3.8", ["langchain-core"]),
    "langsmith": ("0.4.8", ["httpx", "orjson", "packaging", "pydantic", "requests"]),
    "litellm": (
        "1.74.7",
        ["aiohttp", "click", "httpx", "jinja2", "jsonschema", "openai", "pydantic", "tiktoken"],
    ),
    "mcp": ("1.12.0", ["anyio", "httpx", "httpx-sse", "jsonschema", "pydantic", "starlette"]),
    "openai": (
        "1.97.0",
        ["anyio", "distro", "httpx", "jiter", "pydantic", "sniffio", "tqdm", "typing-extensions"],
    ),
}

# Common real packages (their dependencies are drawn at random from the whole lock).
COMMON: dict[str, str] = {
    "aiohttp": "3.12.14",
    "anyio": "4.9.0",
    "attrs": "25.3.0",
    "certifi": "2025.7.14",
    "charset-normalizer": "3.4.2",
    "click": "8.2.1",
    "colorama": "0.4.6",
    "distro": "1.9.0",
    "docstring-parser": "0.16",
    "exceptiongroup": "1.3.0",
    "filelock": "3.18.0",
    "fsspec": "2025.7.0",
    "h11": "0.16.0",
    "httpcore": "1.0.9",
    "httpx": "0.28.1",
    "httpx-sse": "0.4.1",
    "idna": "3.10",
    "jinja2": "3.1.6",
    "jiter": "0.10.0",
    "jsonpatch": "1.33",
    "jsonschema": "4.25.0",
    "markupsafe": "3.0.2",
    "orjson": "3.11.0",
    "packaging": "25.0",
    "pydantic": "2.11.7",
    "pydantic-core": "2.33.2",
    "pytest": "8.4.1",
    "pyyaml": "6.0.2",
    "regex": "2024.11.6",
    "requests": "2.32.4",
    "rich": "14.0.0",
    "ruff": "0.12.4",
    "sniffio": "1.3.1",
    "starlette": "0.47.1",
    "tenacity": "9.1.2",
    "tiktoken": "0.9.0",
    "tqdm": "4.67.1",
    "typing-extensions": "4.14.1",
    "urllib3": "2.5.0",
}

# Packages locked twice, once per fork of the resolution (uv's resolution-markers).
FORKS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "numpy": (
        ("2.2.6", "python_full_version < '3.11'"),
        ("2.3.1", "python_full_version >= '3.11'"),
    ),
    "scipy": (
        ("1.15.3", "python_full_version < '3.11'"),
        ("1.16.0", "python_full_version >= '3.11'"),
    ),
}
FORK_MARKERS = ["python_full_version >= '3.11'", "python_full_version < '3.11'"]

ROOT_NAME = "bench-app"

# The fixed packages above, both forks, and a few synthetic ones.
MIN_PACKAGES = len(PROTECTED) + len(COMMON) + sum(len(v) for v in FORKS.values()) + 10

# Environment of every timed subprocess (set by main from --bytecode).
SUBPROCESS_ENV: dict[str, str] | None = None

_HEADS = [
    "py",
    "data",
    "flask",
    "async",
    "net",
    "json",
    "yaml",
    "http",
    "cloud",
    "test",
    "auth",
    "cache",
    "log",
    "grid",
    "stream",
    "geo",
    "text",
    "image",
    "audio",
    "graph",
    "queue",
    "task",
    "sql",
    "mongo",
    "redis",
    "kafka",
    "proto",
    "crypt",
    "mark",
    "doc",
    "time",
    "color",
    "term",
    "file",
    "path",
    "zip",
    "mail",
    "web",
    "socket",
    "rpc",
    "shape",
    "vector",
    "matrix",
    "signal",
    "frame",
    "config",
    "schema",
    "event",
    "metric",
    "trace",
    "token",
]
_TAILS = [
    "utils",
    "core",
    "client",
    "tools",
    "sdk",
    "lib",
    "io",
    "kit",
    "parser",
    "server",
    "helpers",
    "types",
    "extras",
    "plugin",
    "backend",
    "compat",
    "api",
    "cli",
    "engine",
]
_MARKERS = [
    "python_full_version < '3.11'",
    "sys_platform == 'win32'",
    "platform_python_implementation == 'CPython'",
    "sys_platform != 'emscripten'",
    "python_full_version < '3.13'",
]
_EXTRAS = ["socks", "http2", "cli", "docs", "async", "speedups", "crypto", "yaml", "all"]
_BINARY_TAGS = [
    "cp310-cp310-macosx_11_0_arm64",
    "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp310-cp310-win_amd64",
    "cp311-cp311-macosx_11_0_arm64",
    "cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64",
    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp311-cp311-musllinux_1_2_x86_64",
    "cp311-cp311-win_amd64",
    "cp312-cp312-macosx_10_13_x86_64",
    "cp312-cp312-macosx_11_0_arm64",
    "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp312-cp312-win_amd64",
    "cp313-cp313-macosx_11_0_arm64",
    "cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp313-cp313-win_amd64",
]


@dataclass
class Entry:
    """One ``[[package]]`` table to write."""

    name: str
    version: str
    dependencies: list[str] = field(default_factory=list)
    extras: dict[str, list[str]] = field(default_factory=dict)
    fork_marker: str | None = None
    binary: bool = False


class LockWriter:
    """Writes uv.lock text the way uv formats it (revision 2)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _hex(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def _time(self, base: int) -> str:
        seconds = base + self.rng.randrange(0, 900)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        fraction = f"{self.rng.randrange(1000):03d}".rstrip("0")  # uv trims trailing zeros
        return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"

    def _artifact(self, filename: str, size: int, released: int) -> str:
        path = self._hex()
        url = f"{FILES_HOST}/{path[:2]}/{path[2:4]}/{path[4:]}/{filename}"
        return (
            f'{{ url = "{url}", hash = "sha256:{self._hex()}", size = {size}, '
            f'upload-time = "{self._time(released)}" }}'
        )

    def dependency(self, name: str, forks: dict[str, list[Entry]], marker: str | None) -> list[str]:
        """Inline tables for one dependency: a package locked once per fork is named once
        per fork (with version, source and that fork's marker) unless a marker picks one."""
        forked = forks.get(name)
        if not forked:
            return [
                f'{{ name = "{name}", marker = "{marker}" }}'
                if marker
                else f'{{ name = "{name}" }}'
            ]
        targets = [self.rng.choice(forked)] if marker else forked
        return [
            f'{{ name = "{name}", version = "{t.version}", source = {{ registry = "{REGISTRY}" }}, '
            f'marker = "{marker or t.fork_marker}" }}'
            for t in targets
        ]

    def dep_list(
        self, names: Sequence[str], forks: dict[str, list[Entry]], markers: bool = True
    ) -> list[str]:
        lines: list[str] = []
        for name in sorted(set(names)):
            marker = self.rng.choice(_MARKERS) if markers and self.rng.random() < 0.1 else None
            lines.extend(f"    {table}," for table in self.dependency(name, forks, marker))
        return lines

    def package(self, entry: Entry, forks: dict[str, list[Entry]]) -> str:
        rng = self.rng
        dist = entry.name.replace("-", "_")
        out = [
            "[[package]]",
            f'name = "{entry.name}"',
            f'version = "{entry.version}"',
            f'source = {{ registry = "{REGISTRY}" }}',
        ]
        if entry.fork_marker:
            out += ["resolution-markers = [", f'    "{entry.fork_marker}",', "]"]
        if entry.dependencies:
            out += ["dependencies = [", *self.dep_list(entry.dependencies, forks), "]"]
        released = rng.randrange(1_546_300_800, 1_751_328_000)  # 2019-01-01 .. 2025-07-01
        if rng.random() < 0.95:  # a few projects publish wheels only
            sdist = self._artifact(
                f"{dist}-{entry.version}.tar.gz", rng.randrange(4_000, 9_000_000), released
            )
            out.append(f"sdist = {sdist}")
        if entry.binary:
            tags = sorted(rng.sample(_BINARY_TAGS, rng.randint(2, 6)))
        else:
            tags = [rng.choice(["py3-none-any", "py3-none-any", "py2.py3-none-any"])]
        out.append("wheels = [")
        for tag in tags:
            size = rng.randrange(3_000, 30_000_000 if entry.binary else 2_000_000)
            wheel = self._artifact(f"{dist}-{entry.version}-{tag}.whl", size, released)
            out.append(f"    {wheel},")
        out.append("]")
        if entry.extras:
            out += ["", "[package.optional-dependencies]"]
            for extra, names in sorted(entry.extras.items()):
                out += [f"{extra} = [", *self.dep_list(names, forks), "]"]
        return "\n".join(out)

    def root(self, direct: list[str], forks: dict[str, list[Entry]]) -> str:
        cli = ["click", "rich"]
        dev = ["pytest", "ruff"]
        out = [
            "[[package]]",
            f'name = "{ROOT_NAME}"',
            'version = "0.1.0"',
            'source = { editable = "." }',
            "dependencies = [",
            *self.dep_list(direct, forks, markers=False),
            "]",
            "",
            "[package.optional-dependencies]",
            "cli = [",
            *[f'    {{ name = "{n}" }},' for n in cli],
            "]",
            "",
            "[package.dev-dependencies]",
            "dev = [",
            *[f'    {{ name = "{n}" }},' for n in dev],
            "]",
            "",
            "[package.metadata]",
            "requires-dist = [",
        ]
        specs = [
            (n, f'specifier = ">={self.rng.randint(0, 3)}.{self.rng.randint(0, 9)}"', "")
            for n in direct
        ]
        specs += [(n, 'specifier = ">=1"', "marker = \"extra == 'cli'\", ") for n in cli]
        for name, spec, marker in sorted(specs):
            out.append(f'    {{ name = "{name}", {marker}{spec} }},')
        out += [
            "]",
            'provides-extras = ["cli"]',
            "",
            "[package.metadata.requires-dev]",
            "dev = [",
            *[f'    {{ name = "{n}", specifier = ">=0.1" }},' for n in dev],
            "]",
        ]
        return "\n".join(out)


@functools.cache
def _builtin_policy() -> Policy:
    from guard.policy.loader import load_policy

    return load_policy("builtin:llm-gateways", Path.cwd())


def _is_protected(name: str) -> bool:
    return _builtin_policy().protection(name) is not None


def synthetic_names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """``count`` plausible, normalised, unprotected package names not in ``taken``."""
    names: list[str] = []
    seen = set(taken)
    while len(names) < count:
        head, other, tail = rng.choice(_HEADS), rng.choice(_HEADS), rng.choice(_TAILS)
        shape = rng.random()
        if shape < 0.35:
            name = f"{head}{other}"
        elif shape < 0.75:
            name = f"{head}-{tail}"
        else:
            name = f"{head}{other}-{tail}"
        if name in seen:
            name = f"{name}{rng.randint(2, 99)}"
        if name in seen or _is_protected(name):
            continue
        seen.add(name)
        names.append(name)
    return names


def generate_lock(count: int, seed: int = SEED) -> tuple[str, dict[str, str]]:
    """uv.lock text with ``count`` ``[[package]]`` entries besides the root project, and
    the protected ``{name: version}`` it contains."""
    rng = random.Random(seed)
    writer = LockWriter(rng)
    fixed = {name: version for name, (version, _) in PROTECTED.items()}
    fixed.update(COMMON)
    fork_entries = sum(len(v) for v in FORKS.values())
    if count < MIN_PACKAGES:
        raise ValueError(f"at least {MIN_PACKAGES} packages are needed, not {count}")
    synthetic = synthetic_names(rng, count - len(fixed) - fork_entries, {*fixed, *FORKS})
    entries: list[Entry] = []
    for name in synthetic:
        version = f"{rng.randint(0, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 20)}"
        entries.append(Entry(name, version, binary=rng.random() < 0.25))
    for name, version in fixed.items():
        entries.append(
            Entry(
                name,
                version,
                binary=name
                in {
                    "jiter",
                    "orjson",
                    "pydantic-core",
                    "regex",
                    "tiktoken",
                    "pyyaml",
                    "aiohttp",
                    "markupsafe",
                    "ruff",
                },
            )
        )
    forks: dict[str, list[Entry]] = {}
    for name, variants in FORKS.items():
        for version, marker in variants:
            entry = Entry(name, version, fork_marker=marker, binary=True)
            entries.append(entry)
            forks.setdefault(name, []).append(entry)

    all_names = sorted({e.name for e in entries})
    for entry in entries:
        if entry.name in PROTECTED:
            entry.dependencies = list(PROTECTED[entry.name][1])
        elif rng.random() < 0.6:
            pool = [n for n in rng.sample(all_names, 10) if n != entry.name]
            entry.dependencies = pool[: rng.randint(1, 8)]
        if rng.random() < 0.15:
            for extra in rng.sample(_EXTRAS, rng.randint(1, 3)):
                entry.extras[extra] = rng.sample(all_names, rng.randint(1, 4))
    entries.sort(key=lambda e: (e.name, tuple(int(p) for p in e.version.split("."))))

    direct = [
        *PROTECTED,
        "numpy",
        "requests",
        "tenacity",
        *rng.sample(synthetic, min(25, len(synthetic))),
    ]
    blocks = [
        "\n".join(
            [
                "version = 1",
                "revision = 2",
                'requires-python = ">=3.10"',
                "resolution-markers = [",
                *[f'    "{m}",' for m in FORK_MARKERS],
                "]",
            ]
        )
    ]
    root_block = writer.root(direct, forks)
    root_placed = False
    for entry in entries:
        if not root_placed and entry.name > ROOT_NAME:
            blocks.append(root_block)
            root_placed = True
        blocks.append(writer.package(entry, forks))
    if not root_placed:
        blocks.append(root_block)
    return "\n\n".join(blocks) + "\n", {n: v for n, (v, _) in PROTECTED.items()}


def run(cmd: Sequence[str], cwd: Path | None = None, what: str = "") -> None:
    """Run ``cmd``; abort the benchmark with its output if it fails."""
    proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(
            f"check_uvlock: {what or cmd[0]} failed (exit {proc.returncode}): "
            f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
        )
        raise SystemExit(1)


def setup_repo(directory: Path, count: int) -> tuple[Path, dict[str, str]]:
    """Write uv.lock into a new git repository, commit it, approve the protected versions."""
    text, protected = generate_lock(count)
    lock = directory / "uv.lock"
    lock.write_text(text, encoding="utf-8")
    git = [
        "git",
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@example.invalid",
        "-c",
        "commit.gpgsign=false",
        "-c",
        "init.defaultBranch=main",
    ]
    run([*git, "init", "-q", str(directory)], what="git init")
    run([*git, "add", "uv.lock"], cwd=directory, what="git add")
    run([*git, "commit", "-q", "-m", "lock"], cwd=directory, what="git commit")
    for name, version in sorted(protected.items()):
        run(
            [
                sys.executable,
                "-m",
                "guard",
                "-C",
                str(directory),
                "approve",
                f"{name}=={version}",
                "--reason",
                "bench",
                "--reviewer",
                "bench",
                "--offline",  # the benchmark reaches no index
            ],
            what=f"approve {name}=={version}",
        )
    run([*git, "add", ".bumpguard"], cwd=directory, what="git add .bumpguard")
    run([*git, "commit", "-q", "-m", "approvals"], cwd=directory, what="git commit")
    return lock, protected


def time_subprocess(cmd: Sequence[str], what: str) -> float:
    """Wall time of one run of ``cmd``; aborts if it does not exit 0."""
    start = time.perf_counter()
    proc = subprocess.run(
        list(cmd), capture_output=True, text=True, check=False, env=SUBPROCESS_ENV
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(
            f"check_uvlock: {what} exited {proc.returncode} (expected 0): {' '.join(cmd)}\n"
            f"{proc.stdout}{proc.stderr}"
        )
        raise SystemExit(1)
    return elapsed


def time_call(func: Callable[[], object]) -> float:
    """Wall time of one call of ``func``, after a collection so garbage is not inherited."""
    gc.collect()
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|", re.MULTILINE)


def import_total(cmd: Sequence[str], runs: int = 3) -> float:
    """Median over ``runs`` of the summed ``-X importtime`` self times, in seconds."""
    totals = []
    for _ in range(runs):
        proc = subprocess.run(
            list(cmd), capture_output=True, text=True, check=False, env=SUBPROCESS_ENV
        )
        if proc.returncode != 0:
            sys.stderr.write(f"check_uvlock: {' '.join(cmd)} exited {proc.returncode}\n")
            raise SystemExit(1)
        totals.append(sum(int(m.group(1)) for m in _IMPORTTIME.finditer(proc.stderr)) / 1e6)
    return statistics.median(totals)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--packages", type=int, default=2000, help="[[package]] entries (2000)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement (7)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated repository and print its path"
    )
    parser.add_argument(
        "--bytecode",
        choices=("cache", "inherit"),
        default="cache",
        help="cache (default): let the timed interpreters cache bytecode in a temporary "
        "PYTHONPYCACHEPREFIX, as an installed hook environment has .pyc files, even when "
        "PYTHONDONTWRITEBYTECODE is set; inherit: run them with this environment as it is",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.packages < MIN_PACKAGES:
        parser.error(f"--packages must be at least {MIN_PACKAGES}")

    import guard
    from guard.engine import check
    from guard.manifests import ReadContext, uvlock
    from guard.policy.loader import find_policy, load_policy

    tmp = Path(tempfile.mkdtemp(prefix="bumpguard-bench-"))
    pycache = tmp.with_name(f"{tmp.name}-pycache")
    try:
        root = tmp.resolve()
        global SUBPROCESS_ENV
        if args.bytecode == "cache":
            SUBPROCESS_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            SUBPROCESS_ENV["PYTHONPYCACHEPREFIX"] = str(pycache)
            bytecode = "bytecode cached (temporary PYTHONPYCACHEPREFIX)"
        elif os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get(
            "PYTHONPYCACHEPREFIX"
        ):
            bytecode = "PYTHONDONTWRITEBYTECODE inherited: uncached modules compile every run"
        else:
            bytecode = "environment inherited"
        lock, protected = setup_repo(root, args.packages)
        text = lock.read_text(encoding="utf-8")
        size = lock.stat().st_size
        lines = text.count("\n")

        py = sys.executable
        baseline_cmd = [
            py,
            "-c",
            f"import {TOML_MODULE},sys; {TOML_MODULE}.load(open(sys.argv[1],'rb'))",
            str(lock),
        ]
        subject_cmd = [py, "-m", "guard", "-C", str(root), "check"]
        pass_cmd = [py, "-c", "pass"]
        sub = interleaved(
            {
                "python -c pass": lambda: time_subprocess(pass_cmd, "python -c pass"),
                "tomllib.load (baseline A)": lambda: time_subprocess(baseline_cmd, "baseline"),
                "bumpguard check (subject)": lambda: time_subprocess(subject_cmd, "check"),
            },
            args.repeat,
        )

        policy = load_policy(find_policy(root, None), root)
        count = len(uvlock.read(lock, ReadContext(root)))

        def full_check() -> None:
            report = check.run(root, None, policy)
            if report.blocked:
                sys.stderr.write("check_uvlock: in-process check.run found findings:\n")
                for finding in report.findings[:10]:
                    sys.stderr.write(f"  {finding.where}: {finding.message}\n")
                raise SystemExit(1)

        inproc = interleaved(
            {
                "tomllib.loads(text)": lambda: time_call(lambda: tomllib.loads(text)),
                "uvlock.read": lambda: time_call(lambda: uvlock.read(lock, ReadContext(root))),
                "check.run (discover+read+evaluate)": lambda: time_call(full_check),
                "load_policy (builtin)": lambda: time_call(
                    lambda: load_policy(find_policy(root, None), root)
                ),
            },
            args.repeat,
        )

        imp_version = import_total([py, "-X", "importtime", "-m", "guard", "--version"])
        imp_check = import_total([py, "-X", "importtime", *subject_cmd[1:]])

        med = {k: statistics.median(v) * 1000 for k, v in {**sub, **inproc}.items()}
        low = {k: min(v) * 1000 for k, v in {**sub, **inproc}.items()}
        print(
            f"bumpguard {guard.__version__} check vs {TOML_MODULE} on uv.lock: "
            f"N={args.packages} packages (+1 root; {count} records read, "
            f"{len(protected)} protected and approved)"
        )
        print(
            f"file: {size:,} bytes ({size / 2**20:.2f} MiB), {lines:,} lines; "
            f"python {sys.version.split()[0]}; median of {args.repeat} interleaved runs "
            "after 1 warm-up each"
        )
        print(f"subprocesses: {bytecode}")
        print()
        print(f"{'measurement':<52}{'median ms':>11}{'min ms':>10}")
        print("-" * 73)
        for group, names in (("subprocess", sub), ("in-process", inproc)):
            for name in names:
                print(f"{group + '  ' + name:<52}{med[name]:>11.1f}{low[name]:>10.1f}")
        print(f"{'import  -X importtime -m guard --version (sum)':<52}{imp_version * 1000:>11.1f}")
        print(f"{'import  -X importtime -m guard check (sum)':<52}{imp_check * 1000:>11.1f}")
        print("-" * 73)
        sub_ratio = med["bumpguard check (subject)"] / med["tomllib.load (baseline A)"]
        in_ratio = med["check.run (discover+read+evaluate)"] / med["tomllib.loads(text)"]
        start = med["python -c pass"]
        net_ratio = (med["bumpguard check (subject)"] - start) / max(
            med["tomllib.load (baseline A)"] - start, 1e-9
        )
        verdict = "within" if sub_ratio <= TARGET_RATIO else "ABOVE"
        print(
            f"check / tomllib (subprocess):  {sub_ratio:5.2f}x   "
            f"({verdict} the {TARGET_RATIO:.0f}x target)"
        )
        print(f"check / tomllib (in-process):  {in_ratio:5.2f}x")
        print(f"check / tomllib (subprocess, minus python -c pass): {net_ratio:5.2f}x")
        if args.keep:
            print(f"\nkept repository: {root}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(pycache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
