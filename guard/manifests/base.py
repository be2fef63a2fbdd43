"""What every dependency-file reader shares: the reading context (the repository root,
what was read already, include edges and extra sources)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from guard._files import real
from guard.model import Dependency


@dataclass
class ReadContext:
    """What a reader needs beyond the file: the repository root and what was read already."""

    root: Path
    seen: set[Path] = field(default_factory=set)
    #: ``-r``/``-c`` edges: the display path of a file -> the display paths it includes.
    includes: dict[str, set[str]] = field(default_factory=dict)
    #: Sources a requirements file adds besides the index (``--extra-index-url``,
    #: ``--find-links``), as ``file:line: option value``.
    sources: dict[str, list[str]] = field(default_factory=dict)

    def display(self, path: Path) -> str:
        """The repository-relative POSIX path used in messages and findings."""
        try:
            return real(path).relative_to(real(self.root)).as_posix()
        except ValueError:
            return str(path)

    def first_visit(self, path: Path) -> bool:
        """Record ``path`` as read; false when it was read already (an include reached
        twice, or a cycle)."""
        resolved = real(path)
        if resolved in self.seen:
            return False
        self.seen.add(resolved)
        return True

    def inside(self, path: Path) -> bool:
        """Whether ``path`` lies inside the repository."""
        try:
            real(path).relative_to(real(self.root))
        except ValueError:
            return False
        return True


Reader = Callable[[Path, ReadContext], list[Dependency]]
