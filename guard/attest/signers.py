"""git's ``allowed_signers`` file: which SSH key may sign as whom, where and when.

The format is OpenSSH's (``man ssh-keygen``, ALLOWED SIGNERS): one entry a line,
``principals [options] keytype base64key [comment]``, with ``#`` comments. Principals and
``namespaces`` are pattern lists as ssh matches them (``*``, ``?``, a leading ``!``
negates). ``valid-after`` and ``valid-before`` take ``YYYYMMDD[HHMM[SS]]``; a time with a
``Z`` (or ``UTC``) suffix is UTC, and so, unlike OpenSSH, is a time without one: OpenSSH
reads it in the machine's time zone, which would make a CI runner and a laptop disagree.
``cert-authority`` lines are refused: each reviewer's own key must be listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from guard._files import MiB, read_text
from guard.attest.sshsig import KEY_TYPES, PublicKey, SignatureError, parse_public_key
from guard.errors import InputError

MAX_BYTES = 1 * MiB
MAX_ENTRIES = 10_000
OPTIONS = ("namespaces", "valid-after", "valid-before")

_BLANK = " \t"
_TIME = re.compile(r"([0-9]{8}|[0-9]{12}|[0-9]{14})(z|utc)?", re.IGNORECASE)


@dataclass(frozen=True)
class AllowedSigner:
    """One entry of an allowed_signers file; ``line`` is where it is."""

    principals: tuple[str, ...]
    key: PublicKey
    namespaces: tuple[str, ...] | None
    valid_after: datetime | None
    valid_before: datetime | None
    line: int

    def permits(self, principal: str) -> bool:
        """Whether ``principal`` matches this entry's principals, as ``ssh-keygen -I`` does."""
        return _matches(principal, self.principals)


def _quoted(text: str) -> str:
    """``text`` quoted for a message: escapes shown, at most 60 characters."""
    return repr(text[:60]) + ("..." if len(text) > 60 else "")


def _glob(text: str, pattern: str) -> bool:
    """ssh's wildcard match (``*`` and ``?`` only), in time linear in both lengths' product."""
    t = p = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] in ("?", text[t]) and pattern[p] != "*":
            t, p = t + 1, p + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, t, p + 1
        elif star >= 0:
            mark += 1
            t, p = mark, star + 1
        else:
            return False
    return pattern[p:].strip("*") == ""


def _matches(text: str, patterns: Iterable[str]) -> bool:
    """ssh's ``match_pattern_list``: a matching negated pattern refuses outright."""
    positive = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if _glob(text, pattern[1:]):
                return False
        elif _glob(text, pattern):
            positive = True
    return positive


def _field(rest: str, display: str, number: int) -> tuple[str, str]:
    """The next blank-separated field of ``rest`` (quotes keep blanks inside it, ``\\"`` is
    a quote) and what follows it, blanks skipped."""
    quoted, at = False, 0
    while at < len(rest) and (quoted or rest[at] not in _BLANK):
        if rest.startswith('\\"', at):
            at += 1
        elif rest[at] == '"':
            quoted = not quoted
        at += 1
    if quoted:
        raise InputError(display, number, "a quote is not closed")
    return rest[:at], rest[at:].lstrip(_BLANK)


def _pattern_list(value: str, what: str, display: str, number: int) -> tuple[str, ...]:
    patterns = tuple(value.split(","))
    if any(p in ("", "!") for p in patterns):
        raise InputError(display, number, f"an empty pattern in the {what}")
    bad = next((c for c in value if not c.isprintable() or c == '"'), None)
    if bad is not None:
        raise InputError(display, number, f"the {what} hold the character U+{ord(bad):04X}")
    return patterns


def _principals(field: str, display: str, number: int) -> tuple[str, ...]:
    if field.startswith('"') and field.endswith('"') and len(field) >= 2:
        field = field[1:-1]
    if '"' in field:
        raise InputError(display, number, "quote the whole principals field, or none of it")
    return _pattern_list(field, "principals", display, number)


def _time(value: str, name: str, display: str, number: int) -> datetime:
    match = _TIME.fullmatch(value)
    digits = match.group(1) if match else ""
    fields = (digits[:4], digits[4:6], digits[6:8], digits[8:10], digits[10:12], digits[12:])
    try:
        if not digits:
            raise ValueError(value)
        year, month, day, hour, minute, second = (int(f or 0) for f in fields)
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        raise InputError(
            display, number, f"{name}={_quoted(value)} is not a time: use YYYYMMDD[HHMM[SS]][Z]"
        ) from None


def _options(
    text: str, display: str, number: int
) -> tuple[tuple[str, ...] | None, datetime | None, datetime | None]:
    values: dict[str, str] = {}
    at = 0
    while True:
        name_end = at
        while name_end < len(text) and text[name_end] not in ",=":
            name_end += 1
        name = text[at:name_end].lower()
        if name == "cert-authority":
            raise InputError(
                display,
                number,
                "cert-authority lines are not supported: list each reviewer's own key",
            )
        if name not in OPTIONS:
            shown = text[at:name_end]
            raise InputError(
                display, number, f"unknown option {_quoted(shown)} (known: {', '.join(OPTIONS)})"
            )
        if name in values:
            raise InputError(display, number, f"the option {name} is given twice")
        if not text.startswith('="', name_end):
            raise InputError(
                display, number, f'the option {name} needs a value in quotes: {name}="..."'
            )
        at, chars = name_end + 2, []
        while at < len(text) and text[at] != '"':
            if text.startswith('\\"', at):
                at += 1
            chars.append(text[at])
            at += 1
        if at >= len(text):
            raise InputError(display, number, f"the value of {name} has no closing quote")
        values[name] = "".join(chars)
        at += 1
        if at == len(text):
            break
        if text[at] != "," or at + 1 == len(text):
            raise InputError(display, number, f"options must be separated by commas, after {name}")
        at += 1
    namespaces = values.get("namespaces")
    after, before = (
        _time(values[n], n, display, number) if n in values else None
        for n in ("valid-after", "valid-before")
    )
    if after and before and before <= after:
        raise InputError(display, number, "valid-before is not later than valid-after")
    if namespaces is None:
        return None, after, before
    return _pattern_list(namespaces, "namespaces", display, number), after, before


def _entry(line: str, display: str, number: int) -> AllowedSigner | None:
    rest = line.lstrip(_BLANK + "\r").rstrip("\r")
    if not rest or rest.startswith("#"):
        return None
    field, rest = _field(rest, display, number)
    principals = _principals(field, display, number)
    field, rest = _field(rest, display, number)
    namespaces = valid_after = valid_before = None
    if field and field not in KEY_TYPES:
        following = _field(rest, display, number)[0]
        if "=" in field or field.lower() == "cert-authority" or following in KEY_TYPES:
            namespaces, valid_after, valid_before = _options(field, display, number)
            field, rest = _field(rest, display, number)
    if not field:
        raise InputError(display, number, "the key is missing: principals [options] type key")
    if field not in KEY_TYPES:
        raise InputError(display, number, f"unsupported key type {_quoted(field)}")
    encoded = _field(rest, display, number)[0]
    if not encoded:
        raise InputError(display, number, f"the base64 key after {field} is missing")
    if not (encoded.isascii() and encoded.isprintable()):
        raise InputError(display, number, "the public key is not valid base64")
    try:
        key = parse_public_key(f"{field} {encoded}")
    except SignatureError as exc:
        raise InputError(display, number, str(exc)) from None
    return AllowedSigner(principals, key, namespaces, valid_after, valid_before, number)


def parse_allowed_signers(text: str, display: str) -> list[AllowedSigner]:
    """Parse an allowed_signers file; any malformed line is an :class:`InputError`."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InputError(display, None, f"is larger than {MAX_BYTES // MiB} MiB")
    signers: list[AllowedSigner] = []
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        entry = _entry(line, display, number)
        if entry is not None:
            if len(signers) == MAX_ENTRIES:
                raise InputError(display, number, f"more than {MAX_ENTRIES} entries")
            signers.append(entry)
    return signers


def load_allowed_signers(path: Path, display: str) -> list[AllowedSigner]:
    """Read and parse the allowed_signers file at ``path`` (UTF-8, at most 1 MiB)."""
    return parse_allowed_signers(read_text(path, display, limit=MAX_BYTES), display)


def _shown(when: datetime) -> str:
    if (when.hour, when.minute, when.second) == (0, 0, 0):
        return when.strftime("%Y-%m-%d")
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def _refusal(entry: AllowedSigner, namespace: str, when: datetime) -> str | None:
    if entry.namespaces is not None and not _matches(namespace, entry.namespaces):
        return f"allowed only for namespaces {','.join(entry.namespaces)}"
    if entry.valid_after is not None and when < entry.valid_after:
        return f"valid only after {_shown(entry.valid_after)}"
    if entry.valid_before is not None and when > entry.valid_before:
        return f"expired on {_shown(entry.valid_before)}"
    return None


def who(
    signers: Sequence[AllowedSigner], key: PublicKey, namespace: str, when: datetime
) -> tuple[AllowedSigner | None, str]:
    """The first entry that lets ``key`` sign in ``namespace`` at ``when`` (a naive time is
    UTC), or ``None`` and why not."""
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
    when = when.astimezone(timezone.utc).replace(microsecond=0)  # OpenSSH counts seconds
    reasons = []
    for entry in signers:
        if entry.key == key:
            reason = _refusal(entry, namespace, when)
            if reason is None:
                return entry, ""
            reasons.append((entry.line, reason))
    if not reasons:
        return None, f"key {key.fingerprint} is not in allowed_signers"
    if len(reasons) == 1:
        return None, reasons[0][1]
    return None, "; ".join(f"line {line}: {reason}" for line, reason in reasons)
