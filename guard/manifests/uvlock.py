"""Reader for ``uv.lock``: one locked :class:`Dependency` per ``[[package]]`` entry.

This runs in a pre-commit hook on lock files with thousands of packages, so it does the
least work it can beyond ``tomllib``: one regex pass for the line numbers, no ``packaging``
objects per package, and names taken as written when uv already normalised them.
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

_HEADER, _LOOSE_HEADER = _toml.header_patterns("package")
_NORMALISED = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

_SOURCES: dict[str, SourceKind] = {
    "registry": "index",
    "git": "vcs",
    "url": "url",
    "path": "path",
    "directory": "path",
    "editable": "path",
    "virtual": "path",
}


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read every package a ``uv.lock`` pins, with its hashes and source."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    data = _toml.loads(text, display)
    version = data.get("version")
    if version != 1 or isinstance(version, bool):
        line = _toml.line_of(text, "version") or None
        raise InputError(display, line, f"unsupported uv.lock version {version!r}")
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise InputError(
            display, _toml.line_of(text, "package") or None, "'package' must be an array"
        )
    lines = _toml.table_lines(text, len(packages), _HEADER, _LOOSE_HEADER)
    deps: list[Dependency] = []
    append = deps.append
    registries: set[str] = set()
    for index, package in enumerate(packages):
        line = lines[index]
        if type(package) is not dict:
            raise InputError(display, line or None, "[[package]] must be a table")
        name = package.get("name")
        if type(name) is not str or not name:
            raise InputError(display, line or None, "[[package]] needs a 'name' string")
        if not _NORMALISED.fullmatch(name):
            try:
                name = canonicalize_name(name, validate=True)
            except InvalidName:
                raise InputError(display, line or None, f"invalid package name {name!r}") from None
        version = package.get("version")
        if version is not None and type(version) is not str:
            raise InputError(display, line or None, f"'version' of {name!r} must be a string")
        source, location = _source(package.get("source"), name, display, line)
        if source == "index" and location is not None and location not in registries:
            # Each index once, at the first package from it (the policy decides).
            registries.add(location)
            ctx.add_index(display, line, "uv.lock registry", location)
        append(
            Dependency(
                name=name,
                file=display,
                line=line,
                version=version,
                hashes=_hashes(package, name, display, line),
                uploaded=_uploaded(package),
                source=source,
                location=location,
                locked=True,
            )
        )
    return deps


def _source(source: Any, name: str, display: str, line: int) -> tuple[SourceKind, str | None]:
    if type(source) is dict and len(source) >= 1:
        for key, value in source.items():
            kind = _SOURCES.get(key)
            if kind is not None and type(value) is str:
                if kind == "vcs" and not value.startswith("git+"):
                    value = f"git+{value}"
                return kind, value
    raise InputError(display, line or None, f"unknown or missing 'source' for {name!r}")


def _uploaded(package: dict[str, Any]) -> str | None:
    """The latest ``upload-time`` of the package's sdist and wheels (uv writes ISO 8601 UTC
    strings of one format, so the latest is the greatest string)."""
    times: list[str] = []
    sdist = package.get("sdist")
    if type(sdist) is dict and type(sdist.get("upload-time")) is str:
        times.append(sdist["upload-time"])
    wheels = package.get("wheels")
    if type(wheels) is list:
        times.extend(
            w["upload-time"]
            for w in wheels
            if type(w) is dict and type(w.get("upload-time")) is str
        )
    return max(times) if times else None


def _hashes(package: dict[str, Any], name: str, display: str, line: int) -> frozenset[str]:
    found: list[str] = []
    sdist = package.get("sdist")
    if sdist is not None:
        if type(sdist) is not dict:
            raise InputError(display, line or None, f"'sdist' of {name!r} must be a table")
        digest = sdist.get("hash")
        if digest is not None:
            if type(digest) is not str:
                raise InputError(
                    display, line or None, f"sdist 'hash' of {name!r} must be a string"
                )
            found.append(digest)
    wheels = package.get("wheels")
    if wheels is not None:
        if type(wheels) is not list:
            raise InputError(display, line or None, f"'wheels' of {name!r} must be an array")
        for wheel in wheels:
            if type(wheel) is not dict:
                raise InputError(display, line or None, f"a wheel of {name!r} must be a table")
            digest = wheel.get("hash")
            if digest is not None:
                if type(digest) is not str:
                    raise InputError(
                        display, line or None, f"wheel 'hash' of {name!r} must be a string"
                    )
                found.append(digest)
    return frozenset(found)
