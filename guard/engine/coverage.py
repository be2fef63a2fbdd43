"""Which pins govern a version range.

A range (``litellm>=1.80``) says little about what gets installed; a pin or a lock entry
does. A pin covers a range only when it governs the file that declares the range and the
range admits it:

* the same file, and every file read together with it through ``-r``/``-c`` includes;
* the other dependency files of the same folder (one folder, one project: a
  ``pyproject.toml`` and its ``uv.lock``, a ``requirements.in`` and its ``.txt``);
* a lock file, for the folders it resolves as path sources (uv workspace members, path
  dependencies of a Poetry or Pipenv project);
* the constraints files the policy names, for every file.

A pin in another sub-project, or one the range excludes, covers nothing. A pin behind an
environment marker covers only where its marker holds: pins cover a range when, on every
platform and Python version bumpguard considers, one of them applies.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from guard.model import ARCHIVE_SUFFIXES, Dependency

if TYPE_CHECKING:
    from packaging.markers import Marker


def _folder(path: str) -> str:
    return posixpath.dirname(path) or "."


class Pin(NamedTuple):
    """One exact version of a package, and the file that fixes it."""

    version: str
    file: str
    marker: str | None = None


class RangeCoverage(NamedTuple):
    """What the pins say about one range: those that cover it, those that govern it but
    lie outside it, and those in files that do not govern it."""

    admitted: tuple[Pin, ...]
    excluded: tuple[Pin, ...]
    elsewhere: tuple[Pin, ...]


class Coverage:
    """The pins of every file read, and which files govern which."""

    def __init__(
        self,
        deps: Iterable[Dependency],
        includes: Mapping[str, Iterable[str]],
        constraints: Sequence[str] = (),
        sources: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._pins: dict[str, list[Pin]] = defaultdict(list)
        self._folders: dict[str, set[str]] = defaultdict(set)
        self._locks_of: dict[str, set[str]] = defaultdict(set)
        for dep in deps:
            self._folders[_folder(dep.file)].add(dep.file)
            if dep.version is not None:
                self._pins[dep.name].append(Pin(dep.version, dep.file, dep.marker))
            if dep.locked and dep.source == "path" and dep.location:
                member = _member_folder(dep.file, dep.location)
                if member is not None:
                    self._locks_of[member].add(dep.file)
        self._includes = {k: set(v) for k, v in includes.items()}
        self._included_by: dict[str, set[str]] = defaultdict(set)
        for parent, children in self._includes.items():
            for child in children:
                self._included_by[child].add(parent)
            self._folders[_folder(parent)].add(parent)
        self._constraints = tuple(constraints)
        self._sources = dict(sources or {})
        self._governors: dict[str, frozenset[str]] = {}

    def governors(self, file: str) -> frozenset[str]:
        """The files whose pins govern the ranges ``file`` declares."""
        known = self._governors.get(file)
        if known is None:
            folder = _folder(file)
            found = {file, *self._folders[folder], *self._locks_of[folder], *self._constraints}
            found |= self._read_together(file)
            known = self._governors[file] = frozenset(found)
        return known

    def extra_sources(self, file: str) -> list[str]:
        """The sources besides the index that an installer reading ``file`` also uses
        (``--extra-index-url``, ``--find-links`` in it or in files read with it)."""
        if not self._sources:
            return []
        return sorted({s for f in self._read_together(file) for s in self._sources.get(f, ())})

    def _read_together(self, file: str) -> set[str]:
        """Every file an installer reads with ``file``: whatever includes it, directly or
        not, and everything those include."""
        tops = _closure(file, self._included_by)
        together: set[str] = set()
        for top in tops:
            together |= _closure(top, self._includes)
        return together

    def of(self, dep: Dependency) -> RangeCoverage:
        """How the pins of ``dep``'s package relate to its range."""
        try:
            spec = SpecifierSet(dep.specifier)
        except InvalidSpecifier:
            spec = None
        governing = self.governors(dep.file)
        admitted: list[Pin] = []
        excluded: list[Pin] = []
        elsewhere: list[Pin] = []
        for pin in self._pins.get(dep.name, ()):
            if pin.file not in governing:
                elsewhere.append(pin)
            elif spec is not None and spec.contains(pin.version, prereleases=True):
                admitted.append(pin)
            else:
                excluded.append(pin)
        return RangeCoverage(tuple(admitted), tuple(excluded), tuple(elsewhere))


def _closure(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _member_folder(lock: str, location: str) -> str | None:
    """The repository folder a lock's path source names, or ``None`` for an archive, an
    absolute path or a folder outside the repository."""
    if "://" in location or location.startswith("/") or location.lower().endswith(ARCHIVE_SUFFIXES):
        return None
    joined = posixpath.normpath(posixpath.join(_folder(lock), location.replace("\\", "/")))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


# The platforms and Python versions a pin must cover: a pin whose marker holds on none of
# them (`; python_version < "3"`) covers nothing.
_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
_PLATFORMS = (
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
)
_MACHINES = ("x86_64", "arm64", "aarch64", "AMD64")


def _environments() -> list[dict[str, str]]:
    from packaging.markers import default_environment

    base = default_environment()
    out = []
    for python in _PYTHONS:
        for platform in _PLATFORMS:
            for machine in _MACHINES:
                env: dict[str, str] = {**base, **platform}  # type: ignore[dict-item]
                env.update(
                    python_version=python,
                    python_full_version=f"{python}.0",
                    implementation_version=f"{python}.0",
                    platform_machine=machine,
                    extra="",
                )
                out.append(env)
    return out


def covers_everywhere(pins: Iterable[Pin]) -> bool:
    """Whether, on every platform and Python version considered, one of ``pins`` applies
    (a pin without a marker applies everywhere; an unreadable marker, nowhere)."""
    from packaging.markers import InvalidMarker, Marker  # only marker-gated pins need it

    markers: list[Marker] = []
    for pin in pins:
        if pin.marker is None:
            return True
        try:
            markers.append(Marker(pin.marker))
        except InvalidMarker:
            continue
    if not markers:
        return False
    return all(any(_holds(m, env) for m in markers) for env in _environments())


def _holds(marker: Marker, env: dict[str, str]) -> bool:
    from packaging.markers import UndefinedComparison

    try:
        return marker.evaluate(env)
    except (UndefinedComparison, ValueError, KeyError):
        return False


def describe(pins: Iterable[Pin]) -> str:
    """``file: ==1.2.3`` items for messages (the first three, then a count)."""
    items = sorted({f"{pin.file}: =={pin.version}" for pin in pins})
    more = f" and {len(items) - 3} more" if len(items) > 3 else ""
    return ", ".join(items[:3]) + more
