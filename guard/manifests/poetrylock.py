"""Reader for ``poetry.lock``: one locked :class:`Dependency` per ``[[package]]`` entry.

Hashes come from each package's ``files`` (lock format 2) or, in older locks, from
``[metadata.files]`` keyed by package name. ``[package.source]`` of type ``legacy`` is
another package index; ``git``, ``url``, ``file`` and ``directory`` are direct sources.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.utils import InvalidName, canonicalize_name

from guard import _toml
from guard._files import read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.model import Dependency, SourceKind

_HEADERS = _toml.header_patterns("package")

_SOURCES: dict[str, SourceKind] = {
    "legacy": "index",
    "git": "vcs",
    "url": "url",
    "file": "path",
    "directory": "path",
}


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read every package a ``poetry.lock`` pins, with its hashes and source."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    data, packages, lines = _toml.package_tables(text, display, _HEADERS)
    legacy_files = _metadata_files(data, text, display)
    deps: list[Dependency] = []
    indexes: set[str] = set()
    for index, package in enumerate(packages):
        line = lines[index]
        where = line or None
        if not isinstance(package, dict):
            raise InputError(display, where, "[[package]] must be a table")
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not name:
            raise InputError(display, where, "[[package]] needs a 'name' string")
        if not isinstance(version, str):
            raise InputError(display, where, f"[[package]] {name!r} needs a 'version' string")
        try:
            canonical = canonicalize_name(name, validate=True)
        except InvalidName:
            raise InputError(display, where, f"invalid package name {name!r}") from None
        files = package.get("files")
        if files is None:
            files = legacy_files.get(canonical, [])
        source, location = _source(package.get("source"), canonical, display, where)
        if source == "index" and location is not None and location not in indexes:
            indexes.add(location)  # a "legacy" source: another package index
            ctx.add_index(display, line, "poetry.lock source", location)
        deps.append(
            Dependency(
                name=canonical,
                file=display,
                line=line,
                version=version,
                hashes=_hashes(files, canonical, display, where),
                source=source,
                location=location,
                locked=True,
            )
        )
    return deps


def _metadata_files(data: dict[str, Any], text: str, display: str) -> dict[str, list[Any]]:
    """``[metadata.files]`` of lock format 1.x, keyed by canonical package name."""
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise InputError(display, _toml.line_of(text, "[metadata]") or None, "bad [metadata]")
    files = metadata.get("files", {})
    if not isinstance(files, dict):
        header = text.find("[metadata]")
        where = _toml.line_of(text, "[metadata.files]") or (
            _toml.line_of(text, "files", header) if header >= 0 else 0
        )
        raise InputError(display, where or None, "[metadata.files] must be a table")
    found: dict[str, list[Any]] = {}
    for name, entries in files.items():
        if not isinstance(entries, list):
            line = _toml.line_of(text, f"{name} =") or None
            raise InputError(display, line, f"[metadata.files] {name!r} must be an array")
        found.setdefault(canonicalize_name(name), []).extend(entries)
    return found


def _source(
    source: Any, name: str, display: str, where: int | None
) -> tuple[SourceKind, str | None]:
    if source is None:
        return "index", None
    if not isinstance(source, dict):
        raise InputError(display, where, f"[package.source] of {name!r} must be a table")
    kind, url = source.get("type"), source.get("url")
    if not isinstance(kind, str) or kind not in _SOURCES:
        raise InputError(display, where, f"unknown [package.source] type {kind!r} for {name!r}")
    if not isinstance(url, str):
        raise InputError(display, where, f"[package.source] of {name!r} needs a 'url' string")
    if kind == "git":
        resolved = source.get("resolved_reference") or source.get("reference")
        location = url if url.startswith("git+") else f"git+{url}"
        if isinstance(resolved, str) and resolved:
            location += f"@{resolved}"
        subdirectory = source.get("subdirectory")
        if isinstance(subdirectory, str) and subdirectory:
            location += f"#subdirectory={subdirectory}"
        return "vcs", location
    if kind == "url" and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
        return "path", url
    return _SOURCES[kind], url


def _hashes(files: Any, name: str, display: str, where: int | None) -> frozenset[str]:
    if not isinstance(files, list):
        raise InputError(display, where, f"'files' of {name!r} must be an array")
    found: set[str] = set()
    for entry in files:
        if not isinstance(entry, dict):
            raise InputError(display, where, f"a file of {name!r} must be a table")
        digest = entry.get("hash")
        if digest is not None:
            if not isinstance(digest, str):
                raise InputError(display, where, f"a file hash of {name!r} must be a string")
            found.add(digest)
    return frozenset(found)
