"""Schema validation of one policy file: every problem is collected and reported at once
with its file and line, and unknown keys are warned about rather than silently ignored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard.errors import PolicyError
from guard.policy.rules import (
    ATTESTATION_MODES,
    RANGE_MODES,
    REVIEW_SCOPES,
    SCHEMA_VERSION,
    SIGNED_MODES,
    THRESHOLDS,
    AllowedHook,
    DenyRule,
    ProtectRule,
    Publisher,
    is_glob,
    parse_duration,
)

if TYPE_CHECKING:
    from guard.policy.pins import RemoteRef, SigstorePin

# The shape of a policy file, once: the validator reads these key sets, and tests check the
# JSON schema (guard.policy.schema) and the README tables against them.
TOP_KEYS = {
    "version",
    "extends",
    "protect",
    "protected_defaults",
    "unprotect",
    "deny",
    "allow_list",
    "review_threshold",
    "ranges",
    "constraints",
    "install",
    "reviews",
    "enforce",
    "imports",
    "exclude",
    "indexes",
}
REVIEWS_KEYS = {"signed", "allowed_signers", "min_reviewers", "scope"}
MAX_REVIEWERS = 10
INSTALL_KEYS = {"require_approval", "startup_hooks", "allow_sdist", "allow_startup_hooks"}
SETTING_KEYS = {"attestations", "min_release_age", "require_tag"}
PROTECT_KEYS = {"name", "publisher", "enforced"} | SETTING_KEYS
DENY_KEYS = {"package", "versions", "reason", "advisories", "enforced"}
_PIN_KEYS = {"url", "sha256", "sigstore"}
_SIGSTORE_KEYS = {"bundle", "identity", "issuer"}
_IMPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
PUBLISHER_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required fields, optional fields)
    "github": ({"repository", "workflow"}, {"environment"}),
    "gitlab": ({"repository", "workflow"}, {"environment"}),
    "google": ({"email"}, set()),
    "circleci": ({"project_id", "pipeline_definition_id"}, {"vcs_origin", "vcs_ref"}),
}
_PATTERN = re.compile(r"^[A-Za-z0-9*?]([A-Za-z0-9._*?-]*[A-Za-z0-9*?])?$")


def _choice(
    check: _Checker, data: dict[str, Any], key: str, choices: tuple[str, ...], top: int
) -> str | None:
    """A top-level key that takes one of ``choices``; ``None`` when absent or invalid."""
    if key not in data:
        return None
    value = data[key]
    if value not in choices:
        check.error(
            _key_line(data, key, top), f"{key}: {value!r} is not one of {', '.join(choices)}"
        )
        return None
    return str(value)


def _repository_path(text: str) -> tuple[str | None, str]:
    """``text`` as a normalised repository-relative POSIX path (``./a//b`` is ``a/b``), or
    ``None`` and why it is not one."""
    if _URL_LIKE.match(text):
        return None, "is a URL"
    if text.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", text):
        return None, "is an absolute path"
    if "\\" in text:
        return None, "has a backslash (write / between folders)"
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None, "has a .. component"
    if not parts:
        return None, "names no file" if text else "is empty"
    return "/".join(parts), ""


class PolicyProblems(PolicyError):
    """Several problems in one policy file, reported together."""

    def __init__(self, problems: list[tuple[str, int | None, str]]) -> None:
        self.problems = problems
        path, line, message = problems[0]
        super().__init__(path, line, message)
        self.args = ("\n".join(location(p, ln) + ": " + m for p, ln, m in problems),)


def location(path: str, line: int | None) -> str:
    """``path:line``, or ``path`` alone when the line is not known."""
    return f"{path}:{line}" if line else path


class _Entry(NamedTuple):
    """One validated protect entry, with the lines of its keys."""

    pattern: str
    rule: ProtectRule
    line: int
    lines: dict[str, int]
    enforced: bool = False


@dataclass
class Parsed:
    """One validated file, not yet merged: its entries and the lines they came from."""

    extends: list[tuple[str | RemoteRef, int]] = field(default_factory=list)
    imports: list[RemoteRef] = field(default_factory=list)
    protect: list[_Entry] = field(default_factory=list)
    unprotect: list[tuple[str, int]] = field(default_factory=list)
    deny: list[tuple[DenyRule, int, bool]] = field(default_factory=list)  # (rule, line, enforced)
    allow_list: list[tuple[str, int]] | None = None
    review_threshold: str | None = None
    ranges: str | None = None
    constraints: list[tuple[str, int]] = field(default_factory=list)
    exclude: list[tuple[str, int]] = field(default_factory=list)
    indexes: list[tuple[str, int]] = field(default_factory=list)
    defaults: dict[str, Any] = field(default_factory=dict)
    install: dict[str, Any] = field(default_factory=dict)
    reviews: dict[str, Any] = field(default_factory=dict)
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
        self.warnings.append(f"{location(self.path, line)}: warning: {message}")

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
        return _canon(value) if is_glob(value) else canonicalize_name(value)

    def specifiers(self, value: Any, line: int, key: str) -> tuple[SpecifierSet, ...]:
        out = []
        for text, item_line in self.string_list(value, line, key):
            try:
                out.append(SpecifierSet(text))
            except InvalidSpecifier:
                hint = " (write ==1.2.3, not 1.2.3)" if _is_version(text) else ""
                self.error(item_line, f"{key}: {text!r} is not a PEP 440 specifier set{hint}")
        return tuple(out)


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


def validate(data: Any, path: str, warnings: list[str]) -> Parsed:
    """Check one file against the version-1 schema; raise every problem at once."""
    check = _Checker(path, warnings)
    parsed = Parsed()
    if not isinstance(data, dict):
        raise PolicyProblems([(path, 1, f"a policy must be a mapping, got {_kind(data)}")])
    top = getattr(data, "line", 1)
    check.unknown_keys(data, TOP_KEYS, "the policy")
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
            check.unknown_keys(value, SETTING_KEYS, "protected_defaults")
            parsed.defaults = _validate_settings(check, value, line, "protected_defaults")
            for key in value:
                parsed.lines[f"protected_defaults.{key}"] = _key_line(value, key, line)
    if "install" in data:
        _validate_install(check, data["install"], _key_line(data, "install", top), parsed)
    if "reviews" in data:
        _validate_reviews(check, data["reviews"], _key_line(data, "reviews", top), parsed)
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
    parsed.review_threshold = _choice(check, data, "review_threshold", THRESHOLDS, top)
    parsed.ranges = _choice(check, data, "ranges", RANGE_MODES, top)
    if "constraints" in data:
        line = _key_line(data, "constraints", top)
        value = data["constraints"]
        for text, item_line in check.string_list(
            [] if value is None else value, line, "constraints"
        ):
            relative, why = _repository_path(text.strip())
            if relative is None:
                check.error(
                    item_line,
                    f"constraints: {text!r} {why}; give a path relative to the repository "
                    "root, such as requirements/constraints.txt",
                )
            else:
                parsed.constraints.append((relative, item_line))
    if "exclude" in data:
        _validate_exclude(check, data["exclude"], _key_line(data, "exclude", top), parsed)
    if "indexes" in data:
        _validate_indexes(check, data["indexes"], _key_line(data, "indexes", top), parsed)
    if check.problems:
        raise PolicyProblems(check.problems)
    return parsed


def _validate_exclude(check: _Checker, value: Any, line: int, parsed: Parsed) -> None:
    from guard.policy.paths import glob_problem

    for text, item_line in check.string_list([] if value is None else value, line, "exclude"):
        problem = glob_problem(text)
        if problem is not None:
            check.error(item_line, f"exclude: {text!r} {problem}")
        else:
            parsed.exclude.append((text.strip(), item_line))


def _validate_indexes(check: _Checker, value: Any, line: int, parsed: Parsed) -> None:
    for text, item_line in check.string_list([] if value is None else value, line, "indexes"):
        url = text.strip()
        bare = url[:-2] if url.endswith("/*") else url
        if (
            not re.match(r"^(https?|file)://[^/\s]", url)
            or any(c.isspace() for c in url)
            or "*" in bare
        ):
            check.error(
                item_line,
                f"indexes: {text!r} is not an index URL (https://host/path, or one ending "
                "in /* for everything below it)",
            )
        else:
            parsed.indexes.append((url, item_line))


def _enforced_flag(check: _Checker, item: Any, line: int, where: str) -> bool:
    if "enforced" not in item:
        return False
    flag = item["enforced"]
    if not isinstance(flag, bool):
        check.error(_key_line(item, "enforced", line), f"{where}: enforced must be true or false")
        return False
    return flag


def _validate_extends(check: _Checker, value: Any, line: int, parsed: Parsed) -> None:
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


def _validate_imports(check: _Checker, value: Any, line: int, parsed: Parsed) -> None:
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
    from guard.policy.pins import Pin, RemoteRef, url_problem  # only policies that pin URLs

    keys = _PIN_KEYS | ({"name"} if kind == "reviews" else set())
    check.unknown_keys(item, keys, where if kind == "signers" else f"an {where} entry")
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
    from guard.policy.pins import SigstorePin, url_problem

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


def _validate_protect(check: _Checker, value: Any, line: int, parsed: Parsed) -> None:
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
            check.unknown_keys(item, PROTECT_KEYS, "a protect entry")
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


def _validate_reviews(check: _Checker, value: Any, line: int, parsed: Parsed) -> None:
    if not isinstance(value, dict):
        check.error(line, f"reviews: expected a mapping, got {_kind(value)}")
        return
    check.unknown_keys(value, REVIEWS_KEYS, "reviews")
    for key in value:
        parsed.lines[f"reviews.{key}"] = _key_line(value, key, line)
    for key, modes in (("signed", SIGNED_MODES), ("scope", REVIEW_SCOPES)):
        if key in value:
            if value[key] in modes:
                parsed.reviews[key] = value[key]
            else:
                check.error(
                    _key_line(value, key, line),
                    f"reviews.{key} {value[key]!r} is not {' or '.join(modes)}",
                )
    if "min_reviewers" in value:
        count = value["min_reviewers"]
        if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= MAX_REVIEWERS:
            parsed.reviews["min_reviewers"] = count
        else:
            check.error(
                _key_line(value, "min_reviewers", line),
                f"reviews.min_reviewers must be a whole number from 1 to {MAX_REVIEWERS}",
            )
    if "allowed_signers" in value:
        path = value["allowed_signers"]
        where = _key_line(value, "allowed_signers", line)
        if isinstance(path, dict):
            # A file the security team publishes: fetched and locked by `policy fetch`.
            ref = _validate_pinned(check, path, where, "reviews.allowed_signers", "signers", None)
            if ref is not None:
                parsed.reviews["allowed_signers"] = ref
            return
        relative, why = _repository_path(path.strip()) if isinstance(path, str) else (None, "")
        if not isinstance(path, str):
            check.error(
                where,
                "reviews.allowed_signers must be a file path in the repository, or a pinned "
                "URL {url: ..., sha256: ...}",
            )
        elif relative is None:
            check.error(
                where,
                f"reviews.allowed_signers {path!r} {why}: it must be a path inside the "
                "repository (relative to its root)",
            )
        else:
            parsed.reviews["allowed_signers"] = relative


def _validate_install(check: _Checker, value: Any, line: int, parsed: Parsed) -> None:
    if not isinstance(value, dict):
        check.error(line, f"install: expected a mapping, got {_kind(value)}")
        return
    check.unknown_keys(value, INSTALL_KEYS, "install")
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
    if "allow_startup_hooks" in value:
        parsed.install["allow_startup_hooks"] = _allowed_hooks(
            check, value["allow_startup_hooks"], _key_line(value, "allow_startup_hooks", line)
        )


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _allowed_hooks(check: _Checker, value: Any, line: int) -> tuple[AllowedHook, ...]:
    """``install.allow_startup_hooks``: a list of ``{package, path, sha256}``."""
    where = "install.allow_startup_hooks"
    if not isinstance(value, list):
        check.error(line, f"{where}: expected a list, got {_kind(value)}")
        return ()
    lines = getattr(value, "lines", None) or [line] * len(value)
    hooks = []
    for item, item_line in zip(value, lines, strict=False):
        if not isinstance(item, dict):
            check.error(item_line, f"{where}: each entry maps package, path and sha256")
            continue
        check.unknown_keys(item, {"package", "path", "sha256"}, where)
        package, path, digest = item.get("package"), item.get("path"), item.get("sha256")
        if not isinstance(package, str) or not _PATTERN.match(package) or "*" in package:
            check.error(item_line, f"{where}: 'package' must be a package name")
        elif not isinstance(path, str) or not path.strip() or path.startswith("/"):
            check.error(item_line, f"{where}: 'path' must be a path relative to site-packages")
        elif not isinstance(digest, str) or not _SHA256.match(
            digest.lower().removeprefix("sha256:")
        ):
            check.error(item_line, f"{where}: 'sha256' must be 64 hex digits")
        else:
            name = canonicalize_name(package)
            origin = f"{check.path}:{item_line}"
            sha = digest.lower().removeprefix("sha256:")
            hooks.append(AllowedHook(name, path.strip(), sha, origin))
    return tuple(hooks)


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
    if not isinstance(kind, str) or kind not in PUBLISHER_FIELDS:
        kinds = ", ".join(sorted(PUBLISHER_FIELDS))
        check.error(
            _key_line(value, "kind", line), f"publisher: kind {kind!r} is not one of {kinds}"
        )
        return None
    required, optional = PUBLISHER_FIELDS[kind]
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


def _validate_deny(check: _Checker, value: Any, line: int, parsed: Parsed) -> None:
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
        check.unknown_keys(item, DENY_KEYS, "a deny entry")
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
