"""The review ledger under concurrent writers and writers killed mid-write (real processes)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from guard.ledger import APPROVALS_DIR, PackageLedger, parse
from tests.conftest import Repo, bumpguard_cmd, git


def _approve(repo: Path, spec: str) -> list[str]:
    return [
        *bumpguard_cmd(),
        "-C",
        str(repo),
        "approve",
        spec,
        "--reason",
        "r",
        "--reviewer",
        "x",
        "--offline",
    ]


def _start(cmd: list[str]) -> subprocess.Popen[str]:
    # A copy of os.environ: the autouse fixture already isolated HOME and git config.
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )


def _finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out + err))
    return results


def _read(repo: Repo, name: str) -> PackageLedger:
    path = repo.path / APPROVALS_DIR / f"{name}.json"
    return parse(path.read_text(encoding="utf-8"), f"{APPROVALS_DIR}/{name}.json", name)


def _leftovers(repo: Repo) -> list[str]:
    """Untracked or changed paths git would offer to commit that are lock or temp files."""
    status = git(repo.path, "status", "--porcelain", "--untracked-files=all").stdout
    return [line for line in status.splitlines() if line.endswith((".tmp", ".lock"))]


def test_twenty_concurrent_approvals_of_one_package_are_all_kept(repo: Repo) -> None:
    procs = [_start(_approve(repo.path, f"openai==1.83.{i}")) for i in range(20)]
    results = _finish(procs)
    assert [code for code, _ in results] == [0] * 20, results

    ledger = _read(repo, "openai")
    versions = [a.version for a in ledger.approvals]
    assert len(versions) == 20
    assert set(versions) == {f"1.83.{i}" for i in range(20)}
    assert all(a.reviewer == "x" and a.reason == "r" for a in ledger.approvals)
    assert _leftovers(repo) == []


def test_twenty_concurrent_approvals_of_different_packages(repo: Repo) -> None:
    names = [f"pkg-{i:02d}" for i in range(20)]
    results = _finish([_start(_approve(repo.path, f"{n}==1.0.{i}")) for i, n in enumerate(names)])
    assert [code for code, _ in results] == [0] * 20, results

    files = sorted(p.name for p in (repo.path / APPROVALS_DIR).glob("*.json"))
    assert files == [f"{n}.json" for n in names]
    for i, name in enumerate(names):
        ledger = _read(repo, name)
        assert [a.version for a in ledger.approvals] == [f"1.0.{i}"]
    ignored = (repo.path / ".bumpguard" / ".gitignore").read_text().splitlines()
    assert [line for line in ignored if not line.startswith("#")] == [
        "!*",
        "*.lock",
        "*.tmp",
        "!policy.lock",
    ]
    assert _leftovers(repo) == []


def test_killed_writers_never_leave_a_truncated_ledger(repo: Repo) -> None:
    # A dependency file that makes `check` read the ledger.
    repo.write("requirements.txt", "openai==1.83.0\n")
    repo.add("requirements.txt")
    ledger_path = repo.path / APPROVALS_DIR / "openai.json"

    # Calibrate the kill window on this machine: a batch of writers as large as each round's,
    # start to finish, so kills land before, during and after the write.
    started = time.monotonic()
    first = _finish([_start(_approve(repo.path, f"openai==1.83.{i}")) for i in range(4)])
    window = time.monotonic() - started
    assert [code for code, _ in first] == [0] * 4, first
    launched = {f"1.83.{i}" for i in range(4)}
    completed = set(launched)

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    killed = 0
    for round_no in range(30):
        batch = []  # (kill at, or None to let it finish; version; process)
        for k in range(4):
            version = f"1.84.{round_no * 4 + k}"
            launched.add(version)
            kill_at = rng.uniform(0, window) if rng.random() < 0.75 else None
            batch.append((kill_at, version, _start(_approve(repo.path, f"openai=={version}"))))
        t0 = time.monotonic()
        for kill_at, _, proc in sorted((b for b in batch if b[0] is not None), key=lambda b: b[0]):
            delay = kill_at - (time.monotonic() - t0)
            if delay > 0:
                time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        results = _finish([proc for _, _, proc in batch])
        for (kill_at, version, _), (code, output) in zip(batch, results, strict=True):
            if code == 0:
                completed.add(version)
            else:
                assert kill_at is not None, f"seed {seed}: {version}: {code}: {output}"
                assert code == -signal.SIGKILL, f"seed {seed}: {version}: {code}: {output}"
                killed += 1

        # Whatever was killed when, the file is whole, and every finished approval is in it.
        ledger = _read(repo, "openai")
        versions = {a.version for a in ledger.approvals}
        assert completed <= versions <= launched, f"seed {seed}, round {round_no}"
        assert len(versions) == len(ledger.approvals)
        assert ledger_path.read_text(encoding="utf-8").endswith("}\n")

    assert killed, f"seed {seed}: no writer was killed (window {window:.2f}s)"
    git(repo.path, "add", "-A")
    check = subprocess.run(
        [*bumpguard_cmd(), "-C", str(repo.path), "check"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert _leftovers(repo) == [], f"seed {seed}"
