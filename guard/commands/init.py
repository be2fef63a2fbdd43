"""``bumpguard init``: adopt bumpguard in a repository."""

from __future__ import annotations

from guard.commands import _common
from guard.engine import review


def run(policy: str | None, reviewer: str | None, force: bool) -> int:
    """Write a starter policy (unless one exists) and a baseline of reviews."""
    root = _common.root()
    lines, code = review.init(root, lambda: _common.policy(root, policy), reviewer, force)
    print("\n".join(lines))
    return code
