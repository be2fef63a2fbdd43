"""Which repository paths are dependency files, and of which format: the names alone.

A leaf module (it imports no reader), so that every reader, including those that reach
files of other formats (an install command naming a ``pyproject.toml``), can ask.
"""

from __future__ import annotations

import re

# A basename regex per format. Requirements files are also reached through -r/-c includes
# whatever their name.
_REQUIREMENTS = re.compile(
    r"^(?:requirements[^/]*\.txt|[^/]*[-_.]requirements\.txt|constraints[^/]*\.txt"
    r"|[^/.]+\.in|requirements[^/]*\.lock)$"
)
_PYLOCK = re.compile(r"^pylock(?:\.[^/.]+)?\.toml$")
_NOT_REQUIREMENTS = frozenset({"MANIFEST.in"})
# conda environment files: environment.yml, environment-dev.yaml, dev-environment.yml.
_CONDA = re.compile(r"^(?:[^/]*[-_.])?environment(?:[-_.][^/]*)?\.ya?ml$")
_DOCKERFILE = re.compile(
    r"^(?:(?:[Dd]ocker[Ff]ile|[Cc]ontainer[Ff]ile)(?:\.[^/]+)?"
    r"|[^/]+\.(?:[Dd]ocker[Ff]ile|[Cc]ontainer[Ff]ile))$"
)
_WORKFLOW = re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")
_GITLAB = re.compile(r"^(?:[^/]*\.)?gitlab-ci\.ya?ml$")
_FIXED = {
    "pyproject.toml": "pyproject",
    "uv.lock": "uv.lock",
    "poetry.lock": "poetry.lock",
    "Pipfile.lock": "Pipfile.lock",
    "pdm.lock": "pdm.lock",
    "pixi.lock": "pixi.lock",
    "setup.py": "setup.py",
    "setup.cfg": "setup.cfg",
    "tox.ini": "tox.ini",
}
#: Formats that are not dependency files but scripts and pipelines whose install commands
#: are read (``pip install ...`` in a Dockerfile ``RUN``, a workflow's ``run:``).
COMMAND_FORMATS = frozenset({"dockerfile", "workflow", "gitlab-ci", "shell"})

# The same set of names as one regex over repository-relative paths, for pre-commit's
# ``files:`` (kept in step with .pre-commit-hooks.yaml by a test).
FILES_PATTERN = (
    r"(^|/)(requirements[^/]*\.txt|[^/]*[-_.]requirements\.txt|constraints[^/]*\.txt"
    r"|[^/.]+\.in|requirements/[^/]+\.txt|requirements[^/]*\.lock|pyproject\.toml|uv\.lock"
    r"|poetry\.lock|pylock(\.[^/.]+)?\.toml|Pipfile\.lock|pdm\.lock|pixi\.lock|setup\.py"
    r"|setup\.cfg|tox\.ini|([^/]*[-_.])?environment([-_.][^/]*)?\.ya?ml"
    r"|([Dd]ocker[Ff]ile|[Cc]ontainer[Ff]ile)(\.[^/]+)?|[^/]+\.([Dd]ocker[Ff]ile|[Cc]ontainer[Ff]ile)"
    r"|[^/]+\.sh"
    r"|([^/]*\.)?gitlab-ci\.ya?ml)$|^\.github/workflows/[^/]+\.ya?ml$"
    r"|(^|/)\.bumpguard\.ya?ml$|^\.bumpguard/"
)

# Every name file_format may accept ends with one of these or starts with one of those
# (the fixed names aside): one C-level test rules out almost every path git tracks.
NAME_SUFFIXES = (
    ".txt",
    ".in",
    ".lock",
    ".toml",
    ".yml",
    ".yaml",
    ".sh",
    "ockerfile",
    "ockerFile",
    "ontainerfile",
    "ontainerFile",
    "setup.py",
    "setup.cfg",
    "tox.ini",
)
NAME_PREFIXES = ("Dockerfile", "DockerFile", "dockerfile", "Containerfile", "ContainerFile")

LOCK_FORMATS = frozenset(
    {"uv.lock", "poetry.lock", "pylock", "Pipfile.lock", "pdm.lock", "pixi.lock"}
)


def file_format(relpath: str) -> str | None:
    """The format name of a repository-relative path, or ``None`` if it is not supported.
    It runs on every path git tracks (tens of thousands in a monorepo): string operations
    only, and a suffix test rules out almost every path at once."""
    folder, _, name = relpath.rpartition("/")
    fixed = _FIXED.get(name)
    if fixed is not None:
        return fixed
    if not name.endswith(NAME_SUFFIXES) and not name.startswith(NAME_PREFIXES):
        return None
    if _PYLOCK.match(name):
        return "pylock"
    if name in _NOT_REQUIREMENTS:
        return None
    if _REQUIREMENTS.match(name):
        return "requirements"
    if folder.rpartition("/")[2] == "requirements" and name.endswith(".txt"):
        return "requirements"
    if _CONDA.match(name):
        return "conda"
    if _DOCKERFILE.match(name):
        return "dockerfile"
    if name.endswith(".sh"):
        return "shell"
    if _GITLAB.match(name):
        return "gitlab-ci"
    if _WORKFLOW.match(relpath):
        return "workflow"
    return None
