"""The commit gate reads lock files, pyproject tables and policies the way installers and
reviewers would: a spelling that installs litellm 1.82.8 must not pass. Requirements-file
spellings (line splitting, encodings, options, file: URLs) are in
tests/test_requirements_parity.py.

Each case has a control: the same repository with the hiding trick removed, or the real
installer's own reading of the file, shows that the trick matters."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from packaging.pylock import Pylock

from guard import _toml
from tests.conftest import Repo, git
from tests.indexserver import LocalIndex
from tests.installers import Pip, Uv, project
from tests.test_check import check_json, rules, uv_lock
from tests.wheels import make_wheel

SHA = "a" * 64


def _commit(repo: Repo) -> None:
    repo.add()
    assert git(repo.path, "commit", "-q", "-m", "state", check=False).returncode == 0


# ---------------------------------------------------------------------------------------
# pylock.toml: `version` is optional, the files still say what installs


def _pylock(version_line: str, wheel: str = "litellm-1.82.8-py3-none-any.whl") -> str:
    return (
        'lock-version = "1.0"\ncreated-by = "tests"\n\n[[packages]]\n'
        f'name = "litellm"\n{version_line}index = "https://pypi.org/simple"\n'
        f'wheels = [{{ name = "{wheel}", url = "https://files.example/{wheel}", '
        f'hashes = {{ sha256 = "{SHA}" }} }}]\n'
    )


def test_a_pylock_entry_without_a_version_is_checked_by_its_files(
    repo: Repo, uv: Uv, local_index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = make_wheel("litellm", "1.82.8", {"litellm/__init__.py": b"VALUE = 1\n"})
    filename = "litellm-1.82.8-py3-none-any.whl"
    local_index.add_file("litellm", "1.82.8", filename, wheel)
    digest = hashlib.sha256(wheel).hexdigest()
    text = (
        'lock-version = "1.0"\ncreated-by = "tests"\n\n[[packages]]\nname = "litellm"\n'
        f'wheels = [{{ name = "{filename}", url = "{local_index.root}/files/{filename}", '
        f'hashes = {{ sha256 = "{digest}" }} }}]\n'
    )
    repo.write("pylock.toml", text)
    # Control: valid PEP 751 without a version, and a real uv installs litellm 1.82.8.
    assert Pylock.from_dict(_toml.loads(text, "pylock.toml")).packages[0].version is None
    out = uv.run(
        repo.path, "pip", "install", "--python", str(uv.python), "--dry-run", "-r", "pylock.toml"
    )
    assert "+ litellm==1.82.8" in out

    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("denied", "litellm")]
    assert data["findings"][0]["version"] == "1.82.8"  # type: ignore[index]

    repo.write("pylock.toml", _pylock("", "requests-2.32.3-py3-none-any.whl"))
    assert repo.run("check") == 2
    assert "not consistent with package name 'litellm'" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# A lock stripped of its hashes


def test_a_lock_whose_hashes_were_removed_fails_an_approval_that_recorded_them(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("uv.lock", uv_lock(("openai", "2.8.0")))
    repo.add()
    assert repo.run("approve", "openai==2.8.0", "--reason", "diff read", "--offline") == 0
    _commit(repo)
    assert repo.run("check") == 0  # control
    stripped = "\n".join(
        line for line in uv_lock(("openai", "2.8.0")).splitlines() if "hash =" not in line
    )
    stripped = stripped.replace("wheels = [\n]", "wheels = []")
    repo.write("uv.lock", stripped + "\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("hash-mismatch", "openai")]
    assert "holds no artifact hashes" in data["findings"][0]["message"]  # type: ignore[index]


# ---------------------------------------------------------------------------------------
# A pin behind a marker that never holds


def test_a_marker_gated_pin_does_not_cover_a_range(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", 'litellm>=1.82,<1.83\nlitellm==1.82.6; python_version < "3"\n')
    repo.add()
    # Control: the pin never applies, and pip takes the denied release the range admits.
    found = pip.installs(repo.path, "-r", "requirements.txt")
    assert _versions(found) == [("litellm", "1.82.8")]
    assert repo.run("approve", "litellm==1.82.6", "--reason", "ok", "--offline") == 0
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("denied-range", "litellm")]
    # Control: pins that together cover every platform do cover the range.
    repo.write(
        "requirements.txt",
        "litellm>=1.82,<1.83\n"
        'litellm==1.82.6; sys_platform == "win32"\n'
        'litellm==1.82.6; sys_platform != "win32"\n',
    )
    repo.add()
    assert repo.run("check") == 0
    # ...and one that covers only Windows does not.
    repo.write(
        "requirements.txt", 'litellm>=1.82,<1.83\nlitellm==1.82.6; sys_platform == "win32"\n'
    )
    repo.add()
    assert repo.run("check") == 1


# ---------------------------------------------------------------------------------------
# Direct URLs: the version in the file name, and a hash that pins the bytes


def test_a_url_to_a_denied_wheel_cannot_be_approved(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://example.org/files/litellm-1.82.8-py3-none-any.whl"
    repo.write("requirements.txt", f"litellm @ {url}#sha256={SHA}\n")
    repo.add()
    assert repo.run("approve", f"litellm @ {url}#sha256={SHA}", "--reason", "r") == 1
    assert "which builtin:llm-gateways denies" in capsys.readouterr().err
    assert not (repo.path / ".bumpguard/approvals/litellm.json").exists()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("denied", "litellm")]


def test_a_url_that_no_hash_pins_is_unpinned(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # The file name says nothing: whatever the server sends next would install.
    url = "https://example.org/download/litellm.whl"
    repo.write("requirements.txt", f"litellm @ {url}\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("unpinned-source", "litellm")]
    assert repo.run("approve", f"litellm @ {url}", "--reason", "r") == 1
    assert "no hash pins what that URL serves" in capsys.readouterr().err
    # Control: pinned by a hash, it is an ordinary source review.
    digest = hashlib.sha256(b"reviewed bytes").hexdigest()
    repo.write("requirements.txt", f"litellm @ {url} --hash=sha256:{digest}\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert rules(data) == [("unreviewed-source", "litellm")]
    assert repo.run("approve", f"litellm @ {url}", "--reason", "r") == 0
    repo.add()
    assert repo.run("check") == 0


# ---------------------------------------------------------------------------------------
# pyproject.toml tables that change what gets installed


PROJECT = '[project]\nname = "app"\nversion = "1"\ndependencies = ["openai==2.8.0"]\n'


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        (
            'openai = { url = "https://evil.example/openai-2.8.0-py3-none-any.whl" }',
            "unpinned-source",
        ),
        ('openai = { git = "https://github.com/evil/openai", branch = "main" }', "unpinned-source"),
        ('openai = { path = "../outside/openai" }', "unreviewed-source"),
        (
            'openai = [{ git = "https://github.com/evil/openai", rev = "' + "b" * 40 + '" }]',
            "unreviewed-source",
        ),
    ],
)
def test_uv_sources_redirect_an_approved_pin(
    repo: Repo, uv: Uv, capsys: pytest.CaptureFixture[str], source: str, rule: str
) -> None:
    repo.write("pyproject.toml", PROJECT)
    repo.add()
    assert repo.run("approve", "openai==2.8.0", "--reason", "diff read", "--offline") == 0
    _commit(repo)
    assert repo.run("check") == 0  # control: from the index, the approval covers it
    repo.write("pyproject.toml", PROJECT + f"\n[tool.uv.sources]\n{source}\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [(rule, "openai")]
    if "path" in source:
        # Control: a real uv resolves openai from that folder, not from the index.
        project(repo.path.parent / "outside/openai", "openai", "2.8.0")
        out = uv.run(repo.path, "pip", "compile", "--no-index", "pyproject.toml")
        assert "../outside/openai" in out and "openai==" not in out


def test_setuptools_dynamic_dependencies_are_read(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "pyproject.toml",
        '[project]\nname = "app"\nversion = "1"\n'
        'dynamic = ["dependencies", "optional-dependencies"]\n'
        "[tool.setuptools.dynamic]\ndependencies = { file = ['deps/base.txt'] }\n"
        "optional-dependencies.llm = { file = ['deps/llm.txt'] }\n",
    )
    repo.write("deps/base.txt", "requests==2.32.3\n")
    repo.write("deps/llm.txt", "litellm==1.82.8\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("denied", "litellm")]
    assert data["findings"][0]["file"] == "deps/llm.txt"  # type: ignore[index]
    # Control: without the table, nothing reads deps/llm.txt (its name is not one the
    # discovery knows), and the check passes.
    repo.write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n')
    repo.add()
    assert repo.run("check") == 0


# ---------------------------------------------------------------------------------------
# The policy: built-in denies stay


def test_a_policy_that_does_not_extend_the_builtin_keeps_its_denies(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "litellm==1.82.8\n")
    repo.write(".bumpguard.yaml", "version: 1\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("denied", "litellm")]
    # Control: the protection of the built-in policy is dropped, as the file says.
    repo.write("requirements.txt", "litellm==1.82.6\n")
    repo.add()
    assert repo.run("check") == 0


# ---------------------------------------------------------------------------------------
# Local folders and submodules: what they declare is what installs


def _versions(found: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(name, version) for name, version, _url in found]


def test_a_vendored_folder_is_checked_by_the_name_and_version_it_declares(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo.path / "vendor/llm", "litellm", "1.82.8")
    repo.write("requirements.txt", "./vendor/llm\n")
    repo.add()
    # Control: pip installs litellm 1.82.8 from that line.
    found = pip.installs(repo.path, "-r", "requirements.txt")
    assert _versions(found) == [("litellm", "1.82.8")]
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("denied", "litellm")]

    # A protected package vendored at an allowed version needs a review of that version.
    shutil.rmtree(repo.path / "vendor/llm")
    project(repo.path / "vendor/llm", "litellm", "1.82.6")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("unreviewed", "litellm")]
    assert (
        repo.run("approve", "litellm==1.82.6", "--reason", "vendored copy read", "--offline") == 0
    )
    repo.add()
    assert repo.run("check") == 0
    # The repository's own root project is what the repository is: never a finding.
    repo.write("pyproject.toml", '[project]\nname = "litellm"\nversion = "1.90.0"\n')
    repo.write("requirements.txt", "./vendor/llm\n-e .\n")
    repo.add()
    assert repo.run("check") == 0


def test_a_submodule_is_reviewed_at_one_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q")
    (upstream / "pyproject.toml").write_text('[project]\nname = "openai"\nversion = "2.8.0"\n')
    git(upstream, "add", "-A")
    git(upstream, "-c", "user.name=U", "-c", "user.email=u@x", "commit", "-q", "-m", "v1")
    git(
        repo.path,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(upstream),
        "vendor/openai",
    )
    repo.write("requirements.txt", "./vendor/openai\n")
    repo.add()
    first = git(upstream, "rev-parse", "HEAD").stdout.strip()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("unreviewed-source", "openai")]
    spec = data["findings"][0]["approve"]  # type: ignore[index]
    assert spec == f"openai @ ./vendor/openai@{first}"
    assert repo.run("approve", spec, "--reason", "submodule commit read") == 0
    repo.add()
    assert repo.run("check") == 0

    # Upstream moves, the submodule pointer follows: a new review is needed.
    (upstream / "pyproject.toml").write_text('[project]\nname = "openai"\nversion = "2.9.0"\n')
    git(upstream, "-c", "user.name=U", "-c", "user.email=u@x", "commit", "-qam", "v2")
    sub = repo.path / "vendor/openai"
    git(sub, "-c", "protocol.file.allow=always", "pull", "-q", "origin", "HEAD")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("unreviewed-source", "openai")]


# ---------------------------------------------------------------------------------------
# A weaker policy than at the base revision is reported (the verdict stays stateless)


def test_weakening_the_policy_is_reported_against_the_base(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        ".bumpguard.yaml",
        "version: 1\nextends: [builtin:llm-gateways]\nreview_threshold: minor\n"
        "protect:\n  - name: acme-sdk\n    min_release_age: 7d\n",
    )
    repo.write("requirements.txt", "rich==13.0\n")
    _commit(repo)
    code, data = check_json(repo, capsys)
    assert code == 1 and data["weakened"] == []  # rich 13.0 has no review yet (minor)

    repo.write(".bumpguard.yaml", "version: 1\nprotect: [acme-sdk]\n")
    repo.add()
    capsys.readouterr()
    assert repo.run("check") == 0  # the verdict never depends on the base...
    out = capsys.readouterr().out
    assert "warning: the policy is weaker than at HEAD:" in out  # ...but it is reported
    code, data = check_json(repo, capsys)
    weakened = data["weakened"]
    assert isinstance(weakened, list)
    assert "litellm is no longer protected" in weakened
    assert "acme-sdk: min_release_age shortened from 1w to 0" in weakened
    assert "review_threshold is none, was minor" in weakened
    # The built-in denies are not among them: they hold in every policy.
    assert not [w for w in weakened if w.startswith("the deny rule")]
    _commit(repo)
    code, data = check_json(repo, capsys)
    assert data["weakened"] == []  # committed: the base is the weaker policy now


def test_a_local_version_label_of_a_denied_version_is_denied(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("uv.lock", uv_lock(("litellm", "1.82.8+internal.1")))
    repo.write("requirements.txt", "litellm===1.82.8+mirror\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("denied", "litellm"), ("denied", "litellm")]


# ---------------------------------------------------------------------------------------
# An approved ==2.8.0 that an extra source can satisfy with 2.8.0+anything


def test_an_extra_source_can_serve_a_local_version_of_an_approved_pin(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:

    wheels = repo.path / "wheels"
    wheels.mkdir()
    evil = make_wheel("openai", "2.8.0+evil", {"openai/__init__.py": b"EVIL = 1\n"})
    (wheels / "openai-2.8.0+evil-py3-none-any.whl").write_bytes(evil)
    repo.write("requirements.txt", "--find-links ./wheels\nopenai==2.8.0\n")
    repo.add()
    # Control: pip takes the local version for the approved pin.
    found = pip.installs(repo.path, "-r", "requirements.txt")
    assert _versions(found) == [("openai", "2.8.0+evil")]
    assert repo.run("approve", "openai==2.8.0", "--reason", "diff read", "--offline") == 0
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1 and rules(data) == [("unpinned", "openai")]
    assert "2.8.0+anything" in data["findings"][0]["message"]  # type: ignore[index]
    assert "requirements.txt:1: --find-links ./wheels" in data["findings"][0]["message"]  # type: ignore[index]
    # Control: pinned by the hash of the reviewed file, the local version cannot install.
    digest = hashlib.sha256(b"the reviewed wheel").hexdigest()
    repo.write(
        "requirements.txt",
        f"--find-links ./wheels\nopenai==2.8.0 --hash=sha256:{digest}\n",
    )
    repo.add()
    assert repo.run("approve", "openai==2.8.0", "--reason", "diff read", "--offline") == 0
    repo.add()
    assert repo.run("check") == 0
