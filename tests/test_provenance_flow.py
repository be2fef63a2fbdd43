"""Approve online against a real HTTP index, then re-verify the evidence offline in check.

The index on 127.0.0.1 serves the real distributions and PEP 740 provenance from
``../shared/fixtures/pep740``; every verification is real sigstore verification.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import Repo, git
from tests.indexserver import LocalIndex, pep740_or_skip, wrap_attestation

GITHUB = ("pypi-attestations", "0.0.19", "pypi_attestations-0.0.19.tar.gz")
GITLAB = ("gitlab-oidc-project", "0.0.3", "gitlab_oidc_project-0.0.3.tar.gz")
GOOGLE = ("gcb-attestation-test", "0.0.0", "gcb_attestation_test-0.0.0.tar.gz")
CIRCLECI = (
    "circleci-sign-publish-example",
    "0.0.1.dev137",
    "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl",
)
STAGING = ("rfc8785", "0.1.2", "rfc8785-0.1.2-py3-none-any.whl")

PINS = {
    "pypi-attestations": "{kind: github, repository: trailofbits/pypi-attestations, "
    "workflow: release.yml}",
    "gitlab-oidc-project": "{kind: gitlab, repository: facutuesca/gitlab-oidc-project, "
    "workflow: .gitlab-ci.yml}",
    "gcb-attestation-test": "{kind: google, email: "
    "919436158236-compute@developer.gserviceaccount.com}",
    "circleci-sign-publish-example": "{kind: circleci, project_id: "
    "fdd9283f-e619-46af-8f9c-851f7d3e8b2b, pipeline_definition_id: "
    "8e4f8ab2-8d7c-4827-9f15-de076d6d647f}",
}
OLD = datetime(2025, 1, 1, tzinfo=timezone.utc)


def provenance_of(filename: str) -> dict[str, object]:
    """The fixture's provenance object, or its single publish attestation wrapped."""
    folder = pep740_or_skip()
    path = folder / f"{filename}.provenance"
    if path.is_file():
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    attestation = json.loads((folder / f"{filename}.publish.attestation").read_text())
    return wrap_attestation(attestation, {"kind": "GitHub", "repository": "claimed/by-index"})


def data_of(filename: str) -> bytes:
    return (pep740_or_skip() / filename).read_bytes()


def serve(
    index: LocalIndex,
    release: tuple[str, str, str],
    *,
    provenance: bool = True,
    data: bytes | None = None,
    uploaded: datetime = OLD,
) -> str:
    """Serve a fixture distribution; returns its sha256."""
    project, version, filename = release
    body = data if data is not None else data_of(filename)
    index.add_file(
        project,
        version,
        filename,
        body,
        upload_time=uploaded,
        provenance=provenance_of(filename) if provenance else None,
    )
    return hashlib.sha256(body).hexdigest()


def lock(repo: Repo, *entries: tuple[tuple[str, str, str], str, datetime]) -> None:
    """A uv.lock holding each release's one artifact with the given sha256 and upload time."""
    out = ["version = 1", "revision = 2", 'requires-python = ">=3.10"', ""]
    for (project, version, filename), digest, uploaded in entries:
        kind = "wheels = [{" if filename.endswith(".whl") else "sdist = {"
        end = "}]" if filename.endswith(".whl") else "}"
        stamp = uploaded.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        out += [
            "[[package]]",
            f'name = "{project}"',
            f'version = "{version}"',
            'source = { registry = "https://pypi.org/simple" }',
            f'{kind} url = "https://files.example/{filename}", hash = "sha256:{digest}", '
            f'upload-time = "{stamp}" {end}',
            "",
        ]
    repo.write("uv.lock", "\n".join(out))
    repo.add()


def policy(repo: Repo, *lines: str, pinned: bool = True, mode: str = "required") -> None:
    body = ["version: 1", "protect:"]
    for name, pin in PINS.items():
        body.append(f"  - name: {name}")
        body.append(f"    attestations: {mode}")
        if pinned:
            body.append(f"    publisher: {pin}")
    body += ["  - name: rfc8785", f"    attestations: {mode}", *lines]
    repo.write(".bumpguard.yaml", "\n".join(body) + "\n")
    repo.add()


def approve(repo: Repo, index: LocalIndex, spec: str) -> int:
    return repo.run("approve", spec, "--reason", "provenance reviewed", "--index-url", index.url)


def ledger(repo: Repo, name: str) -> dict[str, object]:
    return json.loads((repo.path / f".bumpguard/approvals/{name}.json").read_text())  # type: ignore[no-any-return]


def findings(repo: Repo, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """``check`` on what a commit would hold: everything staged first."""
    repo.add()
    capsys.readouterr()
    code = repo.run("check", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    return code, [f"{f['rule']}:{f['package']}" for f in data["findings"]]


@pytest.fixture(autouse=True)
def _fixtures() -> None:
    pep740_or_skip()


@pytest.mark.parametrize("release", [GITHUB, GITLAB, GOOGLE, CIRCLECI], ids=lambda r: r[0])
def test_approve_verifies_and_check_reverifies_offline(
    repo: Repo,
    local_index: LocalIndex,
    capsys: pytest.CaptureFixture[str],
    release: tuple[str, str, str],
) -> None:
    digest = serve(local_index, release)
    policy(repo)
    lock(repo, (release, digest, OLD))
    assert findings(repo, capsys) == (1, [f"unreviewed:{release[0]}"])
    assert approve(repo, local_index, f"{release[0]}=={release[1]}") == 0
    out = capsys.readouterr().out
    assert "1 artifact(s) on 127.0.0.1" in out and "attested:" in out
    data = ledger(repo, release[0])
    approval = data["approvals"][0]  # type: ignore[index]
    assert approval["method"] == "index"
    assert approval["hashes"] == [f"sha256:{digest}"]
    assert approval["upload_time"] == "2025-01-01T00:00:00Z"
    assert approval["evidence"][0]["sha256"] == digest
    evidence = repo.path / approval["evidence"][0]["path"]
    assert evidence.is_file()
    assert json.loads(evidence.read_text()) == provenance_of(release[2])
    local_index.set_down(True)  # the check needs no index
    assert findings(repo, capsys) == (0, [])


def test_the_recorded_identity_says_who_built_it(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    lock(repo, (GITHUB, serve(local_index, GITHUB), OLD))
    policy(repo)
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 0
    assert (
        "attested: built by trailofbits/pypi-attestations release.yml from "
        "refs/tags/v0.0.19 @ 08802ef"
    ) in capsys.readouterr().out
    identity = ledger(repo, "pypi-attestations")["approvals"][0]["identity"]  # type: ignore[index]
    assert identity["repository"] == "trailofbits/pypi-attestations"
    assert identity["workflow"] == "release.yml"
    assert identity["ref"] == "refs/tags/v0.0.19"
    assert identity["commit"] == "08802efe1f8e5fec4ad842d6b8ce97656092ee72"


@pytest.mark.parametrize(
    ("pin", "expected"),
    [
        ("{kind: github, repository: BerriAI/litellm, workflow: release.yml}", "repository"),
        (
            "{kind: github, repository: trailofbits/pypi-attestations, workflow: evil.yml}",
            "workflow",
        ),
        (
            "{kind: gitlab, repository: trailofbits/pypi-attestations, workflow: .gitlab-ci.yml}",
            "does not verify",
        ),
        ("{kind: google, email: someone@example.org}", "does not verify"),
    ],
)
def test_a_signer_other_than_the_pinned_publisher_is_refused(
    repo: Repo,
    local_index: LocalIndex,
    capsys: pytest.CaptureFixture[str],
    pin: str,
    expected: str,
) -> None:
    lock(repo, (GITHUB, serve(local_index, GITHUB), OLD))
    repo.write(
        ".bumpguard.yaml",
        "version: 1\nprotect:\n  - name: pypi-attestations\n"
        f"    attestations: required\n    publisher: {pin}\n",
    )
    repo.add()
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 1
    err = capsys.readouterr().err
    assert "refused (nothing recorded)" in err and expected in err
    assert not (repo.path / ".bumpguard").exists()


@pytest.mark.parametrize("release", [GITLAB, GOOGLE, CIRCLECI], ids=lambda r: r[0])
def test_other_publishers_refused_with_the_wrong_identity(
    repo: Repo, local_index: LocalIndex, release: tuple[str, str, str]
) -> None:
    lock(repo, (release, serve(local_index, release), OLD))
    wrong = {
        "gitlab-oidc-project": "{kind: gitlab, repository: facutuesca/other, "
        "workflow: .gitlab-ci.yml}",
        "gcb-attestation-test": "{kind: google, email: attacker@example.iam.gserviceaccount.com}",
        "circleci-sign-publish-example": "{kind: circleci, project_id: "
        "00000000-0000-0000-0000-000000000000, pipeline_definition_id: "
        "8e4f8ab2-8d7c-4827-9f15-de076d6d647f}",
    }[release[0]]
    repo.write(
        ".bumpguard.yaml", f"version: 1\nprotect:\n  - name: {release[0]}\n    publisher: {wrong}\n"
    )
    repo.add()
    assert approve(repo, local_index, f"{release[0]}=={release[1]}") == 1


def test_a_tampered_artifact_is_refused(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = data_of(GITHUB[2]) + b"\0"
    digest = serve(local_index, GITHUB, data=tampered)
    lock(repo, (GITHUB, digest, OLD))
    policy(repo)
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 1
    assert "digest" in capsys.readouterr().err


def test_a_lock_hash_the_index_does_not_serve_is_refused(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(local_index, GITHUB)
    lock(repo, (GITHUB, "ab" * 32, OLD))
    policy(repo)
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 1
    assert f"sha256:{'ab' * 32}" in capsys.readouterr().err


def test_staging_signed_evidence_is_refused(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    lock(repo, (STAGING, serve(local_index, STAGING), OLD))
    policy(repo)
    assert approve(repo, local_index, "rfc8785==0.1.2") == 1
    assert "production Sigstore" in capsys.readouterr().err


def test_missing_provenance_under_required(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    lock(repo, (GITHUB, serve(local_index, GITHUB, provenance=False), OLD))
    policy(repo)
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 1
    assert (
        "no attestation for pypi_attestations-0.0.19.tar.gz, and the policy requires"
        in capsys.readouterr().err
    )
    # Offline, the same requirement cannot be met, and check says why.
    assert repo.run("approve", "pypi-attestations==0.0.19", "--reason", "r", "--offline") == 1
    repo.write(
        ".bumpguard/approvals/pypi-attestations.json",
        json.dumps(
            {
                "schema": 1,
                "package": "pypi-attestations",
                "approvals": [
                    {
                        "version": "0.0.19",
                        "reviewer": "x",
                        "approved_at": "2026-01-01T00:00:00Z",
                        "reason": "hand-written",
                        "hashes": [f"sha256:{hashlib.sha256(data_of(GITHUB[2])).hexdigest()}"],
                        "source": None,
                    }
                ],
            }
        ),
    )
    repo.add()
    assert findings(repo, capsys) == (1, ["attestation-missing:pypi-attestations"])


def test_no_downgrade_after_an_attested_release(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    policy(repo, pinned=False, mode="if-present")
    digest = serve(local_index, GITHUB)
    lock(repo, (GITHUB, digest, OLD))
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 0  # trust on first use
    # A later release uploaded with a token: no attestations.
    token_upload = b"not attested"
    later = ("pypi-attestations", "0.0.20", "pypi_attestations-0.0.20.tar.gz")
    local_index.add_file("pypi-attestations", "0.0.20", later[2], token_upload, upload_time=OLD)
    lock(repo, (later, hashlib.sha256(token_upload).hexdigest(), OLD))
    capsys.readouterr()
    assert approve(repo, local_index, "pypi-attestations==0.0.20") == 1
    assert "no-downgrade" in capsys.readouterr().err
    assert repo.run("approve", "pypi-attestations==0.0.20", "--reason", "r", "--offline") == 1


def test_a_publisher_change_between_approved_versions_is_refused(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    policy(repo, pinned=False, mode="if-present")
    lock(repo, (GITHUB, serve(local_index, GITHUB), OLD))
    repo.write(
        ".bumpguard/approvals/pypi-attestations.json",
        json.dumps(
            {
                "schema": 1,
                "package": "pypi-attestations",
                "approvals": [
                    {
                        "version": "0.0.18",
                        "reviewer": "x",
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
                    }
                ],
            }
        ),
    )
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 1
    err = capsys.readouterr().err
    assert "was published by" in err and "workflow=publish.yml" in err


def test_tampered_swapped_or_foreign_evidence_fails_the_offline_check(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = serve(local_index, GITHUB)
    lock(repo, (GITHUB, digest, OLD))
    policy(repo)
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 0
    assert findings(repo, capsys) == (0, [])
    evidence = (
        repo.path / ".bumpguard/evidence/pypi-attestations/"
        "pypi_attestations-0.0.19.tar.gz.provenance.json"
    )
    original = evidence.read_text()

    data = json.loads(original)
    signature = data["attestation_bundles"][0]["attestations"][0]["envelope"]["signature"]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    data["attestation_bundles"][0]["attestations"][0]["envelope"]["signature"] = flipped
    evidence.write_text(json.dumps(data))
    code, rules = findings(repo, capsys)
    # The evidence does not verify, so the lock's artifact is also left uncovered.
    assert code == 1
    assert rules == [
        "attestation-invalid:pypi-attestations",
        "attestation-missing:pypi-attestations",
    ]

    # Evidence for another file, under this file's name.
    evidence.write_text(json.dumps(provenance_of(GITLAB[2])))
    code, rules = findings(repo, capsys)
    assert code == 1 and "attestation-invalid:pypi-attestations" in rules

    # The ledger's evidence entry swapped to another hash: the attestation is for the other.
    evidence.write_text(original)
    path = repo.path / ".bumpguard/approvals/pypi-attestations.json"
    record = json.loads(path.read_text())
    record["approvals"][0]["evidence"][0]["sha256"] = "cd" * 32
    path.write_text(json.dumps(record))
    code, rules = findings(repo, capsys)
    assert code == 1 and "attestation-invalid:pypi-attestations" in rules

    evidence.unlink()
    code, rules = findings(repo, capsys)
    assert code == 1 and "attestation-invalid:pypi-attestations" in rules


def test_cooldown_online_and_offline(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    digest = serve(local_index, GITHUB, uploaded=yesterday)
    policy(repo, "protected_defaults:", "  min_release_age: 7d")
    lock(repo, (GITHUB, digest, yesterday))
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 1
    err = capsys.readouterr().err
    eligible = (yesterday + timedelta(days=7)).strftime("%Y-%m-%d")
    assert "wants 1w" in err and f"eligible from {eligible}" in err

    # Offline twin: an approval exists, but uv.lock says the release is a day old.
    policy(repo)
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 0
    policy(repo, "protected_defaults:", "  min_release_age: 7d")
    local_index.set_down(True)
    code, rules = findings(repo, capsys)
    assert (code, rules) == (1, ["cooldown:pypi-attestations"])
    lock(repo, (GITHUB, digest, OLD))  # an old release
    assert findings(repo, capsys) == (0, [])


def test_index_down_fails_closed_naming_the_host(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    lock(repo, (GITHUB, serve(local_index, GITHUB), OLD))
    policy(repo)
    local_index.set_down(True)
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 2
    assert local_index.host in capsys.readouterr().err
    assert not (repo.path / ".bumpguard").exists()


def test_verify_commands(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(local_index, GITHUB)
    policy(repo)
    capsys.readouterr()
    assert repo.run("verify", "pypi-attestations==0.0.19", "--index-url", local_index.url) == 0
    out = capsys.readouterr().out
    assert "verified: built by trailofbits/pypi-attestations release.yml" in out
    folder = pep740_or_skip()
    dist = str(folder / GITHUB[2])
    assert repo.run("verify", dist, "--provenance", f"{dist}.provenance") == 0
    assert "against the pinned github" in capsys.readouterr().out
    other = str(folder / GITLAB[2])
    assert repo.run("verify", dist, "--provenance", f"{other}.publish.attestation") == 1
    assert "does not verify" in capsys.readouterr().err
    assert not (repo.path / ".bumpguard").exists()  # verify records nothing


def test_builtin_policy_requires_litellm_attestations_from_1_83(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = b"token-uploaded litellm"
    filename = "litellm-1.83.9-py3-none-any.whl"
    local_index.add_file("litellm", "1.83.9", filename, wheel, upload_time=OLD)
    lock(repo, (("litellm", "1.83.9", filename), hashlib.sha256(wheel).hexdigest(), OLD))
    assert approve(repo, local_index, "litellm==1.83.9") == 1
    assert "no attestation for litellm-1.83.9-py3-none-any.whl" in capsys.readouterr().err
    assert findings(repo, capsys) == (1, ["unreviewed:litellm"])


def test_evidence_paths_in_the_ledger_stay_inside_the_evidence_folder(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    policy(repo)
    lock(repo, (GITHUB, "ab" * 32, OLD))
    repo.write(
        ".bumpguard/approvals/pypi-attestations.json",
        json.dumps(
            {
                "schema": 1,
                "package": "pypi-attestations",
                "approvals": [
                    {
                        "version": "0.0.19",
                        "reviewer": "x",
                        "approved_at": "2026-01-01T00:00:00Z",
                        "reason": "r",
                        "hashes": [f"sha256:{'ab' * 32}"],
                        "source": None,
                        "evidence": [
                            {
                                "filename": GITHUB[2],
                                "sha256": "ab" * 32,
                                "path": ".bumpguard/evidence/../../etc/passwd",
                            }
                        ],
                    }
                ],
            }
        ),
    )
    repo.add()
    assert repo.run("check") == 2
    assert "is not under .bumpguard/evidence/" in capsys.readouterr().err


def test_evidence_file_path_helper_is_consistent(tmp_path: Path) -> None:
    assert provenance_of(GITHUB[2])["version"] == 1


def pylock(repo: Repo, digest: str, repository: str) -> None:
    project, version, filename = GITHUB
    repo.write(
        "pylock.toml",
        'lock-version = "1.0"\ncreated-by = "tests"\n\n[[packages]]\n'
        f'name = "{project}"\nversion = "{version}"\nindex = "https://pypi.org/simple"\n'
        f'sdist = {{ name = "{filename}", url = "https://files.example/{filename}", '
        f'upload-time = 2025-01-01T00:00:00Z, hashes = {{ sha256 = "{digest}" }} }}\n\n'
        "[[packages.attestation-identities]]\n"
        f'kind = "GitHub"\nrepository = "{repository}"\nworkflow = "release.yml"\n',
    )
    repo.add()


def test_pylock_attestation_identities_are_additional_pins(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    policy(repo, pinned=False, mode="if-present")
    digest = serve(local_index, GITHUB)
    pylock(repo, digest, "someone/else")
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 1
    assert (
        "expects pypi-attestations from kind=GitHub repository=someone/else"
        in capsys.readouterr().err
    )
    pylock(repo, digest, "trailofbits/pypi-attestations")
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 0
    assert findings(repo, capsys) == (0, [])
    # Offline, the recorded evidence is held to the lock's pins too.
    pylock(repo, digest, "someone/else")
    code, rules = findings(repo, capsys)
    assert (code, rules) == (1, ["attestation-invalid:pypi-attestations"])


def test_evidence_must_belong_to_the_approved_package(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = serve(local_index, GITHUB)
    lock(repo, (GITHUB, digest, OLD))
    policy(repo, pinned=False, mode="if-present")
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 0
    # Point the approval at another project's (valid) evidence and artifact.
    other = hashlib.sha256(data_of(GITLAB[2])).hexdigest()
    target = repo.path / ".bumpguard/evidence/pypi-attestations/other.provenance.json"
    target.write_text(json.dumps(provenance_of(GITLAB[2])))
    path = repo.path / ".bumpguard/approvals/pypi-attestations.json"
    record = json.loads(path.read_text())
    record["approvals"][0]["evidence"] = [
        {
            "filename": GITLAB[2],
            "sha256": other,
            "path": ".bumpguard/evidence/pypi-attestations/other.provenance.json",
        }
    ]
    record["approvals"][0]["hashes"].append(f"sha256:{other}")
    path.write_text(json.dumps(record))
    lock(repo, (GITHUB, other, OLD))
    capsys.readouterr()
    assert repo.run("check") == 1
    assert "which is not a file of pypi-attestations 0.0.19" in capsys.readouterr().out


def test_evidence_that_the_commit_does_not_hold_fails_the_check(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = serve(local_index, GITHUB)
    lock(repo, (GITHUB, digest, OLD))
    policy(repo)
    repo.write(".gitignore", "*.provenance.json\n")  # a parent pattern; .bumpguard/ undoes it
    repo.add()
    assert approve(repo, local_index, "pypi-attestations==0.0.19") == 0
    assert findings(repo, capsys) == (0, [])
    stored = git(repo.path, "ls-files", ".bumpguard/evidence").stdout.split()
    assert len(stored) == 1 and stored[0].endswith(".provenance.json")

    # Only the approval is committed: the evidence stays behind.
    git(repo.path, "rm", "-q", "--cached", stored[0])
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 1
    data = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in data["findings"]] == ["review-not-committed", "attestation-missing"]
    finding = data["findings"][0]
    assert stored[0] in finding["message"] and "it is not staged" in finding["message"]
    assert finding["fix"] == f"git add {stored[0]}"


def test_init_baselines_attested_versions_online(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    project, version, _ = GITHUB
    digest = serve(local_index, GITHUB)
    policy(repo)
    lock(repo, (GITHUB, digest, OLD))
    # Offline, init cannot baseline it: it says so and writes nothing for it.
    assert repo.run("init", "--offline") == 1
    assert "needs an online review" in capsys.readouterr().out
    assert not (repo.path / f".bumpguard/approvals/{project}.json").exists()
    assert repo.run("init", "--index-url", local_index.url) == 0
    out = capsys.readouterr().out
    assert f"baseline, attestations verified online: {project}=={version}" in out
    approval = ledger(repo, project)["approvals"][0]  # type: ignore[index]
    assert approval["kind"] == "baseline" and approval["method"] == "index"
    assert approval["identity"]["repository"]
    evidence = repo.path / approval["evidence"][0]["path"]
    assert json.loads(evidence.read_text()) == provenance_of(GITHUB[2])
    local_index.set_down(True)  # afterwards the check needs no index
    assert findings(repo, capsys) == (0, [])


def test_init_with_the_index_down_writes_nothing(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = serve(local_index, GITHUB)
    lock(repo, (GITHUB, digest, OLD))
    policy(repo)
    local_index.stop()
    capsys.readouterr()
    assert repo.run("init", "--index-url", local_index.url) == 2
    err = capsys.readouterr().err
    assert "init stopped" in err and "127.0.0.1" in err and "it had written nothing" in err
    assert not (repo.path / ".bumpguard").exists()


def test_init_lists_a_version_the_index_refuses_with_the_reason(
    repo: Repo, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    project, version, _ = GITHUB
    digest = serve(local_index, GITHUB, provenance=False)  # required, but none served
    policy(repo)
    lock(repo, (GITHUB, digest, OLD))
    assert repo.run("init", "--index-url", local_index.url) == 1
    out = capsys.readouterr().out
    assert f"refused online: {project}=={version} refused (nothing recorded)" in out
    assert not (repo.path / f".bumpguard/approvals/{project}.json").exists()
