"""Reader for ``tox.ini`` (and the tox sections of ``setup.cfg``): ``deps`` of every test
environment, ``[tox] requires``, and the indexes ``install_command``, ``setenv`` and
``indexserver`` name.

Nothing is run. Each ``deps`` line is a requirements-file line (``-r``, ``-c``, options,
hashes), read with :func:`guard.manifests.requirements.read_lines`, after what tox does to
it first:

* comments: a ``#`` (not ``\\#``) and everything after it is dropped, as tox 4 does,
  except a URL fragment (``url#egg=name``), kept as tox 3 kept it;
* factor conditions: ``py38,py39: pytest`` and ``!py38: mock`` count whatever the
  environment (reading every factor is the stricter result);
* ``\\`` at the end of a line joins it with the next;
* substitutions: ``{toxinidir}`` and ``{tox_root}`` are the tox.ini folder, ``{/}`` is
  ``/``, ``{[section]key}`` is that option's value (each line keeps its own line number).
  A line with any other substitution (``{env:X}``, ``{posargs}``) cannot be known before
  tox runs: it is noted (:meth:`ReadContext.note`) and skipped.

The INI syntax is Python's :mod:`configparser` (tox 4 and setuptools both use it), scanned
here line by line so that every value keeps its line number. Where tox or setuptools
would refuse a repeated section or option, every occurrence is read instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from guard._files import read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.requirements import read_lines
from guard.model import Dependency

_LINE_END = re.compile(r"\r\n|\r|\n")
_DEFAULT = "DEFAULT"
_DELIMITER = re.compile(r"[=:]")
# configparser's SECTCRE, matched against the stripped line.
_SECTION = re.compile(r"\[(?P<header>.+)\]")
# tox 4's comment rule (an unescaped "#" and the rest), except that a "#" right after
# other text and before "name=" is kept: a URL fragment (``#egg=``, ``#sha256=``), as tox 3
# kept it and as the file's author meant it.
_COMMENT = re.compile(r"(?<!\S)#.*|(?<![\s\\])#(?![\w.-]+=).*")
# A factor condition ends at the first ":" followed by whitespace or the end of the line
# (tox 4); what comes before must look like a factor expression (``py{38,39}-!django``).
_FACTOR_END = re.compile(r":(?:\s|$)")
_FACTOR_EXPR = re.compile(r"[\w.*?!{},\s-]*")
# tox 3's ``:indexserver:requirement``.
_INDEXSERVER_PREFIX = re.compile(r"^:[^:\s]+:")
_SUBSTITUTION = re.compile(r"\{([^{}]*)\}")
_REFERENCE = re.compile(r"\[(?P<section>[^\]]+)\](?P<key>[-\w]+)(?::(?P<default>.*))?", re.DOTALL)
_CORE_KEYS = ("requires", "indexserver")
_ENV_KEYS = ("deps", "install_command", "setenv", "set_env")
_PATH_SUBSTITUTIONS = {"toxinidir": ".", "tox_root": ".", "/": "/", ":": ":"}
#: How deep ``{[section]key}`` references may nest, and how many a file may expand.
_MAX_REFERENCE_DEPTH = 16
_MAX_REFERENCES = 10_000
#: The longest line read (real ones are under a few KiB, with hashes): longer ones are
#: refused rather than handed to parsers that are slow on them.
MAX_LINE = 16 * 1024
# Words of a command line: unquoted runs and quoted strings (a regex, linear on any input).
_WORD = re.compile(r"""(?:[^\s'"]|'[^']*'|"[^"]*"|['"])+""")

#: Options of an install command that name an index or another source of packages (pip
#: and uv). A long option may be abbreviated as pip allows (``--extra-index``).
_INDEX_OPTIONS = (
    "--index-url",
    "--extra-index-url",
    "--find-links",
    "--trusted-host",
    "--index",
    "--default-index",
)
_SHORT_INDEX_OPTIONS = {"-i": "--index-url", "-f": "--find-links"}
#: Environment variables that point pip or uv at an index, as ``setenv`` may set them.
_INDEX_VARIABLES = frozenset(
    {
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_FIND_LINKS",
        "PIP_TRUSTED_HOST",
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "UV_INDEX",
        "UV_DEFAULT_INDEX",
        "UV_FIND_LINKS",
    }
)


# ---------------------------------------------------------------------------------------
# The INI file


@dataclass(frozen=True)
class IniOption:
    """One ``key = value`` of an INI file: ``values`` holds the text after the ``=`` (or
    ``:``) on the key's line, then every non-empty continuation line, stripped, each with
    its line number. Comment lines are not values."""

    section: str
    key: str
    line: int
    values: tuple[tuple[int, str], ...]

    @property
    def multiline(self) -> bool:
        """Whether the value goes on past the key's line (setuptools then splits it into
        lines; a one-line value it splits at ``;``)."""
        return len(self.values) > 1


class IniFile:
    """Every option of an INI file, by section and key, in file order. A section or option
    written twice is kept twice: readers read every occurrence."""

    def __init__(self, display: str) -> None:
        self.display = display
        self._sections: dict[str, list[IniOption]] = {}
        self._keys: dict[tuple[str, str], list[IniOption]] = {}

    @property
    def sections(self) -> list[str]:
        """The section names in file order (``[DEFAULT]`` is not one, as configparser)."""
        return [name for name in self._sections if name != _DEFAULT]

    def add_section(self, name: str) -> None:
        self._sections.setdefault(name, [])

    def add(self, option: IniOption) -> None:
        self._sections[option.section].append(option)
        self._keys.setdefault((option.section, option.key), []).append(option)

    def items(self, section: str) -> list[IniOption]:
        """The options of ``section`` and, as configparser gives them to every section
        that exists, those of ``[DEFAULT]``."""
        if section not in self._sections:
            return []
        return [*self._sections.get(_DEFAULT, []), *self._sections[section]]

    def own(self, section: str, key: str) -> list[IniOption]:
        """Every occurrence of ``key`` in ``section`` itself (not in ``[DEFAULT]``)."""
        return self._keys.get((section, key.lower()), [])

    def get(self, section: str, key: str) -> list[IniOption]:
        """Every occurrence of ``key`` (compared case-insensitively, as configparser
        does) in ``section`` or ``[DEFAULT]``."""
        if section not in self._sections:
            return []
        key = key.lower()
        return [*self._keys.get((_DEFAULT, key), []), *self._keys.get((section, key), [])]


def parse_ini(text: str, display: str) -> IniFile:
    """Scan ``text`` the way :mod:`configparser` reads it (``#`` and ``;`` start comment
    lines only, a continuation line is indented deeper than its key, ``=`` or ``:``
    separates a key from its value), keeping line numbers. A line that is none of these,
    or one before the first section header, is an :class:`InputError` at that line."""
    ini = IniFile(display)
    section: str | None = None
    key: str | None = None
    key_line = 0
    values: list[tuple[int, str]] = []
    indent_level = 0

    def flush() -> None:
        if section is not None and key is not None:
            ini.add(IniOption(section, key, key_line, tuple(values)))

    for number, raw in _lines(text):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        indent = len(raw) - len(raw.lstrip())
        if key is not None and indent > indent_level:
            values.append((number, stripped))
            continue
        indent_level = indent
        header = _SECTION.match(stripped)
        if header is not None:
            flush()
            section, key = header.group("header"), None
            ini.add_section(section)
            continue
        if section is None:
            raise InputError(display, number, "a line before the first [section] header")
        at = _delimiter(stripped)
        if at < 0:
            shown = stripped if len(stripped) <= 60 else stripped[:57] + "..."
            raise InputError(
                display, number, f"not a [section], 'key = value' or continuation: {shown!r}"
            )
        name = stripped[:at].rstrip()
        if not name:
            raise InputError(display, number, "a value without a key")
        flush()
        key, key_line = name.lower(), number
        values = [(number, stripped[at + 1 :].strip())]
    flush()
    return ini


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines as Python's text files split them (``\\n``, ``\\r\\n`` or ``\\r``), lazily:
    a file that goes wrong on its first line is refused without splitting the rest."""
    start, number = 0, 0
    for end in _LINE_END.finditer(text):
        number += 1
        yield number, text[start : end.start()]
        start = end.end()
    if start < len(text):
        yield number + 1, text[start:]


def _delimiter(line: str) -> int:
    """The offset of the first ``=`` or ``:`` (configparser's default delimiters)."""
    found = _DELIMITER.search(line)
    return found.start() if found is not None else -1


# ---------------------------------------------------------------------------------------
# tox


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read the requirements a ``tox.ini`` installs and the indexes it names."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    return read_tox(parse_ini(text, display), path, ctx, core="tox")


def read_tox(ini: IniFile, path: Path, ctx: ReadContext, *, core: str) -> list[Dependency]:
    """The tox configuration in ``ini`` (``core`` is the name of tox's own section:
    ``tox`` in ``tox.ini``, ``tox:tox`` in ``setup.cfg``)."""
    tox = _Tox(ini, path, ctx)
    # Each option once: [DEFAULT]'s, which belong to every section, are taken once if a
    # section they would belong to exists.
    found: list[tuple[str, IniOption]] = []
    wanted: set[str] = set()
    for section in ini.sections:
        keys: tuple[str, ...]
        if section == core:
            keys = _CORE_KEYS
        elif section in ("testenv", "pkgenv") or section.startswith("testenv:"):
            keys = _ENV_KEYS
        else:
            continue
        wanted.update(keys)
        found.extend((key, option) for key in keys for option in ini.own(section, key))
    for key in sorted(wanted):
        found.extend((key, option) for option in ini.own(_DEFAULT, key))
    lines: dict[tuple[int, str], None] = {}
    for key, option in found:
        if key in ("requires", "deps"):
            lines.update(dict.fromkeys(tox.requirement_lines(option)))
        elif key == "indexserver":
            tox.indexservers(option)
        elif key == "install_command":
            tox.install_command(option)
        else:
            tox.setenv(option)
    return read_lines(list(lines), path, ctx)


class _Tox:
    """What reading one file's tox configuration shares: the file, what was noted, and
    the ``{[section]key}`` references resolved so far."""

    def __init__(self, ini: IniFile, path: Path, ctx: ReadContext) -> None:
        self.ini = ini
        self.path = path
        self.ctx = ctx
        self.display = ini.display
        self._noted: set[tuple[int, str]] = set()
        self._indexes: set[tuple[int, str, str]] = set()
        self._resolved: dict[tuple[str, str], list[tuple[int, str]]] = {}
        self._resolving: list[tuple[str, str]] = []
        self._references = 0

    def lines(self, option: IniOption) -> list[tuple[int, str]]:
        """:func:`logical_lines`, each at most :data:`MAX_LINE` characters long."""
        for number, text in option.values:  # before any regex runs over it
            if len(text) > MAX_LINE:
                raise self._too_long(option, number)
        lines = logical_lines(option)
        for number, text in lines:  # joined continuation lines
            if len(text) > MAX_LINE:
                raise self._too_long(option, number)
        return lines

    def _too_long(self, option: IniOption, number: int) -> InputError:
        return InputError(
            self.display, number, f"{option.key}: a line longer than {MAX_LINE} characters"
        )

    def note(self, line: int, text: str) -> None:
        if (line, text) not in self._noted:
            self._noted.add((line, text))
            self.ctx.note(self.display, line, text)

    # -- deps ---------------------------------------------------------------------------

    def requirement_lines(self, option: IniOption) -> list[tuple[int, str]]:
        """The requirement lines of a ``deps`` (or ``requires``) value after comments,
        factor conditions, continuations and substitutions, each with its line."""
        found: dict[tuple[int, str], None] = {}
        for number, text in self.lines(option):
            text = _INDEXSERVER_PREFIX.sub("", text).strip()
            for entry in self._substitute(number, text, option):
                if entry[1].strip():
                    found[entry] = None
        return list(found)

    def _substitute(self, number: int, text: str, option: IniOption) -> list[tuple[int, str]]:
        """Resolve the substitutions of one line; ``[]`` (and a note) when one cannot be."""
        if "{" not in text and "}" not in text:
            return [(number, text)]
        whole = _SUBSTITUTION.fullmatch(text)
        if whole is not None:
            reference = _REFERENCE.fullmatch(whole.group(1))
            if reference is not None:  # a line that is one reference: its lines, as they are
                return self._reference(number, reference, option)
        pieces: list[str] = []
        start = 0
        for match in _SUBSTITUTION.finditer(text):
            pieces.append(text[start : match.start()])
            start = match.end()
            value = self._inline(number, match, option)
            if value is None:
                return []
            pieces.append(value)
        pieces.append(text[start:])
        result = "".join(pieces)
        if "{" in result or "}" in result:
            self.note(number, f"{option.key}: {text!r} has a tox substitution that is not read")
            return []
        return [(number, result)]

    def _inline(self, number: int, match: re.Match[str], option: IniOption) -> str | None:
        """The text one substitution inside a line stands for, or ``None`` (noted)."""
        name = match.group(1)
        if name in _PATH_SUBSTITUTIONS:
            return _PATH_SUBSTITUTIONS[name]
        reference = _REFERENCE.fullmatch(name)
        if reference is not None:
            lines = self._reference(number, reference, option)
            if len(lines) <= 1:
                return lines[0][1] if lines else ""
            self.note(
                number,
                f"{option.key}: {match.group()} has several lines and is part of a line: not read",
            )
            return None
        self.note(
            number,
            f"{option.key}: {match.group()} is known only when tox runs: this line is not read",
        )
        return None

    def _reference(
        self, number: int, reference: re.Match[str], option: IniOption
    ) -> list[tuple[int, str]]:
        """The lines of ``{[section]key}``: the other option's requirement lines, each
        with its own line number."""
        target = (reference.group("section"), reference.group("key").lower())
        if target in self._resolved:
            return self._resolved[target]
        shown = f"{{[{target[0]}]{reference.group('key')}}}"
        if target in self._resolving:
            self.note(number, f"{option.key}: {shown} refers to itself: not read")
            return []
        self._references += 1
        if self._references > _MAX_REFERENCES or len(self._resolving) >= _MAX_REFERENCE_DEPTH:
            raise InputError(
                self.display,
                number,
                f"{{[section]key}} references nest or repeat too much: {shown}",
            )
        options = self.ini.get(*target)
        if not options:
            default = reference.group("default")
            if default is not None:
                return [(number, default)] if default.strip() else []
            self.note(number, f"{option.key}: {shown} names an option the file does not have")
            return []
        self._resolving.append(target)
        try:
            found: dict[tuple[int, str], None] = {}
            for referenced in options:
                found.update(dict.fromkeys(self.requirement_lines(referenced)))
        finally:
            self._resolving.pop()
        self._resolved[target] = list(found)
        return self._resolved[target]

    # -- indexes ------------------------------------------------------------------------

    def install_command(self, option: IniOption) -> None:
        """Record the indexes an ``install_command`` passes to pip or uv."""
        pending: str | None = None
        for number, text in self.lines(option):
            for match in _WORD.finditer(text):
                word = match.group().replace('"', "").replace("'", "")
                if pending is not None:
                    self._index(number, f"tox install_command {pending}", word)
                    pending = None
                    continue
                name, equals, value = word.partition("=")
                long = _long_option(name) if name.startswith("--") else None
                if long is not None:
                    if equals:
                        self._index(number, f"tox install_command {long}", value)
                    else:
                        pending = long
                elif word[:2] in _SHORT_INDEX_OPTIONS:
                    short = _SHORT_INDEX_OPTIONS[word[:2]]
                    if len(word) > 2:
                        self._index(number, f"tox install_command {short}", word[2:])
                    else:
                        pending = short

    def setenv(self, option: IniOption) -> None:
        """Record the indexes ``setenv`` points pip or uv at (``PIP_INDEX_URL=...``)."""
        for number, text in self.lines(option):
            name, equals, value = text.partition("=")
            if equals and name.strip() in _INDEX_VARIABLES:
                for url in value.split():
                    self._index(number, f"tox setenv {name.strip()}", url)

    def indexservers(self, option: IniOption) -> None:
        """Record tox 3's ``indexserver`` entries (``NAME = URL``)."""
        for number, text in self.lines(option):
            name, equals, url = text.partition("=")
            if equals and url.strip():
                self._index(number, f"tox indexserver {name.strip()}", url.strip())

    def _index(self, number: int, option: str, url: str) -> None:
        if (number, option, url) in self._indexes:
            return
        self._indexes.add((number, option, url))
        self.ctx.add_index(self.display, number, option, url)
        if "{" in url:
            self.note(number, f"{option} {url}: a substitution tox resolves when it runs")


def _long_option(name: str) -> str | None:
    """The index option a long option names, as pip accepts abbreviations."""
    if name in _INDEX_OPTIONS:
        return name
    if len(name) < 4:
        return None
    matches = [option for option in _INDEX_OPTIONS if option.startswith(name)]
    return matches[0] if matches else None


def logical_lines(option: IniOption) -> list[tuple[int, str]]:
    """A tox value's lines as tox 4 reads them, for every environment at once: comments
    dropped, factor conditions removed (every factor's lines count), lines ending in
    ``\\`` joined with the next (the joined line keeps the first one's number)."""
    lines: list[tuple[int, str]] = []
    for number, raw in option.values:
        for physical in raw.splitlines() or [""]:
            if physical.startswith("#"):
                continue
            text = _COMMENT.sub("", physical).replace("\\#", "#").strip()
            lines.append((number, _strip_factors(text)))
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, text in lines:
        if pending is not None:
            number, text = pending[0], pending[1] + text
            pending = None
        if text.endswith("\\"):
            pending = (number, text[:-1])
            continue
        if text:
            joined.append((number, text))
    if pending is not None and pending[1].strip():
        joined.append(pending)
    return joined


def _strip_factors(text: str) -> str:
    """``py38,!py39: pytest`` -> ``pytest``; a line without a factor condition as it is."""
    end = _FACTOR_END.search(text)
    if end is None or not _FACTOR_EXPR.fullmatch(text[: end.start()]):
        return text
    return text[end.end() :].strip()
