"""Reader for ``uv.lock``: one locked :class:`Dependency` per ``[[package]]`` entry.

This runs in a pre-commit hook on lock files with thousands of packages, so it does the
least work it can: a lock in the form uv writes is read line by line by :func:`scan`
(about a third of tomllib's time), and anything else with ``tomllib``, with one regex pass
for the line numbers; no ``packaging`` objects per package, and names taken as written
when uv already normalised them.
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
    scanned = scan(text)
    if scanned is not None:
        version, packages, lines = scanned
    else:
        data = _toml.loads(text, display)
        version = data.get("version")
        packages = data.get("package", [])
    if version != 1 or isinstance(version, bool):
        line = _toml.line_of(text, "version") or None
        raise InputError(display, line, f"unsupported uv.lock version {version!r}")
    if not isinstance(packages, list):
        raise InputError(
            display, _toml.line_of(text, "package") or None, "'package' must be an array"
        )
    if scanned is None:
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


# ---------------------------------------------------------------------------------------
# The lock as uv writes it, read without a TOML parser
#
# A hook reads a multi-megabyte uv.lock at every commit, and tomllib is most of the cost.
# uv writes one narrow, regular form of TOML, so the few keys this reader uses (a package's
# name, version, source, sdist and wheels) are read line by line, and every other line is
# only followed for its brackets. It is strict, not clever: anything outside that form (a
# backslash or multi-line string anywhere, a quoted or dotted key, a key not at the start of
# its line, an unbalanced quote, an unknown header, a repeated key, an inline table that is
# not flat) makes :func:`scan` return ``None`` and the lock is read with tomllib, so that
# the records never depend on which way the file was read (a test compares the two).

_STRINGS_AND_COMMENTS = re.compile(r'"[^"\n]*"|\'[^\'\n]*\'|#[^\n]*')
_INNERMOST = re.compile(r"\{([^{}]*)\}")
_TABLE_KEY = re.compile(r"(?:^|, )\s*([A-Za-z0-9_-]+) = ")


def _values(depth: int) -> str:
    """A value as uv writes one (strings already ``S``), inline tables and arrays nested at
    most ``depth`` deep: no dates, floats, long numbers or bare words."""
    value = r"(?:S|-?[0-9]{1,18}|true|false)"
    for _ in range(depth):
        table = rf"\{{ [A-Za-z0-9_-]+ = {value}(?:, [A-Za-z0-9_-]+ = {value})* \}}"
        array = rf"\[(?:{value}(?:, {value})*,?)?\]"
        value = rf"(?:{value}|{table}|{array}|\{{\}})"
    return value


_VALUE = _values(3)
_VALUE_LINE = re.compile(_VALUE)  # a key's whole value
_ITEM_LINE = re.compile(rf" +{_VALUE},?")  # one item of an array that spans lines
_KEY_LINE = re.compile(r"([A-Za-z0-9_-]+) = (.+)")
_STRING = re.compile(r'"([^"]*)"')
_FLAT_TABLE = re.compile(
    r'\{ ((?:[A-Za-z0-9_-]+ = (?:"[^"]*"|-?[0-9]+|true|false), )*'
    r'[A-Za-z0-9_-]+ = (?:"[^"]*"|-?[0-9]+|true|false)) \}'
)
_PAIR = re.compile(r'([A-Za-z0-9_-]+) = ("[^"]*"|-?[0-9]+|true|false)')
_READ = frozenset({"name", "version", "source", "sdist", "wheels"})
# Headers as uv writes them, at most four names deep (deeper nesting is tomllib's to refuse).
_SUBTABLE = re.compile(r"\[package(?:\.[A-Za-z0-9_-]+){1,3}\]")
_OTHER_TABLE = re.compile(r"\[(?!package[.\]])[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+){0,3}\]")
# What uv never writes, and this reading does not follow: escapes, multi-line strings,
# other line ends and tabs, and control characters (which TOML refuses in strings).
_OUTSIDE_THE_FORM = re.compile(r"[\\\r\t\x00-\x08\x0b-\x1f\x7f]|\"\"\"|\'\'\'")


def _skeleton(text: str) -> str | None:
    """``text`` with each string as ``S`` and its comment gone, once its inline tables are
    known to have no repeated key; ``None`` when a quote is left open or a key repeats."""
    bare = _STRINGS_AND_COMMENTS.sub(_placeholder, text)
    if '"' in bare or "'" in bare:
        return None
    if "{" in bare:
        inner = bare
        while "{" in inner:
            tables = _INNERMOST.findall(inner)
            if not tables:
                return None  # a brace that does not close on its line
            for body in tables:
                keys = _TABLE_KEY.findall(body)
                if len(keys) != len(set(keys)):
                    return None
            inner = _INNERMOST.sub("S", inner)
    return bare.rstrip(" ")


def _placeholder(match: re.Match[str]) -> str:
    return "" if match.group().startswith("#") else "S"


def _flat(value: str) -> dict[str, Any] | None:
    """A one-line inline table of strings, integers and booleans, as tomllib reads it."""
    match = _FLAT_TABLE.fullmatch(value)
    if match is None:
        return None
    table: dict[str, Any] = {}
    for key, raw in _PAIR.findall(match.group(1)):
        if key in table:
            return None
        if raw.startswith('"'):
            table[key] = raw[1:-1]
        elif raw in ("true", "false"):
            table[key] = raw == "true"
        else:
            table[key] = int(raw)
    return table


def scan(text: str) -> tuple[Any, list[dict[str, Any]], list[int]] | None:
    """The top-level ``version``, and each package's name, version, source, sdist and
    wheels with the line of its ``[[package]]`` header, for a lock in uv's own form;
    ``None`` for anything else (then tomllib reads it)."""
    if _OUTSIDE_THE_FORM.search(text) is not None:
        return None
    version: Any = None
    packages: list[dict[str, Any]] = []
    lines: list[int] = []
    table = ""  # "" (top level), "package", or another table (its keys are skipped)
    headers: set[str] = set()  # the tables defined so far (in this package, for its own)
    keys: set[str] = set()  # the keys of the current table
    current: dict[str, Any] = {}
    # The line that ends an array that spans lines: "]", or "]]" for an array of arrays
    # written as uv writes `conflicts` (its inner arrays split by "], [").
    closer = ""
    wheels: list[Any] | None = None  # the wheels array being read
    for number, line in enumerate(text.split("\n"), start=1):
        if wheels is not None:
            if line == "]":
                wheels = None
            elif line.startswith("    {") and line.endswith("},"):
                wheel = _flat(line[4:-1])
                if wheel is None:
                    return None
                wheels.append(wheel)
            else:
                return None
            continue
        if closer:
            bare = _skeleton(line)
            if bare == closer:
                closer = ""
            elif bare is None or not (
                bare == "" or _ITEM_LINE.fullmatch(bare) or (closer == "]]" and bare == "], [")
            ):
                return None
            continue
        if not line or line.startswith("#"):
            continue
        if line[0] == "[":
            if line == "[[package]]":
                table, current, keys = "package", {}, set()
                headers = {h for h in headers if not h.startswith("[package.")}
                packages.append(current)
                lines.append(number)
                continue
            if line in headers:
                return None  # a table defined twice
            if _SUBTABLE.fullmatch(line) and packages:
                if line[9:].split(".")[0].rstrip("]") in _READ:
                    return None  # [package.sdist] and the like: a key this reads, as a table
                table = "sub"
            elif _OTHER_TABLE.fullmatch(line):
                table = "other"
            else:
                return None
            headers.add(line)
            keys = set()
            continue
        match = _KEY_LINE.fullmatch(line)
        if match is None:
            return None
        key, value = match.groups()
        if key in keys:
            return None  # a key given twice
        keys.add(key)
        if table == "package" and key in _READ:
            if key in ("name", "version"):
                string = _STRING.fullmatch(value)
                if string is None:
                    return None
                current[key] = string.group(1)
            elif key in ("source", "sdist"):
                inline = _flat(value)
                if inline is None:
                    return None
                current[key] = inline
            elif value == "[":
                wheels = current[key] = []
            elif value == "[]":
                current[key] = []
            else:
                return None
            continue
        if table == "" and key == "version":
            if not re.fullmatch(r"[0-9]{1,9}", value):
                return None
            version = int(value)
            continue
        if table == "" and key == "package":
            return None  # not an array of tables: tomllib says what is wrong
        bare = _skeleton(value)
        if bare is None:
            return None
        if bare in ("[", "[["):
            closer = "]" * len(bare)
        elif not _VALUE_LINE.fullmatch(bare):
            return None
    if closer or wheels is not None:
        return None
    return version, packages, lines
