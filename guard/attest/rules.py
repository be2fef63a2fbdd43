"""The provenance rules, written once and applied by every gate.

The commit gate (:mod:`guard.attest.evidence`, for ``check``) gathers its facts offline
from the evidence a review recorded; the install gate (:mod:`guard.engine.release`, for
``approve``, ``verify`` and ``pip install``) gathers them from the package index. Both
describe one release as :class:`Facts` and call :func:`judge`, so a release that one gate
refuses the other refuses for the same rule: cooldown, required attestations (policy,
no-downgrade, pylock ``attestation-identities``), one publisher per release, the recorded
and pinned publishers, publisher changes between approved versions and ``require_tag``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from packaging.version import InvalidVersion, Version

from guard.findings import (
    ATTESTATION_INVALID,
    ATTESTATION_MISSING,
    COOLDOWN,
    NOT_A_TAG,
    PUBLISHER_CHANGED,
)
from guard.ledger import Approval, PackageLedger
from guard.policy.rules import Settings, format_duration

Pin = tuple[tuple[str, str], ...]


# The identity fields that name who published; a change in any of them is a new publisher.
IDENTITY_KEYS = ("kind", "repository", "workflow", "email", "project_id")


@dataclass(frozen=True)
class Problem:
    """One rule a release breaks: the rule id, what is wrong, and what to do."""

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


def parse_time(text: str) -> datetime | None:
    """An ISO 8601 time as UTC (``Z`` accepted on Python 3.10 too); ``None`` if unreadable."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 with an offset that leaves the calendar
        return None


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
    try:
        eligible = when + age
    except OverflowError:  # an upload time at the end of the calendar: never old enough
        eligible = datetime.max.replace(tzinfo=timezone.utc)
    if now < eligible:
        return Problem(
            COOLDOWN,
            f"{name} {version} was uploaded {when:%Y-%m-%d %H:%M} UTC; the policy wants "
            f"{format_duration(age)} ({settings.rule.origin}): eligible from "
            f"{eligible:%Y-%m-%d %H:%M} UTC",
            f"wait until {eligible:%Y-%m-%d %H:%M} UTC, or choose an older version",
        )
    return None


def earlier_attested(ledger: PackageLedger, version: str) -> list[Approval]:
    """Approvals of lower versions that recorded a verified publisher, highest first: the
    ones no-downgrade and publisher changes compare with. Approvals without one are
    skipped before their versions are parsed, so a long ledger of them costs little."""
    try:
        current = Version(version)
    except InvalidVersion:
        return []
    out: list[tuple[Version, Approval]] = []
    for approval in ledger.approvals:
        if approval.identity is None or approval.source is not None or approval.version is None:
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


@dataclass
class Facts:
    """What a gate established about one release (``name`` at ``version``).

    ``unattested`` labels the artifacts the gate holds with no attestation at all;
    ``signers`` has the verified publisher identity of each attested one. ``recorded`` is
    the identity an approval of this very version recorded, if any."""

    name: str
    version: str
    uploaded: str | None
    unattested: list[str] = field(default_factory=list)
    signers: list[dict[str, str]] = field(default_factory=list)
    pins: Sequence[Pin] = ()
    pins_from: str = "a pylock.toml"
    recorded: dict[str, str] | None = None


def judge(
    facts: Facts, settings: Settings, earlier: Sequence[Approval], now: datetime
) -> list[Problem]:
    """Every provenance rule the release breaks, given the approvals of lower versions
    (``earlier``, highest first)."""
    name, version = facts.name, facts.version
    renew = f'bumpguard approve {name}=={version} --reason "..."'
    problems: list[Problem] = []
    late = cooldown(name, version, facts.uploaded, settings, now)
    if late is not None:
        problems.append(late)
    need = attestations_needed(settings, earlier)
    if need is None and facts.pins:
        need = f"{facts.pins_from} lists attestation-identities for it"
    shown = facts.unattested[:3]
    more = len(facts.unattested) - len(shown)
    unattested = ", ".join(shown) + (f" and {more} more" if more else "")
    if facts.unattested and need:
        problems.append(
            Problem(
                ATTESTATION_MISSING,
                f"no attestation for {unattested}, and {need}",
                f"approve it online ({renew}) so its provenance is verified and stored",
            )
        )
    elif facts.unattested and facts.signers:
        problems.append(
            Problem(
                ATTESTATION_MISSING,
                f"{unattested} carry no attestation while other files of {name} {version} "
                "do: a file added by someone else?",
                "review the release: one of its files was published another way",
            )
        )
    identities = {identity_key(i): i for i in facts.signers}
    if len(identities) > 1:
        problems.append(
            Problem(
                ATTESTATION_INVALID,
                f"the files of {name} {version} were signed by different publishers",
                "review the release: one of its files was published by someone else",
            )
        )
    for signer in identities.values():
        recorded = facts.recorded
        if recorded is not None and identity_key(recorded) != identity_key(signer):
            problems.append(
                Problem(
                    ATTESTATION_INVALID,
                    f"the approval of {name} {version} records publisher "
                    f"{describe_identity(recorded)}, but its files were signed by "
                    f"{describe_identity(signer)}",
                    renew,
                )
            )
        if facts.pins and not any(matches_pin(signer, pin) for pin in facts.pins):
            problems.append(
                Problem(
                    ATTESTATION_INVALID,
                    f"{facts.pins_from} expects {name} from {describe_pins(facts.pins)}, but "
                    f"it was signed by {describe_identity(signer)}",
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
