"""Enforcement: the floors an enforced ``protect`` entry or an ``enforce: true`` file leaves,
and every way a later file would loosen them (which :mod:`guard.policy.loader` refuses)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from guard.policy.rules import (
    RANGE_MODES,
    THRESHOLDS,
    Defaults,
    EnforcedSettings,
    Floor,
    ProtectRule,
    format_duration,
    is_glob,
    refine,
)

if TYPE_CHECKING:
    from guard.policy.rules import Policy
    from guard.policy.validation import Parsed


def add_floor(policy: Policy, pattern: str, by: str) -> None:
    """Make ``pattern``'s rule as it now stands (defaults applied) a floor set by ``by``."""
    rule = policy.protect[pattern]
    attestations, age, tag = _effective(rule, policy.defaults)
    floor = Floor(pattern, by, attestations, age, tag, rule.publisher)
    floors = policy.floors.setdefault(pattern, [])
    if floor not in floors:
        floors.append(floor)


def _effective(rule: ProtectRule, defaults: Defaults) -> tuple[str, timedelta, bool]:
    """A rule's attestations, cooldown and tag requirement with the defaults applied."""
    return (
        rule.attestations or defaults.attestations,
        defaults.min_release_age if rule.min_release_age is None else rule.min_release_age,
        defaults.require_tag if rule.require_tag is None else rule.require_tag,
    )


_CANNOT = "a repository cannot loosen it"


def loosening(policy: Policy, parsed: Parsed, display: str) -> list[tuple[str, int | None, str]]:
    """Every way ``parsed`` would loosen an enforced rule, as (file, line, message)."""
    floors = [floor for items in policy.floors.values() for floor in items]
    if not floors and not policy.enforced:
        return []
    problems: list[tuple[str, int | None, str]] = []

    def refuse(line: int | None, message: str) -> None:
        problems.append((display, line, f"{message}; {_CANNOT}"))

    for pattern, line in parsed.unprotect:
        for floor in floors:
            if not _unprotect_hits(pattern, floor.pattern):
                continue
            if pattern == floor.pattern:
                refuse(line, f"unprotect: {pattern!r} is enforced by {floor.by}")
            else:
                refuse(
                    line,
                    f"unprotect: {pattern!r} would remove protection from {floor.pattern!r}, "
                    f"which is enforced by {floor.by}",
                )
    defaults = policy.defaults._replace(**parsed.defaults) if parsed.defaults else policy.defaults
    listed = set()
    for item in parsed.protect:
        listed.add(item.pattern)
        rule = refine(policy.protect.get(item.pattern), item.rule)
        for floor in floors:
            if not _covers(floor.pattern, item.pattern):
                continue
            subject = f"protect: {item.pattern!r}"
            if floor.pattern != item.pattern:
                subject += f" (covered by {floor.pattern!r})"
            for key, detail in _weaker(rule, defaults, floor):
                refuse(
                    item.lines.get(key, item.line),
                    f"{subject}: {detail}; {floor.pattern!r} is enforced by {floor.by}",
                )
    refused_defaults: set[str] = set()
    for enforced in policy.enforced:
        refused_defaults |= _loosened_defaults(parsed, defaults, enforced, refuse)
        _loosened_settings(parsed, enforced, refuse)
    for key in parsed.defaults:
        if key in refused_defaults:
            continue
        # Enforced rules that rely on this default (they do not set the key themselves).
        hit: dict[str, tuple[str, list[str]]] = {}
        for floor in floors:
            current = policy.protect.get(floor.pattern)
            if floor.pattern in listed or current is None or getattr(current, key) is not None:
                continue
            for weak_key, detail in _weaker(current, defaults, floor):
                if weak_key == key:
                    hit.setdefault(floor.by, (detail, []))[1].append(repr(floor.pattern))
        for by, (detail, names) in hit.items():
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            refuse(
                parsed.lines.get(f"protected_defaults.{key}"),
                f"protected_defaults: {detail} for {shown}, enforced by {by}",
            )
    return problems


def _loosened_defaults(
    parsed: Parsed,
    defaults: Defaults,
    enforced: EnforcedSettings,
    refuse: Callable[[int | None, str], None],
) -> set[str]:
    """The ``protected_defaults`` keys a later file would loosen below what an enforcing
    file left in effect."""
    by, floor, lines = enforced.by, enforced.defaults, parsed.lines
    out = set()
    if (
        "attestations" in parsed.defaults
        and floor.attestations == "required"
        and defaults.attestations != "required"
    ):
        out.add("attestations")
        refuse(
            lines.get("protected_defaults.attestations"),
            f"protected_defaults: attestations {defaults.attestations} where they are "
            f"required; protected_defaults are enforced by {by}",
        )
    if "min_release_age" in parsed.defaults and defaults.min_release_age < floor.min_release_age:
        out.add("min_release_age")
        refuse(
            lines.get("protected_defaults.min_release_age"),
            f"protected_defaults: min_release_age {format_duration(defaults.min_release_age)} "
            f"is shorter than {format_duration(floor.min_release_age)}; protected_defaults "
            f"are enforced by {by}",
        )
    if "require_tag" in parsed.defaults and floor.require_tag and not defaults.require_tag:
        out.add("require_tag")
        refuse(
            lines.get("protected_defaults.require_tag"),
            "protected_defaults: require_tag false where a tag is required; "
            f"protected_defaults are enforced by {by}",
        )
    return out


def _loosened_settings(
    parsed: Parsed, enforced: EnforcedSettings, refuse: Callable[[int | None, str], None]
) -> None:
    """Policy-wide settings (other than the defaults) a later file would loosen below what
    an enforcing file left in effect."""
    by, lines = enforced.by, parsed.lines
    threshold = parsed.review_threshold
    if threshold is not None and THRESHOLDS.index(threshold) < THRESHOLDS.index(
        enforced.review_threshold
    ):
        refuse(
            lines.get("review_threshold"),
            f"review_threshold: {threshold} is lower than {enforced.review_threshold}, "
            f"which is enforced by {by}",
        )
    if parsed.ranges is not None and RANGE_MODES.index(parsed.ranges) > RANGE_MODES.index(
        enforced.ranges
    ):
        refuse(
            lines.get("ranges"),
            f"ranges: {parsed.ranges} is looser than {enforced.ranges}, which is enforced by {by}",
        )
    install = parsed.install
    if install.get("require_approval") is False and enforced.install.require_approval:
        refuse(
            lines.get("install.require_approval"),
            f"install.require_approval: false; require_approval: true is enforced by {by}",
        )
    if install.get("startup_hooks") == "warn" and enforced.install.startup_hooks == "deny":
        refuse(
            lines.get("install.startup_hooks"),
            f"install.startup_hooks: warn; startup_hooks: deny is enforced by {by}",
        )
    for pattern in install.get("allow_sdist", ()):
        if pattern not in enforced.install.allow_sdist:
            refuse(
                lines.get("install.allow_sdist"),
                f"install.allow_sdist: {pattern!r} would allow an sdist the list enforced by "
                f"{by} does not",
            )
    reviews, held = parsed.reviews, enforced.reviews
    if reviews.get("signed") == "optional" and held.signed == "required":
        refuse(
            lines.get("reviews.signed"),
            f"reviews.signed: optional; signed: required is enforced by {by}",
        )
    if reviews.get("scope") == "protected" and held.scope == "all" and held.signed == "required":
        refuse(
            lines.get("reviews.scope"), f"reviews.scope: protected; scope: all is enforced by {by}"
        )
    if reviews.get("min_reviewers", held.min_reviewers) < held.min_reviewers:
        refuse(
            lines.get("reviews.min_reviewers"),
            f"reviews.min_reviewers: {reviews['min_reviewers']} is lower than "
            f"{held.min_reviewers}, which is enforced by {by}",
        )
    if "allowed_signers" in reviews and held.allowed_signers is not None:
        wanted = held._replace(allowed_signers=reviews["allowed_signers"])
        if wanted.signers_key() != held.signers_key():
            refuse(
                lines.get("reviews.allowed_signers"),
                f"reviews.allowed_signers: {wanted.signers_text()} would replace "
                f"{held.signers_text()}, which is enforced by {by}",
            )
    for glob, line in parsed.exclude:
        if glob not in enforced.exclude:
            refuse(
                line,
                f"exclude: {glob!r} would hide files from the policy enforced by {by} "
                "(an enforced policy's own exclude globs, or --exclude in the check it runs, "
                "can)",
            )
    from guard.policy.paths import url_allowed

    for url, line in parsed.indexes:
        if not url_allowed(url, enforced.indexes) and url not in enforced.indexes:
            refuse(line, f"indexes: {url!r} would allow an index {by} does not allow")
    if enforced.allow_list is not None and parsed.allow_list is not None:
        for pattern, line in parsed.allow_list:
            if pattern not in enforced.allow_list:
                refuse(
                    line,
                    f"allow_list: {pattern!r} would extend the allow-list enforced by {by}",
                )


def _weaker(rule: ProtectRule, defaults: Defaults, floor: Floor) -> list[tuple[str, str]]:
    """(setting, why) for each way ``rule`` (with ``defaults``) is looser than ``floor``."""
    attestations, age, tag = _effective(rule, defaults)
    out = []
    if floor.attestations == "required" and attestations != "required":
        out.append(("attestations", f"attestations {attestations} where they are required"))
    if age < floor.min_release_age:
        out.append(
            (
                "min_release_age",
                f"min_release_age {format_duration(age)} is shorter than "
                f"{format_duration(floor.min_release_age)}",
            )
        )
    if floor.require_tag and not tag:
        out.append(("require_tag", "require_tag false where a tag is required"))
    if floor.publisher is not None and rule.publisher != floor.publisher:
        now = rule.publisher.describe() if rule.publisher is not None else "no publisher"
        out.append(("publisher", f"publisher {now} would replace {floor.publisher.describe()}"))
    return out


def _covers(floor: str, pattern: str) -> bool:
    """Whether a protect entry for ``pattern`` would decide for names the enforced
    ``floor`` pattern covers (an exact name wins over a glob; overlapping globs may too)."""
    if floor == pattern:
        return True
    if not is_glob(pattern):
        return is_glob(floor) and fnmatch.fnmatchcase(pattern, floor)
    return is_glob(floor) and _globs_overlap(pattern, floor)


def _unprotect_hits(pattern: str, floor: str) -> bool:
    """Whether ``unprotect: [pattern]`` would touch a name the enforced ``floor`` covers."""
    if pattern == floor:
        return True
    if is_glob(pattern) and not is_glob(floor):
        return fnmatch.fnmatchcase(floor, pattern)
    if not is_glob(pattern):
        return is_glob(floor) and fnmatch.fnmatchcase(pattern, floor)
    return _globs_overlap(pattern, floor)


def _globs_overlap(a: str, b: str) -> bool:
    """Whether two globs (``*`` and ``?`` only, as policies allow) match a common name."""
    from functools import cache

    @cache
    def meet(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return meet(i + 1, j) or (j < len(b) and meet(i, j + 1))
        if j < len(b) and b[j] == "*":
            return meet(i, j + 1) or (i < len(a) and meet(i + 1, j))
        if i == len(a) or j == len(b):
            return False
        return (a[i] == b[j] or "?" in (a[i], b[j])) and meet(i + 1, j + 1)

    return meet(0, 0)
