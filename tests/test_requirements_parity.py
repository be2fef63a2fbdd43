"""The commit gate reads requirements files as pip does: no spelling pip accepts hides a
denied or unreviewed pin (line ends, encoding declarations, option prefixes, file: URLs,
paths that leave the repository).

Each case runs ``bumpguard check`` in a real git repository and, as its control, a real
pip (a fresh virtual environment, isolated from this machine's configuration: no
configuration file, no PIP_* variables, its cache in a temporary folder) in a dry run
against a package index on 127.0.0.1, which shows that pip would install litellm 1.82.8
from the same file: no test passes because the file is simply broken.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Repo
from tests.installers import Pip, project
from tests.test_check import check_json, rules


def installs_litellm_1_82_8(found: list[tuple[str, str, str]]) -> bool:
    return any(name == "litellm" and version == "1.82.8" for name, version, _ in found)


def denied_litellm(repo: Repo, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    """``bumpguard check`` refuses the repository, and litellm 1.82.8 is why."""
    repo.add()
    code, data = check_json(repo, capsys)
    assert code == 1, data
    assert ("denied", "litellm") in rules(data)
    return data


def check_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> str:
    """``bumpguard check`` stops with an input error (exit 2); returns its message."""
    repo.add()
    capsys.readouterr()
    assert repo.run("check") == 2
    return capsys.readouterr().err


# ---------------------------------------------------------------------------------------
# 1. Line ends: pip splits with str.splitlines()

LINE_ENDS = ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("end", LINE_ENDS, ids=[f"U+{ord(e):04X}" for e in LINE_ENDS])
def test_every_line_end_pip_knows_ends_a_comment(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str], end: str
) -> None:
    text = f"requests==2.32.3  # x{end}litellm==1.82.8\n"
    (repo.path / "requirements.txt").write_text(text, encoding="utf-8", newline="")
    data = denied_litellm(repo, capsys)
    finding = next(f for f in data["findings"] if f["rule"] == "denied")  # type: ignore[attr-defined]
    assert (finding["file"], finding["line"]) == ("requirements.txt", 2)  # pip's numbering
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


# ---------------------------------------------------------------------------------------
# 2. Encoding declarations

UTF7 = b"# coding: utf-7\nrequests==2.32.3  # +AAo-litellm+AD0APQ-1.82.8\n"


def test_a_utf7_declaration_cannot_hide_a_line(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    # Read as UTF-8 (as uv reads it), litellm is inside a comment; decoded as the file
    # declares (as pip decodes it), "+AAo-" is a line end.
    assert "litellm==1.82.8" not in UTF7.decode("utf-8").splitlines()
    assert UTF7.decode("utf-7").splitlines()[2] == "litellm==1.82.8"
    (repo.path / "requirements.txt").write_bytes(UTF7)
    data = denied_litellm(repo, capsys)
    finding = next(f for f in data["findings"] if f["rule"] == "denied")  # type: ignore[attr-defined]
    assert finding["line"] == 3
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


@pytest.mark.parametrize(
    ("declaration", "pip_says"),
    [
        ("# coding: no-such-codec", "unknown encoding"),
        ("# -*- coding: rot13 -*-", "not a text encoding"),
    ],
)
def test_a_declaration_of_no_text_encoding_is_an_input_error(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str], declaration: str, pip_says: str
) -> None:
    repo.write("requirements.txt", f"{declaration}\nrequests==2.32.3\n")
    err = check_error(repo, capsys)
    assert "requirements.txt:1: declares encoding" in err
    assert pip_says in pip.refuses(repo.path, "-r", "requirements.txt")  # pip cannot either


def test_a_utf8_declaration_reads_as_before(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "# -*- coding: utf-8 -*-\n# café\nrequests==2.32.3\nlitellm==1.82.8\n"
    (repo.path / "requirements.txt").write_text(text, encoding="utf-8")
    data = denied_litellm(repo, capsys)
    assert [(f["file"], f["line"]) for f in data["findings"]] == [("requirements.txt", 4)]  # type: ignore[attr-defined]
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


# ---------------------------------------------------------------------------------------
# 3. Options: pip's optparse accepts unique prefixes, clusters, several options a line


@pytest.mark.parametrize(
    "line",
    ["--requirem=pins.txt", "--pre -r pins.txt", "-rpins.txt", "--requirement pins.txt --pre"],
)
def test_an_include_pip_follows_is_followed(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    repo.write("requirements.txt", f"requests==2.32.3\n{line}\n")
    repo.write("pins.txt", "litellm==1.82.8\n")  # a name discovery does not know
    data = denied_litellm(repo, capsys)
    assert data["files"] == ["pins.txt", "requirements.txt"]
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


def test_a_constraint_prefix_pins_a_range(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "litellm\n--cons=c.txt\n")
    repo.write("c.txt", "litellm==1.82.8\n")
    data = denied_litellm(repo, capsys)
    assert ("denied", "litellm") in [(f["rule"], f["package"]) for f in data["findings"]]  # type: ignore[attr-defined]
    # Without the constraint pip takes 1.83.0; with it, the denied 1.82.8.
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


def test_an_editable_prefix_installs_a_folder(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    project(repo.path / "vendor" / "litellm")
    repo.write("requirements.txt", "--edit=./vendor/litellm\n")
    denied_litellm(repo, capsys)
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


def test_every_include_on_a_line_counts(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    # pip reads the first -r of a line and ignores its -c; reading both is stricter.
    repo.write("requirements.txt", "-r a.txt -c b.txt\n")
    repo.write("a.txt", "requests==2.32.3\n")
    repo.write("b.txt", "litellm==1.82.8\n")
    data = denied_litellm(repo, capsys)
    assert data["files"] == ["a.txt", "b.txt", "requirements.txt"]


# ---------------------------------------------------------------------------------------
# 4. Includes through file: URLs


def _file_urls(path: Path) -> list[str]:
    """``file:/abs``, ``file:///abs`` and ``file://localhost/abs`` for one file."""
    return [f"file:{path}", f"file://{path}", f"file://localhost{path}"]


@pytest.mark.parametrize("form", [0, 1, 2], ids=["file:/abs", "file:///abs", "localhost"])
def test_a_file_url_include_inside_is_followed(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str], form: int
) -> None:
    url = _file_urls(repo.path / "pins.txt")[form]
    repo.write("requirements.txt", f"requests==2.32.3\n-r {url}\n")
    repo.write("pins.txt", "litellm==1.82.8\n")
    data = denied_litellm(repo, capsys)
    assert data["files"] == ["pins.txt", "requirements.txt"]
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


@pytest.mark.parametrize("form", [0, 1, 2], ids=["file:/abs", "file:///abs", "localhost"])
def test_a_file_url_include_outside_is_an_error(
    repo: Repo, pip: Pip, tmp_path: Path, capsys: pytest.CaptureFixture[str], form: int
) -> None:
    outside = tmp_path / "outside" / "pins.txt"
    outside.parent.mkdir()
    outside.write_text("litellm==1.82.8\n")
    url = _file_urls(outside)[form]
    repo.write("requirements.txt", f"requests==2.32.3\n-c {url}\n-r {url}\n")
    err = check_error(repo, capsys)
    assert f"requirements.txt:2: include {url!r} points outside the repository" in err
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


def test_a_relative_file_url_include_is_read_from_the_filesystem_root(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("requirements.txt", "-r file:pins.txt\n")
    repo.write("pins.txt", "litellm==1.82.8\n")
    assert "points outside the repository" in check_error(repo, capsys)
    # pip's requests session reads file:pins.txt as file:///pins.txt, not ./pins.txt.
    assert "file:///pins.txt" in pip.refuses(repo.path, "-r", "requirements.txt")


def test_a_file_fetched_through_a_url_must_be_plain_ascii(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    data = "requests==2.32.3  # \u00c5\n".encode()
    (repo.path / "pins.txt").write_bytes(data)
    repo.write("requirements.txt", f"-r file://{repo.path}/pins.txt\n")
    err = check_error(repo, capsys)
    assert "guesses the character set of pins.txt" in err
    # Control: pip decodes a file: URL by a guess (here not UTF-8), not as it reads a path.
    text = pip.run_python(
        "import sys\nfrom pip._internal.network.session import PipSession\n"
        f"sys.stdout.write(ascii(PipSession().get({f'file://{repo.path}/pins.txt'!r}).text))"
    )
    assert text != ascii(data.decode("utf-8"))
    # By path the same file is fine: it is what every reading of it agrees on.
    repo.write("requirements.txt", "-r pins.txt\n")
    repo.add()
    assert repo.run("check") == 0


# ---------------------------------------------------------------------------------------
# Requirement lines that are paths or file: URLs leaving the repository


def _outside_sources(outside: Path) -> list[tuple[str, str]]:
    """``(requirements file, line)``: the same folder outside the repository, spelled as
    pip accepts it. The last one resolves inside the repository against its file's folder
    (as uv reads it) but outside against the root, where pip runs for a hook."""
    return [
        ("requirements.txt", f"file:{outside}"),
        ("requirements.txt", f"file://localhost{outside}"),
        ("requirements.txt", f"file://{outside}"),
        ("requirements.txt", "file:../outside/acme-sdk"),
        ("requirements.txt", "../outside/acme-sdk"),
        ("requirements.txt", "-e ../outside/acme-sdk"),
        ("sub/requirements.txt", "../outside/acme-sdk"),
    ]


@pytest.mark.parametrize("case", range(7))
def test_a_path_leaving_the_repository_needs_a_review(
    repo: Repo, pip: Pip, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: int
) -> None:
    # An unprotected project: inside the repository it would be the repository's own
    # code and pass; outside, nobody reviews it with the repository.
    outside = project(tmp_path / "outside" / "acme-sdk", "acme-sdk", "1.0")
    project(repo.path / "outside" / "acme-sdk", "acme-sdk", "1.0")  # uv's reading of the last
    name, line = _outside_sources(outside)[case]
    repo.write(name, f"{line}\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert (code, rules(data)) == (1, [("unreviewed-source", "acme-sdk")])
    found = pip.installs(repo.path, "-r", name)
    assert [(n, v) for n, v, _ in found] == [("acme-sdk", "1.0")]
    assert found[0][2] in (f"file://{outside}", f"file://localhost{outside}")


def test_a_folder_inside_the_repository_is_its_own_code(
    repo: Repo, pip: Pip, capsys: pytest.CaptureFixture[str]
) -> None:
    # Control for the cases above: the same spellings naming a folder inside the
    # repository (by both resolutions) are the repository's own code, and pass; a vendored
    # litellm 1.82.8 is still litellm 1.82.8.
    sdk = project(repo.path / "vendor" / "acme-sdk", "acme-sdk", "1.0")
    project(repo.path / "vendor" / "litellm")
    for name, line in [
        ("requirements.txt", f"file:{sdk}"),
        ("requirements.txt", f"file://localhost{sdk}"),
        ("requirements.txt", "./vendor/acme-sdk"),
        ("requirements.txt", "file:vendor/acme-sdk"),
        ("sub/requirements.txt", "./vendor/acme-sdk"),  # uv: sub/vendor, absent
    ]:
        for stale in ("requirements.txt", "sub/requirements.txt"):
            (repo.path / stale).unlink(missing_ok=True)
        repo.write(name, f"{line}\n")
        repo.add()
        assert repo.run("check") == 0, line
        assert [(n, v) for n, v, _ in pip.installs(repo.path, "-r", name)] == [("acme-sdk", "1.0")]
    repo.write("sub/requirements.txt", "./vendor/litellm\n")
    repo.add()
    code, data = check_json(repo, capsys)
    assert (code, rules(data)) == (1, [("denied", "litellm")])
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "sub/requirements.txt"))


def test_a_wheel_outside_the_repository(
    repo: Repo, pip: Pip, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.wheels import make_wheel

    wheel = tmp_path / "outside" / "litellm-1.82.8-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(make_wheel("litellm", "1.82.8", {"litellm/__init__.py": b""}))
    repo.write("requirements.txt", f"file://localhost{wheel}\n")
    denied_litellm(repo, capsys)
    assert installs_litellm_1_82_8(pip.installs(repo.path, "-r", "requirements.txt"))


@pytest.mark.parametrize(
    ("file", "location", "inside"),
    [
        ("requirements.txt", "./vendor/pkg", True),
        ("requirements.txt", "file:{root}/vendor/pkg", True),
        ("requirements.txt", "file://{root}/vendor/pkg", True),
        ("requirements.txt", "file://localhost{root}/vendor/pkg#egg=pkg", True),
        ("requirements.txt", "file:vendor/pkg", True),
        ("requirements.txt", "file:{root}/../pkg", False),
        ("requirements.txt", "file://LOCALHOST{root}/../pkg", False),
        ("requirements.txt", "file://example.org{root}/vendor/pkg", False),
        ("requirements.txt", "file:{root}/vendor/pkg-1.0.tar.gz", False),
        ("requirements.txt", "file:{root}/vendor/p%6Bg", True),
        ("requirements.txt", "file:{root}/vendor/%2E%2E/%2E%2E/x", False),
        # Relative: from the root (pip) and from the file's folder (uv), both inside.
        ("sub/requirements.txt", "../vendor/pkg", False),
        ("sub/requirements.txt", "./pkg", True),
        ("sub/extra.in", "../../x", False),
        ("deps/other-name.txt", "../x", False),  # an include: any name is a requirements file
        # Other formats resolve against their file's folder only.
        ("packages/app/pyproject.toml", "../lib", True),
        ("packages/uv.lock", "../x", True),
    ],
)
def test_inside_resolves_paths_as_both_installers(
    tmp_path: Path, file: str, location: str, inside: bool
) -> None:
    from guard.engine.check import _inside
    from guard.model import Dependency

    root = tmp_path / "repo"
    root.mkdir()
    dep = Dependency("pkg", file, 1, source="path", location=location.format(root=root))
    assert _inside(dep, root) is inside
