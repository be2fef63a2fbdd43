"""Hostile files in a repository (a pull request CI checks out) end in exit 2, quickly.

Each case runs the real command line in a fresh interpreter with the limits issue 10
sets (10 s and 500 MiB of address space), so a hang or an unbounded read fails the test
instead of the machine. Each has a control: the same repository with an ordinary file
passes. The section "the table, row by row" has one test per row of the issue's table.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT, Repo
from tests.staticserver import Server
from tests.test_manifests import POETRY_LOCK, PYLOCK, PYPROJECT, UV_LOCK

LIMIT_SECONDS = 10
LIMIT_BYTES = 500 * 1024**2

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
        ".bumpguard/approvals/openai.json:1: invalid JSON: nested more than 64 levels deep",
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


# --- the table, row by row ------------------------------------------------------------
# Each row of issue 10's table, in a fresh interpreter under 10 s and 500 MiB: exit 2
# naming the file (or 0/1 where the input is valid), never a traceback.

TOML_SEEDS = {
    "uv.lock": UV_LOCK,
    "poetry.lock": POETRY_LOCK,
    "pylock.toml": PYLOCK,
    "pyproject.toml": PYPROJECT,
}
TOML_MUTATIONS = {
    "a NUL byte": ('x = "a\x00b"\n', "Illegal character"),
    "an impossible date": ("x = 2001-02-30\n", "Invalid date"),
    "a surrogate escape": ('x = "\\uD800"\n', "not a Unicode scalar value"),
    "an unknown escape": ('x = "\\q"\n', "Unescaped"),
    "a number beyond the digit limit": ("x = " + "9" * 5000 + "\n", "a number too long"),
    "nesting beyond the cap": ("x = " + "[" * 65 + "]" * 65 + "\n", "nested more than 64"),
}


@pytest.mark.parametrize("mutation", sorted(TOML_MUTATIONS))
@pytest.mark.parametrize("name", sorted(TOML_SEEDS))
def test_row_mutated_toml_files(repo: Repo, name: str, mutation: str) -> None:
    seed = textwrap.dedent(TOML_SEEDS[name]).lstrip("\n")
    repo.write(name, seed)
    repo.add()
    assert bumpguard(repo, "check").returncode in (0, 1)  # control: the seed is valid
    line, words = TOML_MUTATIONS[mutation]
    (repo.path / name).write_bytes((line + seed).encode())
    refused(bumpguard(repo, "check"), f"{name}:1:", words)


@pytest.mark.parametrize(
    "data",
    [
        '{"_meta": {"hash": {"sha256": 1}}, "default": {"openai": {"version": 5}}}',
        '{"_meta": [], "default": {}}',
        '{"_meta": {}, "default": {"openai": "==1.0"}}',
        '{"_meta": {}, "default": {"openai": {"version": "==1", "hashes": 3}}}',
        '{"_meta": {}, "default": [], "develop": {"x": {"markers": 7}}}',
        '{"_meta": {"sources": [{"url": 5}]}, "default": {}}',
    ],
)
def test_row_pipfile_lock_with_wrong_typed_fields(repo: Repo, data: str) -> None:
    repo.write("Pipfile.lock", data)
    repo.add()
    refused(bumpguard(repo, "check"), "Pipfile.lock:")


LEDGER_APPROVAL = {
    "version": "1.93.0",
    "reviewer": "Rita <rita@example.org>",
    "approved_at": "2026-01-01T00:00:00Z",
    "reason": "reviewed",
    "hashes": [],
    "source": None,
}


@pytest.mark.parametrize(
    "ledger",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"schema": 1, "package": "openai", "approvals": ' + "[" * 70 + "]" * 70 + "}",
        '{"schema": "1", "package": 7, "approvals": {}}',
        '{"schema": 1, "package": "openai", "approvals": [{"version": 1.93}]}',
        json.dumps(
            {"schema": 1, "package": "openai", "approvals": [{**LEDGER_APPROVAL, "reviewer": []}]}
        ),
        json.dumps(
            {"schema": 1, "package": "openai", "approvals": [{**LEDGER_APPROVAL, "hashes": "x"}]}
        ),
        json.dumps(
            {"schema": 1, "package": "openai", "approvals": [{**LEDGER_APPROVAL, "approved_at": 5}]}
        ),
        json.dumps(
            {"schema": 1, "package": "openai", "approvals": [{**LEDGER_APPROVAL, "evidence": {}}]}
        ),
        '{"schema": 1, "package": "openai", "approvals": [], "x": ' + "9" * 5000 + "}",
    ],
    ids=[
        "deep",
        "over-the-cap",
        "schema",
        "version",
        "reviewer",
        "hashes",
        "time",
        "evidence",
        "digits",
    ],
)
def test_row_ledger_deep_or_wrong_typed(repo: Repo, ledger: str) -> None:
    repo.write("requirements.txt", "openai==1.93.0\n")
    repo.write(
        ".bumpguard/approvals/openai.json",
        json.dumps({"schema": 1, "package": "openai", "approvals": [LEDGER_APPROVAL]}),
    )
    repo.add()
    assert bumpguard(repo, "check").returncode == 0  # control: the ledger approves it
    repo.write(".bumpguard/approvals/openai.json", ledger)
    refused(bumpguard(repo, "check"), ".bumpguard/approvals/openai.json")


@pytest.mark.parametrize(
    ("policy", "where"),
    [
        ("protected_defaults:\n  min_release_age: 99999999999999999999d\n", ":3:"),
        ("protected_defaults:\n  min_release_age: " + "9" * 5000 + "d\n", ":3:"),
        ("protect:\n  - name: openai\n    publisher: 5\n", ":4:"),
        ("protect:\n  - name: openai\n    publisher: {kind: github, repository: [1]}\n", ":4:"),
        ("protect:\n  - name: .inf\n", ":3:"),
        ("protect:\n  - !!binary aGVsbG8=\n", ":3:"),
        ("protect: [? [a]: b]\n", ":2:"),
        ("<<: {a: 1}\n", ":2:"),
        ("deny:\n  - package: x\n    reason: 2001-02-30\n", ":4:"),
        ("protect: [2001-01-01]\n", ":2:"),
        ("protect: !!set {a, b}\n", ":2:"),
        ("protect: " + "[" * 70 + "]" * 70 + "\n", ":2:"),
        ("protect: " + "[" * 900 + "]" * 900 + "\n", ":2:"),
    ],
)
def test_row_policy_with_hostile_values(repo: Repo, policy: str, where: str) -> None:
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.write(".bumpguard.yaml", "version: 1\n")
    repo.add()
    assert bumpguard(repo, "check").returncode == 0  # control
    repo.write(".bumpguard.yaml", "version: 1\n" + policy)
    refused(bumpguard(repo, "check"), ".bumpguard.yaml" + where)


HUGE_VERSION = "1" * 5000


@pytest.mark.parametrize(
    "args",
    [
        ("approve", f"openai==={HUGE_VERSION}", "--reason", "r", "--offline"),
        ("approve", f"openai==1.{HUGE_VERSION}", "--reason", "r", "--offline"),
        ("verify", f"openai==={HUGE_VERSION}"),
    ],
    ids=["approve ===", "approve ==", "verify"],
)
def test_row_a_version_of_5000_digits_on_the_command_line(
    repo: Repo, args: tuple[str, ...]
) -> None:
    refused(bumpguard(repo, *args), "a version longer than 100 characters")


def test_row_a_version_of_5000_digits_in_a_file(repo: Repo) -> None:
    repo.write("requirements.txt", f"openai==={HUGE_VERSION}\n")
    repo.add()
    refused(bumpguard(repo, "check"), "requirements.txt:1:", "a version longer than 100")
    # A range too: packaging 26 turns its bounds into ints as soon as it prints, sorts or
    # compares the set (">=2,<999...9" crashed check with exit 3; found by the fuzzer).
    for spec in (f">={HUGE_VERSION}", f">=2.31,<{HUGE_VERSION}"):
        repo.write("requirements.txt", f"openai{spec}\n")
        refused(bumpguard(repo, "check"), "requirements.txt:1:", "a version longer than 100")


def test_row_a_long_package_name_in_approve(repo: Repo) -> None:
    name = "a" * 200
    assert bumpguard(repo, "approve", f"{name}==1.0", "--reason", "r", "--offline").returncode == 0
    assert (repo.path / f".bumpguard/approvals/{name}.json").is_file()
    refused(
        bumpguard(repo, "approve", f"{name}b==1.0", "--reason", "r", "--offline"),
        "longer than 200",
    )


def test_row_evidence_and_remote_copies_that_link_to_dev_zero(repo: Repo) -> None:
    evidence = ".bumpguard/evidence/openai/openai-1.93.0-py3-none-any.whl.json"
    approval = {
        **LEDGER_APPROVAL,
        "evidence": [
            {"filename": "openai-1.93.0-py3-none-any.whl", "sha256": "a" * 64, "path": evidence}
        ],
    }
    repo.write("requirements.txt", "openai==1.93.0\n")
    repo.write(
        ".bumpguard/approvals/openai.json",
        json.dumps({"schema": 1, "package": "openai", "approvals": [approval]}),
    )
    repo.write(evidence, "{}")
    repo.add()
    control = bumpguard(repo, "check")  # a regular file that is no evidence: a finding
    assert control.returncode == 1 and "attestation-invalid" in control.stdout
    (repo.path / evidence).unlink()
    link(repo, evidence, "/dev/zero")
    refused(bumpguard(repo, "check"), evidence, "outside the repository")
    (repo.path / evidence).unlink()
    repo.write(evidence, " " * (4 * 1024 * 1024 + 1))
    refused(bumpguard(repo, "check"), evidence, "larger than 4 MiB")


def test_row_a_stored_remote_policy_that_links_to_dev_zero(repo: Repo) -> None:
    remote = b"version: 1\nprotect:\n  - anthropic\n"
    digest = hashlib.sha256(remote).hexdigest()
    url = "https://policies.example.org/base.yaml"
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.write(".bumpguard.yaml", f"version: 1\nextends:\n  - {{url: {url}, sha256: '{digest}'}}\n")
    entry = {
        "kind": "policy",
        "url": url,
        "name": None,
        "sha256": digest,
        "pin": {"sha256": digest},
        "fetched_at": "2026-01-01T00:00:00Z",
        "path": f".bumpguard/remote/{digest}",
        "bundle": None,
    }
    repo.write(".bumpguard/policy.lock", json.dumps({"schema": 1, "entries": [entry]}))
    (repo.path / ".bumpguard/remote").mkdir(parents=True)
    (repo.path / f".bumpguard/remote/{digest}").write_bytes(remote)
    repo.add()
    assert bumpguard(repo, "check").returncode == 0  # control: the stored copy is read
    (repo.path / f".bumpguard/remote/{digest}").unlink()
    link(repo, f".bumpguard/remote/{digest}", "/dev/zero")
    refused(bumpguard(repo, "check"), f".bumpguard/remote/{digest}", "outside the repository")


def test_row_an_imported_review_export_nested_100000_deep(repo: Repo, server: Server) -> None:
    def fetch(export: bytes) -> subprocess.CompletedProcess[str]:
        url = server.serve("/team/reviews.json", export)
        repo.write(
            ".bumpguard.yaml",
            "version: 1\nimports:\n  - name: team\n"
            f"    url: {url}\n    sha256: {hashlib.sha256(export).hexdigest()}\n",
        )
        return bumpguard(repo, "policy", "fetch")

    repo.write("requirements.txt", "requests==2.32.3\n")
    refused(fetch(("[" * 100_000 + "]" * 100_000).encode()), "reviews.json", "nested more than 64")
    assert not (repo.path / ".bumpguard/policy.lock").exists()  # nothing was locked
    good = {"schema": 1, "kind": "bumpguard-reviews", "packages": {}, "evidence": {}}
    assert fetch(json.dumps(good).encode()).returncode == 0  # control


@pytest.mark.parametrize(
    "shape",
    [
        "an include through a link loop",
        "a dependency file that is a link loop",
        "a path to a link loop",
    ],
)
def test_row_a_requirements_path_that_resolves_strangely(repo: Repo, shape: str) -> None:
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.add()
    assert bumpguard(repo, "check").returncode == 0  # control
    link(repo, "loop", "loop")
    if shape == "an include through a link loop":
        repo.write("requirements.txt", "-r loop/more.txt\n")
    elif shape == "a path to a link loop":
        repo.write("requirements.txt", "-e ./loop\n")
    else:
        (repo.path / "requirements.txt").unlink()
        link(repo, "requirements.txt", "requirements.txt")
    repo.add()
    proc = bumpguard(repo, "check")
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    if shape != "a path to a link loop":
        refused(proc, "requirements.txt", "link loop")


# --- also found -------------------------------------------------------------------------


def test_a_latin1_git_user_name_is_recorded_not_a_crash(repo: Repo) -> None:
    repo.write("requirements.txt", "openai==1.93.0\n")
    repo.add()
    with open(repo.path / ".git/config", "ab") as config:
        config.write(b"[user]\n\tname = Ren\xe9\n")
    proc = bumpguard(repo, "approve", "openai==1.93.0", "--reason", "r", "--offline")
    assert proc.returncode == 0, proc.stderr
    recorded = json.loads((repo.path / ".bumpguard/approvals/openai.json").read_text())
    assert recorded["approvals"][0]["reviewer"].startswith("Ren\ufffd")


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z"]
)
def test_upload_times_at_the_calendar_edges(repo: Repo, when: str) -> None:
    digest = "a" * 64
    repo.write(
        "uv.lock",
        'version = 1\nrequires-python = ">=3.10"\n[[package]]\nname = "openai"\n'
        'version = "1.93.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        f'sdist = {{ url = "https://x/openai-1.93.0.tar.gz", hash = "sha256:{digest}", '
        f'upload-time = "{when}" }}\n',
    )
    repo.write(
        ".bumpguard.yaml", "version: 1\nprotect:\n  - name: openai\n    min_release_age: 7d\n"
    )
    repo.add()
    proc = bumpguard(repo, "approve", "openai==1.93.0", "--reason", "r", "--offline")
    assert proc.returncode == 1, proc.stderr  # never old enough, or no usable time: refused
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "cooldown" in proc.stderr or "1w" in proc.stderr
    assert bumpguard(repo, "check").returncode == 1


def test_a_listed_file_in_an_unsearchable_folder_is_refused_not_skipped(repo: Repo) -> None:
    repo.write("sub/requirements.txt", "litellm==1.82.8\n")
    repo.add()
    folder = repo.path / "sub"
    folder.chmod(0)
    try:
        prefix: list[str] = []
        if os.geteuid() == 0:  # root reads anything: drop the capabilities that allow it
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv")
            prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "guard", "-C", str(repo.path), "check"],
            capture_output=True,
            text=True,
            timeout=LIMIT_SECONDS,
            preexec_fn=_limits,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        folder.chmod(0o755)
    refused(proc, "sub/requirements.txt", "Permission denied")


def _approve_under(repo: Repo, script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (a shell snippet that prepares .bumpguard/approvals, then runs
    ``$BUMPGUARD approve ...``) in a private mount namespace, where it may mount a small or
    read-only file system over the ledger."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) for a private mount namespace")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user and mount namespaces are not available here")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BUMPGUARD": f"{sys.executable} -m guard -C {repo.path}",
        "LEDGER": str(repo.path / ".bumpguard/approvals"),
    }
    return subprocess.run(
        ["unshare", "-rm", "sh", "-euc", script],
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
        env=env,
    )


@pytest.mark.parametrize("fault", ["disk full", "read-only file system", "file-size limit"])
def test_a_write_that_fails_is_exit_2_and_keeps_the_ledger(repo: Repo, fault: str) -> None:
    repo.write("requirements.txt", "openai==1.93.0\nanthropic==0.57.1\n")
    repo.add()
    assert repo.run("approve", "openai==1.93.0", "--reason", "first", "--offline") == 0
    ledger = repo.path / ".bumpguard/approvals/openai.json"
    kept = ledger.read_bytes()
    approve = "$BUMPGUARD approve openai==1.94.0 --reason second --offline"
    saved = repo.path.parent / "saved"
    saved.mkdir()
    (saved / "openai.json").write_bytes(kept)
    if fault == "file-size limit":
        # Python ignores SIGXFSZ, so the write fails with EFBIG instead of killing it.
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "guard",
                "-C",
                str(repo.path),
                "approve",
                "openai==1.94.0",
                "--reason",
                "second",
                "--offline",
            ],
            capture_output=True,
            text=True,
            timeout=LIMIT_SECONDS,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (len(kept), len(kept))),
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        after = ledger.read_bytes()
    else:
        setup = f'mount -t tmpfs -o size=64k tmpfs "$LEDGER"; cp {saved}/openai.json "$LEDGER"/'
        if fault == "disk full":
            setup += '; dd if=/dev/zero of="$LEDGER/filler" bs=1k count=1000 2>/dev/null || true'
        else:
            setup += '; mount -o remount,ro "$LEDGER"'
        proc = _approve_under(
            repo,
            f"{setup}; {approve} || code=$?; "
            f'cat "$LEDGER/openai.json" > {saved}/after; exit ${{code:-0}}',
        )
        after = (saved / "after").read_bytes()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "openai.json" in proc.stderr or "approvals" in proc.stderr, proc.stderr
    assert after == kept  # every earlier approval intact
    reason = {
        "disk full": "No space left on device",
        "read-only file system": "Read-only file system",
        "file-size limit": "File too large",
    }[fault]
    assert f"cannot write: {reason}" in proc.stderr, proc.stderr  # the fault really happened
