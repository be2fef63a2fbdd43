"""Reader for install commands in Dockerfiles, CI pipelines and shell scripts.

A ``pip install litellm`` in a Dockerfile ``RUN`` or a workflow step installs whatever the
index serves when it runs, and no dependency file says so. This reader finds such commands
and turns every package they name into a :class:`~guard.model.Dependency` whose
``installed_by`` names the command (``pip install``, ``uv pip install``, ``uv add``,
``uv tool install``, ``uv run``, ``uvx``, ``pipx install``, ``pipx run``). Nothing is run.

Where the commands are:

* Dockerfiles (``Dockerfile``, ``Containerfile``, ``Dockerfile.*``, ``*.Dockerfile``):
  every ``RUN`` (and ``ONBUILD RUN``), read as BuildKit reads the file: the ``# escape=``
  directive, continuation lines (comment and blank lines inside them dropped), ``--mount``
  and other flags, the exec form (``RUN ["pip", "install", "x"]``) and heredocs
  (``RUN <<EOF``, ``RUN python3 <<EOF``, ``RUN bash <<EOF``). A physical line longer
  than Docker accepts (64 KiB) is an error, as in Docker.
* GitHub workflows (``.github/workflows/*.yml``): the ``run:`` of every step of every job;
  a step whose ``shell`` is Python is not read (noted).
* ``.gitlab-ci.yml``: ``script``, ``before_script``, ``after_script`` (and
  ``hooks:pre_get_sources_script``) of every job, hidden job and ``default:``; anchors,
  aliases and ``<<`` merges are followed, ``!reference`` lists are read where they point.
* Shell scripts (``*.sh``): the whole script.

Scripts are tokenised as a POSIX shell does (quotes, escapes, ``\\``-newline, comments,
``&&``/``||``/``;``/``|``/``&``, subshells, redirections, here-documents), and commands
are looked for behind ``sudo``, ``env``, ``VAR=value``, ``exec``, ``xargs``, ``timeout``,
``nice``, ``nohup``, ``time``, ``command``, ``conda run``, ``poetry run`` and similar, and
inside ``sh -c '...'``, ``bash -c "..."`` and ``bash <<EOF``. Installer options are
skipped by the option tables of pip (26.3), uv (0.13) and pipx (1.x), so that a value is
never taken for a package.

Each package named on a command line is one dependency at the line of its token; ``-r``,
``-c`` (and uv's ``--overrides``, ``--build-constraints``, ``--with-requirements``) files
are followed, relative to the command file's folder and then the repository root, and
read by their own readers; ``-e``/local paths are path sources when they are folders of
the repository. Index options (``--index-url``, ``--extra-index-url``, ``--find-links``,
``--trusted-host``, uv's ``--index``/``--default-index``/``--allow-insecure-host``, and
the ``PIP_*``/``UV_*`` variables that set them) are recorded in ``ctx.indexes``.

What cannot be known without running something is never guessed: an argument built from
a shell variable, a ``${{ }}`` expression, a command substitution, a file pattern, an
argument list read by ``xargs``, an include that is missing or outside the repository, a
local path that is not in the repository (a path inside the image): each is a note
(``ctx.note``), not a dependency. When only the version is unknown (``litellm==$V``),
the package is still a dependency, with no version: the name is certain. A shell syntax
error is a note for that command; a file that is not text, malformed YAML or a script too
large to read is an error (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from guard._files import MiB, read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext, Reader
from guard.manifests.commands import dockerfile, pipelines
from guard.manifests.commands.installers import CommandReader
from guard.manifests.commands.shell import MAX_STEPS, Source, TooLong
from guard.model import Dependency

# ---------------------------------------------------------------------------------------
# Limits

#: The largest file read: real Dockerfiles, scripts and pipelines are a few KiB. YAML
#: is composed into Python objects, a few microseconds each: pipelines get the cap of
#: policy files (GitHub and GitLab refuse far smaller workflow files than that).
MAX_SCRIPT_BYTES = 4 * MiB
MAX_PIPELINE_BYTES = MiB


def reader(fmt: str) -> Reader:
    """The reader of one command format: ``dockerfile``, ``workflow``, ``gitlab-ci`` or
    ``shell`` (see :data:`guard.manifests.COMMAND_FORMATS`)."""
    readers: dict[str, tuple[Callable[[CommandReader, str], None], int]] = {
        "dockerfile": (dockerfile.read_dockerfile, MAX_SCRIPT_BYTES),
        "workflow": (pipelines.read_workflow, MAX_PIPELINE_BYTES),
        "gitlab-ci": (pipelines.read_gitlab, MAX_PIPELINE_BYTES),
        "shell": (_read_shell, MAX_SCRIPT_BYTES),
    }
    if fmt not in readers:
        raise ValueError(f"not an install-command format: {fmt!r}")
    method, limit = readers[fmt]

    def read(path: Path, ctx: ReadContext) -> list[Dependency]:
        return _run(CommandReader(path, ctx), method, limit)

    return read


def _run(
    reading: CommandReader, method: Callable[[CommandReader, str], None], limit: int
) -> list[Dependency]:
    """Read the file of ``reading`` as text and its install commands by ``method``."""
    text = read_text(reading.path, reading.display, limit=limit, root=reading.ctx.root)
    nul = text.find("\0")
    if nul >= 0:
        raise InputError(reading.display, text.count("\n", 0, nul) + 1, "contains a NUL character")
    try:
        method(reading, text)
    except TooLong:
        raise InputError(
            reading.display,
            None,
            f"too large to read as commands (more than {MAX_STEPS:,} shell words and "
            "quotes): not a script bumpguard reads",
        ) from None
    return reading.deps


def _read_shell(reading: CommandReader, text: str) -> None:
    """A shell script (``*.sh``): the whole script."""
    reading.script(Source.by_lines(text.replace("\r\n", "\n"), 1), 0)


__all__ = ["reader"]
