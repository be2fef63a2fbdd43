"""``bumpguard pip install ...``: the install gate."""

from __future__ import annotations

import sys

from guard.commands import _common
from guard.engine import install
from guard.errors import UsageError


def _take_option(args: list[str], name: str) -> str | None:
    """Remove ``name VALUE`` / ``name=VALUE`` from ``args``; return the value."""
    for i, arg in enumerate(args):
        if arg == name:
            if i + 1 >= len(args):
                raise UsageError(f"{name} needs a value")
            value = args[i + 1]
            del args[i : i + 2]
            return value
        if arg.startswith(name + "="):
            del args[i]
            return arg.split("=", 1)[1]
    return None


def run(pip_args: list[str]) -> int:
    """Check everything ``pip install PIP_ARGS`` would install, then install exactly that.
    ``--python``, ``--policy`` and ``--require-policy`` among ``pip_args`` are bumpguard's
    own."""
    pip_args = list(pip_args)
    if pip_args[:1] == ["--"]:
        pip_args = pip_args[1:]
    python = _take_option(pip_args, "--python")
    explicit = _take_option(pip_args, "--policy")
    required = _take_option(pip_args, "--require-policy")
    root = _common.root()
    policy = _common.policy(root, explicit, required)
    outcome = install.run(pip_args, policy, python, root if (root / ".git").exists() else None)
    print(outcome.message, file=sys.stderr if outcome.code else sys.stdout)
    return outcome.code
