"""What Python runs at start-up: ``.pth`` lines and customize modules.

``site`` executes every line of a ``.pth`` file in site-packages that starts with
``import`` (followed by a space or a tab) and treats the other lines as paths to add.
litellm 1.82.8's ``litellm_init.pth`` used exactly that to run at every interpreter
start-up. A line that is not an import but does not look like a path either is reported
too: nothing legitimate puts code-like text in a ``.pth`` file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Modules that Python imports at start-up when they are importable from site-packages.
CUSTOMIZE_MODULES = frozenset({"sitecustomize", "usercustomize"})

# The compromised litellm 1.82.8 start-up hook.
LITELLM_PTH_NAME = "litellm_init.pth"
LITELLM_PTH_SHA256 = "71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238"

_CODE_LIKE = re.compile(r"[;()=`$]|\bexec\b|\beval\b|__import__|\\x[0-9a-f]{2}", re.IGNORECASE)


@dataclass(frozen=True)
class PthLine:
    """One line of a ``.pth`` file that is, or looks like, code."""

    number: int
    text: str
    executed: bool  # True: site runs it; False: code-like text site would treat as a path


def executable_lines(text: str) -> list[PthLine]:
    """The lines of a ``.pth`` file that run (``import ...``) or look like code."""
    found: list[PthLine] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("import ", "import\t")):
            found.append(PthLine(number, line[:200], True))
        elif _CODE_LIKE.search(line):
            found.append(PthLine(number, line[:200], False))
    return found


def describe(lines: list[PthLine]) -> str:
    """``line 1: import os; ...`` for messages (the first line, and how many more)."""
    first = lines[0]
    kind = "runs at start-up" if first.executed else "looks like code"
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    shown = first.text if len(first.text) <= 80 else first.text[:77] + "..."
    return f"line {first.number} {kind}: {shown}{more}"
