"""``bumpguard scan-env``: audit an installed environment."""

from __future__ import annotations

from guard.commands import _common
from guard.engine import scan_env


def run(python: str | None, path: str | None, policy: str | None, fmt: str = "text") -> int:
    """Scan the environment of ``python`` (or the site-packages ``path``)."""
    loaded = _common.policy(_common.root(), policy)
    text, code = scan_env.run(python, path, loaded, fmt)
    print(text)
    return code
