"""Signed approvals: ``approve --sign`` with real SSH keys made by ``ssh-keygen``, and the
offline, in-process verification in ``check`` (with ``ssh-keygen`` off the PATH)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from guard.ledger import parse, signed_record
from tests.conftest import Repo, git

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
