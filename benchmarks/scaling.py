"""Does ``bumpguard check`` stay linear where hostile or just large repositories push it?

Two comparisons, each timed in fresh interpreters (median of ``--repeat`` interleaved
runs after one warm-up), in temporary git repositories:

* **Ledger size.** ``requirements.txt`` pins ``openai==1.93.0`` and its ledger holds the
  approval of that version among 10, then among 10,000 approvals of other versions. The
  target: the big ledger at most 1.5x the small one.
* **pyproject.toml size.** 40,000 dependencies (``pkg-N>=1``) in ``[project]
  dependencies``, against the same list as a ``requirements.txt``. Both go through the
  same requirement parser; the difference is finding each dependency's line in the TOML
  text. The target: at most 2x.

Usage: ``python benchmarks/scaling.py [--repeat 5] [--approvals 10000] [--deps 40000]``.
Timings are never asserted (exit 0 unless a check fails).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from _bench import interleaved

ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("BUMPGUARD_", "GIT_"))},
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
ENV.pop("CI", None)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        env=ENV,
    )


def _repo(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True)
    _git(directory, "init", "-q")
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git(directory, "add", "-A")
    return directory


def _ledger(count: int) -> str:
    approvals = [
        {
            "version": version,
            "reviewer": "bench",
            "approved_at": "2026-01-01T00:00:00Z",
            "reason": "bench",
            "hashes": [],
            "source": None,
        }
        for version in ["1.93.0", *(f"0.{i // 1000}.{i % 1000}" for i in range(count - 1))]
    ]
    return json.dumps({"schema": 1, "package": "openai", "approvals": approvals}, indent=2)


def _timed(repo: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "guard", "-C", str(repo), "check"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"scaling: check in {repo} exited {proc.returncode}\n{proc.stdout}{proc.stderr}")
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--approvals", type=int, default=10_000)
    parser.add_argument("--deps", type=int, default=40_000)
    args = parser.parse_args(argv)
    top = Path(tempfile.mkdtemp(prefix="bumpguard-scaling-"))
    ENV["BUMPGUARD_CACHE_DIR"] = str(top / "cache")
    try:
        pin = "openai==1.93.0\n"
        small = _repo(
            top / "ledger-10",
            {"requirements.txt": pin, ".bumpguard/approvals/openai.json": _ledger(10)},
        )
        big = _repo(
            top / "ledger-big",
            {"requirements.txt": pin, ".bumpguard/approvals/openai.json": _ledger(args.approvals)},
        )
        names = [f"pkg-{i}>=1" for i in range(args.deps)]
        listed = "".join(f'  "{n}",\n' for n in names)
        pyproject = f'[project]\nname = "app"\nversion = "1"\ndependencies = [\n{listed}]\n'
        toml = _repo(top / "pyproject", {"pyproject.toml": pyproject})
        reqs = _repo(top / "requirements", {"requirements.txt": "\n".join(names) + "\n"})
        jobs = {
            "ledger with 10 approvals": lambda: _timed(small),
            f"ledger with {args.approvals:,} approvals": lambda: _timed(big),
            f"requirements.txt, {args.deps:,} dependencies": lambda: _timed(reqs),
            f"pyproject.toml, {args.deps:,} dependencies": lambda: _timed(toml),
        }
        samples = {k: statistics.median(v) for k, v in interleaved(jobs, args.repeat).items()}
        for name, value in samples.items():
            print(f"{name:45} {value * 1000:9.1f} ms")
        values = list(samples.values())
        print(f"\nledger: {values[1] / values[0]:.2f}x (target at most 1.5x)")
        print(
            f"pyproject.toml / requirements.txt: {values[3] / values[2]:.2f}x (target at most 2x)"
        )
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
