"""Risk signals in Python source that a new release added or changed.

``bumpguard diff`` lists them with ``path:line`` so a reviewer sees what a malicious release
typically adds (an encoded blob run through ``exec``, reads of ``~/.ssh`` or ``~/.aws``, the
whole environment sent somewhere, a new host, a downloaded program run) without reading every
line. The analysis is textual, because files may be Python 2, broken or hostile; it never
executes anything and runs in linear time. Only lines absent from the old file are reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cached_property
from itertools import accumulate
from typing import Literal

from guard.artifacts.inspect_artifact import show

Severity = Literal["high", "medium", "low"]

KIND_BLOB = "encoded-blob"
KIND_EXEC = "exec-decoded"
KIND_LOADS = "marshal-zlib-load"
KIND_URL = "new-host"
KIND_CREDENTIALS = "credential-read"
KIND_ENV_DUMP = "environment-dump"
KIND_RUN_DOWNLOADED = "run-downloaded"

SEVERITY: dict[str, Severity] = {
    KIND_EXEC: "high",
    KIND_RUN_DOWNLOADED: "high",
    KIND_CREDENTIALS: "high",
    KIND_BLOB: "medium",
    KIND_LOADS: "medium",
    KIND_ENV_DUMP: "medium",
    KIND_URL: "low",
}

MAX_PER_KIND = 50  # signals of one kind listed per file; the rest are counted
BLOB_LIMIT = 4096  # an encoded run longer than this many characters is a blob
_LOOK = 64 * 1024  # how much of a line after a call is read as its arguments
_PER_LINE = 100  # matches of one pattern examined on one line (hostile lines are long)
_MAX_TAINT = 100  # names followed through assignments

# Every pattern searched over a whole file starts with a literal, which the regex engine
# skips to quickly; none has nested quantifiers, and none crosses a line.
_BLOB_TABLE = bytes(
    97 if chr(c).isascii() and (chr(c).isalnum() or chr(c) in "+/_-") else c if c == 61 else 32
    for c in range(256)
)  # a base64 or hex character becomes "a", "=" stays, anything else is " "
_BLOB_RUN = re.compile(b"a" * 32 + b"a*=*")
_BLOB_HEAD = re.compile(r"""[ \t(]*(?:[rRbBuU]{0,2}(?:'''|\"\"\"|'|"))?""")  # before a run
_BLOB_NEXT = re.compile(r"""(?:'''|\"\"\"|'|")?[ \t]*[\\+]?[ \t]*""")  # the next line goes on
_BLOB_LAST = re.compile(r"""(?:'''|\"\"\"|'|")?[ \t]*[\\+)]*[ \t]*""")  # after the last piece
_IDENT = re.compile(r"[A-Za-z_]\w*")
_STRING = re.compile(r""""[^"\n]*"|'[^'\n]*'""")  # names in a string are no reference to them
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _builtin(name: str) -> re.Pattern[str]:
    """A call of the builtin ``name``, also as ``builtins.name`` or
    ``__import__("builtins").name``; not ``re.compile``, ``literal_eval`` or ``model.eval``."""
    return re.compile(
        rf"({name})(?:(?<![\w.]{name})|(?<=builtins\.{name})|(?<=[\"']\)\.{name}))[ \t]*\("
    )


_EXECS = (
    _builtin("exec"),
    _builtin("eval"),
    _builtin("compile"),
    re.compile(r"""__builtins__[ \t]*\[[ \t]*["'](exec|eval|compile)["'][ \t]*\][ \t]*\("""),
    re.compile(
        r"""getattr[ \t]*\([ \t]*(?:__builtins__|builtins)[ \t]*,[ \t]*["'](exec|eval|compile)"""
        r"""["'][ \t]*\)[ \t]*\("""
    ),
)
_SOURCE = re.compile(  # decoders and downloaders, searched only in short texts
    r"\b(?:urlsafe_b64decode|standard_b64decode|b64decode|decodebytes|decodestring|a2b_base64"
    r"|b32decode|b16decode|a2b_hex|unhexlify|fromhex|b85decode|a85decode|codecs\.decode"
    r"|(?:zlib|lzma|bz2|gzip)\.decompress|decompress|marshal\.loads|urlopen|urlretrieve"
    r"|requests\.(?:get|post|request)|httpx\.(?:get|post|stream)|recv)\b"
    r"|\[[ \t]*:[ \t]*:[ \t]*-1[ \t]*\]"
)
_SOURCE_HINTS = tuple(  # each line that may hold a source contains one of these
    re.compile(re.escape(hint))
    for hint in (
        *("decode", "unhexlify", "fromhex", "a2b_", "decompress", "marshal", "url"),
        *("requests.", "httpx.", "recv", "::-1"),
    )
)
_LABELS = {
    tok: label
    for label, toks in (
        ("base64-decoded", "urlsafe_b64decode standard_b64decode b64decode decodebytes"),
        ("base64-decoded", "decodestring a2b_base64"),
        ("base32-decoded", "b32decode"),
        ("hex-decoded", "b16decode a2b_hex unhexlify fromhex"),
        ("base85-decoded", "b85decode a85decode"),
        ("codecs-decoded", "codecs.decode"),
        ("unmarshalled", "marshal.loads"),
    )
    for tok in toks.split()
}
_LOADS = tuple(  # (pattern, call, reported even when what it loads is unknown)
    (re.compile(rf"{re.escape(call)}[ \t]*\("), call, always)
    for call, always in (
        *(("marshal.loads", True), ("zlib.decompress", True), ("lzma.decompress", True)),
        *(("pickle.loads", False), ("dill.loads", False)),
    )
)
_RUNS = (
    re.compile(
        r"subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)"
        r"[ \t]*\("
    ),
    re.compile(
        r"os\.(?<![\w.]os\.)(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?|startfile|posix_spawnp?)"
        r"[ \t]*\("
    ),
    re.compile(r"Popen[ \t]*\("),
    re.compile(r"check_(?:call|output)[ \t]*\("),
)
_TO_SHELL = re.compile(
    r"\|[ \t]*(?:sudo[ \t]+)?(?i:(?:ba|z|da|k|c)?sh|python[\d.]*|perl|ruby|node|iex"
    r"|invoke-expression)\b"
)
_FETCH = re.compile(
    r"(?i)\b(?:curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b"
)
_QUOTE = re.compile("[\"']")

# Assignments that carry taint, parsed one statement at a time.
_ASSIGN = re.compile(r"[ \t]*(?:([A-Za-z_]\w*)[ \t]*:[^=]{0,200}|([A-Za-z_][\w \t,]*))=(?!=)")
_WITH_AS = re.compile(r"[ \t]*(?:async[ \t]+)?with[ \t]+(.*?)[ \t]as[ \t]+([A-Za-z_]\w*)")
_OPEN_W = r"""open[ \t]*\([ \t]*([A-Za-z_]\w*)[ \t]*,[ \t]*["'][wax]b?\+?["'][ \t]*\)"""
_WRITE_OPEN = re.compile(rf"(?<![\w.])(?:io\.)?{_OPEN_W}[ \t]*\.write[ \t]*\(")
_OPEN_AS = re.compile(rf"{_OPEN_W}[ \t]+as[ \t]+([A-Za-z_]\w*)")  # in a `with` statement
_WRITE = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\.write[ \t]*\(")
_RETRIEVE = re.compile(
    r"""urlretrieve[ \t]*\([^,\n)]{0,500},[ \t]*(?:filename[ \t]*=[ \t]*)?"""
    r"""(?:([A-Za-z_]\w*)|["']([^"'\n]{1,300})["'])"""
)

_URL = re.compile(
    r"://(?:(?i:(?<=http://)|(?<=https://)|(?<=ftp://)|(?<=ws://)|(?<=wss://)))"
    r"(?:[^\s/?#@\"'<>\\]{0,256}@)?([A-Za-z0-9.-]{1,253})"
)
_IP = re.compile(r"""["'@]((?:\d{1,3}\.){3}\d{1,3})(?:(:\d{1,5})\b|["'])""")
_CONNECTS = re.compile(
    r"\b(?:socket|connect|create_connection|sendto|requests|urlopen|httpx|HTTPS?Connection)\b"
)
_NETWORK_WORDS = ("socket", "connect", "sendto", "requests", "urlopen", "httpx", "HTTP")
_IGNORED_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "www.w3.org"})
_IGNORED_DOMAINS = ("example.com", "example.org", "example.net")
_IGNORED_TLDS = frozenset({"example", "test", "invalid", "localhost"})  # RFC 2606

_CREDENTIALS = tuple(  # (pattern, what it names: "{}" is the pattern's group)
    (re.compile(pattern), label)
    for pattern, label in (
        (
            r"\.(?<![\w.]\.)(ssh|aws|kube|azure|docker|netrc|pypirc|git-credentials)(?![\w.-])",
            "~/.{}",
        ),
        (r"""\.(?<=["'/\\]\.)(envrc|env)(?=["'])""", "a .{} file"),
        (r"\.config/gcloud\b", "~/.config/gcloud"),
        (r"application_default_credentials\.json", "gcloud credentials"),
        (r"id_(?<![\w]id_)(rsa|dsa|ecdsa|ed25519)\b", "SSH private key id_{}"),
        (r"authorized_keys\b", "~/.ssh/authorized_keys"),
    )
)

_ENV_WHOLE = re.compile(r"os\.environ(?![ \t]*(?:\.(?!copy\b|items\b)|\[|\())")  # not one variable
_DUMP_CALL = re.compile(
    r"(?<![\w.])(?:json\.dumps?|str|repr|pickle\.dumps?)[ \t]*\([ \t]*(?:dict[ \t]*\([ \t]*)?$"
)  # just before os.environ
_DUMP_END = re.compile(r"(?:\.copy\(\)|\.items\(\))?[ \t]*[),]")  # just after it
_ENV_COMMAND = re.compile(r"""env["'][ \t]*(?:[\])]|,[ \t]*shell)""")  # "env" or "printenv" run
_COMMAND_CALL = re.compile(
    r"""(?<![\w.])(?:os\.popen|os\.system|subprocess\.\w+|check_output|Popen|getoutput)[ \t]*\("""
    r"""[ \t]*\[?[ \t]*["'](?:print)?$"""
)
_ENV_CAPTURE = re.compile(
    r"(?<![\w.])dict[ \t]*\([ \t]*os\.environ[ \t]*\)|\bos\.environ\.(?:copy|items)[ \t]*\("
    r"[ \t]*\)|\{[ \t]*\*\*[ \t]*os\.environ[ \t]*\}"
)
_ENV_ARGUMENT = re.compile(r"[(,=][ \t]*os\.environ[ \t]*[,)]")
_ENV_ALIAS = re.compile(r"[ \t]*os\.environ[ \t]*(?:#.*)?")
_SINKS = (
    re.compile(r"\.(?:post|put|patch|send|sendall|sendto|write|writelines|dump|request)[ \t]*\("),
    re.compile(r"urlopen[ \t]*\("),
    re.compile(r"requests\.\w+[ \t]*\("),
    re.compile(r"httpx\.\w+[ \t]*\("),
)

Taint = dict[str, tuple[str, int]]  # name -> (what it holds, 0-based line of the source)
Uses = dict[int, str]  # 0-based line -> a tainted name it mentions


@dataclass(frozen=True)
class Signal:
    """One risk signal at ``path:line`` of the new text."""

    kind: str
    severity: Severity
    path: str
    line: int
    detail: str

    def to_data(self) -> dict[str, object]:
        """The signal, JSON-ready."""
        return asdict(self)


def scan(
    path: str, new: str, old: str | None, known_hosts: frozenset[str] = frozenset()
) -> list[Signal]:
    """Signals in the lines of `new` that are not in `old` (old None = the file was added)."""
    text, out = _Text(new, old), _Out(path)
    _blobs(text, out)
    _execs(text, out)
    _runs(text, out)
    _credentials(text, out)
    _environment(text, out)
    _new_hosts(text, out, known_hosts if old is None else known_hosts | hosts(old))
    return out.result()


def hosts(text: str) -> set[str]:
    """Every host named by a hard-coded http(s)/ftp/ws(s) URL (or IPv4 literal in a string) in
    text, lower-cased."""
    # Most files name no host: skip them without a regex over every character. (An IPv4
    # with a port in a file with no URL and no network call is missed here; what hosts()
    # misses only makes scan() report more, never less.)
    if "://" not in text and not any(word in text for word in _NETWORK_WORDS):
        return set()
    return {host for _, host in _host_hits(_Text(text, None), new_only=False)}


class _Text:
    """A text split into lines (0-based), which of them are new, and what its names hold."""

    def __init__(self, text: str, old: str | None) -> None:
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.lines = self.text.split("\n")
        self.starts = list(accumulate((len(line) + 1 for line in self.lines), initial=0))
        self.new = [True] * len(self.lines)
        if old is not None:
            before = Counter(line.strip() for line in _LINE_BREAK.split(old))
            for i, line in enumerate(self.lines):
                self.new[i] = before[line.strip()] <= 0
                before[line.strip()] -= 1
        self._assigned: dict[int, list[tuple[tuple[str, ...], str]]] = {}

    def line_of(self, pos: int) -> int:
        return bisect_right(self.starts, pos) - 1

    def end(self, i: int) -> int:
        return self.starts[i + 1] - 1

    def rest(self, i: int, pos: int) -> str:
        """Line ``i`` from ``pos`` on, bounded."""
        return self.text[pos : min(self.end(i), pos + _LOOK)]

    def hits(
        self, pattern: re.Pattern[str], per_line: int = 1, new_only: bool = True
    ) -> Iterator[tuple[int, re.Match[str]]]:
        """Matches of ``pattern`` with their line, at most ``per_line`` on one line."""
        pos, last, count = 0, -1, 0
        while pos <= len(self.text) and (m := pattern.search(self.text, pos)) is not None:
            i = self.line_of(m.start())
            if new_only and not self.new[i]:
                pos = self.starts[i + 1]
                continue
            count = count + 1 if i == last else 1
            last = i
            pos = self.starts[i + 1] if count >= per_line else max(m.end(), m.start() + 1)
            yield i, m

    def lines_with(self, patterns: Iterable[re.Pattern[str]]) -> list[int]:
        return sorted({i for p in patterns for i, _ in self.hits(p, new_only=False)})

    def assigned(self, i: int) -> list[tuple[tuple[str, ...], str]]:
        """The names line ``i`` assigns, each with the expression it assigns them from."""
        if i not in self._assigned:
            self._assigned[i] = list(_assignments(self.lines[i][:_LOOK], self.handles))
        return self._assigned[i]

    @cached_property
    def handles(self) -> dict[str, str]:
        """Files opened for writing: ``with open(path, "wb") as handle`` -> {handle: path}."""
        return {m[2]: m[1] for _, m in self.hits(_OPEN_AS, _PER_LINE, new_only=False)}

    @cached_property
    def decoded(self) -> tuple[Taint, Uses]:
        """Names holding decoded or downloaded data, and where they are used."""
        seeds = [
            (targets, label, i)
            for i in self.lines_with(_SOURCE_HINTS)
            if _SOURCE.search(self.text, self.starts[i], min(self.end(i), self.starts[i] + _LOOK))
            for targets, expr in self.assigned(i)
            if (label := _source(expr)) is not None
        ]
        return self._propagate(seeds)

    @cached_property
    def whole_environ(self) -> list[int]:
        """Lines that use ``os.environ`` as a whole, not one variable of it."""
        return self.lines_with((_ENV_WHOLE,))

    @cached_property
    def environ(self) -> tuple[Taint, Uses]:
        """Names holding a copy of the whole environment, and where they are used."""
        seeds = [
            (targets, "the whole environment", i)
            for i in self.whole_environ
            for targets, expr in self.assigned(i)
            if _ENV_CAPTURE.search(expr) or _ENV_ALIAS.fullmatch(expr)
        ]
        return self._propagate(seeds)

    @cached_property
    def downloaded_paths(self) -> list[str]:
        """Literal paths ``urlretrieve`` writes to."""
        found = (m[2] for _, m in self.hits(_RETRIEVE, new_only=False) if m[2])
        return list(dict.fromkeys(found))[:100]

    def flow(self, args: str) -> tuple[str, str] | None:
        """What decoded or downloaded data ``args`` uses, directly or through a tainted name:
        (label, how), e.g. ("base64-decoded", " ('b' from line 3)")."""
        if (label := _source(args)) is not None:
            return label, ""
        tainted = self.decoded[0]
        name = next((n for n in _names(args) if n in tainted), None)
        if name is None:
            return None
        label, line = tainted[name]
        return label, f" ({show(name, 40)!r} from line {line + 1})"

    def _propagate(self, seeds: list[tuple[tuple[str, ...], str, int]]) -> tuple[Taint, Uses]:
        """Names assigned from a seed, or from a name so assigned (to a fixed point)."""
        tainted: Taint = {}
        uses: Uses = {}
        queue = list(seeds)
        for targets, label, origin in queue:  # the queue grows while it is read
            for name in targets:
                if name in tainted or len(tainted) >= _MAX_TAINT:
                    continue
                tainted[name] = (label, origin)
                word = re.escape(name)
                for i, _ in self.hits(re.compile(rf"{word}(?<![\w.]{word})\b"), new_only=False):
                    uses.setdefault(i, name)
                    users = [t for t, expr in self.assigned(i) if name in _names(expr)]
                    queue += [(t, label, origin) for t in users]
        return tainted, uses


def _assignments(line: str, handles: dict[str, str]) -> Iterator[tuple[tuple[str, ...], str]]:
    """(names, expression) for each assignment in ``line``: ``a, b = e``, ``a: T = e``,
    ``with e as a``, a write of ``e`` to a file at path ``a``, ``urlretrieve(url, a)``."""
    for stmt in line.split(";", _PER_LINE):
        if (m := _ASSIGN.match(stmt)) is not None:
            yield tuple(_IDENT.findall(m[1] or m[2])), stmt[m.end() :]
        elif (m := _WITH_AS.match(stmt)) is not None:
            yield (m[2],), m[1]
        if (m := _WRITE_OPEN.search(stmt)) is not None:
            yield (m[1],), stmt[m.end() :]
        elif (m := _WRITE.search(stmt)) is not None and m[1] in handles:
            yield (handles[m[1]],), stmt[m.end() :]
        if (m := _RETRIEVE.search(stmt)) is not None and m[1]:
            yield (m[1],), "urlretrieve"


def _source(expr: str) -> str | None:
    """What a decoder or downloader in ``expr`` yields ("base64-decoded"), or None."""
    m = _SOURCE.search(_STRING.sub('""', expr))
    if m is None:
        return None
    if m[0].startswith("["):
        return "reversed"
    if m[0].endswith("decompress"):
        return "-".join((*m[0].split(".")[:-1], "decompressed"))
    return _LABELS.get(m[0], "downloaded")


def _names(code: str) -> list[str]:
    """The names ``code`` mentions outside string literals (``"%s" % x`` mentions only x)."""
    return _IDENT.findall(_STRING.sub('""', code))


class _Out:
    """Signals by kind and line, the first detail for a line kept."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.found: defaultdict[str, dict[int, str]] = defaultdict(dict)

    def add(self, kind: str, i: int, detail: str) -> None:
        self.found[kind].setdefault(i + 1, detail)

    def result(self) -> list[Signal]:
        out = []
        for kind, by_line in self.found.items():
            lines = sorted(by_line)
            severity = SEVERITY[kind]
            out += [Signal(kind, severity, self.path, n, by_line[n]) for n in lines[:MAX_PER_KIND]]
            if len(lines) > MAX_PER_KIND:
                more = f"{len(lines) - MAX_PER_KIND} more {kind} signals not listed"
                out.append(Signal(kind, severity, self.path, lines[MAX_PER_KIND], more))
        return sorted(out, key=lambda s: (s.line, s.kind))


def _is_hex(raw: bytes, start: int, end: int) -> bool:
    """Whether ``raw[start:end]`` is hex digits (with at least one 0-9: "AAAA" is base64)."""
    run = raw[start:end]
    return (
        not run.translate(None, b"0123456789abcdefABCDEF")
        and run.translate(None, b"0123456789") != run
    )


def _blobs(text: _Text, out: _Out) -> None:
    """Base64 or hex runs longer than BLOB_LIMIT, on one line or continued over lines that
    hold nothing else (a triple-quoted block, concatenated string literals)."""
    spans: dict[int, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {}
    raw = text.text.encode("ascii", "replace")  # one byte a character: the same offsets
    classes = raw.translate(_BLOB_TABLE)
    for m in _BLOB_RUN.finditer(classes):
        i, span = text.line_of(m.start()), m.span()
        head, _, longest = spans.get(i, (span, span, span))
        spans[i] = (head, span, max(longest, span, key=lambda s: s[1] - s[0]))
    best: dict[int, tuple[int, int, bool]] = {}  # first line -> (last line, length, hex)

    def found(first: int, last: int, length: int, hexed: bool) -> None:
        if length > best.get(first, (0, 0, False))[1]:
            best[first] = (last, length, hexed)

    # A chain starts at a line ending in a run and goes on through lines that hold one run
    # and nothing else but quotes, brackets and continuations.
    t, start, end, total, hexed = text.text, -1, -1, 0, True
    for i in sorted(spans):
        (s, e), last, longest = spans[i]
        joins = (s, e) == last and _BLOB_HEAD.fullmatch(t, text.starts[i], s) is not None
        if start >= 0 and i == end + 1 and joins and _BLOB_LAST.fullmatch(t, e, text.end(i)):
            end, total, hexed = i, total + e - s, hexed and _is_hex(raw, s, e)
            if not _BLOB_NEXT.fullmatch(t, e, text.end(i)):
                found(start, end, total, hexed)
                start = -1
            continue
        if start >= 0:
            found(start, end, total, hexed)
        found(i, i, longest[1] - longest[0], _is_hex(raw, *longest))
        start = -1
        if _BLOB_NEXT.fullmatch(t, last[1], text.end(i)):
            start, end, total, hexed = i, i, last[1] - last[0], _is_hex(raw, *last)
    if start >= 0:
        found(start, end, total, hexed)
    for first, (last_line, length, is_hex) in best.items():
        at = next((n for n in range(first, last_line + 1) if text.new[n]), None)
        if length > BLOB_LIMIT and at is not None:
            lines = f" over {last_line - first + 1} lines" if last_line > first else ""
            kind = "hex" if is_hex else "base64"
            out.add(KIND_BLOB, at, f"a {length:,}-character {kind} blob{lines}")


def _execs(text: _Text, out: _Out) -> None:
    """exec/eval/compile of decoded or downloaded data; marshal/zlib loads elsewhere."""
    done = set()
    for pattern in _EXECS:
        for i, m in text.hits(pattern):
            flow = text.flow(text.rest(i, m.end()))
            if flow is not None and i not in done:
                out.add(KIND_EXEC, i, f"{m[1]}() of {flow[0]} data{flow[1]}")
                done.add(i)
    for pattern, call, always in _LOADS:
        for i, m in text.hits(pattern):
            flow = text.flow(text.rest(i, m.end()))
            if i not in done and (flow is not None or always):
                what = f" of {flow[0]} data{flow[1]}" if flow else " call added"
                out.add(KIND_LOADS, i, f"{call}(){what}")


def _runs(text: _Text, out: _Out) -> None:
    """A process started from downloaded (or decoded) data, or a download piped to a shell."""
    for pattern in _RUNS:
        for i, m in text.hits(pattern):
            args, call = text.rest(i, m.end()), m[0].rstrip("( \t")
            flow = text.flow(args)
            path = next((p for p in text.downloaded_paths if p in args), None)
            if flow is not None and (flow[0] == "downloaded" or flow[0].endswith("-decoded")):
                out.add(KIND_RUN_DOWNLOADED, i, f"{call}() runs {flow[0]} data{flow[1]}")
            elif path is not None:
                what = f"the file downloaded to {show(path, 60)!r}"
                out.add(KIND_RUN_DOWNLOADED, i, f"{call}() runs {what}")
    for i, m in text.hits(_TO_SHELL, 5):
        fetch = _FETCH.search(text.text, max(text.starts[i], m.start() - 4096), m.start())
        if fetch is None or text.lines[i].lstrip().startswith("#"):
            continue
        if _QUOTE.search(text.text, text.starts[i], fetch.start()) is not None:
            command = show(text.text[fetch.start() : m.end()], 100)
            out.add(KIND_RUN_DOWNLOADED, i, f"pipes a download into a shell: {command}")


def _credentials(text: _Text, out: _Out) -> None:
    found: defaultdict[int, list[str]] = defaultdict(list)
    for pattern, label in _CREDENTIALS:
        for i, m in text.hits(pattern, 5):
            if text.lines[i].lstrip().startswith("#"):  # a comment reads nothing
                continue
            if (place := label.format(m[m.lastindex or 0])) not in found[i]:
                found[i].append(place)
    for i, places in found.items():
        out.add(KIND_CREDENTIALS, i, "reads " + ", ".join(places[:5]))


def _environment(text: _Text, out: _Out) -> None:
    """The whole environment dumped, or captured and then sent or written anywhere."""
    for i, m in text.hits(_ENV_WHOLE, 5):
        call = _DUMP_CALL.search(text.text, max(text.starts[i], m.start() - 60), m.start())
        end = _DUMP_END.match(text.text, m.end(), text.end(i))
        if call is not None and end is not None:
            dump = show(text.text[call.start() : end.end()], 80)
            out.add(KIND_ENV_DUMP, i, f"dumps the whole environment: {dump}")
    for i, m in text.hits(_ENV_COMMAND, 5):
        call = _COMMAND_CALL.search(text.text, max(text.starts[i], m.start() - 80), m.start())
        if call is not None:
            command = show(text.text[call.start() : m.end()], 80)
            out.add(KIND_ENV_DUMP, i, f"lists the whole environment: {command}")
    if not text.whole_environ:
        return
    captured, uses = text.environ
    for i in sorted({*text.whole_environ, *uses}):
        sinks = (p.search(text.text, text.starts[i], text.end(i)) for p in _SINKS)
        sink = min((m.start() for m in sinks if m is not None), default=None)
        if sink is None:
            continue
        args = text.rest(i, sink)
        form = _ENV_CAPTURE.search(args) or _ENV_ARGUMENT.search(args)
        if form is not None and text.new[i]:
            what = show(form[0].strip("(,=) \t"), 60)
            out.add(KIND_ENV_DUMP, i, f"sends or writes the whole environment: {what}")
        elif (name := next((n for n in _names(args) if n in captured), None)) is not None:
            origin = captured[name][1]
            at = origin if text.new[origin] else i if text.new[i] else None
            if at is not None:
                detail = f"captures the whole environment and sends or writes it on line {i + 1}"
                out.add(KIND_ENV_DUMP, at, f"{detail} (as {show(name, 40)!r})")


def _host(raw: str) -> str | None:
    """``raw`` as a host name or IPv4 address, or None when it is neither."""
    host = raw.lower().rstrip(".")
    labels = host.split(".")
    if len(labels) < 2 or "" in labels:
        return None
    if all(label.isdigit() for label in labels):
        return host if len(labels) == 4 and all(int(x) <= 255 for x in labels) else None
    top = labels[-1]
    return host if (top.isalpha() and len(top) >= 2) or top.startswith("xn--") else None


def _host_hits(text: _Text, new_only: bool) -> Iterator[tuple[int, str]]:
    for i, m in text.hits(_URL, _PER_LINE, new_only):
        if (host := _host(m[1])) is not None:
            yield i, host
    for i, m in text.hits(_IP, _PER_LINE, new_only):
        window = (max(text.starts[i], m.start() - 200), min(text.end(i), m.end() + 200))
        connects = m[2] is not None or _CONNECTS.search(text.text, *window) is not None
        if connects and (host := _host(m[1])) is not None:
            yield i, host


def _ignored(host: str) -> bool:
    return (
        host in _IGNORED_HOSTS
        or host.rsplit(".", 1)[-1] in _IGNORED_TLDS
        or any(host == d or host.endswith("." + d) for d in _IGNORED_DOMAINS)
    )


def _new_hosts(text: _Text, out: _Out, known: frozenset[str] | set[str]) -> None:
    first: dict[str, int] = {}
    for i, host in _host_hits(text, new_only=True):
        if host not in known and not _ignored(host):
            first[host] = min(first.get(host, i), i)
    by_line: defaultdict[int, list[str]] = defaultdict(list)
    for host, i in first.items():
        by_line[i].append(show(host, 100))
    for i, named in by_line.items():
        out.add(KIND_URL, i, f"new host{'s' if len(named) > 1 else ''} {', '.join(named[:5])}")
