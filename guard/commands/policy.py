"""``bumpguard policy validate|show|schema|fetch``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from guard.commands import _common
from guard.errors import EXIT_OK
from guard.policy.loader import find_policy


def validate(file: str | None) -> int:
    """Load a policy file (default: the repository's) and everything it extends."""
    root = _common.root()
    policy = _common.policy(root, file or find_policy(root, None))
    print(
        f"ok: {' + '.join(policy.sources)}: {len(policy.protect)} protected, "
        f"{len(policy.deny)} deny rule(s), review_threshold {policy.review_threshold}"
    )
    return EXIT_OK


def show(policy: str | None, fmt: str) -> int:
    """Print the effective, merged policy as YAML or JSON."""
    data = _common.policy(_common.root(), policy).to_data()
    if fmt == "json":
        print(json.dumps(data, indent=2))
    else:
        import yaml

        print(yaml.safe_dump(data, sort_keys=False, width=100), end="")
    return EXIT_OK


def schema() -> int:
    """Print the JSON Schema of policy files."""
    from guard.policy.schema import POLICY_SCHEMA

    print(json.dumps(POLICY_SCHEMA, indent=2))
    return EXIT_OK


def fetch(policy: str | None, locked: bool) -> int:
    """Fetch, verify, store and lock the pinned URLs the policy extends or imports."""
    from guard import remote

    root = _common.root()
    lines, warnings = remote.fetch(root, find_policy(root, policy), Path.cwd(), locked=locked)
    for warning in warnings:
        print(warning, file=sys.stderr)
    print("\n".join(lines))
    return EXIT_OK
