"""Reader for ``Pipfile.lock`` (JSON): the ``default`` and ``develop`` sections."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.utils import InvalidName, canonicalize_name

from guard._files import load_json, read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.requirements import url_source
from guard.model import Dependency, SourceKind

_SECTIONS = ("default", "develop")
_VCS_KEYS = ("git", "hg", "svn", "bzr")
_OPENS_OBJECT = re.compile(r"\s*:\s*\{")
_COLON = re.compile(r"\s*:")


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read every package a ``Pipfile.lock`` pins, in both sections."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    try:
        data = load_json(text)
    except json.JSONDecodeError as exc:
        raise InputError(display, exc.lineno, f"invalid JSON: {exc.msg}") from None
    except ValueError as exc:
        raise InputError(display, None, f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(display, 1, "Pipfile.lock must hold a JSON object")
    finder = _LineFinder(text)
    meta_line = finder.line(finder.key("_meta", 0))
    indexes = _indexes(data.get("_meta"), display, meta_line)
    for url in dict.fromkeys(indexes.values()):
        at = text.find(json.dumps(url))
        ctx.add_index(
            display, (finder.line(at) if at >= 0 else meta_line) or 0, "Pipfile.lock source", url
        )
    deps: list[Dependency] = []
    cursor = -1
    for section in _SECTIONS:
        packages = data.get(section)
        if packages is None:
            continue
        # Sections follow one another; searching on from the previous one skips a package
        # that happens to be called "develop".
        start = finder.key(section, cursor + 1)
        if start < 0:
            start = finder.key(section, 0)
        if not isinstance(packages, dict):
            raise InputError(display, finder.line(start), f"{section!r} must be an object")
        cursor = start
        for name, entry in packages.items():
            found = finder.key(name, cursor)
            if found >= 0:
                cursor = found
            line = finder.line(found if found >= 0 else start)
            deps.append(_entry(name, entry, indexes, display, line))
    return deps


class _LineFinder:
    """Finds ``"key": {`` forward through the text, counting lines incrementally."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._offset = 0
        self._line = 1

    def key(self, name: str, start: int) -> int:
        """Offset of ``"name": {`` at or after ``start``, else of ``"name":``, or -1."""
        needle = json.dumps(name)
        for follows in (_OPENS_OBJECT, _COLON):
            found = self.text.find(needle, start)
            while found >= 0 and not follows.match(self.text, found + len(needle)):
                found = self.text.find(needle, found + 1)
            if found >= 0:
                return found
        return -1

    def line(self, offset: int) -> int | None:
        """1-based line of ``offset`` (``None`` if unknown); cheap for increasing offsets."""
        if offset < 0:
            return None
        if offset < self._offset:
            self._offset, self._line = 0, 1
        self._line += self.text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line


def _indexes(meta: Any, display: str, line: int | None) -> dict[str, str]:
    """Index name → URL from ``_meta.sources``. Entries name the index they come from, so
    a source that cannot be read is an error, not a source to ignore."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise InputError(display, line, "'_meta' must be an object")
    sources = meta.get("sources", [])
    if not isinstance(sources, list):
        raise InputError(display, line, "'_meta.sources' must be a list")
    found: dict[str, str] = {}
    for source in sources:
        name = source.get("name") if isinstance(source, dict) else None
        url = source.get("url") if isinstance(source, dict) else None
        if not isinstance(name, str) or not isinstance(url, str):
            raise InputError(
                display, line, "each '_meta.sources' entry needs a 'name' and 'url' string"
            )
        found[name] = url
    return found


def _entry(
    name: str, entry: Any, indexes: dict[str, str], display: str, line: int | None
) -> Dependency:
    if not isinstance(entry, dict):
        raise InputError(display, line, f"entry {name!r} must be an object")

    def text(key: str) -> str | None:
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(display, line, f"{key!r} of {name!r} must be a string")
        return value

    def strings(key: str) -> list[str]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InputError(display, line, f"{key!r} of {name!r} must be a list of strings")
        return value

    version: str | None = None
    specifier = ""
    pinned = text("version")
    if pinned is not None and pinned != "*":
        if pinned.startswith("==="):
            version = pinned[3:].strip()
        elif pinned.startswith("==") and "*" not in pinned:
            version = pinned[2:].strip()
        else:
            specifier = pinned
    marker: str | None = None
    markers = text("markers")
    if markers:
        try:
            marker = str(Marker(markers))
        except InvalidMarker as exc:
            reason = str(exc).splitlines()[0]
            raise InputError(display, line, f"invalid markers for {name!r}: {reason}") from None
    source: SourceKind = "index"
    location: str | None = None
    vcs = next((key for key in _VCS_KEYS if key in entry), None)
    if vcs is not None:
        url = text(vcs) or ""
        location = url if url.startswith(f"{vcs}+") else f"{vcs}+{url}"
        ref = text("ref")
        if ref:
            location += f"@{ref}"
        subdirectory = text("subdirectory")
        if subdirectory:
            location += f"#subdirectory={subdirectory}"
        source = "vcs"
    elif text("path") is not None:
        source, location = "path", text("path")
    elif text("file") is not None:
        location = text("file") or ""
        source = url_source(location)
    else:
        index = text("index")
        if index is not None:
            location = indexes.get(index, index)
    try:
        canonical = canonicalize_name(name, validate=True)
    except InvalidName:
        raise InputError(display, line, f"invalid package name {name!r}") from None
    return Dependency(
        name=canonical,
        file=display,
        line=line or 0,
        version=version,
        specifier=specifier,
        hashes=frozenset(strings("hashes")),
        source=source,
        location=location,
        locked=True,
        marker=marker,
        extras=tuple(sorted(canonicalize_name(extra) for extra in strings("extras"))),
    )
