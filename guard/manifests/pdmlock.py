"""Reader for ``pdm.lock``: one locked :class:`Dependency` per ``[[package]]`` entry.

Hashes come from each package's ``files`` (lock format 4.1 and later, ``{file|url, hash}``)
or, in older locks, from ``[metadata.files]`` keyed by ``"<name> <version>"``. A package
with ``git``/``hg``/``svn``/``bzr`` comes from that repository (at ``revision``, else
``ref``); one with ``path`` or ``url`` from there.

A pdm.lock names no package index: PDM takes its sources from ``pyproject.toml`` (read by
that reader) at install time, and ``[metadata] lock_inputs`` keeps only fingerprints of
their URLs. The ``url`` of each file under the ``static_urls`` strategy is where that one
artifact comes from, pinned by its hash, not an index: it is not recorded as one.

A file whose name states another project or version than its entry (``litellm-1.82.8``
under ``version = "1.82.6"``) is what an installer that downloads it gets: it is read as
a record of its own, so that deny rules and reviews apply to what the file is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.utils import (
    InvalidName,
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from guard import _toml
from guard._files import read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.requirements import url_source
from guard.model import Dependency, SourceKind

_HEADERS = _toml.header_patterns("package")
_VCS_KEYS = ("git", "hg", "svn", "bzr")


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read every package a ``pdm.lock`` pins, with its hashes and source."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    data, packages, lines = _toml.package_tables(text, display, _HEADERS)
    legacy_files = _metadata_files(data, text, display)
    deps: list[Dependency] = []
    for index, package in enumerate(packages):
        line = lines[index]
        where = line or None
        if not isinstance(package, dict):
            raise InputError(display, where, "[[package]] must be a table")
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not name:
            raise InputError(display, where, "[[package]] needs a 'name' string")
        if not isinstance(version, str) or not version:
            raise InputError(display, where, f"[[package]] {name!r} needs a 'version' string")
        try:
            canonical = canonicalize_name(name, validate=True)
        except InvalidName:
            raise InputError(display, where, f"invalid package name {name!r}") from None
        files = package.get("files")
        if files is None:
            files = legacy_files.get(f"{name} {version}")
            if files is None:
                files = legacy_files.get(f"{canonical} {version}", [])
        source, location = _source(package, canonical, display, where)
        hashes = _hashes(files, canonical, display, where)
        named = [entry.get("url") or entry.get("file") for entry in files]
        if location is not None:
            named.append(location)
        identities = [(canonical, version), *sorted(_others(named, canonical, version))]
        for file_name, file_version in identities:
            deps.append(
                Dependency(
                    name=file_name,
                    file=display,
                    line=line,
                    version=file_version,
                    hashes=hashes,
                    source=source,
                    location=location,
                    locked=True,
                )
            )
    return deps


def file_identity(location: str) -> tuple[str, str] | None:
    """The project and version a wheel or sdist file name (or URL, or path) states, or
    ``None`` when it names no distribution file it can read."""
    try:
        path = urlsplit(location).path if "://" in location else location
    except ValueError:
        return None
    basename = unquote(path).replace("\\", "/").rsplit("/", 1)[-1]
    try:
        if basename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(basename)
        elif basename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(basename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return str(name), str(version)


def same_version(one: str, other: str) -> bool:
    """Whether two version strings are the same version (as PEP 440 compares them)."""
    try:
        return Version(one) == Version(other)
    except InvalidVersion:
        return one == other


def _others(named: list[Any], name: str, version: str) -> set[tuple[str, str]]:
    """The (project, version) pairs of the named files that are not the entry's own."""
    found: set[tuple[str, str]] = set()
    for location in named:
        identity = file_identity(location) if isinstance(location, str) else None
        if identity is not None and (identity[0] != name or not same_version(identity[1], version)):
            found.add(identity)
    return found


def _metadata_files(data: dict[str, Any], text: str, display: str) -> dict[str, Any]:
    """``[metadata.files]`` of lock formats before 4.1: ``"name version" = [...]`` (the
    first PDM releases kept those keys in ``[metadata]`` itself)."""
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        raise InputError(display, _toml.line_of(text, "metadata") or None, "bad [metadata]")
    files = metadata.get("files", {})
    if "files" not in metadata and "root" in data:
        files = {key: value for key, value in metadata.items() if " " in key}
    if not isinstance(files, dict):
        line = _toml.line_of(text, "[metadata.files]") or _toml.line_of(text, "metadata")
        raise InputError(display, line or None, "[metadata.files] must be a table")
    return files


def _source(
    package: dict[str, Any], name: str, display: str, where: int | None
) -> tuple[SourceKind, str | None]:
    def text(key: str) -> str | None:
        value = package.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(display, where, f"{key!r} of {name!r} must be a string")
        return value or None

    vcs = next((key for key in _VCS_KEYS if key in package), None)
    if vcs is not None:
        repo = text(vcs)
        if repo is None:
            raise InputError(display, where, f"{vcs!r} of {name!r} must be a URL")
        location = repo if repo.startswith(f"{vcs}+") else f"{vcs}+{repo}"
        ref = text("revision") or text("ref")
        if ref:
            location += f"@{ref}"
        subdirectory = text("subdirectory")
        if subdirectory:
            location += f"#subdirectory={subdirectory}"
        return "vcs", location
    path = text("path")
    if path is not None:
        return "path", path
    url = text("url")
    if url is not None:
        return url_source(url), url
    if package.get("editable") is True:
        raise InputError(display, where, f"editable {name!r} names no 'path', 'url' or VCS")
    return "index", None


def _hashes(files: Any, name: str, display: str, where: int | None) -> frozenset[str]:
    if not isinstance(files, list):
        raise InputError(display, where, f"'files' of {name!r} must be an array")
    found: set[str] = set()
    for entry in files:
        if not isinstance(entry, dict):
            raise InputError(display, where, f"a file of {name!r} must be a table")
        digest = entry.get("hash")
        if digest is not None:
            if not isinstance(digest, str) or ":" not in digest:
                raise InputError(
                    display, where, f"a file hash of {name!r} must be an 'algorithm:hex' string"
                )
            found.add(digest)
    return frozenset(found)
