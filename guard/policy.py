"""The YAML policy: schema validation, ``extends`` resolution and the merged result.

A policy file is validated completely before use: every problem is reported at once with
its file and line, and unknown keys are warned about rather than silently ignored.
Merge rules (later files refine earlier ones; a file's ``extends`` come before the file):

* ``protect`` entries are keyed by name or pattern; a later entry for the same pattern
  replaces the earlier one's settings. ``unprotect`` removes protection granted earlier.
* ``deny`` rules only accumulate: no later file can remove or narrow a deny.
* ``allow_list`` entries accumulate; any file that has the key turns allow-list mode on.
* ``review_threshold`` is taken from the last file that sets it.

``extends`` entries are ``builtin:NAME``, paths relative to the file, or pinned URLs
(mappings with ``url`` and ``sha256`` and/or ``sigstore``); a URL is never fetched here:
:mod:`guard.remote` takes it from ``.bumpguard/policy.lock`` and the stored copy that
``bumpguard policy fetch`` verified. A remote policy may extend only builtin:NAME and
pinned URLs.

**Enforcement.** ``enforce: true`` at the top of a file makes the whole policy in effect
after that file (its own rules and everything it extends, including
``protected_defaults``, ``review_threshold``, ``install`` and the allow-list) a floor;
``enforced: true`` on a ``protect`` or ``deny`` entry makes that entry one. Files applied
later (those that extend it, and later siblings in an ``extends`` list) may tighten a
floor but not loosen it: no ``unprotect`` that would remove an enforced name or pattern,
no weaker ``attestations``, shorter ``min_release_age``, ``require_tag: false`` or other
publisher for the names it covers (in a protect entry or through
``protected_defaults``), no lower ``review_threshold``, no ``install.require_approval:
false`` or ``startup_hooks: warn`` where it was true/deny, no new ``allow_sdist`` or
allow-list entries. Every attempt is a :class:`PolicyError` naming both files.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard import _yaml
from guard._files import read_text
from guard.errors import GuardError, InputError, PolicyError
from guard.remote import (
    Lock,
    LockedImport,
    Pin,
    RemoteRef,
    SigstorePin,
    load_locked,
    read_lock,
    short,
    url_problem,
)

SCHEMA_VERSION = 1
BUILTIN_PREFIX = "builtin:"
DEFAULT_POLICY = "builtin:llm-gateways"
THRESHOLDS = ("none", "major", "minor", "any")

_TOP_KEYS = {
    "version",
    "extends",
    "protect",
    "protected_defaults",
    "unprotect",
    "deny",
    "allow_list",
    "review_threshold",
    "install",
    "enforce",
    "imports",
}
_INSTALL_KEYS = {"require_approval", "startup_hooks", "allow_sdist"}
_SETTING_KEYS = {"attestations", "min_release_age", "require_tag"}
_PROTECT_KEYS = {"name", "publisher", "enforced"} | _SETTING_KEYS
ATTESTATION_MODES = ("required", "if-present")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DENY_KEYS = {"package", "versions", "reason", "advisories", "enforced"}
_PIN_KEYS = {"url", "sha256", "sigstore"}
_SIGSTORE_KEYS = {"bundle", "identity", "issuer"}
_IMPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_PUBLISHER_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required fields, optional fields)
    "github": ({"repository", "workflow"}, {"environment"}),
    "gitlab": ({"repository", "workflow"}, {"environment"}),
    "google": ({"email"}, set()),
    "circleci": ({"project_id", "pipeline_definition_id"}, {"vcs_origin", "vcs_ref"}),
}
_PATTERN = re.compile(r"^[A-Za-z0-9*?]([A-Za-z0-9._*?-]*[A-Za-z0-9*?])?$")


class PolicyProblems(PolicyError):
    """Several problems in one policy file, reported together."""

    def __init__(self, problems: list[tuple[str, int | None, str]]) -> None:
        self.problems = problems
        path, line, message = problems[0]
        super().__init__(path, line, message)
        self.args = ("\n".join(_where(p, ln) + ": " + m for p, ln, m in problems),)


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


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
            _is_glob(self.pattern) and fnmatch.fnmatchcase(name, self.pattern)
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
            _is_glob(self.package) and fnmatch.fnmatchcase(name, self.package)
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


@dataclass
class Policy:
    """The effective policy after ``extends`` and merging."""

    sources: list[str] = field(default_factory=list)
    protect: dict[str, ProtectRule] = field(default_factory=dict)
    unprotect: dict[str, str] = field(default_factory=dict)
    deny: list[DenyRule] = field(default_factory=list)
    allow_list: list[tuple[str, str]] | None = None
    review_threshold: str = "none"
    defaults: Defaults = field(default_factory=Defaults)
    install: InstallSettings = field(default_factory=InstallSettings)
    warnings: list[str] = field(default_factory=list)
    #: Enforced protect rules by pattern, and policy-wide settings enforced by whole files.
    floors: dict[str, list[Floor]] = field(default_factory=dict)
    enforced: list[EnforcedSettings] = field(default_factory=list)
    #: The pinned URLs merged in (from the lock), and the review ledgers imported.
    remote: list[dict[str, Any]] = field(default_factory=list)
    imports: list[LockedImport] = field(default_factory=list)
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
                if _is_glob(rule.pattern)
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
        data["install"] = {
            "require_approval": self.install.require_approval,
            "startup_hooks": self.install.startup_hooks,
            "allow_sdist": list(self.install.allow_sdist),
        }
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
                    "install": {
                        "require_approval": item.install.require_approval,
                        "startup_hooks": item.install.startup_hooks,
                        "allow_sdist": list(item.install.allow_sdist),
                    },
                    "allow_list": sorted(item.allow_list) if item.allow_list is not None else None,
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


def builtin_dir() -> Path:
    """Where the built-in policies live: inside the wheel, or ``policies/`` in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "policies"
    return packaged if packaged.is_dir() else here.parent / "policies"


def builtin_names() -> list[str]:
    """Names usable as ``builtin:NAME``."""
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def load_policy(spec: str, base: Path | None = None, *, root: Path | None = None) -> Policy:
    """Load ``spec`` (a path or ``builtin:NAME``) and everything it extends, merged.

    Pinned URLs (and imported reviews) come from the lock of the repository ``root``
    (default: the nearest folder at or above ``base`` that holds ``.git``, else ``base``)
    and the copies stored next to it, never from the network.
    """
    base = base or Path.cwd()
    policy = Policy()
    _merge_into(policy, spec, base, (), _Context(root or _repository_root(base)))
    return policy


def _repository_root(start: Path) -> Path:
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


class _Context:
    """What one load shares: the repository root and its lock, read once when needed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock: Lock | None = None
        self._read = False

    def lock(self) -> Lock | None:
        if not self._read:
            self._lock = read_lock(self.root)
            self._read = True
        return self._lock


def _resolve(spec: str, base: Path) -> tuple[Path, str]:
    """The file a spec names and how to show it."""
    if spec.startswith(BUILTIN_PREFIX):
        name = spec[len(BUILTIN_PREFIX) :]
        path = builtin_dir() / f"{name}.yaml"
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not path.is_file():
            known = ", ".join(BUILTIN_PREFIX + n for n in builtin_names())
            raise GuardError(f"unknown built-in policy {spec!r} (known: {known})")
        return path, spec
    path = (base / spec) if not Path(spec).is_absolute() else Path(spec)
    return path, _display(path)


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _merge_into(
    policy: Policy,
    spec: str | RemoteRef,
    base: Path,
    stack: tuple[tuple[str, str], ...],
    ctx: _Context,
) -> None:
    directory: Path | None  # where relative extends resolve; None for a remote file
    if isinstance(spec, RemoteRef):
        # Never the network: the copy `policy fetch` verified and the lock pins.
        data, entry = load_locked(ctx.root, spec, ctx.lock())
        display, directory = spec.url, None
        key, suffix = f"{spec.url}#{entry.sha256}", f" (sha256 {short(entry.sha256)})"
        policy.remote.append({"url": spec.url, "sha256": entry.sha256, "pin": spec.pin.to_data()})
    else:
        path, display = _resolve(spec, base)
        directory, key, suffix = path.parent, str(path.resolve()), ""
    if key in {k for k, _ in stack}:
        chain = " -> ".join(shown for _, shown in (*stack, (key, display)))
        raise PolicyError(display, None, f"extends cycle: {chain}")
    if isinstance(spec, RemoteRef):
        parsed = _parse_remote(data, display, policy.warnings)
    else:
        parsed = _validate(_yaml.load(read_text(path, display), display), display, policy.warnings)
    for parent, line in parsed.extends:
        try:
            _merge_into(policy, parent, directory or base, (*stack, (key, display)), ctx)
        except GuardError as exc:
            if isinstance(exc, PolicyError):
                raise
            raise PolicyError(display, line, f"extends: {exc}") from None
    if not isinstance(spec, RemoteRef) and not spec.startswith(BUILTIN_PREFIX):
        for ref in parsed.imports:  # imports are not transitive: never from a remote file
            _add_import(policy, ref, ctx)
    policy.sources.append(display)

    def label(line: int | None) -> str:
        return (f"{display}:{line}" if line else display) + suffix

    problems = _loosening(policy, parsed, display)
    if problems:
        raise PolicyProblems(problems)
    _apply(policy, parsed, display, label)


def _add_import(policy: Policy, ref: RemoteRef, ctx: _Context) -> None:
    _data, entry = load_locked(ctx.root, ref, ctx.lock())
    assert ref.name is not None
    item = LockedImport(ref.name, ref.url, ctx.root / entry.path, entry.sha256)
    for earlier in policy.imports:
        if earlier.name == item.name:
            if earlier != item:
                raise PolicyError(
                    ref.source,
                    ref.line,
                    f"imports: {ref.name!r} is already imported from {earlier.url}",
                )
            return
    policy.imports.append(item)


def _apply(
    policy: Policy, parsed: _Parsed, display: str, label: Callable[[int | None], str]
) -> None:
    """Merge one validated file (already checked against the enforced floors)."""
    for item in parsed.protect:
        earlier = policy.protect.pop(item.pattern, None)
        policy.protect[item.pattern] = _refine(earlier, item.rule)
        policy.unprotect.pop(item.pattern, None)
    if parsed.defaults:
        policy.defaults = replace(policy.defaults, **parsed.defaults)
    if parsed.install:
        install = dict(parsed.install)
        extra = install.pop("allow_sdist", ())
        policy.install = replace(
            policy.install,
            **install,
            allow_sdist=tuple(dict.fromkeys((*policy.install.allow_sdist, *extra))),
        )
    for pattern, _line in parsed.unprotect:
        policy.protect.pop(pattern, None)
        policy.unprotect[pattern] = display
    for rule, line, enforced in parsed.deny:
        policy.deny.append(replace(rule, enforced_by=label(line)) if enforced else rule)
    if parsed.allow_list is not None:
        merged = list(policy.allow_list or [])
        known = {p for p, _ in merged}
        for pattern, _line in parsed.allow_list:
            if pattern not in known:
                merged.append((pattern, display))
                known.add(pattern)
        policy.allow_list = merged
    if parsed.review_threshold is not None:
        policy.review_threshold = parsed.review_threshold
    # Floors: what later files may tighten but not loosen.
    own = {item.pattern: item for item in parsed.protect}
    if parsed.enforce:
        whole = label(parsed.lines.get("enforce"))
        for pattern in policy.protect:
            mine = own.get(pattern)
            _add_floor(policy, pattern, label(mine.line) if mine else whole)
        policy.deny = [r if r.enforced_by else replace(r, enforced_by=whole) for r in policy.deny]
        allowed = policy.allow_list
        policy.enforced.append(
            EnforcedSettings(
                whole,
                policy.defaults,
                policy.review_threshold,
                policy.install,
                frozenset(p for p, _ in allowed) if allowed is not None else None,
            )
        )
    else:
        for item in parsed.protect:
            if item.enforced:
                _add_floor(policy, item.pattern, label(item.line))


def _add_floor(policy: Policy, pattern: str, by: str) -> None:
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


def _loosening(policy: Policy, parsed: _Parsed, display: str) -> list[tuple[str, int | None, str]]:
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
    defaults = replace(policy.defaults, **parsed.defaults) if parsed.defaults else policy.defaults
    listed = set()
    for item in parsed.protect:
        listed.add(item.pattern)
        rule = _refine(policy.protect.get(item.pattern), item.rule)
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
    parsed: _Parsed,
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
    parsed: _Parsed, enforced: EnforcedSettings, refuse: Callable[[int | None, str], None]
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
    if not _is_glob(pattern):
        return _is_glob(floor) and fnmatch.fnmatchcase(pattern, floor)
    return _is_glob(floor) and _globs_overlap(pattern, floor)


def _unprotect_hits(pattern: str, floor: str) -> bool:
    """Whether ``unprotect: [pattern]`` would touch a name the enforced ``floor`` covers."""
    if pattern == floor:
        return True
    if _is_glob(pattern) and not _is_glob(floor):
        return fnmatch.fnmatchcase(floor, pattern)
    if not _is_glob(pattern):
        return _is_glob(floor) and fnmatch.fnmatchcase(pattern, floor)
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


def _parse_remote(data: bytes, display: str, warnings: list[str]) -> _Parsed:
    """Validate a fetched policy: UTF-8 YAML, the schema, and only builtin:NAME or pinned
    URLs in its ``extends`` (a relative path would be read from this machine)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(
            display, None, "not a policy: the file is not UTF-8 text (binary data?)"
        ) from None
    try:
        loaded = _yaml.load(text, display)
    except InputError as exc:
        raise PolicyError(display, exc.line, f"not a policy: {exc.detail}") from None
    parsed = _validate(loaded, display, warnings)
    for parent, line in parsed.extends:
        if isinstance(parent, str) and not parent.startswith(BUILTIN_PREFIX):
            raise PolicyError(
                display,
                line,
                f"extends: {parent!r}: a remote policy can only extend builtin:NAME and "
                "pinned URLs (a relative path would be read from this machine)",
            )
    if parsed.imports:
        warnings.append(
            f"{_where(display, parsed.lines.get('imports'))}: warning: imports in a remote "
            "policy are ignored (imports are not transitive; import reviews in this "
            "repository's own policy)"
        )
    return parsed


def remote_refs(data: bytes, url: str, warnings: list[str]) -> list[RemoteRef]:
    """The pinned URLs a fetched policy extends (it is validated on the way)."""
    parsed = _parse_remote(data, url, warnings)
    return [parent for parent, _ in parsed.extends if isinstance(parent, RemoteRef)]


def pinned_refs(
    spec: str, base: Path, warnings: list[str]
) -> tuple[list[RemoteRef], list[RemoteRef]]:
    """The pinned URLs the local policy files extend, and the reviews they import.

    Walks ``spec`` and the local files and built-ins it extends (not the remote ones:
    :func:`guard.remote.fetch` follows those once it has them). Imports come only from
    local files: they are not transitive.
    """
    policies: list[RemoteRef] = []
    imports: dict[str, RemoteRef] = {}

    def walk(spec: str, base: Path, stack: tuple[str, ...]) -> None:
        path, display = _resolve(spec, base)
        key = str(path.resolve())
        if key in stack:
            raise PolicyError(display, None, f"extends cycle: {' -> '.join((*stack, key))}")
        parsed = _validate(_yaml.load(read_text(path, display), display), display, warnings)
        for parent, line in parsed.extends:
            if isinstance(parent, RemoteRef):
                policies.append(parent)
                continue
            try:
                walk(parent, path.parent, (*stack, key))
            except GuardError as exc:
                if isinstance(exc, PolicyError):
                    raise
                raise PolicyError(display, line, f"extends: {exc}") from None
        if not spec.startswith(BUILTIN_PREFIX):
            for ref in parsed.imports:
                earlier = imports.setdefault(ref.name or "", ref)
                if earlier.key() != ref.key():
                    raise PolicyError(
                        ref.source,
                        ref.line,
                        f"imports: {ref.name!r} is already imported from {earlier.url} "
                        f"({earlier.where()})",
                    )

    walk(spec, base, ())
    return policies, list(imports.values())


def _refine(earlier: ProtectRule | None, later: ProtectRule) -> ProtectRule:
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


@dataclass(frozen=True)
class _Entry:
    """One validated protect entry, with the lines of its keys."""

    pattern: str
    rule: ProtectRule
    line: int
    lines: dict[str, int]
    enforced: bool = False


@dataclass
class _Parsed:
    extends: list[tuple[str | RemoteRef, int]] = field(default_factory=list)
    imports: list[RemoteRef] = field(default_factory=list)
    protect: list[_Entry] = field(default_factory=list)
    unprotect: list[tuple[str, int]] = field(default_factory=list)
    deny: list[tuple[DenyRule, int, bool]] = field(default_factory=list)  # (rule, line, enforced)
    allow_list: list[tuple[str, int]] | None = None
    review_threshold: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    install: dict[str, Any] = field(default_factory=dict)
    enforce: bool = False
    # Lines of top-level keys and of "protected_defaults.KEY" / "install.KEY".
    lines: dict[str, int] = field(default_factory=dict)


class _Checker:
    """Collects problems (errors) and warnings while walking one file."""

    def __init__(self, path: str, warnings: list[str]) -> None:
        self.path = path
        self.problems: list[tuple[str, int | None, str]] = []
        self.warnings = warnings

    def error(self, line: int | None, message: str) -> None:
        self.problems.append((self.path, line, message))

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(f"{_where(self.path, line)}: warning: {message}")

    def unknown_keys(self, mapping: dict[str, Any], known: set[str], where: str) -> None:
        for key in mapping:
            if key not in known:
                hint = ", ".join(sorted(known))
                self.warn(
                    _key_line(mapping, key, 0) or None,
                    f"unknown key {key!r} in {where} (known: {hint})",
                )

    def string_list(self, value: Any, line: int, key: str) -> list[tuple[str, int]]:
        if isinstance(value, str):
            return [(value, line)]
        if not isinstance(value, list):
            self.error(line, f"{key}: expected a list of strings, got {_kind(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            item_line = _item_line(value, i, line)
            if isinstance(item, str) and item.strip():
                out.append((item.strip(), item_line))
            else:
                self.error(item_line, f"{key}: expected a non-empty string, got {_kind(item)}")
        return out

    def pattern(self, value: str, line: int, key: str) -> str | None:
        if not _PATTERN.match(value):
            self.error(line, f"{key}: {value!r} is not a package name or pattern")
            return None
        return _canon(value) if _is_glob(value) else canonicalize_name(value)

    def specifiers(self, value: Any, line: int, key: str) -> tuple[SpecifierSet, ...]:
        out = []
        for text, item_line in self.string_list(value, line, key):
            try:
                out.append(SpecifierSet(text))
            except InvalidSpecifier:
                hint = " (write ==1.2.3, not 1.2.3)" if _is_version(text) else ""
                self.error(item_line, f"{key}: {text!r} is not a PEP 440 specifier set{hint}")
        return tuple(out)


def _is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _canon(pattern: str) -> str:
    return re.sub(r"[-_.]+", "-", pattern).lower()


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _item_line(items: Any, index: int, default: int) -> int:
    lines = getattr(items, "lines", None)
    return lines[index] if isinstance(lines, list) and index < len(lines) else default


def _key_line(mapping: Any, key: str, default: int) -> int:
    lines = getattr(mapping, "lines", None)
    return lines.get(key, default) if isinstance(lines, dict) else default


def _validate(data: Any, path: str, warnings: list[str]) -> _Parsed:
    """Check one file against the version-1 schema; raise every problem at once."""
    check = _Checker(path, warnings)
    parsed = _Parsed()
    if not isinstance(data, dict):
        raise PolicyProblems([(path, 1, f"a policy must be a mapping, got {_kind(data)}")])
    top = getattr(data, "line", 1)
    check.unknown_keys(data, _TOP_KEYS, "the policy")
    version = data.get("version")
    if "version" not in data:
        check.error(
            top, f"missing required key 'version' (this bumpguard reads version {SCHEMA_VERSION})"
        )
    elif version != SCHEMA_VERSION or isinstance(version, bool):
        check.error(
            _key_line(data, "version", top),
            f"version: {version!r} is not supported (this bumpguard reads version "
            f"{SCHEMA_VERSION})",
        )
    for key in data:
        parsed.lines[key] = _key_line(data, key, top)
    if "extends" in data:
        _validate_extends(check, data["extends"], _key_line(data, "extends", top), parsed)
    if "imports" in data:
        _validate_imports(check, data["imports"], _key_line(data, "imports", top), parsed)
    if "enforce" in data:
        flag = data["enforce"]
        if isinstance(flag, bool):
            parsed.enforce = flag
        else:
            check.error(_key_line(data, "enforce", top), "enforce must be true or false")
    if "protect" in data:
        _validate_protect(check, data["protect"], _key_line(data, "protect", top), parsed)
    if "protected_defaults" in data:
        value = data["protected_defaults"]
        line = _key_line(data, "protected_defaults", top)
        if not isinstance(value, dict):
            check.error(line, f"protected_defaults: expected a mapping, got {_kind(value)}")
        else:
            check.unknown_keys(value, _SETTING_KEYS, "protected_defaults")
            parsed.defaults = _validate_settings(check, value, line, "protected_defaults")
            for key in value:
                parsed.lines[f"protected_defaults.{key}"] = _key_line(value, key, line)
    if "install" in data:
        _validate_install(check, data["install"], _key_line(data, "install", top), parsed)
    if "unprotect" in data:
        for text, line in check.string_list(
            data["unprotect"], _key_line(data, "unprotect", top), "unprotect"
        ):
            pattern = check.pattern(text, line, "unprotect")
            if pattern:
                parsed.unprotect.append((pattern, line))
    if "deny" in data:
        _validate_deny(check, data["deny"], _key_line(data, "deny", top), parsed)
    if "allow_list" in data:
        line = _key_line(data, "allow_list", top)
        parsed.allow_list = []
        for text, item_line in check.string_list(data["allow_list"] or [], line, "allow_list"):
            pattern = check.pattern(text, item_line, "allow_list")
            if pattern:
                parsed.allow_list.append((pattern, item_line))
    if "review_threshold" in data:
        value = data["review_threshold"]
        if value not in THRESHOLDS:
            check.error(
                _key_line(data, "review_threshold", top),
                f"review_threshold: {value!r} is not one of {', '.join(THRESHOLDS)}",
            )
        else:
            parsed.review_threshold = value
    if check.problems:
        raise PolicyProblems(check.problems)
    return parsed


def _enforced_flag(check: _Checker, item: Any, line: int, where: str) -> bool:
    if "enforced" not in item:
        return False
    flag = item["enforced"]
    if not isinstance(flag, bool):
        check.error(_key_line(item, "enforced", line), f"{where}: enforced must be true or false")
        return False
    return flag


def _validate_extends(check: _Checker, value: Any, line: int, parsed: _Parsed) -> None:
    items = value if isinstance(value, list) else [value]
    if not isinstance(value, (list, str, dict)):
        check.error(
            line,
            f"extends: expected a list of builtin:NAME, paths and pinned URLs, got {_kind(value)}",
        )
        return
    for i, item in enumerate(items):
        item_line = _item_line(value, i, line) if isinstance(value, list) else line
        if isinstance(item, dict):
            ref = _validate_pinned(check, item, item_line, "extends", "policy", None)
            if ref is not None:
                parsed.extends.append((ref, item_line))
        elif isinstance(item, str) and item.strip():
            text = item.strip()
            if _URL_LIKE.match(text):
                check.error(
                    item_line,
                    f"extends: {text!r}: only relative paths, builtin:NAME and pinned URLs are "
                    f"supported; a URL needs a pin: write it as a mapping, "
                    f"{{url: {text}, sha256: <the file's sha256>}} or with sigstore: "
                    "{bundle, identity, issuer}",
                )
            else:
                parsed.extends.append((text, item_line))
        else:
            check.error(
                item_line,
                f"extends: expected builtin:NAME, a path or a mapping with url, got {_kind(item)}",
            )


def _validate_imports(check: _Checker, value: Any, line: int, parsed: _Parsed) -> None:
    if not isinstance(value, list):
        check.error(line, f"imports: expected a list of mappings, got {_kind(value)}")
        return
    names: dict[str, int] = {}
    for i, item in enumerate(value):
        item_line = _item_line(value, i, line)
        if not isinstance(item, dict):
            check.error(
                item_line,
                "imports: each entry must be a mapping with name, url and a pin, "
                f"got {_kind(item)}",
            )
            continue
        name = item.get("name")
        if not isinstance(name, str) or not _IMPORT_NAME.match(name):
            check.error(
                _key_line(item, "name", item_line),
                "imports: each entry needs 'name', a label of letters, digits, '.', '_' or '-'",
            )
            name = None
        elif name in names:
            check.error(
                _key_line(item, "name", item_line),
                f"imports: {name!r} is imported twice (also on line {names[name]})",
            )
        else:
            names[name] = item_line
        ref = _validate_pinned(check, item, item_line, "imports", "reviews", name)
        if ref is not None and name is not None:
            parsed.imports.append(ref)


def _validate_pinned(
    check: _Checker, item: Any, line: int, where: str, kind: str, name: str | None
) -> RemoteRef | None:
    """A mapping with ``url`` and ``sha256`` and/or ``sigstore``: a pinned URL."""
    keys = _PIN_KEYS | ({"name"} if kind == "reviews" else set())
    check.unknown_keys(item, keys, f"an {where} entry")
    url = item.get("url")
    ok = True
    if not isinstance(url, str) or not url.strip():
        check.error(line, f"{where}: a mapping entry needs 'url'")
        return None
    url = url.strip()
    problem = url_problem(url)
    if problem is not None:
        check.error(_key_line(item, "url", line), f"{where}: {problem}")
        ok = False
    sha256 = None
    if "sha256" in item:
        raw = item["sha256"]
        text = raw.strip().lower() if isinstance(raw, str) else ""
        text = text.removeprefix("sha256:")
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            check.error(
                _key_line(item, "sha256", line),
                f"{where}: sha256 of {url}: expected 64 hex digits (quoted), got {_kind(raw)}",
            )
            ok = False
        else:
            sha256 = text
    sigstore = None
    if "sigstore" in item:
        sigstore = _validate_sigstore(
            check, item["sigstore"], _key_line(item, "sigstore", line), where
        )
        ok = ok and sigstore is not None
    if "sha256" not in item and "sigstore" not in item:
        check.error(
            line,
            f"{where}: {url} has no pin: add sha256: <the file's sha256>, or sigstore: "
            "{bundle: URL, identity: ..., issuer: ...}; an unpinned URL could change under you",
        )
        return None
    if not ok:
        return None
    return RemoteRef(kind, url, Pin(sha256, sigstore), check.path, line, name)


def _validate_sigstore(check: _Checker, value: Any, line: int, where: str) -> SigstorePin | None:
    if not isinstance(value, dict):
        check.error(
            line,
            f"{where}: sigstore: expected a mapping with bundle, identity and issuer, "
            f"got {_kind(value)}",
        )
        return None
    check.unknown_keys(value, _SIGSTORE_KEYS, f"{where} sigstore")
    fields: dict[str, str] = {}
    for key in sorted(_SIGSTORE_KEYS):
        text = value.get(key)
        if not isinstance(text, str) or not text.strip():
            check.error(
                _key_line(value, key, line), f"{where}: sigstore needs {key!r}, a non-empty string"
            )
            continue
        fields[key] = text.strip()
    if "bundle" in fields:
        problem = url_problem(fields["bundle"])
        if problem is not None:
            check.error(_key_line(value, "bundle", line), f"{where}: sigstore bundle {problem}")
            return None
    if len(fields) != len(_SIGSTORE_KEYS):
        return None
    return SigstorePin(fields["bundle"], fields["identity"], fields["issuer"])


def _validate_protect(check: _Checker, value: Any, line: int, parsed: _Parsed) -> None:
    if not isinstance(value, list):
        check.error(line, f"protect: expected a list, got {_kind(value)}")
        return
    for i, item in enumerate(value):
        item_line = _item_line(value, i, line)
        publisher = None
        settings: dict[str, Any] = {}
        enforced = False
        if isinstance(item, str):
            name = item
        elif isinstance(item, dict):
            check.unknown_keys(item, _PROTECT_KEYS, "a protect entry")
            raw: Any = item.get("name")
            if not isinstance(raw, str):
                check.error(
                    item_line, "protect: each entry needs 'name', a package name or pattern"
                )
                continue
            name = raw
            if "publisher" in item:
                publisher = _validate_publisher(
                    check, item["publisher"], _key_line(item, "publisher", item_line)
                )
            settings = _validate_settings(check, item, item_line, "protect")
            enforced = _enforced_flag(check, item, item_line, "protect")
        else:
            check.error(item_line, f"protect: expected a name or a mapping, got {_kind(item)}")
            continue
        pattern = check.pattern(name.strip(), item_line, "protect")
        if pattern:
            rule = ProtectRule(pattern, check.path, publisher, **settings)
            lines = (
                {k: _key_line(item, k, item_line) for k in item} if isinstance(item, dict) else {}
            )
            parsed.protect.append(_Entry(pattern, rule, item_line, lines, enforced))


def _validate_install(check: _Checker, value: Any, line: int, parsed: _Parsed) -> None:
    if not isinstance(value, dict):
        check.error(line, f"install: expected a mapping, got {_kind(value)}")
        return
    check.unknown_keys(value, _INSTALL_KEYS, "install")
    for key in value:
        parsed.lines[f"install.{key}"] = _key_line(value, key, line)
    if "require_approval" in value:
        flag = value["require_approval"]
        if isinstance(flag, bool):
            parsed.install["require_approval"] = flag
        else:
            check.error(
                _key_line(value, "require_approval", line),
                "install.require_approval must be true or false",
            )
    if "startup_hooks" in value:
        mode = value["startup_hooks"]
        if mode in ("deny", "warn"):
            parsed.install["startup_hooks"] = mode
        else:
            check.error(
                _key_line(value, "startup_hooks", line),
                f"install.startup_hooks {mode!r} is not deny or warn",
            )
    if "allow_sdist" in value:
        names = []
        where = _key_line(value, "allow_sdist", line)
        for text, item_line in check.string_list(
            value["allow_sdist"], where, "install.allow_sdist"
        ):
            pattern = check.pattern(text, item_line, "install.allow_sdist")
            if pattern:
                names.append(pattern)
        parsed.install["allow_sdist"] = tuple(names)


def _validate_settings(check: _Checker, item: Any, line: int, where: str) -> dict[str, Any]:
    """``attestations``, ``min_release_age`` and ``require_tag`` of a protect entry or of
    ``protected_defaults``."""
    out: dict[str, Any] = {}
    if "attestations" in item:
        mode = item["attestations"]
        if mode not in ATTESTATION_MODES:
            check.error(
                _key_line(item, "attestations", line),
                f"{where}: attestations {mode!r} is not one of {', '.join(ATTESTATION_MODES)}",
            )
        else:
            out["attestations"] = mode
    if "min_release_age" in item:
        raw = item["min_release_age"]
        age = parse_duration(str(raw)) if isinstance(raw, (str, int)) else None
        if age is None or isinstance(raw, bool):
            check.error(
                _key_line(item, "min_release_age", line),
                f"{where}: min_release_age {raw!r} is not a duration such as 7d, 12h or 0",
            )
        else:
            out["min_release_age"] = age
    if "require_tag" in item:
        flag = item["require_tag"]
        if not isinstance(flag, bool):
            check.error(
                _key_line(item, "require_tag", line), f"{where}: require_tag must be true or false"
            )
        else:
            out["require_tag"] = flag
    return out


def _validate_publisher(check: _Checker, value: Any, line: int) -> Publisher | None:
    if not isinstance(value, dict):
        check.error(line, f"publisher: expected a mapping, got {_kind(value)}")
        return None
    kind = value.get("kind")
    if kind not in _PUBLISHER_FIELDS:
        kinds = ", ".join(sorted(_PUBLISHER_FIELDS))
        check.error(
            _key_line(value, "kind", line), f"publisher: kind {kind!r} is not one of {kinds}"
        )
        return None
    required, optional = _PUBLISHER_FIELDS[kind]
    check.unknown_keys(value, {"kind", "versions"} | required | optional, f"a {kind} publisher")
    fields = []
    ok = True
    for key in sorted(required | optional):
        if key not in value:
            if key in required:
                check.error(line, f"publisher: a {kind} publisher needs {key!r}")
                ok = False
            continue
        text = value[key]
        if not isinstance(text, str) or not text.strip():
            check.error(_key_line(value, key, line), f"publisher: {key} must be a non-empty string")
            ok = False
            continue
        fields.append((key, text.strip()))
    versions = None
    if "versions" in value:
        specs = check.specifiers(
            value["versions"], _key_line(value, "versions", line), "publisher.versions"
        )
        if len(specs) == 1:
            versions = specs[0]
        elif specs:
            check.error(
                _key_line(value, "versions", line),
                "publisher.versions: give one specifier set, such as '>=1.83.0'",
            )
            ok = False
    return Publisher(kind, tuple(fields), versions) if ok else None


def _validate_deny(check: _Checker, value: Any, line: int, parsed: _Parsed) -> None:
    if not isinstance(value, list):
        check.error(line, f"deny: expected a list, got {_kind(value)}")
        return
    for i, item in enumerate(value):
        item_line = _item_line(value, i, line)
        if not isinstance(item, dict):
            check.error(
                item_line, f"deny: each entry must be a mapping with 'package', got {_kind(item)}"
            )
            continue
        check.unknown_keys(item, _DENY_KEYS, "a deny entry")
        package: Any = item.get("package")
        if not isinstance(package, str):
            check.error(item_line, "deny: each entry needs 'package'")
            continue
        pattern = check.pattern(package.strip(), _key_line(item, "package", item_line), "deny")
        versions: tuple[SpecifierSet, ...] = ()
        if "versions" in item:
            versions = check.specifiers(
                item["versions"], _key_line(item, "versions", item_line), "deny.versions"
            )
            if item["versions"] in ([], "", None):
                check.error(
                    _key_line(item, "versions", item_line),
                    "deny.versions: empty; omit the key to deny every version",
                )
        reason = item.get("reason", "")
        if not isinstance(reason, str):
            check.error(_key_line(item, "reason", item_line), "deny.reason must be a string")
            reason = ""
        advisories = check.string_list(
            item.get("advisories", []), _key_line(item, "advisories", item_line), "deny.advisories"
        )
        enforced = _enforced_flag(check, item, item_line, "deny")
        if pattern:
            rule = DenyRule(
                pattern,
                versions,
                " ".join(reason.split()),
                tuple(a for a, _ in advisories),
                check.path,
            )
            parsed.deny.append((rule, item_line, enforced))


def find_policy(root: Path, explicit: str | None) -> str:
    """Which policy applies: ``--policy``, ``.bumpguard.yaml``, ``[tool.bumpguard] policy``
    in pyproject.toml, or the built-in LLM-gateway policy."""
    if explicit:
        return explicit
    for name in (".bumpguard.yaml", ".bumpguard.yml"):
        if (root / name).is_file():
            return str(root / name)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        text = read_text(pyproject, "pyproject.toml")
        if "bumpguard" in text:
            from guard import _toml

            data = _toml.loads(text, "pyproject.toml")
            tool = data.get("tool", {})
            config = tool.get("bumpguard", {}) if isinstance(tool, dict) else {}
            if isinstance(config, dict) and "policy" in config:
                value = config["policy"]
                if not isinstance(value, str) or not value:
                    line = _toml.line_of(text, "[tool.bumpguard]")
                    raise PolicyError(
                        "pyproject.toml",
                        line,
                        "[tool.bumpguard] policy must be a path or builtin:NAME",
                    )
                if value.startswith(BUILTIN_PREFIX):
                    return value
                return str(root / value)
    return DEFAULT_POLICY
