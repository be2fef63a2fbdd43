"""What every dependency-file reader shares: the reading context (the repository root,
what was read already, include edges and extra sources)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from guard._files import real
from guard.model import Dependency


class IndexSource(NamedTuple):
    """A package index or other source of distributions a file tells an installer to use:
    ``option`` is how the file names it (``--extra-index-url``, ``[[tool.uv.index]]``,
    ``Pipfile [[source]]``, ``uv.lock registry`` ...), ``url`` the value as written (a URL,
    or a host for ``--trusted-host``)."""

    file: str
    line: int
    option: str
    url: str


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
    #: Every index, find-links location and trusted host a file names (see
    #: :class:`IndexSource`), checked against the policy's ``indexes``.
    indexes: list[IndexSource] = field(default_factory=list)
    #: What a reader skipped and why (``file:line: ...``): a ``setup.py`` argument that is
    #: not a literal, an install command with a shell variable. Shown, never a verdict.
    notes: list[str] = field(default_factory=list)

    def note(self, file: str, line: int | None, text: str) -> None:
        """Record that something in ``file`` was not read, and why."""
        self.notes.append(f"{file}:{line}: {text}" if line else f"{file}: {text}")

    def add_index(self, file: str, line: int, option: str, url: str) -> None:
        """Record an index (or find-links location, or trusted host) a file names."""
        self.indexes.append(IndexSource(file, line, option, url))

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

    def read_other(self, path: Path, fmt: str | None = None) -> list[Dependency]:
        """Read a file of any format that this file names (an install command's
        ``-r pyproject.toml``), as the discovery would, once."""
        return _DISPATCH[0](path, self, fmt)

    def inside(self, path: Path) -> bool:
        """Whether ``path`` lies inside the repository."""
        try:
            real(path).relative_to(real(self.root))
        except ValueError:
            return False
        return True


Reader = Callable[[Path, ReadContext], list[Dependency]]

#: The reader of any format (:func:`guard.manifests.read_file`), which registers itself when
#: :mod:`guard.manifests` is imported: importing any reader imports that package first.
_DISPATCH: list[Callable[[Path, ReadContext, str | None], list[Dependency]]] = []


def register(read: Callable[[Path, ReadContext, str | None], list[Dependency]]) -> None:
    """Make ``read`` the reader :meth:`ReadContext.read_other` uses."""
    _DISPATCH[:] = [read]
