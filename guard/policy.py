"""The YAML policy: schema validation, ``extends`` resolution and the merged result.

A policy file is validated completely before use: every problem is reported at once with
its file and line, and unknown keys are warned about rather than silently ignored.
Merge rules (later files refine earlier ones; a file's ``extends`` come before the file):

* ``protect`` entries are keyed by name or pattern; a later entry for the same pattern
  replaces the earlier one's settings. ``unprotect`` removes protection granted earlier.
* ``deny`` rules only accumulate: no later file can remove or narrow a deny.
* ``allow_list`` entries accumulate; any file that has the key turns allow-list mode on.
* ``review_threshold`` is taken from the last file that sets it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard import _yaml
from guard._files import read_text
from guard.errors import GuardError, PolicyError

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
}
_INSTALL_KEYS = {"require_approval", "startup_hooks", "allow_sdist"}
_SETTING_KEYS = {"attestations", "min_release_age", "require_tag"}
_PROTECT_KEYS = {"name", "publisher"} | _SETTING_KEYS
ATTESTATION_MODES = ("required", "if-present")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DENY_KEYS = {"package", "versions", "reason", "advisories"}
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
        return data


def builtin_dir() -> Path:
    """Where the built-in policies live: inside the wheel, or ``policies/`` in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "policies"
    return packaged if packaged.is_dir() else here.parent / "policies"


def builtin_names() -> list[str]:
    """Names usable as ``builtin:NAME``."""
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def load_policy(spec: str, base: Path | None = None) -> Policy:
    """Load ``spec`` (a path or ``builtin:NAME``) and everything it extends, merged."""
    policy = Policy()
    _merge_into(policy, spec, base or Path.cwd(), stack=())
    return policy


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


def _merge_into(policy: Policy, spec: str, base: Path, stack: tuple[Path, ...]) -> None:
    path, display = _resolve(spec, base)
    resolved = path.resolve()
    if resolved in stack:
        chain = " -> ".join(_display(p) for p in (*stack, resolved))
        raise PolicyError(display, None, f"extends cycle: {chain}")
    data = _yaml.load(read_text(path, display), display)
    parsed = _validate(data, display, policy.warnings)
    for parent, line in parsed.extends:
        if re.match(r"^[a-z][a-z0-9+.-]*://", parent):
            raise PolicyError(
                display,
                line,
                f"extends: {parent!r}: only relative paths and builtin:NAME are supported",
            )
        try:
            _merge_into(policy, parent, path.parent, (*stack, resolved))
        except GuardError as exc:
            if isinstance(exc, PolicyError):
                raise
            raise PolicyError(display, line, f"extends: {exc}") from None
    policy.sources.append(display)
    for pattern, rule in parsed.protect:
        earlier = policy.protect.pop(pattern, None)
        policy.protect[pattern] = _refine(earlier, rule)
        policy.unprotect.pop(pattern, None)
    if parsed.defaults:
        policy.defaults = replace(policy.defaults, **parsed.defaults)
    if parsed.install:
        extra = parsed.install.pop("allow_sdist", ())
        policy.install = replace(
            policy.install,
            **parsed.install,
            allow_sdist=tuple(dict.fromkeys((*policy.install.allow_sdist, *extra))),
        )
    for pattern in parsed.unprotect:
        policy.protect.pop(pattern, None)
        policy.unprotect[pattern] = display
    policy.deny.extend(parsed.deny)
    if parsed.allow_list is not None:
        merged = list(policy.allow_list or [])
        merged.extend((p, display) for p in parsed.allow_list if p not in dict(merged))
        policy.allow_list = merged
    if parsed.review_threshold is not None:
        policy.review_threshold = parsed.review_threshold


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


@dataclass
class _Parsed:
    extends: list[tuple[str, int]] = field(default_factory=list)
    protect: list[tuple[str, ProtectRule]] = field(default_factory=list)
    unprotect: list[str] = field(default_factory=list)
    deny: list[DenyRule] = field(default_factory=list)
    allow_list: list[str] | None = None
    review_threshold: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    install: dict[str, Any] = field(default_factory=dict)


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
    if "extends" in data:
        parsed.extends = check.string_list(
            data["extends"], _key_line(data, "extends", top), "extends"
        )
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
    if "install" in data:
        _validate_install(check, data["install"], _key_line(data, "install", top), parsed)
    if "unprotect" in data:
        for text, line in check.string_list(
            data["unprotect"], _key_line(data, "unprotect", top), "unprotect"
        ):
            pattern = check.pattern(text, line, "unprotect")
            if pattern:
                parsed.unprotect.append(pattern)
    if "deny" in data:
        _validate_deny(check, data["deny"], _key_line(data, "deny", top), parsed)
    if "allow_list" in data:
        line = _key_line(data, "allow_list", top)
        parsed.allow_list = []
        for text, item_line in check.string_list(data["allow_list"] or [], line, "allow_list"):
            pattern = check.pattern(text, item_line, "allow_list")
            if pattern:
                parsed.allow_list.append(pattern)
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


def _validate_protect(check: _Checker, value: Any, line: int, parsed: _Parsed) -> None:
    if not isinstance(value, list):
        check.error(line, f"protect: expected a list, got {_kind(value)}")
        return
    for i, item in enumerate(value):
        item_line = _item_line(value, i, line)
        publisher = None
        settings: dict[str, Any] = {}
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
        else:
            check.error(item_line, f"protect: expected a name or a mapping, got {_kind(item)}")
            continue
        pattern = check.pattern(name.strip(), item_line, "protect")
        if pattern:
            rule = ProtectRule(pattern, check.path, publisher, **settings)
            parsed.protect.append((pattern, rule))


def _validate_install(check: _Checker, value: Any, line: int, parsed: _Parsed) -> None:
    if not isinstance(value, dict):
        check.error(line, f"install: expected a mapping, got {_kind(value)}")
        return
    check.unknown_keys(value, _INSTALL_KEYS, "install")
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
        if pattern:
            parsed.deny.append(
                DenyRule(
                    pattern,
                    versions,
                    " ".join(reason.split()),
                    tuple(a for a, _ in advisories),
                    check.path,
                )
            )


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


def protected_names(policy: Policy, names: Iterable[str]) -> list[str]:
    """The names from ``names`` the policy protects."""
    return [n for n in names if policy.protection(n) is not None]
