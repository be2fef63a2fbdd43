"""The ``setup.py``, ``setup.cfg`` and ``tox.ini`` readers: through the real ``check`` in
real git repositories (a denied version, an unreviewed pin, a reviewed one, malformed and
hostile files), and directly, value by value, on written and on real files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from guard.errors import InputError
from guard.manifests import ReadContext, read_file
from guard.manifests.setuppy import MAX_SETUP_PY_BYTES
from guard.manifests.toxini import MAX_LINE
from guard.model import Dependency
from tests.conftest import ROOT, Repo
from tests.test_hostile_files import bumpguard, refused

FIXTURES = ROOT / "tests" / "fixtures" / "setuptools"
DENIED, REVIEWED = "1.82.8", "1.82.6"
MiB = 1024 * 1024


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
    """Read one file the way the checker does; the context holds notes and indexes."""
    ctx = ReadContext(root)
    return read_file(root / relpath, ctx), ctx


def read_error(root: Path, relpath: str) -> InputError:
    with pytest.raises(InputError) as info:
        read(root, relpath)
    return info.value


def rows(deps: list[Dependency]) -> list[tuple[str, int, str, str | None, str, str | None]]:
    return [(d.file, d.line, d.name, d.version, d.specifier, d.marker) for d in deps]


def output(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


# ---------------------------------------------------------------------------------------
# Every form, through `bumpguard check`: each names litellm at the place given (file:line).
# "{req}" is the requirement; "{name}" and "{spec}" its two halves.

FORMS: dict[str, tuple[dict[str, str], str]] = {
    "setup.py list": (
        {
            "setup.py": """
                from setuptools import setup

                setup(
                    name="demo",
                    install_requires=["requests>=2", "{req}"],
                )
            """
        },
        "setup.py:5",
    ),
    "setup.py name under __main__": (
        {
            "setup.py": """
                import setuptools

                REQUIRES = [
                    "{req}",
                ]

                if __name__ == "__main__":
                    setuptools.setup(install_requires=REQUIRES)
            """
        },
        "setup.py:4",
    ),
    "setup.py annotated name and +": (
        {
            "setup.py": """
                from setuptools import setup
                BASE: list[str] = ["requests>=2"]
                PROXY = ("{req}",)
                setup(install_requires=BASE + list(PROXY))
            """
        },
        "setup.py:3",
    ),
    "setup.py newline-separated string": (
        {
            "setup.py": '''
                from setuptools import setup
                setup(
                    install_requires="""
                        requests>=2
                        {req}
                    """,
                )
            '''
        },
        "setup.py:5",
    ),
    "setup.py extras_require dict": (
        {"setup.py": 'from setuptools import setup\nsetup(extras_require={"proxy": ["{req}"]})\n'},
        "setup.py:2",
    ),
    "setup.py extras_require dict() and a set": (
        {
            "setup.py": """
                from setuptools import setup
                setup(
                    extras_require=dict(
                        proxy={"{req}"},
                    ),
                )
            """
        },
        "setup.py:4",
    ),
    "setup.py **kwargs": (
        {
            "setup.py": """
                from setuptools import setup
                KWARGS = {
                    "name": "demo",
                    "tests_require": ["{req}"],
                }
                setup(**KWARGS)
            """
        },
        "setup.py:4",
    ),
    "setup.py alias in a function": (
        {
            "setup.py": """
                from distutils.core import setup as _setup

                def main():
                    _setup(setup_requires=("{req}",))

                main()
            """
        },
        "setup.py:4",
    ),
    "setup.py append": (
        {
            "setup.py": """
                import sys
                from setuptools import setup
                REQUIRES = []
                if sys.version_info >= (3, 9):
                    REQUIRES.append("{req}")
                setup(install_requires=REQUIRES)
            """
        },
        "setup.py:5",
    ),
    "setup.cfg lines": (
        {
            "setup.cfg": """
                [options]
                install_requires =
                    requests>=2
                    {req}
            """
        },
        "setup.cfg:4",
    ),
    "setup.cfg one line": (
        {"setup.cfg": "[options]\nsetup_requires = {req}\n"},
        "setup.cfg:2",
    ),
    "setup.cfg extras with a marker": (
        {
            "setup.cfg": """
                [options.extras_require]
                proxy =
                    {req}; python_version >= "3.8"
            """
        },
        "setup.cfg:3",
    ),
    "setup.cfg file:": (
        {
            "setup.cfg": "[options]\ntests_require = file: deps/test.list\n",
            "deps/test.list": "{req}\n",
        },
        "deps/test.list:1",
    ),
    "setup.cfg %(interpolation)s": (
        {
            "setup.cfg": """
                [options.extras_require]
                proxy =
                    {req}
                all =
                    %(proxy)s
                    requests
            """
        },
        "setup.cfg:3",
    ),
    "setup.cfg [testenv] deps": (
        {"setup.cfg": "[metadata]\nname = demo\n\n[testenv]\ndeps = {req}\n"},
        "setup.cfg:5",
    ),
    "tox.ini deps": (
        {
            "tox.ini": """
                [tox]
                env_list = py312

                [testenv]
                deps =
                    pytest
                    {req}
                commands = pytest
            """
        },
        "tox.ini:7",
    ),
    "tox.ini factor conditions": (
        {"tox.ini": "[testenv:lint]\ndeps =\n    py311,py312: {req}\n    !py38: requests\n"},
        "tox.ini:3",
    ),
    "tox.ini negated factor": (
        {"tox.ini": "[testenv]\ndeps =\n    pytest\n    !py38-{{lint,docs}}: {req}\n"},
        "tox.ini:4",
    ),
    "tox.ini continuation": (
        {"tox.ini": "[testenv]\ndeps =\n    {name} \\\n        {spec}\n"},
        "tox.ini:3",
    ),
    "tox.ini -r{toxinidir}": (
        {"tox.ini": "[testenv]\ndeps = -r{toxinidir}/deps/tox.list\n", "deps/tox.list": "{req}\n"},
        "deps/tox.list:1",
    ),
    "tox.ini -c constraints": (
        {"tox.ini": "[testenv]\ndeps =\n    -cdeps/c.list\n", "deps/c.list": "{req}\n"},
        "deps/c.list:1",
    ),
    "tox.ini {[section]key}": (
        {"tox.ini": "[base]\ndeps =\n    {req}\n\n[testenv]\ndeps =\n    {[base]deps}\n"},
        "tox.ini:3",
    ),
    "tox.ini [tox] requires": (
        {"tox.ini": "[tox]\nrequires =\n    tox>=4\n    {req}\n"},
        "tox.ini:4",
    ),
}


def write_form(repo: Repo, form: str, version: str) -> str:
    files, where = FORMS[form]
    for name, template in files.items():
        text = textwrap.dedent(template).lstrip("\n")
        text = text.replace("{req}", f"litellm=={version}").replace("{name}", "litellm")
        text = text.replace("{spec}", f"=={version}").replace("{{", "{").replace("}}", "}")
        repo.write(name, text)
    return where


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_denied_version_is_blocked(
    repo: Repo, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    where = write_form(repo, form, DENIED)
    repo.add()
    assert repo.run("check") == 1
    out = output(capsys)
    assert "denied" in out
    assert f"{where}: litellm {DENIED}" in out


@pytest.mark.parametrize("form", sorted(FORMS))
def test_an_unreviewed_pin_is_blocked_until_it_is_approved(
    repo: Repo, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    where = write_form(repo, form, REVIEWED)
    repo.add()
    assert repo.run("check") == 1
    out = output(capsys)
    assert "unreviewed" in out
    assert f"{where}: litellm {REVIEWED}" in out
    assert repo.run("approve", f"litellm=={REVIEWED}", "--reason", "r", "--offline") == 0
    repo.add()
    assert repo.run("check") == 0, output(capsys)


# ---------------------------------------------------------------------------------------
# Malformed files: exit 2, naming file:line, never a traceback.

MALFORMED: list[tuple[str, str | bytes, str, str]] = [
    (
        "setup.py",
        'from setuptools import setup\nsetup(\n    name="x",\n',
        "setup.py:2",
        "never closed",
    ),
    ("setup.py", 'setup(install_requires=[\n    "litellm=1.82.8",\n])\n', "setup.py:2", "invalid"),
    (
        "setup.py",
        'setup(extras_require={\n    "x:python_version >>> 3": ["a"],\n})\n',
        "setup.py:2",
        "marker",
    ),
    (
        "setup.py",
        b"# setup\nsetup(install_requires=['d\xe9j\xe0'])\n",
        "setup.py:2",
        "not valid UTF-8",
    ),
    ("setup.py", b"setup()\nx = 'a\x00b'\n", "setup.py:2", "NUL"),
    ("setup.py", b"# -*- coding: rot13 -*-\nsetup()\n", "setup.py:1", "not a text encoding"),
    ("setup.py", b"#!/usr/bin/env python\n# coding: no-such-codec\n", "setup.py:2", "encoding"),
    ("setup.py", "x = " + "(" * 1000 + ")" * 1000 + "\n", "setup.py:1", "parentheses"),
    ("setup.cfg", "install_requires = requests\n", "setup.cfg:1", "before the first [section]"),
    (
        "setup.cfg",
        "[options]\ninstall_requires =\n    six\nnot an option\n",
        "setup.cfg:4",
        "not a",
    ),
    ("setup.cfg", "[options]\n= six\n", "setup.cfg:2", "without a key"),
    (
        "setup.cfg",
        "[options]\ninstall_requires =\n    six\n    litellm=1.82.8\n",
        "setup.cfg:4",
        "invalid",
    ),
    (
        "setup.cfg",
        '[options]\ninstall_requires = tomli; python_version < "3.11"\n',
        "setup.cfg:2",
        "splits a value on one line at ';'",
    ),
    ("setup.cfg", "[options]\ntests_require = file: missing.txt\n", "setup.cfg:2", "not found"),
    ("setup.cfg", "[options]\ntests_require = file: ../out.txt\n", "setup.cfg:2", "outside"),
    ("setup.cfg", "[options.extras_require]\nall =\n    %(nope)s\n", "setup.cfg:3", "no option"),
    ("setup.cfg", "[options.extras_require]\nall = %(all)s\n", "setup.cfg:2", "too much"),
    ("setup.cfg", b"[options]\ninstall_requires = d\xe9j\xe0\n", "setup.cfg:2", "not valid UTF-8"),
    ("tox.ini", "deps = requests\n", "tox.ini:1", "before the first [section]"),
    ("tox.ini", "[testenv]\ndeps =\n    pytest\n    litellm=1.82.8\n", "tox.ini:4", "invalid"),
    ("tox.ini", "[testenv]\ndeps =\n    pytest\n    -r missing.txt\n", "tox.ini:4", "not found"),
    ("tox.ini", "[testenv]\ndeps = -r{toxinidir}/../out.txt\n", "tox.ini:2", "outside"),
    ("tox.ini", "[testenv]\ndeps =\n    six\n    a\x00b\n", "tox.ini:4", "NUL"),
]


@pytest.mark.parametrize(
    ("name", "content", "where", "words"), MALFORMED, ids=[f"{m[2]} {m[3]}" for m in MALFORMED]
)
def test_a_malformed_file_is_an_input_error(
    repo: Repo,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | bytes,
    where: str,
    words: str,
) -> None:
    (repo.path.parent / "out.txt").write_text("six\n")
    write(repo.path, name, content)
    repo.add()
    assert repo.run("check") == 2
    out = output(capsys)
    assert f"{where}:" in out, out
    assert words in out, out
    assert "Traceback" not in out


def test_nesting_too_deep_for_the_parser_is_an_input_error(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo.path, "setup.py", "x = " + "1 + " * 100_000 + "1\nsetup()\n")
    repo.add()
    assert repo.run("check") == 2
    out = output(capsys)
    assert "setup.py" in out and "nested too deeply" in out
    assert "Traceback" not in out


# Hostile files, in a fresh interpreter limited to 10 s and 500 MiB (as in
# tests/test_hostile_files.py).


@pytest.mark.parametrize("name", ["setup.py", "setup.cfg", "tox.ini"])
def test_binary_garbage_ends_in_exit_2(repo: Repo, name: str) -> None:
    write(repo.path, name, bytes(range(256)) * 100)
    repo.add()
    refused(bumpguard(repo, "check"), f"{name}:2: not valid UTF-8")


# Each builds its 10 MiB line when it runs (as bytes, with the words of its message).
LONG_LINES: dict[str, tuple[str, Callable[[], str], str]] = {
    "setup.py over its cap": (
        "setup.py",
        lambda: "x = '" + "a" * 10 * MiB + "'\n",
        f"larger than {MAX_SETUP_PY_BYTES} bytes",
    ),
    "setup.cfg without a section": (
        "setup.cfg",
        lambda: "a" * 10 * MiB,
        "setup.cfg:1: a line before the first [section]",
    ),
    "setup.cfg requirement": (
        "setup.cfg",
        lambda: "[options]\ninstall_requires = " + "a" * 10 * MiB,
        "setup.cfg:2: a package name longer than",
    ),
    "setup.cfg brackets": ("setup.cfg", lambda: "[" * 10 * MiB, "setup.cfg:1:"),
    "tox.ini requirement": (
        "tox.ini",
        lambda: "[testenv]\ndeps = " + "a" * 10 * MiB,
        f"tox.ini:2: deps: a line longer than {MAX_LINE}",
    ),
    "tox.ini include": (
        "tox.ini",
        lambda: "[testenv]\ndeps = -r" + "a" * 10 * MiB,
        "tox.ini:2: deps: a line longer",
    ),
    "tox.ini install_command": (
        "tox.ini",
        lambda: "[testenv]\ninstall_command = pip " + "-i " * 3 * MiB,
        "tox.ini:2: install_command: a line longer",
    ),
}


@pytest.mark.parametrize("case", sorted(LONG_LINES))
def test_a_10_mib_line_ends_in_exit_2_quickly(repo: Repo, case: str) -> None:
    name, content, words = LONG_LINES[case]
    write(repo.path, name, content().encode())
    repo.add()
    refused(bumpguard(repo, "check"), words)


def test_long_lines_below_the_caps_are_read(tmp_path: Path) -> None:
    count = (MAX_LINE - 100) // 79  # a pin with as many hashes as fit in a line
    hashes = " ".join(f"--hash=sha256:{i:064x}" for i in range(count))
    write(tmp_path, "tox.ini", f"[testenv]\ndeps =\n    six==1.16.0 {hashes}\n")
    (dep,) = read(tmp_path, "tox.ini")[0]
    assert (dep.line, dep.name, dep.version, len(dep.hashes)) == (3, "six", "1.16.0", count)
    write(tmp_path, "tox.ini", f"[testenv]\ndeps =\n    six==1.16.0 {hashes} {hashes}\n")
    error = read_error(tmp_path, "tox.ini")
    assert (error.line, error.detail) == (3, f"deps: a line longer than {MAX_LINE} characters")
    padding = "#" * (MAX_SETUP_PY_BYTES - 100)
    write(tmp_path, "setup.py", f"{padding}\nsetup(install_requires=['six'])\n")
    assert rows(read(tmp_path, "setup.py")[0]) == [("setup.py", 2, "six", None, "", None)]


# ---------------------------------------------------------------------------------------
# What cannot be read statically is noted, and the rest is read.


def test_a_setup_py_argument_that_is_not_a_literal_is_noted(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo.path, "requirements.txt", "requests==2.32.3\n")
    write(
        repo.path,
        "setup.py",
        """
        from setuptools import setup

        setup(
            install_requires=open("requirements.txt").read().splitlines(),
            tests_require=["litellm==1.82.8"],
        )
        """,
    )
    repo.add()
    assert repo.run("check") == 1  # the literal part is read and denied
    assert "setup.py:5: litellm 1.82.8: denied" in output(capsys)
    _, ctx = read(repo.path, "setup.py")
    assert ctx.notes == [
        "setup.py:4: install_requires is not a literal here (a call to "
        "open().read().splitlines()): not read; it seems to read 'requirements.txt': bumpguard "
        "reads requirements files itself when they are named requirements*.txt or lie in "
        "requirements/"
    ]
    write(
        repo.path,
        "setup.py",
        """
        from setuptools import setup
        with open("requirements.txt") as handle:
            REQUIRES = [line.strip() for line in handle]
        setup(install_requires=REQUIRES)
        """,
    )
    repo.add()
    assert repo.run("check") == 0
    deps, ctx = read(repo.path, "setup.py")
    assert deps == []
    assert ctx.notes == [
        "setup.py:3: install_requires is not a literal here (a comprehension): not read; it "
        "seems to read 'requirements.txt': bumpguard reads requirements files itself when "
        "they are named requirements*.txt or lie in requirements/"
    ]


def test_a_tox_substitution_known_only_at_run_time_is_noted(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo.path,
        "tox.ini",
        """
        [testenv]
        deps =
            {env:EXTRA_DEP}
            pytest-{posargs}
            litellm==1.82.8
        """,
    )
    repo.add()
    assert repo.run("check") == 1
    assert "tox.ini:5: litellm 1.82.8: denied" in output(capsys)
    deps, ctx = read(repo.path, "tox.ini")
    assert [d.name for d in deps] == ["litellm"]
    assert ctx.notes == [
        "tox.ini:3: deps: {env:EXTRA_DEP} is known only when tox runs: this line is not read",
        "tox.ini:4: deps: {posargs} is known only when tox runs: this line is not read",
    ]


def test_a_setup_py_without_a_setup_call_is_noted(tmp_path: Path) -> None:
    write(tmp_path, "setup.py", "raise SystemExit('never run')\n")
    deps, ctx = read(tmp_path, "setup.py")
    assert deps == []
    assert ctx.notes == ["setup.py: no setup() call found: nothing read"]


# ---------------------------------------------------------------------------------------
# setup.py, value by value

SETUP_PY = '''
    """A setup.py that builds its arguments the ways real ones do."""
    import sys

    import setuptools
    from setuptools import setup as _setup

    BASE = [
        "requests>=2.31,<3",
        "idna==3.6",
    ]
    BASE += ["urllib3==2.2.*"]
    if sys.platform == "win32":
        BASE.append("pywin32==306")
    TYPING: list[str] = ["tomli>=2.0; python_version < '3.11'"]
    DOCS = """
        sphinx==7.2.6  # pinned for the theme
        # a comment line
        furo
    """
    EXTRAS = {
        "docs": DOCS,
        "socks:sys_platform == 'win32'": ["win-inet-pton; python_version < '3.12'"],
        "demo-app[docs]": ["demo-app[docs]"],
    }
    EXTRAS["crypto"] = ["cryptography==42.0.5" if sys.version_info >= (3, 8) else "cryptography<42"]
    EXTRAS.update(test=["pytest>=8"])
    EXTRAS.setdefault("speed", ("orjson",))
    with open("requirements-dev.txt") as handle:
        DEV = handle.read().splitlines()
    KWARGS = dict(setup_requires={"setuptools_scm>=8"}, tests_require=DEV)


    def run(packages):
        _setup(
            name="demo-app",
            install_requires=BASE + TYPING,
            extras_require=EXTRAS,
            dependency_links=["https://download.example.com/wheels/"],
            packages=packages,
            **KWARGS,
        )
        setuptools.setup(install_requires=packages)


    if __name__ == "__main__":
        run(setuptools.find_packages())
'''


def test_setup_py_values(tmp_path: Path) -> None:
    write(tmp_path, "setup.py", SETUP_PY)
    deps, ctx = read(tmp_path, "setup.py")
    socks = 'python_version < "3.12" and sys_platform == "win32"'
    assert rows(deps) == [
        ("setup.py", 8, "requests", None, "<3,>=2.31", None),
        ("setup.py", 9, "idna", "3.6", "", None),
        ("setup.py", 11, "urllib3", None, "==2.2.*", None),
        ("setup.py", 13, "pywin32", "306", "", None),
        ("setup.py", 14, "tomli", None, ">=2.0", 'python_version < "3.11"'),
        ("setup.py", 16, "sphinx", "7.2.6", "", None),
        ("setup.py", 18, "furo", None, "", None),
        ("setup.py", 22, "win-inet-pton", None, "", socks),
        ("setup.py", 25, "cryptography", "42.0.5", "", None),
        ("setup.py", 25, "cryptography", None, "<42", None),
        ("setup.py", 26, "pytest", None, ">=8", None),
        ("setup.py", 27, "orjson", None, "", None),
        ("setup.py", 30, "setuptools-scm", None, ">=8", None),
    ]
    assert [(i.line, i.option, i.url) for i in ctx.indexes] == [
        (38, "setup.py dependency_links", "https://download.example.com/wheels/")
    ]
    assert ctx.notes == [
        "setup.py:29: tests_require is not a literal here (a call to "
        "handle.read().splitlines()): not read; it seems to read 'requirements-dev.txt': "
        "bumpguard reads requirements files itself when they are named requirements*.txt or "
        "lie in requirements/",
        "setup.py:33: install_requires is not a literal here (packages is set by a "
        "parameter): not read",
    ]


@pytest.mark.parametrize(
    ("source", "expected", "notes"),
    [
        # A name assigned in two branches: both count.
        (
            "if X:\n    R = ['a==1']\nelse:\n    R = ['b==2']\nsetup(install_requires=R)\n",
            [(2, "a"), (4, "b")],
            [],
        ),
        # A function's own name shadows the module's; a global declaration does not.
        (
            "R = ['a']\ndef f():\n    R = ['b']\n    setup(install_requires=R)\n",
            [(3, "b")],
            [],
        ),
        (
            "R = ['a']\ndef f():\n    global R\n    R = ['b']\n    setup(install_requires=R)\n",
            [(1, "a"), (4, "b")],
            [],
        ),
        # An indexed value reads the whole dict; | merges; *unpacking.
        (
            "D = {'core': ['a'], 'x': ['b']}\nsetup(install_requires=[*D['core'], 'c'])\n",
            [(1, "a"), (1, "b"), (2, "c")],
            [],
        ),
        (
            "A = {'x': ['a']}\nsetup(extras_require=A | {'y': ['b']})\n",
            [(1, "a"), (2, "b")],
            [],
        ),
        # sum(EXTRAS.values(), []) is read through.
        (
            "E = {'x': ['a'], 'y': ['b']}\nE['all'] = sum(E.values(), [])\n"
            "setup(extras_require=E)\n",
            [(1, "a"), (1, "b")],
            [],
        ),
        # A keyword arguments dict built in steps.
        (
            "KW = {}\nKW['install_requires'] = ['a']\nKW.update(tests_require=['b'])\n"
            "setup(**KW, **{'setup_requires': ['c']})\n",
            [(2, "a"), (3, "b"), (4, "c")],
            [],
        ),
        # Names that cannot be followed.
        (
            "from reqs import R\nsetup(install_requires=R + ['a'])\n",
            [(2, "a")],
            [
                "setup.py:1: install_requires is not a literal here (R is set by an import): "
                "not read"
            ],
        ),
        (
            "setup(install_requires=UNDEFINED)\n",
            [],
            [
                "setup.py:1: install_requires is not a literal here (UNDEFINED is not assigned "
                "in this file): not read"
            ],
        ),
        (
            "V = '1.0'\nsetup(install_requires=[f'a=={V}', 'b'])\n",
            [(2, "b")],
            ["setup.py:2: install_requires is not a literal here (an f-string): not read"],
        ),
        (
            "setup(**get_kwargs())\n",
            [],
            [
                "setup.py:1: setup() keyword arguments are not a literal here (a call to "
                "get_kwargs()): not read"
            ],
        ),
        # Calls of other functions named setup count too (the stricter reading); an
        # implicitly concatenated string and an escaped line end keep the first line.
        (
            "app.setup(install_requires=(\n    'a'\n    'b'\n))\nsetup(install_requires='c\\nd')\n",
            [(2, "ab"), (5, "c"), (5, "d")],
            [],
        ),
        # setuptools' own reading of strings: " #" comments, "\\" continuations.
        (
            "setup(install_requires='''\n  a >=1  # why\n  b \\\\\n  >=2\n''')\n",
            [(2, "a"), (3, "b")],
            [],
        ),
    ],
)
def test_setup_py_forms(
    tmp_path: Path, source: str, expected: list[tuple[int, str]], notes: list[str]
) -> None:
    write(tmp_path, "setup.py", source)
    deps, ctx = read(tmp_path, "setup.py")
    assert [(d.line, d.name) for d in deps] == expected
    assert ctx.notes == notes


def test_setup_py_encodings(tmp_path: Path) -> None:
    latin = "# -*- coding: latin-1 -*-\n# Müller\nsetup(install_requires=['six'])\n"
    write(tmp_path, "setup.py", latin.encode("latin-1"))
    assert rows(read(tmp_path, "setup.py")[0]) == [("setup.py", 3, "six", None, "", None)]
    write(tmp_path, "setup.py", b"\xef\xbb\xbfsetup(install_requires=['six'])\n")
    assert rows(read(tmp_path, "setup.py")[0]) == [("setup.py", 1, "six", None, "", None)]
    write(tmp_path, "setup.py", b"\xef\xbb\xbf# coding: latin-1\nsetup()\n")
    error = read_error(tmp_path, "setup.py")
    assert (error.line, error.detail) == (1, "has a UTF-8 BOM but declares 'latin-1'")
    write(tmp_path, "setup.py", b"setup()\n# coding: latin-1\nx = '\xe9'\n")
    error = read_error(tmp_path, "setup.py")  # a declaration below a statement is no declaration
    assert (error.line, error.detail) == (3, "not valid UTF-8 text")


def test_setup_py_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(
        tmp_path,
        "setup.py",
        f"open({str(marker)!r}, 'w').close()\nimport setuptools\n"
        "setuptools.setup(install_requires=['six'])\n",
    )
    assert [d.name for d in read(tmp_path, "setup.py")[0]] == ["six"]
    assert not marker.exists()


def test_setup_py_warnings_of_the_parser_are_not_raised(tmp_path: Path) -> None:
    # pytest turns warnings into errors here: an invalid escape must not become one.
    write(
        tmp_path, "setup.py", "import re\nP = re.compile('\\d+')\nsetup(install_requires=['six'])\n"
    )
    assert [d.name for d in read(tmp_path, "setup.py")[0]] == ["six"]


# ---------------------------------------------------------------------------------------
# setup.cfg, value by value

SETUP_CFG = """
    [metadata]
    name = Demo_App
    version = attr: demo.__version__

    [options]
    packages = find:
    install_requires =
        requests>=2.31,<3
        # a comment line
        ; another comment line
        tomli>=2.0;python_version<"3.11"
        idna==3.6 # pinned
        charset-normalizer \\
          ==3.3.2
    setup_requires = setuptools_scm>=8; wheel
    tests_require = file: deps/test.list, deps/more.list
    dependency_links =
        https://download.example.com/wheels/

    [options.extras_require]
    async =
        anyio==4.3.0
    all =
        %(async)s
        demo-app[async]
        rich>=13  # 100%% sure
    docs = sphinx==7.2.6

    [easy_install]
    index_url = https://mirror.example.com/simple

    [tox:tox]
    requires = tox>=4

    [testenv]
    deps =
        py312: coverage==7.4.4

    [options]
    install_requires = six==1.16.0
"""


def test_setup_cfg_values(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", SETUP_CFG)
    write(tmp_path, "deps/test.list", "pytest>=8\n")
    write(tmp_path, "deps/more.list", "mock==5.1.0\n")
    deps, ctx = read(tmp_path, "setup.cfg")
    assert rows(deps) == [
        ("setup.cfg", 8, "requests", None, "<3,>=2.31", None),
        ("setup.cfg", 11, "tomli", None, ">=2.0", 'python_version < "3.11"'),
        ("setup.cfg", 12, "idna", "3.6", "", None),
        ("setup.cfg", 13, "charset-normalizer", "3.3.2", "", None),
        ("setup.cfg", 40, "six", "1.16.0", "", None),  # a repeated section counts too
        ("setup.cfg", 15, "setuptools-scm", None, ">=8", None),
        ("setup.cfg", 15, "wheel", None, "", None),
        ("deps/test.list", 1, "pytest", None, ">=8", None),
        ("deps/more.list", 1, "mock", "5.1.0", "", None),
        ("setup.cfg", 22, "anyio", "4.3.0", "", None),  # once, though %(async)s names it
        ("setup.cfg", 26, "rich", None, ">=13", None),
        ("setup.cfg", 27, "sphinx", "7.2.6", "", None),
        ("setup.cfg", 33, "tox", None, ">=4", None),
        ("setup.cfg", 37, "coverage", "7.4.4", "", None),
    ]
    assert ctx.includes == {"setup.cfg": {"deps/test.list", "deps/more.list"}}
    assert [(i.line, i.option, i.url) for i in ctx.indexes] == [
        (18, "setup.cfg dependency_links", "https://download.example.com/wheels/"),
        (30, "setup.cfg [easy_install] index_url", "https://mirror.example.com/simple"),
    ]
    assert ctx.notes == []


def test_setup_cfg_default_section_and_line_ends(tmp_path: Path) -> None:
    # [DEFAULT] options belong to every section, as configparser gives them; "\r" and
    # "\r\n" end lines as in Python's text files; a form feed splits a requirement line
    # as setuptools' splitlines() does.
    text = "[DEFAULT]\r\ninstall_requires = six\r[options]\rtests_require =\n    a\x0cb\n"
    write(tmp_path, "setup.cfg", text.encode())
    deps, _ = read(tmp_path, "setup.cfg")
    assert [(d.line, d.name) for d in deps] == [(2, "six"), (5, "a"), (5, "b")]
    write(tmp_path, "setup.cfg", "[DEFAULT]\ninstall_requires = six\n")
    assert read(tmp_path, "setup.cfg")[0] == []  # no [options]: setuptools reads nothing


def test_sqlalchemy_setup_cfg_interpolation(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", (FIXTURES / "sqlalchemy-setup.cfg").read_bytes())
    deps, ctx = read(tmp_path, "setup.cfg")
    found = {(d.line, d.name) for d in deps}
    # "%(asyncio)s" in five extras is the greenlet line of [options.extras_require] asyncio.
    assert (50, "greenlet") in found
    assert [d.line for d in deps if d.name == "greenlet"] == [46, 50]
    assert {(75, "asyncpg"), (82, "aiomysql"), (85, "asyncmy"), (88, "aiosqlite")} <= found
    assert len(deps) == len(set(deps)) == 32
    assert ctx.notes == []


def test_tox_setup_cfg(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", (FIXTURES / "tox-setup.cfg").read_bytes())
    deps, _ = read(tmp_path, "setup.cfg")
    assert len(deps) == 11 + 8 + 16  # install_requires, extras docs and testing
    by_line = {d.line: d for d in deps}
    assert (by_line[39].name, by_line[39].specifier) == ("cachetools", ">=4.2")
    assert (by_line[48].name, by_line[48].marker) == (
        "importlib-metadata",
        'python_version < "3.8"',
    )
    assert (by_line[80].name, by_line[80].specifier) == ("pytest", ">=7")


# ---------------------------------------------------------------------------------------
# tox.ini, value by value

TOX_INI = r"""
    [tox]
    requires =
        tox>=4
    indexserver =
        default = https://mirror.example.com/simple

    [base]
    deps =
        requests>=2.31  # the HTTP client
        idna==3.6

    [testenv]
    setenv =
        PIP_INDEX_URL = https://mirror.example.com/simple
        py312: PIP_EXTRA_INDEX_URL=https://extra.example.com/simple https://more.example.com/s
    install_command = python -m pip install -i https://mirror.example.com/simple \
        --extra-index=https://extra.example.com/simple {opts} {packages}
    deps =
        {[base]deps}
        py{311,312}-django: Django==5.0.4
        !py38: mock \
            >=5.1
        -r{toxinidir}{/}deps{/}test.list
        -c deps/constraints.list
        pkg @ https://example.com/pkg-1.0.tar.gz\#sha256=abc
        git+https://github.com/psf/black.git@24.2.0#egg=black
        --extra-index-url https://extra.example.com/simple
        :oldindex:simplejson==3.19.2
        {env:EXTRA_DEP}
        pytest-{posargs}
        {[missing]deps}
        attrs{[pins]attrs}
    commands = pytest {posargs}

    [pins]
    attrs = ==23.2.0

    [testenv:lint]
    deps = ruff==0.4.1; python_version >= "3.8"
        {[testenv:lint]deps}

    [flake8]
    deps = not-a-tox-option==1.0
"""


def test_tox_ini_values(tmp_path: Path) -> None:
    write(tmp_path, "tox.ini", TOX_INI)
    write(tmp_path, "deps/test.list", "pytest>=8\n")
    write(tmp_path, "deps/constraints.list", "mock==5.1.0\n")
    deps, ctx = read(tmp_path, "tox.ini")
    assert rows(deps) == [
        ("tox.ini", 3, "tox", None, ">=4", None),
        ("tox.ini", 9, "requests", None, ">=2.31", None),  # each where it is written
        ("tox.ini", 10, "idna", "3.6", "", None),
        ("tox.ini", 20, "django", "5.0.4", "", None),
        ("tox.ini", 21, "mock", None, ">=5.1", None),
        ("deps/test.list", 1, "pytest", None, ">=8", None),
        ("deps/constraints.list", 1, "mock", "5.1.0", "", None),
        ("tox.ini", 25, "pkg", "1.0", "", None),
        ("tox.ini", 26, "black", None, "", None),
        ("tox.ini", 28, "simplejson", "3.19.2", "", None),
        ("tox.ini", 32, "attrs", "23.2.0", "", None),
        ("tox.ini", 39, "ruff", "0.4.1", "", 'python_version >= "3.8"'),
    ]
    by_name = {d.name: d for d in deps}
    assert by_name["pkg"].location == "https://example.com/pkg-1.0.tar.gz#sha256=abc"
    assert by_name["black"].location == "git+https://github.com/psf/black.git@24.2.0#egg=black"
    assert ctx.includes == {"tox.ini": {"deps/test.list", "deps/constraints.list"}}
    assert [(i.line, i.option, i.url) for i in ctx.indexes] == [
        (5, "tox indexserver default", "https://mirror.example.com/simple"),
        (16, "tox install_command --index-url", "https://mirror.example.com/simple"),
        # the line continues on the next one: the joined line has the first one's number
        (16, "tox install_command --extra-index-url", "https://extra.example.com/simple"),
        (14, "tox setenv PIP_INDEX_URL", "https://mirror.example.com/simple"),
        (15, "tox setenv PIP_EXTRA_INDEX_URL", "https://extra.example.com/simple"),
        (15, "tox setenv PIP_EXTRA_INDEX_URL", "https://more.example.com/s"),
        (27, "--extra-index-url", "https://extra.example.com/simple"),
    ]
    assert ctx.notes == [
        "tox.ini:29: deps: {env:EXTRA_DEP} is known only when tox runs: this line is not read",
        "tox.ini:30: deps: {posargs} is known only when tox runs: this line is not read",
        "tox.ini:31: deps: {[missing]deps} names an option the file does not have",
        "tox.ini:40: deps: {[testenv:lint]deps} refers to itself: not read",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("py38: six", "six"),
        ("py38,py39: six", "six"),
        ("py3{8,9}-!django: six", "six"),
        (": six", "six"),
        ("py38:six", None),  # no space after the colon: not a factor condition (tox 4)
        ("six @ https://example.com/six-1.16.0-py2.py3-none-any.whl", "six"),
        ("--index-url https://example.com/simple", ""),
        ("six  # a comment", "six"),
        ("six\\#egg", None),  # an escaped "#" is no comment
    ],
)
def test_tox_factor_conditions_and_comments(
    tmp_path: Path, line: str, expected: str | None
) -> None:
    write(tmp_path, "tox.ini", f"[testenv]\ndeps =\n    {line}\n")
    if expected is None:
        assert "invalid requirement" in read_error(tmp_path, "tox.ini").detail
        return
    deps, _ = read(tmp_path, "tox.ini")
    assert [d.name for d in deps] == ([expected] if expected else [])


def test_tox_default_section_counts_once_for_every_environment(tmp_path: Path) -> None:
    write(tmp_path, "tox.ini", "[DEFAULT]\ndeps = six\n[testenv:a]\n[testenv:b]\n[flake8]\n")
    assert [(d.line, d.name) for d in read(tmp_path, "tox.ini")[0]] == [(2, "six")]
    write(tmp_path, "tox.ini", "[DEFAULT]\ndeps = six\n[flake8]\nmax-line-length = 100\n")
    assert read(tmp_path, "tox.ini")[0] == []  # no environment: tox installs nothing


def test_pytest_tox_ini(tmp_path: Path) -> None:
    """pytest's own tox.ini: factors, {[testenv:release]deps}, -r{toxinidir}/..., -r."""
    write(tmp_path, "tox.ini", (FIXTURES / "pytest-tox.ini").read_bytes())
    write(tmp_path, "doc/en/requirements.txt", "-c broken-dep-constraints.txt\nsphinx>=9\n")
    write(tmp_path, "doc/en/broken-dep-constraints.txt", "# nothing pinned\n")
    write(tmp_path, "testing/plugins_integration/requirements.txt", "django==6.1\n")
    deps, ctx = read(tmp_path, "tox.ini")
    found = [(d.file, d.line, d.name) for d in deps]
    assert found[:8] == [
        ("tox.ini", 3, "tox"),
        ("tox.ini", 4, "tox-uv"),
        ("tox.ini", 104, "exceptiongroup"),
        ("tox.ini", 105, "pluggy"),
        ("tox.ini", 106, "py"),
        ("tox.ini", 107, "twisted"),
        ("tox.ini", 108, "twisted"),
        ("tox.ini", 118, "pre-commit"),
    ]
    assert ("doc/en/requirements.txt", 2, "sphinx") in found
    assert ("testing/plugins_integration/requirements.txt", 1, "django") in found
    # [testenv:prepare-release-pr] deps = {[testenv:release]deps}: read once, where written.
    assert [line for file, line, name in found if name == "towncrier"] == [221]
    assert len(found) == 24
    assert ctx.includes == {
        "tox.ini": {"doc/en/requirements.txt", "testing/plugins_integration/requirements.txt"},
        "doc/en/requirements.txt": {"doc/en/broken-dep-constraints.txt"},
    }
    assert ctx.notes == []


def test_requests_setup_py(tmp_path: Path) -> None:
    """requests' setup.py of 2018: names, a tests_require list, extras with a marker key."""
    write(tmp_path, "setup.py", (FIXTURES / "requests-setup.py.txt").read_bytes())
    deps, ctx = read(tmp_path, "setup.py")
    assert [(d.line, d.name, d.specifier) for d in deps] == [
        (46, "chardet", "<3.1.0,>=3.0.2"),
        (47, "idna", "<2.7,>=2.5"),
        (48, "urllib3", "<1.23,>=1.21.1"),
        (49, "certifi", ">=2017.4.17"),
        (52, "pytest-httpbin", ""),
        (52, "pytest-cov", ""),
        (52, "pytest-mock", ""),
        (52, "pytest-xdist", ""),
        (52, "pysocks", "!=1.5.7,>=1.5.6"),
        (52, "pytest", ">=2.8.0"),
        (98, "pyopenssl", ">=0.14"),
        (98, "cryptography", ">=1.3.4"),
        (98, "idna", ">=2.0.0"),
        (99, "pysocks", "!=1.5.7,>=1.5.6"),
        (100, "win-inet-pton", ""),
    ]
    assert next(d for d in deps if d.name == "pytest-httpbin").version == "0.0.7"
    assert deps[-1].marker == (
        'sys_platform == "win32" and (python_version == "2.7" or python_version == "2.6")'
    )
    assert ctx.notes == []  # name=about['__title__'] is not a dependency: nothing to note
