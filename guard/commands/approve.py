"""``bumpguard approve NAME==VERSION...``: record reviews."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from guard.commands import _common
from guard.engine import review
from guard.errors import EXIT_OK
from guard.output import diff as diff_output
from guard.output import review as output

if TYPE_CHECKING:
    from guard.engine.diff import Summary


def run(
    targets: list[str],
    reason: str,
    reviewer: str | None,
    hashes: list[str],
    policy: str | None,
    offline: bool,
    index_url: str | None,
    accept: list[str],
    sign: bool = False,
    key: str | None = None,
    required: str | None = None,
) -> int:
    """Check each target (online unless ``offline``) and record its approval; the diff
    against an earlier approved version is printed first."""
    root = _common.root()
    loaded = _common.policy(root, policy, required)

    def show(summary: Summary) -> None:
        print(diff_output.text(summary) + "\n", flush=True)

    recorded = review.approve(
        root,
        targets,
        reason,
        reviewer,
        loaded,
        hashes,
        offline=offline,
        index_url=index_url,
        accept=accept,
        show=show,
        sign=sign or key is not None,
        key=key,
        interactive=sys.stdin.isatty(),
    )
    print(output.approved(recorded))
    return EXIT_OK
