"""Local project directories: the name and version a folder declares, and submodules.

A requirement such as ``./vendor/litellm`` installs whatever that folder declares, so deny
rules and protection apply to its declared name and version. Only static metadata is read
(``[project]``, ``[tool.poetry]``, ``setup.cfg [metadata]``); nothing is built or run.
"""

from __future__ import annotations

from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from guard import _toml, git
from guard._files import read_text, real
from guard.errors import InputError


def declared(directory: Path) -> tuple[str | None, str | None]:
    """The canonical name and the static version a project folder declares (``None``
    where it does not say, or says ``dynamic``)."""
    pyproject = directory / "pyproject.toml"
    if _is_file(pyproject):
        try:
            data = _toml.loads(read_text(pyproject, str(pyproject)), "")
        except (InputError, RecursionError):
            data = {}
        tool = data.get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        for table in (data.get("project"), poetry):
            if isinstance(table, dict) and isinstance(table.get("name"), str):
                return canonicalize_name(table["name"]), _version(table.get("version"))
    setup_cfg = directory / "setup.cfg"
    if _is_file(setup_cfg):
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(read_text(setup_cfg, str(setup_cfg)))
        except (InputError, configparser.Error):
            return None, None
        name = parser.get("metadata", "name", fallback=None)
        if name and name.strip():
            return canonicalize_name(name.strip()), _version(
                parser.get("metadata", "version", fallback=None)
            )
    return None, None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # unreadable or impossible names count as absent
        return False


def _version(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(Version(value.strip()))
    except InvalidVersion:
        return None  # `attr: pkg.__version__` and the like: known only by building


class LocalProjects:
    """What one check asks about local folders, each answer computed once."""

    def __init__(self, root: Path, gitlinks: dict[str, str] | None = None) -> None:
        self.root = real(root)
        self._declared: dict[Path, tuple[str | None, str | None]] = {}
        self._gitlinks = gitlinks

    def declared(self, directory: Path) -> tuple[str | None, str | None]:
        """The name and static version ``directory`` declares."""
        key = real(directory)
        if key not in self._declared:
            self._declared[key] = declared(key)
        return self._declared[key]

    def submodule(self, directories: list[Path]) -> str | None:
        """The commit of the submodule one of ``directories`` lies in, if any."""
        if self._gitlinks is None:
            self._gitlinks = git.gitlinks(git.index_listing(self.root))
        if not self._gitlinks or all(real(d) == self.root for d in directories):
            return None
        for directory in directories:
            try:
                relative = real(directory).relative_to(self.root).as_posix()
            except ValueError:
                continue
            for path, commit in self._gitlinks.items():
                if relative == path or relative.startswith(path + "/"):
                    return commit
        return None
