"""The commit gate and the install gate give one release the same verdict.

Both apply :func:`guard.attest.rules.judge`. Each case records a real review (real PEP 740
evidence from ``../shared/fixtures/pep740``, verified by sigstore), then changes the
policy or the ledger so the release breaks one rule. The commit gate (``check``, offline,
from the recorded evidence) and the install gate (``check_release``, which ``approve``,
``verify`` and ``bumpguard pip install`` call, from the local index) must name the same
rules: the same rule set, not two that agree by accident.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from guard import findings
from guard.engine.release import check_release
from guard.index import IndexClient
from guard.ledger import Ledger
from guard.policy.loader import find_policy, load_policy
from tests.conftest import Repo
from tests.indexserver import LocalIndex
from tests.test_provenance_flow import GITHUB, GITLAB, OLD, approve, lock, policy, serve

NAME = "pypi-attestations"


def commit_gate(repo: Repo, capsys: pytest.CaptureFixture[str], name: str) -> set[str]:
    repo.add()
    capsys.readouterr()
    repo.run("check", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    return {f["rule"] for f in data["findings"] if f["package"] == name}


def install_gate(repo: Repo, index: LocalIndex, name: str, version: str) -> set[str]:
    loaded = load_policy(find_policy(repo.path, None), repo.path, root=repo.path)
    ledger = Ledger(repo.path).get(name)
    with IndexClient(index.url) as client:
        release = check_release(client, loaded, ledger, name, version, [])
    return {problem.rule for problem in release.problems}


def add_approval(repo: Repo, name: str, entry: dict[str, object]) -> None:
    path = repo.path / f".bumpguard/approvals/{name}.json"
    data = json.loads(path.read_text())
    data["approvals"].append(entry)
    path.write_text(json.dumps(data))


def _cooldown(repo: Repo, index: LocalIndex) -> tuple[str, str]:
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    lock(repo, (GITHUB, serve(index, GITHUB, uploaded=yesterday), yesterday))
    assert approve(repo, index, f"{NAME}==0.0.19") == 0
    policy(repo, "protected_defaults:", "  min_release_age: 7d")
    return NAME, "0.0.19"


def _no_downgrade(repo: Repo, index: LocalIndex) -> tuple[str, str]:
    policy(repo, pinned=False, mode="if-present")
    lock(repo, (GITHUB, serve(index, GITHUB), OLD))
    assert approve(repo, index, f"{NAME}==0.0.19") == 0  # attested
    token_upload = b"uploaded with a stolen token, no attestation"
    later = (NAME, "0.0.20", "pypi_attestations-0.0.20.tar.gz")
    index.add_file(NAME, "0.0.20", later[2], token_upload, upload_time=OLD)
    digest = hashlib.sha256(token_upload).hexdigest()
    lock(repo, (later, digest, OLD))
    add_approval(
        repo,
        NAME,
        {
            "version": "0.0.20",
            "reviewer": "r",
            "approved_at": "2026-01-01T00:00:00Z",
            "reason": "recorded by hand, without provenance",
            "hashes": [f"sha256:{digest}"],
            "source": None,
        },
    )
    return NAME, "0.0.20"


def _publisher_change(repo: Repo, index: LocalIndex) -> tuple[str, str]:
    policy(repo, pinned=False, mode="if-present")
    lock(repo, (GITHUB, serve(index, GITHUB), OLD))
    assert approve(repo, index, f"{NAME}==0.0.19") == 0
    add_approval(  # an earlier version, published by another workflow
        repo,
        NAME,
        {
            "version": "0.0.18",
            "reviewer": "r",
            "approved_at": "2026-01-01T00:00:00Z",
            "reason": "earlier",
            "hashes": [],
            "source": None,
            "identity": {
                "kind": "github",
                "issuer": "https://token.actions.githubusercontent.com",
                "subject": "s",
                "repository": "trailofbits/pypi-attestations",
                "workflow": "publish.yml",
            },
        },
    )
    return NAME, "0.0.19"


def _require_tag(repo: Repo, index: LocalIndex) -> tuple[str, str]:
    name, version, _ = GITLAB  # built from a branch, not a tag
    lock(repo, (GITLAB, serve(index, GITLAB), OLD))
    assert approve(repo, index, f"{name}=={version}") == 0
    policy(repo, "protected_defaults:", "  require_tag: true")
    return name, version


def _all_clear(repo: Repo, index: LocalIndex) -> tuple[str, str]:
    lock(repo, (GITHUB, serve(index, GITHUB), OLD))
    assert approve(repo, index, f"{NAME}==0.0.19") == 0
    return NAME, "0.0.19"


CASES: dict[str, tuple[Callable[[Repo, LocalIndex], tuple[str, str]], set[str]]] = {
    "cooldown": (_cooldown, {findings.COOLDOWN}),
    "no-downgrade": (_no_downgrade, {findings.ATTESTATION_MISSING}),
    "publisher-change": (_publisher_change, {findings.PUBLISHER_CHANGED}),
    "require-tag": (_require_tag, {findings.NOT_A_TAG}),
    "all-clear": (_all_clear, set()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_both_gates_give_one_release_the_same_verdict(
    case: str, repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    setup, expected = CASES[case]
    policy(repo)
    name, version = setup(repo, local_index)
    at_install = install_gate(repo, local_index, name, version)
    at_commit = commit_gate(repo, capsys, name)
    assert at_install == expected
    assert at_commit == expected
