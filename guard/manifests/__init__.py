"""Dependency-file readers: find the supported files in a repository and read them.

Every reader turns one file format into :class:`guard.model.Dependency` records without
running anything. Readers live in one module per format; this module only dispatches.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from guard import git
from guard.errors import InputError
from guard.manifests.base import ReadContext, Reader
from guard.model import MAX_NAME, MAX_VERSION, Dependency

# A basename regex per format. Requirements files are also reached through -r/-c includes
# whatever their name.
_REQUIREMENTS = re.compile(
    r"^(?:requirements[^/]*\.txt|[^/]*[-_.]requirements\.txt|constraints[^/]*\.txt"
    r"|[^/.]+\.in)$"
)
_PYLOCK = re.compile(r"^pylock(?:\.[^/.]+)?\.toml$")
_NOT_REQUIREMENTS = frozenset({"MANIFEST.in"})

# The same set of names as one regex over repository-relative paths, for pre-commit's
# ``files:`` (kept in step with .pre-commit-hooks.yaml by a test).
FILES_PATTERN = (
    r"(^|/)(requirements[^/]*\.txt|[^/]*[-_.]requirements\.txt|constraints[^/]*\.txt"
    r"|[^/.]+\.in|requirements/[^/]+\.txt|pyproject\.toml|uv\.lock|poetry\.lock"
    r"|pylock(\.[^/.]+)?\.toml|Pipfile\.lock)$|(^|/)\.bumpguard\.ya?ml$|^\.bumpguard/"
)

_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        "site-packages",
        "build",
        "dist",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)

LOCK_FORMATS = frozenset({"uv.lock", "poetry.lock", "pylock", "Pipfile.lock"})


def file_format(relpath: str) -> str | None:
    """The format name of a repository-relative path, or ``None`` if it is not supported."""
    path = PurePosixPath(relpath)
    name = path.name
    if name == "pyproject.toml":
        return "pyproject"
    if name in ("uv.lock", "poetry.lock", "Pipfile.lock"):
        return name
    if _PYLOCK.match(name):
        return "pylock"
    if name in _NOT_REQUIREMENTS:
        return None
    if _REQUIREMENTS.match(name):
        return "requirements"
    if path.parent.name == "requirements" and name.endswith(".txt"):
        return "requirements"
    return None


def _reader(fmt: str) -> Reader:
    # Imported on demand: a repository with only a uv.lock never imports the others.
    if fmt == "requirements":
        from guard.manifests import requirements

        return requirements.read
    if fmt == "pyproject":
        from guard.manifests import pyproject

        return pyproject.read
    if fmt == "uv.lock":
        from guard.manifests import uvlock

        return uvlock.read
    if fmt == "poetry.lock":
        from guard.manifests import poetrylock

        return poetrylock.read
    if fmt == "pylock":
        from guard.manifests import pylock

        return pylock.read
    if fmt == "Pipfile.lock":
        from guard.manifests import pipfile

        return pipfile.read
    raise AssertionError(fmt)


def read_file(path: Path, ctx: ReadContext, fmt: str | None = None) -> list[Dependency]:
    """Read one dependency file (and, for requirements files, what it includes)."""
    if not ctx.first_visit(path):
        return []
    deps = _reader(fmt or file_format(ctx.display(path)) or "requirements")(path, ctx)
    for dep in deps:
        if len(dep.name) > MAX_NAME:
            raise InputError(
                dep.file, dep.line or None, f"a package name longer than {MAX_NAME} characters"
            )
        if dep.version is not None and len(dep.version) > MAX_VERSION:
            raise InputError(
                dep.file,
                dep.line or None,
                f"{dep.name}: a version longer than {MAX_VERSION} characters",
            )
    return deps


def read_all(paths: Iterable[Path], ctx: ReadContext) -> list[Dependency]:
    """Read every file in ``paths``; a file reached twice (by an include) is read once."""
    deps: list[Dependency] = []
    for path in paths:
        deps.extend(read_file(path, ctx))
    return deps


def discover(root: Path, names: Sequence[str] | None = None) -> list[Path]:
    """Every supported dependency file in the repository, the one discovery that every
    command shares: in a git work tree the files git's index holds (tracked or staged:
    what a commit contains), otherwise every file below ``root`` outside virtual
    environments. ``names`` is git's index as :func:`guard.git.index_listing` read it,
    when the caller has it."""
    if names is None:
        listing = git.index_listing(root)
        names = None if listing is None else list(listing)
    if names is None:
        names = _walk(root)
    found = [root / name for name in sorted(names) if file_format(name)]
    # What git holds is read even when it is a link or a special file (and then refused):
    # skipping it would let a lock that is a link to something else pass unchecked. Only a
    # file gone from the working tree, or a folder (a submodule), is not a file to read.
    return [p for p in found if _listed_file(p)]


def _listed_file(path: Path) -> bool:
    """Whether a path git lists is a file to read: gone from the work tree or a folder (a
    submodule) is not; one that cannot even be looked at (an unsearchable folder) is, so
    that reading it fails with the reason instead of skipping it."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return not stat.S_ISDIR(info.st_mode)


def _walk(root: Path) -> list[str]:
    names: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        rel = Path(dirpath).relative_to(root)
        names.extend((rel / f).as_posix() for f in filenames)
    return names


__all__ = [
    "FILES_PATTERN",
    "LOCK_FORMATS",
    "InputError",
    "ReadContext",
    "Reader",
    "discover",
    "file_format",
    "read_all",
    "read_file",
]
