"""Where bumpguard remembers work between runs, and whether it may.

Three caches live under one directory (``$BUMPGUARD_CACHE_DIR``, else the user cache
directory): ``verify/`` (successful PEP 740 verifications), ``yaml/`` (parsed policy
files) and ``locks/`` (the records read from lock files, see
:mod:`guard.manifests.remembered`). Entries are not signed, so a cache restored across a
trust boundary (say, from another branch's CI run) could vouch for evidence that was never
verified, change a policy or hide a lock's entries: under CI (``CI`` set) they are off
unless ``BUMPGUARD_VERIFY_CACHE=1``, and ``BUMPGUARD_VERIFY_CACHE=0`` turns them off
anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "BUMPGUARD_CACHE_DIR"
SWITCH = "BUMPGUARD_VERIFY_CACHE"


def enabled() -> bool:
    """Whether the caches are used (see the module docstring)."""
    setting = os.environ.get(SWITCH, "").strip().lower()
    if setting in ("0", "false", "no", "off"):
        return False
    if setting in ("1", "true", "yes", "on"):
        return True
    return not os.environ.get("CI")


def directory(kind: str) -> Path:
    """The folder of one cache: ``$BUMPGUARD_CACHE_DIR/KIND``."""
    base = os.environ.get(ENV)
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("bumpguard")
    return Path(base) / kind
