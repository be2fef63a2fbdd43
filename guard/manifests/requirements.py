"""Reader for pip requirements and constraints files (``requirements*.txt``, ``*.in``).

Follows ``-r``/``-c`` includes relative to the including file, joins ``\\`` continuations,
drops comments and global options, and keeps ``--hash`` values. Nothing is built or run:
the name of a local directory comes from its static ``pyproject.toml``/``setup.cfg``
metadata when present, otherwise from the directory's name.

The helpers :func:`parse_requirement`, :func:`from_requirement`, :func:`exact_version` and
:func:`url_source` are shared with the ``pyproject.toml`` reader.
"""

from __future__ import annotations

import configparser
import contextvars
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from guard import _toml
from guard._files import read_text
from guard.errors import InputError
from guard.manifests import ReadContext, read_file
from guard.model import ARCHIVE_SUFFIXES, Dependency, SourceKind

# The files being read right now, outermost first: an include of one of them is a cycle.
_INCLUDE_STACK: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "bumpguard_requirements_include_stack", default=()
)

_COMMENT = re.compile(r"(^|\s+)#.*$")
_VCS = re.compile(r"^(?:git|hg|svn|bzr)\+", re.IGNORECASE)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NAMED_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@")
_EXTRAS = re.compile(r"^(.+?)(\[[^\[\]]*\])$")
_HASH = re.compile(r"^([A-Za-z0-9_-]+):([0-9A-Fa-f]+)$")
_HASH_ALGORITHMS = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})

_INCLUDE_OPTIONS = frozenset({"-r", "--requirement", "-c", "--constraint"})
_EDITABLE_OPTIONS = frozenset({"-e", "--editable"})
_SHORT_WITH_VALUE = frozenset({"-r", "-c", "-e"})


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read one requirements file and, through ``read_file``, every file it includes."""
    display = ctx.display(path)
    text = read_text(path, display)
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise InputError(display, line, "contains a NUL character")
    token = _INCLUDE_STACK.set((*_INCLUDE_STACK.get(), path.resolve()))
    try:
        return _parse(text, path, display, ctx)
    finally:
        _INCLUDE_STACK.reset(token)


# ---------------------------------------------------------------------------------------
# Shared helpers (also used by the pyproject reader)


def parse_requirement(text: str, file: str, line: int) -> Requirement:
    """Parse a PEP 508 string; a syntax error becomes ``InputError(file, line, ...)``."""
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise InputError(file, line, f"invalid requirement: {text!r}: {reason}") from None


def exact_version(specifier: SpecifierSet) -> str | None:
    """The version a specifier set pins exactly (``==X`` without ``*``, or ``===X``)."""
    specs = list(specifier)
    if len(specs) != 1:
        return None
    spec = specs[0]
    if spec.operator == "===" or (spec.operator == "==" and "*" not in spec.version):
        return spec.version
    return None


def archive_version(location: str) -> str | None:
    """The version a wheel or sdist file name in a URL or path states, if it is one.

    A direct reference to ``litellm-1.82.8-py3-none-any.whl`` is litellm 1.82.8, whatever
    the requirement says, so deny rules and reviews apply to it.
    """
    try:
        raw = urlsplit(location).path if _URL.match(location) else location
    except ValueError:
        return None
    basename = unquote(raw.split("#", 1)[0]).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    try:
        if basename.lower().endswith(".whl"):
            return str(parse_wheel_filename(basename)[1])
        if _is_archive(basename):
            return str(parse_sdist_filename(basename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def url_source(url: str) -> SourceKind:
    """The source kind of a direct reference: VCS, archive URL or local path."""
    if _VCS.match(url):
        return "vcs"
    lowered = url.lower()
    if lowered.startswith("file:"):
        path = re.split(r"[?#]", url[len("file:") :], maxsplit=1)[0]
        return "url" if _is_archive(path) else "path"
    if _URL.match(url):
        return "url"
    return "path"


def from_requirement(
    req: Requirement,
    file: str,
    line: int,
    hashes: frozenset[str] = frozenset(),
    *,
    locked: bool = False,
) -> Dependency:
    """Turn a parsed PEP 508 requirement into a :class:`Dependency`."""
    version = exact_version(req.specifier)
    source: SourceKind = "index"
    location: str | None = None
    if req.url:
        source = url_source(req.url)
        location = req.url
        if source != "vcs":
            version = version or archive_version(req.url)
    return Dependency(
        name=canonicalize_name(req.name),
        file=file,
        line=line,
        version=version,
        specifier="" if version is not None else str(req.specifier),
        hashes=hashes,
        source=source,
        location=location,
        locked=locked,
        marker=str(req.marker) if req.marker is not None else None,
        extras=tuple(sorted(canonicalize_name(extra) for extra in req.extras)),
    )


# ---------------------------------------------------------------------------------------
# Lines


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield ``(first line number, joined line)`` the way pip joins continuations."""
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw[:-1] if raw.endswith("\r") else raw
        is_comment = _COMMENT.match(line) is not None
        if not line.endswith("\\") or is_comment:
            if pending:
                pending.append(" " + line if is_comment else line)
                yield start, "".join(pending)
                pending = []
            else:
                yield number, line
        else:
            if not pending:
                start = number
            pending.append(line[:-1])
    if pending:
        yield start, "".join(pending)


def _split_args_options(line: str) -> tuple[str, str]:
    """Split ``req --hash=...`` into the requirement and its options, as pip does."""
    tokens = re.split(r"[ \t]+", line)
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:index]), " ".join(tokens[index:])
    return line, ""


def _tokens(text: str, file: str, line: int) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise InputError(file, line, f"cannot split options: {exc}") from None


def _option(tokens: list[str], file: str, line: int) -> tuple[str, str | None]:
    """The option name and value of an option line (``-rFILE``, ``--opt=V``, ``-e V``)."""
    first = tokens[0]
    if first.startswith("--"):
        name, eq, value = first.partition("=")
        if eq:
            return name, value
        if name in _INCLUDE_OPTIONS or name in _EDITABLE_OPTIONS:
            if len(tokens) < 2:
                raise InputError(file, line, f"option {name} needs a value")
            return name, tokens[1]
        return name, None
    name = first[:2]
    if name in _SHORT_WITH_VALUE:
        if len(first) > 2:
            return name, first[2:]
        if len(tokens) < 2:
            raise InputError(file, line, f"option {name} needs a value")
        return name, tokens[1]
    return name, None


def _hashes(options: str, file: str, line: int) -> frozenset[str]:
    found: set[str] = set()
    tokens = _tokens(options, file, line)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        value: str | None = None
        if token.startswith("--hash="):
            value = token[len("--hash=") :]
        elif token == "--hash":
            if index + 1 >= len(tokens):
                raise InputError(file, line, "option --hash needs a value")
            index += 1
            value = tokens[index]
        index += 1
        if value is None:
            continue
        match = _HASH.match(value)
        if match is None or match.group(1).lower() not in _HASH_ALGORITHMS:
            raise InputError(file, line, f"invalid --hash value {value!r}")
        found.add(f"{match.group(1).lower()}:{match.group(2).lower()}")
    return frozenset(found)


# ---------------------------------------------------------------------------------------
# The file


def _parse(text: str, path: Path, display: str, ctx: ReadContext) -> list[Dependency]:
    deps: list[Dependency] = []
    for number, joined in _logical_lines(text):
        line = _COMMENT.sub("", joined).strip()
        if not line:
            continue
        if line.startswith("-"):
            tokens = _tokens(line, display, number)
            name, value = _option(tokens, display, number)
            if name in _INCLUDE_OPTIONS and value is not None:
                deps.extend(_include(value, path, display, number, ctx))
            elif name in _EDITABLE_OPTIONS and value is not None:
                deps.append(_line_dependency(value, frozenset(), path, display, number, ctx))
            continue
        requirement, options = _split_args_options(line)
        hashes = _hashes(options, display, number) if options else frozenset()
        deps.append(_line_dependency(requirement, hashes, path, display, number, ctx))
    return deps


def _include(value: str, path: Path, display: str, line: int, ctx: ReadContext) -> list[Dependency]:
    if _URL.match(value):
        raise InputError(display, line, f"cannot follow a remote include: {value}")
    target = path.parent / value
    try:
        inside = ctx.inside(target)
        resolved = target.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, impossible names
        raise InputError(display, line, f"cannot resolve include {value!r}: {exc}") from None
    if not inside:
        raise InputError(display, line, f"include {value!r} points outside the repository")
    stack = _INCLUDE_STACK.get()
    if resolved in stack:
        cycle = (*stack[stack.index(resolved) :], resolved)
        chain = " -> ".join(ctx.display(item) for item in cycle)
        raise InputError(display, line, f"include cycle: {chain}")
    if not _probe(target.is_file):
        raise InputError(display, line, f"included file not found: {value}")
    ctx.includes.setdefault(display, set()).add(ctx.display(target))
    return read_file(target, ctx, "requirements")


def _line_dependency(
    spec: str,
    hashes: frozenset[str],
    path: Path,
    display: str,
    line: int,
    ctx: ReadContext,
) -> Dependency:
    """One requirement: PEP 508, a bare URL or VCS URL, or a local path."""
    spec = spec.strip()
    if _NAMED_URL.match(spec):
        req = parse_requirement(spec, display, line)
        return from_requirement(req, display, line, hashes)
    is_url = bool(_VCS.match(spec) or _URL.match(spec) or spec.lower().startswith("file:"))
    if not is_url and not _looks_like_path(spec):
        req = parse_requirement(spec, display, line)
        return from_requirement(req, display, line, hashes)
    # A bare URL or path, pip's "legacy" forms: markers after "; " (URLs) or ";" (paths).
    sep = "; " if is_url else ";"
    marker: str | None = None
    if sep in spec:
        spec, marker_text = (part.strip() for part in spec.split(sep, 1))
        try:
            marker = str(Marker(marker_text))
        except InvalidMarker as exc:
            reason = str(exc).splitlines()[0]
            raise InputError(display, line, f"invalid marker {marker_text!r}: {reason}") from None
    extras: tuple[str, ...] = ()
    if not is_url:
        match = _EXTRAS.match(spec)
        if match:
            spec = match.group(1)
            extras = _parse_extras(match.group(2))
    if is_url:
        name, source, fragment_hashes, egg_extras = _url_name(spec, display, line, path, ctx)
        hashes = hashes | fragment_hashes
        extras = extras or egg_extras
    else:
        name, source = _path_name(spec, display, line, path, ctx), "path"
    return Dependency(
        name=name,
        file=display,
        line=line,
        version=archive_version(spec) if source != "vcs" else None,
        hashes=hashes,
        source=source,
        location=spec,
        marker=marker,
        extras=extras,
    )


def _parse_extras(text: str) -> tuple[str, ...]:
    names = (part.strip() for part in text.strip("[]").split(","))
    return tuple(sorted(canonicalize_name(name) for name in names if name))


def _looks_like_path(spec: str) -> bool:
    head = spec.split(";", 1)[0].strip()
    return head.startswith((".", "/", "~")) or "/" in head or "\\" in head or _is_archive(head)


def _is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _url_name(
    url: str, display: str, line: int, path: Path, ctx: ReadContext
) -> tuple[str, SourceKind, frozenset[str], tuple[str, ...]]:
    """Name, source kind, fragment hashes and egg extras of a bare (VCS) URL."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InputError(display, line, f"invalid URL {url!r}: {exc}") from None
    fragment = parse_qs(parts.fragment)
    hashes = frozenset(
        f"{algo}:{values[-1].lower()}"
        for algo, values in fragment.items()
        if algo in _HASH_ALGORITHMS and values
    )
    egg_name: str | None = None
    egg_extras: tuple[str, ...] = ()
    if fragment.get("egg"):
        egg = fragment["egg"][-1]
        match = _EXTRAS.match(egg)
        if match:
            egg, egg_extras = match.group(1), _parse_extras(match.group(2))
        egg_name = _valid_name(egg, display, line)
    basename = unquote(parts.path).rstrip("/").rsplit("/", 1)[-1]
    source = url_source(url)
    if source == "vcs":
        if egg_name:
            return egg_name, source, hashes, egg_extras
        repo = basename.rsplit("@", 1)[0] if "@" in basename else basename
        repo = repo.removesuffix(".git")
        return _valid_name(repo, display, line), source, hashes, egg_extras
    if basename.lower().endswith(".whl"):
        try:
            return parse_wheel_filename(basename)[0], source, hashes, egg_extras
        except InvalidWheelFilename:
            raise InputError(display, line, f"invalid wheel file name in {url!r}") from None
    if egg_name:
        return egg_name, source, hashes, egg_extras
    if _is_archive(basename):
        try:
            return parse_sdist_filename(basename)[0], source, hashes, egg_extras
        except InvalidSdistFilename:
            pass
    if source == "path":  # a file: URL to a directory
        local = unquote(parts.path)
        return _path_name(local, display, line, path, ctx), source, hashes, egg_extras
    raise InputError(
        display,
        line,
        f"cannot tell which package {url!r} provides; write 'name @ URL' or add '#egg=name'",
    )


def _path_name(spec: str, display: str, line: int, path: Path, ctx: ReadContext) -> str:
    """The package name of a local path requirement, without building anything."""
    basename = spec.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    if basename.lower().endswith(".whl"):
        try:
            return parse_wheel_filename(basename)[0]
        except InvalidWheelFilename:
            raise InputError(display, line, f"invalid wheel file name {spec!r}") from None
    if _is_archive(basename):
        try:
            return parse_sdist_filename(basename)[0]
        except InvalidSdistFilename:
            pass
    candidates = [path.parent / spec, ctx.root / spec]
    chosen = next((c for c in candidates if _is_project_dir(c, ctx)), None)
    if chosen is None:
        chosen = next((c for c in candidates if _probe(c.exists)), candidates[0])
    return _directory_name(chosen, display, line, ctx)


def _is_project_dir(directory: Path, ctx: ReadContext) -> bool:
    if not _probe(directory.is_dir) or not ctx.inside(directory):
        return False
    return any(_probe((directory / f).is_file) for f in ("pyproject.toml", "setup.cfg", "setup.py"))


def _directory_name(directory: Path, display: str, line: int, ctx: ReadContext) -> str:
    """A directory's project name from static metadata, else its (canonical) basename."""
    name = None
    if _probe(directory.is_dir) and ctx.inside(directory):
        name = _static_project_name(directory, ctx)
    if name is None:
        name = directory.resolve().name if _probe(directory.exists) else directory.name
    return _valid_name(name, display, line)


def _static_project_name(directory: Path, ctx: ReadContext) -> str | None:
    pyproject = directory / "pyproject.toml"
    if _probe(pyproject.is_file):
        try:
            data = _toml.loads(read_text(pyproject, ctx.display(pyproject)), "")
        except (InputError, RecursionError):
            data = {}
        tool = data.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        for table in (data.get("project"), poetry):
            if isinstance(table, dict) and isinstance(table.get("name"), str):
                return str(table["name"])
    setup_cfg = directory / "setup.cfg"
    if _probe(setup_cfg.is_file):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(read_text(setup_cfg, ctx.display(setup_cfg)))
            name = parser.get("metadata", "name", fallback=None)
        except (InputError, configparser.Error):
            name = None
        if name and name.strip():
            return name.strip()
    return None


def _probe(check: Callable[[], bool]) -> bool:
    """A filesystem test that treats unreadable or impossible paths as absent."""
    try:
        return check()
    except (OSError, ValueError):
        return False


def _valid_name(name: str, display: str, line: int) -> str:
    canonical = canonicalize_name(name)
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", canonical):
        raise InputError(display, line, f"cannot tell the package name: {name!r}")
    return canonical
