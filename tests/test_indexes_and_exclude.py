"""Indexes are policy (``indexes:``, ``index-not-allowed``, ``insecure-index``), the
``exclude:`` globs and ``--exclude``, files git does not track yet, and VCS sources that
are one source however they are spelled."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from guard.policy.paths import compile_globs, normal_url, url_allowed
from guard.sources import redact, source_key
from tests.conftest import Repo
from tests.indexserver import LocalIndex
from tests.installers import Uv
from tests.test_install import serve_wheel

SHA = "0123456789abcdef0123456789abcdef01234567"


def check(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = repo.run("check", *args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def rules(repo: Repo, capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[str, str]]:
    capsys.readouterr()
    repo.run("check", "--format", "json", *args)
    data = json.loads(capsys.readouterr().out)
    return [(f["rule"], f["package"]) for f in data["findings"]]


# ------------------------------------------------------------------------------ indexes


def test_an_extra_index_is_refused_by_default_and_allowed_once_listed(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "requirements.txt",
        "--extra-index-url https://deploy:s3cret@pkgs.example.org/simple/\nrequests==2.32.3\n",
    )
    repo.write(".bumpguard.yaml", "version: 1\n")
    repo.add()
    code, out = check(repo, capsys)
    assert code == 1 and "requirements.txt:1: https://deploy:***@pkgs.example.org/simple/" in out
    assert "index-not-allowed" in out and "s3cret" not in out
    assert 'in .bumpguard.yaml, indexes: ["https://pkgs.example.org/simple"]' in out
    repo.write(".bumpguard.yaml", 'version: 1\nindexes: ["https://pkgs.example.org/simple"]\n')
    repo.add()
    assert check(repo, capsys) == (0, check(repo, capsys)[1])
    # A prefix entry allows every index under it; another host is still refused.
    repo.write(".bumpguard.yaml", 'version: 1\nindexes: ["https://pkgs.example.org/*"]\n')
    repo.write("requirements.txt", "-i https://pkgs.example.org/team/simple\nrequests==2.32.3\n")
    repo.add()
    assert check(repo, capsys)[0] == 0
    repo.write("requirements.txt", "-i https://pkgs.example.com/simple\nrequests==2.32.3\n")
    repo.add()
    assert rules(repo, capsys) == [("index-not-allowed", "https://pkgs.example.com/simple")]


def test_plain_http_and_trusted_host_are_refused_even_when_listed(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".bumpguard.yaml", 'version: 1\nindexes: ["http://mirror.example/simple"]\n')
    repo.write(
        "requirements.txt",
        "--index-url http://mirror.example/simple\n--trusted-host mirror.example\nx==1\n",
    )
    repo.add()
    assert rules(repo, capsys) == [
        ("insecure-index", "http://mirror.example/simple"),
        ("insecure-index", "mirror.example"),
    ]


def test_a_find_links_folder_is_not_an_index(
    repo: Repo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("wheels/README", "vendored wheels\n")
    repo.write(
        "requirements.txt",
        f"--find-links ./wheels\n-f wheels/\n-f {tmp_path}\n-f file:///wheels\nx==1\n",
    )
    repo.add()
    assert rules(repo, capsys) == []
    repo.write("requirements.txt", "--find-links https://wheels.example/links.html\nx==1\n")
    repo.add()
    assert rules(repo, capsys) == [("index-not-allowed", "https://wheels.example/links.html")]


def test_indexes_in_pyproject_and_locks_are_checked(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "pyproject.toml",
        '[project]\nname = "app"\nversion = "1"\ndependencies = []\n\n'
        '[[tool.uv.index]]\nname = "corp"\nurl = "https://corp.example/simple"\n',
    )
    repo.add()
    found = rules(repo, capsys)
    assert ("index-not-allowed", "https://corp.example/simple") in found
    assert all(package != "https://pypi.org/simple" for _, package in found)


def test_an_enforced_policy_keeps_its_indexes_and_excludes(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("base.yaml", "version: 1\nenforce: true\nexclude: [templates]\n")
    for extra, message in (
        ('indexes: ["https://other.example/simple"]', "would allow an index"),
        ("exclude: [uv.lock]", "would hide files from the policy enforced by"),
    ):
        repo.write(".bumpguard.yaml", f"version: 1\nextends: [base.yaml]\n{extra}\n")
        repo.add()
        code, out = check(repo, capsys)
        assert code == 2 and message in out and ".bumpguard.yaml:3" in out
    repo.write(".bumpguard.yaml", "version: 1\nextends: [base.yaml]\nexclude: [templates]\n")
    repo.add()
    assert check(repo, capsys)[0] == 0


def test_policy_validation_of_exclude_and_indexes(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    for body, message in (
        ("exclude: [/etc/passwd]", "is an absolute path"),
        ("exclude: ['../x']", "has a .. component"),
        ("indexes: [pypi.org]", "is not an index URL"),
        ("indexes: 5", "expected a list of strings"),
        ("indexes: ['https://corp*']", "ending in /*"),
    ):
        repo.write(".bumpguard.yaml", f"version: 1\n{body}\n")
        repo.add()
        code, out = check(repo, capsys)
        assert code == 2 and message in out and ".bumpguard.yaml:2" in out, out


def test_weakening_by_exclude_or_indexes_is_reported(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(".bumpguard.yaml", "version: 1\n")
    repo.write("requirements.txt", "x==1\n")
    repo.add()
    repo.commit("base")
    repo.write(
        ".bumpguard.yaml",
        'version: 1\nexclude: ["docs/**"]\nindexes: ["https://corp.example/simple"]\n',
    )
    repo.add()
    code, out = check(repo, capsys)
    assert code == 0
    assert "exclude now skips docs/**" in out and "indexes now allows" in out


def test_url_helpers() -> None:
    assert normal_url("HTTPS://u:p@PyPI.org/simple/") == "https://pypi.org/simple"
    assert url_allowed("https://pypi.org/simple/", ["https://pypi.org/simple"])
    assert not url_allowed("https://pypi.org.evil/simple", ["https://pypi.org/*"])
    assert not url_allowed("https://pypi.org.evil/simple", ["https://pypi.org"])
    assert url_allowed("https://pypi.org/simple", ["https://pypi.org/*"])
    assert redact("https://u:p@h/x") == "https://u:***@h/x"
    assert redact("https://token@h/x") == "https://***@h/x"


# ------------------------------------------------------------------------------ exclude


def test_an_unparseable_template_names_how_to_exclude_it(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    template = "lib/cli/templates/crew/pyproject.toml"
    repo.write(template, '[project]\nname = "{{folder_name}}"\n{% if tools %}\n')
    repo.write("requirements.txt", "litellm==1.82.8\n")
    repo.add()
    code, out = check(repo, capsys)
    assert code == 2 and f"{template}:3" in out and f'exclude: ["{template}"]' in out
    assert "Traceback" not in out
    code, out = check(repo, capsys, "--exclude", "lib/cli/templates/**")
    assert code == 1 and "denied" in out  # the rest is still checked
    repo.write(
        ".bumpguard.yaml", "version: 1\nextends: builtin:llm-gateways\nexclude: [templates]\n"
    )
    repo.add()
    code, out = check(repo, capsys)
    assert code == 1 and "denied" in out and template not in out
    assert check(repo, capsys, "--exclude", "/abs")[0] == 2


def test_glob_semantics() -> None:
    match = compile_globs(["docs/**", "templates", "a/*.lock", "**/gen/*.toml"])
    assert match is not None
    for path, expected in (
        ("docs/x/pyproject.toml", True),
        ("src/templates/pyproject.toml", True),
        ("templates", True),
        ("a/uv.lock", True),
        ("a/b/uv.lock", False),
        ("gen/pyproject.toml", True),
        ("x/y/gen/pyproject.toml", True),
        ("uv.lock", False),
        ("templatesX/pyproject.toml", False),
    ):
        assert match(path) is expected, path
    assert compile_globs([]) is None


# ------------------------------------------------------------------------------ untracked


def test_a_file_not_added_yet_is_checked_outside_a_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("requirements.txt", "litellm==1.82.8\n")  # never `git add`ed
    repo.write(".gitignore", "ignored/\n")
    repo.write("ignored/requirements.txt", "litellm==1.82.7\n")
    code, out = check(repo, capsys)
    assert code == 1 and "requirements.txt:1: litellm 1.82.8: denied" in out
    assert "1.82.7" not in out  # git ignores it
    assert "read 2 file(s) git does not track yet" not in out
    assert "git does not track yet: requirements.txt" in out
    # Inside a commit only what is staged counts, as before.
    monkeypatch.setenv("PRE_COMMIT", "1")
    code, out = check(repo, capsys)
    assert code == 0 and "0 dependencies" in out


def test_uv_init_and_add_before_git_add(
    repo: Repo,
    uv: Uv,
    local_index: LocalIndex,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The issue's case: a fresh `uv init && uv add openai`, checked before `git add`."""
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    monkeypatch.delenv("GIT_INDEX_FILE", raising=False)
    serve_wheel(local_index, "openai", "1.60.0")
    uv.run(repo.path, "init", "--bare", "--name", "app", "--no-workspace")
    uv.run(repo.path, "add", "openai", "--default-index", local_index.url, "--no-sync")
    assert (repo.path / "uv.lock").is_file()
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=repo.path, capture_output=True, text=True, check=True
    ).stdout
    assert tracked == ""  # nothing added to git
    found = rules(repo, capsys)
    assert ("unreviewed", "openai") in found


# ------------------------------------------------------------------------------ VCS sources


def test_one_vcs_source_is_one_review_however_it_is_spelled(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    pip_form = f"git+https://github.com/pydantic/pydantic-ai.git@{SHA}"
    uv_form = f"git+https://github.com/pydantic/pydantic-ai?rev={SHA}#{SHA}"
    assert source_key(pip_form) == source_key(uv_form)
    repo.write("requirements.txt", f"pydantic-ai @ {pip_form}\n")
    repo.write("requirements-dev.txt", f"pydantic-ai @ {uv_form}\n")
    repo.add()
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    spec = f"pydantic-ai @ git+https://github.com/pydantic/pydantic-ai@{SHA}"
    assert [(f["rule"], f["approve"]) for f in found] == [("unreviewed-source", spec)] * 2
    assert repo.run("approve", f"pydantic-ai @ {uv_form}", "--reason", "r", "--offline") == 0
    repo.add()
    assert check(repo, capsys)[0] == 0  # one review covers both spellings
    other = f"git+https://github.com/pydantic/pydantic-ai@{'f' * 40}"
    repo.write("requirements.txt", f"pydantic-ai @ {other}\n")
    repo.add()
    assert check(repo, capsys)[0] == 1  # another commit is another source


# ------------------------------------------------------------------------------ history


@pytest.mark.parametrize("git_entry", [False, True])
def test_old_versions_of_a_bumped_uv_lock_are_shown(
    repo: Repo, capsys: pytest.CaptureFixture[str], git_entry: bool
) -> None:
    """The base lock is read with one pattern for the packages with findings; an entry the
    pattern does not know (a git source) sends it through the full reader, same answer."""
    from tests.test_check import uv_lock

    extra = ""
    if git_entry:
        extra = (
            '\n[[package]]\nname = "tool"\nversion = "0.1.0"\n'
            f'source = {{ git = "https://github.com/o/tool?rev={SHA}#{SHA}" }}\n'
        )
    repo.write("uv.lock", uv_lock(("openai", "1.60.0"), ("rich", "13.0")) + extra)
    repo.add()
    repo.commit("base")
    repo.write("uv.lock", uv_lock(("openai", "1.61.0"), ("anthropic", "0.40.0")) + extra)
    repo.add()
    capsys.readouterr()
    assert repo.run("check", "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    shown = {(f["package"], f["previous"], f["version"]) for f in found if f["file"] == "uv.lock"}
    assert ("openai", "1.60.0", "1.61.0") in shown
    assert ("anthropic", "(none)", "0.40.0") in shown


def test_every_unreadable_file_is_named_at_once(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("a/pyproject.toml", "[project\n")
    repo.write("b/requirements.txt", "x ( y\n")
    repo.write("requirements.txt", "litellm==1.82.8\n")
    repo.add()
    code, out = check(repo, capsys)
    assert code == 2 and "a/pyproject.toml:1" in out and "b/requirements.txt:1" in out
    assert 'exclude: ["a/pyproject.toml", "b/requirements.txt"]' in out
    code, out = check(repo, capsys, "--exclude", "a", "--exclude", "b/requirements.txt")
    assert code == 1 and "denied" in out
