"""What every command does first: find the repository and load the policy it runs under."""

from __future__ import annotations

import sys
from pathlib import Path

from guard.git import find_root
from guard.policy.loader import find_policy, load_policy
from guard.policy.rules import Policy


def root() -> Path:
    """The repository the command runs in (``-C DIR`` has already changed directory)."""
    return find_root(Path.cwd())


def policy(repository: Path, explicit: str | None) -> Policy:
    """The policy a command runs under: ``--policy`` (a path relative to where the command
    runs, or ``builtin:NAME``), else the repository's own, else the built-in default. Its
    warnings go to stderr."""
    loaded = load_policy(find_policy(repository, explicit), Path.cwd(), root=repository)
    for warning in loaded.warnings:
        print(warning, file=sys.stderr)
    return loaded
