"""How much slower is ``bumpguard diff`` of two real-sized wheels than unzipping both?

Builds two deterministic wheels of one package (``--files`` members each, default 2,000,
about 10 MB compressed: generated Python modules whose identifiers and literals vary so they
compress like real source, a few data files and two native libraries of random bytes).
The second release changes about 10% of the modules (a few lines each), adds 20 and removes
10, as a minor release does. ``--old``/``--new`` compare two wheels you already have
instead (what ``pip download`` fetched).

Then, interleaved (one warm-up, then ``--repeat`` rounds, the order rotated every round),
from a temporary folder outside any git repository:

* baseline: ``python -m zipfile -e OLD dirA`` then ``python -m zipfile -e NEW dirB`` (two
  fresh interpreters, the extracted folders removed before the next round, not timed);
* subject: ``python -m guard diff NAME OLD NEW`` (local files: no index), text output;
* ``--full``: the same with a unified diff of every changed text file (stdout is a pipe, so
  no pager);
* a reference: one fresh interpreter decompressing every member of both wheels in memory,
  writing nothing (the floor of anything that reads every file; extraction adds the disk
  writes, whose cost varies with the disk);
* ``python -c pass``, for the interpreter's own start-up.

The subject must exit 0. Prints the medians and the ratios against the baseline measured in
the same run; never asserts on timings. The target is at most 2x.

Usage: ``python benchmarks/diff_wheels.py [--files 2000] [--repeat 5] [--old W --new W]``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._bench import interleaved, print_ratios
from tests.wheels import make_wheel, wheel_filename

NAME = "bigpkg"
WORDS = [
    *("request", "response", "token", "model", "config", "client", "session", "stream"),
    *("batch", "cache", "router", "handler", "provider", "message", "embedding"),
    *("completion", "retry", "timeout", "logger", "metrics"),
]


def _module(rng: random.Random, size: int) -> bytes:
    """Python source of about ``size`` bytes: functions and classes with varied names."""
    lines = ['"""Generated module."""', "from __future__ import annotations", "import os", ""]
    total = 0
    while total < size:
        name = "_".join(rng.choice(WORDS) for _ in range(3)) + f"_{rng.randrange(10**6)}"
        body = [
            f"def {name}(value, *, limit={rng.randrange(1000)}):",
            f'    """{rng.choice(WORDS)} for {rng.choice(WORDS)} (#{rng.randrange(10**5)})."""',
            f"    if value > {rng.randrange(10**4)}:",
            f"        return os.environ.get({rng.choice(WORDS).upper()!r}, {rng.random():.6f})",
            f"    return [value * {rng.randrange(100)} for _ in range(limit)]",
            "",
        ]
        lines += body
        total += sum(len(b) + 1 for b in body)
    return ("\n".join(lines) + "\n").encode()


def build(folder: Path, files: int) -> tuple[Path, Path]:
    """The two releases as wheel files in ``folder``."""
    rng = random.Random(20261129)
    modules = {
        f"{NAME}/sub{i // 100}/mod_{i}.py": _module(rng, rng.randrange(4_000, 36_000))
        for i in range(files - 12)
    }
    data = {
        f"{NAME}/data/table_{i}.json": (
            "[" + ",".join(str(rng.randrange(10**9)) for _ in range(20_000)) + "]"
        ).encode()
        for i in range(8)
    }
    native = {
        f"{NAME}/_core{i}.cpython-311-x86_64-linux-gnu.so": rng.randbytes(1_200_000)
        for i in range(2)
    }
    old = {**modules, **data, **native, f"{NAME}/__init__.py": b"VERSION = '1.0'\n"}
    new = dict(old)
    names = sorted(modules)
    for path in rng.sample(names, len(names) // 10):
        text = new[path].split(b"\n")
        for _ in range(3):
            text.insert(rng.randrange(len(text)), f"# changed {rng.random()}".encode())
        new[path] = b"\n".join(text)
    for path in rng.sample(names, 10):
        del new[path]
    for i in range(20):
        new[f"{NAME}/added/new_{i}.py"] = _module(rng, 8_000)
    new[f"{NAME}/__init__.py"] = b"VERSION = '1.1'\n"
    paths = []
    for version, members in (("1.0", old), ("1.1", new)):
        path = folder / wheel_filename(NAME, version)
        path.write_bytes(make_wheel(NAME, version, members, top_level=[NAME]))
        paths.append(path)
    return paths[0], paths[1]


# Decompress every member of both wheels in one interpreter, writing nothing: the floor of
# any tool that reads every file, without the disk writes extraction costs.
_READ_ALL = (
    "import sys, zipfile\n"
    "for path in sys.argv[1:]:\n"
    "    with zipfile.ZipFile(path) as archive:\n"
    "        for info in archive.infolist():\n"
    "            archive.read(info)\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--old", type=Path, help="an existing wheel (with --new)")
    parser.add_argument("--new", type=Path, help="an existing wheel (with --old)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bumpguard-diff-bench-"))
    try:
        if args.old and args.new:
            old, new = args.old.resolve(), args.new.resolve()
            name = old.name.split("-", 1)[0]
        else:
            old, new = build(work, args.files)
            name = NAME
        import zipfile

        for wheel in (old, new):
            with zipfile.ZipFile(wheel) as archive:
                count = len(archive.infolist())
                unpacked = sum(i.file_size for i in archive.infolist())
            print(
                f"{wheel.name}: {wheel.stat().st_size / 1e6:.1f} MB, {count:,} files, "
                f"{unpacked / 1e6:.1f} MB unpacked"
            )
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH", "")]
        )

        def timed(*commands: list[str]) -> float:
            start = time.perf_counter()
            for command in commands:
                subprocess.run(command, cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            for folder in ("a", "b"):
                shutil.rmtree(work / folder, ignore_errors=True)
            return elapsed

        py = sys.executable
        unzip = (
            [py, "-m", "zipfile", "-e", str(old), "a"],
            [py, "-m", "zipfile", "-e", str(new), "b"],
        )
        subject = [py, "-m", "guard", "diff", name, str(old), str(new)]
        pair = [str(old), str(new)]
        samples = interleaved(
            {
                "python -m zipfile -e (both)": lambda: timed(*unzip),
                "bumpguard diff": lambda: timed(subject),
                "bumpguard diff --full": lambda: timed([*subject, "--full"]),
                "read both in memory (reference)": lambda: timed([py, "-c", _READ_ALL, *pair]),
                "python -c pass": lambda: timed([py, "-c", "pass"]),
            },
            args.repeat,
        )
        summary = subprocess.run(subject, cwd=work, env=env, capture_output=True, text=True)
        print(next(line for line in summary.stdout.splitlines() if line.startswith("files:")))
        print_ratios(samples, "python -m zipfile -e (both)")
        print("\ntarget: bumpguard diff / python -m zipfile -e (both) at most 2x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
