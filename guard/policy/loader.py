"""The YAML policy: loading, ``extends`` resolution and the merged result.

This module is the public API (:class:`Policy`, :func:`load_policy`, :func:`find_policy`,
the built-ins, and the pinned-URL walk :mod:`guard.remote` uses) and does the merging. The
rule types are in :mod:`guard.policy.rules`, the schema checks in
:mod:`guard.policy.validation` and the "cannot loosen" checks in
:mod:`guard.policy.enforcement`; their public names are re-exported here.

A policy file is validated completely before use: every problem is reported at once with
its file and line, and unknown keys are warned about rather than silently ignored.
Merge rules (later files refine earlier ones; a file's ``extends`` come before the file):

* ``protect`` entries are keyed by name or pattern; a later entry for the same pattern
  overrides the settings it gives and keeps the others. ``unprotect`` removes protection
  granted earlier (never an enforced one).
* ``deny`` rules only accumulate: no later file can remove or narrow a deny.
* ``allow_list`` entries accumulate; any file that has the key turns allow-list mode on.
* ``review_threshold`` and ``ranges`` are taken from the last file that sets them.
* ``constraints`` (repository-relative paths) accumulate; the first file to name one keeps it.

``extends`` entries are ``builtin:NAME``, paths relative to the file, or pinned URLs
(mappings with ``url`` and ``sha256`` and/or ``sigstore``); a URL is never fetched here:
:mod:`guard.remote` takes it from ``.bumpguard/policy.lock`` and the stored copy that
``bumpguard policy fetch`` verified. A remote policy may extend only builtin:NAME and
pinned URLs.

**Enforcement.** ``enforce: true`` at the top of a file makes the whole policy in effect
after that file (its own rules and everything it extends, including
``protected_defaults``, ``review_threshold``, ``ranges``, ``install`` and the allow-list) a
floor; ``enforced: true`` on a ``protect`` or ``deny`` entry makes that entry one. Files
applied later (those that extend it, and later siblings in an ``extends`` list) may tighten
a floor but not loosen it: no ``unprotect`` that would remove an enforced name or pattern,
no weaker ``attestations``, shorter ``min_release_age``, ``require_tag: false`` or other
publisher for the names it covers (in a protect entry or through
``protected_defaults``), no lower ``review_threshold``, no ``ranges: allow`` under an
enforced ``pin``, no ``install.require_approval: false`` or ``startup_hooks: warn`` where
it was true/deny, no new ``allow_sdist`` or allow-list entries. Every attempt is a
:class:`PolicyError` naming both files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from guard import _yaml
from guard._files import MAX_POLICY_BYTES, read_text, real
from guard.errors import GuardError, InputError, PolicyError
from guard.policy.enforcement import add_floor, loosening
from guard.policy.rules import (
    ATTESTATION_MODES,
    RANGE_MODES,
    SCHEMA_VERSION,
    THRESHOLDS,
    Defaults,
    DenyRule,
    EnforcedSettings,
    Floor,
    InstallSettings,
    Policy,
    ProtectRule,
    Publisher,
    Settings,
    format_duration,
    parse_duration,
    refine,
)
from guard.policy.validation import Parsed, PolicyProblems, location, validate

if TYPE_CHECKING:
    from guard.policy.lock import Lock
    from guard.policy.pins import RemoteRef

__all__ = [
    "ATTESTATION_MODES",
    "BUILTIN_PREFIX",
    "DEFAULT_POLICY",
    "RANGE_MODES",
    "SCHEMA_VERSION",
    "THRESHOLDS",
    "Defaults",
    "DenyRule",
    "EnforcedSettings",
    "Floor",
    "InstallSettings",
    "Policy",
    "PolicyProblems",
    "ProtectRule",
    "Publisher",
    "Settings",
    "builtin_dir",
    "builtin_names",
    "find_policy",
    "format_duration",
    "load_policy",
    "parse_duration",
    "pinned_refs",
    "remote_refs",
]

BUILTIN_PREFIX = "builtin:"
DEFAULT_POLICY = "builtin:llm-gateways"


def builtin_dir() -> Path:
    """Where the built-in policies live: inside the wheel, or ``policies/`` in a checkout."""
    package = Path(__file__).resolve().parent.parent  # guard/
    packaged = package / "policies"
    return packaged if packaged.is_dir() else package.parent / "policies"


def builtin_names() -> list[str]:
    """Names usable as ``builtin:NAME``."""
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def load_policy(
    spec: str,
    base: Path | None = None,
    *,
    root: Path | None = None,
    required: tuple[str, bytes] | None = None,
) -> Policy:
    """Load ``spec`` (a path or ``builtin:NAME``) and everything it extends, merged.

    Pinned URLs (and imported reviews) come from the lock of the repository ``root``
    (default: the nearest folder at or above ``base`` that holds ``.git``, else ``base``)
    and the copies stored next to it, never from the network. ``required`` (its name, and
    its bytes) is applied first and enforced: ``spec`` cannot loosen it.
    """
    base = base or Path.cwd()
    policy = Policy()
    ctx = _Context(root or _repository_root(base))
    if required is not None:
        _require(policy, required, base, ctx)
    _merge_into(policy, spec, base, (), ctx)
    if DEFAULT_POLICY not in policy.sources:
        # The built-in deny rules (releases known to be malicious) hold whatever a
        # repository's policy says: a policy that does not extend the built-in one keeps
        # its denies and nothing else of it.
        builtin = Policy()
        _merge_into(builtin, DEFAULT_POLICY, base, (), _Context(base))
        known = {(rule.package, rule.versions) for rule in policy.deny}
        policy.deny.extend(r for r in builtin.deny if (r.package, r.versions) not in known)
    return policy


def _repository_root(start: Path) -> Path:
    start = real(start)
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


class _Context:
    """What one load shares: the repository root and its lock, read once when needed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock: Lock | None = None  # read on first use: most policies pin no URL
        self._read = False

    def lock(self) -> Lock | None:
        if not self._read:
            from guard.policy.lock import read_lock

            self._lock = read_lock(self.root)
            self._read = True
        return self._lock


def _resolve(spec: str, base: Path) -> tuple[Path, str]:
    """The file a spec names and how to show it."""
    if spec.startswith(BUILTIN_PREFIX):
        name = spec[len(BUILTIN_PREFIX) :]
        path = builtin_dir() / f"{name}.yaml"
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", name) or not os.path.isfile(path):
            known = ", ".join(BUILTIN_PREFIX + n for n in builtin_names())
            raise GuardError(f"unknown built-in policy {spec!r} (known: {known})")
        return path, spec
    path = (base / spec) if not Path(spec).is_absolute() else Path(spec)
    return path, _display(path)


def _display(path: Path) -> str:
    try:
        # As named, not where a link leads: a message names the file the user has.
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(Path.cwd())).as_posix()
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
    if not isinstance(spec, str):
        # Never the network: the copy `policy fetch` verified and the lock pins.
        from guard.policy.lock import load_locked
        from guard.policy.pins import short

        data, entry = load_locked(ctx.root, spec, ctx.lock())
        display, directory = spec.url, None
        key, suffix = f"{spec.url}#{entry.sha256}", f" (sha256 {short(entry.sha256)})"
        policy.remote.append({"url": spec.url, "sha256": entry.sha256, "pin": spec.pin.to_data()})
    else:
        path, display = _resolve(spec, base)
        directory, key, suffix = path.parent, str(real(path)), ""
    if key in {k for k, _ in stack}:
        chain = " -> ".join(shown for _, shown in (*stack, (key, display)))
        raise PolicyError(display, None, f"extends cycle: {chain}")
    if not isinstance(spec, str):
        parsed = _parse_remote(data, display, policy.warnings)
    else:
        # A repository's policy file is read like its other files (a link must stay inside
        # it); the built-in ones are bumpguard's own, wherever it is installed.
        root = None if spec.startswith(BUILTIN_PREFIX) else ctx.root
        text = read_text(path, display, limit=MAX_POLICY_BYTES, root=root)
        parsed = validate(_yaml.load(text, display), display, policy.warnings)
    for parent, line in parsed.extends:
        try:
            _merge_into(policy, parent, directory or base, (*stack, (key, display)), ctx)
        except GuardError as exc:
            if isinstance(exc, PolicyError):
                raise
            raise PolicyError(display, line, f"extends: {exc}") from None
    if isinstance(spec, str) and not spec.startswith(BUILTIN_PREFIX):
        for ref in parsed.imports:  # imports are not transitive: never from a remote file
            _add_import(policy, ref, ctx)
    policy.sources.append(display)
    if isinstance(spec, str) and not spec.startswith(BUILTIN_PREFIX):
        policy.files.append(path)

    def label(line: int | None) -> str:
        return (f"{display}:{line}" if line else display) + suffix

    problems = loosening(policy, parsed, display)
    if problems:
        raise PolicyProblems(problems)
    _apply(policy, parsed, display, label)


def _add_import(policy: Policy, ref: RemoteRef, ctx: _Context) -> None:
    from guard.policy.lock import load_locked
    from guard.policy.pins import LockedImport

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
    policy: Policy, parsed: Parsed, display: str, label: Callable[[int | None], str]
) -> None:
    """Merge one validated file (already checked against the enforced floors)."""
    for item in parsed.protect:
        earlier = policy.protect.pop(item.pattern, None)
        policy.protect[item.pattern] = refine(earlier, item.rule)
        policy.unprotect.pop(item.pattern, None)
    if parsed.defaults:
        policy.defaults = policy.defaults._replace(**parsed.defaults)
    if parsed.install:
        install = dict(parsed.install)
        extra = install.pop("allow_sdist", ())
        hooks = install.pop("allow_startup_hooks", ())
        policy.install = policy.install._replace(
            **install,
            allow_sdist=tuple(dict.fromkeys((*policy.install.allow_sdist, *extra))),
            allow_startup_hooks=(*policy.install.allow_startup_hooks, *hooks),
        )
    if parsed.reviews:
        reviews = dict(parsed.reviews)
        if "allowed_signers" in reviews:
            reviews["origin"] = label(parsed.lines.get("reviews.allowed_signers"))
        policy.reviews = policy.reviews._replace(**reviews)
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
    if parsed.ranges is not None:
        policy.ranges = parsed.ranges
    for items, merged in ((parsed.exclude, policy.exclude), (parsed.indexes, policy.indexes)):
        known = {value for value, _ in merged}
        for value, line in items:
            if value not in known:
                merged.append((value, label(line)))
                known.add(value)
    known_constraints = {path for path, _ in policy.constraints}
    for path, line in parsed.constraints:
        if path not in known_constraints:
            policy.constraints.append((path, label(line)))
            known_constraints.add(path)
    # Floors: what later files may tighten but not loosen.
    own = {item.pattern: label(item.line) for item in parsed.protect}
    if parsed.enforce:
        _floor(policy, own, label(parsed.lines.get("enforce")))
    else:
        for item in parsed.protect:
            if item.enforced:
                add_floor(policy, item.pattern, label(item.line))


def _floor(policy: Policy, own: dict[str, str], whole: str) -> None:
    """Make the whole policy in effect a floor later files cannot loosen (``enforce:
    true``, or a required policy): each protect rule (``own`` gives the line of those the
    enforcing file writes itself), the deny rules and the policy-wide settings."""
    for pattern in policy.protect:
        add_floor(policy, pattern, own.get(pattern, whole))
    policy.deny = [r if r.enforced_by else replace(r, enforced_by=whole) for r in policy.deny]
    allowed = policy.allow_list
    policy.enforced.append(
        EnforcedSettings(
            whole,
            policy.defaults,
            policy.review_threshold,
            policy.install,
            frozenset(p for p, _ in allowed) if allowed is not None else None,
            policy.ranges,
            policy.reviews,
            frozenset(glob for glob, _ in policy.exclude),
            frozenset(url for url, _ in policy.indexes),
        )
    )


def _require(policy: Policy, required: tuple[str, bytes], base: Path, ctx: _Context) -> None:
    """Apply a required policy (``--require-policy``) first, and make it a floor: whatever
    the repository configures is merged on top of it and cannot loosen it. It stands
    alone: it may extend built-in policies only."""
    name, data = required
    display = f"{name} (required)"
    parsed = _parse_remote(data, name, policy.warnings)
    for parent, line in parsed.extends:
        if not isinstance(parent, str) or not parent.startswith(BUILTIN_PREFIX):
            raise PolicyError(name, line, "a required policy may extend built-in policies only")
        _merge_into(policy, parent, base, (), ctx)
    if parsed.imports:
        raise PolicyError(name, parsed.lines.get("imports"), "a required policy imports nothing")
    signers = parsed.reviews.get("allowed_signers")
    if signers is not None and not isinstance(signers, str):
        # Fetched and verified on every run, like the policy (guard.commands._common does
        # it): the repository being checked writes its own lock, so its stored copy is not
        # evidence here.
        policy.required_signers = signers
    policy.sources.append(display)

    def label(line: int | None) -> str:
        return f"{name}:{line} (required)" if line else display

    _apply(policy, parsed, display, label)
    _floor(policy, {item.pattern: label(item.line) for item in parsed.protect}, display)


def _parse_remote(data: bytes, display: str, warnings: list[str]) -> Parsed:
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
    parsed = validate(loaded, display, warnings)
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
            f"{location(display, parsed.lines.get('imports'))}: warning: imports in a remote "
            "policy are ignored (imports are not transitive; import reviews in this "
            "repository's own policy)"
        )
    return parsed


def remote_refs(data: bytes, url: str, warnings: list[str]) -> list[RemoteRef]:
    """The pinned URLs a fetched policy extends or reads ``allowed_signers`` from (it is
    validated on the way)."""
    return _followed(_parse_remote(data, url, warnings))


def _followed(parsed: Parsed) -> list[RemoteRef]:
    """A policy file's pinned URLs that ``policy fetch`` follows: the policies it extends
    and its allowed_signers file (imports are handled apart: they are not transitive)."""
    from guard.policy.pins import RemoteRef

    refs = [parent for parent, _ in parsed.extends if not isinstance(parent, str)]
    signers = parsed.reviews.get("allowed_signers")
    if isinstance(signers, RemoteRef):
        refs.append(signers)
    return refs


def pinned_refs(
    spec: str, base: Path, warnings: list[str]
) -> tuple[list[RemoteRef], list[RemoteRef]]:
    """The pinned URLs the local policy files extend or read allowed_signers from, and the
    reviews they import.

    Walks ``spec`` and the local files and built-ins it extends (not the remote ones:
    :func:`guard.remote.fetch` follows those once it has them). Imports come only from
    local files: they are not transitive.
    """
    policies: list[RemoteRef] = []
    imports: dict[str, RemoteRef] = {}

    def walk(spec: str, base: Path, stack: tuple[str, ...]) -> None:
        path, display = _resolve(spec, base)
        key = str(real(path))
        if key in stack:
            raise PolicyError(display, None, f"extends cycle: {' -> '.join((*stack, key))}")
        text = read_text(path, display, limit=MAX_POLICY_BYTES)
        parsed = validate(_yaml.load(text, display), display, warnings)
        policies.extend(_followed(parsed))
        for parent, line in parsed.extends:
            if not isinstance(parent, str):
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


def find_policy(root: Path, explicit: str | None) -> str:
    """Which policy applies: ``--policy``, ``.bumpguard.yaml``, ``[tool.bumpguard] policy``
    in pyproject.toml, or the built-in LLM-gateway policy."""
    if explicit:
        return explicit
    for name in (".bumpguard.yaml", ".bumpguard.yml"):
        # Anything by that name is the policy: a directory or a dangling link is an error,
        # never a silent fall back to the (possibly weaker) built-in policy.
        if os.path.lexists(root / name):
            return str(root / name)
    pyproject = root / "pyproject.toml"
    if os.path.lexists(pyproject):
        text = read_text(pyproject, "pyproject.toml", root=root)
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
