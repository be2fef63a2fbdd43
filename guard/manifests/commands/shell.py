"""The POSIX shell as bumpguard reads it, without running anything: script text with the
file line of every offset (:class:`Source`), and a tokeniser that splits a script into
words, quotes, operators, here-documents and substitutions (:class:`Lexer`), then into
simple commands (:func:`simple_commands`)."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

#: Tokenising steps one file may take (each a regex match over a run of text, or one
#: quote or operator): half a second of work, twenty times what the largest real scripts
#: take. More is an input error, never a hang.
MAX_STEPS = 500_000


# ---------------------------------------------------------------------------------------
# Text with the file line of every offset


class Source:
    """Script text and, for each offset in it, the line of the file it comes from.

    ``offsets`` and ``lines`` are marks: an offset's line is the line of the last mark
    at or before it. ``shown`` is the text as written, for messages: the same length as
    ``text``, which may hold :data:`SENTINEL` where an expression was masked."""

    __slots__ = ("lines", "offsets", "shown", "text")

    def __init__(
        self,
        text: str,
        offsets: Sequence[int],
        lines: Sequence[int],
        shown: str | None = None,
    ) -> None:
        self.text = text
        self.shown = text if shown is None else shown
        self.offsets = offsets
        self.lines = lines

    @classmethod
    def by_lines(cls, text: str, first_line: int, shown: str | None = None) -> Source:
        """``text`` whose first line is ``first_line`` of the file, one file line per
        line of text."""
        # Line starts, summed in C: a script of millions of lines costs no Python loop.
        ends = itertools.accumulate(map(_PLUS_ONE, map(len, text.split("\n"))))
        offsets = [0, *ends][:-1]
        return cls(text, offsets, range(first_line, first_line + len(offsets)), shown)

    def line_at(self, offset: int) -> int:
        return self.lines[max(bisect.bisect_right(self.offsets, offset) - 1, 0)]

    def slice(self, start: int, end: int) -> Source:
        """The part ``[start, end)`` of this text, with its lines."""
        first = max(bisect.bisect_right(self.offsets, start) - 1, 0)
        last = bisect.bisect_left(self.offsets, end)
        offsets = [0] + [o - start for o in self.offsets[first + 1 : last]]
        lines = list(self.lines[first:last]) or [self.line_at(start)]
        return Source(self.text[start:end], offsets, lines, self.shown[start:end])

    def masked(self, opener: str, closer: str) -> Source:
        """This text with every ``opener ... closer`` expression (``${{ }}``, ``$[[ ]]``,
        substituted before the shell runs) turned into sentinels of the same length."""
        if opener not in self.text:
            return self
        out: list[str] = []
        pos = 0
        while True:
            start = self.text.find(opener, pos)
            end = self.text.find(closer, start + len(opener)) if start >= 0 else -1
            if end < 0:
                break
            end += len(closer)
            out.append(self.text[pos:start])
            out.append(_NOT_NEWLINE.sub(SENTINEL, self.text[start:end]))
            pos = end
        out.append(self.text[pos:])
        return Source("".join(out), self.offsets, self.lines, self.shown)


# ---------------------------------------------------------------------------------------
# Shell tokens


_PLUS_ONE = (1).__add__

#: Stands for text the shell never sees as written (a ``${{ }}`` expression).
SENTINEL = "\ue000"
_NOT_NEWLINE = re.compile(r"[^\n]")
_BLANKS = re.compile(r"[ \t]+")
_PLAIN = re.compile(r"[^ \t\n'\"\\$`;&|()<>*?\ue000]+")
_DOUBLE_PLAIN = re.compile(r"[^\"\\$`\ue000]+")
_PARAMETER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BALANCED = {"(": re.compile(r"[()'\"\\`]"), "{": re.compile(r"[{}'\"\\`]")}
_DOUBLE_END = re.compile(r"[\"\\]")
_BACKTICK_END = re.compile(r"[`\\]")
_ANSI_END = re.compile(r"['\\]")
_SENTINELS = re.compile(r"\ue000+")
# Longest first, so that the first alternative that matches is the operator.
_OPERATOR = re.compile(r";;&|;;|;&|;|&&|&>>|&>|&|\|\||\|&|\||\(|\)|<<<|<<-|<<|<>|<&|<|>>|>&|>\||>")
_REDIRECTS = frozenset({"<", ">", ">>", "<>", "<&", ">&", ">|", "&>", "&>>", "<<<"})
_HEREDOCS = frozenset({"<<", "<<-"})
ERROR = "error"  # a pseudo-operator: the command being read had a syntax error


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word: its text after quote removal (expansions kept as written), where
    it starts and ends in its script, whether the shell passes it as written
    (``literal``), and the literal text before its first and after its last expansion."""

    text: str
    start: int
    end: int
    literal: bool
    prefix: str
    tail: str

    def after(self, count: int) -> Word:
        """The word without its first ``count`` characters (an option's ``=value``)."""
        return Word(
            self.text[count:],
            self.start,
            self.end,
            self.literal,
            self.prefix[count:],
            self.tail if not self.literal else self.text[count:],
        )

    def with_text(self, text: str) -> Word:
        """The same word with other (literal) text: one item of a comma-separated list,
        or a ``name@version`` rewritten as ``name==version``."""
        return Word(text, self.start, self.end, True, text, text)


@dataclass(eq=False)
class Heredoc:
    """A here-document: its delimiter and, once the lexer reached it, its body."""

    delimiter: str
    strip_tabs: bool
    body_start: int = 0
    body_end: int = 0


class Op(NamedTuple):
    op: str
    heredoc: Heredoc | None = None


class Unclosed(Exception):
    """A quote or substitution is never closed (internal: becomes a note)."""

    def __init__(self, offset: int, what: str) -> None:
        super().__init__(what)
        self.offset = offset
        self.what = what


class TooLong(Exception):
    """The budget of tokenising steps is spent (internal: becomes an InputError)."""


class Budget:
    """Tokenising steps left for one file (see :data:`MAX_STEPS`)."""

    def __init__(self) -> None:
        self.left = MAX_STEPS

    def tick(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise TooLong


class Lexer:
    """Splits a script into words and operators as a POSIX shell does (without running
    any expansion). Linear in the length of the script."""

    def __init__(self, source: Source, budget: Budget) -> None:
        self.text = source.text
        self.budget = budget

    def tokens(self, start: int, out: list[Word | Op]) -> None:
        """Append the tokens of the script from ``start`` to ``out``; raises
        :class:`Unclosed` at a quote or substitution that is never closed."""
        text, n, tick = self.text, len(self.text), self.budget.tick
        pending: list[Heredoc] = []
        i = start
        while i < n:
            tick()
            c = text[i]
            if c == " " or c == "\t":
                i = _match_end(_BLANKS, text, i)
            elif c == "\n":
                out.append(Op("\n"))
                i += 1
                if pending:
                    i = self._bodies(i, pending)
                    pending = []
            elif c == "#":
                end = text.find("\n", i)
                i = n if end < 0 else end
            elif c == "\\" and text.startswith("\n", i + 1):
                i += 2
            elif c in ";&|()<>":
                if c in "<>" and text.startswith("(", i + 1):  # process substitution
                    end = self._balanced(i + 2, "(")
                    out.append(Word(text[i:end], i, end, False, "", ""))
                    i = end
                    continue
                end = _match_end(_OPERATOR, text, i)
                op, i = text[i:end], end
                if op in _HEREDOCS:
                    i = _match_end(_BLANKS, text, i)
                    if i >= n or text[i] in "\n;&|()<>":
                        continue  # no delimiter: a syntax error the shell reports
                    word, i = self._word(i)
                    heredoc = Heredoc(word.text, op == "<<-")
                    pending.append(heredoc)
                    out.append(Op(op, heredoc))
                else:
                    out.append(Op(op))
            else:
                word, i = self._word(i)
                if (
                    i < n
                    and text[i] in "<>"
                    and word.literal
                    and word.text.isdigit()
                    and word.end - word.start == len(word.text)
                ):
                    continue  # a file descriptor number: 2>&1
                out.append(word)
        for heredoc in pending:  # the script ended before the bodies began
            heredoc.body_start = heredoc.body_end = n

    def _bodies(self, i: int, pending: list[Heredoc]) -> int:
        text, n = self.text, len(self.text)
        for heredoc in pending:
            heredoc.body_start = i
            while True:
                self.budget.tick()
                end = text.find("\n", i)
                line = text[i : n if end < 0 else end]
                if (line.lstrip("\t") if heredoc.strip_tabs else line) == heredoc.delimiter:
                    heredoc.body_end = i
                    i = n if end < 0 else end + 1
                    break
                if end < 0:  # ends at the end of the script (bash warns and runs it)
                    heredoc.body_end = i = n
                    break
                i = end + 1
        return i

    def _word(self, i: int) -> tuple[Word, int]:
        text, n, tick = self.text, len(self.text), self.budget.tick
        start = i
        parts: list[str] = []
        length = 0
        prefix: str | None = None
        tail_at = 0

        def add(piece: str) -> None:
            nonlocal length
            parts.append(piece)
            length += len(piece)

        def expansion(raw: str) -> None:
            nonlocal prefix, tail_at
            if prefix is None:
                prefix = "".join(parts)
            add(raw)
            tail_at = length

        if text.startswith("~", i):  # tilde expansion
            expansion("~")
            i += 1
        while i < n:
            tick()
            match = _PLAIN.match(text, i)
            if match is not None:
                add(match.group())
                i = match.end()
                continue
            c = text[i]
            if c in " \t\n;&|()<>":
                break
            if c == "\\":
                if i + 1 >= n:
                    add("\\")
                    i += 1
                elif text[i + 1] == "\n":
                    i += 2
                else:
                    add(text[i + 1])
                    i += 2
            elif c == "'":
                end = text.find("'", i + 1)
                if end < 0:
                    raise Unclosed(i, "a single quote")
                quoted = text[i + 1 : end]
                masked = quoted.find(SENTINEL)  # substituted before the shell runs
                if masked < 0:
                    add(quoted)
                else:
                    add(quoted[:masked])
                    expansion(quoted[masked:])
                i = end + 1
            elif c == '"':
                i = self._double(i, add, expansion)
            elif c == "$":
                i = self._dollar(i, add, expansion, quoted=False)
            elif c == "`":
                end = self._backtick(i)
                expansion(text[i:end])
                i = end
            elif c == SENTINEL:
                end = _match_end(_SENTINELS, text, i)
                expansion(text[i:end])
                i = end
            else:  # * or ?: a file pattern
                expansion(c)
                i += 1
        value = "".join(parts)
        if prefix is None:
            return Word(value, start, i, True, value, value), i
        return Word(value, start, i, False, prefix, value[tail_at:]), i

    def _double(self, i: int, add: Callable[[str], None], expansion: Callable[[str], None]) -> int:
        text, n = self.text, len(self.text)
        opened = i
        i += 1
        while True:
            self.budget.tick()
            if i >= n:
                raise Unclosed(opened, "a double quote")
            match = _DOUBLE_PLAIN.match(text, i)
            if match is not None:
                add(match.group())
                i = match.end()
                continue
            c = text[i]
            if c == '"':
                return i + 1
            if c == "\\":
                nxt = text[i + 1] if i + 1 < n else ""
                if nxt in ('"', "\\", "$", "`"):
                    add(nxt)
                    i += 2
                elif nxt == "\n":
                    i += 2
                else:
                    add("\\")
                    i += 1
            elif c == "$":
                i = self._dollar(i, add, expansion, quoted=True)
            elif c == "`":
                end = self._backtick(i)
                expansion(text[i:end])
                i = end
            else:
                end = _match_end(_SENTINELS, text, i)
                expansion(text[i:end])
                i = end

    def _dollar(
        self,
        i: int,
        add: Callable[[str], None],
        expansion: Callable[[str], None],
        *,
        quoted: bool,
    ) -> int:
        text = self.text
        nxt = text[i + 1 : i + 2]
        if nxt == "(" or nxt == "{":
            end = self._balanced(i + 2, nxt)
        elif nxt == "'" and not quoted:  # $'...' (ANSI-C quoting)
            end = self._ansi(i + 2)
        elif nxt == '"' and not quoted:  # $"..." (a translated string): a double quote
            return i + 1
        elif nxt and (nxt in "@*#?-$!0123456789"):
            end = i + 2
        else:
            match = _PARAMETER.match(text, i + 1)
            if match is None:
                add("$")
                return i + 1
            end = match.end()
        expansion(text[i:end])
        return end

    def _balanced(self, i: int, opener: str) -> int:
        """The end of a ``$(...)``, ``$((...))``, ``${...}`` or ``<(...)`` whose opening
        bracket is just before ``i``."""
        text, closer = self.text, ")" if opener == "(" else "}"
        pattern = _BALANCED[opener]
        opened, depth = i - 1, 1
        while True:
            self.budget.tick()
            match = pattern.search(text, i)
            if match is None:
                raise Unclosed(opened, f"a '{opener}'")
            c, i = match.group(), match.end()
            if c == opener:
                depth += 1
            elif c == closer:
                depth -= 1
                if depth == 0:
                    return i
            elif c == "\\":
                i += 1
            elif c == "'":
                end = text.find("'", i)
                if end < 0:
                    raise Unclosed(i - 1, "a single quote")
                i = end + 1
            elif c == '"':
                i = self._skip(i, _DOUBLE_END, '"', "a double quote")
            else:
                i = self._backtick(i - 1)

    def _backtick(self, i: int) -> int:
        return self._skip(i + 1, _BACKTICK_END, "`", "a backquote")

    def _ansi(self, i: int) -> int:
        return self._skip(i, _ANSI_END, "'", "a single quote")

    def _skip(self, i: int, pattern: re.Pattern[str], closer: str, what: str) -> int:
        opened = i - 1
        while True:
            self.budget.tick()
            match = pattern.search(self.text, i)
            if match is None:
                raise Unclosed(opened, what)
            if match.group() == closer:
                return match.end()
            i = match.end() + 1


def _match_end(pattern: re.Pattern[str], text: str, at: int) -> int:
    """Where a run of ``pattern`` starting at ``at`` ends (``at`` if there is none)."""
    match = pattern.match(text, at)
    return at if match is None else match.end()


class _Command(NamedTuple):
    """One simple command: its words (redirections removed) and its here-documents."""

    words: list[Word]
    heredocs: list[Heredoc]


def simple_commands(tokens: Iterable[Word | Op]) -> Iterator[_Command]:
    words: list[Word] = []
    heredocs: list[Heredoc] = []
    skip = False
    for token in tokens:
        if isinstance(token, Word):
            if skip:
                skip = False
            else:
                words.append(token)
            continue
        if token.op in _REDIRECTS:
            skip = True
            continue
        if token.heredoc is not None:
            heredocs.append(token.heredoc)
            continue
        if token.op != ERROR and (words or heredocs):
            yield _Command(words, heredocs)
        words, heredocs, skip = [], [], False
    if words or heredocs:
        yield _Command(words, heredocs)
