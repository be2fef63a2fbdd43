"""``bumpguard diff``: what changed between two releases of a package, for a reviewer.

Both artifacts are read in memory through the install gate's inspection
(:func:`guard.artifacts.inspect_artifact.read_artifact`): a hostile archive is refused
before any member is read, nothing is extracted to disk, and nothing is built or run.
The result is a :class:`Summary` of facts a reviewer reads in one screen (start-up hooks,
modules, files, requirements, entry points, native code, build-time code) and the risk
signals of :mod:`guard.artifacts.signals` in the Python source the new release added or
changed. ``approve`` records the summary's digest.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.metadata import parse_email
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from guard import _toml
from guard._files import read_bytes
from guard.artifacts import signals, startup
from guard.artifacts.inspect_artifact import Report, entry_points, read_artifact, show
from guard.errors import EXIT_BLOCKED, GuardError, UsageError
from guard.model import ARCHIVE_SUFFIXES

if TYPE_CHECKING:
    from packaging.tags import Tag

    from guard.index import IndexClient, IndexFile
    from guard.ledger import PackageLedger
    from guard.model import Dependency
    from guard.policy.rules import Policy

SCHEMA = 1
MAX_LOCAL = 2 * 1024 * 1024 * 1024  # a local artifact larger than this is not read
TEXT_CAP = 8 * 1024 * 1024  # larger files are compared by digest only
_SOURCE = (".py", ".pyw", ".pth")
_NATIVE = (".so", ".pyd", ".dylib", ".dll")
_NATIVE_SO = re.compile(r"\.so(\.\d+)*$")
_META_DIR = re.compile(r"^(?P<name>[^/]+?)-[^-/]+\.(?P<kind>dist-info|data)(?=/)")


class NoRelease(GuardError):
    """The index lists no file of the release asked for."""


class ArtifactMismatch(GuardError):
    """An artifact's sha256 is not one the lock or the ledger holds for it: exit 1."""

    exit_code = EXIT_BLOCKED


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Hook:
    """A start-up hook: where it installs (``path``), the member it comes from, its size,
    sha256 and first line of code."""

    path: str
    member: str
    size: int
    sha256: str
    first_line: str

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "member": self.member,
            "size": self.size,
            "sha256": self.sha256,
            "first_line": self.first_line,
        }


@dataclass(frozen=True)
class Change:
    """One named thing (a requirement, an entry point, build-time code) and its old and
    new values; ``None`` on a side where it is absent."""

    name: str
    old: str | None
    new: str | None

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Side:
    """One artifact that was compared, and where it came from."""

    version: str
    filename: str
    sha256: str
    kind: str  # "wheel" | "sdist"
    origin: str  # the index host, or the local file as given

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form (the origin is reported separately: it is not part of the digest)."""
        return {
            "version": self.version,
            "filename": self.filename,
            "sha256": self.sha256,
            "kind": self.kind,
        }


@dataclass
class Summary:
    """Everything ``diff`` found between two artifacts of one package."""

    package: str
    old: Side
    new: Side
    hooks_added: list[Hook] = field(default_factory=list)
    hooks_removed: list[Hook] = field(default_factory=list)
    hooks_changed: list[Hook] = field(default_factory=list)
    modules_added: list[str] = field(default_factory=list)
    modules_removed: list[str] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    files_unchanged: int = 0
    requires: list[Change] = field(default_factory=list)
    entry_points: list[Change] = field(default_factory=list)
    native_added: list[str] = field(default_factory=list)
    build_changed: list[Change] = field(default_factory=list)
    signals: list[signals.Signal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # For --full: each text file's old and new content (None where absent or not text).
    texts: dict[str, tuple[str | None, str | None]] = field(default_factory=dict, repr=False)

    @property
    def flagged(self) -> list[str]:
        """What a reviewer must name with ``approve --accept PATH``: each added or changed
        start-up hook, and each file with a high-severity signal."""
        paths = [h.path for h in (*self.hooks_added, *self.hooks_changed)]
        paths += [s.path for s in self.signals if s.severity == "high"]
        return list(dict.fromkeys(paths))

    def accepted(self, names: Collection[str]) -> tuple[list[str], list[str]]:
        """The flagged paths ``names`` (``--accept`` values) cover and those they do not.
        A hook is named by where it installs or by its archive member."""
        members = {h.member: h.path for h in (*self.hooks_added, *self.hooks_changed)}
        named = {members.get(n, n) for n in names}
        flagged = self.flagged
        return [p for p in flagged if p in named], [p for p in flagged if p not in named]

    def names(self, path: str) -> bool:
        """Whether an ``--accept`` value names something flagged here."""
        return bool(self.accepted([path])[0])

    def facts(self) -> dict[str, Any]:
        """The facts, JSON-ready, without where the artifacts came from."""
        return {
            "package": self.package,
            "old": self.old.to_data(),
            "new": self.new.to_data(),
            "startup_hooks": {
                "added": [h.to_data() for h in self.hooks_added],
                "removed": [h.to_data() for h in self.hooks_removed],
                "changed": [h.to_data() for h in self.hooks_changed],
            },
            "modules": {"added": self.modules_added, "removed": self.modules_removed},
            "files": {
                "added": self.files_added,
                "removed": self.files_removed,
                "changed": self.files_changed,
                "unchanged": self.files_unchanged,
            },
            "requires_dist": [c.to_data() for c in self.requires],
            "entry_points": [c.to_data() for c in self.entry_points],
            "native_added": self.native_added,
            "build_changed": [c.to_data() for c in self.build_changed],
            "signals": [s.to_data() for s in self.signals],
            "needs_accept": self.flagged,
            "notes": self.notes,
        }

    @property
    def digest(self) -> str:
        """sha256 of the facts as canonical JSON: what ``approve`` records."""
        canonical = json.dumps(self.facts(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def to_data(self) -> dict[str, Any]:
        """The JSON output: schema, the facts, their digest and the artifacts' origins."""
        return {
            "schema": SCHEMA,
            **self.facts(),
            "digest": f"sha256:{self.digest}",
            "origins": {"old": self.old.origin, "new": self.new.origin},
        }


# --------------------------------------------------------------------------- reading


@dataclass
class _Tree:
    """One artifact's files (normalised paths) with their digests and, for text files,
    their content."""

    side: Side
    report: Report
    digests: dict[str, tuple[str, int]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)  # metadata and hooks, by path
    members: dict[str, str] = field(default_factory=dict)  # member name -> normalised path


def _text(data: bytes) -> str | None:
    """The content as text, or None for a binary or too large file."""
    if len(data) > TEXT_CAP or b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _normalise(name: str, kind: str, root: str) -> str:
    """A member's path as compared across versions: an sdist without its top folder
    (``pkg-1.0/``), a wheel's ``pkg-1.0.dist-info`` as ``pkg.dist-info``."""
    if kind == "sdist":
        return name[len(root) :] if root and name.startswith(root) else name
    return _META_DIR.sub(lambda m: f"{m.group('name')}.{m.group('kind')}", name, count=1)


def _sdist_root(names: Collection[str]) -> str:
    """The folder every member of an sdist is in (``pkg-1.0/``), or ``""``."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return next(iter(tops)) + "/"
    return ""


def _tree(side: Side, data: bytes) -> _Tree:
    """Read every member once (its content is dropped as soon as it is digested, unless
    it is text or metadata), then name each by its normalised path."""
    report, files = read_artifact(data, side.filename)
    keep = {member for _, member in report.hook_members}
    seen: list[tuple[str, tuple[str, int], str | None, bytes | None]] = []
    for member in files:
        if member.link is not None:
            link = f"-> {member.link}".encode()
            seen.append((member.name, (hashlib.sha256(link).hexdigest(), 0), None, None))
            continue
        digest = (hashlib.sha256(member.data).hexdigest(), len(member.data))
        raw = member.data if member.name in keep or _is_metadata(member.name) else None
        seen.append((member.name, digest, _text(member.data), raw))
    tree = _Tree(side, report)
    root = _sdist_root([name for name, *_ in seen]) if side.kind == "sdist" else ""
    for name, digest, text, raw in seen:
        path = _normalise(name, side.kind, root)
        tree.members[name] = path
        tree.digests[path] = digest
        if text is not None:
            tree.texts[path] = text
        if raw is not None:
            tree.raw[path] = raw
    return tree


def _is_metadata(member: str) -> bool:
    """A wheel's METADATA or entry_points.txt, an sdist's PKG-INFO or pyproject.toml (at
    its root, the only folder level above it)."""
    if member.endswith((".dist-info/METADATA", ".dist-info/entry_points.txt")):
        return member.count("/") == 1
    return member.count("/") <= 1 and posixpath.basename(member) in ("PKG-INFO", "pyproject.toml")


# --------------------------------------------------------------------------- comparing


def compare(old: _Tree, new: _Tree) -> Summary:
    """The summary of what changed from ``old`` to ``new``."""
    summary = Summary(canonicalize_name(_name_of(new.side)), old.side, new.side)
    if old.side.kind != new.side.kind:
        kinds = {"wheel": "a wheel", "sdist": "an sdist"}
        summary.notes.append(
            f"comparing {kinds[old.side.kind]} with {kinds[new.side.kind]}: their layouts differ"
        )
    _hooks(old, new, summary)
    summary.modules_added, summary.modules_removed = _added_removed(_modules(old), _modules(new))
    for path in sorted(new.digests):
        before = old.digests.get(path)
        if before is None:
            summary.files_added.append(path)
        elif before != new.digests[path]:
            summary.files_changed.append(path)
        else:
            summary.files_unchanged += 1
    summary.files_removed = sorted(p for p in old.digests if p not in new.digests)
    summary.requires = _changes(_requires(old), _requires(new))
    summary.entry_points = _changes(_entry_points(old), _entry_points(new))
    summary.native_added = [p for p in summary.files_added if _native(p)]
    if new.side.kind == "sdist" or old.side.kind == "sdist":
        summary.build_changed = _build_changes(old, new)
    summary.signals = _signals(old, new, summary)
    for path in (*summary.files_added, *summary.files_changed):
        summary.texts[path] = (old.texts.get(path), new.texts.get(path))
    for path in summary.files_removed:
        summary.texts[path] = (old.texts.get(path), None)
    return summary


def _name_of(side: Side) -> str:
    try:
        if side.kind == "wheel":
            return str(parse_wheel_filename(side.filename)[0])
        return str(parse_sdist_filename(side.filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return side.filename.split("-", 1)[0]


def _added_removed(old: Collection[str], new: Collection[str]) -> tuple[list[str], list[str]]:
    return sorted(set(new) - set(old)), sorted(set(old) - set(new))


def _hooks(old: _Tree, new: _Tree, summary: Summary) -> None:
    before, after = _hook_map(old), _hook_map(new)
    summary.hooks_added = [after[p] for p in sorted(after) if p not in before]
    summary.hooks_removed = [before[p] for p in sorted(before) if p not in after]
    summary.hooks_changed = [
        after[p] for p in sorted(after) if p in before and before[p].sha256 != after[p].sha256
    ]


def _hook_map(tree: _Tree) -> dict[str, Hook]:
    """Each start-up hook of the artifact by where it installs. For a wheel that is what
    the inspection found; an sdist installs nothing yet, so its ``.pth`` files with code
    and its customize modules count, wherever they are."""
    found: dict[str, Hook] = {}
    digests = dict(tree.report.hook_sha256)
    if tree.side.kind == "wheel":
        for target, member in tree.report.hook_members:
            path = tree.members.get(member, member)
            raw = tree.raw.get(path, b"")
            first = _first_line(target, startup.decode(raw))
            found[target] = Hook(target, path, len(raw), digests.get(target, ""), first)
        return found
    for path, text in tree.texts.items():
        base = posixpath.basename(path)
        is_pth = startup.is_pth(base) and startup.executable_lines(text)
        if is_pth or startup.customize_module(base, False) or base == startup.LITELLM_PTH_NAME:
            sha, size = tree.digests[path]
            found[path] = Hook(path, path, size, sha, _first_line(base, text))
    return found


def _first_line(target: str, text: str) -> str:
    """The first line that runs: a ``.pth`` file's first import line, a module's first
    line that is not blank, a comment or a docstring line."""
    if target.endswith(".pth"):
        lines = startup.executable_lines(text)
        return show(lines[0].text, 160) if lines else ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", '"""', "'''")):
            return show(stripped, 160)
    return ""


def _modules(tree: _Tree) -> set[str]:
    """A wheel's top-level names as the inspection found them; for an sdist, the packages
    at its root or in ``src/`` and the modules in ``src/`` (files at the root are build or
    test tooling)."""
    if tree.side.kind == "wheel":
        return set(tree.report.top_level) - set(tree.report.startup_hooks)
    found: set[str] = set()
    for path in tree.digests:
        parts = path.removeprefix("src/").split("/")
        if len(parts) == 2 and parts[1] == "__init__.py":
            found.add(parts[0])
        elif len(parts) == 1 and path.startswith("src/") and path.endswith(".py"):
            found.add(parts[0][:-3])
    return found


def _native(path: str) -> bool:
    lower = path.lower()
    return lower.endswith(_NATIVE) or bool(_NATIVE_SO.search(lower))


def _changes(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    names = sorted(set(old) | set(new))
    return [Change(n, old.get(n), new.get(n)) for n in names if old.get(n) != new.get(n)]


def _metadata_text(tree: _Tree) -> str | None:
    for path, raw in tree.raw.items():
        if path.endswith(".dist-info/METADATA") or path == "PKG-INFO":
            return raw.decode("utf-8", "replace")
    return None


def _requires(tree: _Tree) -> dict[str, str]:
    """Requires-Dist by name, extras and marker (each to its full text)."""
    text = _metadata_text(tree)
    if text is None:
        return {}
    raw, _ = parse_email(text)
    found: dict[str, str] = {}
    for line in raw.get("requires_dist", []):
        try:
            req = Requirement(line)
        except InvalidRequirement:
            found[show(line, 200)] = show(line, 300)
            continue
        # One spelling for one requirement: "certifi (>=2017.4.17)" is "certifi>=2017.4.17".
        name = canonicalize_name(req.name)
        extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
        url = f" @ {req.url}" if req.url else ""
        marker = f"; {req.marker}" if req.marker else ""
        found[show(name + marker, 200)] = show(f"{name}{extras}{req.specifier}{url}{marker}", 300)
    return found


def _entry_points(tree: _Tree) -> dict[str, str]:
    """Entry points as ``group:name`` -> ``value``: a wheel's entry_points.txt, an sdist's
    pyproject.toml ``[project]`` scripts and entry points."""
    found: dict[str, str] = {}
    for path, raw in tree.raw.items():
        if path.endswith(".dist-info/entry_points.txt"):
            for group, name, value in entry_points(raw.decode("utf-8", "replace")):
                found[show(f"{group}:{name}", 200)] = show(value, 200)
    project = _pyproject(tree).get("project") if tree.side.kind == "sdist" else None
    if isinstance(project, dict):
        more = project.get("entry-points")
        tables = {
            "console_scripts": project.get("scripts"),
            "gui_scripts": project.get("gui-scripts"),
            **(more if isinstance(more, dict) else {}),
        }
        for group, table in tables.items():
            if isinstance(table, dict):
                for name, value in table.items():
                    found[show(f"{group}:{name}", 200)] = show(str(value), 200)
    return found


def _pyproject(tree: _Tree) -> dict[str, Any]:
    raw = tree.raw.get("pyproject.toml")
    if raw is None:
        return {}
    try:
        return _toml.loads(raw.decode("utf-8"), "pyproject.toml")
    except (ValueError, UnicodeDecodeError, GuardError):
        return {"build-system": {"unreadable": "pyproject.toml does not parse"}}


def _build_changes(old: _Tree, new: _Tree) -> list[Change]:
    """sdist code and settings that run when the sdist is built: setup.py, the files of
    an in-tree build backend or build hook, and pyproject.toml's [build-system]."""
    changes: list[Change] = []
    systems = [_pyproject(t).get("build-system") for t in (old, new)]
    shown = [
        json.dumps(s, sort_keys=True, default=str)[:300] if isinstance(s, dict) else None
        for s in systems
    ]
    if shown[0] != shown[1]:
        changes.append(Change("pyproject.toml [build-system]", shown[0], shown[1]))
    folders = set()
    for system in systems:
        if isinstance(system, dict) and isinstance(system.get("backend-path"), list):
            folders |= {str(p).strip("./") for p in system["backend-path"] if str(p).strip("./")}
    for path in sorted(set(old.digests) | set(new.digests)):
        base = posixpath.basename(path)
        build_code = path == "setup.py" or (
            "/" not in path and "build" in base and base.endswith(".py")
        )
        in_backend = any(path.startswith(f + "/") for f in folders)
        if not (build_code or in_backend):
            continue
        before, after = old.digests.get(path), new.digests.get(path)
        if before != after:
            changes.append(Change(path, _state(before), _state(after)))
    return changes


def _state(digest: tuple[str, int] | None) -> str | None:
    return None if digest is None else f"sha256:{digest[0][:16]}..., {digest[1]:,} bytes"


def _signals(old: _Tree, new: _Tree, summary: Summary) -> list[signals.Signal]:
    targets = [
        p for p in (*summary.files_added, *summary.files_changed) if p.lower().endswith(_SOURCE)
    ]
    if not targets:
        return []
    known: set[str] = set()
    for before in old.texts.values():
        known |= signals.hosts(before)
    found: list[signals.Signal] = []
    frozen = frozenset(known)
    for path in targets:
        text = new.texts.get(path)
        if text is not None:
            found.extend(signals.scan(path, text, old.texts.get(path), frozen))
    order = {"high": 0, "medium": 1, "low": 2}
    found.sort(key=lambda s: (order.get(s.severity, 3), s.path, s.line))
    return found


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class Wanted:
    """One side of a diff as given: a version on the index, or a local file."""

    text: str
    local: Path | None

    @classmethod
    def parse(cls, text: str) -> Wanted:
        """A path (it names an existing file, or looks like an artifact's file name) or a
        version."""
        path = Path(text)
        if text.lower().endswith(ARCHIVE_SUFFIXES) or os.sep in text or path.is_file():
            return cls(text, path)
        try:
            Version(text)
        except InvalidVersion:
            raise UsageError(f"{text!r} is neither a version nor an artifact file") from None
        return cls(text, None)


def _local_side(name: str, wanted: Wanted) -> tuple[Side, bytes]:
    assert wanted.local is not None
    filename = wanted.local.name
    try:
        if filename.endswith(".whl"):
            file_name, version, _, _ = parse_wheel_filename(filename)
            kind = "wheel"
        else:
            file_name, version = parse_sdist_filename(filename)
            kind = "sdist"
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion) as exc:
        raise UsageError(f"{wanted.text}: not a wheel or sdist file name ({exc})") from None
    if file_name != canonicalize_name(name):
        raise UsageError(f"{wanted.text} is a file of {file_name}, not of {name}")
    data = read_bytes(wanted.local, wanted.text, limit=MAX_LOCAL)
    digest = hashlib.sha256(data).hexdigest()
    return Side(str(version), filename, digest, kind, wanted.text), data


def choose(
    files: Sequence[IndexFile], other: Sequence[IndexFile], prefer: str | None = None
) -> IndexFile | None:
    """The file of a release to compare: a wheel for this platform where the other release
    has one too, else the sdist where it has one too, else the best this release has.
    ``prefer`` (``wheel`` or ``sdist``) is the kind of the other side when it is a local file."""
    rank = _tag_rank()

    def best_wheel(candidates: Sequence[IndexFile]) -> IndexFile | None:
        scored = []
        for file in candidates:
            try:
                tags = parse_wheel_filename(file.filename)[3]
            except (InvalidWheelFilename, InvalidVersion):
                continue
            score = min((rank[t] for t in tags if t in rank), default=None)
            if score is not None:
                scored.append((score, file.filename, file))
        return min(scored)[2] if scored else None

    def sdist(candidates: Sequence[IndexFile]) -> IndexFile | None:
        found = [f for f in candidates if not f.filename.endswith(".whl")]
        return min(found, key=lambda f: f.filename) if found else None

    wheel, source = best_wheel(files), sdist(files)
    if prefer == "sdist" and source is not None:
        return source
    if wheel is not None and (prefer == "wheel" or not other or best_wheel(other) is not None):
        return wheel
    if source is not None and (not other or sdist(other) is not None):
        return source
    wheels = [f for f in files if f.filename.endswith(".whl")]
    return wheel or source or (min(wheels, key=lambda f: f.filename) if wheels else None)


@cache
def _tag_rank() -> dict[Tag, int]:
    """This interpreter's wheel tags, most preferred first (computed once: every choice of
    a file asks)."""
    from packaging.tags import sys_tags

    return {tag: i for i, tag in enumerate(sys_tags())}


def _index_side(
    client: IndexClient,
    name: str,
    version: str,
    other: str | None,
    prefer: str | None,
    recorded: Collection[str],
) -> tuple[Side, bytes, list[str]]:
    """The file of one release to compare, downloaded, and notes on how it was chosen."""
    files = client.release_files(name, version)
    if not files:
        raise NoRelease(f"no release {name} {version} on {client.host}: no files to compare")
    other_files = client.release_files(name, other) if other else []
    notes: list[str] = []
    if recorded:
        held = [f for f in files if f.sha256 and f"sha256:{f.sha256}" in recorded]
        if not held:
            raise ArtifactMismatch(
                f"{name} {version}: none of the {len(files)} file(s) {client.host} lists has a "
                "sha256 the lock or the ledger records for it; the index serves other bytes "
                "than were reviewed"
            )
        first = choose(files, other_files, prefer)
        if first is not None and first not in held:
            notes.append(
                f"{first.filename} on {client.host} has a sha256 the lock or the ledger does not "
                f"record for {name} {version} (a file uploaded later, or other bytes); "
                "compared a file they do record"
            )
        files = held
    file = choose(files, other_files, prefer)
    if file is None:  # pragma: no cover - choose() returns a file whenever there is one
        raise NoRelease(f"no file of {name} {version} on {client.host} to compare")
    wheel = file.filename.endswith(".whl")
    if wheel and not parse_wheel_filename(file.filename)[3] & _tag_rank().keys():
        notes.append(f"{file.filename}: no wheel of {version} for this platform")
    data = client.download(file)
    kind = "wheel" if wheel else "sdist"
    side = Side(version, file.filename, file.sha256 or "", kind, client.host)
    return side, data, notes


def diff(
    name: str,
    old: str,
    new: str,
    *,
    client: Callable[[], IndexClient],
    recorded: Mapping[str, Collection[str]] | None = None,
    where: Mapping[str, str] | None = None,
) -> Summary:
    """Compare release ``old`` of ``name`` with ``new`` (each a version on the index or a
    local artifact file); ``client`` gives the index client, asked only when a side is a
    version.

    ``recorded`` maps a version to the hashes (``sha256:HEX``) the repository's lock files
    and ledger hold for it, ``where`` to where they come from (for messages): an artifact
    whose sha256 is not among them is refused with :class:`ArtifactMismatch`.
    """
    name = canonicalize_name(name)
    recorded = recorded or {}
    sides = [Wanted.parse(old), Wanted.parse(new)]
    loaded: dict[int, tuple[Side, bytes]] = {}
    notes: list[str] = []
    for number, wanted in enumerate(sides):  # local files first: their kind guides the choice
        if wanted.local is None:
            continue
        side, data = _local_side(name, wanted)
        held = _recorded_for(recorded, side.version)
        if held and f"sha256:{side.sha256}" not in held:
            source = (where or {}).get(side.version, "the repository")
            raise ArtifactMismatch(
                f"{wanted.text}: sha256 {side.sha256} is not one {source} records for "
                f"{name} {side.version}"
            )
        loaded[number] = (side, data)
    for number, wanted in enumerate(sides):
        if wanted.local is not None:
            continue
        other = sides[1 - number]
        prefer = loaded[1 - number][0].kind if other.local is not None else None
        side, data, chosen = _index_side(
            client(),
            name,
            wanted.text,
            other.text if other.local is None else None,
            prefer,
            _recorded_for(recorded, wanted.text),
        )
        notes += chosen
        loaded[number] = (side, data)
    trees = [_tree(*loaded[0]), _tree(*loaded[1])]
    summary = compare(trees[0], trees[1])
    summary.notes[:0] = notes
    return summary


def recorded(root: Path, policy: Policy, name: str) -> tuple[dict[str, set[str]], dict[str, str]]:
    """The hashes the repository holds for each version of ``name`` (its dependency files
    and its ledger), and where they come from."""
    from guard.engine.check import read_repository
    from guard.ledger import Ledger

    _, deps = read_repository(root, policy)
    return held(deps, Ledger(root).get(canonicalize_name(name)))


def held(
    deps: Sequence[Dependency], ledger: PackageLedger
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """The hashes ``deps`` and ``ledger`` hold for each version of the ledger's package, and
    where they come from."""
    name = ledger.name
    hashes: dict[str, set[str]] = {}
    where: dict[str, list[str]] = {}
    for dep in deps:
        if dep.name == name and dep.version is not None and dep.hashes:
            hashes.setdefault(dep.version, set()).update(h.lower() for h in dep.hashes)
            where.setdefault(dep.version, []).append(dep.file)
    for approval in ledger.approvals:
        if approval.source is None and approval.version is not None and approval.hashes:
            hashes.setdefault(approval.version, set()).update(approval.hashes)
            where.setdefault(approval.version, []).append(f"the approval by {approval.reviewer}")
    return hashes, {v: ", ".join(dict.fromkeys(w)) for v, w in where.items()}


def _recorded_for(recorded: Mapping[str, Collection[str]], version: str) -> set[str]:
    try:
        wanted = Version(version)
    except InvalidVersion:
        return set(recorded.get(version, ()))
    held: set[str] = set()
    for key, hashes in recorded.items():
        try:
            if Version(key) == wanted:
                held |= {h.lower() for h in hashes}
        except InvalidVersion:
            continue
    return held


# --------------------------------------------------------------------------- --full


def unified(summary: Summary) -> Iterator[str]:
    """A unified diff of every added, removed and changed text file (lines made safe to
    print: control and bidi characters are escaped, so a file cannot redraw the screen)."""
    all_added, all_removed = set(summary.files_added), set(summary.files_removed)
    for path, (before, after) in sorted(summary.texts.items()):
        added, removed = path in all_added, path in all_removed
        if added or removed:
            if (before if removed else after) is None:
                yield f"Binary file {path} {'removed' if removed else 'added'}\n"
                continue
        elif before is None or after is None:
            yield f"Binary files a/{path} and b/{path} differ\n"
            continue
        lines = difflib.unified_diff(
            [show(x, _NO_LIMIT) for x in (before or "").splitlines()],
            [show(x, _NO_LIMIT) for x in (after or "").splitlines()],
            f"a/{path}" if before is not None else "/dev/null",
            f"b/{path}" if after is not None else "/dev/null",
            lineterm="",
        )
        for line in lines:
            yield line + "\n"


_NO_LIMIT = 1 << 40
