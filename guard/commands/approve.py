"""``bumpguard approve NAME==VERSION...``: record reviews."""

from __future__ import annotations

from guard.commands import _common
from guard.engine import review
from guard.errors import EXIT_OK
from guard.output import review as output


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
    recorded = review.approve(
        root, targets, reason, reviewer, loaded, hashes, offline=offline, index_url=index_url
    )
    print(output.approved(recorded))
    return EXIT_OK
