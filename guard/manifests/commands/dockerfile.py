"""Dockerfiles and Containerfiles, split into instructions as BuildKit's parser does:
parser directives (``# escape=``), continuation lines, ``RUN`` flags, the shell and exec
forms, and heredocs. The shell commands of every ``RUN`` are read as install commands
(:mod:`guard.manifests.commands.installers`); ``ENV`` and ``ARG`` index variables are
recorded."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from typing import Any, NamedTuple

from guard.errors import InputError
from guard.manifests.commands.installers import INDEX_VARIABLES, CommandReader
from guard.manifests.commands.shell import Lexer, Op, Source, Unclosed, Word

#: BuildKit reads a Dockerfile with Go's ``bufio.Scanner`` and its default buffer: a
#: longer physical line is an error there too.
MAX_DOCKERFILE_LINE = 64 * 1024 - 1

_DOCKER_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_DOCKER_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_DOCKER_SPACE = re.compile(r"[\t\v\f\r ]+")
_DOCKER_HEREDOC = re.compile(r"^(\d*)<<(-?)\s*([^<]*)$")
_SHEBANG_SHELL = re.compile(r"^#!\s*\S*?(?:/|\s)(?:env\s+(?:-\S+\s+)*)?(?:ba|da|z|k|a)?sh\b")


class _DockerHeredoc(NamedTuple):
    """A heredoc of an instruction: its name, ``<<-``, its body and the line of its
    terminator."""

    name: str
    chomp: bool
    body: Source
    end_line: int


def read_dockerfile(reader: CommandReader, text: str) -> None:
    """Read the install commands of a Dockerfile's ``RUN`` instructions."""
    _Dockerfile(reader, text).read()


class _Dockerfile:
    """A Dockerfile, split into instructions as BuildKit's parser does
    (``frontend/dockerfile/parser``)."""

    def __init__(self, reader: CommandReader, text: str) -> None:
        self.reader = reader
        self.lines = text.split("\n")
        self.escape = "\\"

    def read(self) -> None:
        lines = self.lines
        if max(map(len, lines)) > MAX_DOCKERFILE_LINE // 4:
            for number, line in enumerate(lines, 1):
                if len(line.encode()) > MAX_DOCKERFILE_LINE:
                    raise InputError(
                        self.reader.display,
                        number,
                        f"a line longer than {MAX_DOCKERFILE_LINE:,} bytes, which Docker refuses",
                    )
        i = self._directives()
        while i < len(lines):
            i = self._instruction(i)

    def _directives(self) -> int:
        """Parser directives at the top (``# escape=```): the escape character."""
        seen: set[str] = set()
        for i, raw in enumerate(self.lines):
            match = _DOCKER_DIRECTIVE.match(raw.rstrip("\r\n").lstrip())
            if match is None or match.group(1).lower() not in _DOCKER_DIRECTIVES:
                return i
            name = match.group(1).lower()
            if name in seen:
                raise InputError(
                    self.reader.display, i + 1, f"only one {name} parser directive can be used"
                )
            seen.add(name)
            if name == "escape":
                if match.group(2) not in ("\\", "`"):
                    raise InputError(
                        self.reader.display,
                        i + 1,
                        f"invalid escape token {match.group(2)!r} (only ` and \\ are allowed)",
                    )
                self.escape = match.group(2)
        return len(self.lines)

    def _continued(self, line: str) -> tuple[str, bool]:
        """A line without its trailing escape character, and whether one was there."""
        stripped = line.rstrip(" \t")
        escape = self.escape
        if stripped.endswith(escape) and (len(stripped) == 1 or stripped[-2] != escape):
            return stripped[:-1], True
        return line, False

    def _instruction(self, i: int) -> int:
        """Read the instruction starting at line index ``i``; returns the next index."""
        lines = self.lines
        self.reader.budget.tick()
        raw = lines[i].rstrip("\r")
        start_line = i + 1
        i += 1
        first = raw.lstrip()
        if not first or first.startswith("#"):
            return i
        builder = _Builder()
        piece, more = self._continued(first)
        builder.add(piece, start_line)
        while more and i < len(lines):
            self.reader.budget.tick()
            raw = lines[i].rstrip("\r")
            i += 1
            if raw.lstrip().startswith("#") or not raw.strip():
                continue
            piece, more = self._continued(raw)
            builder.add(piece, i)
        source = builder.build()
        keyword, at = _keyword(source.text, 0)
        if keyword == "ONBUILD":
            keyword, at = _keyword(source.text, at)
        if keyword not in ("RUN", "COPY", "ADD", "ENV", "ARG"):
            return i
        at = self._after_flags(source.text, at)
        heredocs: list[_DockerHeredoc] = []
        if keyword in ("RUN", "COPY", "ADD") and "<<" in source.text:
            for name, chomp in self._heredoc_names(source.text):
                heredoc, i = self._heredoc_body(i, name, chomp)
                heredocs.append(heredoc)
        if keyword in ("ENV", "ARG"):
            self._variables(source.slice(at, len(source.text)))
        elif keyword == "RUN":
            self._run(source, at, heredocs)
        return i

    def _after_flags(self, text: str, at: int) -> int:
        """Where the arguments begin after ``--mount=...`` and other flags (BuildKit's
        ``extractBuilderFlags``)."""
        n = len(text)
        while True:
            while at < n and text[at].isspace():
                at += 1
            if not text.startswith("--", at):
                return at
            start, quote = at, ""
            while at < n:
                c = text[at]
                if quote:
                    if c == quote:
                        quote = ""
                    elif c == self.escape:
                        at += 1
                elif c.isspace():
                    break
                elif c in "'\"":
                    quote = c
                elif c == self.escape:
                    at += 1
                at += 1
            if text[start:at] == "--":
                return at

    def _heredoc_names(self, line: str) -> list[tuple[str, bool]]:
        """The heredocs an instruction opens: words such as ``<<EOF``, ``<<-'EOF'``."""
        found: list[tuple[str, bool]] = []
        for word in _docker_words(line):
            match = _DOCKER_HEREDOC.match(word)
            if match is None or not match.group(3):
                continue
            name = _unquote(match.group(3))
            if name is not None:
                found.append((name, match.group(2) == "-"))
        return found

    def _heredoc_body(self, i: int, name: str, chomp: bool) -> tuple[_DockerHeredoc, int]:
        """The body of a heredoc that starts at line index ``i``, and the index after
        its terminator."""
        builder = _Builder()
        builder.add("", i + 1)
        lines = self.lines
        while i < len(lines):
            self.reader.budget.tick()
            line = lines[i].rstrip("\r")
            i += 1
            if (line.lstrip("\t") if chomp else line) == name:
                return _DockerHeredoc(name, chomp, builder.build(), i), i
            builder.add(line + "\n", i)
        self.reader.note(len(lines), f"heredoc {name} is never closed")
        return _DockerHeredoc(name, chomp, builder.build(), len(lines)), i

    def _run(self, source: Source, at: int, heredocs: list[_DockerHeredoc]) -> None:
        reader = self.reader
        args = source.text[at:].strip()
        if not args:
            return
        at = source.text.index(args[0], at)
        if args.startswith("["):
            try:
                parsed = json.loads(args)
            except ValueError:
                parsed = None
            if isinstance(parsed, list):
                self._exec_form(source, at, parsed)
                return
        command = source.slice(at, at + len(args))
        lone = _DOCKER_HEREDOC.match(args)
        if heredocs and lone is not None and _unquote(lone.group(3)) is not None:
            name, chomp, script, _ = heredocs[0]
            if chomp:
                script = Source.by_lines(re.sub(r"(?m)^\t+", "", script.text), script.line_at(0))
            if script.text.startswith("#!") and not _SHEBANG_SHELL.match(script.text):
                interpreter = script.text.split("\n", 1)[0]
                reader.note(
                    script.line_at(0), f"RUN <<{name}: a script run by {interpreter}; not read"
                )
                return
            reader.script(script, 0)
            return
        if heredocs:  # BuildKit passes the command and its heredocs to the shell
            command = _joined(command, heredocs)
        reader.script(command, 0)

    def _exec_form(self, source: Source, at: int, items: list[Any]) -> None:
        """``RUN ["pip", "install", "x"]``: no shell, every item one word."""
        if not all(isinstance(item, str) for item in items):
            self.reader.note(source.line_at(at), "RUN: an exec form that is not a list of strings")
            return
        words = []
        pos = at
        for item in items:
            found = source.text.find(json.dumps(item), pos)
            start = found if found >= 0 else at
            pos = max(pos, found + 1)
            words.append(Word(item, start, start, True, item, item))
        self.reader.command(words, [], source, 0)

    def _variables(self, source: Source) -> None:
        """``ENV``/``ARG`` settings of index variables (``ENV PIP_EXTRA_INDEX_URL=...``)."""
        if not any(name in source.text for name in INDEX_VARIABLES):
            return
        tokens: list[Word | Op] = []
        try:
            Lexer(source, self.reader.budget).tokens(0, tokens)
        except Unclosed:
            return
        words = [t for t in tokens if isinstance(t, Word)]
        if words and "=" not in words[0].prefix and len(words) > 1:  # ENV NAME value
            name = words[0].text
            if name in INDEX_VARIABLES:
                value = " ".join(w.text for w in words[1:])
                self.reader.index_variable(name, value, source.line_at(words[0].start))
            return
        for word in words:
            self.reader.assignment(word, source)


def _keyword(text: str, at: int) -> tuple[str, int]:
    """The instruction word at ``at`` (upper case) and where its arguments start."""
    match = _DOCKER_SPACE.match(text, at)
    at = match.end() if match else at
    end = at
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[at:end].upper(), end


def _docker_words(line: str) -> list[str]:
    """Words of a line split at blanks outside quotes, quotes kept (BuildKit's lexer with
    raw quotes), enough to find heredoc words."""
    words: list[str] = []
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            current.append(c)
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"' and i + 1 < len(line):
                current.append(line[i + 1])
                i += 1
        elif c.isspace():
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(c)
            if c in "'\"":
                quote = c
            elif c == "\\" and i + 1 < len(line):
                current.append(line[i + 1])
                i += 1
        i += 1
    if current:
        words.append("".join(current))
    return words


def _unquote(word: str) -> str | None:
    """A heredoc delimiter without its quotes, or ``None`` if it is not one word."""
    try:
        parts = shlex.split(word)
    except ValueError:
        return None
    return parts[0] if len(parts) == 1 else None


class _Builder:
    """Builds a :class:`Source` from pieces of a file, each at its own line."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offsets: list[int] = []
        self.lines: list[int] = []
        self.length = 0

    def add(self, text: str, line: int, *, multiline: bool = False) -> None:
        self.offsets.append(self.length)
        self.lines.append(line)
        if multiline:
            at = text.find("\n")
            while at >= 0:
                self.offsets.append(self.length + at + 1)
                self.lines.append(self.lines[-1] + 1)
                at = text.find("\n", at + 1)
        self.parts.append(text)
        self.length += len(text)

    def build(self) -> Source:
        return Source("".join(self.parts), self.offsets or [0], self.lines or [1])


def _joined(command: Source, heredocs: Sequence[_DockerHeredoc]) -> Source:
    """A ``RUN`` command followed by the bodies and terminators of its heredocs, as
    BuildKit hands a ``RUN`` with heredocs to the shell."""
    offsets, lines, parts = list(command.offsets), list(command.lines), [command.text]
    length = len(command.text)
    for heredoc in heredocs:
        body = heredoc.body
        parts += ["\n", body.text, heredoc.name]
        offsets += [length + 1 + offset for offset in body.offsets]
        lines += body.lines
        length += 1 + len(body.text)
        offsets.append(length)
        lines.append(heredoc.end_line)
        length += len(heredoc.name)
    return Source("".join(parts), offsets, lines)
