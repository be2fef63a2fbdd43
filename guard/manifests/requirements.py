"""Reader for pip requirements and constraints files (``requirements*.txt``, ``*.in``).

The commit gate must see every requirement an installer would install from a file, so a
file is read the way pip reads it and, where uv reads it differently, the way uv does too;
the requirements of both readings count (the union is the stricter result):

* Bytes: pip decodes with a BOM, else a PEP 263 ``coding:`` declaration in the first two
  lines (any codec Python knows: utf-7, latin-1, unicode_escape ...), else UTF-8; uv
  ignores declarations and reads UTF-8. pip fetches a file included through a ``file:``
  URL with ``requests``, which guesses its character set from its bytes (chardet): such
  a file, and whatever it includes, must be plain ASCII, where every guess agrees.
* Lines: pip splits with ``str.splitlines()`` (also at ``\\x0b``, ``\\x0c``,
  ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028``, ``\\u2029``), joins ``\\`` continuations,
  then strips comments (so a comment ending in ``\\`` swallows the next line); uv splits at
  ``\\n``, ``\\r\\n`` and a lone ``\\r`` and ends a comment at the end of its line.
* Options: parsed with optparse and pip's own option set, so unique prefixes
  (``--requirem=x.txt``), clusters (``-rfile``) and several options on one line work;
  every ``-r``/``-c``/``-e`` value counts (pip reads only the first of each). A line pip's
  parser rejects (an option it does not know, an ambiguous prefix) is scanned leniently
  for ``-r``/``-c``/``-e`` values (an ambiguous prefix counts as the one of them it can
  abbreviate, as older pips without ``--config-settings`` read ``--c``); other options are
  skipped.
* Includes: ``-r``/``-c`` relative to the including file, or ``file:`` URLs
  (``file:/abs``, ``file:///abs``, ``file://localhost/abs``; pip reads ``file:rel`` as
  ``/rel``). Cycles, files outside the repository and remote includes are errors.

Nothing is built or run: the name of a local directory comes from its static
``pyproject.toml``/``setup.cfg`` metadata when present, otherwise from the directory's name.
Not mirrored: ``${VAR}`` expansion (pip expands environment variables at install time).

The helpers :func:`parse_requirement`, :func:`from_requirement`, :func:`exact_version` and
:func:`url_source` are shared with the ``pyproject.toml`` reader; :func:`read_lines` reads
requirement lines other formats embed.
"""

from __future__ import annotations

import bisect
import codecs
import contextvars
import errno
import optparse
import os
import re
import shlex
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, NoReturn
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

from guard._files import read_bytes, real
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.local import declared
from guard.model import ARCHIVE_SUFFIXES, MAX_VERSION, Dependency, SourceKind

# The files being read right now, outermost first: an include of one of them is a cycle.
_INCLUDE_STACK: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "bumpguard_requirements_include_stack", default=()
)
# Whether pip fetches the file being read through a ``file:`` URL (then what it includes
# is fetched that way too).
_VIA_URL: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "bumpguard_requirements_via_url", default=False
)

# pip's COMMENT_RE is (^|\s+)#.*$; this matches from the same "#" in linear time (pip's
# backtracks over a long run of spaces), and the callers strip the spaces it leaves.
_COMMENT = re.compile(r"(?<!\S)#.*$")
_VCS = re.compile(r"^(?:git|hg|svn|bzr)\+", re.IGNORECASE)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NAMED_URL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\]\s*)?@")
_EXTRAS = re.compile(r"^(.+?)(\[[^\[\]]*\])$")
_HASH = re.compile(r"^([A-Za-z0-9_-]+):([0-9A-Fa-f]+)$")
_HASH_ALGORITHMS = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})

# pip's auto_decode: BOMs (UTF-32 before UTF-16, whose BOM is a prefix of UTF-32-LE's, as
# current pip orders them), then PEP 263 on the first two lines.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_PEP263 = re.compile(rb"coding[:=]\s*([-\w.]+)")
# The BOMs uv's reader honours (encoding_rs sniffs UTF-8 and UTF-16).
_UV_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UV_LINE_END = re.compile(r"\r\n|\r|\n")


def read_included(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read a requirements file another file includes, unless it was read already."""
    return read(path, ctx) if ctx.first_visit(path) else []


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read one requirements file and every file it includes."""
    display = ctx.display(path)
    data = read_bytes(path, display, root=ctx.root)
    text = _pip_decode(data, display)
    readings = [(text, False)]
    utf8 = _uv_decode(data)
    if utf8 is not None:
        # uv's reading; and the UTF-8 text with pip's line rules, which is what pip reads
        # when it fetches the (plain ASCII) file through a file: URL.
        readings += [(utf8, False), (utf8, True)] if utf8 != text else [(utf8, True)]
    token = _INCLUDE_STACK.set((*_INCLUDE_STACK.get(), real(path)))
    try:
        return _parse(readings, path, display, ctx, _VIA_URL.get())
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
    """Turn a parsed PEP 508 requirement into a :class:`Dependency`. A version in its
    specifier longer than any real one is refused before packaging compares it (its
    release numbers become ints, and Python refuses ints of over 4,300 digits)."""
    for spec in req.specifier:
        if len(spec.version) > MAX_VERSION:
            raise InputError(
                file, line or None, f"{req.name}: a version longer than {MAX_VERSION} characters"
            )
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
# Bytes


def _pip_decode(data: bytes, display: str) -> str:
    """The text pip reads from a requirements file it opens by path (pip's auto_decode;
    where pip falls back to the locale's encoding, UTF-8, as uv and current pip do)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], codec, display, None)
    for number, line in enumerate(data.split(b"\n", 2)[:2], 1):
        match = _PEP263.search(line) if line[:1] == b"#" else None
        if match is not None:
            return _decode(data, match.group(1).decode("ascii"), display, number)
    return _decode(data, "utf-8", display, None)


def _decode(data: bytes, codec: str, display: str, declared_at: int | None) -> str:
    try:
        return data.decode(codec)
    except LookupError:  # unknown, or not a text encoding (rot13, base64, zlib ...)
        raise InputError(
            display,
            declared_at,
            f"declares encoding {codec!r}, which is unknown or not a text encoding",
        ) from None
    except UnicodeDecodeError as exc:
        try:
            before = data[: exc.start].decode(codec, errors="replace")
            line = len((before + "x").splitlines())  # pip's number of the line it stops in
        except (LookupError, ValueError):
            line = data.count(b"\n", 0, exc.start) + 1
        utf8 = codecs.lookup(codec).name == "utf-8"
        what = "UTF-8 text" if utf8 else f"{codec} text (the encoding it declares)"
        raise InputError(display, line, f"not valid {what}") from None
    except ValueError as exc:  # UnicodeError without a position ('undefined', idna ...)
        raise InputError(display, declared_at, f"cannot be decoded as {codec}: {exc}") from None


def _uv_decode(data: bytes) -> str | None:
    """The text uv reads (UTF-8, or UTF-16 with its BOM), or None if it does not decode."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return None  # uv takes it for UTF-16 and reads NULs: it refuses such a file
    codec = "utf-8"
    for bom, name in _UV_BOMS:
        if data.startswith(bom):
            data, codec = data[len(bom) :], name
            break
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _plain_ascii(data: bytes) -> bool:
    """Whether every character-set guess reads ``data`` as ASCII: no byte above 0x7f and
    none of the escapes (``ESC``, ``~{``) that make chardet try ISO-2022 or HZ."""
    return data.isascii() and b"\x1b" not in data and b"~{" not in data


# ---------------------------------------------------------------------------------------
# Lines
#
# Line numbers are pip's: the number of ``str.splitlines()`` line ends before the line's
# first character, plus one, whichever reading found the line. They match an editor's
# for files with ordinary line ends; a line pip splits at a form feed or U+2028 gets a
# number of its own, as in pip's own messages.


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for part in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(part))
    return starts


def _line_number(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset)


def _pip_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, line)`` as pip's ``preprocess``: ``splitlines()``, continuations joined
    (a line ending in ``\\`` continues unless it is a comment line), comments stripped."""
    pending: list[str] = []
    start = offset = 0
    for part in text.splitlines(keepends=True):
        line = part.splitlines()[0]
        here, offset = offset, offset + len(part)
        is_comment = line.lstrip().startswith("#")
        if not line.endswith("\\") or is_comment:
            if pending:
                pending.append(" " + line if is_comment else line)
                yield start, _uncomment("".join(pending))
                pending = []
            else:
                yield here, _uncomment(line)
        else:
            if not pending:
                start = here
            pending.append(line.strip("\\"))
    if pending:
        yield start, _uncomment("".join(pending))


def _uv_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, line)`` as uv: lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``; a
    comment ends with its line, even when it ends in ``\\``; ``\\`` continues a line."""
    pending: list[str] = []
    start = 0
    for here, line in _split_uv(text):
        comment = _COMMENT.search(line)
        if comment is not None:
            line, continues = line[: comment.start()], False
        else:
            continues = line.endswith("\\")
        if continues:
            if not pending:
                start = here
            pending.append(line[:-1])
        elif pending:
            pending.append(line)
            yield start, "".join(pending).strip()
            pending = []
        else:
            yield here, line.strip()
    if pending:
        yield start, "".join(pending).strip()


def _split_uv(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for end in _UV_LINE_END.finditer(text):
        yield offset, text[offset : end.start()]
        offset = end.end()
    if offset < len(text):
        yield offset, text[offset:]


def _uncomment(line: str) -> str:
    return _COMMENT.sub("", line).strip()


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


# ---------------------------------------------------------------------------------------
# Options


class _Opt(NamedTuple):
    """One option of pip's requirements-file parser."""

    names: tuple[str, ...]
    dest: str
    takes_value: bool


# pip's SUPPORTED_OPTIONS + SUPPORTED_OPTIONS_REQ (pip/_internal/req/req_file.py), with
# the option strings of pip/_internal/cli/cmdoptions.py. Unique prefixes of the long ones
# are accepted, as optparse does for pip.
_PIP_OPTIONS = (
    _Opt(("-i", "--index-url", "--pypi-url"), "index_url", True),
    _Opt(("--extra-index-url",), "extra_index_urls", True),
    _Opt(("--no-index",), "no_index", False),
    _Opt(("-c", "--constraint"), "constraints", True),
    _Opt(("-r", "--requirement"), "requirements", True),
    _Opt(("-e", "--editable"), "editables", True),
    _Opt(("-f", "--find-links"), "find_links", True),
    _Opt(("--no-binary",), "no_binary", True),
    _Opt(("--only-binary",), "only_binary", True),
    _Opt(("--prefer-binary",), "prefer_binary", False),
    _Opt(("--require-hashes",), "require_hashes", False),
    _Opt(("--pre",), "pre", False),
    _Opt(("--trusted-host",), "trusted_hosts", True),
    _Opt(("--use-feature",), "features_enabled", True),
    _Opt(("--global-option",), "global_options", True),
    _Opt(("--hash",), "hashes", True),
    _Opt(("-C", "--config-settings"), "config_settings", True),
)
_LONG = {name: opt for opt in _PIP_OPTIONS for name in opt.names if name.startswith("--")}
_SHORT = {name[1]: opt for opt in _PIP_OPTIONS for name in opt.names if len(name) == 2}
# The values bumpguard reads; a missing one is an error.
_USED = (
    "requirements",
    "constraints",
    "editables",
    "hashes",
    "extra_index_urls",
    "find_links",
    "index_url",
    "trusted_hosts",
)
_FOLLOWED = ("requirements", "constraints", "editables")


@dataclass
class _Options:
    """The ``-r``, ``-c``, ``-e`` and ``--hash`` values of one line, in their order."""

    requirements: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    editables: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    index_url: list[str] = field(default_factory=list)
    trusted_hosts: list[str] = field(default_factory=list)


class _OptionError(Exception):
    pass


_PARSERS = threading.local()


class _LineParser(optparse.OptionParser):
    """pip's line parser: optparse, errors raised instead of printed (pip's parser_exit)."""

    def error(self, msg: str) -> NoReturn:
        raise _OptionError(msg)


def _parser() -> optparse.OptionParser:
    """pip's line parser (built once per thread: parse_args keeps state on the parser)."""
    parser: optparse.OptionParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _LineParser(add_help_option=False)
        for opt in _PIP_OPTIONS:
            action = "append" if opt.takes_value else "store_true"
            parser.add_option(*opt.names, dest=opt.dest, action=action)
        _PARSERS.parser = parser
    return parser


def _options(text: str, file: str, line: int) -> _Options:
    """The options of a line, parsed by optparse as pip parses them, or, on a line pip's
    parser rejects, by the lenient scan (which reads more, never less)."""
    tokens = _tokens(text, file, line)
    try:
        values, _positional = _parser().parse_args(tokens)
    except _OptionError:
        return _lenient(tokens, file, line)
    return _Options(*([str(v) for v in getattr(values, dest) or ()] for dest in _USED))


def _lenient(tokens: list[str], file: str, line: int) -> _Options:
    """optparse's reading without its errors: unknown options are skipped (as flags), an
    ambiguous prefix counts as the followed option it can abbreviate, if only one."""
    found = _Options()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token == "--":
            break  # optparse: everything after is positional
        if token.startswith("--"):
            name, eq, value = token.partition("=")
            opt = _match_long(name)
            if opt is None or not opt.takes_value:
                continue
            if not eq:
                if index >= len(tokens):
                    _missing(opt, name, file, line)
                    continue
                value = tokens[index]
                index += 1
            _record(found, opt, value)
        elif token.startswith("-") and len(token) > 1:
            for position in range(1, len(token)):
                short = _SHORT.get(token[position])
                if short is None or not short.takes_value:
                    continue
                if position + 1 < len(token):
                    _record(found, short, token[position + 1 :])
                elif index < len(tokens):
                    _record(found, short, tokens[index])
                    index += 1
                else:
                    _missing(short, f"-{token[position]}", file, line)
                break
    return found


def _match_long(name: str) -> _Opt | None:
    if name in _LONG:
        return _LONG[name]
    candidates = {opt.dest: opt for long, opt in _LONG.items() if long.startswith(name)}
    if len(candidates) == 1:
        return next(iter(candidates.values()))
    followed = [opt for dest, opt in candidates.items() if dest in _FOLLOWED]
    return followed[0] if len(followed) == 1 else None


def _record(found: _Options, opt: _Opt, value: str) -> None:
    if opt.dest in _USED:
        getattr(found, opt.dest).append(value)


def _missing(opt: _Opt, written: str, file: str, line: int) -> None:
    if opt.dest in _USED:
        name = written if written in opt.names else next(n for n in opt.names if n[:2] == "--")
        raise InputError(file, line, f"option {name} needs a value")


def _hashes(values: list[str], file: str, line: int) -> frozenset[str]:
    found: set[str] = set()
    for value in values:
        match = _HASH.match(value)
        if match is None or match.group(1).lower() not in _HASH_ALGORITHMS:
            raise InputError(file, line, f"invalid --hash value {value!r}")
        found.add(f"{match.group(1).lower()}:{match.group(2).lower()}")
    return frozenset(found)


# ---------------------------------------------------------------------------------------
# The file


def _parse(
    readings: list[tuple[str, bool]],
    path: Path,
    display: str,
    ctx: ReadContext,
    via_url: bool,
) -> list[Dependency]:
    """The requirements of every reading ``(text, uv's line rules?)``: all lines of the
    first (pip's), then the lines of the others that it does not have."""
    deps: list[Dependency] = []
    parsed: set[str] = set()
    for index, (text, uv) in enumerate(readings):
        starts = _line_starts(text)
        if "\0" in text:
            line = _line_number(starts, text.index("\0"))
            raise InputError(display, line, "contains a NUL character")
        for offset, line_text in _uv_lines(text) if uv else _pip_lines(text):
            if not line_text or (index and line_text in parsed):
                continue
            parsed.add(line_text)
            number = _line_number(starts, offset)
            deps.extend(_parse_line(line_text, number, path, display, ctx, via_url))
    return deps


def _parse_line(
    line: str, number: int, path: Path, display: str, ctx: ReadContext, via_url: bool
) -> list[Dependency]:
    deps: list[Dependency] = []
    if line.startswith("-"):
        options = _options(line, display, number)
    else:
        requirement, rest = _split_args_options(line)
        options = _options(rest, display, number) if rest else _Options()
        hashes = _hashes(options.hashes, display, number)
        deps.append(_line_dependency(requirement, hashes, path, display, number, ctx))
    # Every -r/-c/-e value counts, also after a requirement (pip reads the first of each
    # on an option line only): reading more is the stricter result.
    for value in (*options.requirements, *options.constraints):
        deps.extend(_include(value, path, display, number, ctx, via_url))
    for value in options.editables:
        deps.append(_line_dependency(value, frozenset(), path, display, number, ctx))
    # Sources besides the index: they can serve any version, local labels included.
    extra = [f"--extra-index-url {v}" for v in options.extra_index_urls]
    extra += [f"--find-links {v}" for v in options.find_links]
    for value in extra:
        ctx.sources.setdefault(display, []).append(f"{display}:{number}: {value}")
    for option, values in (
        ("--index-url", options.index_url),
        ("--extra-index-url", options.extra_index_urls),
        ("--find-links", options.find_links),
        ("--trusted-host", options.trusted_hosts),
    ):
        for value in values:
            ctx.add_index(display, number, option, value)
    return deps


def read_lines(lines: Iterable[tuple[int, str]], path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read requirements-file lines that another format embeds (a conda environment's
    ``pip:`` list, tox's ``deps``), each with its line number in ``path``: options, ``-r``
    and ``-c`` includes (relative to ``path``'s folder) and hashes as in a requirements
    file. Comments and blank lines are the caller's to drop."""
    display = ctx.display(path)
    token = _INCLUDE_STACK.set((*_INCLUDE_STACK.get(), real(path)))
    try:
        deps: list[Dependency] = []
        for number, text in lines:
            if "\0" in text:
                raise InputError(display, number, "contains a NUL character")
            if text.strip():
                deps.extend(_parse_line(text.strip(), number, path, display, ctx, False))
        return deps
    finally:
        _INCLUDE_STACK.reset(token)


def _include(
    value: str,
    path: Path,
    display: str,
    line: int,
    ctx: ReadContext,
    via_url: bool,
) -> list[Dependency]:
    """Follow ``-r``/``-c VALUE``: a path relative to the including file, or a ``file:``
    URL. pip resolves an include of a file it fetched through a URL against that URL, so
    it fetches that one through a URL too."""
    is_url = value.lower().startswith("file:")
    if is_url:
        target = _file_url_path(value, display, line)
    elif _URL.match(value):
        raise InputError(display, line, f"cannot follow a remote include: {value}")
    else:
        target = path.parent / value
    try:
        inside = ctx.inside(target)
        resolved = real(target)
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
        if _loops(target):
            raise InputError(
                display, line, f"cannot resolve include {value!r}: a symbolic link loop"
            )
        raise InputError(display, line, f"included file not found: {value}")
    ctx.includes.setdefault(display, set()).add(ctx.display(target))
    fetched = is_url or via_url
    if fetched:
        _check_fetched(target, value, display, line, ctx)
    token = _VIA_URL.set(fetched)
    try:
        return read_included(target, ctx)
    finally:
        _VIA_URL.reset(token)


def _check_fetched(target: Path, value: str, display: str, line: int, ctx: ReadContext) -> None:
    """pip fetches ``target`` (and what it includes) with requests, which decodes it by a
    guess of its character set: only plain ASCII reads the same whatever the guess. The
    files it includes were recorded already if it was read before (by path)."""
    pending, checked = [ctx.display(target)], set()
    while pending:
        name = pending.pop()
        if name in checked:
            continue
        checked.add(name)
        if not _plain_ascii(read_bytes(ctx.root / name, name)):
            raise InputError(
                display,
                line,
                f"pip fetches {value!r} through a file: URL and guesses the character set "
                f"of {name} from its bytes: keep it plain ASCII, or include it by path",
            )
        pending.extend(ctx.includes.get(name, ()))


def _file_url_path(value: str, display: str, line: int) -> Path:
    """The file pip opens for a ``file:`` URL include (its requests session normalises
    ``file:x`` to ``file:///x``; ``url_to_path`` accepts no host but localhost)."""
    from urllib.request import url2pathname  # imports http.client: only when needed

    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise InputError(display, line, f"invalid URL {value!r}: {exc}") from None
    if parts.netloc.lower() not in ("", "localhost"):
        raise InputError(display, line, f"cannot follow {value!r}: a file: URL on another host")
    local = url2pathname(parts.path)
    return Path(local if local.startswith("/") else "/" + local)


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
        name = declared(directory)[0]
    if name is None:
        name = real(directory).name if _probe(directory.exists) else directory.name
    return _valid_name(name, display, line)


def _loops(path: Path) -> bool:
    """Whether following ``path`` runs into a symbolic link loop."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


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
