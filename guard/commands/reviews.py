"""``bumpguard reviews export``: publish the repository's reviews."""

from __future__ import annotations

from pathlib import Path

from guard import ledger
from guard._files import write_atomic
from guard.commands import _common
from guard.errors import EXIT_OK


def export(output: str | None) -> int:
    """Print the repository's own approvals as one JSON file (or write it to ``output``)."""
    data = ledger.export(_common.root())
    if output:
        write_atomic(Path(output), data)
    else:
        print(data, end="")
    return EXIT_OK
