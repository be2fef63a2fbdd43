"""What every command does first: find the repository and load the policy it runs under."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from guard.errors import UsageError
from guard.git import find_root
from guard.policy.loader import find_policy, load_policy
from guard.policy.rules import Policy

#: A policy applied on top of whatever the repository configures (``--require-policy``).
REQUIRE_ENV = "BUMPGUARD_REQUIRE_POLICY"
_PINNED = re.compile(r"^(?P<url>[a-z][a-z0-9+.-]*://[^#]+)#sha256=(?P<sha256>[0-9a-f]{64})$")


def root() -> Path:
    """The repository the command runs in (``-C DIR`` has already changed directory)."""
    return find_root(Path.cwd())


def policy(repository: Path, explicit: str | None, required: str | None = None) -> Policy:
    """The policy a command runs under: ``--policy`` (a path relative to where the command
    runs, or ``builtin:NAME``), else the repository's own, else the built-in default; with
    ``required`` (``--require-policy``, else ``$BUMPGUARD_REQUIRE_POLICY``) applied first and
    enforced, so the repository cannot loosen or drop it. Its warnings go to stderr."""
    required = required or os.environ.get(REQUIRE_ENV) or None
    loaded = load_policy(
        find_policy(repository, explicit),
        Path.cwd(),
        root=repository,
        required=_required(required) if required else None,
    )
    signers = loaded.required_signers
    if signers is not None:
        from guard import remote
        from guard.errors import GuardError, PolicyError

        try:
            got = remote.fetch_pinned(signers.url, signers.pin)
        except GuardError as exc:
            raise PolicyError(
                signers.source, signers.line, f"{signers.describe()}: {exc}"
            ) from None
        loaded.fetched_signers[signers.key()] = got.data
    for warning in loaded.warnings:
        print(warning, file=sys.stderr)
    return loaded


def _required(spec: str) -> tuple[str, bytes]:
    """A required policy's name and bytes: a local file, ``builtin:NAME``, or
    ``URL#sha256=HEX`` fetched and checked against that digest (the only network use of an
    offline command, and only when asked for)."""
    if "://" in spec:
        match = _PINNED.match(spec)
        if match is None:
            raise UsageError(
                f"--require-policy {spec}: a URL must be pinned as URL#sha256=<64 hex digits>"
            )
        from guard import remote
        from guard.policy.pins import Pin

        fetched = remote.fetch_pinned(match["url"], Pin(sha256=match["sha256"]))
        return match["url"], fetched.data
    from guard._files import MAX_POLICY_BYTES, read_bytes
    from guard.policy.loader import BUILTIN_PREFIX, builtin_dir, builtin_names

    if spec.startswith(BUILTIN_PREFIX):
        name = spec.removeprefix(BUILTIN_PREFIX)
        if name not in builtin_names():
            known = ", ".join(BUILTIN_PREFIX + n for n in builtin_names())
            raise UsageError(f"--require-policy {spec}: no such built-in policy (known: {known})")
        path = builtin_dir() / f"{name}.yaml"
        return spec, read_bytes(path, spec, limit=MAX_POLICY_BYTES)
    return spec, read_bytes(Path(spec), spec, limit=MAX_POLICY_BYTES)
