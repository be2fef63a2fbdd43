"""What does verifying reviewers' signatures cost the hook?

Builds two git repositories with the same ``requirements.txt`` of ``--packages`` (default
50) protected packages, each pinned and approved (``approve --offline``). In one the
approvals are plain; in the other each is signed (``approve --sign`` with an Ed25519 key
``ssh-keygen`` makes for the run). Then times, interleaved (one warm-up, then ``--repeat``
rounds, the order rotated every round), ``python -m guard check`` in each (both must exit
0) and ``python -c pass``, and prints the medians and the ratio signed / unsigned. The
target is at most 1.3x. Never asserts on timings.

Usage: ``python benchmarks/check_signed.py [--packages 50] [--repeat 15] [--key-type ed25519]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._bench import interleaved, print_ratios
from guard.cli import main as bumpguard


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


def make_repo(folder: Path, names: list[str], key: Path | None) -> None:
    folder.mkdir()
    git(folder, "init", "-q")
    git(folder, "config", "user.name", "Bench Reviewer")
    git(folder, "config", "user.email", "bench@example.org")
    (folder / ".bumpguard.yaml").write_text("version: 1\nprotect: ['bench-*']\n")
    (folder / "requirements.txt").write_text("".join(f"{n}==1.0\n" for n in names))
    git(folder, "add", "-A")
    sign = ["--sign", "--key", str(key)] if key else []
    specs = [f"{n}==1.0" for n in names]
    args = ["-C", str(folder), "approve", *specs, "--reason", "bench", "--offline", *sign]
    if bumpguard(args) != 0:
        raise SystemExit("approve failed")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "reviews")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--key-type", default="ed25519", choices=("ed25519", "ecdsa", "rsa"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bumpguard-signed-bench-"))
    try:
        key = work / "key"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", args.key_type, "-N", "", "-f", str(key)], check=True
        )
        names = [f"bench-{i:03d}" for i in range(args.packages)]
        make_repo(work / "plain", names, None)
        make_repo(work / "signed", names, key)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BUMPGUARD_")}
        env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)

        def timed(command: list[str]) -> float:
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
            return time.perf_counter() - start

        py = sys.executable
        samples = interleaved(
            {
                "check, unsigned approvals": lambda: timed(
                    [py, "-m", "guard", "-C", str(work / "plain"), "check"]
                ),
                "check, signed approvals": lambda: timed(
                    [py, "-m", "guard", "-C", str(work / "signed"), "check"]
                ),
                "python -c pass": lambda: timed([py, "-c", "pass"]),
            },
            args.repeat,
        )
        print(f"{args.packages} approvals, {args.key_type} key, {args.repeat} rounds")
        print_ratios(samples, "check, unsigned approvals")
        print("\ntarget: signed / unsigned at most 1.3x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
