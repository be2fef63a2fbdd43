"""``bumpguard diff NAME OLD NEW``: what changed between two releases, for a reviewer."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from guard.commands import _common
from guard.engine import diff
from guard.errors import EXIT_OK
from guard.output import diff as output

if TYPE_CHECKING:
    from guard.index import IndexClient


def run(
    name: str, old: str, new: str, index_url: str | None, fmt: str, full: bool, policy: str | None
) -> int:
    """Compare two releases (versions on the index or local files) and print the summary."""
    root = _common.root()
    recorded: dict[str, set[str]] = {}
    where: dict[str, str] = {}
    if (root / ".git").exists():  # outside a repository there is no lock or ledger to hold
        recorded, where = diff.recorded(root, _common.policy(root, policy), name)

    made: list[IndexClient] = []

    def client() -> IndexClient:
        if not made:
            from guard.index import IndexClient, default_index_url

            made.append(IndexClient(default_index_url(index_url)))
        return made[0]

    try:
        summary = diff.diff(name, old, new, client=client, recorded=recorded, where=where)
    finally:
        for each in made:
            each.close()
    if fmt == "json":
        print(output.as_json(summary))
        return EXIT_OK
    text = output.text(summary) + "\n"
    if full:
        text += "\n" + "".join(diff.unified(summary))
        _page(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _page(text: str) -> None:
    """``text`` through ``$PAGER`` (default ``less``, with ``LESS=FRX`` unless set) when
    stdout is a terminal, as git does; else, or when there is no pager, straight out."""
    pager = os.environ.get("PAGER", "less")
    if not sys.stdout.isatty() or pager.strip() in ("", "cat"):
        sys.stdout.write(text)
        return
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    sys.stdout.flush()
    try:
        process = subprocess.Popen(pager, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.write(text)
        return
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode("utf-8", "replace"))
        process.stdin.close()
    except BrokenPipeError:  # the reader quit the pager early
        pass
    process.wait()
