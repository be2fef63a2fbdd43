"""Real installers as controls: a pip in its own virtual environment, isolated from this
machine's configuration, that says in a dry run what it would install, and project
folders it can prepare offline. A test that the gate refuses a spelling uses them to show
that pip really installs the denied version from it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.indexserver import LocalIndex
from tests.test_install import serve_wheel

# A project folder that pip can prepare offline: an in-tree build backend that writes the
# metadata and builds nothing (a dry run needs no more), with no build requirements.
BACKEND = """\
import os

NAME, VERSION = {name!r}, {version!r}


def _metadata(directory):
    info = NAME.replace("-", "_") + "-" + VERSION + ".dist-info"
    os.makedirs(os.path.join(directory, info))
    with open(os.path.join(directory, info, "METADATA"), "w") as out:
        out.write(f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\n")
    return info


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _metadata(metadata_directory)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("a dry run builds nothing")


get_requires_for_build_editable = get_requires_for_build_wheel
prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel
build_editable = build_wheel
"""
PYPROJECT = (
    '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n\n'
    '[project]\nname = "{name}"\nversion = "{version}"\n'
)


def project(folder: Path, name: str = "litellm", version: str = "1.82.8") -> Path:
    """A folder pip installs as ``name`` ``version`` (litellm 1.82.8 by default)."""
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(PYPROJECT.format(name=name, version=version))
    (folder / "backend.py").write_text(BACKEND.format(name=name, version=version))
    return folder


class Pip:
    """A real pip in its own virtual environment, isolated from the machine."""

    def __init__(self, python: Path, index: LocalIndex, cache: Path) -> None:
        self.python = python
        self.index = index
        self.cache = cache

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env.pop("VIRTUAL_ENV", None)
        env["PIP_CONFIG_FILE"] = os.devnull
        env["PIP_CACHE_DIR"] = str(self.cache)
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        # pip 23 decodes a file without a BOM or a coding declaration with the locale's
        # encoding (newer pips with UTF-8): UTF-8 mode makes that UTF-8 on any machine.
        env["PYTHONUTF8"] = "1"
        return env

    def _run(self, cwd: Path, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        command = [str(self.python), "-m", "pip", "install", "--dry-run", "--quiet"]
        command += ["--report", "-", "--no-deps", "--index-url", self.index.url, *args]
        return subprocess.run(
            command, cwd=cwd, env=self._env(), capture_output=True, text=True, check=False
        )

    def installs(self, cwd: Path, *args: str) -> list[tuple[str, str, str]]:
        """``(name, version, URL)`` of everything pip would install."""
        proc = self._run(cwd, args)
        assert proc.returncode == 0, proc.stderr
        report = json.loads(proc.stdout)
        return [
            (item["metadata"]["name"], item["metadata"]["version"], item["download_info"]["url"])
            for item in report["install"]
        ]

    def refuses(self, cwd: Path, *args: str) -> str:
        """pip's error output, for a file pip cannot install from either."""
        proc = self._run(cwd, args)
        assert proc.returncode != 0, proc.stdout
        return proc.stderr

    def run_python(self, code: str) -> str:
        """The output of ``code`` run by the environment's Python (pip importable)."""
        proc = subprocess.run(
            [str(self.python), "-c", code],
            env=self._env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout


@pytest.fixture
def isolated_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """pip sees no machine configuration: no config files, no PIP_* variables."""
    for var in list(os.environ):
        if var.startswith("PIP_") or var == "VIRTUAL_ENV":
            monkeypatch.delenv(var)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_CACHE_DIR", str(tmp_path / "pip-cache"))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    yield


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with pip, shared by the module (every run is a dry run)."""
    path = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


@pytest.fixture
def pip(venv_python: Path, local_index: LocalIndex, tmp_path: Path) -> Pip:
    """pip against a local index serving litellm 1.82.8 and 1.83.0, and requests 2.32.3."""
    serve_wheel(local_index, "litellm", "1.82.8")
    serve_wheel(local_index, "litellm", "1.83.0")
    serve_wheel(local_index, "requests", "2.32.3")
    return Pip(venv_python, local_index, tmp_path / "pip-cache")


class Uv:
    """A real uv, isolated from this machine's configuration (no uv.toml, no UV_*
    variables, its cache in a temporary folder), that only reads 127.0.0.1 or nothing."""

    def __init__(self, python: Path, cache: Path) -> None:
        found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
        if found is None:
            pytest.skip("uv is not installed (it is a test dependency: pip install -e '.[test]')")
        self.uv = found
        self.python = python
        self.cache = cache

    def run(self, cwd: Path, *args: str) -> str:
        """uv's combined output; it must succeed."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
        env.pop("VIRTUAL_ENV", None)
        env.update(UV_NO_CONFIG="1", UV_CACHE_DIR=str(self.cache), NO_COLOR="1")
        proc = subprocess.run(
            [self.uv, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout + proc.stderr


@pytest.fixture
def uv(venv_python: Path, tmp_path: Path) -> Uv:
    """uv, with the module's virtual environment as its target."""
    return Uv(venv_python, tmp_path / "uv-cache")
