"""Provenance rules on recorded approvals: cooldown, attestations, publisher identity.

``check`` calls :func:`evaluate` for every approved protected version. It works offline from
what the repository holds: the approval, the evidence files under ``.bumpguard/evidence/``
and the lock file's hashes and upload times. Evidence is re-verified cryptographically
(through a cache keyed by artifact and evidence digest), so an edited evidence file, a
swapped hash or evidence for another file is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from packaging.version import InvalidVersion, Version

from guard.findings import (
    ATTESTATION_INVALID,
    ATTESTATION_MISSING,
    COOLDOWN,
    NOT_A_TAG,
    NOT_COMMITTED,
    PUBLISHER_CHANGED,
)
from guard.ledger import Approval, PackageLedger, why_not_committed
from guard.model import Dependency
from guard.policy.rules import Settings, format_duration

# The identity fields that name who published; a change in any of them is a new publisher.
IDENTITY_KEYS = ("kind", "repository", "workflow", "email", "project_id")


@dataclass(frozen=True)
class Problem:
    """One provenance rule an approved version breaks."""

    rule: str
    message: str
    fix: str


# PEP 751 ``attestation-identities`` use PyPI's publisher keys; these are ours.
_PIN_KEYS = {"workflow_filepath": "workflow"}
_PIN_IGNORED = {"kind", "environment"}  # kind is compared apart; environment is unprovable


def matches_pin(identity: dict[str, str], pin: tuple[tuple[str, str], ...]) -> bool:
    """Whether a verified identity is the publisher a pylock ``attestation-identities``
    entry names. A key that the identity cannot confirm is a mismatch (fail closed)."""
    fields = dict(pin)
    if fields.get("kind", "").lower() != identity.get("kind", ""):
        return False
    for key, value in fields.items():
        if key in _PIN_IGNORED:
            continue
        ours = _PIN_KEYS.get(key, key)
        if identity.get(ours) != value:
            return False
    return True


def describe_pins(pins: Sequence[tuple[tuple[str, str], ...]]) -> str:
    """``kind=GitHub repository=...`` for each pin, for messages."""
    return " or ".join(" ".join(f"{k}={v}" for k, v in pin) for pin in pins)


def is_file_of(filename: str, name: str, version: str) -> bool:
    """Whether ``filename`` is a wheel or sdist of ``name`` at ``version``."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            dist, dist_version, *_ = parse_wheel_filename(filename)
        else:
            dist, dist_version = parse_sdist_filename(filename)
        return dist == name and dist_version == Version(version)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return False


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 time as UTC (``Z`` accepted on Python 3.10 too); ``None`` if unreadable."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def identity_key(identity: dict[str, str] | None) -> tuple[str, ...] | None:
    """What must stay the same between approved versions of one package."""
    if identity is None:
        return None
    return tuple(identity.get(key, "") for key in IDENTITY_KEYS)


def describe_identity(identity: dict[str, str]) -> str:
    """A short description of a recorded identity."""
    return identity.get("description") or ", ".join(
        f"{k}={identity[k]}" for k in IDENTITY_KEYS if identity.get(k)
    )


def cooldown(
    name: str, version: str, uploaded: str | None, settings: Settings, now: datetime
) -> Problem | None:
    """The cooldown rule: a release younger than ``min_release_age`` is refused."""
    age = settings.min_release_age
    if age <= timedelta(0):
        return None
    when = parse_time(uploaded) if uploaded else None
    if when is None:
        return Problem(
            COOLDOWN,
            f"{name} {version}: the policy wants releases at least {format_duration(age)} old "
            f"({settings.rule.origin}), and no upload time is known for it",
            "lock it with uv or a pylock.toml (they record upload-time), or approve it online",
        )
    eligible = when + age
    if now < eligible:
        return Problem(
            COOLDOWN,
            f"{name} {version} was uploaded {when:%Y-%m-%d %H:%M} UTC; the policy wants "
            f"{format_duration(age)} ({settings.rule.origin}): eligible from "
            f"{eligible:%Y-%m-%d %H:%M} UTC",
            f"wait until {eligible:%Y-%m-%d %H:%M} UTC, or choose an older version",
        )
    return None


def earlier_approvals(ledger: PackageLedger, version: str) -> list[Approval]:
    """Approvals of lower versions of the same package, highest first."""
    try:
        current = Version(version)
    except InvalidVersion:
        return []
    out: list[tuple[Version, Approval]] = []
    for approval in ledger.approvals:
        if approval.source is not None or approval.version is None:
            continue
        try:
            other = Version(approval.version)
        except InvalidVersion:
            continue
        if other < current:
            out.append((other, approval))
    return [a for _, a in sorted(out, key=lambda pair: pair[0], reverse=True)]


def attestations_needed(settings: Settings, earlier: Sequence[Approval]) -> str | None:
    """Why this version needs attestations (policy, or no-downgrade), or ``None``."""
    if settings.attestations_required:
        return f"the policy requires attestations ({settings.rule.origin})"
    attested = next((a for a in earlier if a.identity is not None), None)
    if attested is not None:
        return (
            f"the approved {attested.version} was attested, and a release without "
            "attestations after an attested one is refused (no-downgrade)"
        )
    return None


def publisher_change(
    identity: dict[str, str], earlier: Sequence[Approval]
) -> tuple[Approval, dict[str, str]] | None:
    """The nearest earlier approval whose publisher identity differs from ``identity``."""
    key = identity_key(identity)
    for approval in earlier:
        previous = approval.identity_data()
        if previous is not None:
            return (approval, previous) if identity_key(previous) != key else None
    return None


def evaluate(
    dep: Dependency,
    approval: Approval,
    ledger: PackageLedger,
    settings: Settings,
    root: Path,
    committed: frozenset[str] | None = None,
    now: datetime | None = None,
) -> list[Problem]:
    """Every provenance rule the approved ``dep`` breaks, re-verifying its evidence.
    With ``committed`` (the ``.bumpguard/`` paths in git's index), an evidence file
    outside it counts as missing, as in a fresh clone."""
    assert dep.version is not None
    name, version = dep.name, dep.version
    now = now or datetime.now(timezone.utc)
    problems: list[Problem] = []
    late = cooldown(name, version, dep.uploaded or approval.upload_time, settings, now)
    if late is not None:
        problems.append(late)
    earlier = earlier_approvals(ledger, version)
    need = attestations_needed(settings, earlier)
    if need is None and dep.attestation_identities:
        need = f"{dep.file} lists attestation-identities for it"
    renew = f'bumpguard approve {name}=={version} --reason "..."'
    if not approval.evidence:
        if need:
            problems.append(
                Problem(
                    ATTESTATION_MISSING,
                    f"{name} {version} has no recorded attestations, and {need}",
                    f"approve it online ({renew}) so its provenance is verified and stored",
                )
            )
        return problems

    from guard.attest import provenance

    verified: dict[str, dict[str, str]] = {}
    for entry in approval.evidence:
        if not is_file_of(entry.filename, name, version):
            problems.append(
                Problem(
                    ATTESTATION_INVALID,
                    f"{entry.path}: evidence for {entry.filename}, which is not a file of "
                    f"{name} {version}",
                    renew,
                )
            )
            continue
        path = root / entry.path
        hidden = committed is not None and entry.data is None and entry.path not in committed
        if hidden and path.is_file():
            why, fix = why_not_committed(root, entry.path)
            problems.append(
                Problem(
                    NOT_COMMITTED,
                    f"{entry.path}: the evidence file is not in the commit ({why}), so a "
                    "fresh clone cannot verify it",
                    fix,
                )
            )
            continue
        try:
            data = entry.data if entry.data is not None else path.read_bytes()
        except OSError:
            problems.append(
                Problem(ATTESTATION_INVALID, f"{entry.path}: evidence file is missing", renew)
            )
            continue
        try:
            identity = provenance.verify_provenance(
                data, entry.filename, entry.sha256, settings.publisher
            )
        except provenance.VerificationFailed as exc:
            problems.append(Problem(ATTESTATION_INVALID, f"{entry.path}: {exc.reason}", renew))
            continue
        verified[entry.sha256] = identity.to_data()
    if need:
        held = {h.split(":", 1)[1] for h in dep.hashes if h.startswith("sha256:")}
        uncovered = sorted(held - set(verified))
        if uncovered:
            shown = ", ".join(h[:12] for h in uncovered[:3])
            problems.append(
                Problem(
                    ATTESTATION_MISSING,
                    f"{dep.file} holds {len(uncovered)} artifact(s) of {name} {version} with no "
                    f"verified attestation (sha256 {shown}...)",
                    renew,
                )
            )
    identities = {identity_key(i): i for i in verified.values()}
    if len(identities) > 1:
        problems.append(
            Problem(
                ATTESTATION_INVALID,
                f"the artifacts of {name} {version} were signed by different publishers",
                "review the release: one of its files was published by someone else",
            )
        )
    for signer in identities.values():
        recorded = approval.identity_data()
        if recorded is not None and identity_key(recorded) != identity_key(signer):
            problems.append(
                Problem(
                    ATTESTATION_INVALID,
                    f"the approval of {name} {version} records publisher "
                    f"{describe_identity(recorded)}, but its evidence was signed by "
                    f"{describe_identity(signer)}",
                    renew,
                )
            )
        pins = dep.attestation_identities
        if pins and not any(matches_pin(signer, pin) for pin in pins):
            problems.append(
                Problem(
                    ATTESTATION_INVALID,
                    f"{dep.file} expects {name} from {describe_pins(pins)}, but it was signed by "
                    f"{describe_identity(signer)}",
                    "review where the release came from; relock if the lock is out of date",
                )
            )
        changed = publisher_change(signer, earlier)
        if changed is not None:
            other, previous = changed
            problems.append(
                Problem(
                    PUBLISHER_CHANGED,
                    f"{name} {version} was published by {describe_identity(signer)}, but the "
                    f"approved {other.version} by {describe_identity(previous)}",
                    "confirm the project moved its publishing, then pin the new publisher in "
                    "the policy",
                )
            )
        if settings.require_tag and not signer.get("ref", "").startswith("refs/tags/"):
            problems.append(
                Problem(
                    NOT_A_TAG,
                    f"{name} {version} was built from {signer.get('ref') or 'an unknown ref'}, "
                    "not a tag, and the policy requires a tag",
                    "choose a release built from a tag",
                )
            )
    return problems
