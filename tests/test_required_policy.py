"""``--require-policy FILE|URL#sha256=HEX`` (and ``BUMPGUARD_REQUIRE_POLICY``): a policy the
repository cannot remove, applied first and enforced, from a file or a pinned URL served
on 127.0.0.1."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.staticserver import Server

REQUIRED = b"""version: 1
protect: [acme]
deny:
  - package: badpkg
    versions: ["==1.0"]
    reason: the security team says no
"""


@pytest.fixture
def required(tmp_path: Path) -> Path:
    """The security team's policy, outside the repository."""
    path = tmp_path / "org-policy.yaml"
    path.write_bytes(REQUIRED)
    return path


def check(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = repo.run("check", *args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_required_policy_denies_what_the_repository_allows(
    repo: Repo, required: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".bumpguard.yaml", "version: 1\n")  # no extends: the repository's own choice
    repo.write("requirements.txt", "badpkg==1.0\n")
    repo.add()
    assert check(repo, capsys)[0] == 0  # control: the repository's policy allows it
    code, out = check(repo, capsys, "--require-policy", str(required))
    assert code == 1 and "denied" in out and "the security team says no" in out
    assert f"{required} (required)" in out


def test_a_repository_that_drops_extends_is_still_held(
    repo: Repo, required: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "acme==1.0\n")
    repo.write(".bumpguard.yaml", "version: 1\nunprotect: [acme]\n")
    repo.add()
    assert check(repo, capsys)[0] == 0  # control: unprotected by the repository
    code, out = check(repo, capsys, "--require-policy", str(required))
    assert code == 2 and "unprotect: 'acme' is enforced by" in out and "(required)" in out
    repo.write(".bumpguard.yaml", "version: 1\n")
    repo.add()
    code, out = check(repo, capsys, "--require-policy", str(required))
    assert code == 1 and "acme is protected" in out


def test_the_environment_variable_applies_it_to_every_command(
    repo: Repo, required: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("requirements.txt", "badpkg==1.0\n")
    repo.add()
    monkeypatch.setenv("BUMPGUARD_REQUIRE_POLICY", str(required))
    code, out = check(repo, capsys)
    assert code == 1 and "the security team says no" in out
    assert repo.run("approve", "badpkg==1.0", "--reason", "r", "--offline") == 1
    assert "no approval can override a deny" in capsys.readouterr().err


def test_a_pinned_url_is_fetched_and_checked(
    repo: Repo, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve("/org/policy.yaml", REQUIRED)
    digest = hashlib.sha256(REQUIRED).hexdigest()
    repo.write("requirements.txt", "badpkg==1.0\n")
    repo.add()
    code, out = check(repo, capsys, "--require-policy", f"{url}#sha256={digest}")
    assert code == 1 and "the security team says no" in out
    code, out = check(repo, capsys, "--require-policy", f"{url}#sha256={'0' * 64}")
    assert code == 2 and "127.0.0.1" in out and "Traceback" not in out
    code, out = check(repo, capsys, "--require-policy", url)
    assert code == 2 and "must be pinned as URL#sha256=" in out


def test_a_required_policy_stands_alone(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "acme==1.0\n")
    repo.add()
    for body, message in (
        (b"version: 1\nextends: [other.yaml]\n", "can only extend builtin:NAME"),
        (b"version: 1\nprotect: [\n", "org.yaml"),
    ):
        path = tmp_path / "org.yaml"
        path.write_bytes(body)
        code, out = check(repo, capsys, "--require-policy", str(path))
        assert code == 2 and message in out
    code, out = check(repo, capsys, "--require-policy", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in out
    path = tmp_path / "org.yaml"
    path.write_bytes(b"version: 1\nextends: [builtin:llm-gateways]\nprotect: [acme]\n")
    assert check(repo, capsys, "--require-policy", str(path))[0] == 1


def test_a_built_in_policy_can_be_required(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(".bumpguard.yaml", "version: 1\nunprotect: [litellm]\n")
    repo.write("requirements.txt", "litellm==1.83.0\n")
    repo.add()
    assert check(repo, capsys)[0] == 0  # control: the repository unprotects litellm
    code, out = check(repo, capsys, "--require-policy", "builtin:llm-gateways")
    assert code == 2 and "unprotect: 'litellm' is enforced by builtin:llm-gateways" in out
    code, out = check(repo, capsys, "--require-policy", "builtin:nope")
    assert code == 2 and "no such built-in policy" in out
