"""PEP 740 provenance: verify that a distribution file was signed by the expected publisher.

The evidence is what PyPI's Integrity API serves (a *provenance object* holding attestation
bundles) or a single attestation. Every attestation must verify with Sigstore's production
instance (certificate chain, signed certificate timestamp, transparency log entry and
signature) and must sign exactly the file: its name and its sha256 digest. The identity the
certificate carries is checked against the policy's publisher; with no publisher, the
identity is returned for the caller to compare with previously approved ones (trust on
first use).

The ``publisher`` field of a provenance object is what the index *claims*; nothing here
reads it. Only the certificate, which Sigstore has verified, decides the identity.

Importing this module is cheap: ``pypi_attestations`` and ``sigstore`` (about 300 ms) are
only imported when a signature is actually checked, and a successful verification is
cached under the user cache directory, so the pre-commit hook re-checking committed
evidence costs a hash and a small file read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guard import __version__, _cache
from guard._files import MAX_EVIDENCE_BYTES, load_json, write_atomic
from guard.errors import EXIT_BLOCKED, GuardError, WriteError

if TYPE_CHECKING:
    from pypi_attestations import Attestation
    from pypi_attestations import Publisher as AttestationPublisher
    from sigstore.verify.policy import VerificationPolicy

    from guard.policy.rules import Publisher

CACHE_ENV = _cache.ENV
CACHE_FORMAT = 1
MAX_ATTESTATIONS = 64

# Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md)
OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"  # raw string, deprecated
OID_ISSUER = "1.3.6.1.4.1.57264.1.8"
OID_BUILD_SIGNER_URI = "1.3.6.1.4.1.57264.1.9"
OID_SOURCE_REPOSITORY_URI = "1.3.6.1.4.1.57264.1.12"
OID_SOURCE_REPOSITORY_DIGEST = "1.3.6.1.4.1.57264.1.13"
OID_SOURCE_REPOSITORY_REF = "1.3.6.1.4.1.57264.1.14"
OID_BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18"
_FULCIO_PREFIX = "1.3.6.1.4.1.57264.1."

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
GOOGLE_ISSUER = "https://accounts.google.com"
CIRCLECI_ISSUER = "https://oidc.circleci.com"
_ISSUERS = {
    "github": GITHUB_ISSUER,
    "gitlab": GITLAB_ISSUER,
    "google": GOOGLE_ISSUER,
    "circleci": CIRCLECI_ISSUER,
}
_KIND_NAMES = {"github": "GitHub", "gitlab": "GitLab", "google": "Google", "circleci": "CircleCI"}
_CIRCLECI_SIGNER = re.compile(
    r"^https://circleci\.com/api/v2/projects/([^/]+)/pipeline-definitions/([^/]+)$"
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DIST_INFO = re.compile(r"^([A-Za-z0-9_.]+?)-([^-]+)\.dist-info$")

Evidence = bytes | str | Mapping[str, Any]


class VerificationFailed(GuardError):
    """The evidence does not prove that ``filename`` comes from the expected publisher."""

    exit_code = EXIT_BLOCKED

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = " ".join(reason.split())  # one line, whatever the library said
        super().__init__(f"{filename}: provenance does not verify: {self.reason}")


@dataclass(frozen=True)
class Identity:
    """What a verified signing certificate says about who built and signed a file.

    ``kind`` is ``github``, ``gitlab``, ``google``, ``circleci`` or ``other``. ``workflow``
    is the workflow file name on GitHub (``release.yml``), the CI configuration path on
    GitLab (``.gitlab-ci.yml``) and the pipeline-definition id on CircleCI. ``subject``
    is the certificate's subject alternative name (a URI or an e-mail address).
    """

    kind: str
    issuer: str
    subject: str
    repository: str | None = None
    workflow: str | None = None
    ref: str | None = None
    commit: str | None = None
    email: str | None = None
    project_id: str | None = None
    pipeline_definition_id: str | None = None

    def to_data(self) -> dict[str, str]:
        """A JSON-serialisable mapping (absent fields are left out)."""
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Identity:
        """The inverse of :meth:`to_data`; raises ``ValueError`` on a malformed mapping."""
        if not isinstance(data, Mapping):
            raise ValueError(f"an identity must be a mapping, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ValueError(f"unknown identity field(s): {', '.join(unknown)}")
        values: dict[str, str | None] = {}
        for name in known:
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"identity field {name!r} must be a string")
            values[name] = value
        for name in ("kind", "issuer", "subject"):
            if values[name] is None:
                raise ValueError(f"identity field {name!r} is missing")
        return cls(**values)  # type: ignore[arg-type]

    def is_tag(self) -> bool:
        """Whether the build ran from a git tag."""
        return bool(self.ref and self.ref.startswith("refs/tags/"))

    def describe(self) -> str:
        """One line for people, such as ``built by org/repo release.yml from refs/tags/v1``."""
        if self.kind in ("github", "gitlab"):
            text = "built by " + " ".join(p for p in (self.repository, self.workflow) if p)
            text += self._source()
            return text + (" (GitLab)" if self.kind == "gitlab" else "")
        if self.kind == "google":
            return f"signed by {self.email or self.subject} (Google)"
        if self.kind == "circleci":
            text = f"built by CircleCI project {self.project_id}"
            if self.pipeline_definition_id:
                text += f" pipeline definition {self.pipeline_definition_id}"
            if self.repository:
                text += f" of {self.repository}"
            return text + self._source()
        return f"signed by {self.subject} (issuer {self.issuer or 'unknown'})"

    def _source(self) -> str:
        text = f" from {self.ref}" if self.ref else ""
        return text + (f" @ {self.commit[:7]}" if self.commit else "")

    def publisher_fields(self) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """The policy ``publisher`` (kind and sorted fields) this identity satisfies.

        ``None`` for kind ``other`` (not a trusted publisher) or an incomplete certificate.
        The environment is never included: certificates do not carry it.
        """
        if self.kind in ("github", "gitlab"):
            pairs = {"repository": self.repository, "workflow": self.workflow}
        elif self.kind == "google":
            pairs = {"email": self.email}
        elif self.kind == "circleci":
            pairs = {
                "project_id": self.project_id,
                "pipeline_definition_id": self.pipeline_definition_id,
            }
        else:
            return None
        if any(value is None for value in pairs.values()):
            return None
        return self.kind, tuple(sorted((k, v) for k, v in pairs.items() if v is not None))

    def same_publisher(self, other: Identity) -> bool:
        """Whether both come from the same publisher, whatever the ref or commit."""
        mine = self.publisher_fields()
        if mine is None:
            return (self.kind, self.issuer, self.subject) == (
                other.kind,
                other.issuer,
                other.subject,
            )
        return mine == other.publisher_fields()


# --- certificate claims (pure) -------------------------------------------------------------


def identity_from_certificate_claims(claims: Mapping[str, str], subject: str = "") -> Identity:
    """Read the identity out of Fulcio certificate claims (OID string → text value).

    ``subject`` is the certificate's subject alternative name; Google identities live
    only there. The claims must come from a certificate that has been verified.
    """
    issuer = claims.get(OID_ISSUER) or claims.get(OID_ISSUER_V1) or ""
    repo_uri = claims.get(OID_SOURCE_REPOSITORY_URI) or None
    ref = claims.get(OID_SOURCE_REPOSITORY_REF) or None
    commit = claims.get(OID_SOURCE_REPOSITORY_DIGEST) or None
    config_uri = claims.get(OID_BUILD_CONFIG_URI) or claims.get(OID_BUILD_SIGNER_URI) or subject
    if issuer == GITHUB_ISSUER:
        repository = _strip_prefix(repo_uri, "https://github.com/")
        workflow = _after(config_uri, "/.github/workflows/", ref, commit)
        return Identity("github", issuer, subject, repository, workflow, ref, commit)
    if issuer == GITLAB_ISSUER:
        repository = _strip_prefix(repo_uri, "https://gitlab.com/")
        marker = f"{repo_uri}//" if repo_uri else "//"
        start = len("https://") if not repo_uri else 0
        workflow = _after(config_uri[start:], marker, ref, commit)
        return Identity("gitlab", issuer, subject, repository, workflow, ref, commit)
    if issuer == GOOGLE_ISSUER:
        return Identity("google", issuer, subject, email=subject or None)
    if issuer == CIRCLECI_ISSUER:
        signer = claims.get(OID_BUILD_SIGNER_URI) or subject
        match = _CIRCLECI_SIGNER.match(signer)
        project, pipeline = match.groups() if match else (None, None)
        return Identity(
            "circleci",
            issuer,
            subject,
            repository=repo_uri,
            workflow=pipeline,
            ref=ref,
            commit=commit,
            project_id=project,
            pipeline_definition_id=pipeline,
        )
    return Identity("other", issuer, subject, repository=repo_uri, ref=ref, commit=commit)


def _strip_prefix(value: str | None, prefix: str) -> str | None:
    if value is None:
        return None
    return value[len(prefix) :] if value.startswith(prefix) else value


def _after(uri: str, marker: str, ref: str | None, commit: str | None) -> str | None:
    """The part of ``uri`` after ``marker``, without its ``@ref`` / ``@commit`` suffix."""
    index = uri.find(marker)
    if index < 0:
        return None
    rest = uri[index + len(marker) :]
    for suffix in (ref, commit):
        if suffix and rest.endswith("@" + suffix):
            return rest[: -len(suffix) - 1] or None
    return rest.rsplit("@", 1)[0] or None


def _der_utf8(data: bytes) -> str | None:
    """Decode a DER UTF8String (tag 0x0C), as Fulcio encodes claims .8 onwards."""
    if len(data) < 2 or data[0] != 0x0C:
        return None
    length, offset = data[1], 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or len(data) < 2 + count:
            return None
        length, offset = int.from_bytes(data[2 : 2 + count], "big"), 2 + count
    if len(data) != offset + length:
        return None
    try:
        return data[offset:].decode("utf-8")
    except UnicodeDecodeError:
        return None


def certificate_identity(der: bytes) -> Identity:
    """The identity a DER certificate claims (ValueError if it cannot be parsed)."""
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    claims: dict[str, str] = {}
    subject = ""
    for extension in cert.extensions:
        oid = extension.oid.dotted_string
        value = extension.value
        if isinstance(value, x509.SubjectAlternativeName):
            names = [
                *value.get_values_for_type(x509.UniformResourceIdentifier),
                *value.get_values_for_type(x509.RFC822Name),
            ]
            subject = names[0] if names else ""
        elif oid.startswith(_FULCIO_PREFIX) and isinstance(value, x509.UnrecognizedExtension):
            number = int(oid[len(_FULCIO_PREFIX) :].split(".")[0] or 0)
            if number < 8:  # deprecated claims are raw strings
                text: str | None = value.value.decode("utf-8", errors="replace")
            else:
                text = _der_utf8(value.value)
            if text is not None:
                claims[oid] = text
    return identity_from_certificate_claims(claims, subject)


# --- the publisher policy ------------------------------------------------------------------


def publisher_policy(publisher: Publisher) -> AttestationPublisher | VerificationPolicy:
    """The ``pypi_attestations`` publisher (a Sigstore verification policy) for ``publisher``.

    The environment is never passed: the certificate does not carry it, so in a policy it
    only documents the publishing setup.
    """
    import pypi_attestations as pa

    def need(key: str) -> str:
        value = publisher.get(key)
        if not value:
            raise GuardError(f"a {publisher.kind} publisher needs {key!r}")
        return value

    if publisher.kind == "github":
        workflow = need("workflow").removeprefix(".github/workflows/")
        return pa.GitHubPublisher(
            repository=need("repository"), workflow=workflow, environment=None
        )
    if publisher.kind == "gitlab":
        return pa.GitLabPublisher(
            repository=need("repository"), workflow_filepath=need("workflow"), environment=None
        )
    if publisher.kind == "google":
        return pa.GooglePublisher(email=need("email"))
    if publisher.kind == "circleci":
        return pa.CircleCIPublisher(
            project_id=need("project_id"),
            pipeline_definition_id=need("pipeline_definition_id"),
            vcs_origin=publisher.get("vcs_origin"),
            vcs_ref=publisher.get("vcs_ref"),
        )
    raise GuardError(f"unknown publisher kind {publisher.kind!r}")


# --- verification --------------------------------------------------------------------------


def wrap_attestation(attestation: Mapping[str, Any]) -> dict[str, Any]:
    """A provenance object holding one attestation (``.publish.attestation`` files).

    The bundle's ``publisher`` is a placeholder: the field is a claim that verification
    never reads.
    """
    return {
        "version": 1,
        "attestation_bundles": [{"publisher": {"kind": "unknown"}, "attestations": [attestation]}],
    }


def verify_provenance(
    provenance: Evidence,
    filename: str,
    sha256: str,
    expected: Publisher | None,
    *,
    offline: bool = True,
    use_cache: bool = True,
) -> Identity:
    """Verify PEP 740 evidence for the distribution file ``filename`` with digest ``sha256``.

    ``provenance`` is a provenance object (JSON text, bytes or the parsed mapping) or a
    single attestation. Every attestation must verify with Sigstore's production instance,
    sign exactly this file and digest, and carry the identity ``expected`` describes; with
    ``expected=None`` any identity is accepted and returned (trust on first use: the caller
    compares it with approved identities). All attestations must carry one identity.

    Raises :class:`VerificationFailed` (exit code 1) naming the file and the reason.
    """
    digest = sha256.strip().lower()
    if not _SHA256.match(digest):
        raise VerificationFailed(filename, f"{sha256!r} is not a sha256 digest")
    evidence = _evidence_bytes(filename, provenance)
    key = _cache_key(filename, digest, evidence, expected)
    use_cache = use_cache and cache_enabled()
    if use_cache:
        cached = _cache_read(key, filename, digest)
        if cached is not None:
            return cached
    data = provenance if isinstance(provenance, Mapping) else _parse_json(filename, evidence)
    raw = _raw_attestations(filename, data)
    identity = _verify(filename, digest, raw, expected, offline=offline)
    if use_cache:
        _cache_write(key, filename, digest, identity)
    return identity


def _evidence_bytes(filename: str, provenance: Evidence) -> bytes:
    if isinstance(provenance, Mapping):
        try:
            text = json.dumps(provenance, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise VerificationFailed(filename, f"malformed evidence: {exc}") from None
        data = text.encode("utf-8")
    elif isinstance(provenance, str):
        data = provenance.encode("utf-8", errors="surrogatepass")
    elif isinstance(provenance, bytes):
        data = provenance
    else:
        raise VerificationFailed(
            filename, f"malformed evidence: expected JSON, got {type(provenance).__name__}"
        )
    if len(data) > MAX_EVIDENCE_BYTES:
        raise VerificationFailed(filename, f"evidence is too large ({len(data)} bytes)")
    return data


def _parse_json(filename: str, data: bytes) -> Any:
    try:
        return load_json(data)
    except ValueError as exc:  # syntax, not UTF-8, too deep, a number too long
        raise VerificationFailed(filename, f"malformed evidence: not JSON ({exc})") from None


def _raw_attestations(filename: str, data: Any) -> list[Any]:
    """The attestations of a provenance object (or a lone attestation), unvalidated."""
    if not isinstance(data, Mapping):
        raise VerificationFailed(
            filename, f"malformed evidence: expected a JSON object, got {type(data).__name__}"
        )
    if "attestation_bundles" not in data and "envelope" in data:
        return [data]  # a single attestation
    if data.get("version") != 1:
        raise VerificationFailed(
            filename, f"malformed evidence: unsupported provenance version {data.get('version')!r}"
        )
    bundles = data.get("attestation_bundles")
    if not isinstance(bundles, list):
        raise VerificationFailed(filename, "malformed evidence: no attestation_bundles list")
    found: list[Any] = []
    for number, bundle in enumerate(bundles, 1):
        atts = bundle.get("attestations") if isinstance(bundle, Mapping) else None
        if not isinstance(atts, list):
            raise VerificationFailed(
                filename,
                f"malformed evidence: attestation bundle {number} has no attestations list",
            )
        found.extend(atts)
    if not found:
        raise VerificationFailed(filename, "no attestations")
    if len(found) > MAX_ATTESTATIONS:
        raise VerificationFailed(filename, f"too many attestations ({len(found)})")
    return found


# sigstore loads (and may write) its trust root under the user cache, and quiet_sigstore
# changes a process-wide logger: verifications from several threads run one at a time.
_VERIFY_LOCK = threading.Lock()


def _verify(
    filename: str, sha256: str, raw: list[Any], expected: Publisher | None, *, offline: bool
) -> Identity:
    with _VERIFY_LOCK, quiet_sigstore():
        import pypi_attestations as pa
        import sigstore.errors
        from sigstore.verify.policy import UnsafeNoOp

        try:
            dist = pa.Distribution(name=filename, digest=sha256)
        except ValueError:
            raise VerificationFailed(
                filename, "not a wheel or sdist file name, so no attestation can sign it"
            ) from None
        policy = publisher_policy(expected) if expected is not None else UnsafeNoOp()
        identities: list[Identity] = []
        for number, item in enumerate(raw, 1):
            label = f"attestation {number}" if len(raw) > 1 else "the attestation"
            try:
                attestation = pa.Attestation.model_validate(item)
                claimed = certificate_identity(attestation.verification_material.certificate)
            except ValueError as exc:  # pydantic's ValidationError, bad DER
                first = str(exc).splitlines()[0]
                raise VerificationFailed(
                    filename, f"malformed evidence: {label} is not a PEP 740 attestation ({first})"
                ) from None
            try:
                attestation.verify(policy, dist, staging=False, offline=offline)
            except OSError as exc:
                # sigstore keeps its trust root under the user cache even offline.
                where = f" ({exc.filename})" if exc.filename else ""
                raise GuardError(
                    f"{filename}: cannot verify: sigstore could not read or write its trust "
                    f"root cache{where}: {exc.strerror}; set XDG_CACHE_HOME to a writable "
                    "directory"
                ) from None
            except (sigstore.errors.Error, ValueError) as exc:  # AttestationError is a ValueError
                reason = _explain(
                    exc, attestation, dist, claimed, expected, sha256, filename, offline
                )
                prefix = f"{label}: " if len(raw) > 1 else ""
                raise VerificationFailed(filename, prefix + reason) from None
            identities.append(claimed)
    first_identity = identities[0]
    for other in identities[1:]:
        if other != first_identity:
            raise VerificationFailed(
                filename,
                "the attestations carry different identities: "
                f"{first_identity.describe()}; {other.describe()}",
            )
    return first_identity


def _explain(
    error: Exception,
    attestation: Attestation,
    dist: Any,
    claimed: Identity,
    expected: Publisher | None,
    sha256: str,
    filename: str,
    offline: bool,
) -> str:
    """Why verification failed, in words a person can act on, from facts rather than
    the library's wording: the file the statement names and its digest are compared
    first; then, with a pinned publisher, the attestation is verified again without it.
    If that passes, the signature is sound and the signer is not the pinned publisher:
    the certificate's fields say how. If it fails too, the signature, the log or the trust
    root is at fault, which sigstore reports only as a message.

    The certificate's claims are quoted to explain a failure, never to support a success.
    """
    import sigstore.errors
    from sigstore.verify.policy import UnsafeNoOp

    signed = _subject_digest(attestation)
    if signed is not None and signed != sha256:
        return (
            f"digest mismatch: the attestation signs sha256 {signed}, the file's sha256 is {sha256}"
        )
    subject = _subject_name(attestation)
    if subject is not None and subject != filename:
        return f"file name mismatch: the attestation signs {subject}, not {filename}"
    if expected is None:
        return _crypto_failure(str(error))
    try:
        attestation.verify(UnsafeNoOp(), dist, staging=False, offline=offline)
    except (sigstore.errors.Error, ValueError) as unpinned:
        return _crypto_failure(str(unpinned))
    first = str(error).splitlines()[0] if str(error) else "verification failed"
    return _not_the_publisher(claimed, expected) or f"not the pinned publisher ({first})"


def _not_the_publisher(claimed: Identity, expected: Publisher) -> str | None:
    """How a soundly signed certificate differs from the pinned publisher, field by field."""

    def want(key: str) -> str:
        return expected.get(key) or "?"

    kind = expected.kind
    if claimed.issuer != _ISSUERS.get(kind):
        return (
            f"wrong CI provider: the certificate was issued by {claimed.issuer or '?'}, the "
            f"policy expects {_KIND_NAMES.get(kind, kind)} ({_ISSUERS.get(kind, '?')})"
        )
    if kind in ("github", "gitlab"):
        if claimed.repository != expected.get("repository"):
            return (
                f"wrong repository: the certificate says {claimed.repository or '?'}, "
                f"the policy expects {want('repository')}"
            )
        workflow = want("workflow")
        if kind == "github":
            workflow = workflow.removeprefix(".github/workflows/")
        if claimed.workflow != workflow:
            return (
                f"wrong workflow: the certificate says {claimed.workflow or '?'} "
                f"in {claimed.repository or '?'}, the policy expects {want('workflow')}"
            )
    elif kind == "google":
        if (claimed.email or claimed.subject) != expected.get("email"):
            return (
                f"wrong signer: the certificate says {claimed.subject or '?'}, "
                f"the policy expects {want('email')}"
            )
    elif kind == "circleci":
        pipeline = expected.get("pipeline_definition_id")
        if claimed.project_id != expected.get("project_id") or (
            pipeline is not None and claimed.pipeline_definition_id != pipeline
        ):
            return (
                "wrong CircleCI project or pipeline definition: the certificate says project "
                f"{claimed.project_id or '?'} pipeline definition "
                f"{claimed.pipeline_definition_id or '?'}, the policy expects project "
                f"{want('project_id')} pipeline definition {pipeline or 'any'}"
            )
    return None


def _crypto_failure(message: str) -> str:
    """A failure of the signature, the transparency log or the trust root: sigstore
    reports these as one exception type, so its message is all there is to go on."""
    message = message.removeprefix("Verification failed: ")
    lowered = message.lower()
    if any(word in lowered for word in ("log entry", "inclusion", "checkpoint", "integrated time")):
        return f"the transparency log entry does not verify ({message})"
    if any(
        word in lowered
        for word in ("certificate chain", "not enough sources of verified time", "sct", "trust")
    ):
        return f"not signed by the production Sigstore instance ({message})"
    if "dsse: invalid signature" in lowered:
        return "the signature does not match the signed statement (the evidence was altered)"
    return message


def _subject_name(attestation: Attestation) -> str | None:
    try:
        subjects: Any = attestation.statement.get("subject")
        name = subjects[0]["name"]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    return name if isinstance(name, str) else None


def _subject_digest(attestation: Attestation) -> str | None:
    try:
        subjects: Any = attestation.statement.get("subject")
        digest = subjects[0]["digest"]["sha256"]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    return digest if isinstance(digest, str) else None


@contextlib.contextmanager
def quiet_sigstore() -> Iterator[None]:
    """Hide sigstore's warnings ("TUF repository is loaded in offline mode", the no-op policy)."""
    import logging

    logger = logging.getLogger("sigstore")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


# --- the verification cache ----------------------------------------------------------------


def cache_enabled() -> bool:
    """Whether the verification cache is used (:func:`guard._cache.enabled`)."""
    return _cache.enabled()


def cache_dir() -> Path:
    """Where successful verifications are remembered (``$BUMPGUARD_CACHE_DIR/verify``)."""
    return _cache.directory("verify")


@lru_cache(maxsize=1)
def _library_versions() -> dict[str, str]:
    """The installed pypi-attestations and sigstore versions, without importing them.

    The ``*.dist-info`` folder names carry the versions; listing the import path is far
    cheaper than ``importlib.metadata`` (which the fallback uses).
    """
    wanted = {"pypi_attestations": "pypi-attestations", "sigstore": "sigstore"}
    versions = {"bumpguard": __version__}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            match = _DIST_INFO.match(name)
            if match and match.group(1).lower() in wanted:
                versions.setdefault(wanted[match.group(1).lower()], match.group(2))
        if len(versions) == len(wanted) + 1:
            return versions
    from importlib import metadata

    for project in wanted.values():
        if project not in versions:
            try:
                versions[project] = metadata.version(project)
            except metadata.PackageNotFoundError:
                versions[project] = "missing"
    return versions


def _cache_key(filename: str, sha256: str, evidence: bytes, expected: Publisher | None) -> str:
    payload = {
        "format": CACHE_FORMAT,
        "artifact_sha256": sha256,
        "evidence_sha256": hashlib.sha256(evidence).hexdigest(),
        "expected": (
            {"kind": expected.kind, "fields": sorted([k, v] for k, v in expected.fields)}
            if expected is not None
            else None
        ),
        "filename": filename,
        "versions": _library_versions(),
        "staging": False,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cache_read(key: str, filename: str, sha256: str) -> Identity | None:
    try:
        entry = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        if (
            isinstance(entry, dict)
            and entry.get("key") == key
            and entry.get("filename") == filename
            and entry.get("sha256") == sha256
        ):
            return Identity.from_data(entry["identity"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        pass  # absent or corrupt: verify again and overwrite
    return None


def _cache_write(key: str, filename: str, sha256: str, identity: Identity) -> None:
    entry = {"key": key, "filename": filename, "sha256": sha256, "identity": identity.to_data()}
    with contextlib.suppress(OSError, WriteError):  # a read-only cache only costs time
        write_atomic(
            cache_dir() / f"{key}.json", json.dumps(entry, indent=2, sort_keys=True) + "\n"
        )
