"""The rules a policy is made of: protect, deny and install settings, the floors an
enforcing file leaves, and durations. Plain immutable data, no file access:
:mod:`guard.policy.loader` builds them from validated YAML.

The immutable records are ``NamedTuple``s rather than frozen dataclasses: the hook loads
this module on every commit, and a frozen dataclass costs about a millisecond to create
(six generated methods, each compiled), a named tuple a fraction of that."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from guard.policy.paths import PYPI

if TYPE_CHECKING:
    from guard.policy.pins import LockedImport, RemoteRef


SCHEMA_VERSION = 1
THRESHOLDS = ("none", "major", "minor", "any")
# How protected packages may be declared with ranges: pinned (covered by a pin or a lock
# entry), or allowed as they are (a library). Strictest first.
RANGE_MODES = ("pin", "allow")
ATTESTATION_MODES = ("required", "if-present")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class Publisher(NamedTuple):
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


class ProtectRule(NamedTuple):
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


class Settings(NamedTuple):
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


class Defaults(NamedTuple):
    """``protected_defaults``: what a protect entry that does not say otherwise gets."""

    attestations: str = "if-present"
    min_release_age: timedelta = timedelta(0)
    require_tag: bool = False


class AllowedHook(NamedTuple):
    """One start-up hook the policy accepts: ``install.allow_startup_hooks``."""

    package: str  # canonical name
    path: str  # as installed, relative to site-packages (``x.pth``, ``sitecustomize``)
    sha256: str
    origin: str  # file:line of the entry


class InstallSettings(NamedTuple):
    """``install:``, for ``bumpguard pip install``."""

    require_approval: bool = True
    # A start-up hook in any package: deny (default) or warn. A protected package's hook is
    # refused either way; a known-benign or accepted one is installed either way.
    startup_hooks: str = "deny"
    allow_sdist: tuple[str, ...] = ()
    allow_startup_hooks: tuple[AllowedHook, ...] = ()

    def allowed_hook(self, package: str, path: str, sha256: str) -> AllowedHook | None:
        """The ``allow_startup_hooks`` entry for this exact hook, if any."""
        for hook in self.allow_startup_hooks:
            if (hook.package, hook.path, hook.sha256) == (package, path, sha256):
                return hook
        return None

    def sdist_allowed(self, name: str) -> bool:
        """Whether a protected package may be installed from an sdist."""
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.allow_sdist)


SIGNED_MODES = ("required", "optional")  # strictest first
REVIEW_SCOPES = ("all", "protected")  # widest first


class ReviewSettings(NamedTuple):
    """``reviews:``: what the signatures on an approval must show (see ``check``)."""

    signed: str = "optional"
    # git's allowed_signers: a repository-relative path, or a pinned URL `policy fetch` locks
    allowed_signers: str | RemoteRef | None = None
    min_reviewers: int = 1  # distinct allowed signers, when signed is required
    scope: str = "protected"  # protected | all: which approvals need signatures
    origin: str = ""  # file:line that set allowed_signers

    def signers_key(self) -> object:
        """What identifies ``allowed_signers``, wherever it was written (for comparing)."""
        signers = self.allowed_signers
        return signers if signers is None or isinstance(signers, str) else signers.key()

    def signers_text(self) -> str:
        """``allowed_signers`` as messages name it."""
        signers = self.allowed_signers
        if signers is None or isinstance(signers, str):
            return repr(signers)
        return f"{signers.url} ({signers.pin.describe()})"

    def covers(self, protected: bool) -> bool:
        """Whether an approval (of a protected package or not) needs signatures."""
        return self.signed == "required" and (protected or self.scope == "all")


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


class Floor(NamedTuple):
    """A protect rule as an enforcing file left it: later files may tighten it for the
    names it covers, never loosen it. The values are effective ones (defaults applied)."""

    pattern: str
    by: str  # "file:line" (a URL with its sha256 for a remote file)
    attestations: str
    min_release_age: timedelta
    require_tag: bool
    publisher: Publisher | None


class EnforcedSettings(NamedTuple):
    """The policy-wide settings a file with ``enforce: true`` left in effect."""

    by: str
    defaults: Defaults
    review_threshold: str
    install: InstallSettings
    allow_list: frozenset[str] | None
    ranges: str = "pin"
    reviews: ReviewSettings = ReviewSettings()
    exclude: frozenset[str] = frozenset()
    indexes: frozenset[str] = frozenset()


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
    try:
        return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    except (OverflowError, ValueError):  # beyond timedelta, or Python's digit limit
        return None


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


@dataclass
class Policy:
    """The effective policy after ``extends`` and merging."""

    sources: list[str] = field(default_factory=list)
    protect: dict[str, ProtectRule] = field(default_factory=dict)
    unprotect: dict[str, str] = field(default_factory=dict)
    deny: list[DenyRule] = field(default_factory=list)
    allow_list: list[tuple[str, str]] | None = None
    review_threshold: str = "none"
    #: ``pin`` or ``allow``: whether a protected range must be covered by a pin.
    ranges: str = "pin"
    #: Repository-relative constraints files whose pins govern every range, with the
    #: policy file (and line) that names each.
    constraints: list[tuple[str, str]] = field(default_factory=list)
    #: Globs of repository paths no reader looks at (templates and other files that only
    #: look like dependency files), with the policy file (and line) or ``--exclude``.
    exclude: list[tuple[str, str]] = field(default_factory=list)
    #: The package indexes (and find-links locations) files may name, with their origin.
    indexes: list[tuple[str, str]] = field(default_factory=lambda: [(PYPI, "default")])
    defaults: Defaults = field(default_factory=Defaults)
    install: InstallSettings = field(default_factory=InstallSettings)
    reviews: ReviewSettings = field(default_factory=ReviewSettings)
    warnings: list[str] = field(default_factory=list)
    #: Enforced protect rules by pattern, and policy-wide settings enforced by whole files.
    floors: dict[str, list[Floor]] = field(default_factory=dict)
    enforced: list[EnforcedSettings] = field(default_factory=list)
    #: The local policy files merged in (not built-in or remote ones).
    files: list[Path] = field(default_factory=list)
    #: The pinned URLs merged in (from the lock), and the review ledgers imported.
    remote: list[dict[str, Any]] = field(default_factory=list)
    imports: list[LockedImport] = field(default_factory=list)
    #: The allowed_signers URL a required policy pins, and its bytes once fetched and
    #: verified for this run (by :meth:`RemoteRef.key`): the repository's lock is never
    #: trusted for it, and without those bytes no review counts.
    required_signers: RemoteRef | None = None
    fetched_signers: dict[tuple[str, str, str, str], bytes] = field(default_factory=dict)
    _glob_cache: (
        tuple[
            tuple[int, int],
            tuple[list[tuple[re.Pattern[str], ProtectRule]], re.Pattern[str] | None],
        ]
        | None
    ) = field(default=None, repr=False, compare=False)

    def protection(self, name: str) -> ProtectRule | None:
        """The rule protecting canonical ``name``, or ``None``.

        An exact-name ``protect`` entry wins over an ``unprotect`` pattern; otherwise
        ``unprotect`` removes protection a glob would give.
        """
        exact = self.protect.get(name)
        if exact is not None:
            return exact
        globs, unprotect = self._globs()
        if unprotect is not None and unprotect.match(name):
            return None
        for regex, rule in globs:
            if regex.match(name):
                return rule
        return None

    def _globs(self) -> tuple[list[tuple[re.Pattern[str], ProtectRule]], re.Pattern[str] | None]:
        # Compiled once per policy: the hook asks this for every package of a large lock.
        key = (len(self.protect), len(self.unprotect))
        if self._glob_cache is None or self._glob_cache[0] != key:
            globs = [
                (re.compile(fnmatch.translate(rule.pattern)), rule)
                for rule in self.protect.values()
                if is_glob(rule.pattern)
            ]
            unprotect = (
                re.compile("|".join(fnmatch.translate(p) for p in self.unprotect))
                if self.unprotect
                else None
            )
            self._glob_cache = (key, (globs, unprotect))
        return self._glob_cache[1]

    def settings(self, name: str, version: str | None) -> Settings | None:
        """The provenance requirements for protected ``name`` at ``version`` (``None`` if the
        package is not protected). A publisher scoped with ``versions`` applies, with its
        attestation requirement, only to those versions; other versions are ``if-present``."""
        rule = self.protection(name)
        if rule is None:
            return None
        defaults = self.defaults
        publisher = rule.publisher
        attestations = rule.attestations or defaults.attestations
        if publisher is not None and publisher.versions is not None:
            in_scope = version is not None and publisher.versions.contains(
                version, prereleases=True
            )
            if not in_scope:
                publisher = None
                attestations = "if-present"
        age = rule.min_release_age
        tag = rule.require_tag
        return Settings(
            rule=rule,
            publisher=publisher,
            attestations=attestations,
            min_release_age=defaults.min_release_age if age is None else age,
            require_tag=defaults.require_tag if tag is None else tag,
        )

    def denial(self, name: str, version: str | None) -> DenyRule | None:
        """The first deny rule that refuses ``name`` at ``version``."""
        for rule in self.deny:
            if rule.matches(name, version):
                return rule
        return None

    def allowed(self, name: str) -> bool:
        """Whether ``name`` may appear at all (always true outside allow-list mode)."""
        if self.allow_list is None:
            return True
        return any(fnmatch.fnmatchcase(name, pat) for pat, _ in self.allow_list)

    def to_data(self) -> dict[str, Any]:
        """The merged policy as plain data, for ``policy show``."""
        data: dict[str, Any] = {"version": SCHEMA_VERSION, "sources": list(self.sources)}
        protect: list[Any] = []
        for rule in self.protect.values():
            entry: dict[str, Any] = {"name": rule.pattern, "from": rule.origin}
            if rule.publisher is not None:
                pub: dict[str, Any] = {"kind": rule.publisher.kind, **dict(rule.publisher.fields)}
                if rule.publisher.versions is not None:
                    pub["versions"] = str(rule.publisher.versions)
                entry["publisher"] = pub
            if rule.attestations is not None:
                entry["attestations"] = rule.attestations
            if rule.min_release_age is not None:
                entry["min_release_age"] = format_duration(rule.min_release_age)
            if rule.require_tag is not None:
                entry["require_tag"] = rule.require_tag
            floors = self.floors.get(rule.pattern)
            if floors:
                entry["enforced"] = "; ".join(dict.fromkeys(f.by for f in floors))
            protect.append(entry)
        data["protect"] = protect
        if self.unprotect:
            data["unprotect"] = [{"name": p, "from": o} for p, o in self.unprotect.items()]
        data["deny"] = [
            {
                "package": rule.package,
                "versions": [str(s) for s in rule.versions],
                "reason": rule.reason,
                "advisories": list(rule.advisories),
                "from": rule.origin,
                **({"enforced": rule.enforced_by} if rule.enforced_by else {}),
            }
            for rule in self.deny
        ]
        if self.allow_list is not None:
            data["allow_list"] = [{"name": p, "from": o} for p, o in self.allow_list]
        data["review_threshold"] = self.review_threshold
        data["ranges"] = self.ranges
        if self.constraints:
            data["constraints"] = [{"path": p, "from": o} for p, o in self.constraints]
        if self.exclude:
            data["exclude"] = [{"glob": g, "from": o} for g, o in self.exclude]
        data["indexes"] = [{"url": u, "from": o} for u, o in self.indexes]
        data["install"] = {
            "require_approval": self.install.require_approval,
            "startup_hooks": self.install.startup_hooks,
            "allow_sdist": list(self.install.allow_sdist),
            "allow_startup_hooks": [
                {"package": h.package, "path": h.path, "sha256": h.sha256, "from": h.origin}
                for h in self.install.allow_startup_hooks
            ],
        }
        data["reviews"] = _reviews_data(self.reviews)
        data["protected_defaults"] = {
            "attestations": self.defaults.attestations,
            "min_release_age": format_duration(self.defaults.min_release_age),
            "require_tag": self.defaults.require_tag,
        }
        if self.enforced:
            data["enforced"] = [
                {
                    "by": item.by,
                    "protected_defaults": {
                        "attestations": item.defaults.attestations,
                        "min_release_age": format_duration(item.defaults.min_release_age),
                        "require_tag": item.defaults.require_tag,
                    },
                    "review_threshold": item.review_threshold,
                    "ranges": item.ranges,
                    "install": {
                        "require_approval": item.install.require_approval,
                        "startup_hooks": item.install.startup_hooks,
                        "allow_sdist": list(item.install.allow_sdist),
                    },
                    "allow_list": sorted(item.allow_list) if item.allow_list is not None else None,
                    "reviews": _reviews_data(item.reviews),
                    "exclude": sorted(item.exclude),
                    "indexes": sorted(item.indexes),
                }
                for item in self.enforced
            ]
        if self.remote:
            data["remote"] = [dict(item) for item in self.remote]
        if self.imports:
            data["imports"] = [
                {"name": item.name, "url": item.url, "sha256": item.sha256} for item in self.imports
            ]
        return data


def _reviews_data(reviews: ReviewSettings) -> dict[str, Any]:
    signers = reviews.allowed_signers
    data: dict[str, Any] = {
        "signed": reviews.signed,
        "allowed_signers": (
            {"url": signers.url, **signers.pin.to_data()}
            if signers is not None and not isinstance(signers, str)
            else signers
        ),
        "min_reviewers": reviews.min_reviewers,
        "scope": reviews.scope,
    }
    if reviews.origin:
        data["from"] = reviews.origin
    return data
