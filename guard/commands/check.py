"""``bumpguard check [FILE...]``: the commit gate."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from guard.commands import _common
from guard.engine import check
from guard.errors import EXIT_BLOCKED, EXIT_OK, UsageError
from guard.output import report as output


def run(
    files: list[str],
    policy: str | None,
    fmt: str,
    color: str,
    base: str | None,
    required: str | None = None,
    exclude: Sequence[str] = (),
) -> int:
    """Check the dependency files (all of them when ``files`` is empty)."""
    from guard.policy.paths import glob_problem

    root = _common.root()
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    for glob in exclude:
        problem = glob_problem(glob)
        if problem is not None:
            raise UsageError(f"--exclude {glob!r} {problem}")
    loaded = _common.policy(root, policy, required)
    found = check.run(root, paths, loaded, base, exclude=exclude)
    if fmt == "json":
        print(output.as_json(found))
    elif fmt == "sarif":
        print(output.as_sarif(found, root))
    else:
        print(output.text(found, color=output.use_color(color, sys.stdout)))
        if output.in_github_actions():
            for line in output.github_annotations(found):
                print(line)
    return EXIT_BLOCKED if found.blocked else EXIT_OK
