"""How much slower is ``bumpguard pip install`` than ``pip install`` of the same ten wheels?

Serves ten realistic, deterministic wheels from ``tests.indexserver.LocalIndex`` (a real
HTTP index on 127.0.0.1), built with ``tests.wheels.make_wheel``: 20 KiB to 3 MiB of
generated Python modules each (plus certifi's CA bundle), with the dependency graph of the
real packages (openai and anthropic need httpx, anyio, distro, sniffio and
typing-extensions; httpx needs anyio, certifi, h11 and idna; anyio needs idna, sniffio and
typing-extensions), so pip's resolver has transitive work to do. Two of the names, openai
and anthropic, are protected by the built-in policy (``builtin:llm-gateways``); they carry
no attestations, which that policy accepts (``attestations: if-present``), and with no git
repository there is no ledger, so no approval is required: the subject checks them on the
index as protected packages and installs them.

Then, interleaved (one warm-up round, then ``--repeat`` rounds, the order rotated every
round), each measurement in a FRESH virtual environment made by ``python -m venv`` before
the timing starts:

* baseline: ``VENV/bin/python -m pip install --index-url URL <ten names>``;
* subject: ``python -m guard pip install --python VENV/bin/python --index-url URL <ten
  names>``, from a temporary folder that is not in a git repository (no ledger);
* references: ``pip install --dry-run --report`` alone (what the subject asks pip first),
  ``pip install --no-deps --no-index <the ten wheel files>`` (what it runs last), each in
  its own fresh venv, and ``VENV/bin/python -m pip --version`` (pip's start-up),
  ``python -m guard --version`` and ``python -c pass``.

Every command must exit 0, and ``pip list --format json`` (not timed) must then show the ten
distributions at the served versions. Every pip sees no machine configuration:
``PIP_CONFIG_FILE=/dev/null``, no other ``PIP_*`` variable but
``PIP_DISABLE_PIP_VERSION_CHECK=1`` (bumpguard sets it for its own pip calls, so the
baseline gets it too) and a fresh empty ``PIP_CACHE_DIR`` per run; no proxy variables,
``NO_PROXY=127.0.0.1,localhost``.

Finally, once: an in-process probe (a fresh interpreter running ``guard.cli.main`` with the
phases of ``guard.engine.install`` wrapped by timers, guard itself unmodified) against one more
fresh venv, for a breakdown of where the subject's time goes; ``--profile`` adds a
``cProfile`` run (cumulative time) of another.

``--latency MS`` makes the index wait before every answer, to see what round trips to a
remote index cost each arm (both pip's requests and bumpguard's are delayed).

Usage: ``python benchmarks/pip_install.py [--repeat 5] [--latency 0] [--keep] [--profile]
[--bytecode write|inherit]``. Prints tables; never asserts on timings (exit 0 unless the
setup, an install or a check fails).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = 20250714
UPLOADED = datetime(2025, 1, 1, tzinfo=timezone.utc)
TARGET_RATIO = 1.6
_KIB = 1024


@dataclass(frozen=True)
class Package:
    """One served wheel: its name, version, size of its modules and its dependencies."""

    name: str
    version: str
    module_kib: int  # uncompressed size of the generated Python modules
    requires: tuple[str, ...] = ()
    single_module: bool = False  # a top-level ``name.py`` rather than a package folder
    data_kib: int = 0  # a non-Python data file (certifi's cacert.pem)


PACKAGES = (
    Package(
        "openai",
        "1.97.0",
        3072,
        (
            "anyio>=3.5.0,<5",
            "distro>=1.7.0,<2",
            "httpx>=0.23.0,<1",
            "sniffio",
            "typing-extensions>=4.11,<5",
        ),
    ),
    Package(
        "anthropic",
        "0.57.1",
        1536,
        (
            "anyio>=3.5.0,<5",
            "distro>=1.7.0,<2",
            "httpx>=0.25.0,<1",
            "sniffio",
            "typing-extensions>=4.10,<5",
        ),
    ),
    Package("httpx", "0.28.1", 480, ("anyio", "certifi", "h11>=0.16", "idna")),
    Package(
        "anyio",
        "4.9.0",
        560,
        ("idna>=2.8", "sniffio>=1.1", 'typing-extensions>=4.5; python_version < "3.13"'),
    ),
    Package("idna", "3.10", 360),
    Package("h11", "0.16.0", 160),
    Package("typing-extensions", "4.14.1", 140, single_module=True),
    Package("certifi", "2025.7.14", 24, data_kib=288),
    Package("distro", "1.9.0", 64),
    Package("sniffio", "1.3.1", 20),
)
NAMES = [p.name for p in PACKAGES]

# Measurement labels.
BASELINE = "pip install (baseline)"
SUBJECT = "bumpguard pip install (subject)"
DRY_RUN = "pip install --dry-run --report"
LOCAL = "pip install --no-deps --no-index <10 files>"
PIP_START = "VENV/bin/python -m pip --version"
# Phases of the probe.
POLICY = "load the policy"
RESOLVE = "resolve (dry run + report)"
DECIDE = "decide (checks, downloads, inspection)"
PROTECTED = ("openai", "anthropic")  # by builtin:llm-gateways

# Environment and working directory of every subprocess (set by main). The working
# directory is a temporary folder outside any git repository, so bumpguard finds no ledger
# and ``-m guard`` imports guard as installed (or from PYTHONPATH), not from the checkout.
ENV: dict[str, str] = {}
CWD: Path | None = None
INDEX: Any = None  # the LocalIndex, to count the requests of each measurement
REQUESTS: dict[str, int] = {}  # measurement -> requests its last run made to the index


# -- wheels -------------------------------------------------------------------------------

_WORDS = tuple(
    " ".join(
        (
            "client request response stream session token retry timeout config header payload",
            "model message event batch cache buffer handler transport pool limit chunk schema",
            "field value param result error status content choice usage tool call delta index",
            "name label path query cursor page item entry record source target option state",
        )
    ).split()
)
_TYPES = ("str", "int", "float", "bool", "bytes", "dict[str, Any]", "list[str]", "object")


def _ident(rng: random.Random, words: int = 2) -> str:
    return "_".join(rng.choice(_WORDS) for _ in range(words))


def _class_name(rng: random.Random) -> str:
    return "".join(rng.choice(_WORDS).capitalize() for _ in range(rng.randint(2, 3)))


def _sentence(rng: random.Random) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 14)))
    return text.capitalize() + "."


def _function(rng: random.Random, indent: str, method: bool) -> str:
    params = [f"{_ident(rng, 1)}_{i}: {rng.choice(_TYPES)}" for i in range(rng.randint(0, 4))]
    params += [f"{_ident(rng)}: {rng.choice(_TYPES)} | None = None"] * rng.randint(0, 1)
    if method:
        params.insert(0, "self")
    inner = indent + "    "
    lines = [
        f"{indent}def {_ident(rng)}({', '.join(params)}) -> {rng.choice(_TYPES)}:",
        f'{inner}"""{_sentence(rng)}',
        "",
        f"{inner}{_sentence(rng)} {_sentence(rng)}",
        f'{inner}"""',
        f"{inner}result: dict[str, Any] = {{}}",
    ]
    for _ in range(rng.randint(2, 8)):
        key, other = _ident(rng), _ident(rng)
        lines += rng.choice(
            (
                [f"{inner}result[{key!r}] = {rng.randint(0, 9999)}"],
                [
                    f"{inner}if result.get({key!r}) is None:",
                    f"{inner}    result[{key!r}] = {other!r}",
                ],
                [
                    f"{inner}for {key} in range({rng.randint(2, 64)}):",
                    f"{inner}    result.setdefault({other!r}, []).append({key})",
                ],
                [
                    f"{inner}try:",
                    f"{inner}    result[{key!r}] = str(result)[: {rng.randint(8, 80)}]",
                    f"{inner}except (KeyError, ValueError) as exc:",
                    f"{inner}    raise RuntimeError({_sentence(rng)!r}) from exc",
                ],
            )
        )
    lines.append(f"{inner}return result  # type: ignore[return-value]")
    return "\n".join(lines) + "\n"


def python_source(rng: random.Random, module: str, size: int) -> bytes:
    """A valid, realistic-looking Python module of about ``size`` bytes."""
    parts = [
        f'"""{module}: {_sentence(rng)}\n\n{_sentence(rng)} {_sentence(rng)}\n"""\n\n'
        "from __future__ import annotations\n\nimport os\nimport sys\nfrom typing import Any\n\n"
        f"__all__ = [{', '.join(repr(_class_name(rng)) for _ in range(3))}]\n\n"
        f"DEFAULT_{_ident(rng).upper()} = {rng.randint(1, 600)}\n\n\n"
    ]
    total = len(parts[0])
    while total < size:
        if rng.random() < 0.4:
            part = _function(rng, "", method=False) + "\n\n"
        else:
            fields = "".join(
                f"    {_ident(rng)}: {rng.choice(_TYPES)}\n" for _ in range(rng.randint(1, 6))
            )
            methods = "\n".join(
                _function(rng, "    ", method=True) for _ in range(rng.randint(1, 5))
            )
            part = (
                f"class {_class_name(rng)}:\n    " + f'"""{_sentence(rng)}"""\n\n'
                f"{fields}\n{methods}\n\n"
            )
        parts.append(part)
        total += len(part)
    return "".join(parts).encode()


def package_files(rng: random.Random, package: Package) -> dict[str, bytes]:
    """The files of ``package``'s wheel (its modules, plus a data file for some)."""
    top = package.name.replace("-", "_")
    size = package.module_kib * _KIB
    if package.single_module:
        return {f"{top}.py": python_source(rng, top, size)}
    files: dict[str, bytes] = {f"{top}/py.typed": b""}
    files[f"{top}/__init__.py"] = python_source(rng, top, min(size, 6 * _KIB))
    done = len(files[f"{top}/__init__.py"])
    while done < size:
        chunk = min(size - done, rng.randint(6, 48) * _KIB)
        sub = _ident(rng) if rng.random() < 0.7 else f"_{_ident(rng)}/{_ident(rng, 1)}"
        path = f"{top}/{sub}.py"
        if path in files:
            continue
        files[path] = python_source(rng, f"{top}.{sub}", max(chunk, 1024))
        done += len(files[path])
    folders = {p.rsplit("/", 1)[0] for p in files if p.count("/") == 2}
    for folder in folders:
        files[f"{folder}/__init__.py"] = b""
    if package.data_kib:
        blocks, written = [], 0
        while written < package.data_kib * _KIB:
            body = rng.randbytes(rng.randint(900, 1500))
            b64 = base64.b64encode(body).decode()
            lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
            block = "\n".join(
                ["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----", ""]
            )
            blocks.append(f"# Issuer: CN={_class_name(rng)} Root CA\n{block}\n")
            written += len(blocks[-1])
        files[f"{top}/cacert.pem"] = "".join(blocks).encode()
    return files


def serve_wheels(index: Any, folder: Path) -> list[dict[str, Any]]:
    """Build the ten wheels, list them on ``index`` and write them to ``folder`` (for the
    local-files reference); one description per wheel."""
    from tests.wheels import make_wheel, wheel_filename

    rng = random.Random(SEED)
    described = []
    for package in PACKAGES:
        files = package_files(rng, package)
        top = package.name.replace("-", "_")
        wheel = make_wheel(
            package.name, package.version, files, requires=package.requires, top_level=[top]
        )
        filename = wheel_filename(package.name, package.version)
        index.add_file(package.name, package.version, filename, wheel, upload_time=UPLOADED)
        (folder / filename).write_bytes(wheel)
        described.append(
            {
                "name": package.name,
                "version": package.version,
                "files": len(files),
                "modules_kib": sum(len(d) for p, d in files.items() if p.endswith(".py")) / _KIB,
                "wheel_kib": len(wheel) / _KIB,
                "requires": len(package.requires),
            }
        )
    return described


# -- running ------------------------------------------------------------------------------


def isolated_env(write_bytecode: bool) -> dict[str, str]:
    """This environment without proxies, pip, venv or bumpguard settings of the machine."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy")
        and not k.startswith(("PIP_", "BUMPGUARD_"))
        and k not in {"VIRTUAL_ENV", "PYTHONHOME"}
    }
    env.update(
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(
    cmd: Sequence[str], what: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` from CWD; abort the benchmark with its output if it fails."""
    proc = subprocess.run(
        list(cmd), cwd=CWD, capture_output=True, text=True, check=False, env=env or ENV
    )
    if proc.returncode != 0:
        sys.stderr.write(
            f"pip_install: {what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"{proc.stdout}{proc.stderr}"
        )
        raise SystemExit(1)
    return proc


def fresh_cache() -> dict[str, str]:
    """ENV with a new, empty PIP_CACHE_DIR."""
    assert CWD is not None
    cache = tempfile.mkdtemp(prefix="pip-cache-", dir=CWD / "caches")
    return {**ENV, "PIP_CACHE_DIR": cache}


def make_venv(path: Path) -> Path:
    """A new virtual environment with pip (not timed); its interpreter."""
    run([sys.executable, "-m", "venv", str(path)], "python -m venv")
    return path / "bin" / "python"


def baseline_cmd(python: Path, url: str) -> list[str]:
    return [str(python), "-m", "pip", "install", "--index-url", url, *NAMES]


def subject_cmd(python: Path, url: str) -> list[str]:
    pip_args = ["--python", str(python), "--index-url", url, *NAMES]
    return [sys.executable, "-m", "guard", "pip", "install", *pip_args]


def dry_run_cmd(python: Path, url: str, report: Path) -> list[str]:
    """What bumpguard asks pip first (``guard.engine.install.resolve``, its first attempt)."""
    args = ["--dry-run", "--quiet", "--report", str(report), "--only-binary=:all:"]
    return [str(python), "-m", "pip", "install", *args, "--index-url", url, *NAMES]


def local_cmd(python: Path, folder: Path) -> list[str]:
    """What bumpguard runs last: the checked local files, without deps or index."""
    files = sorted(str(f) for f in folder.iterdir())
    return [str(python), "-m", "pip", "install", "--no-deps", "--no-index", *files]


def timed(cmd: Sequence[str], what: str, env: dict[str, str] | None = None) -> float:
    """Wall time of ``cmd``; counts the index requests it made (in REQUESTS[what])."""
    seen = len(INDEX.requests_seen) if INDEX is not None else 0
    start = time.perf_counter()
    proc = run(cmd, what, env)
    elapsed = time.perf_counter() - start
    if INDEX is not None:
        REQUESTS[what] = len(INDEX.requests_seen) - seen
    if what == SUBJECT and f"installed {len(NAMES)} checked file(s)" not in proc.stdout:
        sys.stderr.write(f"pip_install: the subject installed something else:\n{proc.stdout}")
        raise SystemExit(1)
    return elapsed


def installed(python: Path) -> dict[str, str]:
    """``{canonical name: version}`` of the venv, from ``pip list --format json``."""
    from packaging.utils import canonicalize_name

    proc = run([str(python), "-m", "pip", "list", "--format", "json"], "pip list", fresh_cache())
    return {canonicalize_name(d["name"]): d["version"] for d in json.loads(proc.stdout)}


def check_installed(python: Path, arm: str) -> None:
    found = installed(python)
    missing = [f"{p.name}=={p.version}" for p in PACKAGES if found.get(p.name) != p.version]
    if missing:
        sys.stderr.write(f"pip_install: after the {arm}, missing from {python}: {missing}\n")
        raise SystemExit(1)


Job = Callable[[dict[str, Path]], float]


def rounds(jobs: dict[str, tuple[str | None, Job]], repeat: int) -> dict[str, list[float]]:
    """One warm-up round, then ``repeat`` rounds running every job once, the order rotated
    each round. Each round first makes (untimed) a fresh venv per job that needs one; after
    the round, the venvs of the baseline, the subject and the local-files install must hold
    the ten distributions."""
    assert CWD is not None
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    names = list(jobs)
    for round_no in range(repeat + 1):
        venvs = {
            slot: make_venv(CWD / "venvs" / f"r{round_no}-{slot}")
            for slot in dict.fromkeys(slot for slot, _ in jobs.values() if slot is not None)
        }
        if hasattr(os, "sync"):
            os.sync()  # the venvs' files on disk before timing, not written back meanwhile
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed = jobs[name][1](venvs)
            if round_no:
                samples[name].append(elapsed)
        for slot in ("baseline", "subject", "local"):
            check_installed(venvs[slot], slot)
        for python in venvs.values():
            shutil.rmtree(python.parent.parent)
        label = "warm-up" if round_no == 0 else f"round {round_no}/{repeat}"
        print(f"  {label} done", file=sys.stderr)
    return samples


def make_jobs(url: str, tmp: Path) -> dict[str, tuple[str | None, Job]]:
    """The timed measurements: ``{label: (venv slot or None, job)}``."""
    return {
        BASELINE: (
            "baseline",
            lambda v: timed(baseline_cmd(v["baseline"], url), BASELINE, fresh_cache()),
        ),
        SUBJECT: (
            "subject",
            lambda v: timed(subject_cmd(v["subject"], url), SUBJECT, fresh_cache()),
        ),
        DRY_RUN: (
            "dry-run",
            lambda v: timed(
                dry_run_cmd(v["dry-run"], url, tmp / "report.json"),
                DRY_RUN,
                fresh_cache(),
            ),
        ),
        LOCAL: (
            "local",
            lambda v: timed(
                local_cmd(v["local"], tmp / "wheels"),
                LOCAL,
                fresh_cache(),
            ),
        ),
        PIP_START: (
            None,
            lambda v: timed([str(v["dry-run"]), "-m", "pip", "--version"], "pip"),
        ),
        "python -m guard --version": (
            None,
            lambda v: timed([sys.executable, "-m", "guard", "--version"], "guard"),
        ),
        "python -c pass": (None, lambda v: timed([sys.executable, "-c", "pass"], "py")),
    }


# -- the in-process probe ------------------------------------------------------------------


def probe(out: Path, python: str, url: str, profile: bool) -> None:
    """In this fresh interpreter: import guard, wrap the phases of ``guard.engine.install`` with
    timers, run ``guard.cli.main`` once (``pip install``), write the timings to ``out``."""
    timings: dict[str, Any] = {"pip": [], "calls": {}}
    start = time.perf_counter()
    import requests  # noqa: F401  (imported lazily by guard.index)

    timings["import requests"] = time.perf_counter() - start
    start = time.perf_counter()
    from guard import cli
    from guard import index as index_module  # noqa: F401
    from guard.artifacts import inspect_artifact
    from guard.commands import _common
    from guard.engine import install, release

    timings["import guard (cli, commands, install, index, release, inspect_artifact)"] = (
        time.perf_counter() - start
    )

    def wrap(owner: Any, attr: str, key: str) -> None:
        original = getattr(owner, attr)

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                total, count = timings["calls"].get(key, (0.0, 0))
                timings["calls"][key] = (total + time.perf_counter() - begin, count + 1)

        setattr(owner, attr, timed_call)

    original_pip = install._pip

    def pip_timed(interpreter: str, args: Sequence[str], quiet: bool = True) -> Any:
        begin = time.perf_counter()
        proc = original_pip(interpreter, args, quiet)
        kind = "dry run (resolve)" if "--dry-run" in args else "final install"
        extra = [a for a in args if a.startswith("--only-binary")]
        timings["pip"].append([kind, " ".join(extra), time.perf_counter() - begin])
        return proc

    install._pip = pip_timed  # type: ignore[assignment]
    wrap(_common, "policy", POLICY)
    wrap(install, "resolve", RESOLVE)
    wrap(install, "decide", DECIDE)
    wrap(install, "_serving", "  find the file on the index (project page)")
    wrap(release, "check_release", "  check_release (project page again, policy)")
    wrap(install, "_fetch", "  download the file")
    wrap(inspect_artifact, "inspect", "  inspect the file")
    argv = ["pip", "install", "--python", python, "--index-url", url, *NAMES]
    start = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        code = profiler.runcall(cli.main, argv)
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
    else:
        code = cli.main(argv)
    timings["main"] = time.perf_counter() - start
    timings["exit"] = code
    out.write_text(json.dumps(timings), encoding="utf-8")


def run_probe(url: str, profile: bool) -> tuple[dict[str, Any], float, str]:
    """Run the probe in a fresh interpreter against a fresh venv: its timings, the wall
    time of the whole process and (with ``profile``) the cProfile table."""
    assert CWD is not None
    python = make_venv(CWD / "venvs" / f"probe-{'profile' if profile else 'phases'}")
    out = CWD / "probe.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--probe", str(out), str(python), url]
    if profile:
        cmd.append("--profile")
    env = fresh_cache()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=CWD, env=env, check=False, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(f"pip_install: the probe failed:\n{proc.stdout}{proc.stderr}")
        raise SystemExit(1)
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if data["exit"] != 0:
        sys.stderr.write(f"pip_install: the probed run exited {data['exit']}:\n{proc.stdout}")
        raise SystemExit(1)
    check_installed(python, "probe")
    shutil.rmtree(python.parent.parent)
    return data, wall, proc.stderr if profile else ""


# -- main ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile run of the subject"
    )
    parser.add_argument(
        "--bytecode",
        choices=("write", "inherit"),
        default="write",
        help="write (default): drop PYTHONDONTWRITEBYTECODE from the subprocesses, so guard's "
        "modules are compiled once, as an installed bumpguard's are; inherit: keep this "
        "environment as it is",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="the index waits MS milliseconds before every answer, as a remote index's round "
        "trip would (0: loopback as it is); applies to pip's requests and bumpguard's alike",
    )
    parser.add_argument("--probe", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe is not None:
        out, python, url = args.probe
        probe(Path(out), python, url, args.profile)
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sys.path.insert(0, str(ROOT))  # tests.indexserver and tests.wheels, from the checkout
    try:
        from tests.indexserver import LocalIndex
    finally:
        sys.path.remove(str(ROOT))  # guard itself: as the subprocesses find it
    import guard

    tmp = Path(tempfile.mkdtemp(prefix="bumpguard-bench-pip-")).resolve()
    global ENV, CWD, INDEX
    CWD = tmp
    ENV = isolated_env(args.bytecode == "write")
    for sub in ("caches", "venvs", "wheels"):
        (tmp / sub).mkdir()
    for var in ("NO_PROXY", "no_proxy"):  # this process's own requests, if any
        os.environ[var] = "127.0.0.1,localhost"
    try:
        if any((parent / ".git").exists() for parent in (tmp, *tmp.parents)):
            sys.stderr.write(f"pip_install: {tmp} is inside a git repository\n")
            return 1
        with LocalIndex() as index:
            sys.path.insert(0, str(ROOT))
            try:
                described = serve_wheels(index, tmp / "wheels")
            finally:
                sys.path.remove(str(ROOT))
            INDEX = index
            url = index.url
            index.delay = args.latency / 1000
            jobs = make_jobs(url, tmp)
            pip_version = run(
                [str(make_venv(tmp / "venvs" / "version")), "-m", "pip", "--version"], "pip"
            ).stdout.split()[1]
            shutil.rmtree(tmp / "venvs" / "version")
            print(f"measuring in {tmp} ...", file=sys.stderr)
            samples = rounds(jobs, args.repeat)
            probed, probe_wall, _ = run_probe(url, profile=False)
            profiled = run_probe(url, profile=True)[2] if args.profile else ""
        med = {k: statistics.median(v) * 1000 for k, v in samples.items()}
        low = {k: min(v) * 1000 for k, v in samples.items()}
        mad = {k: statistics.median(abs(x * 1000 - med[k]) for x in v) for k, v in samples.items()}
        report(args, guard.__version__, pip_version, described, med, low, mad)
        report_probe(probed, probe_wall * 1000)
        if profiled:
            print("\ncProfile of one more subject run (guard.cli.main in-process, cumulative):")
            print(profiled.rstrip())
        if args.keep:
            print(f"\nkept {tmp}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def report(
    args: argparse.Namespace,
    version: str,
    pip_version: str,
    described: list[dict[str, Any]],
    med: dict[str, float],
    low: dict[str, float],
    mad: dict[str, float],
) -> None:
    bytecode = (
        "PYTHONDONTWRITEBYTECODE dropped (bytecode cached)"
        if args.bytecode == "write"
        else "environment inherited"
    )
    print(
        f"bumpguard {version} pip install vs pip install; python {sys.version.split()[0]}, "
        f"pip {pip_version} in the target venvs; median of {args.repeat} interleaved rounds "
        "after 1 warm-up, a fresh venv per measurement"
    )
    print(
        f"subprocesses: {bytecode}; PIP_CONFIG_FILE={os.devnull}, "
        "PIP_DISABLE_PIP_VERSION_CHECK=1, a fresh PIP_CACHE_DIR per run, no proxies; "
        f"index latency {args.latency:g} ms per request; requests: HTTP requests to the "
        "index in one run"
    )
    print()
    print("served wheels (LocalIndex on 127.0.0.1, PEP 691 JSON, no PEP 658 metadata):")
    print(f"  {'name':<20}{'version':<12}{'files':>6}{'modules KiB':>13}{'wheel KiB':>11}  deps")
    for d in described:
        mark = "  (protected, no attestations)" if d["name"] in PROTECTED else ""
        print(
            f"  {d['name']:<20}{d['version']:<12}{d['files']:>6}{d['modules_kib']:>13.0f}"
            f"{d['wheel_kib']:>11.0f}  {d['requires']}{mark}"
        )
    total_mod = sum(d["modules_kib"] for d in described)
    total_whl = sum(d["wheel_kib"] for d in described)
    print(f"  {'total':<32}{total_mod:>19.0f}{total_whl:>11.0f}")
    print()
    width = max(len(name) for name in med) + 2
    head = f"{'measurement':<{width}}{'median ms':>11}{'min ms':>10}{'MAD ms':>10}{'requests':>10}"
    print(head)
    print("-" * len(head))
    for name in med:
        count = REQUESTS.get(name, 0)
        print(f"{name:<{width}}{med[name]:>11.1f}{low[name]:>10.1f}{mad[name]:>10.1f}{count:>10}")
    print("-" * len(head))
    base = med[BASELINE]
    subject = med[SUBJECT]
    ratio = subject / base
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(
        f"subject / baseline: {ratio:.2f}x median, {low[SUBJECT] / low[BASELINE]:.2f}x min "
        f"(+{subject - base:.0f} ms) - {verdict} the {TARGET_RATIO}x target"
    )
    dry, local = med[DRY_RUN], med[LOCAL]
    own = subject - dry - local
    print(
        f"subject = dry run {dry:.0f} + local-files install {local:.0f} + {own:.0f} ms of "
        "bumpguard's own (start-up, imports, index checks, downloads, inspection)"
    )
    print(
        f"baseline - local-files install = {base - local:.0f} ms: what pip's own install "
        "spends finding, resolving and downloading, which the subject's dry run repeats "
        f"(the dry run costs {dry - med[PIP_START]:.0f} ms beyond pip's "
        f"{med[PIP_START]:.0f} ms start-up)"
    )


def report_probe(probed: dict[str, Any], wall: float) -> None:
    print()
    print(
        "phases of one subject run (in-process probe: a fresh interpreter running "
        "guard.cli.main with guard.engine.install's phases wrapped by timers; a fresh venv and "
        "cache; one run, so noisy):"
    )
    calls = {k: v[0] * 1000 for k, v in probed["calls"].items()}
    counts = {k: v[1] for k, v in probed["calls"].items()}
    pips = [(kind, extra, seconds * 1000) for kind, extra, seconds in probed["pip"]]
    dry = sum(ms for kind, _, ms in pips if kind.startswith("dry"))
    final = sum(ms for kind, _, ms in pips if not kind.startswith("dry"))
    imports = {k: probed[k] * 1000 for k in probed if k.startswith("import ")}
    main = probed["main"] * 1000
    resolve, decide = calls[RESOLVE], calls[DECIDE]
    rows: list[tuple[str, float]] = [
        (
            "interpreter start-up and exit (+ this script's imports)",
            wall - main - sum(imports.values()),
        ),
        *imports.items(),
        ("load the policy", calls[POLICY]),
        (RESOLVE, resolve),
    ]
    rows += [
        (f"  pip subprocess: {kind} {extra}".rstrip(), ms)
        for kind, extra, ms in pips
        if kind.startswith("dry")
    ]
    rows.append(("  reading the report", resolve - dry))
    rows.append((DECIDE, decide))
    inner = [k for k in calls if k.startswith("  ")]
    rows += [(f"{k} x{counts[k]}", calls[k]) for k in inner]
    rows.append(
        ("  the rest (policy rules, writing the files)", decide - sum(calls[k] for k in inner))
    )
    rows.append(("pip subprocess: final install (--no-deps --no-index)", final))
    rows.append(
        (
            "the rest of main (arguments, table, temp dir)",
            main - calls[POLICY] - resolve - decide - final,
        )
    )
    rows.append(("total (wall time of the probe process)", wall))
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        print(f"  {label:<{width}}{value:>9.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
