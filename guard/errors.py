"""The one exception root of bumpguard and the exit codes it maps to.

``main`` in :mod:`guard.cli` is the only place that turns these into messages and codes.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BLOCKED = 1
EXIT_ERROR = 2
#: A bug: an exception bumpguard did not expect (never allowed, never "blocked").
EXIT_INTERNAL = 3


class GuardError(Exception):
    """Base of every error bumpguard raises on purpose; exit code 2 unless a subclass says."""

    exit_code = EXIT_ERROR


class UsageError(GuardError):
    """The command line asked for something that cannot be done."""


class InputError(GuardError):
    """A file bumpguard reads is malformed; names the file and, where known, the line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class PolicyError(InputError):
    """A policy file is invalid."""


class LedgerError(InputError):
    """A review-ledger file under ``.bumpguard/`` is invalid."""


class WriteError(GuardError):
    """A file could not be written (a full disk, a read-only file system, a directory in
    the way): exit 2, naming the path. What was there before is left as it was."""


class Refused(GuardError):
    """The policy refuses an action (for example approving a denied version): exit 1."""

    exit_code = EXIT_BLOCKED
