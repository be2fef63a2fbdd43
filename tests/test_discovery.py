"""Which paths are dependency files: ``file_format`` (what ``check`` reads) and the
pre-commit ``files:`` pattern (when the hook runs with ``always_run: false``) agree."""

from __future__ import annotations

import re

import pytest
import yaml

from guard.manifests import FILES_PATTERN, file_format
from tests.conftest import ROOT

FORMATS = {
    "requirements.txt": "requirements",
    "requirements/prod.txt": "requirements",
    "sub/dev-requirements.txt": "requirements",
    "constraints.txt": "requirements",
    "requirements.in": "requirements",
    "requirements.lock": "requirements",
    "requirements-dev.lock": "requirements",
    "pyproject.toml": "pyproject",
    "lib/a/pyproject.toml": "pyproject",
    "uv.lock": "uv.lock",
    "poetry.lock": "poetry.lock",
    "pylock.toml": "pylock",
    "pylock.dev.toml": "pylock",
    "Pipfile.lock": "Pipfile.lock",
    "pdm.lock": "pdm.lock",
    "pixi.lock": "pixi.lock",
    "setup.py": "setup.py",
    "pkg/setup.cfg": "setup.cfg",
    "tox.ini": "tox.ini",
    "environment.yml": "conda",
    "ci/environment-dev.yaml": "conda",
    "dev-environment.yml": "conda",
    "Dockerfile": "dockerfile",
    "docker/Dockerfile.gpu": "dockerfile",
    "api.Dockerfile": "dockerfile",
    "Containerfile": "dockerfile",
    ".devcontainer/DockerFile": "dockerfile",
    "dockerfile": "dockerfile",
    "scripts/install.sh": "shell",
    ".gitlab-ci.yml": "gitlab-ci",
    "ci/build.gitlab-ci.yml": "gitlab-ci",
    ".github/workflows/ci.yml": "workflow",
    ".github/workflows/release.yaml": "workflow",
}
NOT_DEPENDENCY_FILES = [
    "README.md",
    "setup.pyc",
    "docs/conf.py",
    "environments.md",
    "docker-compose.yml",
    ".github/dependabot.yml",
    ".github/workflows/sub/ci.yml",
    "src/pkg/install.shx",
    "Cargo.lock",
    "package-lock.json",
]


@pytest.mark.parametrize(("path", "fmt"), FORMATS.items())
def test_each_format_is_recognised_and_triggers_the_hook(path: str, fmt: str) -> None:
    assert file_format(path) == fmt
    assert re.search(FILES_PATTERN, path), path


@pytest.mark.parametrize("path", NOT_DEPENDENCY_FILES)
def test_other_files_are_not_dependency_files(path: str) -> None:
    assert file_format(path) is None
    assert not re.search(FILES_PATTERN, path), path


def test_the_hook_definition_uses_the_same_pattern() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["files"] for hook in hooks] == [FILES_PATTERN]
