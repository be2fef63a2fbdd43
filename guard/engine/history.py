"""What changed since a base revision, shown next to findings (never used for the verdict)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from guard import git, manifests
from guard.errors import GuardError, UsageError

if TYPE_CHECKING:
    from guard.findings import Finding
    from guard.model import Dependency

NEW = "(none)"

_ZERO = Version("0")


def annotate(
    root: Path,
    findings: Sequence[Finding],
    base: str | None,
    current: Sequence[Dependency] = (),
) -> str | None:
    """Set ``previous`` on each finding from the dependency files at ``base`` (default
    HEAD, when the repository has one). Returns the revision used, or ``None``.

    ``current`` is every dependency record read now (``Report.dependencies``): with it, a
    version that is still in a file is not mistaken for one that was replaced. Without
    it only the findings' own records count as present, and the nearest lower version
    still pairs a bump correctly."""
    if not (root / ".git").exists():
        if base:
            raise UsageError(f"--base {base}: {root} is not a git repository")
        return None
    ref = base or "HEAD"
    if not git.is_commit(root, ref):
        if base:
            raise UsageError(f"--base {base}: no such revision")
        return None  # a repository without commits yet
    wanted = {f.file for f in findings}
    # Only the files with findings are read at the base, and the requirements files read
    # now (which they may include): in a monorepo the rest of the tree is never listed.
    candidates = {
        file
        for file in wanted | {d.file for d in current}
        if not os.path.isabs(file)
        and (file in wanted or manifests.file_format(file) == "requirements")
    }
    packages: dict[str, set[str]] = {}
    for finding in findings:
        packages.setdefault(finding.file, set()).add(finding.package)
    before: dict[tuple[str, str], dict[str, bool]] = {}
    for file in sorted(wanted):
        if file.endswith("uv.lock") and not os.path.isabs(file):
            # A bumped lock is the common case: its old versions of the packages with
            # findings, read with one pattern, without parsing (or exporting) the lock.
            quick = _uv_lock_versions(git.show(root, ref, file), packages[file])
            if quick is not None:
                for name, versions in quick.items():
                    before[(file, name)] = dict.fromkeys(versions, False)
                candidates.discard(file)
                wanted = wanted - {file}
    names = sorted(git.tree_ids(root, ref, sorted(candidates)) or ()) if wanted else []
    if not names:  # nothing else to read at the base: what is not in `before` is new
        _pair(findings, before, current)
        return ref
    with tempfile.TemporaryDirectory(prefix="bumpguard-base-") as tmp:
        tmp_root = Path(tmp)
        if not git.export(root, ref, names, tmp_root):
            return None
        for file in wanted:
            path = tmp_root / file
            if not path.is_file():
                continue
            try:
                deps = manifests.read_file(path, manifests.ReadContext(tmp_root))
            except GuardError:
                continue  # the old file was broken; show no history for it
            for dep in deps:
                before.setdefault((dep.file, dep.name), {})[_shown(dep)] = dep.source != "index"
    _pair(findings, before, current)
    return ref


# A uv.lock package entry as uv writes it: name, version and a registry source first.
_UV_ENTRY = re.compile(
    r'^\[\[package\]\]\nname = "([^"\n]+)"\n(?:version = "([^"\n]+)"\n)?source = \{ (\w+) =',
    re.MULTILINE,
)


def _uv_lock_versions(text: str | None, packages: set[str]) -> dict[str, set[str]] | None:
    """The versions a base ``uv.lock`` holds of ``packages``, read with one pattern
    instead of parsing the whole lock (only to show ``old -> new``): empty when the lock
    is not at the base; ``None`` when any entry is not as uv writes it (then the lock is
    read in full)."""
    if text is None:
        return {}
    found: dict[str, set[str]] = {name: set() for name in packages}
    entries = 0
    for match in _UV_ENTRY.finditer(text):
        entries += 1
        name, version, kind = match.groups()
        if name in found:
            if version is None or kind != "registry":
                return None
            found[name].add(version)
    if entries != text.count("[[package]]"):
        return None  # an entry the pattern does not know: read the lock in full
    return {name: versions for name, versions in found.items() if versions}


def _shown(dep: Dependency) -> str:
    """How a record reads in ``old -> new``: the version, else the specifier; the URL or
    path for a source that is not the index (as :attr:`Finding.subject` shows it)."""
    shown = dep.version or dep.specifier or "*"
    if dep.source != "index":
        shown = dep.location or shown
    return shown


def _pair(
    findings: Sequence[Finding],
    before: dict[tuple[str, str], dict[str, bool]],
    current: Sequence[Dependency],
) -> None:
    """Set ``previous`` on each finding. One file may hold several versions of a package
    (a lock with resolution forks), so values are paired per (file, package): a value
    present at the base is its own previous; a changed one is paired with a value that
    disappeared since the base; with none gone, the dependency is new."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.file, finding.package), []).append(finding)
    now: dict[tuple[str, str], set[str]] = {}
    for dep in current:
        key = (dep.file, dep.name)
        if key in groups:
            now.setdefault(key, set()).add(_shown(dep))
    for key, members in groups.items():
        old = before.get(key, {})
        values = {id(f): _current(f) for f in members}
        present = now.get(key, set()) | set(values.values())
        gone = [v for v in old if v not in present]
        changed: dict[str, bool] = {}  # value -> is a source, for values not at the base
        for finding in members:
            value = values[id(finding)]
            if value in old:
                finding.previous = value
            elif not gone:
                finding.previous = NEW
            else:
                changed[value] = (
                    finding.dependency is not None and finding.dependency.source != "index"
                )
        if not changed:
            continue
        chosen = _match(changed, {v: old[v] for v in gone})
        for finding in members:
            value = values[id(finding)]
            if value in chosen:
                finding.previous = chosen[value]


def _current(finding: Finding) -> str:
    if finding.dependency is not None:
        return _shown(finding.dependency)
    return finding.version or "*"


def _match(changed: dict[str, bool], gone: dict[str, bool]) -> dict[str, str]:
    """Pair each changed value with a disappeared one: a source with a removed source, a
    version with the removed version nearest below it (else the nearest above). Highest
    versions choose first and each removed value is taken once while any is left, so two
    bumped forks keep their order."""
    out: dict[str, str] = {}
    taken: set[str] = set()

    for value in sorted(changed, key=_rank, reverse=True):
        free = {v: s for v, s in gone.items() if v not in taken} or gone
        out[value] = _nearest(value, changed[value], free)
        taken.add(out[value])
    return out


def _nearest(value: str, is_source: bool, gone: dict[str, bool]) -> str:
    same = [v for v, source in gone.items() if source == is_source] or list(gone)
    version = _version(value)
    if is_source or version is None:
        return same[0]
    versions = [(v, parsed) for v in same if (parsed := _version(v)) is not None]
    if not versions:
        return same[0]
    lower = [(parsed, v) for v, parsed in versions if parsed < version]
    if lower:
        return max(lower)[1]
    return min((parsed, v) for v, parsed in versions)[1]


def _rank(value: str) -> tuple[bool, Version]:
    version = _version(value)
    return (version is not None, version if version is not None else _ZERO)


def _version(value: str) -> Version | None:
    try:
        return Version(value)
    except InvalidVersion:
        return None
