"""Lock files read once: the records of a lock file, remembered under bumpguard's cache.

A hook reads the same multi-megabyte ``uv.lock`` at every commit, and parsing it is most of
what a check costs in a large project. The records a lock reader returns (and the indexes
and notes it recorded) are kept as JSON under ``$BUMPGUARD_CACHE_DIR/locks/``, named by the
sha256 of the format, the repository, the path and the file's exact bytes: any change to
the file is a different entry, so an entry can only ever stand for the bytes it was made
from. Lock readers read nothing but the lock itself, which is what makes this sound. Like the
other caches (:mod:`guard._cache`), it is off under CI unless asked for; a damaged or
unreadable entry is ignored, and a cache that cannot be written only costs speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guard import _cache
from guard._files import read_bytes, write_atomic
from guard.errors import InputError, WriteError
from guard.manifests.base import IndexSource, ReadContext
from guard.model import Dependency

# Bump when the stored form changes: old entries are then never read.
_FORMAT = "1"
#: Entries kept (the newest); a project's lock changes with each bump.
KEEP = 32


def read(
    path: Path,
    ctx: ReadContext,
    fmt: str,
    reader: Callable[[Path, ReadContext], list[Dependency]],
) -> list[Dependency]:
    """``reader(path, ctx)``, or what it returned for these exact bytes before."""
    if not _cache.enabled():
        return reader(path, ctx)
    display = ctx.display(path)
    try:
        data = read_bytes(path, display, root=ctx.root)
    except InputError:
        return reader(path, ctx)  # the reader reports it
    key = f"{_FORMAT}\0{fmt}\0{ctx.root}\0{display}\0"
    digest = hashlib.sha256(key.encode(errors="surrogateescape"))
    digest.update(data)
    entry = _cache.directory("locks") / f"{digest.hexdigest()}.json"
    remembered = _load(entry)
    if remembered is not None:
        deps, indexes, notes = remembered
        ctx.indexes.extend(indexes)
        ctx.notes.extend(notes)
        return deps
    marks = (len(ctx.indexes), len(ctx.notes), len(ctx.includes), len(ctx.sources))
    deps = reader(path, ctx)
    if (len(ctx.includes), len(ctx.sources)) == marks[2:]:  # nothing it cannot replay
        _store(entry, deps, ctx.indexes[marks[0] :], ctx.notes[marks[1] :])
    return deps


def _load(entry: Path) -> tuple[list[Dependency], list[IndexSource], list[str]] | None:
    try:
        stored = json.loads(entry.read_bytes())
        deps = [_dependency(item) for item in stored["deps"]]
        indexes = [IndexSource(str(f), int(n), str(o), str(u)) for f, n, o, u in stored["indexes"]]
        notes = [str(note) for note in stored["notes"]]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None  # no entry, or one that does not read: read the file again
    return deps, indexes, notes


def _store(
    entry: Path, deps: list[Dependency], indexes: list[IndexSource], notes: list[str]
) -> None:
    document = {
        "deps": [_data(dep) for dep in deps],
        "indexes": [list(index) for index in indexes],
        "notes": notes,
    }
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(entry, json.dumps(document, separators=(",", ":")))
        _prune(entry.parent)
    except (OSError, WriteError, ValueError):
        pass  # a read-only cache only costs speed


def _prune(folder: Path) -> None:
    """Keep the :data:`KEEP` newest entries."""
    entries = [p for p in folder.iterdir() if p.suffix == ".json"]
    if len(entries) <= KEEP:
        return
    try:
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return  # another run removed one meanwhile: prune next time
    for stale in entries[KEEP:]:
        with contextlib.suppress(OSError):
            os.unlink(stale)


def _data(dep: Dependency) -> dict[str, Any]:
    return {
        "name": dep.name,
        "file": dep.file,
        "line": dep.line,
        "version": dep.version,
        "specifier": dep.specifier,
        "hashes": sorted(dep.hashes),
        "source": dep.source,
        "location": dep.location,
        "locked": dep.locked,
        "marker": dep.marker,
        "extras": list(dep.extras),
        "identities": [
            [list(pair) for pair in identity] for identity in dep.attestation_identities
        ],
        "uploaded": dep.uploaded,
        "installed_by": dep.installed_by,
    }


def _dependency(item: dict[str, Any]) -> Dependency:
    source = item["source"]
    if source not in ("index", "url", "vcs", "path"):
        raise ValueError(source)
    return Dependency(
        name=str(item["name"]),
        file=str(item["file"]),
        line=int(item["line"]),
        version=_text(item["version"]),
        specifier=str(item["specifier"]),
        hashes=frozenset(str(h) for h in item["hashes"]),
        source=source,
        location=_text(item["location"]),
        locked=bool(item["locked"]),
        marker=_text(item["marker"]),
        extras=tuple(str(e) for e in item["extras"]),
        attestation_identities=tuple(
            tuple((str(k), str(v)) for k, v in identity) for identity in item["identities"]
        ),
        uploaded=_text(item["uploaded"]),
        installed_by=_text(item["installed_by"]),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
