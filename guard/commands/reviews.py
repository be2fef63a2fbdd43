"""``bumpguard reviews export``: publish the repository's reviews."""

from __future__ import annotations

from pathlib import Path

from guard import ledger
from guard._files import write_atomic
from guard.commands import _common
from guard.errors import EXIT_OK, UsageError


def export(output: str | None) -> int:
    """Print the repository's own approvals as one JSON file (or write it to ``output``)."""
    data = ledger.export(_common.root())
    if output:
        target = Path(output)
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise UsageError(f"--output {output}: exists and is not a regular file; not replaced")
        write_atomic(target, data)
    else:
        print(data, end="")
    return EXIT_OK
