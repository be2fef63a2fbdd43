"""Hostile files in a repository (a pull request CI checks out) end in exit 2, quickly.

Each case runs the real command line in a fresh interpreter with a time limit and an
address-space limit, so a hang or an unbounded read fails the test instead of the
machine. Each has a control: the same repository with an ordinary file passes.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Repo

LIMIT_SECONDS = 30
LIMIT_BYTES = 2 * 1024**3

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero")


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def bumpguard(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "guard", "-C", str(repo.path), *args],
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
        preexec_fn=_limits,
        env=env,
    )


def refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def link(repo: Repo, name: str, target: str) -> None:
    path = repo.path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def test_a_lock_that_links_to_dev_zero(repo: Repo) -> None:
    repo.write("requirements.txt", "requests==2.32.3\n")
    link(repo, "uv.lock", "/dev/zero")
    repo.add()
    refused(bumpguard(repo, "check"), "uv.lock", "/dev/zero, outside the repository")
    (repo.path / "uv.lock").unlink()
    repo.add()
    assert bumpguard(repo, "check").returncode == 0  # control


def test_a_policy_lock_or_ledger_that_links_to_dev_zero(repo: Repo) -> None:
    repo.write("requirements.txt", "openai==1.93.0\n")
    repo.add()
    assert (
        bumpguard(repo, "approve", "openai==1.93.0", "--reason", "r", "--offline").returncode == 0
    )
    repo.add()
    assert bumpguard(repo, "check").returncode == 0  # control: the real ledger passes
    ledger = repo.path / ".bumpguard/approvals/openai.json"
    ledger.unlink()
    ledger.symlink_to("/dev/zero")
    refused(bumpguard(repo, "check"), "openai.json", "outside the repository")
    ledger.unlink()
    os.mkfifo(ledger)  # a file git holds, replaced in the work tree by a FIFO
    refused(bumpguard(repo, "check"), "openai.json", "is a FIFO, not a regular file")
    ledger.unlink()
    link(repo, ".bumpguard/policy.lock", "/dev/zero")
    pinned = "{url: https://policies.example.org/base.yaml, sha256: '" + "a" * 64 + "'}"
    repo.write(".bumpguard.yaml", f"version: 1\nextends:\n  - {pinned}\n")
    refused(bumpguard(repo, "check"), "policy.lock", "outside the repository")


def test_a_policy_that_is_a_fifo_does_not_hang(repo: Repo, tmp_path: Path) -> None:
    fifo = tmp_path / "policy.yaml"
    os.mkfifo(fifo)
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.add()
    refused(bumpguard(repo, "check", "--policy", str(fifo)), "is a FIFO")
    repo.write(".bumpguard.yaml", f"version: 1\nextends: {fifo}\n")
    refused(bumpguard(repo, "check"), "is a FIFO")
    repo.write(".bumpguard.yaml", "version: 1\nextends: builtin:llm-gateways\n")
    assert bumpguard(repo, "check").returncode == 0  # control


def test_a_link_that_leaves_the_repository_is_not_followed(repo: Repo, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("requests==2.32.3\n")
    link(repo, "requirements.txt", str(outside))
    repo.add()
    refused(bumpguard(repo, "check"), "requirements.txt", "outside the repository")
    (repo.path / "requirements.txt").unlink()
    repo.write("real.txt", "requests==2.32.3\n")
    link(repo, "requirements.txt", "real.txt")  # control: a link inside is followed
    repo.add()
    assert bumpguard(repo, "check").returncode == 0


@pytest.mark.parametrize("shape", ["directory", "dangling link"])
def test_a_policy_file_that_is_not_a_file_fails_closed(repo: Repo, shape: str) -> None:
    """It used to be ignored, and the built-in policy applied instead of the repository's."""
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.add()
    if shape == "directory":
        (repo.path / ".bumpguard.yaml").mkdir()
    else:
        link(repo, ".bumpguard.yaml", "no-such-policy.yaml")
    refused(bumpguard(repo, "check"), ".bumpguard.yaml")


def test_a_ledger_over_its_cap_names_the_cap(repo: Repo) -> None:
    repo.write("requirements.txt", "openai==1.93.0\n")
    repo.add()
    assert (
        bumpguard(repo, "approve", "openai==1.93.0", "--reason", "r", "--offline").returncode == 0
    )
    ledger = repo.path / ".bumpguard/approvals/openai.json"
    text = ledger.read_text()
    ledger.write_text(text + " " * (16 * 1024 * 1024))  # valid JSON, 16 MiB of spaces
    repo.add()
    refused(bumpguard(repo, "check"), "openai.json", "larger than 16 MiB")


def test_a_lock_replaced_by_a_fifo_in_the_work_tree_does_not_hang(repo: Repo) -> None:
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.add()
    assert bumpguard(repo, "check").returncode == 0  # control
    (repo.path / "requirements.txt").unlink()
    os.mkfifo(repo.path / "requirements.txt")
    refused(bumpguard(repo, "check"), "requirements.txt", "is a FIFO, not a regular file")


# Inputs that ended in exit 3 (a traceback) and now name the file: run in-process.
HUGE = "9" * 5000
CASES = {
    "a duration beyond timedelta": (
        {
            ".bumpguard.yaml": "version: 1\nprotected_defaults:\n"
            "  min_release_age: 99999999999999999999d\n"
        },
        ".bumpguard.yaml:3",
    ),
    "a duration beyond Python's digit limit": (
        {".bumpguard.yaml": f"version: 1\nprotected_defaults:\n  min_release_age: {HUGE}d\n"},
        ".bumpguard.yaml:3",
    ),
    "a YAML date that is no date": (
        {".bumpguard.yaml": "version: 1\ndeny:\n  - package: x\n    reason: 2001-02-30\n"},
        ".bumpguard.yaml:4: invalid value",
    ),
    "a ledger nested 100,000 deep": (
        {".bumpguard/approvals/openai.json": "[" * 100_000 + "]" * 100_000},
        ".bumpguard/approvals/openai.json: invalid JSON: nested more than 64 levels deep",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_values_are_input_errors(
    case: str, repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    files, where = CASES[case]
    repo.write("requirements.txt", "openai==1.93.0\n")
    for name, text in files.items():
        repo.write(name, text)
    repo.add()
    assert repo.run("check") == 2
    assert where in capsys.readouterr().err


def test_approving_a_name_too_long_for_a_file_is_a_usage_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "a" * 250
    assert repo.run("approve", f"{name}==1.0", "--reason", "r", "--offline") == 2
    assert "longer than 200" in capsys.readouterr().err
    assert not (repo.path / ".bumpguard").exists() or not any(
        (repo.path / ".bumpguard").rglob("*.tmp")
    )


# --- writes ---------------------------------------------------------------------------


def _approve(repo: Repo, *extra: str) -> int:
    return repo.run("approve", "openai==1.93.0", "--reason", "reviewed", "--offline", *extra)


def test_an_approval_file_gets_the_usual_permissions(repo: Repo) -> None:
    repo.write("requirements.txt", "openai==1.93.0\n")
    old = os.umask(0o022)
    try:
        assert _approve(repo) == 0
    finally:
        os.umask(old)
    ledger = repo.path / ".bumpguard/approvals/openai.json"
    assert ledger.stat().st_mode & 0o777 == 0o644  # mkstemp alone would leave 0600
    ledger.chmod(0o664)
    assert repo.run("approve", "openai==1.94.0", "--reason", "r", "--offline") == 0
    assert ledger.stat().st_mode & 0o777 == 0o664  # an existing file keeps its mode


def test_a_ledger_folder_that_cannot_be_made_is_an_input_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "openai==1.93.0\n")
    repo.write(".bumpguard", "a file where the ledger's folder should be\n")
    assert _approve(repo) == 2
    err = capsys.readouterr().err
    assert ".bumpguard" in err and "cannot write" in err and "Traceback" not in err


def test_a_directory_in_place_of_the_ledger_file_leaves_the_others_intact(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "openai==1.93.0\nanthropic==0.57.1\n")
    assert repo.run("approve", "anthropic==0.57.1", "--reason", "r", "--offline") == 0
    kept = (repo.path / ".bumpguard/approvals/anthropic.json").read_text()
    (repo.path / ".bumpguard/approvals/openai.json").mkdir()
    assert _approve(repo) == 2
    assert "openai.json" in capsys.readouterr().err
    assert (repo.path / ".bumpguard/approvals/anthropic.json").read_text() == kept
    assert not list((repo.path / ".bumpguard").rglob("*.tmp"))


def test_text_that_is_not_utf8_is_refused_before_anything_is_written(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "openai==1.93.0\n")
    reason = b"ok \xff".decode("utf-8", "surrogateescape")  # what argv holds for such bytes
    assert repo.run("approve", "openai==1.93.0", "--reason", reason, "--offline") == 2
    assert "--reason is not valid text" in capsys.readouterr().err
    assert not (repo.path / ".bumpguard").exists()


def test_a_version_too_long_for_the_parser_is_a_usage_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert repo.run("approve", "openai===" + "1" * 5000, "--reason", "r", "--offline") == 2
    assert "a version longer than 100 characters" in capsys.readouterr().err


def test_reviews_export_never_replaces_a_special_file(repo: Repo, tmp_path: Path) -> None:
    repo.write("requirements.txt", "openai==1.93.0\n")
    assert _approve(repo) == 0
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    assert repo.run("reviews", "export", "--output", str(fifo)) == 2
    assert fifo.is_fifo()
    regular = tmp_path / "export.json"
    assert repo.run("reviews", "export", "--output", str(regular)) == 0  # control
    assert '"openai"' in regular.read_text()


@pytest.mark.skipif(sys.platform == "darwin", reason="APFS refuses file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_in_sarif(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    name = os.fsdecode(b"requirements-\xff.txt")
    (repo.path / name).write_text("litellm==1.82.8\n")
    repo.add()
    assert repo.run("check", "--format", "sarif") == 1
    out = capsys.readouterr().out
    assert '"uri": "requirements-%FF.txt"' in out
