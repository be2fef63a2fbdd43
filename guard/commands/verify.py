"""``bumpguard verify NAME==VERSION`` or ``bumpguard verify FILE --provenance FILE``."""

from __future__ import annotations

from pathlib import Path

from guard.commands import _common
from guard.engine import verify
from guard.errors import EXIT_BLOCKED, EXIT_OK
from guard.output import verify as output


def run(target: str, provenance: str | None, policy: str | None, index_url: str | None) -> int:
    """Verify a release on the index, or a local file against its provenance."""
    root = _common.root()
    loaded = _common.policy(root, policy)
    if provenance is not None:
        print(output.local_file(verify.verify_file(Path(target), Path(provenance), loaded)))
        return EXIT_OK  # a file that does not verify raises
    found = verify.verify_release(root, target, loaded, index_url)
    print(output.release(found))
    return EXIT_OK if found.ok else EXIT_BLOCKED
