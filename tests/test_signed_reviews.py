"""Signed approvals: ``approve --sign`` with real SSH keys made by ``ssh-keygen``, and the
offline, in-process verification in ``check`` (with ``ssh-keygen`` off the PATH)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from guard.ledger import parse, signed_record
from tests.conftest import Repo, git
from tests.staticserver import Server

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
LEDGER = ".bumpguard/approvals/acme.json"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    made = {}
    for name, kind in (("dana", "ed25519"), ("eve", "ecdsa")):
        path = folder / name
        subprocess.run(
            ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f", str(path)], check=True
        )
        made[name] = path
    return made


def fingerprint(key: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-f", f"{key}.pub"], capture_output=True, text=True, check=True
    )
    return out.stdout.split()[1]


@pytest.fixture
def signed(repo: Repo, keys: dict[str, Path]) -> Repo:
    """A repository whose protected acme==1.0 has an approval signed by dana."""
    repo.write(".bumpguard.yaml", "version: 1\nprotect: [acme]\n")
    repo.write("requirements.txt", "acme==1.0\n")
    repo.add()
    approve = ("approve", "acme==1.0", "--reason", "read it", "--offline")
    assert repo.run(*approve, "--sign", "--key", str(keys["dana"])) == 0
    repo.add()
    return repo


def ledger(repo: Repo) -> dict:
    return json.loads((repo.path / LEDGER).read_text())


def rewrite(repo: Repo, change) -> None:
    data = ledger(repo)
    change(data["approvals"][0])
    (repo.path / LEDGER).write_text(json.dumps(data, indent=2))
    repo.add()


def check_offline(repo: Repo, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``bumpguard check`` in a fresh interpreter with no ssh-keygen on PATH (git only) and
    every proxy pointing at a closed port."""
    bin_dir = tmp_path / "bin-git-only"
    bin_dir.mkdir(exist_ok=True)
    target = bin_dir / "git"
    if not target.exists():
        target.symlink_to(shutil.which("git") or "git")
    dead = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "PATH": str(bin_dir),
        "HTTP_PROXY": dead,
        "HTTPS_PROXY": dead,
        "http_proxy": dead,
        "https_proxy": dead,
        "NO_PROXY": "",
    }
    assert shutil.which("ssh-keygen", path=env["PATH"]) is None
    return subprocess.run(
        [sys.executable, "-m", "guard", "-C", str(repo.path), "check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_a_signed_approval_is_recorded_and_verified_offline(
    signed: Repo, keys: dict[str, Path], tmp_path: Path
) -> None:
    approval = ledger(signed)["approvals"][0]
    assert [s["key"] for s in approval["signatures"]] == [fingerprint(keys["dana"])]
    assert approval["signatures"][0]["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
    # Control: OpenSSH itself accepts the signature over the record bytes.
    record = signed_record(
        "acme", parse((signed.path / LEDGER).read_text(), LEDGER, "acme").approvals[0]
    )
    allowed = tmp_path / "allowed"
    allowed.write_text(f"dana {(keys['dana'].with_suffix('.pub')).read_text()}")
    sig = tmp_path / "sig"
    sig.write_text(approval["signatures"][0]["signature"])
    subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(allowed),
            "-I",
            "dana",
            "-n",
            "bumpguard-review",
            "-s",
            str(sig),
        ],
        input=record,
        check=True,
        capture_output=True,
    )
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda a: a.update(reason="read it carefully"), "does not match the signed data"),
        (lambda a: a.update(hashes=["sha256:" + "0" * 64]), "does not match the signed data"),
        (lambda a: a.update(version="1.1"), "does not match the signed data"),
        (lambda a: a["signatures"][0].update(signature="not a signature"), "BEGIN SSH SIGNATURE"),
    ],
)
def test_an_edited_signed_record_is_refused(signed: Repo, tmp_path: Path, change, why: str) -> None:
    rewrite(signed, change)
    if ledger(signed)["approvals"][0]["version"] == "1.1":
        signed.write("requirements.txt", "acme==1.1\n")
        signed.add()
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "review-signature-invalid" in proc.stdout and why in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_signature_in_another_namespace_or_for_another_package_is_refused(
    signed: Repo, keys: dict[str, Path], tmp_path: Path
) -> None:
    approval = parse((signed.path / LEDGER).read_text(), LEDGER, "acme").approvals[0]
    message = tmp_path / "record"
    message.write_bytes(signed_record("acme", approval))
    subprocess.run(
        ["ssh-keygen", "-q", "-Y", "sign", "-n", "git", "-f", str(keys["dana"]), str(message)],
        check=True,
    )
    git_namespace = (tmp_path / "record.sig").read_text()
    rewrite(signed, lambda a: a["signatures"][0].update(signature=git_namespace))
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1 and "namespace" in proc.stdout and "'git'" in proc.stdout
    # A valid signature of another package's record, copied over.
    other = tmp_path / "other"
    other.write_bytes(signed_record("other-pkg", approval))
    subprocess.run(
        [
            "ssh-keygen",
            "-q",
            "-Y",
            "sign",
            "-n",
            "bumpguard-review",
            "-f",
            str(keys["dana"]),
            str(other),
        ],
        check=True,
    )
    rewrite(
        signed, lambda a: a["signatures"][0].update(signature=(tmp_path / "other.sig").read_text())
    )
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1 and "does not match the signed data" in proc.stdout


def test_a_second_reviewer_co_signs_without_changing_the_record(
    signed: Repo, keys: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = ledger(signed)["approvals"][0]
    capsys.readouterr()
    approve = ("approve", "acme==1.0", "--reason", "me too", "--offline")
    assert signed.run(*approve, "--sign", "--key", str(keys["eve"])) == 0
    assert "co-signed the review by Rita Reviewer" in capsys.readouterr().out
    after = ledger(signed)["approvals"][0]
    signatures = after.pop("signatures")
    assert {k: v for k, v in before.items() if k != "signatures"} == after
    assert [s["key"] for s in signatures] == [fingerprint(keys["dana"]), fingerprint(keys["eve"])]
    # Signing again with the same key replaces that key's signature, nothing more.
    assert signed.run(*approve, "--sign", "--key", str(keys["eve"])) == 0
    assert len(ledger(signed)["approvals"][0]["signatures"]) == 2
    signed.add()
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 0, proc.stdout


def test_sign_uses_git_signing_key_and_needs_one(
    repo: Repo,
    keys: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo.write("requirements.txt", "acme==1.0\n")
    repo.add()
    approve = ("approve", "acme==1.0", "--reason", "r", "--offline", "--sign")
    assert repo.run(*approve) == 2
    assert "git config user.signingkey" in capsys.readouterr().err
    assert not (repo.path / LEDGER).exists()
    assert repo.run(*approve, "--key", str(keys["dana"].parent / "missing")) == 2
    assert "no SSH key at" in capsys.readouterr().err
    assert not (repo.path / LEDGER).exists()
    # A public key alone (its private half neither beside it nor in an agent) cannot sign.
    lone = tmp_path / "lone.pub"
    lone.write_text(Path(f"{keys['dana']}.pub").read_text())
    git(repo.path, "config", "user.signingkey", str(lone))
    git(repo.path, "config", "gpg.format", "ssh")
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    assert repo.run(*approve) == 2
    assert not (repo.path / LEDGER).exists()
    capsys.readouterr()
    git(repo.path, "config", "user.signingkey", str(keys["dana"]))
    assert repo.run(*approve) == 0
    assert ledger(repo)["approvals"][0]["signatures"][0]["key"] == fingerprint(keys["dana"])


def test_malformed_signatures_in_the_ledger_are_input_errors(
    signed: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite(signed, lambda a: a.update(signatures=[{"key": "x"}]))
    capsys.readouterr()
    assert signed.run("check") == 2
    err = capsys.readouterr().err
    assert f"{LEDGER}:" in err and "each signature needs exactly key and signature" in err


# --------------------------------------------------------------------------- policy: reviews


def allowed(repo: Repo, *entries: tuple[str, Path, str]) -> None:
    """Write .bumpguard/allowed_signers: (principal, key, options) per line, and stage it."""
    lines = [
        f"{who} {options + ' ' if options else ''}{Path(f'{key}.pub').read_text().strip()}"
        for who, key, options in entries
    ]
    repo.write(".bumpguard/allowed_signers", "\n".join(lines) + "\n")
    repo.add()


REQUIRED = (
    "version: 1\nprotect: [acme]\nreviews:\n  signed: required\n"
    "  allowed_signers: .bumpguard/allowed_signers\n"
)


def required(repo: Repo, extra: str = "") -> None:
    repo.write(".bumpguard.yaml", REQUIRED + extra)
    repo.add()


def test_a_signature_by_an_allowed_reviewer_is_accepted(
    signed: Repo, keys: dict[str, Path], tmp_path: Path
) -> None:
    required(signed)
    allowed(signed, ("dana@example.org", keys["dana"], 'namespaces="bumpguard-review"'))
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_unsigned_and_hand_written_approvals_are_refused(
    repo: Repo, keys: dict[str, Path], tmp_path: Path
) -> None:
    repo.write("requirements.txt", "acme==1.0\n")
    required(repo)
    allowed(repo, ("dana@example.org", keys["dana"], ""))
    assert repo.run("approve", "acme==1.0", "--reason", "r", "--offline") == 0
    repo.add()
    proc = check_offline(repo, tmp_path)
    assert proc.returncode == 1 and "review-unsigned" in proc.stdout
    assert "it is not signed by a reviewer" in proc.stdout
    approval = {
        "version": "1.0",
        "reviewer": "Dana <dana@example.org>",
        "approved_at": "2026-11-29T00:00:00Z",
        "reason": "trust me",
        "hashes": [],
        "source": None,
    }
    data = {"schema": 1, "package": "acme", "approvals": [approval]}
    repo.write(LEDGER, json.dumps(data))
    repo.add()
    proc = check_offline(repo, tmp_path)
    assert proc.returncode == 1 and "review-unsigned" in proc.stdout


def test_a_key_not_in_allowed_signers_is_refused(
    signed: Repo, keys: dict[str, Path], tmp_path: Path
) -> None:
    required(signed)
    allowed(signed, ("eve@example.org", keys["eve"], ""))
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1 and "reviewer-not-allowed" in proc.stdout
    assert fingerprint(keys["dana"]) in proc.stdout and "not in allowed_signers" in proc.stdout
    # Allowed, but only for another namespace, or no longer: refused with the reason.
    allowed(signed, ("dana@example.org", keys["dana"], 'namespaces="git"'))
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1 and "reviewer-not-allowed" in proc.stdout
    allowed(signed, ("dana@example.org", keys["dana"], 'valid-before="20250101"'))
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1 and "reviewer-not-allowed" in proc.stdout


def test_min_reviewers_needs_distinct_allowed_signers(
    signed: Repo, keys: dict[str, Path], tmp_path: Path
) -> None:
    required(signed, "  min_reviewers: 2\n")
    allowed(
        signed,
        ("dana@example.org", keys["dana"], ""),
        ("eve@example.org", keys["eve"], ""),
    )
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1 and "too-few-reviewers" in proc.stdout
    assert "signed by 1 allowed reviewer(s) (dana@example.org)" in proc.stdout
    assert "needs 2 distinct ones" in proc.stdout
    approve = ("approve", "acme==1.0", "--reason", "second look", "--offline", "--sign")
    # A second key of the same reviewer does not make two reviewers.
    allowed(
        signed,
        ("dana@example.org", keys["dana"], ""),
        ("dana@example.org", keys["eve"], ""),
    )
    assert signed.run(*approve, "--key", str(keys["eve"])) == 0
    signed.add()
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1 and "too-few-reviewers" in proc.stdout
    allowed(
        signed,
        ("dana@example.org", keys["dana"], ""),
        ("eve@example.org", keys["eve"], ""),
    )
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 0, proc.stdout


def test_scope_all_covers_unprotected_approvals(
    repo: Repo, keys: dict[str, Path], tmp_path: Path
) -> None:
    repo.write("requirements.txt", "requests==2.0.0\n")
    repo.write(
        ".bumpguard.yaml",
        "version: 1\nreview_threshold: any\nreviews:\n  signed: required\n",
    )
    repo.add()
    assert repo.run("approve", "requests==2.0.0", "--reason", "r", "--offline") == 0
    repo.add()
    assert check_offline(repo, tmp_path).returncode == 0  # scope: protected
    repo.write(
        ".bumpguard.yaml",
        "version: 1\nreview_threshold: any\nreviews:\n  signed: required\n  scope: all\n",
    )
    repo.add()
    proc = check_offline(repo, tmp_path)
    assert proc.returncode == 1 and "review-unsigned" in proc.stdout


def test_the_allowed_signers_file_must_be_committed_and_well_formed(
    signed: Repo, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    required(signed)
    signed.write(".bumpguard/allowed_signers", "dana@example.org ssh-ed25519 AAAA\n")
    capsys.readouterr()
    assert signed.run("check") == 2
    assert "not in git's index" in capsys.readouterr().err
    signed.add()
    assert signed.run("check") == 2
    assert ".bumpguard/allowed_signers:1" in capsys.readouterr().err


def test_an_enforced_reviews_section_cannot_be_loosened(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "base.yaml",
        "version: 1\nenforce: true\nreviews:\n  signed: required\n  min_reviewers: 2\n",
    )
    for loosened, message in (
        ("signed: optional", "signed: required is enforced by"),
        ("min_reviewers: 1", "is lower than 2, which is enforced by"),
    ):
        repo.write(".bumpguard.yaml", f"version: 1\nextends: [base.yaml]\nreviews:\n  {loosened}\n")
        repo.add()
        capsys.readouterr()
        assert repo.run("policy", "validate") == 2
        err = capsys.readouterr().err
        assert message in err and "base.yaml" in err


# ----------------------------------------------------- allowed_signers from a pinned URL


def signers_text(*entries: tuple[str, Path]) -> bytes:
    return "".join(
        f"{who} {Path(f'{key}.pub').read_text().strip()}\n" for who, key in entries
    ).encode()


def pinned(url: str, data: bytes) -> str:
    return f"{{url: '{url}', sha256: '{hashlib.sha256(data).hexdigest()}'}}"


def test_allowed_signers_from_a_pinned_url_is_locked_and_read_offline(
    signed: Repo,
    keys: dict[str, Path],
    server: Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = signers_text(("dana@example.org", keys["dana"]))
    url = server.serve("/team/allowed_signers", team)
    policy = "version: 1\nprotect: [acme]\nreviews:\n  signed: required\n  allowed_signers: "
    signed.write(".bumpguard.yaml", policy + pinned(url, team) + "\n")
    signed.add()
    capsys.readouterr()
    assert signed.run("check") == 2  # nothing stored yet: refused, not "any key counts"
    assert "not fetched yet" in capsys.readouterr().err
    assert signed.run("policy", "fetch") == 0
    lock = json.loads((signed.path / ".bumpguard/policy.lock").read_text())
    assert [(e["kind"], e["url"]) for e in lock["entries"]] == [("signers", url)]
    signed.add()
    hits = len(server.hits)
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(server.hits) == hits  # read from the stored copy
    assert signed.run("policy", "fetch", "--locked") == 0
    # Control: the team's file without dana makes the same approval not allowed.
    eve_only = signers_text(("eve@example.org", keys["eve"]))
    server.serve("/team/allowed_signers", eve_only)
    signed.write(".bumpguard.yaml", policy + pinned(url, eve_only) + "\n")
    signed.add()
    assert signed.run("check") == 2  # the pin moved: the lock is stale
    assert "the pin changed" in capsys.readouterr().err
    assert signed.run("policy", "fetch") == 0
    signed.add()
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 1 and "reviewer-not-allowed" in proc.stdout
    # The stored copy is bound by its digest: adding dana to it by hand is refused.
    stored = signed.path / ".bumpguard/remote" / hashlib.sha256(eve_only).hexdigest()
    stored.write_bytes(eve_only + team)
    signed.add()
    capsys.readouterr()
    assert signed.run("check") == 2
    assert "reviews.allowed_signers" in capsys.readouterr().err


def test_policy_fetch_refuses_a_file_that_is_not_allowed_signers(
    signed: Repo, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    for body, why in (
        (b"dana@example.org ssh-ed25519 AAAA\n", "line 1"),
        (b"\xff\xfe binary", "not UTF-8"),
    ):
        url = server.serve("/team/allowed_signers", body)
        signed.write(
            ".bumpguard.yaml",
            "version: 1\nreviews:\n  allowed_signers: " + pinned(url, body) + "\n",
        )
        signed.add()
        capsys.readouterr()
        assert signed.run("policy", "fetch") == 2
        err = capsys.readouterr().err
        assert "not an allowed_signers file" in err and why in err and "nothing was written" in err
        assert ".bumpguard.yaml:3" in err and "Traceback" not in err
        assert not (signed.path / ".bumpguard/policy.lock").exists()


def test_a_team_policy_pins_its_allowed_signers_and_the_repository_cannot_swap_them(
    signed: Repo,
    keys: dict[str, Path],
    server: Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = signers_text(("dana@example.org", keys["dana"]))
    signers_url = server.serve("/team/allowed_signers", team)
    org = (
        "version: 1\nenforce: true\nprotect: [acme]\nreviews:\n  signed: required\n"
        f"  allowed_signers: {pinned(signers_url, team)}\n"
    ).encode()
    org_url = server.serve("/team/policy.yaml", org)
    signed.write(".bumpguard.yaml", f"version: 1\nextends:\n  - {pinned(org_url, org)}\n")
    signed.add()
    assert signed.run("policy", "fetch") == 0
    lock = json.loads((signed.path / ".bumpguard/policy.lock").read_text())
    assert sorted(e["kind"] for e in lock["entries"]) == ["policy", "signers"]
    signed.add()
    proc = check_offline(signed, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The repository points allowed_signers at a file it writes itself: refused.
    allowed(signed, ("mallory@example.org", keys["eve"], ""))
    signed.write(
        ".bumpguard.yaml",
        f"version: 1\nextends:\n  - {pinned(org_url, org)}\n"
        "reviews:\n  allowed_signers: .bumpguard/allowed_signers\n",
    )
    signed.add()
    capsys.readouterr()
    assert signed.run("check") == 2
    err = capsys.readouterr().err
    assert "reviews.allowed_signers: '.bumpguard/allowed_signers' would replace" in err
    assert signers_url in err and "enforced by" in err


def test_a_required_policy_fetches_its_allowed_signers_on_every_run(
    signed: Repo,
    keys: dict[str, Path],
    server: Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = signers_text(("dana@example.org", keys["dana"]))
    url = server.serve("/team/allowed_signers", team)
    org = tmp_path / "org.yaml"
    org.write_text(
        "version: 1\nprotect: [acme]\nreviews:\n  signed: required\n"
        f"  allowed_signers: {pinned(url, team)}\n"
    )
    signed.write(".bumpguard.yaml", "version: 1\n")  # the repository pins nothing itself
    signed.add()
    capsys.readouterr()
    assert signed.run("check", "--require-policy", str(org)) == 0, capsys.readouterr()
    # The served file changes: the pin no longer matches, and no lock of the repository's
    # can stand in for it.
    server.serve("/team/allowed_signers", team + signers_text(("eve@example.org", keys["eve"])))
    capsys.readouterr()
    assert signed.run("check", "--require-policy", str(org)) == 2
    err = capsys.readouterr().err
    assert "reviews.allowed_signers" in err and "org.yaml:5" in err and "Traceback" not in err
    # Control: the team's file without dana refuses the approval.
    eve_only = signers_text(("eve@example.org", keys["eve"]))
    server.serve("/team/allowed_signers", eve_only)
    org.write_text(
        org.read_text().replace(
            hashlib.sha256(team).hexdigest(), hashlib.sha256(eve_only).hexdigest()
        )
    )
    capsys.readouterr()
    assert signed.run("check", "--require-policy", str(org)) == 1
    assert "reviewer-not-allowed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{url: 'https://example.org/signers'}", "has no pin"),
        ("{url: 'https://example.org/s', sha256: 'abc'}", "expected 64 hex digits"),
        ("{url: 'ftp://example.org/s', sha256: '" + "a" * 64 + "'}", "reviews.allowed_signers"),
        ("5", "must be a file path in the repository, or a pinned URL"),
    ],
)
def test_a_malformed_allowed_signers_value_is_a_policy_error(
    repo: Repo, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".bumpguard.yaml", f"version: 1\nreviews:\n  allowed_signers: {value}\n")
    repo.add()
    capsys.readouterr()
    assert repo.run("policy", "validate") == 2
    err = capsys.readouterr().err
    assert message in err and ".bumpguard.yaml:3" in err
