"""PEP 740 verification against real, Sigstore-signed attestations (no mocked verifier)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guard.attest import provenance
from guard.attest.provenance import (
    Identity,
    VerificationFailed,
    identity_from_certificate_claims,
    publisher_policy,
    verify_provenance,
    wrap_attestation,
)
from guard.errors import EXIT_BLOCKED, GuardError
from guard.policy.rules import Publisher
from tests.conftest import ROOT, SHARED

PEP740 = SHARED / "pep740"
if not PEP740.is_dir():
    pytest.skip(
        f"{PEP740} is absent: the same files are in the test/assets folder of the "
        "pypi-attestations==0.0.30 sdist on PyPI",
        allow_module_level=True,
    )

GH_SDIST = "pypi_attestations-0.0.19.tar.gz"
MODELS_SDIST = "pypi_attestation_models-0.0.4a2.tar.gz"
GITLAB_SDIST = "gitlab_oidc_project-0.0.3.tar.gz"
GOOGLE_SDIST = "gcb_attestation_test-0.0.0.tar.gz"
CIRCLECI_WHEEL = "circleci_sign_publish_example-0.0.1.dev137-py3-none-any.whl"
STAGING_WHEEL = "rfc8785-0.1.2-py3-none-any.whl"
SPT3G_WHEEL = "spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"

GH_COMMIT = "08802efe1f8e5fec4ad842d6b8ce97656092ee72"
GOOGLE_EMAIL = "919436158236-compute@developer.gserviceaccount.com"
CIRCLECI_PROJECT = "fdd9283f-e619-46af-8f9c-851f7d3e8b2b"
CIRCLECI_PIPELINE = "8e4f8ab2-8d7c-4827-9f15-de076d6d647f"


def publisher(kind: str, **fields: str) -> Publisher:
    """A policy publisher as guard.policy.loader builds it (sorted fields)."""
    return Publisher(kind, tuple(sorted(fields.items())))


GH_PUBLISHER = publisher(
    "github", repository="trailofbits/pypi-attestations", workflow="release.yml"
)
GITLAB_PUBLISHER = publisher(
    "gitlab", repository="facutuesca/gitlab-oidc-project", workflow=".gitlab-ci.yml"
)
GOOGLE_PUBLISHER = publisher("google", email=GOOGLE_EMAIL)
CIRCLECI_PUBLISHER = publisher(
    "circleci", project_id=CIRCLECI_PROJECT, pipeline_definition_id=CIRCLECI_PIPELINE
)


def sha256_of(name: str) -> str:
    return hashlib.sha256((PEP740 / name).read_bytes()).hexdigest()


def evidence(name: str) -> bytes:
    return (PEP740 / name).read_bytes()


def as_provenance(attestation_file: str) -> dict[str, Any]:
    """A single-attestation file served as a provenance object."""
    return wrap_attestation(json.loads(evidence(attestation_file)))


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own verification cache, never the user's."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("BUMPGUARD_CACHE_DIR", str(folder))
    return folder / "verify"


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts real (uncached) verifications; the real verifier still runs."""
    calls: list[str] = []
    real = provenance._verify

    def counting(filename: str, *args: Any, **kwargs: Any) -> Identity:
        calls.append(filename)
        return real(filename, *args, **kwargs)

    monkeypatch.setattr(provenance, "_verify", counting)
    return calls


def refused(
    evidence_: Any, filename: str, sha256: str, expected: Publisher | None, **kwargs: Any
) -> VerificationFailed:
    with pytest.raises(VerificationFailed) as info:
        verify_provenance(evidence_, filename, sha256, expected, **kwargs)
    error = info.value
    assert filename in str(error)
    assert "\n" not in str(error)
    return error


# --- GitHub ---------------------------------------------------------------------------------


def test_github_provenance_verifies_against_the_pinned_publisher() -> None:
    identity = verify_provenance(
        evidence(GH_SDIST + ".provenance"), GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER
    )
    assert identity == Identity(
        kind="github",
        issuer="https://token.actions.githubusercontent.com",
        subject=(
            "https://github.com/trailofbits/pypi-attestations/.github/workflows/"
            "release.yml@refs/tags/v0.0.19"
        ),
        repository="trailofbits/pypi-attestations",
        workflow="release.yml",
        ref="refs/tags/v0.0.19",
        commit=GH_COMMIT,
    )
    assert identity.is_tag()
    assert identity.describe() == (
        "built by trailofbits/pypi-attestations release.yml from refs/tags/v0.0.19 @ 08802ef"
    )
    assert identity.publisher_fields() == (GH_PUBLISHER.kind, GH_PUBLISHER.fields)


def test_github_provenance_accepts_text_and_mapping_forms() -> None:
    raw = evidence(GH_SDIST + ".provenance")
    digest = sha256_of(GH_SDIST)
    as_text = verify_provenance(raw.decode(), GH_SDIST, digest, GH_PUBLISHER, use_cache=False)
    as_data = verify_provenance(json.loads(raw), GH_SDIST, digest, GH_PUBLISHER, use_cache=False)
    upper = verify_provenance(raw, GH_SDIST, digest.upper(), GH_PUBLISHER, use_cache=False)
    assert as_text == as_data == upper


def test_wrong_repository_is_refused() -> None:
    wrong = publisher("github", repository="trailofbits/other", workflow="release.yml")
    error = refused(evidence(GH_SDIST + ".provenance"), GH_SDIST, sha256_of(GH_SDIST), wrong)
    assert "wrong repository" in error.reason
    assert "trailofbits/pypi-attestations" in error.reason
    assert "trailofbits/other" in error.reason
    assert error.exit_code == EXIT_BLOCKED == 1
    assert isinstance(error, GuardError)


def test_wrong_workflow_is_refused() -> None:
    wrong = publisher(
        "github", repository="trailofbits/pypi-attestations", workflow="publish_to_pypi.yml"
    )
    error = refused(evidence(GH_SDIST + ".provenance"), GH_SDIST, sha256_of(GH_SDIST), wrong)
    assert "wrong workflow" in error.reason
    assert "release.yml" in error.reason
    assert "publish_to_pypi.yml" in error.reason


def test_the_environment_is_documentation_only() -> None:
    with_environment = publisher(
        "github",
        repository="trailofbits/pypi-attestations",
        workflow="release.yml",
        environment="some-other-environment",
    )
    policy = publisher_policy(with_environment)
    assert getattr(policy, "environment", "absent") is None
    identity = verify_provenance(
        evidence(GH_SDIST + ".provenance"), GH_SDIST, sha256_of(GH_SDIST), with_environment
    )
    assert identity.repository == "trailofbits/pypi-attestations"


def test_a_workflow_given_as_a_path_is_its_file_name() -> None:
    as_path = publisher(
        "github",
        repository="trailofbits/pypi-attestations",
        workflow=".github/workflows/release.yml",
    )
    identity = verify_provenance(
        evidence(GH_SDIST + ".provenance"), GH_SDIST, sha256_of(GH_SDIST), as_path
    )
    assert identity.workflow == "release.yml"


def test_publisher_policy_objects() -> None:
    import pypi_attestations as pa

    github = publisher_policy(GH_PUBLISHER)
    assert isinstance(github, pa.GitHubPublisher)
    assert (github.repository, github.workflow) == ("trailofbits/pypi-attestations", "release.yml")
    gitlab = publisher_policy(GITLAB_PUBLISHER)
    assert isinstance(gitlab, pa.GitLabPublisher)
    assert gitlab.workflow_filepath == ".gitlab-ci.yml"
    assert gitlab.environment is None
    google = publisher_policy(GOOGLE_PUBLISHER)
    assert isinstance(google, pa.GooglePublisher)
    assert google.email == GOOGLE_EMAIL
    circleci = publisher_policy(CIRCLECI_PUBLISHER)
    assert isinstance(circleci, pa.CircleCIPublisher)
    assert (circleci.project_id, circleci.pipeline_definition_id) == (
        CIRCLECI_PROJECT,
        CIRCLECI_PIPELINE,
    )
    assert circleci.vcs_origin is None and circleci.vcs_ref is None
    with pytest.raises(GuardError, match="unknown publisher kind"):
        publisher_policy(publisher("bitbucket", repository="a/b"))
    with pytest.raises(GuardError, match="needs 'workflow'"):
        publisher_policy(publisher("github", repository="a/b"))


def test_tampered_artifact_is_refused(tmp_path: Path) -> None:
    data = bytearray(evidence(GH_SDIST))
    data[len(data) // 2] ^= 0x01
    tampered = hashlib.sha256(bytes(data)).hexdigest()
    error = refused(evidence(GH_SDIST + ".provenance"), GH_SDIST, tampered, GH_PUBLISHER)
    assert "digest mismatch" in error.reason
    assert sha256_of(GH_SDIST) in error.reason and tampered in error.reason
    # also with no pinned publisher: the digest is always checked
    error = refused(evidence(GH_SDIST + ".provenance"), GH_SDIST, tampered, None)
    assert "digest mismatch" in error.reason


def test_evidence_for_another_file_name_is_refused() -> None:
    other = "pypi_attestations-0.0.20.tar.gz"
    error = refused(evidence(GH_SDIST + ".provenance"), other, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert "file name mismatch" in error.reason


def test_publish_attestation_wrapped_and_alone_verifies() -> None:
    wrapped = as_provenance(GH_SDIST + ".publish.attestation")
    identity = verify_provenance(wrapped, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    alone = verify_provenance(
        evidence(GH_SDIST + ".publish.attestation"), GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER
    )
    assert identity == alone
    assert identity.commit == GH_COMMIT


def test_several_attestations_all_verify() -> None:
    both = as_provenance(GH_SDIST + ".publish.attestation")
    both["attestation_bundles"][0]["attestations"].append(
        json.loads(evidence(GH_SDIST + ".slsa.attestation"))
    )
    identity = verify_provenance(both, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert identity.ref == "refs/tags/v0.0.19"


def test_every_attestation_must_verify() -> None:
    mixed = as_provenance(GH_SDIST + ".publish.attestation")
    mixed["attestation_bundles"].append(
        {
            "publisher": {"kind": "GitHub", "repository": "x/y", "workflow": "z.yml"},
            "attestations": [json.loads(evidence(MODELS_SDIST + ".attestation"))],
        }
    )
    error = refused(mixed, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert error.reason.startswith("attestation 2: ")
    error = refused(mixed, GH_SDIST, sha256_of(GH_SDIST), None)
    assert error.reason.startswith("attestation 2: ")


def test_pypi_attestation_models_attestation_verifies() -> None:
    expected = publisher(
        "github", repository="trailofbits/pypi-attestation-models", workflow="release.yml"
    )
    identity = verify_provenance(
        evidence(MODELS_SDIST + ".attestation"), MODELS_SDIST, sha256_of(MODELS_SDIST), expected
    )
    assert identity.repository == "trailofbits/pypi-attestation-models"
    assert identity.ref == "refs/tags/v0.0.4a2"
    assert identity.commit == "153c9a3f5c152ef5405cba227676534658acde27"
    refused(
        evidence(MODELS_SDIST + ".attestation"), MODELS_SDIST, sha256_of(MODELS_SDIST), GH_PUBLISHER
    )


# --- GitLab, Google, CircleCI --------------------------------------------------------------


def test_gitlab_attestation_verifies() -> None:
    identity = verify_provenance(
        as_provenance(GITLAB_SDIST + ".publish.attestation"),
        GITLAB_SDIST,
        sha256_of(GITLAB_SDIST),
        GITLAB_PUBLISHER,
    )
    assert identity.kind == "gitlab"
    assert identity.repository == "facutuesca/gitlab-oidc-project"
    assert identity.workflow == ".gitlab-ci.yml"
    assert identity.ref == "refs/heads/main"
    assert not identity.is_tag()
    assert identity.commit == "72f7c63b75eb55ea80864962f0e645c93414da34"
    assert identity.describe() == (
        "built by facutuesca/gitlab-oidc-project .gitlab-ci.yml from refs/heads/main"
        " @ 72f7c63 (GitLab)"
    )


@pytest.mark.parametrize(
    ("wrong", "reason"),
    [
        (publisher("gitlab", repository="facutuesca/other", workflow=".gitlab-ci.yml"), "repo"),
        (
            publisher("gitlab", repository="facutuesca/gitlab-oidc-project", workflow="ci.yml"),
            "wrong workflow",
        ),
        (
            publisher("github", repository="facutuesca/gitlab-oidc-project", workflow="x.yml"),
            "wrong CI provider",
        ),
    ],
)
def test_gitlab_wrong_identity_is_refused(wrong: Publisher, reason: str) -> None:
    error = refused(
        as_provenance(GITLAB_SDIST + ".publish.attestation"),
        GITLAB_SDIST,
        sha256_of(GITLAB_SDIST),
        wrong,
    )
    assert reason in error.reason


def test_google_provenance_verifies() -> None:
    identity = verify_provenance(
        evidence(GOOGLE_SDIST + ".provenance"),
        GOOGLE_SDIST,
        sha256_of(GOOGLE_SDIST),
        GOOGLE_PUBLISHER,
    )
    assert identity == Identity(
        kind="google",
        issuer="https://accounts.google.com",
        subject=GOOGLE_EMAIL,
        email=GOOGLE_EMAIL,
    )
    assert identity.describe() == f"signed by {GOOGLE_EMAIL} (Google)"
    assert not identity.is_tag()


def test_google_wrong_account_is_refused() -> None:
    wrong = publisher("google", email="someone-else@developer.gserviceaccount.com")
    error = refused(
        evidence(GOOGLE_SDIST + ".provenance"), GOOGLE_SDIST, sha256_of(GOOGLE_SDIST), wrong
    )
    assert "wrong signer" in error.reason
    assert GOOGLE_EMAIL in error.reason


def test_circleci_provenance_verifies() -> None:
    identity = verify_provenance(
        evidence(CIRCLECI_WHEEL + ".provenance"),
        CIRCLECI_WHEEL,
        sha256_of(CIRCLECI_WHEEL),
        CIRCLECI_PUBLISHER,
    )
    assert identity.kind == "circleci"
    assert identity.project_id == CIRCLECI_PROJECT
    assert identity.pipeline_definition_id == identity.workflow == CIRCLECI_PIPELINE
    assert identity.repository == "github.com/CircleCI-Public/sign-and-publish-examples"
    assert identity.ref == "refs/heads/pypi"
    assert identity.commit is None
    assert CIRCLECI_PROJECT in identity.describe()
    # The single-attestation form verifies the same; a pin of the project alone is not
    # enough (the policy schema requires the pipeline definition too).
    assert (
        verify_provenance(
            evidence(CIRCLECI_WHEEL + ".publish.attestation"),
            CIRCLECI_WHEEL,
            sha256_of(CIRCLECI_WHEEL),
            CIRCLECI_PUBLISHER,
        )
        == identity
    )
    with pytest.raises(GuardError, match="needs 'pipeline_definition_id'"):
        verify_provenance(
            evidence(CIRCLECI_WHEEL + ".provenance"),
            CIRCLECI_WHEEL,
            sha256_of(CIRCLECI_WHEEL),
            publisher("circleci", project_id=CIRCLECI_PROJECT),
            use_cache=False,
        )


@pytest.mark.parametrize(
    "wrong",
    [
        publisher(
            "circleci",
            project_id=CIRCLECI_PROJECT,
            pipeline_definition_id="00000000-0000-0000-0000-000000000000",
        ),
        publisher(
            "circleci",
            project_id="00000000-0000-0000-0000-000000000000",
            pipeline_definition_id=CIRCLECI_PIPELINE,
        ),
    ],
)
def test_circleci_wrong_identity_is_refused(wrong: Publisher) -> None:
    error = refused(
        evidence(CIRCLECI_WHEEL + ".provenance"), CIRCLECI_WHEEL, sha256_of(CIRCLECI_WHEEL), wrong
    )
    assert "wrong CircleCI project or pipeline definition" in error.reason
    assert CIRCLECI_PROJECT in error.reason


# --- staging, trust on first use, lying claims ----------------------------------------------


@pytest.mark.parametrize("suffix", [".publish.attestation", ".attestation"])
@pytest.mark.parametrize(
    "expected",
    [None, publisher("github", repository="woodruffw/rfc8785.py", workflow="release.yml")],
)
def test_staging_signed_evidence_is_refused(suffix: str, expected: Publisher | None) -> None:
    error = refused(
        as_provenance(STAGING_WHEEL + suffix), STAGING_WHEEL, sha256_of(STAGING_WHEEL), expected
    )
    assert "not signed by the production Sigstore instance" in error.reason


def test_staging_spt3g_attestation_is_refused() -> None:
    attestation = json.loads(evidence(SPT3G_WHEEL + ".publish.attestation"))
    statement = json.loads(base64.b64decode(attestation["envelope"]["statement"]))
    digest = statement["subject"][0]["digest"]["sha256"]  # the wheel itself is not stored
    error = refused(wrap_attestation(attestation), SPT3G_WHEEL, digest, None)
    assert "not signed by the production Sigstore instance" in error.reason


TOFU_CASES = {
    GH_SDIST + ".provenance": {
        "kind": "github",
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "https://github.com/trailofbits/pypi-attestations/.github/workflows/"
        "release.yml@refs/tags/v0.0.19",
        "repository": "trailofbits/pypi-attestations",
        "workflow": "release.yml",
        "ref": "refs/tags/v0.0.19",
        "commit": GH_COMMIT,
    },
    MODELS_SDIST + ".attestation": {
        "kind": "github",
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "https://github.com/trailofbits/pypi-attestation-models/.github/workflows/"
        "release.yml@refs/tags/v0.0.4a2",
        "repository": "trailofbits/pypi-attestation-models",
        "workflow": "release.yml",
        "ref": "refs/tags/v0.0.4a2",
        "commit": "153c9a3f5c152ef5405cba227676534658acde27",
    },
    GITLAB_SDIST + ".publish.attestation": {
        "kind": "gitlab",
        "issuer": "https://gitlab.com",
        "subject": "https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml"
        "@refs/heads/main",
        "repository": "facutuesca/gitlab-oidc-project",
        "workflow": ".gitlab-ci.yml",
        "ref": "refs/heads/main",
        "commit": "72f7c63b75eb55ea80864962f0e645c93414da34",
    },
    GOOGLE_SDIST + ".provenance": {
        "kind": "google",
        "issuer": "https://accounts.google.com",
        "subject": GOOGLE_EMAIL,
        "email": GOOGLE_EMAIL,
    },
    CIRCLECI_WHEEL + ".provenance": {
        "kind": "circleci",
        "issuer": "https://oidc.circleci.com",
        "subject": f"https://circleci.com/api/v2/projects/{CIRCLECI_PROJECT}/"
        f"pipeline-definitions/{CIRCLECI_PIPELINE}",
        "repository": "github.com/CircleCI-Public/sign-and-publish-examples",
        "workflow": CIRCLECI_PIPELINE,
        "ref": "refs/heads/pypi",
        "project_id": CIRCLECI_PROJECT,
        "pipeline_definition_id": CIRCLECI_PIPELINE,
    },
}


@pytest.mark.parametrize("evidence_file", sorted(TOFU_CASES))
def test_trust_on_first_use_returns_the_certificate_identity(evidence_file: str) -> None:
    dist = evidence_file.removesuffix(".publish.attestation").removesuffix(".attestation")
    dist = dist.removesuffix(".provenance")
    identity = verify_provenance(evidence(evidence_file), dist, sha256_of(dist), None)
    assert identity.to_data() == TOFU_CASES[evidence_file]
    assert Identity.from_data(json.loads(json.dumps(identity.to_data()))) == identity


def test_the_publisher_claim_in_the_evidence_is_ignored() -> None:
    lying = json.loads(evidence(GH_SDIST + ".provenance"))
    lying["attestation_bundles"][0]["publisher"] = {
        "kind": "GitHub",
        "repository": "attacker/evil",
        "workflow": "evil.yml",
        "environment": None,
    }
    digest = sha256_of(GH_SDIST)
    identity = verify_provenance(lying, GH_SDIST, digest, GH_PUBLISHER)
    assert identity.repository == "trailofbits/pypi-attestations"
    claimed = publisher("github", repository="attacker/evil", workflow="evil.yml")
    error = refused(lying, GH_SDIST, digest, claimed)
    assert "wrong repository" in error.reason
    assert verify_provenance(lying, GH_SDIST, digest, None).repository == (
        "trailofbits/pypi-attestations"
    )
    # a claim pypi_attestations could not even parse makes no difference either
    lying["attestation_bundles"][0]["publisher"] = {"kind": "SomethingNew", "anything": 1}
    assert verify_provenance(lying, GH_SDIST, digest, GH_PUBLISHER) == identity


# --- tampered and malformed evidence --------------------------------------------------------


def _first_attestation(data: dict[str, Any]) -> dict[str, Any]:
    attestation: dict[str, Any] = data["attestation_bundles"][0]["attestations"][0]
    return attestation


def _flip_base64(value: str, index: int) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_tampered_signature_is_refused() -> None:
    data = json.loads(evidence(GH_SDIST + ".provenance"))
    envelope = _first_attestation(data)["envelope"]
    envelope["signature"] = _flip_base64(envelope["signature"], 12)
    error = refused(data, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert "signature" in error.reason


def test_tampered_statement_is_refused() -> None:
    """A statement rewritten to sign another digest no longer matches its signature."""
    data = json.loads(evidence(GH_SDIST + ".provenance"))
    envelope = _first_attestation(data)["envelope"]
    statement = json.loads(base64.b64decode(envelope["statement"]))
    other = "1" * 64
    statement["subject"][0]["digest"]["sha256"] = other
    envelope["statement"] = base64.b64encode(json.dumps(statement).encode()).decode()
    error = refused(data, GH_SDIST, other, GH_PUBLISHER)
    assert "signature does not match" in error.reason
    data = json.loads(evidence(GH_SDIST + ".provenance"))
    envelope = _first_attestation(data)["envelope"]
    envelope["statement"] = _flip_base64(envelope["statement"], 40)
    refused(data, GH_SDIST, sha256_of(GH_SDIST), None)


def test_tampered_certificate_and_log_entry_are_refused() -> None:
    data = json.loads(evidence(GH_SDIST + ".provenance"))
    material = _first_attestation(data)["verification_material"]
    material["certificate"] = _flip_base64(material["certificate"], -20)
    refused(data, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    data = json.loads(evidence(GH_SDIST + ".provenance"))
    entry = _first_attestation(data)["verification_material"]["transparency_entries"][0]
    entry["logIndex"] = str(int(entry["logIndex"]) + 1)
    error = refused(data, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert "transparency log" in error.reason


@pytest.mark.parametrize(
    ("evidence_", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"version": 2, "attestation_bundles": []}', "unsupported provenance version"),
        (b'{"version": 1}', "no attestation_bundles"),
        (b'{"version": 1, "attestation_bundles": []}', "no attestations"),
        (b'{"version": 1, "attestation_bundles": [{"attestations": []}]}', "no attestations"),
        (b'{"version": 1, "attestation_bundles": [{"publisher": {}}]}', "no attestations list"),
        (b'{"version": 1, "attestation_bundles": [{"attestations": [{}]}]}', "not a PEP 740"),
        (b'{"version": 1, "envelope": {"statement": "x"}}', "not a PEP 740"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_malformed_evidence_is_refused(evidence_: bytes | str, reason: str) -> None:
    error = refused(evidence_, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert reason in error.reason


def test_bad_inputs_are_refused() -> None:
    raw = evidence(GH_SDIST + ".provenance")
    assert "not a sha256" in refused(raw, GH_SDIST, "abc", GH_PUBLISHER).reason
    error = refused(raw, "README.md", sha256_of(GH_SDIST), GH_PUBLISHER)
    assert "not a wheel or sdist file name" in error.reason
    certificate = json.loads(raw)
    _first_attestation(certificate)["verification_material"]["certificate"] = "AAAA"
    assert "not a PEP 740" in refused(certificate, GH_SDIST, sha256_of(GH_SDIST), None).reason


def test_verification_is_quiet(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    verify_provenance(
        evidence(GH_SDIST + ".provenance"), GH_SDIST, sha256_of(GH_SDIST), None, use_cache=False
    )
    assert "offline mode" not in caplog.text
    assert "no-op" not in caplog.text
    out, err = capfd.readouterr()
    assert out == err == ""
    assert logging.getLogger("sigstore").level == logging.NOTSET  # restored


# --- the verification cache -----------------------------------------------------------------


def test_a_second_verification_is_a_cache_hit(cache: Path, verifications: list[str]) -> None:
    raw = evidence(GH_SDIST + ".provenance")
    first = verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert len(list(cache.glob("*.json"))) == 1
    second = verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert first == second
    assert verifications == [GH_SDIST]
    # another expected publisher (here: none, trust on first use) is another entry
    verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), None)
    assert verifications == [GH_SDIST, GH_SDIST]
    assert len(list(cache.glob("*.json"))) == 2


def test_use_cache_false_neither_reads_nor_writes(cache: Path, verifications: list[str]) -> None:
    raw = evidence(GH_SDIST + ".provenance")
    verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER, use_cache=False)
    assert not cache.exists()
    verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER, use_cache=False)
    assert len(verifications) == 3


def test_a_failed_verification_is_not_cached(cache: Path, verifications: list[str]) -> None:
    wrong = publisher("github", repository="trailofbits/other", workflow="release.yml")
    for _ in range(2):
        refused(evidence(GH_SDIST + ".provenance"), GH_SDIST, sha256_of(GH_SDIST), wrong)
    assert verifications == [GH_SDIST, GH_SDIST]
    assert not cache.exists() or not list(cache.iterdir())


def test_the_cache_key_covers_the_artifact_and_the_evidence(verifications: list[str]) -> None:
    raw = evidence(GH_SDIST + ".provenance")
    verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    refused(raw, GH_SDIST, "0" * 64, GH_PUBLISHER)  # another artifact: verified, refused
    data = json.loads(raw)
    envelope = _first_attestation(data)["envelope"]
    envelope["signature"] = _flip_base64(envelope["signature"], 12)
    refused(data, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)  # other evidence: refused
    assert len(verifications) == 3


@pytest.mark.parametrize(
    "garbage",
    ["", "{", "[]", '{"key": "x"}', "null", '{"identity": {"kind": 1}}', "\udcff"],
)
def test_a_corrupt_cache_entry_is_ignored_and_overwritten(
    cache: Path, verifications: list[str], garbage: str
) -> None:
    raw = evidence(GH_SDIST + ".provenance")
    verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    (entry,) = cache.glob("*.json")
    entry.write_bytes(garbage.encode("utf-8", errors="surrogateescape"))
    identity = verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert identity.commit == GH_COMMIT
    assert len(verifications) == 2
    stored = json.loads(entry.read_text())
    assert Identity.from_data(stored["identity"]) == identity


def test_a_cache_entry_for_another_key_is_not_trusted(
    cache: Path, verifications: list[str]
) -> None:
    raw = evidence(GH_SDIST + ".provenance")
    verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    (entry,) = cache.glob("*.json")
    stored = json.loads(entry.read_text())
    stored["key"] = "0" * 64  # copied from elsewhere
    entry.write_text(json.dumps(stored))
    verify_provenance(raw, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert len(verifications) == 2


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("BUMPGUARD_CACHE_DIR", str(blocker))
    identity = verify_provenance(
        evidence(GH_SDIST + ".provenance"), GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER
    )
    assert identity.commit == GH_COMMIT


def test_the_cache_lives_in_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("BUMPGUARD_CACHE_DIR")
    assert provenance.cache_dir() == Path(platformdirs.user_cache_dir("bumpguard")) / "verify"
    monkeypatch.setenv("BUMPGUARD_CACHE_DIR", "/somewhere")
    assert provenance.cache_dir() == Path("/somewhere/verify")


def test_library_versions_are_found_without_importing() -> None:
    from importlib import metadata

    versions = provenance._library_versions()
    assert versions["pypi-attestations"] == metadata.version("pypi-attestations")
    assert versions["sigstore"] == metadata.version("sigstore")


_SUBPROCESS = """
import hashlib, sys
from pathlib import Path
from guard.policy.rules import Publisher
from guard.attest.provenance import verify_provenance
folder = Path(sys.argv[1])
name = "pypi_attestations-0.0.19.tar.gz"
identity = verify_provenance(
    (folder / (name + ".provenance")).read_bytes(),
    name,
    hashlib.sha256((folder / name).read_bytes()).hexdigest(),
    Publisher("github", (("repository", "trailofbits/pypi-attestations"),
                         ("workflow", "release.yml"))),
)
print(identity.commit, "pypi_attestations" in sys.modules, "sigstore" in sys.modules)
"""


def test_a_warm_cache_does_not_import_the_verifier(cache: Path) -> None:
    env = {**os.environ, "BUMPGUARD_CACHE_DIR": str(cache.parent)}

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", _SUBPROCESS, str(PEP740)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stderr == ""
        return done.stdout.strip()

    assert run() == f"{GH_COMMIT} True True"  # cold: verified for real
    assert run() == f"{GH_COMMIT} False False"  # warm: the cached identity


def test_importing_the_module_is_cheap() -> None:
    code = (
        "import sys, guard.attest.provenance; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('pypi_attestations', 'sigstore', 'cryptography', "
        "'pydantic', 'platformdirs', 'logging')))"
    )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
    assert "guard.attest.provenance" in done.stderr  # -X importtime really ran


# --- the identity ---------------------------------------------------------------------------


def test_identity_from_github_claims() -> None:
    claims = {
        "1.3.6.1.4.1.57264.1.8": "https://token.actions.githubusercontent.com",
        "1.3.6.1.4.1.57264.1.9": "https://github.com/org/shared/.github/workflows/reusable.yml"
        "@refs/heads/main",
        "1.3.6.1.4.1.57264.1.12": "https://github.com/BerriAI/litellm",
        "1.3.6.1.4.1.57264.1.13": "1a2b3c4d5e6f",
        "1.3.6.1.4.1.57264.1.14": "refs/tags/v1.83.0",
        "1.3.6.1.4.1.57264.1.18": "https://github.com/BerriAI/litellm/.github/workflows/"
        "publish_to_pypi.yml@refs/tags/v1.83.0",
    }
    identity = identity_from_certificate_claims(claims, "https://github.com/x")
    # the build config (the calling workflow, which Trusted Publishing checks) wins over
    # the build signer (a reusable workflow)
    assert identity.workflow == "publish_to_pypi.yml"
    assert identity.describe() == (
        "built by BerriAI/litellm publish_to_pypi.yml from refs/tags/v1.83.0 @ 1a2b3c4"
    )
    assert identity.publisher_fields() == (
        "github",
        (("repository", "BerriAI/litellm"), ("workflow", "publish_to_pypi.yml")),
    )


def test_identity_from_claims_without_a_ref_uses_the_commit_suffix() -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = (PEP740 / "no-source-repository-ref-extension.pem").read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    identity = provenance.certificate_identity(der)
    assert identity.kind == "github"
    assert identity.repository == "SWIFTSIM/swiftgalaxy"
    assert identity.workflow == "python-publish.yml"
    assert identity.ref is None and not identity.is_tag()
    assert identity.commit == "a26eb006d04dd0c41a6e38dc15ddaf7b46143505"


def test_identity_from_other_claims() -> None:
    gitlab = identity_from_certificate_claims(
        {
            "1.3.6.1.4.1.57264.1.8": "https://gitlab.com",
            "1.3.6.1.4.1.57264.1.12": "https://gitlab.com/group/sub/project",
            "1.3.6.1.4.1.57264.1.14": "refs/tags/v2",
            "1.3.6.1.4.1.57264.1.18": "https://gitlab.com/group/sub/project//ci/release.yml"
            "@refs/tags/v2",
        }
    )
    assert (gitlab.kind, gitlab.repository, gitlab.workflow) == (
        "gitlab",
        "group/sub/project",
        "ci/release.yml",
    )
    assert gitlab.is_tag()
    person = identity_from_certificate_claims(
        {"1.3.6.1.4.1.57264.1.1": "https://github.com/login/oauth"}, "someone@example.org"
    )
    assert person.kind == "other"
    assert person.publisher_fields() is None
    assert (
        person.describe() == "signed by someone@example.org (issuer https://github.com/login/oauth)"
    )
    empty = identity_from_certificate_claims({})
    assert (empty.kind, empty.issuer) == ("other", "")


def test_identity_data_round_trip_and_validation() -> None:
    identity = Identity.from_data(TOFU_CASES[CIRCLECI_WHEEL + ".provenance"])
    assert Identity.from_data(identity.to_data()) == identity
    assert "commit" not in identity.to_data()
    bad: Any
    for bad in (
        [],
        {"kind": "github", "issuer": "x"},
        {"kind": "github", "issuer": "x", "subject": 3},
        {"kind": "github", "issuer": "x", "subject": "s", "colour": "blue"},
    ):
        with pytest.raises(ValueError):
            Identity.from_data(bad)


def test_same_publisher_ignores_ref_and_commit() -> None:
    one = Identity.from_data(TOFU_CASES[GH_SDIST + ".provenance"])
    later = Identity(**{**one.to_data(), "ref": "refs/tags/v0.0.20", "commit": "f" * 40})
    assert one.same_publisher(later) and one != later
    other_repo = Identity(**{**one.to_data(), "repository": "trailofbits/other"})
    assert not one.same_publisher(other_repo)
    google = Identity.from_data(TOFU_CASES[GOOGLE_SDIST + ".provenance"])
    assert not one.same_publisher(google)


def test_verification_failed_is_one_line() -> None:
    error = VerificationFailed("x-1.0.tar.gz", "first line\n  second line")
    assert str(error) == "x-1.0.tar.gz: provenance does not verify: first line second line"
    assert error.exit_code == 1


def test_a_provenance_copy_is_not_modified() -> None:
    data = json.loads(evidence(GH_SDIST + ".provenance"))
    before = copy.deepcopy(data)
    verify_provenance(data, GH_SDIST, sha256_of(GH_SDIST), GH_PUBLISHER)
    assert data == before


@pytest.mark.parametrize(
    ("ci", "setting", "enabled"),
    [(None, None, True), ("true", None, False), ("true", "1", True), (None, "0", False)],
)
def test_cache_switch(
    monkeypatch: pytest.MonkeyPatch, ci: str | None, setting: str | None, enabled: bool
) -> None:
    for var, value in (("CI", ci), ("BUMPGUARD_VERIFY_CACHE", setting)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    assert provenance.cache_enabled() is enabled


def test_an_unwritable_sigstore_cache_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/dev/null/x")
    monkeypatch.setenv("HOME", "/dev/null/x")
    with pytest.raises(GuardError, match="trust root cache") as info:
        verify_provenance(
            evidence(GH_SDIST + ".provenance"),
            GH_SDIST,
            sha256_of(GH_SDIST),
            GH_PUBLISHER,
            use_cache=False,
        )
    assert info.value.exit_code == 2
