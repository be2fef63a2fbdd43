"""TOML loading with errors that name the file and line."""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

from guard._files import MAX_DEPTH, deep_line, too_deep
from guard.errors import InputError

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def loads(text: str, path: str) -> dict[str, Any]:
    """Parse ``text`` as TOML; a syntax error becomes ``InputError(path, line, ...)``."""
    try:
        data: dict[str, Any] | None = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line_no = getattr(exc, "lineno", None)
        match = _AT_LINE.search(message)
        if line_no is None and match:
            line_no = int(match.group(1))
        message = _AT_LINE.sub("", message).strip()
        raise InputError(path, line_no, f"invalid TOML: {message}") from None
    except RecursionError:
        data = None  # too deep: reported below, with the line
    except ValueError:  # an integer beyond Python's digit limit (a TOMLDecodeError is caught above)
        match = _LONG_NUMBER.search(text)
        line = line_of(text, match.group(0), match.start()) if match else None
        raise InputError(path, line, "invalid TOML: a number too long to read") from None
    if data is None or too_deep(data):
        line = deep_line(text)
        raise InputError(path, line, f"invalid TOML: nested more than {MAX_DEPTH} levels deep")
    return data


_LONG_NUMBER = re.compile(r"\d{4000,}")


def line_of(text: str, needle: str, start: int = 0) -> int:
    """1-based line of the first ``needle`` at or after offset ``start`` (0 if absent)."""
    index = text.find(needle, start)
    if index < 0:
        return 0
    return text.count("\n", 0, index) + 1


def header_patterns(key: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The exact and the loose pattern of an ``[[key]]`` header line, for ``table_lines``."""
    quoted = re.escape(key)
    exact = re.compile(rf"\n\[\[{quoted}\]\][ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)
    loose = re.compile(rf"\n[ \t]*\[\[[ \t]*(?:{quoted}|\"{quoted}\"|'{quoted}')[ \t]*\]\]")
    return exact, loose


def table_lines(
    text: str, count: int, header: re.Pattern[str], loose: re.Pattern[str]
) -> list[int]:
    """Line numbers of the ``count`` array-of-tables headers, in order, from one pass.

    Falls back to a looser pattern, then to 0 (unknown), when the headers cannot be matched
    one to one with the parsed array (hand-edited spacing, inline arrays). The patterns
    start with a literal newline rather than ``^``, which lets ``re`` skip ahead ten times
    faster; they run over ``"\n" + text`` so that the match of the newline before a header
    starts at the header's offset in ``text``.
    """
    padded = "\n" + text
    for pattern in (header, loose):
        offsets = [match.start() for match in pattern.finditer(padded)]
        if len(offsets) == count:
            lines: list[int] = []
            line, last = 1, 0
            for offset in offsets:
                line += text.count("\n", last, offset)
                last = offset
                lines.append(line)
            return lines
    return [0] * count


def package_tables(
    text: str, display: str, patterns: tuple[re.Pattern[str], re.Pattern[str]]
) -> tuple[dict[str, Any], list[Any], list[int]]:
    """A lock file's parsed document, its ``[[package]]`` array and each entry's line (the
    shape poetry.lock and pdm.lock share); ``patterns`` are :func:`header_patterns`."""
    data = loads(text, display)
    packages = data.get("package", [])
    if not isinstance(packages, list):
        line = line_of(text, "package") or None
        raise InputError(display, line, "'package' must be an array of tables")
    return data, packages, table_lines(text, len(packages), *patterns)
