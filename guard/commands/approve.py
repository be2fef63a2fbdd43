"""``bumpguard approve NAME==VERSION...``: record reviews."""

from __future__ import annotations

from guard.commands import _common
from guard.engine import review
from guard.errors import EXIT_OK


def run(
    targets: list[str],
    reason: str,
    reviewer: str | None,
    hashes: list[str],
    policy: str | None,
    offline: bool,
    index_url: str | None,
) -> int:
    """Check each target (online unless ``offline``) and record its approval."""
    root = _common.root()
    loaded = _common.policy(root, policy)
    for line in review.approve(
        root, targets, reason, reviewer, loaded, hashes, offline=offline, index_url=index_url
    ):
        print(line)
    return EXIT_OK
