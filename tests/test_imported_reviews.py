"""Imported reviews: one team's review serves every repository that imports it.

A security team's repository exports its ledger (``bumpguard reviews export``), a real HTTP
server on 127.0.0.1 serves it, and another repository imports it by sha256 pin.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Repo, git
from tests.staticserver import Server


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def requirements(repo: Repo, *pins: str) -> None:
    repo.write("requirements.txt", "".join(f"{p}\n" for p in pins))
    repo.add()


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Repo]:
    """The security team's repository, with its own reviews."""
    path = tmp_path / "team"
    path.mkdir()
    git(path, "init", "-q")
    git(path, "config", "user.name", "Sam Security")
    git(path, "config", "user.email", "sam@security.example")
    yield Repo(path)


def publish(team: Repo, srv: Server, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Export the team's ledger and serve it; returns (url, sha256)."""
    capsys.readouterr()
    assert team.run("reviews", "export") == 0
    data = capsys.readouterr().out.encode()
    return srv.serve("/team/reviews.json", data), sha(data)


def import_policy(repo: Repo, url: str, digest: str, extra: str = "") -> None:
    repo.write(
        ".bumpguard.yaml",
        "version: 1\nextends: [builtin:llm-gateways]\n"
        f"imports:\n  - name: security-team\n    url: {url}\n    sha256: {digest}\n" + extra,
    )
    repo.add()


def test_an_imported_review_covers_a_bump(
    repo: Repo,
    team: Repo,
    server: Server,
    capsys: pytest.CaptureFixture[str],
) -> None:
    requirements(team, "openai==1.60.0")
    assert team.run("approve", "openai==1.60.0", "--reason", "reviewed once", "--offline") == 0
    url, digest = publish(team, server, capsys)

    requirements(repo, "openai==1.60.0")
    assert repo.run("check") == 1  # not reviewed here
    import_policy(repo, url, digest)
    assert repo.run("policy", "fetch") == 0
    server.stop()  # from here on, only the lock and the stored copy
    capsys.readouterr()
    assert repo.run("check") == 0
    out = capsys.readouterr().out
    assert (
        "requirements.txt:1: openai 1.60.0: covered by import 'security-team' "
        "(reviewed by Sam Security <sam@security.example>)"
    ) in out
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["covered"] == [
        {
            "package": "openai",
            "version": "1.60.0",
            "import": "security-team",
            "reviewer": "Sam Security <sam@security.example>",
            "file": "requirements.txt",
            "line": 1,
        }
    ]
    # A local review wins over the imported one and is not reported as covered.
    assert repo.run("approve", "openai==1.60.0", "--reason", "ours", "--offline") == 0
    repo.add()
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["covered"] == []


def test_imported_reviews_still_answer_to_the_local_policy(
    repo: Repo,
    team: Repo,
    server: Server,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The team reviewed a version that this repository's policy denies, and an anthropic
    # version whose review carries no attestations while this repository requires them.
    team.write(".bumpguard.yaml", "version: 1\nextends: [builtin:llm-gateways]\n")
    requirements(team, "groq==0.9.0", "anthropic==0.42.0")
    assert team.run("approve", "groq==0.9.0", "--reason", "r", "--offline") == 0
    assert team.run("approve", "anthropic==0.42.0", "--reason", "r", "--offline") == 0
    url, digest = publish(team, server, capsys)

    requirements(repo, "groq==0.9.0", "anthropic==0.42.0")
    import_policy(
        repo,
        url,
        digest,
        (
            "deny:\n  - package: groq\n    versions: ['==0.9.0']\n    reason: local incident\n"
            "protect:\n  - name: anthropic\n    attestations: required\n"
        ),
    )
    assert repo.run("policy", "fetch") == 0
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 1
    data = json.loads(capsys.readouterr().out)
    assert sorted((f["rule"], f["package"]) for f in data["findings"]) == [
        ("attestation-missing", "anthropic"),
        ("denied", "groq"),
    ]
    assert data["covered"] == []


def test_imports_are_not_transitive_and_exports_carry_evidence_inline(
    repo: Repo,
    team: Repo,
    server: Server,
    capsys: pytest.CaptureFixture[str],
) -> None:
    requirements(team, "cohere==5.0.0")
    assert team.run("approve", "cohere==5.0.0", "--reason", "r", "--offline") == 0
    url, digest = publish(team, server, capsys)
    import_policy(repo, url, digest)
    requirements(repo, "cohere==5.0.0")
    assert repo.run("policy", "fetch") == 0
    # This repository's own export holds its own reviews only.
    capsys.readouterr()
    assert repo.run("reviews", "export") == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["kind"] == "bumpguard-reviews" and exported["packages"] == {}


def test_an_edited_stored_export_is_refused(
    repo: Repo,
    team: Repo,
    server: Server,
    capsys: pytest.CaptureFixture[str],
) -> None:
    requirements(team, "groq==1.0.0")
    assert team.run("approve", "groq==1.0.0", "--reason", "r", "--offline") == 0
    url, digest = publish(team, server, capsys)
    import_policy(repo, url, digest)
    requirements(repo, "groq==1.0.0")
    assert repo.run("policy", "fetch") == 0
    stored = repo.path / ".bumpguard/remote" / digest
    stored.write_text(stored.read_text().replace("groq", "gr0q"))
    capsys.readouterr()
    assert repo.run("check") == 2
    assert "run bumpguard policy fetch" in capsys.readouterr().err
