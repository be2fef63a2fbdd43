"""Dependency-file readers: find the supported files in a repository and read them.

Every reader turns one file format into :class:`guard.model.Dependency` records without
running anything. Readers live in one module per format; this module only dispatches.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from guard import git
from guard.errors import InputError
from guard.manifests.base import ReadContext, Reader, register
from guard.manifests.formats import (
    COMMAND_FORMATS,
    FILES_PATTERN,
    LOCK_FORMATS,
    NAME_SUFFIXES,
    file_format,
)
from guard.model import MAX_NAME, MAX_VERSION, Dependency

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
    if fmt == "pdm.lock":
        from guard.manifests import pdmlock

        return pdmlock.read
    if fmt == "pixi.lock":
        from guard.manifests import pixilock

        return pixilock.read
    if fmt == "conda":
        from guard.manifests import conda

        return conda.read
    if fmt == "setup.py":
        from guard.manifests import setuppy

        return setuppy.read
    if fmt == "setup.cfg":
        from guard.manifests import setupcfg

        return setupcfg.read
    if fmt == "tox.ini":
        from guard.manifests import toxini

        return toxini.read
    if fmt in COMMAND_FORMATS:
        from guard.manifests import commands

        return commands.reader(fmt)
    raise AssertionError(fmt)


def read_file(path: Path, ctx: ReadContext, fmt: str | None = None) -> list[Dependency]:
    """Read one dependency file (and, for requirements files, what it includes). Readers
    that reach a file of another format read it through this (see
    :meth:`ReadContext.read_other`)."""
    if not ctx.first_visit(path):
        return []
    fmt = fmt or file_format(ctx.display(path)) or "requirements"
    if fmt in LOCK_FORMATS:  # read once per content: see guard.manifests.remembered
        from guard.manifests import remembered

        deps = remembered.read(path, ctx, fmt, _reader(fmt))
    else:
        deps = _reader(fmt)(path, ctx)
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


def discover(
    root: Path,
    names: Sequence[str] | None = None,
    excluded: Callable[[str], bool] | None = None,
) -> list[Path]:
    """Every supported dependency file in the repository, the one discovery that every
    command shares: in a git work tree the files git's index holds (tracked or staged:
    what a commit contains), otherwise every file below ``root`` outside virtual
    environments. ``names`` is git's index as :func:`guard.git.index_listing` read it (and
    any other paths to consider), when the caller has it; ``excluded`` says which paths
    the policy's ``exclude`` globs skip."""
    if names is None:
        listing = git.index_listing(root)
        names = None if listing is None else listing.names()
    if names is None:
        names = _walk(root)
    # The same test as file_format's first one, inline: in a monorepo this loop sees every
    # tracked path, and most fail it at C speed.
    likely = [n for n in names if n.endswith(NAME_SUFFIXES) or "ocker" in n or "ontainer" in n]
    found = [
        root / name
        for name in sorted(n for n in likely if file_format(n))
        if excluded is None or not excluded(name)
    ]
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


register(read_file)

__all__ = [
    "COMMAND_FORMATS",
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
