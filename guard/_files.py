"""Reading repository files safely: size limits, encodings and atomic writes."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from guard.errors import InputError

MAX_INPUT_BYTES = 64 * 1024 * 1024


def read_bytes(path: Path, display: str) -> bytes:
    """Read a file's bytes; a missing, oversized or unreadable file is an input error."""
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(display, None, f"file is too large ({size} bytes)")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(display, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(display, None, "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(display, None, f"cannot read: {exc.strerror}") from None


def read_text(path: Path, display: str) -> str:
    """Read a text file as UTF-8 (BOM allowed); oversized or undecodable files are errors."""
    data = read_bytes(path, display)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(display, line, "not valid UTF-8 text") from None


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a part
    (text is written as UTF-8 with ``\\n`` line ends)."""
    import tempfile  # only writers need it; the hook only reads

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    blob = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
