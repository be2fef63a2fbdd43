"""Reading repository files safely, and writing them atomically.

A repository may be hostile (a pull request checked out by CI): every read goes through
:func:`read_bytes`, which reads only regular files, follows a symbolic link only to a
regular file (and, given the repository root, only inside it), and never reads more than
the cap for that kind of file, whatever the file claims its size is. A FIFO, a device, a
socket, a directory or a link to ``/dev/zero`` is an input error (exit 2), not a hang.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from guard.errors import InputError, WriteError

MiB = 1024 * 1024
#: Caps by kind of file: dependency files and locks (the largest real locks are a few
#: MiB), review ledgers, and policy files.
MAX_INPUT_BYTES = 64 * MiB
MAX_LEDGER_BYTES = 16 * MiB
MAX_POLICY_BYTES = 1 * MiB
#: Stored provenance (PEP 740 attestations) of one file.
MAX_EVIDENCE_BYTES = 4 * MiB
_CHUNK = 1 * MiB
#: The deepest nesting of lists and tables accepted in a JSON, TOML or YAML file. Real
#: locks, ledgers, policies and attestations nest fewer than ten levels.
MAX_DEPTH = 64


def real(path: Path) -> Path:
    """``path`` with every symbolic link resolved, as far as they resolve.

    ``Path.resolve`` raises ``RuntimeError`` on a link loop (Python 3.10 and 3.11), and a
    repository may hold one; ``os.path.realpath`` stops at the loop instead, and reading
    the path then fails with a message naming it.
    """
    return Path(os.path.realpath(path))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _cap(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit % MiB == 0 else f"{limit} bytes"


def read_bytes(
    path: Path, display: str, *, limit: int = MAX_INPUT_BYTES, root: Path | None = None
) -> bytes:
    """Read a regular file of at most ``limit`` bytes. With ``root``, a symbolic link must
    lead to a file inside it. Anything else is an :class:`InputError` naming ``display``."""
    try:
        if root is not None and path.is_symlink():
            target = path.resolve(strict=True)
            try:
                target.relative_to(real(root))
            except ValueError:
                raise InputError(
                    display, None, f"is a symbolic link to {target}, outside the repository"
                ) from None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(display, None, "no such file (or a symbolic link to nothing)") from None
    except IsADirectoryError:
        raise InputError(display, None, "is a directory, not a file") from None
    except RuntimeError:  # a symlink loop (Python 3.10 and 3.11 raise this from resolve)
        raise InputError(display, None, "is a symbolic link loop") from None
    except OSError as exc:
        raise InputError(display, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(display, None, f"is {_kind(info.st_mode)}, not a regular file")
        too_big = f"is larger than {_cap(limit)}, the limit for this kind of file"
        if info.st_size > limit:
            raise InputError(display, None, too_big)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise InputError(display, None, too_big)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(display, None, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def read_text(
    path: Path, display: str, *, limit: int = MAX_INPUT_BYTES, root: Path | None = None
) -> str:
    """Read a text file as UTF-8 (BOM allowed), as :func:`read_bytes` reads it;
    undecodable text is an error."""
    data = read_bytes(path, display, limit=limit, root=root)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(display, line, "not valid UTF-8 text") from None


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and dicts in ``value`` nest more than ``limit`` levels, found level by
    level without recursion (so no depth of input can exhaust the stack here)."""
    level: list[Any] = [value] if type(value) is dict or type(value) is list else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        items: list[Any] = []
        for container in level:
            items.extend(container.values() if type(container) is dict else container)
        level = [item for item in items if type(item) is dict or type(item) is list]
    return False


_TOKEN = re.compile(r"""[][{}"'#\n\\]""")


def deep_line(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The line where brackets in JSON or TOML ``text`` first nest deeper than ``limit``,
    skipping strings and comments; ``None`` if the scan finds none (nesting by TOML table
    headers) or gives up. Only error messages use it."""
    depth, line, quote, comment, escaped_at = 0, 1, "", False, -1
    for count, match in enumerate(_TOKEN.finditer(text)):
        if count > 4_000_000:
            return None
        char, at = match.group(), match.start()
        if char == "\n":
            line += 1
            comment = False
        elif comment or at == escaped_at:
            continue
        elif quote:
            if char == "\\" and quote == '"':
                escaped_at = at + 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif char in "]}":
            depth -= 1
    return None


def load_json(data: str | bytes) -> Any:
    """Parse JSON from a repository or an index, bounded: every failure is a ``ValueError``
    with a message for people (a ``json.JSONDecodeError``, with ``lineno``, for syntax and
    for nesting deeper than :data:`MAX_DEPTH`). Numbers beyond Python's digit limit are
    refused too."""
    try:
        value = json.loads(data)
        if not too_deep(value):
            return value
    except json.JSONDecodeError:
        raise
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except RecursionError:
        pass  # too deep: reported below, with the line
    except ValueError:  # an integer beyond Python's digit limit
        raise ValueError("a number too long to read") from None
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    line = deep_line(text) or 1
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    raise json.JSONDecodeError(f"nested more than {MAX_DEPTH} levels deep", text, start)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a part
    (text is written as UTF-8 with ``\\n`` line ends). The file keeps its permissions, or
    gets the usual ones for a new file (0666 less the umask). A failure is a
    :class:`WriteError` naming the path, and leaves the old file and no temporary one."""
    import tempfile  # only writers need it; the hook only reads

    try:
        blob = data.encode("utf-8") if isinstance(data, str) else data
    except UnicodeEncodeError:
        raise WriteError(f"{path}: cannot write text that is not valid Unicode") from None
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise WriteError(f"{path}: cannot write: {exc.strerror or exc}") from None
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it
    os.umask(mask)
    return mask
