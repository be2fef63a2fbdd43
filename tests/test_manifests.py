"""Tests of the dependency-file readers in :mod:`guard.manifests`, on real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from guard.errors import InputError
from guard.manifests import ReadContext, discover, read_all, read_file
from guard.manifests.pyproject import poetry_constraint
from guard.model import Dependency

# Realistic-looking sha256 digests (64 hex digits).
ANYIO_SDIST = "82cd46dfdd2d305eebcd5e35c9e871988002738cb065907c1747de14161790a4"
ANYIO_WHEEL = "600caf00b4bdfafd542996ee4c41e9de99baf78da840ac360dabfdfaf9d0ed50"
IDNA_SDIST = "583173fe9ad1b3b3b46b18836d939142f0734c8a76fc5f9d15d1563c7dca54c9"
IDNA_WHEEL = "69bd597bfe9de4ea8a156f28541fb5f165f47a2a1a58574ec0b963f9c77eb1ba"
LOCAL_WHEEL = "7a159133b5344cacf3a266a779a83b8a4761c73e517122b2b150d1a0575ecf02"
CERTIFI_WHEEL = "123be5b01e5a31549c3cba610a83c5d31916cf13d1d5d1a0dce697c78b887de7"
CERTIFI_SDIST = "5e1e6c71ccaa1603fac2b9a249db7b40636fb1c67155b54672c5df1fc6e87d8f"
CRYPTO_1 = "451faece9cab5e12889057fbdb48f4c5b44d30ab136971e4949ca73e5c350d3d"
CRYPTO_2 = "417061100983093ec9b4a5ef70d6bdda1eaf6423018373edd36a5683dd8c5344"
SIX_WHEEL = "44778d82365e4af681c40d5f0eef5cf6f5899d3f0ac335050a7ed6779cf3f674"
INTERNAL_WHEEL = "217b86f88d2a522c00f60a0c6a44562948f595e25d835b20640a27a5cc96349a"
SIMPLEJSON_SDIST = "0c3d8cf0d02af4c99f9dbd351591fe5098c1edbcbf854539ac9b5d02df373cf0"
COMMIT = "9f2c1e4b7a0d3c5e8f6a1b2c3d4e5f60718293a4"
FILES = "https://files.pythonhosted.org/packages"


def write(root: Path, relpath: str, content: str | bytes) -> Path:
    """Write ``content`` (dedented if text) to ``root/relpath`` and return the path."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return path


def read(root: Path, relpath: str) -> list[Dependency]:
    """Read one file of the repository at ``root`` the way the checker does."""
    return read_file(root / relpath, ReadContext(root))


def by_name(deps: list[Dependency]) -> dict[str, Dependency]:
    found: dict[str, Dependency] = {}
    for dep in deps:
        assert dep.name not in found, f"{dep.name} read twice"
        found[dep.name] = dep
    return found


def read_error(root: Path, relpath: str) -> InputError:
    with pytest.raises(InputError) as info:
        read(root, relpath)
    return info.value


# ---------------------------------------------------------------------------------------
# requirements files

REQUIREMENTS = f"""
    # Application requirements, maintained by hand.
    --index-url https://pypi.org/simple
    --extra-index-url https://download.example.com/simple
    -r requirements/base.txt
    --constraint constraints.txt

    Django[bcrypt,argon2]==4.2.11 ; python_version >= "3.10"  # LTS
    requests>=2.31,<3
    urllib3==2.2.*
    certifi===2024.2.2
    cryptography==42.0.5 \\
        --hash=sha256:{CRYPTO_1} \\
        --hash=sha256:{CRYPTO_2.upper()}
    tomli>=2.0; python_version < "3.11"
    attrs @ {FILES}/e0/44/attrs-23.2.0-py3-none-any.whl
    {FILES}/d9/5a/six-1.16.0-py2.py3-none-any.whl#sha256={SIX_WHEEL}
    git+https://github.com/psf/black.git@24.2.0#egg=black
    httpx @ git+https://github.com/encode/httpx@0.27.0
    -e .
    -e ./plugins/my_plugin
    --editable=git+https://github.com/pallets/click.git@8.1.7#egg=click
    ./vendor/Some_Lib
    wheels/pycparser-2.21-py2.py3-none-any.whl
    file:///opt/src/localpkg#egg=localpkg
    --pre
    --no-binary :all:
    --only-binary=:none:
    --trusted-host download.example.com
    -f https://example.com/wheels
    --find-links ./wheels
    Foo.Bar_baz==1.0 \\
        # a full-line comment ends the continuation
    packaging # an inline comment
    https://example.com/archive/simplejson-3.19.2.tar.gz
    PyYAML @ file:///opt/wheels/PyYAML-6.0.1.tar.gz
"""


@pytest.fixture
def requirements_repo(tmp_path: Path) -> Path:
    write(tmp_path, "requirements.txt", REQUIREMENTS)
    write(tmp_path, "requirements/base.txt", "# shared\n--requirement=../common.txt\nrich>=13\n")
    write(tmp_path, "common.txt", "idna==3.6\n")
    write(tmp_path, "constraints.txt", "-rcommon.txt\ncharset-normalizer==3.3.2\n")
    write(tmp_path, "pyproject.toml", '[project]\nname = "demo_app"\nversion = "1.0"\n')
    write(tmp_path, "plugins/my_plugin/setup.cfg", "[metadata]\nname = acme.plugin\n")
    write(tmp_path, "vendor/Some_Lib/setup.py", "raise SystemExit('never run')\n")
    return tmp_path


def test_requirements_order_files_and_lines(requirements_repo: Path) -> None:
    deps = read(requirements_repo, "requirements.txt")
    assert [(d.file, d.line, d.name) for d in deps] == [
        ("common.txt", 1, "idna"),
        ("requirements/base.txt", 3, "rich"),
        ("constraints.txt", 2, "charset-normalizer"),
        ("requirements.txt", 7, "django"),
        ("requirements.txt", 8, "requests"),
        ("requirements.txt", 9, "urllib3"),
        ("requirements.txt", 10, "certifi"),
        ("requirements.txt", 11, "cryptography"),
        ("requirements.txt", 14, "tomli"),
        ("requirements.txt", 15, "attrs"),
        ("requirements.txt", 16, "six"),
        ("requirements.txt", 17, "black"),
        ("requirements.txt", 18, "httpx"),
        ("requirements.txt", 19, "demo-app"),
        ("requirements.txt", 20, "acme-plugin"),
        ("requirements.txt", 21, "click"),
        ("requirements.txt", 22, "some-lib"),
        ("requirements.txt", 23, "pycparser"),
        ("requirements.txt", 24, "localpkg"),
        ("requirements.txt", 31, "foo-bar-baz"),
        ("requirements.txt", 33, "packaging"),
        ("requirements.txt", 34, "simplejson"),
        ("requirements.txt", 35, "pyyaml"),
    ]
    assert all(not d.locked for d in deps)


@pytest.mark.parametrize(
    ("name", "version", "specifier", "source", "location"),
    [
        ("django", "4.2.11", "", "index", None),
        ("requests", None, "<3,>=2.31", "index", None),
        ("urllib3", None, "==2.2.*", "index", None),
        ("certifi", "2024.2.2", "", "index", None),
        ("cryptography", "42.0.5", "", "index", None),
        ("tomli", None, ">=2.0", "index", None),
        ("attrs", "23.2.0", "", "url", f"{FILES}/e0/44/attrs-23.2.0-py3-none-any.whl"),
        (
            "six",
            "1.16.0",
            "",
            "url",
            f"{FILES}/d9/5a/six-1.16.0-py2.py3-none-any.whl#sha256={SIX_WHEEL}",
        ),
        ("black", None, "", "vcs", "git+https://github.com/psf/black.git@24.2.0#egg=black"),
        ("httpx", None, "", "vcs", "git+https://github.com/encode/httpx@0.27.0"),
        ("demo-app", None, "", "path", "."),
        ("acme-plugin", None, "", "path", "./plugins/my_plugin"),
        ("click", None, "", "vcs", "git+https://github.com/pallets/click.git@8.1.7#egg=click"),
        ("some-lib", None, "", "path", "./vendor/Some_Lib"),
        ("pycparser", "2.21", "", "path", "wheels/pycparser-2.21-py2.py3-none-any.whl"),
        ("localpkg", None, "", "path", "file:///opt/src/localpkg#egg=localpkg"),
        ("foo-bar-baz", "1.0", "", "index", None),
        ("packaging", None, "", "index", None),
        ("simplejson", "3.19.2", "", "url", "https://example.com/archive/simplejson-3.19.2.tar.gz"),
        ("pyyaml", "6.0.1", "", "url", "file:///opt/wheels/PyYAML-6.0.1.tar.gz"),
    ],
)
def test_requirements_values(
    requirements_repo: Path,
    name: str,
    version: str | None,
    specifier: str,
    source: str,
    location: str | None,
) -> None:
    dep = by_name(read(requirements_repo, "requirements.txt"))[name]
    assert (dep.version, dep.specifier, dep.source, dep.location) == (
        version,
        specifier,
        source,
        location,
    )


def test_requirements_hashes_markers_extras(requirements_repo: Path) -> None:
    deps = by_name(read(requirements_repo, "requirements.txt"))
    assert deps["cryptography"].hashes == {f"sha256:{CRYPTO_1}", f"sha256:{CRYPTO_2}"}
    assert deps["six"].hashes == {f"sha256:{SIX_WHEEL}"}
    assert deps["requests"].hashes == frozenset()
    assert deps["django"].marker == 'python_version >= "3.10"'
    assert deps["django"].extras == ("argon2", "bcrypt")
    assert deps["tomli"].marker == 'python_version < "3.11"'
    assert deps["packaging"].marker is None


def test_requirements_file_reached_twice_is_read_once(requirements_repo: Path) -> None:
    root = requirements_repo
    paths = [root / "requirements.txt", root / "requirements/base.txt", root / "common.txt"]
    deps = read_all(paths, ReadContext(root))
    assert [d.file for d in deps].count("common.txt") == 1
    assert [d.file for d in deps].count("requirements/base.txt") == 1


def test_editable_dot_in_subfolder_names_the_project(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "Demo.App"\n')
    write(tmp_path, "requirements/dev.txt", "pytest==8.2.0\n-e .\n-e ../tools/unknown_dir\n")
    deps = read(tmp_path, "requirements/dev.txt")
    assert [(d.name, d.line, d.source, d.location) for d in deps] == [
        ("pytest", 1, "index", None),
        ("demo-app", 2, "path", "."),
        ("unknown-dir", 3, "path", "../tools/unknown_dir"),
    ]


def test_continuations_hashes_on_their_own_lines(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        f"""
        # pip-compile --generate-hashes
        certifi==2024.7.4 \\
            --hash=sha256:{CERTIFI_WHEEL} \\
            --hash=sha256:{CERTIFI_SDIST}
            # via requests
        idna==3.10 \\
            --hash sha256:{IDNA_WHEEL}
        """,
    )
    deps = read(tmp_path, "requirements.txt")
    assert [(d.name, d.line, d.version, d.hashes) for d in deps] == [
        (
            "certifi",
            2,
            "2024.7.4",
            frozenset({f"sha256:{CERTIFI_WHEEL}", f"sha256:{CERTIFI_SDIST}"}),
        ),
        ("idna", 6, "3.10", frozenset({f"sha256:{IDNA_WHEEL}"})),
    ]


@pytest.mark.parametrize(
    ("files", "entry", "where", "line", "message"),
    [
        (
            {"a.txt": "six==1.16.0\n-r b.txt\n", "b.txt": "# b\n-r a.txt\n"},
            "a.txt",
            "b.txt",
            2,
            "include cycle: a.txt -> b.txt -> a.txt",
        ),
        (
            {"requirements.txt": "-r requirements.txt\n"},
            "requirements.txt",
            "requirements.txt",
            1,
            "include cycle: requirements.txt -> requirements.txt",
        ),
        (
            {"requirements.txt": "six\n\n-r ../outside.txt\n"},
            "requirements.txt",
            "requirements.txt",
            3,
            "include '../outside.txt' points outside the repository",
        ),
        (
            {"requirements.txt": "six\n# comment\n-c missing.txt\n"},
            "requirements.txt",
            "requirements.txt",
            3,
            "included file not found: missing.txt",
        ),
        (
            {"requirements.txt": "-r https://example.com/reqs.txt\n"},
            "requirements.txt",
            "requirements.txt",
            1,
            "cannot follow a remote include: https://example.com/reqs.txt",
        ),
        (
            {"requirements.txt": "requests>=2\nfoo==1.0 bar\n"},
            "requirements.txt",
            "requirements.txt",
            2,
            "invalid requirement: 'foo==1.0 bar': Expected comma",
        ),
        (
            {"requirements.txt": "six\nfoo==1.0 \\\n  bar \\\n  --hash=sha256:ab\n"},
            "requirements.txt",
            "requirements.txt",
            2,
            "invalid requirement: 'foo==1.0 bar'",
        ),
        (
            {"requirements.txt": "-r sub/dev.txt\n", "sub/dev.txt": "pytest\n!!bad\n"},
            "requirements.txt",
            "sub/dev.txt",
            2,
            "invalid requirement: '!!bad'",
        ),
        (
            {"requirements.txt": "six==1.16.0 --hash=sha256\n"},
            "requirements.txt",
            "requirements.txt",
            1,
            "invalid --hash value 'sha256'",
        ),
        (
            {"requirements.txt": "six\nhttps://example.com/download/latest.zip\n"},
            "requirements.txt",
            "requirements.txt",
            2,
            "cannot tell which package",
        ),
        (
            {"requirements.txt": "./pkg ; python_version >>> '3'\n"},
            "requirements.txt",
            "requirements.txt",
            1,
            "invalid marker",
        ),
        (
            {"requirements.txt": "-r\n"},
            "requirements.txt",
            "requirements.txt",
            1,
            "option -r needs a value",
        ),
    ],
)
def test_requirements_errors(
    tmp_path: Path, files: dict[str, str], entry: str, where: str, line: int, message: str
) -> None:
    repo = tmp_path / "repo"
    write(tmp_path, "outside.txt", "six\n")
    for name, content in files.items():
        write(repo, name, content)
    error = read_error(repo, entry)
    assert (error.path, error.line) == (where, line)
    assert message in error.detail


def test_requirements_not_utf8(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", b"six==1.16.0\nd\xe9j\xe0-vu==1.0\n")
    error = read_error(tmp_path, "requirements.txt")
    assert (error.path, error.line, error.detail) == ("requirements.txt", 2, "not valid UTF-8 text")


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"six==1.16.0\nidna\x00==3.6\n", 2, "contains a NUL character"),
        (b"six\nhttps://[::1/pkg-1.0-py3-none-any.whl\n", 2, "invalid URL"),
        (b"six\n-r " + b"x" * 5000 + b".txt\n", 2, "included file not found"),
        (b"-r loop.txt\n", 1, "cannot resolve include 'loop.txt'"),
    ],
)
def test_requirements_hostile_input(
    tmp_path: Path, content: bytes, line: int, message: str
) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop.txt")
    write(tmp_path, "requirements.txt", content)
    error = read_error(tmp_path, "requirements.txt")
    assert (error.path, error.line) == ("requirements.txt", line)
    assert message in error.detail


def test_requirements_overlong_local_path_is_an_input_error(tmp_path: Path) -> None:
    """Too long for the file system, and so for a package name: refused with file:line."""
    write(tmp_path, "requirements.txt", "-e ./" + "a" * 5000 + "\n")
    error = read_error(tmp_path, "requirements.txt")
    assert (error.path, error.line) == ("requirements.txt", 1)
    assert "a package name longer than 200 characters" in error.detail
    write(tmp_path, "requirements.txt", "-e ./" + "a" * 200 + "\n")  # control: at the cap
    (dep,) = read(tmp_path, "requirements.txt")
    assert (dep.name, dep.source, dep.line) == ("a" * 200, "path", 1)


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("requirements.txt", "a" * 201 + "==1.0\n"),
        ("requirements.txt", "openai===" + "1" * 5000 + "\n"),
        (
            "uv.lock",
            'version = 1\n[[package]]\nname = "' + "a" * 201 + '"\nversion = "1.0"\n'
            'source = { registry = "https://pypi.org/simple" }\n',
        ),
        (
            "pylock.toml",
            'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "openai"\n'
            'version = "1.' + "0" * 5000 + '"\n'
            '[packages.archive]\nurl = "https://x/openai.tar.gz"\n'
            'hashes = {sha256 = "' + "a" * 64 + '"}\n',
        ),
    ],
)
def test_names_and_versions_too_long_are_input_errors(
    tmp_path: Path, filename: str, content: str
) -> None:
    write(tmp_path, filename, content)
    error = read_error(tmp_path, filename)
    assert error.path == filename
    assert "longer than" in error.detail


def test_requirements_relative_file_url_to_a_directory(tmp_path: Path) -> None:
    write(tmp_path, "libs/core/pyproject.toml", '[project]\nname = "acme-core"\n')
    write(tmp_path, "requirements/prod.txt", "-e file:../libs/core\nfile:../libs/core\n")
    deps = read(tmp_path, "requirements/prod.txt")
    assert [(d.name, d.line, d.source, d.location) for d in deps] == [
        ("acme-core", 1, "path", "file:../libs/core"),
        ("acme-core", 2, "path", "file:../libs/core"),
    ]


def test_requirements_include_of_a_symlink_leaving_the_repo(tmp_path: Path) -> None:
    write(tmp_path, "elsewhere/shared.txt", "six\n")
    repo = tmp_path / "repo"
    write(repo, "requirements.txt", "-r shared.txt\n")
    (repo / "shared.txt").symlink_to(tmp_path / "elsewhere/shared.txt")
    error = read_error(repo, "requirements.txt")
    assert (error.path, error.line) == ("requirements.txt", 1)
    assert "outside the repository" in error.detail


def names_lines(deps: list[Dependency]) -> list[tuple[str, int, str | None]]:
    return [(d.name, d.line, d.version) for d in deps]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # pip splits with str.splitlines(): every one of these ends a line (and a comment).
        *(
            (
                f"six==1.16.0  # x{end}idna==3.6\n".encode(),
                [("six", 1, "1.16.0"), ("idna", 2, "3.6")],
            )
            for end in ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
        ),
        # Numbers are pip's: CRLF is one line end, a lone CR another.
        (b"six\r\n\r\nidna\rrich\n", [("six", 1, None), ("idna", 3, None), ("rich", 4, None)]),
        # A comment line ends a continuation (pip); a comment ending in a backslash swallows
        # the next line for pip, not for uv, which ends comments at the line end: read.
        (b"six \\\n# note\nidna\n", [("six", 1, None), ("idna", 3, None)]),
        (b"six\\\n# note\nidna\n", [("six", 1, None), ("idna", 3, None)]),
        (b"six  # note \\\nidna==3.6\n", [("six", 1, None), ("idna", 2, "3.6")]),
        (b"-r a.txt # \\\nidna==3.6\n", [("rich", 1, None), ("idna", 2, "3.6")]),
        # Several readings do not read a line twice.
        (b"six\nsix\n", [("six", 1, None), ("six", 2, None)]),
    ],
)
def test_requirements_line_ends_and_continuations(
    tmp_path: Path, content: bytes, expected: list[tuple[str, int, str | None]]
) -> None:
    write(tmp_path, "a.txt", "rich\n")
    write(tmp_path, "requirements.txt", content)
    assert names_lines(read(tmp_path, "requirements.txt")) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # BOMs win over any declaration, UTF-32 checked before UTF-16 (as current pip).
        ("# coding: latin-1\nsix\n".encode("utf-16"), [("six", 2, None)]),
        ("six\nidna\n".encode("utf-32"), [("six", 1, None), ("idna", 2, None)]),
        (b"\xef\xbb\xbfsix\n", [("six", 1, None)]),
        # A PEP 263 declaration on line 1 or 2 decodes the whole file; pip decodes utf-7's
        # "+AAo-" as a line end, uv (UTF-8) sees a comment: both readings count.
        (
            b"# coding: utf-7\nsix  # +AAo-idna+AD0APQ-3.6\n",
            [("six", 2, None), ("idna", 3, "3.6")],
        ),
        (b"#!/x\n# vim: set fileencoding=utf-7 :\nsix+AD0APQ-1.0\n", None),
        (
            b"# -*- coding: unicode_escape -*-\n# \\nidna==3.6\nsix\n",
            [("idna", 3, "3.6"), ("six", 4, None)],
        ),
        (b"# coding: latin-1\nsix  # caf\xe9\n", [("six", 2, None)]),
        # A declaration on line 3 is no declaration: the file is UTF-8.
        (b"#\n#\n# coding: utf-7\nsix+AD0APQ-1.0\n", None),
        (b"# -*- coding: utf-8 -*-\nsix==1.16.0  # caf\xc3\xa9\n", [("six", 2, "1.16.0")]),
    ],
)
def test_requirements_encodings(
    tmp_path: Path, content: bytes, expected: list[tuple[str, int, str | None]] | None
) -> None:
    write(tmp_path, "requirements.txt", content)
    if expected is None:  # the UTF-8 reading (uv's) of the line is no requirement
        assert (
            "invalid requirement: 'six+AD0APQ-1.0'"
            in read_error(tmp_path, "requirements.txt").detail
        )
    else:
        assert names_lines(read(tmp_path, "requirements.txt")) == expected


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"# coding: no-such-codec\nsix\n", 1, "declares encoding 'no-such-codec', which is"),
        (b"#!/usr/bin/env x\n# coding=rot13\nsix\n", 2, "declares encoding 'rot13'"),
        (b"# coding: zlib\nsix\n", 1, "not a text encoding"),
        (b"# coding: ascii\nsix\nidna  # caf\xc3\xa9\n", 3, "not valid ascii text"),
        (b"# coding: utf-8\nsix\nd\xe9j\xe0\n", 3, "not valid UTF-8 text"),
        (b"six\x0bidna\x0cd\xe9j\xe0\n", 3, "not valid UTF-8 text"),
        (b"# coding: undefined\nsix\n", 1, "cannot be decoded as undefined"),
    ],
)
def test_requirements_encoding_errors(
    tmp_path: Path, content: bytes, line: int, message: str
) -> None:
    write(tmp_path, "requirements.txt", content)
    error = read_error(tmp_path, "requirements.txt")
    assert (error.path, error.line) == ("requirements.txt", line)
    assert message in error.detail


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # optparse, as pip: unique prefixes, clusters, values after "=" or a space.
        ("--requirem=pins.txt", ["pins.txt"]),
        ("--requirement=pins.txt", ["pins.txt"]),
        ("-rpins.txt", ["pins.txt"]),
        ("--cons c.txt", ["c.txt"]),
        ("--pre -r pins.txt", ["pins.txt"]),
        ("--index-url https://example.org/simple -c c.txt --pre", ["c.txt"]),
        ("-r pins.txt -c c.txt -r more.txt", ["pins.txt", "more.txt", "c.txt"]),
        ("-r pins.txt extra words", ["pins.txt"]),
        # An option value is taken whatever it looks like: here -r is the index URL.
        ("--index-url -r pins.txt", []),
        # pip rejects these lines; they are scanned for -r/-c/-e all the same. An
        # ambiguous prefix counts as the one include option it can abbreviate.
        ("--no-such-option -r pins.txt", ["pins.txt"]),
        ("--c=c.txt", ["c.txt"]),
        ("--req pins.txt", ["pins.txt"]),
        ("-xr pins.txt", ["pins.txt"]),
        # Options pip knows and bumpguard has no use for are skipped.
        ("--no-binary :all:", []),
        ("--hash=sha256:ab", []),
        ("-- -r pins.txt", []),
    ],
)
def test_requirements_option_lines(tmp_path: Path, line: str, expected: list[str]) -> None:
    write(tmp_path, "pins.txt", "six==1.16.0\n")
    write(tmp_path, "more.txt", "rich==13.7.1\n")
    write(tmp_path, "c.txt", "idna==3.6\n")
    write(tmp_path, "requirements.txt", f"{line}\n")
    deps = read(tmp_path, "requirements.txt")
    assert [d.file for d in deps] == expected


def test_requirements_editables_and_hashes_with_prefixes(tmp_path: Path) -> None:
    write(tmp_path, "pkg/setup.cfg", "[metadata]\nname = acme.pkg\n")
    write(tmp_path, "pins.txt", "six==1.16.0\n")
    write(
        tmp_path,
        "requirements.txt",
        f"--edit=./pkg\n-e ./pkg -r pins.txt\n"
        f"idna==3.6 --h=sha256:{IDNA_WHEEL} --install-option=x -c pins.txt\n",
    )
    deps = read(tmp_path, "requirements.txt")
    assert [(d.name, d.file, d.line) for d in deps] == [
        ("acme-pkg", "requirements.txt", 1),
        ("six", "pins.txt", 1),
        ("acme-pkg", "requirements.txt", 2),
        ("idna", "requirements.txt", 3),
    ]
    assert deps[3].hashes == {f"sha256:{IDNA_WHEEL}"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("-r", "option -r needs a value"),
        ("--pre --requirem", "option --requirement needs a value"),
        ("--editable", "option --editable needs a value"),
        ("six==1.16.0 --hash", "option --hash needs a value"),
        ("six==1.16.0 --ha=md4:ab", "invalid --hash value 'md4:ab'"),
        ("-r 'pins.txt", "cannot split options"),
    ],
)
def test_requirements_option_errors(tmp_path: Path, line: str, message: str) -> None:
    write(tmp_path, "requirements.txt", f"six\n{line}\n")
    error = read_error(tmp_path, "requirements.txt")
    assert (error.path, error.line) == ("requirements.txt", 2)
    assert error.detail.startswith(message)


def test_requirements_file_url_includes(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "pins.txt", "six==1.16.0\n")
    write(repo, "sub/more.txt", "-r ../pins.txt\nrich\n")
    write(
        repo,
        "requirements.txt",
        f"-r file:{repo}/sub/more.txt\n-c file://localhost{repo}/pins.txt?x=1#y\n",
    )
    deps = read(repo, "requirements.txt")
    assert [(d.name, d.file) for d in deps] == [("six", "pins.txt"), ("rich", "sub/more.txt")]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("file:{outside}", "points outside the repository"),
        ("file://{outside}", "points outside the repository"),
        ("file://localhost{outside}", "points outside the repository"),
        ("FILE:{repo}/../outside.txt", "points outside the repository"),
        ("file:{repo}/%2E%2E/outside.txt", "points outside the repository"),
        # pip's requests session reads file:x as file:///x: from the filesystem root.
        ("file:pins.txt", "points outside the repository"),
        ("file://example.org{repo}/pins.txt", "a file: URL on another host"),
        ("https://example.org/pins.txt", "cannot follow a remote include"),
    ],
)
def test_requirements_file_url_include_errors(tmp_path: Path, value: str, message: str) -> None:
    repo = tmp_path / "repo"
    write(tmp_path, "outside.txt", "six\n")
    write(repo, "pins.txt", "six\n")
    url = value.format(outside=tmp_path / "outside.txt", repo=repo)
    write(repo, "requirements.txt", f"idna\n-r {url}\n")
    error = read_error(repo, "requirements.txt")
    assert (error.path, error.line) == ("requirements.txt", 2)
    assert message in error.detail


def test_requirements_fetched_through_a_file_url_must_be_plain_ascii(tmp_path: Path) -> None:
    # pip decodes a file it fetches through a file: URL by a guess of its character set
    # (chardet): a non-ASCII byte, ESC or "~{" changes the guess, and so the lines.
    write(tmp_path, "pins.txt", "-r more.txt\n")
    write(tmp_path, "more.txt", "six==1.16.0  # caf\u00e9\n")
    write(tmp_path, "requirements.txt", f"-r file:{tmp_path}/pins.txt\n")
    error = read_error(tmp_path, "requirements.txt")  # pip fetches more.txt by URL too
    assert (error.path, error.line) == ("pins.txt", 1)
    assert "guesses the character set of more.txt" in error.detail
    # The same when pins.txt was read by path first (what it includes is known then).
    with pytest.raises(InputError) as info:
        read_all([tmp_path / "pins.txt", tmp_path / "requirements.txt"], ReadContext(tmp_path))
    assert (info.value.path, info.value.line) == ("requirements.txt", 1)
    assert "guesses the character set of more.txt" in info.value.detail
    for content in ("six  # \x1b$B\n", "six~{x}\n"):
        write(tmp_path, "more.txt", content)
        assert "more.txt" in read_error(tmp_path, "requirements.txt").detail
    write(tmp_path, "more.txt", "six==1.16.0  # cafe\n")
    assert [d.file for d in read(tmp_path, "requirements.txt")] == ["more.txt"]
    # By path, a UTF-8 file is read as UTF-8 (pip and uv agree).
    write(tmp_path, "more.txt", "six==1.16.0  # caf\u00e9\n")
    write(tmp_path, "requirements.txt", "-r pins.txt\n")
    assert [d.file for d in read(tmp_path, "requirements.txt")] == ["more.txt"]


# ---------------------------------------------------------------------------------------
# pyproject.toml

PYPROJECT = """
    [build-system]
    requires = ["hatchling>=1.21", "hatch-vcs"]
    build-backend = "hatchling.build"

    [project]
    name = "demo-app"
    version = "1.0.0"
    requires-python = ">=3.10"
    dependencies = [
        "requests>=2.31",
        "rich==13.7.1",
        'tomli>=2; python_version < "3.11"',
    ]

    [project.optional-dependencies]
    test = ["pytest>=8", "coverage[toml]>=7"]
    docs = [
        "sphinx>=7",
        "pytest>=8",
    ]

    [dependency-groups]
    lint = ["ruff==0.4.4"]
    test = [
        "pytest>=8",
        {include-group = "lint"},
    ]
    dev = [{include-group = "test"}, "ipython"]

    [tool.poetry]
    packages = [{ include = "demo" }]

    [[tool.poetry.source]]
    name = "internal"
    url = "https://pypi.internal.example.com/simple"
    priority = "supplemental"

    [tool.poetry.dependencies]
    python = "^3.10"
    requests = "^2.31.0"
    pendulum = "~3.0.0"
    tzdata = "2024.1"
    numpy = [
        { version = "<1.26", python = "<3.12" },
        { version = "^1.26", python = ">=3.12" },
    ]
    black = { version = "^24.1", extras = ["d"], optional = true, markers = "sys_platform != 'win32'" }
    mylib = { git = "https://github.com/acme/mylib.git", tag = "v1.2.0" }
    localpkg = { path = "../localpkg", develop = true }
    wheelpkg = { url = "https://example.com/wheelpkg-1.0-py3-none-any.whl" }
    Private_Lib = { version = "*", source = "internal" }

    [tool.poetry.dev-dependencies]
    pytest = "^7.4"

    [tool.poetry.group.test.dependencies]
    pytest = ">=8.0,<9"
    coverage = "7.4.*"
"""  # noqa: E501


def test_pyproject_entries(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", PYPROJECT)
    deps = read(tmp_path, "pyproject.toml")
    internal = "https://pypi.internal.example.com/simple"
    assert [(d.name, d.line, d.version, d.specifier, d.source, d.location) for d in deps] == [
        # [project]
        ("requests", 10, None, ">=2.31", "index", None),
        ("rich", 11, "13.7.1", "", "index", None),
        ("tomli", 12, None, ">=2", "index", None),
        ("pytest", 16, None, ">=8", "index", None),
        ("coverage", 16, None, ">=7", "index", None),
        ("sphinx", 18, None, ">=7", "index", None),
        ("pytest", 19, None, ">=8", "index", None),
        # [dependency-groups]
        ("ruff", 23, "0.4.4", "", "index", None),
        ("pytest", 25, None, ">=8", "index", None),
        ("ipython", 28, None, "", "index", None),
        # [build-system]
        ("hatchling", 2, None, ">=1.21", "index", None),
        ("hatch-vcs", 2, None, "", "index", None),
        # Poetry
        ("requests", 40, None, ">=2.31.0,<3.0.0", "index", None),
        ("pendulum", 41, None, ">=3.0.0,<3.1.0", "index", None),
        ("tzdata", 42, "2024.1", "", "index", None),
        ("numpy", 44, None, "<1.26", "index", None),
        ("numpy", 45, None, ">=1.26,<2.0", "index", None),
        ("black", 47, None, ">=24.1,<25.0", "index", None),
        ("mylib", 48, None, "", "vcs", "git+https://github.com/acme/mylib.git@v1.2.0"),
        ("localpkg", 49, None, "", "path", "../localpkg"),
        ("wheelpkg", 50, None, "", "url", "https://example.com/wheelpkg-1.0-py3-none-any.whl"),
        ("private-lib", 51, None, "", "index", internal),
        ("pytest", 54, None, ">=7.4,<8.0", "index", None),
        ("pytest", 57, None, ">=8.0,<9", "index", None),
        ("coverage", 58, None, "==7.4.*", "index", None),
    ]
    assert all(d.file == "pyproject.toml" and not d.locked for d in deps)
    black = next(d for d in deps if d.name == "black")
    assert (black.extras, black.marker) == (("d",), 'sys_platform != "win32"')
    tomli = next(d for d in deps if d.name == "tomli")
    assert tomli.marker == 'python_version < "3.11"'
    coverage = next(d for d in deps if d.name == "coverage")
    assert coverage.extras == ("toml",)


def test_pyproject_poetry_subtable_and_dotted_group(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
        [tool.poetry.dependencies]
        python = ">=3.10,<4"

        [tool.poetry.dependencies.requests]
        version = "2.32.3"
        extras = ["socks"]

        [tool.poetry.group.docs]
        optional = true

        [tool.poetry.group.docs.dependencies]
        mkdocs = "^1.6"
        """,
    )
    deps = read(tmp_path, "pyproject.toml")
    assert [(d.name, d.line, d.version, d.specifier, d.extras) for d in deps] == [
        ("requests", 4, "2.32.3", "", ("socks",)),
        ("mkdocs", 12, None, ">=1.6,<2.0", ()),
    ]


@pytest.mark.parametrize(
    ("constraint", "version", "specifier"),
    [
        ("^1.2.3", None, ">=1.2.3,<2.0.0"),
        ("^0.2.3", None, ">=0.2.3,<0.3.0"),
        ("^0.0.3", None, ">=0.0.3,<0.0.4"),
        ("^1.2", None, ">=1.2,<2.0"),
        ("^0", None, ">=0,<1"),
        ("~1.2.3", None, ">=1.2.3,<1.3.0"),
        ("~1", None, ">=1,<2"),
        ("~=1.2", None, "~=1.2"),
        ("1.2.*", None, "==1.2.*"),
        ("*", None, ""),
        (">=1,<2", None, ">=1,<2"),
        (">= 1.0 < 2.0", None, ">=1.0,<2.0"),
        ("1.2.3", "1.2.3", ""),
        ("==1.2.3", "1.2.3", ""),
        ("!=1.5", None, "!=1.5"),
        ("^1.2 || ^3.0", None, ">=1.2,<2.0 || >=3.0,<4.0"),
    ],
)
def test_poetry_constraints(constraint: str, version: str | None, specifier: str) -> None:
    assert poetry_constraint(constraint) == (version, specifier)


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ('[project]\nname = "x"\ndependencies = "requests"\n', 3, "must be a list of strings"),
        ('[project]\ndependencies = [\n  "requests",\n  3,\n]\n', 2, "must be a list of strings"),
        ('[project]\nname = "x\nversion = "1"\n', 2, "invalid TOML"),
        ('[project]\noptional-dependencies = ["pytest"]\n', 2, "must be a table"),
        ('[project]\ndependencies = [\n  "requests",\n  "foo==1.0 bar",\n]\n', 4, "invalid"),
        ('project = "demo"\n', 1, "[project] must be a table"),
        ('[build-system]\nrequires = "setuptools"\n', 2, "must be a list of strings"),
        (
            '[dependency-groups]\ntest = ["pytest"]\ndev = [\n  {include-group = "lint"},\n]\n',
            4,
            "includes unknown group 'lint'",
        ),
        (
            '[dependency-groups]\na = ["six", {include-group = "b"}]\n'
            'b = [{include-group = "a"}]\n',
            3,
            "include cycle",
        ),
        ('[dependency-groups]\nself = [\n  {include-group = "self"},\n]\n', 3, "include cycle"),
        ('[dependency-groups]\nlint = [{include = "x"}]\n', 2, "invalid item"),
        ('[dependency-groups]\nlint = "ruff"\n', 2, "must be a list"),
        ('[dependency-groups]\nlint = ["ruff"]\nLint = ["black"]\n', 1, "Duplicate"),
        ('[tool.poetry.dependencies]\npython = "^3.10"\nrequests = 3\n', 3, "must be a version"),
        ('[tool.poetry.dependencies]\nrequests = "^abc"\n', 2, "invalid version constraint"),
        ("[tool.poetry.dependencies]\nrequests = {version = 2}\n", 2, "must be a string"),
        ('[tool.poetry]\ngroup = "dev"\n', 2, "[tool.poetry.group] must be a table"),
        ('[tool.poetry]\ndependencies = ["requests"]\n', 2, "must be a table"),
        ('[tool.poetry.group.dev.dependencies]\n"bad name!" = "1.0"\n', 2, "invalid package name"),
    ],
)
def test_pyproject_errors(tmp_path: Path, content: str, line: int, message: str) -> None:
    write(tmp_path, "pyproject.toml", content)
    error = read_error(tmp_path, "pyproject.toml")
    assert (error.path, error.line) == ("pyproject.toml", line)
    assert message in error.detail


def test_pyproject_not_utf8(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", b'[project]\nname = "d\xff"\n')
    error = read_error(tmp_path, "pyproject.toml")
    assert (error.path, error.line) == ("pyproject.toml", 2)


# ---------------------------------------------------------------------------------------
# uv.lock

UV_LOCK = f"""
    version = 1
    revision = 2
    requires-python = ">=3.10"

    [options]
    exclude-newer = "2025-01-01T00:00:00Z"

    [manifest]
    members = ["demo-app"]

    [[package]]
    name = "anyio"
    version = "4.8.0"
    source = {{ registry = "https://pypi.org/simple" }}
    dependencies = [
        {{ name = "idna" }},
        {{ name = "sniffio" }},
    ]
    sdist = {{ url = "{FILES}/a3/73/anyio-4.8.0.tar.gz", hash = "sha256:{ANYIO_SDIST}", size = 181126, upload-time = "2025-01-05T13:13:11.095Z" }}
    wheels = [
        {{ url = "{FILES}/46/eb/anyio-4.8.0-py3-none-any.whl", hash = "sha256:{ANYIO_WHEEL}", size = 96041, upload-time = "2025-01-05T13:13:07.985Z" }},
    ]

    [[package]]
    name = "demo-app"
    version = "1.0.0"
    source = {{ editable = "." }}
    dependencies = [
        {{ name = "anyio" }},
        {{ name = "httpx" }},
    ]

    [package.metadata]
    requires-dist = [
        {{ name = "anyio", specifier = ">=4" }},
        {{ name = "httpx", git = "https://github.com/encode/httpx?rev=0.27.0" }},
    ]

    [[package]]
    name = "httpx"
    version = "0.27.0"
    source = {{ git = "https://github.com/encode/httpx?rev=0.27.0#{COMMIT}" }}
    dependencies = [
        {{ name = "anyio" }},
    ]

    [[package]]
    name = "idna"
    version = "3.10"
    source = {{ registry = "https://pypi.org/simple" }}
    sdist = {{ url = "{FILES}/f1/70/idna-3.10.tar.gz", hash = "sha256:{IDNA_SDIST}", size = 190490, upload-time = "2024-09-15T18:07:39.745Z" }}
    wheels = [
        {{ url = "{FILES}/76/c6/idna-3.10-py3-none-any.whl", hash = "sha256:{IDNA_WHEEL}", size = 70442, upload-time = "2024-09-15T18:07:37.964Z" }},
    ]

    [[package]]
    name = "localwheel"
    version = "0.1.0"
    source = {{ path = "wheels/localwheel-0.1.0-py3-none-any.whl" }}
    wheels = [
        {{ filename = "localwheel-0.1.0-py3-none-any.whl", hash = "sha256:{LOCAL_WHEEL}" }},
    ]

    [[package]]
    name = "sniffio"
    version = "1.3.1"
    source = {{ url = "https://example.com/sniffio-1.3.1.tar.gz" }}
    sdist = {{ hash = "sha256:{SIMPLEJSON_SDIST}" }}

    [[package]]
    name = "workspace-tool"
    source = {{ virtual = "tools/workspace" }}
"""  # noqa: E501


def test_uv_lock(tmp_path: Path) -> None:
    write(tmp_path, "uv.lock", UV_LOCK)
    deps = read(tmp_path, "uv.lock")
    assert [(d.name, d.line, d.version, d.source, d.location) for d in deps] == [
        ("anyio", 11, "4.8.0", "index", "https://pypi.org/simple"),
        ("demo-app", 24, "1.0.0", "path", "."),
        ("httpx", 39, "0.27.0", "vcs", f"git+https://github.com/encode/httpx?rev=0.27.0#{COMMIT}"),
        ("idna", 47, "3.10", "index", "https://pypi.org/simple"),
        ("localwheel", 56, "0.1.0", "path", "wheels/localwheel-0.1.0-py3-none-any.whl"),
        ("sniffio", 64, "1.3.1", "url", "https://example.com/sniffio-1.3.1.tar.gz"),
        ("workspace-tool", 70, None, "path", "tools/workspace"),
    ]
    hashes = {d.name: d.hashes for d in deps}
    assert hashes["anyio"] == {f"sha256:{ANYIO_SDIST}", f"sha256:{ANYIO_WHEEL}"}
    assert hashes["idna"] == {f"sha256:{IDNA_SDIST}", f"sha256:{IDNA_WHEEL}"}
    assert hashes["localwheel"] == {f"sha256:{LOCAL_WHEEL}"}
    assert hashes["demo-app"] == frozenset()
    assert all(d.locked and d.file == "uv.lock" and d.specifier == "" for d in deps)


def test_uv_lock_unnormalised_name_and_odd_spacing(tmp_path: Path) -> None:
    write(
        tmp_path,
        "uv.lock",
        """
        version = 1

        [[package]]
        name = "Zope.Interface"
        version = "6.4"
        source = { registry = "https://pypi.org/simple" }

          [[ package ]]   # hand-edited
        name = "six"
        version = "1.16.0"
        source = { registry = "https://pypi.org/simple" }
        """,
    )
    deps = read(tmp_path, "uv.lock")
    assert [(d.name, d.line) for d in deps] == [("zope-interface", 3), ("six", 8)]


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("version = 2\n", 1, "unsupported uv.lock version 2"),
        ('revision = 2\n\n[[package]]\nname = "six"\n', None, "unsupported uv.lock version None"),
        (
            'version = 1\n\n[[package]]\nname = "six"\nsource = { registry = "x" ]\n\n'
            '[[package]]\nname = "idna"\n',
            5,
            "invalid TOML",
        ),
        ('version = 1\n\n[[package]]\nversion = "1.0"\n', 3, "needs a 'name' string"),
        (
            'version = 1\n\n[[package]]\nname = "six"\nsource = { registry = "x" }\n\n'
            '[[package]]\nname = "idna"\nversion = 3\n',
            7,
            "'version' of 'idna' must be a string",
        ),
        ('version = 1\n\n[[package]]\nname = "six"\nversion = "1"\n', 3, "'source' for 'six'"),
        (
            'version = 1\n[[package]]\nname = "six"\nsource = { registry = "x" }\nwheels = {}\n',
            2,
            "'wheels' of 'six' must be an array",
        ),
        (
            'version = 1\n[[package]]\nname = "six"\nsource = { registry = "x" }\n'
            "sdist = { hash = 5 }\n",
            2,
            "must be a string",
        ),
        ('version = 1\npackage = "six"\n', 2, "'package' must be an array"),
    ],
)
def test_uv_lock_errors(tmp_path: Path, content: str, line: int | None, message: str) -> None:
    write(tmp_path, "uv.lock", content)
    error = read_error(tmp_path, "uv.lock")
    assert (error.path, error.line) == ("uv.lock", line)
    assert message in error.detail


# ---------------------------------------------------------------------------------------
# poetry.lock

POETRY_LOCK = f"""
    # This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.

    [[package]]
    name = "certifi"
    version = "2024.7.4"
    description = "Python package for providing Mozilla's CA Bundle."
    optional = false
    python-versions = ">=3.6"
    files = [
        {{file = "certifi-2024.7.4-py3-none-any.whl", hash = "sha256:{CERTIFI_WHEEL}"}},
        {{file = "certifi-2024.7.4.tar.gz", hash = "sha256:{CERTIFI_SDIST}"}},
    ]

    [[package]]
    name = "internal-lib"
    version = "2.1.0"
    description = "Internal helpers"
    optional = false
    python-versions = ">=3.9"
    files = [
        {{file = "internal_lib-2.1.0-py3-none-any.whl", hash = "sha256:{INTERNAL_WHEEL}"}},
    ]

    [package.source]
    type = "legacy"
    url = "https://pypi.internal.example.com/simple"
    reference = "internal"

    [[package]]
    name = "mylib"
    version = "1.2.0"
    description = ""
    optional = false
    python-versions = "^3.10"
    files = []
    develop = false

    [package.dependencies]
    certifi = ">=2024"

    [package.source]
    type = "git"
    url = "https://github.com/acme/mylib.git"
    reference = "v1.2.0"
    resolved_reference = "{COMMIT}"

    [[package]]
    name = "localpkg"
    version = "0.3.0"
    description = ""
    optional = false
    python-versions = "*"
    files = []
    develop = true

    [package.source]
    type = "directory"
    url = "../localpkg"

    [metadata]
    lock-version = "2.0"
    python-versions = "^3.10"
    content-hash = "1f8e2c0d4b7a9e3f5c6d8a0b2e4f6a8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a"
"""

POETRY_LOCK_1_1 = f"""
    [[package]]
    name = "idna"
    version = "3.6"
    description = "Internationalized Domain Names in Applications (IDNA)"
    category = "main"
    optional = false
    python-versions = ">=3.5"

    [[package]]
    name = "simplejson"
    version = "3.19.2"
    description = "Simple, fast, extensible JSON encoder/decoder for Python"
    category = "main"
    optional = false
    python-versions = ">=2.5, !=3.0.*, !=3.1.*, !=3.2.*"

    [package.source]
    type = "url"
    url = "https://example.com/simplejson-3.19.2.tar.gz"

    [metadata]
    lock-version = "1.1"
    python-versions = "^3.8"
    content-hash = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"

    [metadata.files]
    IDNA = [
        {{file = "idna-3.6-py3-none-any.whl", hash = "sha256:{IDNA_WHEEL}"}},
        {{file = "idna-3.6.tar.gz", hash = "sha256:{IDNA_SDIST}"}},
    ]
    simplejson = [
        {{file = "simplejson-3.19.2.tar.gz", hash = "sha256:{SIMPLEJSON_SDIST}"}},
    ]
"""


def test_poetry_lock(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", POETRY_LOCK)
    deps = read(tmp_path, "poetry.lock")
    internal = "https://pypi.internal.example.com/simple"
    assert [(d.name, d.line, d.version, d.source, d.location) for d in deps] == [
        ("certifi", 3, "2024.7.4", "index", None),
        ("internal-lib", 14, "2.1.0", "index", internal),
        ("mylib", 29, "1.2.0", "vcs", f"git+https://github.com/acme/mylib.git@{COMMIT}"),
        ("localpkg", 47, "0.3.0", "path", "../localpkg"),
    ]
    hashes = {d.name: d.hashes for d in deps}
    assert hashes["certifi"] == {f"sha256:{CERTIFI_WHEEL}", f"sha256:{CERTIFI_SDIST}"}
    assert hashes["internal-lib"] == {f"sha256:{INTERNAL_WHEEL}"}
    assert hashes["mylib"] == frozenset()
    assert all(d.locked and d.file == "poetry.lock" for d in deps)


def test_poetry_lock_1_1_metadata_files(tmp_path: Path) -> None:
    write(tmp_path, "poetry.lock", POETRY_LOCK_1_1)
    deps = read(tmp_path, "poetry.lock")
    assert [(d.name, d.line, d.version, d.source, d.location, d.hashes) for d in deps] == [
        (
            "idna",
            1,
            "3.6",
            "index",
            None,
            frozenset({f"sha256:{IDNA_WHEEL}", f"sha256:{IDNA_SDIST}"}),
        ),
        (
            "simplejson",
            9,
            "3.19.2",
            "url",
            "https://example.com/simplejson-3.19.2.tar.gz",
            frozenset({f"sha256:{SIMPLEJSON_SDIST}"}),
        ),
    ]


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ('[[package]]\nname = "six"\nversion = "1.16.0"\nfiles = [\n  {file = 1\n]\n', 5, "TOML"),
        ('[[package]]\nname = "six"\n', 1, "needs a 'version' string"),
        ('[[package]]\nname = "six"\nversion = "1"\n\n[[package]]\nversion = "2"\n', 5, "name"),
        ('[[package]]\nname = "six"\nversion = "1"\nfiles = "x"\n', 1, "must be an array"),
        ('[[package]]\nname = "six"\nversion = "1"\nfiles = [{hash = 3}]\n', 1, "must be a str"),
        (
            '[[package]]\nname = "six"\nversion = "1"\n[package.source]\ntype = "svn"\nurl = "x"\n',
            1,
            "unknown [package.source] type 'svn'",
        ),
        ("[metadata]\nfiles = []\n", 2, "[metadata.files] must be a table"),
    ],
)
def test_poetry_lock_errors(tmp_path: Path, content: str, line: int, message: str) -> None:
    write(tmp_path, "poetry.lock", content)
    error = read_error(tmp_path, "poetry.lock")
    assert (error.path, error.line) == ("poetry.lock", line)
    assert message in error.detail


# ---------------------------------------------------------------------------------------
# pylock.toml

PYLOCK = f"""
    lock-version = "1.0"
    environments = ["sys_platform == 'linux'"]
    requires-python = ">=3.10"
    extras = []
    dependency-groups = ["dev"]
    default-groups = []
    created-by = "uv"

    [[packages]]
    name = "certifi"
    version = "2024.7.4"
    index = "https://pypi.org/simple"
    sdist = {{ url = "{FILES}/c2/02/certifi-2024.7.4.tar.gz", upload-time = 2024-07-04T01:36:11Z, size = 163930, hashes = {{ sha256 = "{CERTIFI_SDIST}" }} }}
    wheels = [
        {{ url = "{FILES}/1c/d5/certifi-2024.7.4-py3-none-any.whl", upload-time = 2024-07-04T01:36:09Z, size = 162960, hashes = {{ sha256 = "{CERTIFI_WHEEL}" }} }},
    ]

    [[packages.attestation-identities]]
    kind = "GitHub"
    repository = "certifi/python-certifi"
    workflow = "release.yml"

    [[packages]]
    name = "mylib"
    vcs = {{ type = "git", url = "https://github.com/acme/mylib.git", requested-revision = "v1.2.0", commit-id = "{COMMIT}" }}

    [[packages]]
    name = "localpkg"
    directory = {{ path = "../localpkg", editable = true }}

    [[packages]]
    name = "simplejson"
    version = "3.19.2"
    marker = "python_version < '3.12'"
    archive = {{ url = "https://example.com/simplejson-3.19.2.tar.gz", hashes = {{ sha256 = "{SIMPLEJSON_SDIST}" }} }}
"""  # noqa: E501


@pytest.mark.parametrize("filename", ["pylock.toml", "pylock.dev.toml"])
def test_pylock(tmp_path: Path, filename: str) -> None:
    write(tmp_path, filename, PYLOCK)
    deps = read(tmp_path, filename)
    assert deps[0].attestation_identities == (
        (("kind", "GitHub"), ("repository", "certifi/python-certifi"), ("workflow", "release.yml")),
    )
    assert deps[1].attestation_identities == ()
    assert [(d.name, d.line, d.version, d.source, d.location, d.hashes) for d in deps] == [
        (
            "certifi",
            9,
            "2024.7.4",
            "index",
            "https://pypi.org/simple",
            frozenset({f"sha256:{CERTIFI_SDIST}", f"sha256:{CERTIFI_WHEEL}"}),
        ),
        (
            "mylib",
            23,
            None,
            "vcs",
            f"git+https://github.com/acme/mylib.git@{COMMIT}",
            frozenset(),
        ),
        ("localpkg", 27, None, "path", "../localpkg", frozenset()),
        (
            "simplejson",
            31,
            "3.19.2",
            "url",
            "https://example.com/simplejson-3.19.2.tar.gz",
            frozenset({f"sha256:{SIMPLEJSON_SDIST}"}),
        ),
    ]
    assert deps[3].marker == 'python_version < "3.12"'
    assert all(d.locked and d.file == filename for d in deps)


def _pylock_with(old: str, new: str) -> str:
    text = textwrap.dedent(PYLOCK)
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (_pylock_with('name = "certifi"', 'name = "Certifi"'), 10, "is not normalized"),
        (_pylock_with('created-by = "uv"\n', ""), 1, "Missing required value in 'created-by'"),
        (_pylock_with('lock-version = "1.0"', 'lock-version = "2.0"'), 1, "not supported"),
        (_pylock_with("size = 163930, hashes", "size = 163930, md5s"), 13, "'packages[0].sdist"),
        (_pylock_with('commit-id = "', 'commit = "'), 25, "commit-id"),
        (_pylock_with("editable = true", 'editable = "yes"'), 29, "Unexpected type str"),
        (_pylock_with("certifi-2024.7.4-py3", "certify-2024.7.4-py3"), 14, "not consistent"),
        (_pylock_with('kind = "GitHub"', 'type = "GitHub"'), 18, "attestation-identities[0]"),
        (_pylock_with('version = "3.19.2"', "version = [1]"), 33, "Unexpected type list"),
        (_pylock_with('created-by = "uv"', 'created-by = "uv'), 7, "invalid TOML"),
    ],
)
def test_pylock_errors(tmp_path: Path, content: str, line: int, message: str) -> None:
    write(tmp_path, "pylock.toml", content)
    error = read_error(tmp_path, "pylock.toml")
    assert (error.path, error.line) == ("pylock.toml", line)
    assert message in error.detail


# ---------------------------------------------------------------------------------------
# Pipfile.lock

PIPFILE_LOCK = f"""
    {{
        "_meta": {{
            "hash": {{
                "sha256": "b8a0e5c0d6c7f8e9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"
            }},
            "pipfile-spec": 6,
            "requires": {{
                "python_version": "3.11"
            }},
            "sources": [
                {{
                    "name": "pypi",
                    "url": "https://pypi.org/simple",
                    "verify_ssl": true
                }},
                {{
                    "name": "internal",
                    "url": "https://pypi.internal.example.com/simple",
                    "verify_ssl": true
                }}
            ]
        }},
        "default": {{
            "certifi": {{
                "hashes": [
                    "sha256:{CERTIFI_WHEEL}",
                    "sha256:{CERTIFI_SDIST}"
                ],
                "index": "pypi",
                "markers": "python_version >= '3.6'",
                "version": "==2024.7.4"
            }},
            "develop": {{
                "hashes": [
                    "sha256:{SIX_WHEEL}"
                ],
                "index": "pypi",
                "version": "==0.1"
            }},
            "internal-lib": {{
                "hashes": [
                    "sha256:{INTERNAL_WHEEL}"
                ],
                "index": "internal",
                "version": "==2.1.0"
            }},
            "mylib": {{
                "editable": true,
                "git": "https://github.com/acme/mylib.git",
                "ref": "{COMMIT}"
            }},
            "requests": {{
                "extras": [
                    "socks"
                ],
                "hashes": [],
                "index": "pypi",
                "version": "==2.31.0"
            }}
        }},
        "develop": {{
            "localpkg": {{
                "editable": true,
                "path": "./localpkg"
            }},
            "pytest": {{
                "hashes": [],
                "index": "pypi",
                "version": "==8.2.0"
            }},
            "simplejson": {{
                "file": "https://example.com/simplejson-3.19.2.tar.gz"
            }}
        }}
    }}
"""


def test_pipfile_lock(tmp_path: Path) -> None:
    write(tmp_path, "Pipfile.lock", PIPFILE_LOCK)
    assert json.loads((tmp_path / "Pipfile.lock").read_text())  # the fixture is real JSON
    deps = read(tmp_path, "Pipfile.lock")
    internal = "https://pypi.internal.example.com/simple"
    pypi = "https://pypi.org/simple"
    git = f"git+https://github.com/acme/mylib.git@{COMMIT}"
    simplejson = "https://example.com/simplejson-3.19.2.tar.gz"
    assert [(d.name, d.line, d.version, d.source, d.location) for d in deps] == [
        ("certifi", 24, "2024.7.4", "index", pypi),
        ("develop", 33, "0.1", "index", pypi),
        ("internal-lib", 40, "2.1.0", "index", internal),
        ("mylib", 47, None, "vcs", git),
        ("requests", 52, "2.31.0", "index", pypi),
        ("localpkg", 62, None, "path", "./localpkg"),
        ("pytest", 66, "8.2.0", "index", pypi),
        ("simplejson", 71, None, "url", simplejson),
    ]
    named = by_name(deps)
    assert named["certifi"].hashes == {f"sha256:{CERTIFI_WHEEL}", f"sha256:{CERTIFI_SDIST}"}
    assert named["certifi"].marker == 'python_version >= "3.6"'
    assert named["requests"].extras == ("socks",)
    assert all(d.locked and d.file == "Pipfile.lock" for d in deps)


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (
            '{\n    "default": {\n        "six": {\n            "version": "==1.16.0",\n'
            "        }\n    }\n}\n",
            5,
            "invalid JSON",
        ),
        ('[\n  "default"\n]\n', 1, "must hold a JSON object"),
        ('{\n    "default": []\n}\n', 2, "'default' must be an object"),
        ('{\n    "default": {\n        "six": "==1.16.0"\n    }\n}\n', 3, "must be an object"),
        (
            '{\n    "default": {\n        "six": {\n            "hashes": "sha256:ab"\n'
            "        }\n    }\n}\n",
            3,
            "'hashes' of 'six' must be a list of strings",
        ),
        (
            '{\n    "develop": {\n        "six": {\n            "markers": "python_version >>"\n'
            "        }\n    }\n}\n",
            3,
            "invalid markers",
        ),
    ],
)
def test_pipfile_lock_errors(tmp_path: Path, content: str, line: int | None, message: str) -> None:
    write(tmp_path, "Pipfile.lock", content)
    error = read_error(tmp_path, "Pipfile.lock")
    assert (error.path, error.line) == ("Pipfile.lock", line)
    assert message in error.detail


# ---------------------------------------------------------------------------------------
# All lock formats: undecodable bytes


@pytest.mark.parametrize("filename", ["uv.lock", "poetry.lock", "pylock.toml", "Pipfile.lock"])
def test_lock_files_not_utf8(tmp_path: Path, filename: str) -> None:
    write(tmp_path, filename, b"version = 1\n\n# caf\xe9\n")
    error = read_error(tmp_path, filename)
    assert (error.path, error.line, error.detail) == (filename, 3, "not valid UTF-8 text")


@pytest.mark.parametrize(
    ("filename", "content", "line"),
    [
        ("pyproject.toml", "a = " + "[" * 50_000, 1),
        ("uv.lock", "version = 1\nx = " + "{ y = " * 50_000, 2),
        ("poetry.lock", "a = " + "[" * 50_000, 1),
        ("pylock.toml", "a = " + "[" * 50_000, 1),
        ("Pipfile.lock", "[" * 50_000, 1),
        # Just over the cap: these parse, and the explicit depth check refuses them.
        ("pyproject.toml", "a = 1\nb = " + "[" * 65 + "]" * 65, 2),
        ("uv.lock", "version = 1\n[" + ".".join(["t"] * 65) + "]", None),  # by headers
        ("Pipfile.lock", '{"_meta":\n ' + "[" * 65 + "]" * 65 + "}", 2),
    ],
)
def test_absurd_nesting_is_an_input_error(
    tmp_path: Path, filename: str, content: str, line: int | None
) -> None:
    write(tmp_path, filename, content)
    error = read_error(tmp_path, filename)
    assert (error.path, error.line) == (filename, line)
    assert "nested more than 64 levels deep" in error.detail


def test_nesting_up_to_the_cap_is_read(tmp_path: Path) -> None:
    """The control: 60 levels are unusual but legal, and the file reads normally."""
    content = '[project]\nname = "p"\ndependencies = ["requests==2.32.3"]\n'
    content += "[tool.x]\na = " + "[" * 60 + "]" * 60 + "\n"
    write(tmp_path, "pyproject.toml", content)
    assert [d.name for d in read(tmp_path, "pyproject.toml")] == ["requests"]


# ---------------------------------------------------------------------------------------
# discover


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_discover_in_git_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    for name in ("requirements.txt", "pylock.dev.toml", "README.md", "MANIFEST.in"):
        write(repo, name, "six\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "initial")
    write(repo, "uv.lock", "version = 1\n")
    write(repo, "services/api/pyproject.toml", "[project]\n")
    _git(repo, "add", "uv.lock", "services/api/pyproject.toml")
    write(repo, "requirements-dev.txt", "pytest\n")  # untracked
    write(repo, "poetry.lock", "")  # untracked
    found = [path.relative_to(repo).as_posix() for path in discover(repo)]
    assert found == [
        "pylock.dev.toml",
        "requirements.txt",
        "services/api/pyproject.toml",
        "uv.lock",
    ]


def test_discover_in_plain_folder(tmp_path: Path) -> None:
    for name in (
        "Pipfile.lock",
        "poetry.lock",
        "constraints.txt",
        "dev.in",
        "MANIFEST.in",
        "docs/requirements.txt",
        "requirements/test.txt",
        "app/pylock.toml",
        "app/notes.txt",
        ".venv/lib/requirements.txt",
        "node_modules/pkg/requirements.txt",
        "build/pyproject.toml",
    ):
        write(tmp_path, name, "")
    found = [path.relative_to(tmp_path).as_posix() for path in discover(tmp_path)]
    assert found == [
        "Pipfile.lock",
        "app/pylock.toml",
        "constraints.txt",
        "dev.in",
        "docs/requirements.txt",
        "poetry.lock",
        "requirements/test.txt",
    ]


def test_lock_files_record_the_latest_upload_time(tmp_path: Path) -> None:
    write(tmp_path, "pylock.toml", PYLOCK)
    assert read(tmp_path, "pylock.toml")[0].uploaded == "2024-07-04T01:36:11Z"
    write(
        tmp_path,
        "uv.lock",
        'version = 1\n\n[[package]]\nname = "a"\nversion = "1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        'sdist = { url = "https://x/a-1.0.tar.gz", hash = "sha256:00", '
        'upload-time = "2026-03-30T10:00:00.000Z" }\n'
        'wheels = [{ url = "https://x/a-1.0-py3-none-any.whl", hash = "sha256:11", '
        'upload-time = "2026-04-02T08:00:00.000Z" }]\n',
    )
    assert [d.uploaded for d in read(tmp_path, "uv.lock")] == ["2026-04-02T08:00:00.000Z"]
