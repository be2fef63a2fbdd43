"""Reader for PEP 751 lock files (``pylock.toml``, ``pylock.<name>.toml``).

``packaging.pylock`` validates the file; a validation error is reported at the line of the
offending key when it can be found. ``attestation-identities`` are kept on the record as the
identities the lock expects the package's publisher to have.
"""

from __future__ import annotations

import re
from datetime import timezone
from pathlib import Path, PurePosixPath

from packaging.pylock import (
    Package,
    Pylock,
    PylockUnsupportedVersionError,
    PylockValidationError,
)
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from guard import _toml
from guard._files import read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.model import MAX_NAME, MAX_VERSION, Dependency, SourceKind

_HEADER, _LOOSE_HEADER = _toml.header_patterns("packages")
_CONTEXT = re.compile(r"^packages\[(\d+)\](?:\.(.*))?$")


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read every package a PEP 751 lock file lists, with its hashes and source."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    data = _toml.loads(text, display)
    raw_packages = data.get("packages")
    count = len(raw_packages) if isinstance(raw_packages, list) else 0
    lines = _toml.table_lines(text, count, _HEADER, _LOOSE_HEADER)
    for index, package in enumerate(raw_packages if isinstance(raw_packages, list) else ()):
        # Before packaging parses them: its version parser turns digits into ints.
        for key, cap in (("name", MAX_NAME), ("version", MAX_VERSION)):
            value = package.get(key) if isinstance(package, dict) else None
            if isinstance(value, str) and len(value) > cap:
                line = lines[index] if index < len(lines) else None
                raise InputError(
                    display, line or None, f"a package {key} longer than {cap} characters"
                )
    try:
        lock = Pylock.from_dict(data)
    except PylockValidationError as exc:
        line = _error_line(exc, text, lines)
        raise InputError(display, line, f"invalid pylock: {exc}") from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # defensive
        raise InputError(display, None, f"invalid pylock: {exc}") from None
    deps: list[Dependency] = []
    indexes: set[str] = set()
    for index, package in enumerate(lock.packages):
        line = lines[index] if index < len(lines) else 0
        source, location, hashes = _source(package)
        if source == "index" and location is not None and location not in indexes:
            indexes.add(location)
            ctx.add_index(display, line, "pylock index", location)
        if package.version is not None:
            versions: list[str | None] = [str(package.version)]
        else:
            # `version` is optional in PEP 751; the files' names still say what installs.
            versions = [*_file_versions(package, display, line)] or [None]
        for version in versions:
            deps.append(
                Dependency(
                    name=package.name,
                    file=display,
                    line=line,
                    version=version,
                    hashes=hashes,
                    source=source,
                    location=location,
                    locked=True,
                    marker=str(package.marker) if package.marker is not None else None,
                    attestation_identities=_identities(package),
                    uploaded=_uploaded(package),
                )
            )
    return deps


def _file_versions(package: Package, display: str, line: int) -> list[str]:
    """The distinct versions the names of a package's wheels, sdist or archive carry."""
    names = [wheel.filename for wheel in package.wheels or ()]
    if package.sdist is not None:
        names.append(package.sdist.filename)
    if package.archive is not None:
        names.append(PurePosixPath(package.archive.url or package.archive.path or "").name)
    found: dict[str, None] = {}
    for filename in names:
        try:
            # packaging.pylock has checked that each name is the package's.
            if filename.endswith(".whl"):
                _name, version, _build, _tags = parse_wheel_filename(filename)
            elif filename.endswith((".tar.gz", ".zip")):
                _name, version = parse_sdist_filename(filename)
            else:
                continue
        except (InvalidWheelFilename, InvalidSdistFilename) as exc:
            raise InputError(display, line or None, f"invalid file name: {exc}") from None
        found[str(version)] = None
    return list(found)


def _uploaded(package: Package) -> str | None:
    """The latest ``upload-time`` of the package's sdist and wheels, as ISO 8601 UTC."""
    times = [package.sdist.upload_time] if package.sdist is not None else []
    times.extend(wheel.upload_time for wheel in package.wheels or ())
    known = [
        (t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        for t in times
        if t is not None
    ]
    return max(known).isoformat().replace("+00:00", "Z") if known else None


def _identities(package: Package) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The package's ``attestation-identities``, each as sorted (key, value) pairs."""
    return tuple(
        tuple(sorted((str(k), str(v)) for k, v in identity.items()))
        for identity in package.attestation_identities or ()
    )


def _source(package: Package) -> tuple[SourceKind, str | None, frozenset[str]]:
    """Source kind, location and ``algo:hex`` hashes of one validated package."""
    if package.vcs is not None:
        vcs = package.vcs
        if vcs.url is None:
            return "vcs", vcs.path, frozenset()
        location = vcs.url
        if not location.startswith(f"{vcs.type}+"):
            location = f"{vcs.type}+{location}"
        location += f"@{vcs.commit_id}"
        if vcs.subdirectory:
            location += f"#subdirectory={vcs.subdirectory}"
        return "vcs", location, frozenset()
    if package.directory is not None:
        return "path", package.directory.path, frozenset()
    if package.archive is not None:
        archive = package.archive
        hashes = frozenset(f"{algo}:{digest}" for algo, digest in archive.hashes.items())
        if archive.url is not None:
            return "url", archive.url, hashes
        return "path", archive.path, hashes
    found: set[str] = set()
    if package.sdist is not None:
        found.update(f"{algo}:{digest}" for algo, digest in package.sdist.hashes.items())
    for wheel in package.wheels or ():
        found.update(f"{algo}:{digest}" for algo, digest in wheel.hashes.items())
    return "index", package.index, frozenset(found)


def _error_line(exc: PylockValidationError, text: str, lines: list[int]) -> int:
    """The line of the key a validation error names (``packages[2].sdist.hashes``).

    A missing key is reported at its parent; failing that, at the ``[[packages]]`` header
    of the entry, or at line 1.
    """
    context = exc.context or ""
    if isinstance(exc, PylockUnsupportedVersionError):
        context = "lock-version"
    keys = [key for key in re.sub(r"\[\d+\]", "", context).split(".") if key]
    if exc.message == "Missing required value" and keys:
        keys.pop()
    start, end, line = 0, len(text), 1
    match = _CONTEXT.match(context)
    if match is not None:
        index = int(match.group(1))
        header = lines[index] if index < len(lines) else 0
        if not header:
            return 1
        start, line = _offset_of_line(text, header), header
        following = [number for number in lines if number > header]
        end = _offset_of_line(text, following[0]) if following else len(text)
        keys = keys[1:]  # "packages"
    for key in keys:
        found = _key_offset(text, key, start, end)
        if found < 0:
            break
        start, line = found, text.count("\n", 0, found) + 1
    return line


def _key_offset(text: str, key: str, start: int, end: int) -> int:
    """Offset of ``key =`` or ``[...key]`` between two offsets, or -1."""
    escaped = re.escape(key)
    pattern = re.compile(
        rf"(?:^[ \t]*|[{{,][ \t]*){escaped}[ \t]*=|^[ \t]*\[\[?[^\]\n]*\b{escaped}\]", re.M
    )
    match = pattern.search(text, start, end)
    return match.start() if match else -1


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset
