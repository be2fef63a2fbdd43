"""``bumpguard init``: adopt bumpguard in a repository."""

from __future__ import annotations

from guard.commands import _common
from guard.engine import review
from guard.output import review as output


def run(
    policy: str | None,
    reviewer: str | None,
    force: bool,
    offline: bool = False,
    index_url: str | None = None,
) -> int:
    """Write a starter policy (unless one exists) and a baseline of reviews, verifying
    attestations online where they are required (unless ``offline``)."""
    root = _common.root()
    done = review.init(
        root,
        lambda: _common.policy(root, policy),
        reviewer,
        force,
        offline=offline,
        index_url=index_url,
    )
    print(output.adoption(done))
    return done.exit_code
