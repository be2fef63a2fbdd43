"""The rules a policy is made of: protect, deny and install settings, the floors an
enforcing file leaves, and durations. Plain frozen data, no file access: :mod:`guard.policy.loader`
builds them from validated YAML."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import timedelta

from packaging.specifiers import InvalidSpecifier, SpecifierSet

SCHEMA_VERSION = 1
THRESHOLDS = ("none", "major", "minor", "any")
# How protected packages may be declared with ranges: pinned (covered by a pin or a lock
# entry), or allowed as they are (a library). Strictest first.
RANGE_MODES = ("pin", "allow")
ATTESTATION_MODES = ("required", "if-present")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class Publisher:
    """The trusted-publisher identity a protected package's releases must be signed by."""

    kind: str
    fields: tuple[tuple[str, str], ...]
    versions: SpecifierSet | None = None

    def get(self, key: str) -> str | None:
        """One identity field, such as ``repository`` or ``workflow``."""
        return dict(self.fields).get(key)

    def describe(self) -> str:
        """A one-line human description."""
        parts = ", ".join(f"{k}={v}" for k, v in self.fields)
        scope = f" for {self.versions}" if self.versions else ""
        return f"{self.kind} ({parts}){scope}"


@dataclass(frozen=True)
class ProtectRule:
    """Protection for a package name or a glob pattern over canonical names."""

    pattern: str
    origin: str
    publisher: Publisher | None = None
    attestations: str | None = None
    min_release_age: timedelta | None = None
    require_tag: bool | None = None

    def matches(self, name: str) -> bool:
        """Whether canonical ``name`` falls under this rule."""
        return name == self.pattern or (
            is_glob(self.pattern) and fnmatch.fnmatchcase(name, self.pattern)
        )


@dataclass(frozen=True)
class Settings:
    """The provenance requirements that apply to one protected package at one version."""

    rule: ProtectRule
    publisher: Publisher | None
    attestations: str
    min_release_age: timedelta
    require_tag: bool

    @property
    def attestations_required(self) -> bool:
        """Whether this version cannot be approved without verified attestations."""
        return self.attestations == "required"


@dataclass(frozen=True)
class Defaults:
    """``protected_defaults``: what a protect entry that does not say otherwise gets."""

    attestations: str = "if-present"
    min_release_age: timedelta = timedelta(0)
    require_tag: bool = False


@dataclass(frozen=True)
class InstallSettings:
    """``install:``, for ``bumpguard pip install``."""

    require_approval: bool = True
    startup_hooks: str = "warn"  # for unprotected packages; protected ones are always denied
    allow_sdist: tuple[str, ...] = ()

    def sdist_allowed(self, name: str) -> bool:
        """Whether a protected package may be installed from an sdist."""
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.allow_sdist)


@dataclass(frozen=True)
class DenyRule:
    """Versions of a package that are refused everywhere; an empty ``versions`` denies all."""

    package: str
    versions: tuple[SpecifierSet, ...]
    reason: str
    advisories: tuple[str, ...]
    origin: str
    # "file:line" of the file that enforces this rule (a deny cannot be loosened anyway).
    enforced_by: str | None = field(default=None, compare=False)

    def matches(self, name: str, version: str | None) -> bool:
        """Whether this rule denies ``name`` at exact ``version`` (any version if no spec)."""
        if name != self.package and not (
            is_glob(self.package) and fnmatch.fnmatchcase(name, self.package)
        ):
            return False
        if not self.versions:
            return True
        if version is None:
            return False
        return any(spec.contains(version, prereleases=True) for spec in self.versions)

    def admitted_by(self, specifier: str) -> list[str]:
        """The exactly-denied versions (``==X`` rules) that a range would still admit."""
        try:
            spec = SpecifierSet(specifier)
        except InvalidSpecifier:
            return []
        out = []
        for versions in self.versions:
            for item in versions:
                exact = item.operator in ("==", "===") and "*" not in item.version
                if exact and spec.contains(item.version, prereleases=True):
                    out.append(item.version)
        return out

    def describe(self) -> str:
        """``litellm ==1.82.7`` style text for messages."""
        spec = " || ".join(str(s) for s in self.versions) or "(all versions)"
        return f"{self.package} {spec}"


@dataclass(frozen=True)
class Floor:
    """A protect rule as an enforcing file left it: later files may tighten it for the
    names it covers, never loosen it. The values are effective ones (defaults applied)."""

    pattern: str
    by: str  # "file:line" (a URL with its sha256 for a remote file)
    attestations: str
    min_release_age: timedelta
    require_tag: bool
    publisher: Publisher | None


@dataclass(frozen=True)
class EnforcedSettings:
    """The policy-wide settings a file with ``enforce: true`` left in effect."""

    by: str
    defaults: Defaults
    review_threshold: str
    install: InstallSettings
    allow_list: frozenset[str] | None
    ranges: str = "pin"


def refine(earlier: ProtectRule | None, later: ProtectRule) -> ProtectRule:
    """A later protect entry overrides the settings it gives and keeps the others."""
    if earlier is None:
        return later
    return ProtectRule(
        later.pattern,
        later.origin,
        later.publisher if later.publisher is not None else earlier.publisher,
        later.attestations if later.attestations is not None else earlier.attestations,
        later.min_release_age if later.min_release_age is not None else earlier.min_release_age,
        later.require_tag if later.require_tag is not None else earlier.require_tag,
    )


def parse_duration(text: str) -> timedelta | None:
    """``7d``, ``12h``, ``30m``, ``2w``, ``90s`` or ``0``; ``None`` if not a duration."""
    if text.strip() == "0":
        return timedelta(0)
    match = _DURATION.match(text)
    if match is None:
        return None
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def format_duration(value: timedelta) -> str:
    """The shortest ``parse_duration`` spelling of ``value``."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0"
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def is_glob(pattern: str) -> bool:
    """Whether ``pattern`` is a glob (has ``*`` or ``?``) rather than one name."""
    return "*" in pattern or "?" in pattern
