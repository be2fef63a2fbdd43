"""Shared fixtures: real git repositories in temporary folders, isolated from the machine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from guard.cli import main

pytest_plugins = ["tests.indexserver", "tests.staticserver", "tests.installers"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test sees the machine's git identity or configuration."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # The verification cache of every test starts empty and never touches the user's.
    monkeypatch.setenv("BUMPGUARD_CACHE_DIR", str(home / "cache"))
    for var in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "BUMPGUARD_DEBUG",
        "BUMPGUARD_VERIFY_CACHE",
        "CI",  # tests are a developer's machine unless they say otherwise
        "GITHUB_ACTIONS",
        "NO_COLOR",
    ):
        monkeypatch.delenv(var, raising=False)


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run git in ``repo``."""
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=check)


class Repo:
    """A real git repository in a temporary folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, name: str, text: str) -> Path:
        """Write a file (creating folders) and return its path."""
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target

    def add(self, *names: str) -> None:
        """Stage files (everything when no name is given)."""
        git(self.path, "add", *(names or ("-A",)))

    def commit(self, message: str = "change") -> subprocess.CompletedProcess[str]:
        """Commit what is staged; returns the completed process (hooks may refuse it)."""
        return git(self.path, "commit", "-m", message, check=False)

    def run(self, *args: str) -> int:
        """``bumpguard -C repo ARGS`` through ``main``."""
        return main(["-C", str(self.path), *args])


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Repo]:
    """An empty git repository with a reviewer identity, and the cwd restored after."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    git(path, "config", "user.name", "Rita Reviewer")
    git(path, "config", "user.email", "rita@example.org")
    cwd = os.getcwd()
    yield Repo(path)
    os.chdir(cwd)


def bumpguard_cmd() -> list[str]:
    """The installed CLI as a subprocess command (``python -m guard``)."""
    return [sys.executable, "-m", "guard"]
