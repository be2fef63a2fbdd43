"""Reader for ``pixi.lock`` (YAML): the PyPI packages it locks, and the indexes it names.

Lock formats 1 to 7 are read. Versions 6 and 7 list packages as ``- pypi: <location>`` or
``- conda: <location>`` entries; 4 and 5 as ``- kind: pypi|conda`` with ``url`` or
``path``; 3 and earlier as ``package:`` entries with ``manager: pypi|pip|conda``. Only
PyPI packages are read: conda packages come from conda channels, which bumpguard does not
guard (they are counted in a note). A PyPI package's location says where it comes from:
an ``https://`` file from an index (``index:`` names which one, in version 7),
``direct+URL`` a direct URL, ``git+URL#commit`` a repository, anything else a local path.
Each environment's ``indexes:`` and ``find-links:`` are recorded as indexes. A location
whose file name states another project or version than its entry is also read as what
the file is (that is what pixi installs).

pixi.lock files run to several MB, and even libyaml takes most of a second per MB to
build a document with line numbers. The files pixi writes use a small part of YAML (block
mappings and sequences, one scalar per line), so :func:`parse` reads that part with a line
scanner, and hands anything else (flow collections, multi-line scalars, tabs, anchors, a
duplicate key ...) to a real YAML parser, which either reads it the same way or reports the
error with its line. Both give the same document, with the same line numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from packaging.utils import InvalidName, canonicalize_name

from guard._files import MAX_DEPTH, read_text
from guard._yaml import LineDict, LineList
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.pdmlock import file_identity, same_version
from guard.manifests.requirements import url_source
from guard.model import Dependency, SourceKind

if TYPE_CHECKING:
    import yaml

#: The newest lock format this reader knows; a newer one is refused, never guessed at.
NEWEST_FORMAT = 7

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_SHA256 = re.compile(r"[0-9A-Fa-f]{64}")
_MD5 = re.compile(r"[0-9A-Fa-f]{32}")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_VCS_SCHEMES = ("git+", "hg+", "svn+", "bzr+")
_VERSION = re.compile(r"[0-9]{1,4}")


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read every PyPI package a ``pixi.lock`` locks, and the indexes it names."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    document = parse(text, display)
    if not isinstance(document, LineDict):
        raise InputError(display, 1, "a pixi.lock must be a YAML mapping")
    raw = document.get("version")
    where = document.lines.get("version") or 1
    if not isinstance(raw, str) or not _VERSION.fullmatch(raw):
        raise InputError(display, where, "a pixi.lock needs an integer 'version'")
    version = int(raw)
    if not 1 <= version <= NEWEST_FORMAT:
        raise InputError(
            display, where, f"unsupported pixi.lock version {version} (read: 1 to {NEWEST_FORMAT})"
        )
    reader = _Reader(display, version, ctx)
    if version >= 4:
        reader.environments(document)
    key = "packages" if version >= 4 else "package"
    packages = document.get(key)
    if packages is not None:
        if not isinstance(packages, LineList):
            raise InputError(display, document.lines[key], f"'{key}' must be a list")
        for index, entry in enumerate(packages):
            reader.package(entry, packages.lines[index])
    if reader.conda:
        ctx.note(
            display,
            None,
            f"{reader.conda} conda package(s) not checked: bumpguard guards PyPI packages",
        )
    return reader.dependencies()


class _Key(NamedTuple):
    name: str
    version: str | None
    source: SourceKind
    location: str | None


@dataclass
class _Reader:
    display: str
    version: int
    ctx: ReadContext
    conda: int = 0
    found: dict[_Key, tuple[int, set[str]]] = field(default_factory=dict)
    recorded: set[str] = field(default_factory=set)

    def error(self, line: int, message: str) -> InputError:
        return InputError(self.display, line or None, message)

    def index(self, line: int, option: str, url: str) -> None:
        """Record an index once per file, at the first line that names it."""
        if url not in self.recorded:
            self.recorded.add(url)
            self.ctx.add_index(self.display, line, option, url)

    def environments(self, document: LineDict) -> None:
        environments = document.get("environments")
        if environments is None:
            return
        if not isinstance(environments, LineDict):
            raise self.error(document.lines["environments"], "'environments' must be a mapping")
        for name, env in environments.items():
            where = environments.lines[name]
            if not isinstance(env, LineDict):
                raise self.error(where, f"environment {name!r} must be a mapping")
            indexes = env.get("indexes")
            if indexes is not None:
                if not isinstance(indexes, LineList):
                    raise self.error(env.lines["indexes"], f"'indexes' of {name!r} must be a list")
                for i, url in enumerate(indexes):
                    if not isinstance(url, str) or not url:
                        raise self.error(indexes.lines[i], "an index must be a URL")
                    self.index(indexes.lines[i], "pixi.lock indexes", url)
            links = env.get("find-links")
            if links is not None:
                if not isinstance(links, LineList):
                    raise self.error(
                        env.lines["find-links"], f"'find-links' of {name!r} must be a list"
                    )
                for i, link in enumerate(links):
                    value = None
                    if isinstance(link, LineDict) and len(link) == 1:
                        value = link.get("url", link.get("path"))
                    if not isinstance(value, str) or not value:
                        raise self.error(
                            links.lines[i], "a find-links entry needs a 'url' or 'path'"
                        )
                    self.index(links.lines[i], "pixi.lock find-links", value)

    def package(self, entry: object, line: int) -> None:
        if not isinstance(entry, LineDict):
            raise self.error(line, "a package entry must be a mapping")
        if self.version >= 6:
            # Version 7 adds conda packages that pixi builds from source ("conda_source").
            kinds = ("conda", "conda_source") if self.version >= 7 else ("conda",)
            conda = [kind for kind in kinds if kind in entry]
            if conda and "pypi" in entry:
                raise self.error(line, f"a package entry is '{conda[0]}' or 'pypi', not both")
            if conda:
                self.conda += 1
                return
            if "pypi" not in entry:
                names = " nor ".join(f"'{kind}'" for kind in (*kinds, "pypi"))
                raise self.error(line, f"unknown package entry: neither {names}")
            location = self.text(entry, "pypi", line, required=True)
        elif self.version >= 4:
            kind = entry.get("kind")
            if kind == "conda":
                self.conda += 1
                return
            if kind != "pypi":
                raise self.error(line, f"unknown package kind {kind!r}")
            location = self.text(entry, "url", line) or self.text(entry, "path", line)
        else:
            manager = entry.get("manager")
            if manager == "conda":
                self.conda += 1
                return
            if manager not in ("pypi", "pip"):
                raise self.error(line, f"unknown package manager {manager!r}")
            location = self.text(entry, "url", line)
        raw_name = self.text(entry, "name", line, required=True)
        try:
            name = canonicalize_name(raw_name or "", validate=True)
        except InvalidName:
            raise self.error(line, f"invalid package name {raw_name!r}") from None
        if location is None:
            raise self.error(line, f"PyPI package {name!r} names no location")
        # Version 7 leaves out the version of a source package whose version is dynamic.
        version = self.text(entry, "version", line, required=self.version < 7)
        index = self.text(entry, "index", line) if self.version >= 7 else None
        if index is not None:
            self.index(entry.lines["index"], "pixi.lock index", index)
        source, where = _source(location, index)
        hashes = self.hashes(entry, name, line)
        self.found.setdefault(_Key(name, version, source, where), (line, set()))[1].update(hashes)
        # The file a location names is what installs: a file of another project or
        # version than the entry says is read as what it is.
        identity = file_identity(location.removeprefix("direct+")) if source != "vcs" else None
        if identity is not None and (
            identity[0] != name or version is None or not same_version(identity[1], version)
        ):
            key = _Key(identity[0], identity[1], source, where)
            self.found.setdefault(key, (line, set()))[1].update(hashes)

    def text(self, entry: LineDict, key: str, line: int, *, required: bool = False) -> str | None:
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise self.error(entry.lines.get(key, line), f"'{key}' must be a non-empty string")
        return value

    def hashes(self, entry: LineDict, name: str, line: int) -> set[str]:
        digests = entry
        if self.version <= 3:
            nested = entry.get("hash")
            if nested is None:
                return set()
            if not isinstance(nested, LineDict):
                raise self.error(entry.lines["hash"], f"'hash' of {name!r} must be a mapping")
            digests = nested
        found: set[str] = set()
        for algorithm, pattern in (("sha256", _SHA256), ("md5", _MD5)):
            value = digests.get(algorithm)
            if value is None:
                continue
            if not isinstance(value, str) or not pattern.fullmatch(value):
                where = digests.lines.get(algorithm, line)
                raise self.error(where, f"{algorithm} of {name!r} is not a {algorithm} digest")
            if algorithm == "md5" and found:
                continue  # the sha256 pins the file; an md5 adds nothing
            found.add(f"{algorithm}:{value.lower()}")
        return found

    def dependencies(self) -> list[Dependency]:
        return [
            Dependency(
                name=key.name,
                file=self.display,
                line=line,
                version=key.version,
                hashes=frozenset(hashes),
                source=key.source,
                location=key.location,
                locked=True,
            )
            for key, (line, hashes) in self.found.items()
        ]


def _source(location: str, index: str | None) -> tuple[SourceKind, str | None]:
    """Source kind and location of a PyPI package's recorded location."""
    match = _SCHEME.match(location)
    if match is None:  # a path (a drive letter is no scheme: it has one character)
        return "path", location
    scheme = match.group(1).lower()
    if scheme.startswith(_VCS_SCHEMES):
        return "vcs", location
    if scheme.startswith("direct+"):
        direct = location[len("direct+") :]
        return url_source(direct), direct
    if scheme == "file":
        return url_source(location), location
    if scheme in ("http", "https"):
        return "index", index
    return "url", location


# ---------------------------------------------------------------------------------------
# YAML


def parse(text: str, display: str) -> Any:
    """The YAML document in ``text`` as LineDict/LineList/strings (``None`` for null):
    the line scanner's reading when the text is in the part of YAML it reads, a YAML
    parser's otherwise. Scalars stay as written (no ints, floats or booleans), as pixi's
    parser reads them into strings. Errors name the file and line."""
    normalised = text.replace("\r\n", "\n")
    unscanned = _UNSCANNED.search(normalised)
    try:
        if unscanned is not None:
            raise _Unsupported(normalised.count("\n", 0, unscanned.start()) + 1)
        return _Scanner(normalised, display).document()
    except _Unsupported as exc:
        if len(text) > FALLBACK_LIMIT:
            # Parsing this much YAML with line numbers takes seconds: pixi never writes it.
            raise InputError(
                display,
                exc.line or None,
                "YAML in a form pixi does not write (tabs, flow collections, multi-line "
                "or escaped strings ...), in a file too large to parse that way",
            ) from None
    return load_yaml(text, display)


#: The largest text (in characters) handed to the YAML parser when the scanner cannot
#: read it: libyaml builds a document with lines at about 1.5 MB a second.
FALLBACK_LIMIT = 4 * 1024 * 1024


# Characters the scanner leaves to the YAML parser: tabs, other line breaks (a lone CR,
# NEL, the Unicode separators), control characters, and a byte-order mark inside the text.
_UNSCANNED = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# One line: indentation, an optional "- ", an optional "key:" and the rest.
_TOKEN = re.compile(r"( *)(?:(-)(?: +|$))?(?:([A-Za-z0-9_][A-Za-z0-9_.+-]*):(?: +|$))?(.*)")
_SINGLE = re.compile(r"'((?:[^']|'')*)'(?: +(?:#.*)?)?")
_DOUBLE = re.compile(r'"([^"\\]*)"(?: +(?:#.*)?)?')
_EMPTY_FLOW = re.compile(r"(\[\]|\{\})(?: +(?:#.*)?)?")
# Characters that cannot start a plain scalar (``-``, ``?`` and ``:`` can, before a
# non-space).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


class _Unsupported(Exception):
    """The text uses YAML beyond what the scanner reads (from ``line``, when known): the
    YAML parser decides."""

    def __init__(self, line: int = 0) -> None:
        super().__init__(line)
        self.line = line


# A line as the scanner keeps it: (number, indent, dash, column, key, has_value, value).
# ``indent`` is the column of its first character (the "-" of an item), ``column`` that of
# the key or value after "- ". Plain tuples: a lock has a hundred thousand lines.
_Line = tuple[int, int, bool, int, "str | None", bool, Any]

_NO_VALUE = object()


def _scalar(rest: str) -> Any:
    """The value of the scalar ``rest`` (comments removed), ``_NO_VALUE`` for none, or
    :class:`_Unsupported` for anything but a one-line plain or quoted scalar."""
    if not rest or rest[0] == "#":
        return _NO_VALUE
    first = rest[0]
    if first == "'":
        match = _SINGLE.fullmatch(rest)
        if match is None:
            raise _Unsupported
        return match.group(1).replace("''", "'")
    if first == '"':
        match = _DOUBLE.fullmatch(rest)
        if match is None:
            raise _Unsupported
        return match.group(1)
    if first in "[{":
        match = _EMPTY_FLOW.fullmatch(rest)
        if match is None:
            raise _Unsupported
        return _empty(match.group(1))
    if first in _INDICATORS and (first not in "-?:" or len(rest) < 2 or rest[1] == " "):
        raise _Unsupported
    cut = rest.find(" #")
    value = (rest if cut < 0 else rest[:cut]).rstrip(" ")
    if ": " in value or value.endswith(":"):
        raise _Unsupported
    return None if value in _NULLS else value


def _empty(flow: str) -> Any:
    if flow == "[]":
        items = LineList()
        items.lines = []
        return items
    mapping = LineDict()
    mapping.lines = {}
    return mapping


class _Scanner:
    """Reads block mappings and sequences whose scalars each fit on one line."""

    def __init__(self, text: str, display: str) -> None:
        self.display = display
        self.lines: list[_Line] = []
        self.pos = 0
        append = self.lines.append
        token = _TOKEN.match
        indicators = _INDICATORS
        for number, raw in enumerate(text.split("\n"), 1):
            if raw.endswith(" "):
                raw = raw.rstrip(" ")
            match = token(raw)
            if match is None:  # pragma: no cover - the pattern matches any line
                raise _Unsupported(number)
            spaces, dash, key, rest = match.groups()
            if key is None:
                if not dash:
                    if not rest or rest[0] == "#":
                        continue  # a blank line or a comment
                    # A scalar on a line of its own (a multi-line scalar), a document
                    # marker, a directive.
                    raise _Unsupported(number)
                if rest == "-" or rest.startswith("- "):
                    raise _Unsupported(number)  # "- - x": a sequence in a sequence
            indent = len(spaces)
            column = match.start(4 if key is None else 3) if dash else indent
            # The common case inline: a plain scalar that starts with no indicator and
            # holds no comment and no ": ".
            if (
                rest
                and rest[0] not in indicators
                and " #" not in rest
                and ": " not in rest
                and rest[-1] != ":"
            ):
                append((number, indent, bool(dash), column, key, True, rest))
                if rest in _NULLS:
                    self.lines[-1] = (number, indent, bool(dash), column, key, True, None)
                continue
            try:
                value = _scalar(rest)
            except _Unsupported:
                raise _Unsupported(number) from None
            if value is _NO_VALUE:
                append((number, indent, bool(dash), column, key, False, None))
                continue
            if isinstance(value, (LineDict, LineList)):
                value.line = number  # an empty flow collection
            append((number, indent, bool(dash), column, key, True, value))

    def document(self) -> Any:
        if not self.lines:
            return None
        node = self.block(0)
        if self.pos != len(self.lines):
            raise _Unsupported(self.lines[self.pos][0])
        return node

    def block(self, depth: int) -> Any:
        """The collection that starts at the current line (a line with a key or "-")."""
        if depth > MAX_DEPTH:
            raise _Unsupported(self.lines[self.pos][0])
        _number, indent, dash, _column, _key, _has, _value = self.lines[self.pos]
        if dash:
            return self.sequence(indent, depth)
        return self.mapping(indent, depth)

    def mapping(self, column: int, depth: int, first: _Line | None = None) -> LineDict:
        """A block mapping whose keys start at ``column``; ``first`` is a key that
        follows "- " on the line of a sequence item."""
        result = LineDict()
        result.lines = {}
        lines, count = self.lines, len(self.lines)
        if first is not None:
            result.line = first[0]
            self.entry(result, first, column, depth)
        else:
            result.line = lines[self.pos][0]
        while self.pos < count:
            line = lines[self.pos]
            indent = line[1]
            if indent < column:
                break
            if indent > column or line[2]:
                raise _Unsupported(line[0])
            self.entry(result, line, column, depth)
        return result

    def entry(self, result: LineDict, line: _Line, column: int, depth: int) -> None:
        number, _indent, _dash, _column, key, has_value, value = line
        if key is None:
            raise _Unsupported(number)
        if key in result:
            raise InputError(self.display, number, f"duplicate key {key!r}")
        self.pos += 1
        result.lines[key] = number
        result[key] = value if has_value else self.nested(column, depth, compact=True)

    def nested(self, column: int, depth: int, *, compact: bool) -> Any:
        """The value of a key or "- " with nothing after it: a collection on the lines
        below (for a key, a sequence may start at its own column), or null."""
        if self.pos < len(self.lines):
            following = self.lines[self.pos]
            indent = following[1]
            if indent > column or (compact and indent == column and following[2]):
                return self.block(depth + 1)
        return None

    def sequence(self, column: int, depth: int) -> LineList:
        result = LineList()
        result.lines = []
        lines, count = self.lines, len(self.lines)
        result.line = lines[self.pos][0]
        append, numbers = result.append, result.lines.append
        while self.pos < count:
            line = lines[self.pos]
            number, indent, dash, item_column, key, has_value, value = line
            if indent < column or (indent == column and not dash):
                break
            if indent > column:
                raise _Unsupported(number)
            if key is not None:
                numbers(number)
                append(self.mapping(item_column, depth + 1, first=line))
            elif has_value:
                numbers(number)
                self.pos += 1
                append(value)
            else:
                self.pos += 1
                item = self.nested(column, depth, compact=False)
                # A YAML parser puts an item that starts below its "-" where it starts.
                numbers(item.line if isinstance(item, (LineDict, LineList)) else number)
                append(item)
        return result


def load_yaml(text: str, display: str) -> Any:
    """Parse one YAML document with a YAML parser into LineDict/LineList/strings (plain
    nulls as ``None``); anchors and aliases are refused, as is nesting deeper than
    :data:`~guard._files.MAX_DEPTH`. Every error is an :class:`InputError` with a line."""
    import yaml

    try:
        base: type[yaml.BaseLoader] = yaml.CBaseLoader  # type: ignore[assignment]
    except AttributeError:  # pragma: no cover - PyYAML without libyaml
        base = yaml.BaseLoader
    loader = base(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(node, display, set(), 1)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(display, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(display, None, f"invalid YAML: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth cap comes first
        raise InputError(display, None, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def _build(node: yaml.Node, display: str, seen: set[int], depth: int, at: int = 0) -> Any:
    """Build one node; ``at`` is the line of the key or item that refers to it (where an
    alias stands: the composer shares the anchored node, with the anchor's position)."""
    import yaml

    line = node.start_mark.line + 1
    if depth > MAX_DEPTH:
        raise InputError(display, line, f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
    if id(node) in seen:
        raise InputError(display, at or line, "YAML anchors and aliases are not supported here")
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        mapping = LineDict()
        mapping.line = line
        mapping.lines = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(display, key_line, "keys must be strings")
            key = str(key_node.value)
            if key in mapping:
                raise InputError(display, key_line, f"duplicate key {key!r}")
            mapping[key] = _build(value_node, display, seen, depth + 1, key_line)
            mapping.lines[key] = key_line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = LineList()
        items.line = line
        items.lines = []
        for item in node.value:
            items.append(_build(item, display, seen, depth + 1, items.lines[-1] if items else line))
            items.lines.append(item.start_mark.line + 1)
        return items
    value = str(node.value)
    if isinstance(node, yaml.ScalarNode) and not node.style and value in _NULLS:
        return None
    return value
