"""Install commands in Dockerfiles, CI workflows, GitLab pipelines and shell scripts
(:mod:`guard.manifests.commands`): read directly, and checked end to end in real git
repositories."""

from __future__ import annotations

import json
import shutil
import textwrap
import time
from pathlib import Path

import pytest

from guard.errors import InputError
from guard.manifests import file_format
from guard.manifests.base import ReadContext
from guard.manifests.commands import reader
from guard.model import Dependency
from tests.conftest import SHARED, Repo

FIXTURES = Path(__file__).parent / "fixtures" / "commands"

# ---------------------------------------------------------------------------------------
# Helpers


def write(root: Path, relpath: str, content: str | bytes) -> Path:
    """Write ``content`` (dedented if text) to ``root/relpath``."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return path


def read(root: Path, relpath: str) -> tuple[list[Dependency], ReadContext]:
    """Read one command file of the repository at ``root`` by the format of its name."""
    fmt = file_format(relpath)
    assert fmt is not None, relpath
    ctx = ReadContext(root)
    return reader(fmt)(root / relpath, ctx), ctx


def found(deps: list[Dependency]) -> list[tuple[int, str, str | None, str | None]]:
    """``(line, name, version or specifier, installed_by)`` of each dependency."""
    return [(d.line, d.name, d.version or d.specifier or None, d.installed_by) for d in deps]


def script(
    root: Path, text: str, relpath: str = "build.sh"
) -> tuple[list[Dependency], ReadContext]:
    write(root, relpath, text)
    return read(root, relpath)


# ---------------------------------------------------------------------------------------
# Every command form in every kind of file

# (form, command with {spec} for the requirement, the installed_by it reads as). Each is
# written so that the requirement is not the only argument: the options around it must
# be skipped correctly.
FORMS = [
    ("pip", "pip install {spec}", "pip install"),
    ("pip3", "pip3 install --no-cache-dir {spec}", "pip install"),
    ("pip3.12", "pip3.12 install -U --target /opt/site {spec}", "pip install"),
    ("python -m pip", "python -m pip install --user {spec}", "pip install"),
    ("python3 -m pip", "python3 -m pip install --break-system-packages {spec}", "pip install"),
    ("path to pip", "/usr/local/bin/pip install -q --progress-bar off {spec}", "pip install"),
    ("uv pip install", "uv pip install --system --python 3.12 {spec}", "uv pip install"),
    ("uv add", "uv add --optional proxy {spec}", "uv add"),
    (
        "uv tool install",
        "uv tool install --python-preference only-system {spec}",
        "uv tool install",
    ),
    ("pipx install", "pipx install --suffix _x {spec}", "pipx install"),
    ("uvx", "uvx --from {spec} litellm --version", "uvx"),
    ("pipx run", "pipx run --spec {spec} litellm --version", "pipx run"),
]
FORM_IDS = [form for form, _, _ in FORMS]


def embed(kind: str, commands: list[str]) -> tuple[str, str, list[int]]:
    """A file of ``kind`` running ``commands``: its path, text and the line of each."""
    if kind == "dockerfile":
        lines = ["FROM python:3.12-slim", "WORKDIR /app"]
        lines += [f"RUN {c}" for c in commands]
        return "Dockerfile", "\n".join(lines) + "\n", list(range(3, 3 + len(commands)))
    if kind == "workflow":
        lines = [
            "name: ci",
            "on: [push]",
            "jobs:",
            "  test:",
            "    runs-on: ubuntu-latest",
            "    steps:",
            "      - uses: actions/checkout@v4",
            "      - name: install",
            "        run: |",
        ]
        lines += [f"          {c}" for c in commands]
        return (
            ".github/workflows/ci.yml",
            "\n".join(lines) + "\n",
            list(range(10, 10 + len(commands))),
        )
    if kind == "gitlab-ci":
        lines = ["stages: [test]", "test:", "  image: python:3.12", "  script:"]
        lines += [f"    - {c}" for c in commands]
        return ".gitlab-ci.yml", "\n".join(lines) + "\n", list(range(5, 5 + len(commands)))
    assert kind == "shell"
    lines = ["#!/bin/sh", "set -eu", *commands]
    return "scripts/setup.sh", "\n".join(lines) + "\n", list(range(3, 3 + len(commands)))


KINDS = ["dockerfile", "workflow", "gitlab-ci", "shell"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("form", "command", "installed_by"), FORMS, ids=FORM_IDS)
def test_every_form_in_every_file_is_read_at_its_line(
    tmp_path: Path, kind: str, form: str, command: str, installed_by: str
) -> None:
    relpath, text, lines = embed(kind, ["echo start", command.format(spec="litellm==1.82.8")])
    write(tmp_path, relpath, text)
    deps, ctx = read(tmp_path, relpath)
    assert found(deps) == [(lines[1], "litellm", "1.82.8", installed_by)]
    assert deps[0].file == relpath
    assert ctx.notes == []


@pytest.mark.parametrize("kind", KINDS)
def test_denied_version_blocks_in_every_form(
    repo: Repo, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    commands = [command.format(spec="litellm==1.82.8") for _, command, _ in FORMS]
    relpath, text, lines = embed(kind, commands)
    repo.write(relpath, text)
    repo.add()
    assert repo.run("check") == 1
    out = capsys.readouterr().out
    for line in lines:
        assert f"{relpath}:{line}: litellm 1.82.8: denied" in out


@pytest.mark.parametrize("kind", KINDS)
def test_reviewed_version_passes_in_every_form(
    repo: Repo, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    assert repo.run("approve", "litellm==1.82.6", "--reason", "r", "--offline") == 0
    commands = [command.format(spec="litellm==1.82.6") for _, command, _ in FORMS]
    relpath, text, _ = embed(kind, commands)
    repo.write(relpath, text)
    repo.add()
    capsys.readouterr()
    assert repo.run("check") == 0, capsys.readouterr().out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("form", "command", "installed_by"), FORMS, ids=FORM_IDS)
def test_an_unpinned_install_is_a_dependency_with_no_version(
    tmp_path: Path, kind: str, form: str, command: str, installed_by: str
) -> None:
    relpath, text, lines = embed(kind, [command.format(spec="litellm[proxy]")])
    write(tmp_path, relpath, text)
    deps, _ = read(tmp_path, relpath)
    assert len(deps) == 1
    dep = deps[0]
    assert (dep.name, dep.version, dep.specifier, dep.line) == ("litellm", None, "", lines[0])
    assert (dep.extras, dep.installed_by) == (("proxy",), installed_by)


@pytest.mark.parametrize("kind", KINDS)
def test_an_unpinned_protected_install_blocks(
    repo: Repo, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    relpath, text, lines = embed(kind, ["pip install --upgrade litellm"])
    repo.write(relpath, text)
    repo.add()
    assert repo.run("check", "--format", "json") == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["package"], f["file"], f["line"]) for f in findings] == [
        ("litellm", relpath, lines[0])
    ]


def test_an_unpinned_install_is_unpinned_even_next_to_a_reviewed_pin(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command installs what the index serves the day it runs: a reviewed pin in the
    same folder governs a requirements file, never a `pip install`."""
    assert repo.run("approve", "openai==1.60.0", "--reason", "r", "--offline") == 0
    assert repo.run("approve", "litellm==1.82.6", "--reason", "r", "--offline") == 0
    repo.write("requirements.txt", "openai==1.60.0\nlitellm==1.82.6\n")
    repo.add()
    assert repo.run("check") == 0  # control: the pins are reviewed
    repo.write("Dockerfile", "FROM python:3.12\nRUN pip install openai litellm\n")
    repo.add()
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["package"], f["file"], f["line"]) for f in findings] == [
        ("unpinned", "openai", "Dockerfile", 2),
        # litellm with no version admits the denied 1.82.7 and 1.82.8: the stronger finding
        ("denied-range", "litellm", "Dockerfile", 2),
    ]


# ---------------------------------------------------------------------------------------
# Requirements, includes and paths


def test_requirement_forms_and_shell_quoting(tmp_path: Path) -> None:
    deps, ctx = script(
        tmp_path,
        """\
        pip install 'litellm>=1.80' "openai==1.2.3" anthropic\\
        ==0.40.0 'httpx[http2]==0.27.0; python_version >= "3.9"'
        pip install "litellm[proxy] @ git+https://github.com/BerriAI/litellm@9f2c1e4b7a0d3c5e8f6a1b2c3d4e5f60718293a4"
        pip install git+https://github.com/encode/httpx@0.27.0#egg=httpx
        pip install https://files.pythonhosted.org/packages/x/litellm-1.82.8-py3-none-any.whl
        pip install ./vendor/litellm-1.82.6.tar.gz
        """,
    )
    assert found(deps) == [
        (1, "litellm", ">=1.80", "pip install"),
        (1, "openai", "1.2.3", "pip install"),
        (1, "anthropic", "0.40.0", "pip install"),
        (2, "httpx", "0.27.0", "pip install"),
        (3, "litellm", None, "pip install"),
        (4, "httpx", None, "pip install"),
        (5, "litellm", "1.82.8", "pip install"),
        (6, "litellm", "1.82.6", "pip install"),
    ]
    assert deps[3].marker == 'python_version >= "3.9"' and deps[3].extras == ("http2",)
    assert (deps[4].source, deps[5].source, deps[6].source) == ("vcs", "vcs", "url")
    assert deps[7].source == "path"
    assert ctx.notes == []


def test_requirements_and_constraints_files_are_followed(tmp_path: Path) -> None:
    write(tmp_path, "requirements/prod.txt", "-r base.txt\nopenai==1.2.3\n")
    write(tmp_path, "requirements/base.txt", "httpx==0.27.0\n")
    write(tmp_path, "docker/constraints.txt", "anyio==4.4.0\n")
    write(
        tmp_path,
        "docker/Dockerfile",
        """\
        FROM python:3.12
        COPY . /app
        RUN pip install -r requirements/prod.txt -c constraints.txt litellm
        RUN pip install --requirement=requirements/missing.txt -r /etc/requirements.txt
        """,
    )
    deps, ctx = read(tmp_path, "docker/Dockerfile")
    assert sorted((d.file, d.line, d.name, d.installed_by) for d in deps) == [
        ("docker/Dockerfile", 3, "litellm", "pip install"),
        ("docker/constraints.txt", 1, "anyio", None),
        ("requirements/base.txt", 1, "httpx", None),
        ("requirements/prod.txt", 2, "openai", None),
    ]
    assert ctx.includes["docker/Dockerfile"] == {"requirements/prod.txt", "docker/constraints.txt"}
    assert ctx.notes == [
        "docker/Dockerfile:4: pip install --requirement requirements/missing.txt: no such file "
        "in the repository; not read",
        "docker/Dockerfile:4: pip install --requirement /etc/requirements.txt: outside the "
        "repository; not read",
    ]


def test_an_include_outside_the_repository_is_a_note(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(tmp_path, "elsewhere.txt", "litellm==1.82.8\n")
    deps, ctx = script(root, "uv pip install -r ../elsewhere.txt\n")
    assert deps == []
    assert ctx.notes == [
        "build.sh:1: uv pip install --requirements ../elsewhere.txt: outside the repository; "
        "not read"
    ]


def test_includes_follow_working_directory_and_cd(tmp_path: Path) -> None:
    write(tmp_path, "backend/requirements.txt", "fastapi==0.115.0\n")
    write(tmp_path, "plugin/requirements.txt", "httpx==0.27.0\n")
    write(
        tmp_path,
        ".github/workflows/ci.yml",
        """\
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - working-directory: plugin
                run: pip install -r requirements.txt
              - run: cd backend && pip install -r requirements.txt
        """,
    )
    deps, ctx = read(tmp_path, ".github/workflows/ci.yml")
    assert sorted((d.file, d.name) for d in deps) == [
        ("backend/requirements.txt", "fastapi"),
        ("plugin/requirements.txt", "httpx"),
    ]
    assert ctx.notes == []


def test_an_include_of_a_pyproject_is_read_by_its_reader(tmp_path: Path) -> None:
    write(
        tmp_path, "pyproject.toml", '[project]\nname = "app"\ndependencies = ["litellm==1.82.8"]\n'
    )
    deps, _ = script(tmp_path, "uv pip install -r pyproject.toml\n")
    assert [(d.file, d.name, d.version) for d in deps] == [("pyproject.toml", "litellm", "1.82.8")]


def test_local_paths_are_path_sources_when_in_the_repository(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "my-app"\nversion = "1.0"\n')
    write(tmp_path, "libs/core/pyproject.toml", '[project]\nname = "core-lib"\nversion = "2.0"\n')
    deps, ctx = script(
        tmp_path,
        """\
        pip install -e .
        pip install -e './libs/core[test]' /app ~/src/thing
        uv pip install --editable=libs/core dist/*.whl
        """,
    )
    assert [(d.line, d.name, d.source, d.location) for d in deps] == [
        (1, "my-app", "path", "."),
        (2, "core-lib", "path", "./libs/core"),
        (3, "core-lib", "path", "./libs/core"),  # as the check resolves it: from the file
    ]
    assert deps[1].extras == ("test",)
    assert [n.split(": ", 1)[1] for n in ctx.notes] == [
        "pip install /app: a local path that is not a folder of this repository (a path "
        "inside the image or on the runner?); not read",
        "pip install ~/src/thing: a shell variable, expression, command substitution or file "
        "pattern; not read",
        "uv pip install dist/*.whl: a shell variable, expression, command substitution or file "
        "pattern; not read",
    ]


# ---------------------------------------------------------------------------------------
# What cannot be known is a note, never a guess


def test_shell_variables_are_notes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Dockerfile",
        """\
        FROM python:3.12
        ARG LITELLM_VERSION=1.82.8
        ENV PKG=litellm
        RUN pip install $PKG "${PKG}==1.82.8" $(cat pkgs.txt) `cat more.txt`
        RUN pip install "litellm==${LITELLM_VERSION}" openai==1.2.3
        RUN pip install -r "$REQUIREMENTS" --index-url "$INDEX"
        """,
    )
    deps, ctx = read(tmp_path, "Dockerfile")
    # The name is certain when only the version is a variable: litellm, version unknown.
    assert found(deps) == [
        (5, "litellm", None, "pip install"),
        (5, "openai", "1.2.3", "pip install"),
    ]
    unknown = "a shell variable, expression, command substitution or file pattern; not read"
    assert ctx.notes == [
        f"Dockerfile:4: pip install $PKG: {unknown}",
        f'Dockerfile:4: pip install "${{PKG}}==1.82.8": {unknown}',
        f"Dockerfile:4: pip install $(cat pkgs.txt): {unknown}",
        f"Dockerfile:4: pip install `cat more.txt`: {unknown}",
        'Dockerfile:5: pip install "litellm==${LITELLM_VERSION}": the version is a shell '
        "variable or expression; read as litellm with no version",
        'Dockerfile:6: pip install --requirement "$REQUIREMENTS": a shell variable or '
        "expression; not read",
        'Dockerfile:6: pip install --index-url "$INDEX": a shell variable or expression; not read',
    ]
    assert ctx.indexes == []


def test_workflow_expressions_are_like_variables(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".github/workflows/ci.yml",
        """\
        on: push
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - run: |
                  pip install 'litellm==${{ matrix.litellm }}' ${{ inputs.extra }}
                  pip install --extra-index-url ${{ vars.INDEX }} openai==1.2.3
        """,
    )
    deps, ctx = read(tmp_path, ".github/workflows/ci.yml")
    assert found(deps) == [
        (7, "litellm", None, "pip install"),
        (8, "openai", "1.2.3", "pip install"),
    ]
    assert [n.split(": ", 1)[1] for n in ctx.notes] == [
        "pip install 'litellm==${{ matrix.litellm }}': the version is a shell variable or "
        "expression; read as litellm with no version",
        "pip install ${{ inputs.extra }}: a shell variable, expression, command substitution "
        "or file pattern; not read",
        "pip install --extra-index-url ${{ vars.INDEX }}: a shell variable or expression; not read",
    ]


def test_xargs_and_eval_are_notes(tmp_path: Path) -> None:
    deps, ctx = script(
        tmp_path,
        """\
        cat requirements.txt | xargs -n 1 pip install --no-deps
        echo litellm | xargs pip install openai==1.2.3
        eval "pip install $PACKAGES"
        """,
    )
    assert found(deps) == [(2, "openai", "1.2.3", "pip install")]
    assert [n.split(": ", 1)[1] for n in ctx.notes] == [
        "xargs pip install: the packages xargs reads from its input are not read",
        "xargs pip install: the packages xargs reads from its input are not read",
        "eval: a command built at run time; not read",
    ]


def test_a_shell_syntax_error_is_a_note_for_that_command(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Dockerfile",
        """\
        FROM python:3.12
        RUN pip install 'litellm==1.82.8
        RUN pip install openai==1.2.3
        """,
    )
    deps, ctx = read(tmp_path, "Dockerfile")
    assert found(deps) == [(3, "openai", "1.2.3", "pip install")]
    assert ctx.notes == [
        "Dockerfile:2: shell syntax: a single quote is never closed; the command is not read"
    ]
    deps, ctx = script(tmp_path, "pip install a==1 $(b\npip install c==3\n")
    assert found(deps) == [(2, "c", "3", "pip install")]
    assert ctx.notes == ["build.sh:1: shell syntax: a '(' is never closed; the command is not read"]


def test_an_invalid_requirement_is_a_note(tmp_path: Path) -> None:
    deps, ctx = script(tmp_path, "pip install 'litellm=1.82.8' openai==1.2.3\n")
    assert found(deps) == [(1, "openai", "1.2.3", "pip install")]
    assert len(ctx.notes) == 1
    assert ctx.notes[0].startswith("build.sh:1: pip install 'litellm=1.82.8': invalid requirement")


# ---------------------------------------------------------------------------------------
# Options: values are never taken for packages; indexes are recorded


def test_option_values_are_not_packages(tmp_path: Path) -> None:
    deps, ctx = script(
        tmp_path,
        """\
        pip --cache-dir /tmp/c --timeout 60 install --target out --prefix p --root r \\
            --platform manylinux2014_x86_64 --python-version 3.12 --implementation cp \\
            --abi cp312 --only-binary :all: --no-binary none --upgrade-strategy eager \\
            --progress-bar off --root-user-action ignore -C key=value --config-settings k=v \\
            --report out.json --src src --log log.txt --exists-action w --retries 3 \\
            -qqq -Ut target --use-feature truststore --python /usr/bin/python3 litellm==1.82.8
        pip install --upgrade-strat eager --no-cache httpx==0.27.0
        uv pip install -p 3.12 --python-platform linux --link-mode copy --resolution lowest \\
            --prerelease allow --exclude-newer 2024-01-01 --torch-backend cpu -C k=v \\
            --color never --cache-dir /c --directory d --project p --output-format json \\
            --no-build-isolation-package x -P y openai==1.2.3
        uv --no-cache --directory d -q pip --cache-dir /c install anyio==4.4.0
        uv add --dev --group test --optional extra --marker 'sys_platform == "linux"' \\
            --bounds exact --package member --rev main rich==13.0.0
        uv tool install --with-executables-from a,b --python 3.12 ruff==0.6.0
        pipx install --python python3.12 --suffix=@x --include-deps black==24.1.0
        python -X dev -W ignore -u -m pip install six==1.16.0
        python3 -mpip install attrs==23.0.0
        """,
    )
    assert [(d.name, d.version) for d in deps] == [
        ("litellm", "1.82.8"),
        ("httpx", "0.27.0"),
        ("openai", "1.2.3"),
        ("anyio", "4.4.0"),
        ("rich", "13.0.0"),
        ("a", None),
        ("b", None),
        ("ruff", "0.6.0"),
        ("black", "24.1.0"),
        ("six", "1.16.0"),
        ("attrs", "23.0.0"),
    ]
    assert ctx.notes == []


def test_not_installs_are_not_read(tmp_path: Path) -> None:
    deps, ctx = script(
        tmp_path,
        """\
        pip download litellm==1.82.8
        pip wheel -r requirements.txt
        pip uninstall -y litellm
        pip --version
        python -c "import subprocess; subprocess.run(['pip', 'install', 'x'])"
        python script.py install litellm
        uv sync --frozen
        uv run pytest
        uvx python@3.12 -V
        echo pip install litellm==1.82.8
        command -v pip
        # pip install commented==1.0
        cat > /tmp/req.txt <<EOF
        pip install in-a-heredoc==1.0
        EOF
        """,
    )
    assert deps == []
    assert ctx.notes == []


def test_indexes_are_recorded(tmp_path: Path) -> None:
    deps, ctx = script(
        tmp_path,
        """\
        pip install --extra-index-url https://extra.example/simple litellm==1.82.6
        pip install -i https://mirror.example/simple --trusted-host mirror.example \\
            --find-links=./wheels six==1.16.0
        uv pip install --index pytorch=https://download.pytorch.org/whl/cpu \\
            --default-index https://proxy.example/simple --allow-insecure-host h.example torch
        pipx install --pip-args='--extra-index-url https://pipx.example/simple' black
        export PIP_EXTRA_INDEX_URL="https://env1.example/simple https://env2.example/simple"
        UV_INDEX_URL=https://env3.example/simple uv pip install httpx
        """,
    )
    assert [(i.line, i.option, i.url) for i in ctx.indexes] == [
        (1, "pip install --extra-index-url", "https://extra.example/simple"),
        (2, "pip install --index-url", "https://mirror.example/simple"),
        (2, "pip install --trusted-host", "mirror.example"),
        (3, "pip install --find-links", "./wheels"),
        (4, "uv pip install --index", "https://download.pytorch.org/whl/cpu"),
        (5, "uv pip install --default-index", "https://proxy.example/simple"),
        (5, "uv pip install --allow-insecure-host", "h.example"),
        (6, "pipx install --pip-args --extra-index-url", "https://pipx.example/simple"),
        (7, "PIP_EXTRA_INDEX_URL", "https://env1.example/simple"),
        (7, "PIP_EXTRA_INDEX_URL", "https://env2.example/simple"),
        (8, "UV_INDEX_URL", "https://env3.example/simple"),
    ]
    # Sources besides the index also count for the pins of the file (local versions).
    assert (
        ctx.sources["build.sh"][0] == "build.sh:1: --extra-index-url https://extra.example/simple"
    )
    assert [d.name for d in deps] == ["litellm", "six", "torch", "black", "httpx"]


def test_index_variables_in_dockerfiles_and_pipelines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Dockerfile",
        """\
        FROM python:3.12
        ARG PIP_INDEX_URL=https://arg.example/simple
        ENV PIP_EXTRA_INDEX_URL=https://env.example/simple UV_INDEX=https://uv.example/simple
        ENV PIP_TRUSTED_HOST legacy.example
        """,
    )
    _, ctx = read(tmp_path, "Dockerfile")
    assert [(i.line, i.option, i.url) for i in ctx.indexes] == [
        (2, "PIP_INDEX_URL", "https://arg.example/simple"),
        (3, "PIP_EXTRA_INDEX_URL", "https://env.example/simple"),
        (3, "UV_INDEX", "https://uv.example/simple"),
        (4, "PIP_TRUSTED_HOST", "legacy.example"),
    ]
    write(
        tmp_path,
        ".gitlab-ci.yml",
        """\
        variables:
          PIP_INDEX_URL: https://gitlab.example/simple
        job:
          variables:
            UV_EXTRA_INDEX_URL:
              value: https://job.example/simple
              description: an index
          script: pip install six
        """,
    )
    _, ctx = read(tmp_path, ".gitlab-ci.yml")
    assert [(i.line, i.option, i.url) for i in ctx.indexes] == [
        (2, "PIP_INDEX_URL", "https://gitlab.example/simple"),
        (5, "UV_EXTRA_INDEX_URL", "https://job.example/simple"),
    ]


def test_uv_tools_and_pipx(tmp_path: Path) -> None:
    deps, ctx = script(
        tmp_path,
        """\
        uvx ruff@0.6.0 check .
        uvx ruff@latest format
        uvx 'black[jupyter]@24.1.0' --check
        uvx --with litellm==1.82.8,'httpx>=0.27,<1' pytest
        uv tool run --from 'litellm[proxy]==1.82.8' litellm --port 4000
        uv tool install 'tox>=4' --with tox-uv --with-requirements reqs.txt
        uv run --with openai==1.2.3 --with-editable ./lib python main.py
        uv run -m pip install six==1.16.0
        pipx run black==24.1.0 --check .
        pipx install --preinstall setuptools==70.0 poetry==1.8.0
        """,
    )
    assert found(deps) == [
        (1, "ruff", "0.6.0", "uvx"),
        (2, "ruff", None, "uvx"),
        (3, "black", "24.1.0", "uvx"),
        (4, "litellm", "1.82.8", "uvx"),
        (4, "httpx", "<1,>=0.27", "uvx"),
        (4, "pytest", None, "uvx"),
        (5, "litellm", "1.82.8", "uvx"),
        (6, "tox-uv", None, "uv tool install"),
        (6, "tox", ">=4", "uv tool install"),
        (7, "openai", "1.2.3", "uv run"),
        (8, "six", "1.16.0", "pip install"),
        (9, "black", "24.1.0", "pipx run"),
        (10, "setuptools", "70.0", "pipx install"),
        (10, "poetry", "1.8.0", "pipx install"),
    ]
    assert deps[2].extras == ("jupyter",)
    assert [n.split(": ", 1)[1] for n in ctx.notes] == [
        "uv tool install --with-requirements reqs.txt: no such file in the repository; not read",
        "uv run ./lib: a local path that is not a folder of this repository (a path inside the "
        "image or on the runner?); not read",
    ]


# ---------------------------------------------------------------------------------------
# Shell syntax


def test_wrappers_compound_commands_and_nested_shells(tmp_path: Path) -> None:
    deps, ctx = script(
        tmp_path,
        """\
        #!/usr/bin/env bash
        set -euo pipefail
        sudo -H -u app pip install a==1 && env -u X PIP_NO_CACHE_DIR=1 pip install b==2
        if [ -f x ]; then pip install c==3; else pip install d==4; fi
        ( cd sub && pip install e==5 ) || { pip install f==6; }
        for v in 1 2; do timeout 60 nice -n 5 pip install g==7; done
        sh -c 'pip install h==8' ; bash -euxo pipefail -c "pip install 'i==9'"
        bash <<'EOF'
        pip install j==10
        EOF
        conda run -n env python -m pip install k==11 | tee log 2>&1 > /dev/null
        poetry run pip install l==12 &
        nohup exec pip install m==13 # a comment; pip install not==1
        pip install \\
            n==14 \\
            o==15
        """,
    )
    assert found(deps) == [
        (3, "a", "1", "pip install"),
        (3, "b", "2", "pip install"),
        (4, "c", "3", "pip install"),
        (4, "d", "4", "pip install"),
        (5, "e", "5", "pip install"),
        (5, "f", "6", "pip install"),
        (6, "g", "7", "pip install"),
        (7, "h", "8", "pip install"),
        (7, "i", "9", "pip install"),
        (9, "j", "10", "pip install"),
        (11, "k", "11", "pip install"),
        (12, "l", "12", "pip install"),
        (13, "m", "13", "pip install"),
        (15, "n", "14", "pip install"),
        (16, "o", "15", "pip install"),
    ]
    assert ctx.notes == []


def test_nested_script_lines_count_from_the_quote(tmp_path: Path) -> None:
    deps, _ = script(tmp_path, "echo x\nbash -c '\n  set -e\n  pip install a==1\n'\n")
    assert found(deps) == [(4, "a", "1", "pip install")]


def test_windows_line_ends_in_scripts(tmp_path: Path) -> None:
    deps, ctx = script(tmp_path, "set -e\r\npip install a==1 \\\r\n  b==2\r\n")
    assert found(deps) == [(2, "a", "1", "pip install"), (3, "b", "2", "pip install")]
    assert ctx.notes == []


# ---------------------------------------------------------------------------------------
# Dockerfiles


def test_dockerfile_continuations_comments_and_flags(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Dockerfile.prod",
        """\
        # syntax=docker/dockerfile:1
        FROM python:3.12 AS base
        RUN --mount=type=cache,target=/root/.cache/pip \\
            --network=default \\
            pip install \\
              # a comment inside the instruction
              a==1 \\

              b==2
        run pip install c==3
        ONBUILD RUN pip install d==4
        COPY <<EOF /app/requirements.txt
        RUN pip install not-an-instruction==1
        EOF
        RUN ["pip", "install", "--no-cache-dir", "e==5"]
        RUN ["sh", "-c", "pip install f==6"]
        """,
    )
    deps, ctx = read(tmp_path, "Dockerfile.prod")
    assert found(deps) == [
        (7, "a", "1", "pip install"),
        (9, "b", "2", "pip install"),
        (10, "c", "3", "pip install"),
        (11, "d", "4", "pip install"),
        (15, "e", "5", "pip install"),
        (16, "f", "6", "pip install"),
    ]
    assert ctx.notes == []


def test_dockerfile_escape_directive(tmp_path: Path) -> None:
    write(
        tmp_path,
        "app.Dockerfile",
        """\
        # escape=`
        FROM python:3.12
        RUN pip install `
            a==1 `
            b==2
        RUN pip install c==3 \\
        RUN pip install d==4
        """,
    )
    deps, _ = read(tmp_path, "app.Dockerfile")
    # With ` as the escape character a trailing backslash continues nothing.
    assert found(deps) == [
        (4, "a", "1", "pip install"),
        (5, "b", "2", "pip install"),
        (6, "c", "3", "pip install"),
        (7, "d", "4", "pip install"),
    ]


def test_dockerfile_heredocs(tmp_path: Path) -> None:
    write(
        tmp_path,
        "Containerfile",
        """\
        FROM python:3.12
        RUN <<EOF
        set -e
        pip install a==1
        EOF
        RUN <<-'INSTALL'
        \tpip install b==2
        \tINSTALL
        RUN python3 <<EOF
        print("pip install not==1")
        EOF
        RUN bash <<EOF && pip install d==4
        pip install c==3
        EOF
        RUN <<EOF
        #!/usr/bin/env python3
        import os; os.system("pip install not==2")
        EOF
        RUN <<EOF
        #!/bin/bash
        pip install e==5
        EOF
        RUN pip install f==6
        """,
    )
    deps, ctx = read(tmp_path, "Containerfile")
    assert found(deps) == [
        (4, "a", "1", "pip install"),
        (7, "b", "2", "pip install"),
        (13, "c", "3", "pip install"),
        (12, "d", "4", "pip install"),
        (21, "e", "5", "pip install"),
        (23, "f", "6", "pip install"),
    ]
    assert ctx.notes == [
        "Containerfile:16: RUN <<EOF: a script run by #!/usr/bin/env python3; not read"
    ]


def test_dockerfile_errors_docker_also_refuses(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "# escape=x\nFROM python\n")
    with pytest.raises(InputError, match="invalid escape token"):
        read(tmp_path, "Dockerfile")


# ---------------------------------------------------------------------------------------
# Workflows and GitLab pipelines


def test_workflow_steps_of_every_job_and_every_style(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".github/workflows/release.yaml",
        """\
        name: release
        on:
          push:
            tags: ["v*"]
        defaults:
          run:
            shell: bash
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: pip install a==1
              - run: >
                  pip install
                  b==2
                  c==3
              - run: "pip install d==4"
              - run: pip install
                  e==5
              - name: python step
                shell: python
                run: |
                  import os
                  os.system("pip install not==1")
          publish:
            needs: build
            runs-on: windows-latest
            defaults:
              run:
                shell: pwsh
            steps:
              - run: |

                  python -m pip install f==6
        """,
    )
    deps, ctx = read(tmp_path, ".github/workflows/release.yaml")
    assert found(deps) == [
        (12, "a", "1", "pip install"),
        (15, "b", "2", "pip install"),
        (16, "c", "3", "pip install"),
        (17, "d", "4", "pip install"),
        (19, "e", "5", "pip install"),
        (34, "f", "6", "pip install"),
    ]
    assert ctx.notes == [
        ".github/workflows/release.yaml:22: a step run by 'python': not shell commands; not read"
    ]


def test_gitlab_jobs_defaults_anchors_and_references(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".gitlab-ci.yml",
        """\
        spec:
          inputs:
            version:
        ---
        include:
          - local: ci/other.yml
        default:
          before_script:
            - pip install a==1
        .setup: &setup
          before_script:
            - |
              pip install \\
                b==2
        test:
          <<: *setup
          script:
            - !reference [.setup, before_script]
            - pip install "litellm==$[[ inputs.version ]]"
            - [pip install c==3, [pip install d==4]]
          after_script: pip install e==5
        lint:
          extends: .setup
          script: &lint
            - pip install f==6
        lint2:
          script: *lint
          hooks:
            pre_get_sources_script: pip install g==7
        """,
    )
    deps, ctx = read(tmp_path, ".gitlab-ci.yml")
    assert found(deps) == [
        (9, "a", "1", "pip install"),
        (14, "b", "2", "pip install"),
        (19, "litellm", None, "pip install"),
        (20, "c", "3", "pip install"),
        (20, "d", "4", "pip install"),
        (21, "e", "5", "pip install"),
        (25, "f", "6", "pip install"),
        (29, "g", "7", "pip install"),
    ]
    assert [n.split(": ", 1)[1] for n in ctx.notes] == [
        'pip install "litellm==$[[ inputs.version ]]": the version is a shell variable or '
        "expression; read as litellm with no version"
    ]


@pytest.mark.parametrize(
    ("relpath", "text"),
    [
        (".github/workflows/empty.yml", ""),
        (".github/workflows/list.yml", "- pip install a==1\n"),
        (".github/workflows/odd.yml", "jobs: {a: {steps: [{run: 1}, x, {run: [pip]}]}, b: 2}\n"),
        (".gitlab-ci.yml", "# nothing yet\n"),
        (".gitlab-ci.yml", "job: {script: {pip: install}}\n"),
        (".gitlab-ci.yml", "job: {script: &x [*x, [*x]]}\n"),
    ],
)
def test_yaml_that_holds_no_commands(tmp_path: Path, relpath: str, text: str) -> None:
    write(tmp_path, relpath, text)
    deps, ctx = read(tmp_path, relpath)
    assert (deps, ctx.notes) == ([], [])


# ---------------------------------------------------------------------------------------
# Hostile input: exit 2 naming the file (and line), or read correctly, never a hang


@pytest.mark.parametrize(
    ("relpath", "content", "message"),
    [
        ("Dockerfile", b"FROM python\nRUN pip install \xff\xfe\n", "Dockerfile:2: not valid UTF-8"),
        ("build.sh", b"#!/bin/sh\n\x00\x01\x02", "build.sh:2: contains a NUL character"),
        (
            ".github/workflows/ci.yml",
            b"on: push\njobs:\n  a: [\n",
            ".github/workflows/ci.yml:4: invalid YAML",
        ),
        (".gitlab-ci.yml", b"job:\n  script: 'x\n", ".gitlab-ci.yml:3: invalid YAML"),
        (".gitlab-ci.yml", b"a: 1\nb: *undefined\n", ".gitlab-ci.yml:2: invalid YAML"),
    ],
)
def test_malformed_files_exit_2_naming_file_and_line(
    repo: Repo, capsys: pytest.CaptureFixture[str], relpath: str, content: bytes, message: str
) -> None:
    target = repo.path / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    repo.add()
    assert repo.run("check") == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("relpath", "line"),
    [
        ("Dockerfile", "RUN pip install " + "a" * (10 * 1024 * 1024)),
        ("build.sh", "pip install " + "a " * (5 * 1024 * 1024)),
        (".github/workflows/ci.yml", "x: " + "a " * (5 * 1024 * 1024)),
    ],
    ids=["dockerfile", "shell", "workflow"],
)
def test_a_10_mb_line_is_refused_quickly(tmp_path: Path, relpath: str, line: str) -> None:
    write(tmp_path, relpath, line)
    started = time.monotonic()
    with pytest.raises(InputError):
        read(tmp_path, relpath)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "body",
    [
        "pip install " + " ".join(f"p{i}" for i in range(400_000)),
        ";" * 3_000_000,
        "echo " + "'x'" * 1_000_000,
        "$(" * 1_500_000,
        "\\\n" * 1_500_000,
        "x=1 " * 800_000,
        "cat <<a\na\n" * 300_000,
    ],
    ids=[
        "words",
        "operators",
        "quotes",
        "substitutions",
        "continuations",
        "assignments",
        "heredocs",
    ],
)
def test_scripts_too_large_to_read_are_refused_quickly(tmp_path: Path, body: str) -> None:
    write(tmp_path, "big.sh", body)
    started = time.monotonic()
    with pytest.raises(InputError, match="too large to read as commands"):
        read(tmp_path, "big.sh")
    assert time.monotonic() - started < 20


def test_long_but_reasonable_input_is_read(tmp_path: Path) -> None:
    requirement = "litellm @ https://example.org/" + "a" * 60_000 + "/litellm-1.82.8.tar.gz"
    body = "echo ok\n" * 20_000 + f"pip install '{requirement}'\n"
    deps, _ = script(tmp_path, body)
    assert found(deps) == [(20_001, "litellm", "1.82.8", "pip install")]


def test_an_install_argument_longer_than_any_real_one_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "build.sh", "echo\npip install 'x @ https://e.org/" + "a" * 70_000 + "'\n")
    with pytest.raises(InputError, match=r"build\.sh:2: an install argument longer than"):
        read(tmp_path, "build.sh")


def test_a_dockerfile_line_docker_refuses_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM python\nRUN pip install " + "a" * 70_000 + "\n")
    with pytest.raises(InputError, match=r"Dockerfile:2: a line longer than 65,535 bytes"):
        read(tmp_path, "Dockerfile")


def test_an_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not an install-command format"):
        reader("requirements")


# ---------------------------------------------------------------------------------------
# Real files


def copy_fixture(root: Path, name: str, relpath: str) -> None:
    target = root / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / name, target)


def test_real_litellm_dockerfile(tmp_path: Path) -> None:
    copy_fixture(tmp_path, "litellm.Dockerfile", "Dockerfile")
    deps, ctx = read(tmp_path, "Dockerfile")
    assert found(deps) == [
        (17, "pip", None, "pip install"),
        (18, "build", None, "pip install"),
        (53, "redisvl", "0.0.7", "pip install"),
        (58, "pyjwt", None, "pip install"),
    ]
    pattern = "a shell variable, expression, command substitution or file pattern; not read"
    assert ctx.notes == [
        f"Dockerfile:47: pip install dist/*.whl: {pattern}",
        f"Dockerfile:76: pip install *.whl: {pattern}",
        f"Dockerfile:76: pip install /wheels/*: {pattern}",
    ]
    assert [tuple(i) for i in ctx.indexes] == [
        ("Dockerfile", 76, "pip install --find-links", "/wheels/")
    ]


def test_real_open_webui_dockerfile(tmp_path: Path) -> None:
    copy_fixture(tmp_path, "open-webui.Dockerfile", "Dockerfile")
    deps, ctx = read(tmp_path, "Dockerfile")
    torch = [(n, None, "pip install") for n in ("torch", "torchvision", "torchaudio")]
    assert found(deps) == [
        (135, "uv", None, "pip install"),
        *[(138, *t) for t in torch],
        *[(142, *t) for t in torch],
    ]
    assert ctx.notes == [
        "Dockerfile:138: pip install --index-url https://download.pytorch.org/whl/"
        "$USE_CUDA_DOCKER_VER: a shell variable or expression; not read",
        # COPY ./backend/requirements.txt ./requirements.txt: not followed into the image.
        "Dockerfile:139: uv pip install --requirements requirements.txt: no such file in the "
        "repository; not read",
        "Dockerfile:143: uv pip install --requirements requirements.txt: no such file in the "
        "repository; not read",
    ]
    assert [tuple(i) for i in ctx.indexes] == [
        ("Dockerfile", 142, "pip install --index-url", "https://download.pytorch.org/whl/cpu")
    ]


def test_real_aider_workflow(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "aider-chat"\nversion = "0.86.0"\n')
    copy_fixture(tmp_path, "aider-ubuntu-tests.yml", ".github/workflows/ubuntu-tests.yml")
    deps, ctx = read(tmp_path, ".github/workflows/ubuntu-tests.yml")
    assert found(deps) == [
        (48, "pip", None, "pip install"),
        (49, "pytest", None, "pip install"),
        (50, "aider-chat", None, "pip install"),
    ]
    # The step runs at the repository root: the root project, named from the workflow's
    # folder as the check resolves it.
    assert (deps[2].source, deps[2].location) == ("path", "../..")
    assert ctx.notes == []


def test_real_browser_use_dockerfile_installs_nothing_by_name(tmp_path: Path) -> None:
    # uv sync installs what uv.lock pins (read by its own reader); nothing is named.
    shutil.copyfile(SHARED / "realworld" / "browser-use.Dockerfile", tmp_path / "Dockerfile")
    assert read(tmp_path, "Dockerfile")[0] == []


def test_real_dockerfile_end_to_end(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    copy_fixture(repo.path, "litellm.Dockerfile", "docker/Dockerfile.database")
    repo.add()
    assert repo.run("check", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == ["docker/Dockerfile.database"]
    # No package is protected or denied, and --find-links=/wheels/ is a folder in the
    # image, not an index.
    assert data["findings"] == []
    assert data["notes"][0] == (
        "docker/Dockerfile.database:47: pip install dist/*.whl: a shell variable, expression, "
        "command substitution or file pattern; not read"
    )


# ---------------------------------------------------------------------------------------
# Where a command runs: a local path is resolved from there (found on real repositories)


VENDORED = '[project]\nname = "litellm"\nversion = "1.82.8"\n'
WORKFLOW_STEP = (
    "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@v4\n      - run: {run}\n"
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".github/workflows/ci.yml", WORKFLOW_STEP.format(run="pip install ./vendor/litellm")),
        (
            ".github/workflows/ci.yml",
            WORKFLOW_STEP.format(run="|\n          cd vendor/litellm\n          pip install -e ."),
        ),
        (
            ".github/workflows/ci.yml",
            WORKFLOW_STEP.format(run="pip install -e .\n        working-directory: vendor/litellm"),
        ),
        ("scripts/install.sh", "pip install ./vendor/litellm\n"),
        ("docker/Dockerfile", "FROM python:3.12\nRUN pip install ./vendor/litellm\n"),
    ],
)
def test_a_vendored_denied_package_installed_from_a_subfolder_is_denied(
    repo: Repo, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    repo.write("pyproject.toml", '[project]\nname = "myapp"\nversion = "0.1.0"\n')
    repo.write("vendor/litellm/pyproject.toml", VENDORED)
    repo.write(name, text)
    repo.add()
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["package"], f["file"]) for f in found] == [("denied", "litellm", name)]


def test_the_root_project_installed_from_a_workflow_is_the_root_project(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("pyproject.toml", '[project]\nname = "smolagents"\nversion = "1.27.0"\n')
    repo.write(".github/workflows/ci.yml", WORKFLOW_STEP.format(run='pip install ".[test]"'))
    repo.write("scripts/build.sh", "cd ..\npip install .\n")
    repo.add()
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 0, capsys.readouterr().out


def test_a_named_path_installed_from_a_workflow_is_the_root_project(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """smolagents' quality workflow: `uv pip install "smolagents[quality] @ ."`."""
    repo.write("pyproject.toml", '[project]\nname = "smolagents"\nversion = "1.27.0.dev0"\n')
    repo.write(
        ".github/workflows/quality.yml",
        WORKFLOW_STEP.format(run='uv pip install "smolagents[quality] @ ."'),
    )
    repo.add()
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 0, capsys.readouterr().out
