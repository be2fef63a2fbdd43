"""Which .pth lines Python runs at start-up, and which modules it imports: one definition,
checked against what site.py does."""

from __future__ import annotations

import pytest

from guard.artifacts.startup import (
    added_paths,
    customize_module,
    decode,
    describe,
    executable_lines,
    is_pth,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/opt/lib\n../src\n# comment\n\n", []),
        ("import os\n", [(1, True)]),
        ("import\tos; os.system('x')\n", [(1, True)]),
        ("/path\nimport _virtualenv\n", [(2, True)]),
        ("exec(open('x').read())\n", [(1, False)]),
        ("importlib\n", []),  # a path that happens to start with "import"
        ("  import os\n", []),  # site treats it as a path: no code characters either
        ("#import os\n", []),  # a comment
        ("path\r\nimport os\r\n", [(2, True)]),  # CRLF
        ("path\rimport os\r", [(2, True)]),  # CR alone ends a line for every version
        ("path\x0cimport os\n", [(2, True)]),  # 3.13's str.splitlines splits here too
        ("import os", [(1, True)]),  # no final newline
    ],
)
def test_executable_lines(text: str, expected: list[tuple[int, bool]]) -> None:
    assert [(line.number, line.executed) for line in executable_lines(text)] == expected


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"\xef\xbb\xbfimport os\n", "import os\n"),  # 3.13 drops the BOM and runs the line
        (b"import os # caf\xe9\n", "import os # caf\xe9\n"),  # not UTF-8: read as Latin-1
        (b"import os # caf\xc3\xa9\n", "import os # caf\xe9\n"),
    ],
)
def test_decode_as_site_reads(raw: bytes, text: str) -> None:
    assert decode(raw) == text
    assert executable_lines(decode(raw))[0].executed


def test_added_paths_are_the_lines_that_are_not_imports() -> None:
    text = "# c\nsrc  \n\nimport os\n../../lib\n"
    assert added_paths(text) == ["src", "../../lib"]


@pytest.mark.parametrize(
    ("name", "is_dir", "module"),
    [
        ("sitecustomize.py", False, "sitecustomize"),
        ("usercustomize.pyc", False, "usercustomize"),
        ("sitecustomize.cpython-311-x86_64-linux-gnu.so", False, "sitecustomize"),
        ("sitecustomize.pyd", False, "sitecustomize"),
        ("sitecustomize", True, "sitecustomize"),
        ("sitecustomize.txt", False, None),
        ("SiteCustomize.py", False, None),  # imports match the case exactly
        ("sitecustomize_extra.py", False, None),
        ("sitecustomize", False, None),  # a file without a module suffix
    ],
)
def test_customize_modules(name: str, is_dir: bool, module: str | None) -> None:
    assert customize_module(name, is_dir) == module


def test_only_names_ending_in_pth_exactly() -> None:
    assert is_pth("x.pth") and is_pth(".hidden.pth")  # 3.12 and earlier read hidden ones
    assert not is_pth("x.PTH") and not is_pth("x.pth.bak")


def test_describe_names_the_first_line_and_counts_the_rest() -> None:
    lines = executable_lines("import a\nimport b\n")
    assert describe(lines) == "line 1 runs at start-up: import a (+1 more)"


# --- known-benign hooks, recognised by content ----------------------------------------------

SETUPTOOLS_PTH = (
    b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') "
    b"== 'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
)
# protobuf 3.20.3's protobuf-3.20.3-py3.9-nspkg.pth, as the wheel ships it.
NSPKG_GOOGLE = (
    b"import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join("
    b"sys._getframe(1).f_locals['sitedir'], *('google',));importlib = has_mfs and "
    b"__import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs "
    b"and sys.modules.setdefault('google', importlib.util.module_from_spec(importlib.machinery."
    b"PathFinder.find_spec('google', [os.path.dirname(p)])));m = m or sys.modules.setdefault("
    b"'google', types.ModuleType('google'));mp = (m or []) and m.__dict__.setdefault("
    b"'__path__',[]);(p not in mp) and mp.append(p)\n"
)
# googleapis-common-protos' second level: a dotted namespace adds the setattr clause.
NSPKG_LOGGING = (
    NSPKG_GOOGLE.replace(b"*('google',)", b"*('google', 'logging')")
    .replace(b"'google'", b"'google.logging'")
    .replace(b"*('google.logging', 'logging')", b"*('google', 'logging')")
    .replace(
        b"mp.append(p)\n", b"mp.append(p);m and setattr(sys.modules['google'], 'logging', m)\n"
    )
)
FINDER = b"import __editable___my_pkg_1_0_finder; __editable___my_pkg_1_0_finder.install()"


def test_the_known_setuptools_hook_for_its_owner_only() -> None:
    from guard.artifacts.startup import recognise

    assert "setuptools's distutils-precedence.pth, a known hook" in (
        recognise("distutils-precedence.pth", SETUPTOOLS_PTH, "setuptools", ()) or ""
    )
    assert recognise("distutils-precedence.pth", SETUPTOOLS_PTH, "not-setuptools", ()) is None
    assert recognise("distutils-precedence.pth", SETUPTOOLS_PTH, None, ()) is None
    assert recognise("other-name.pth", SETUPTOOLS_PTH, "setuptools", ()) is None
    tampered = SETUPTOOLS_PTH.replace(b"add_shim()", b"add_shim(); os.system('id')")
    assert recognise("distutils-precedence.pth", tampered, "setuptools", ()) is None


def test_virtualenv_hook_only_when_no_distribution_claims_it() -> None:
    from guard.artifacts.startup import recognise

    assert recognise("_virtualenv.pth", b"import _virtualenv", None, ()) is not None
    assert recognise("_virtualenv.pth", b"import _virtualenv", "some-package", ()) is None
    assert recognise("_virtualenv.pth", b"import _virtualenv\n", None, ()) is None  # bytes differ


def test_namespace_loaders_are_rebuilt_from_setuptools_templates() -> None:
    from guard.artifacts.startup import recognise

    name = "protobuf-3.20.3-py3.9-nspkg.pth"
    assert recognise(name, NSPKG_GOOGLE, "protobuf", ()) is not None
    assert recognise(name, NSPKG_GOOGLE.replace(b"\n", b"\r\n"), "protobuf", ()) is not None
    both = NSPKG_GOOGLE + NSPKG_GOOGLE + NSPKG_LOGGING  # before setuptools 68.2: duplicates
    assert recognise("googleapis-nspkg.pth", both, "googleapis-common-protos", ()) is not None
    # Only the namespace may vary: another module imported in a fixed place is not benign.
    evil = NSPKG_GOOGLE.replace(b"__import__('importlib.machinery')", b"__import__('evil')")
    assert recognise(name, evil, "protobuf", ()) is None
    assert recognise(name, NSPKG_GOOGLE + b"import evil\n", "protobuf", ()) is None
    assert recognise("protobuf.pth", NSPKG_GOOGLE, "protobuf", ()) is None  # not *-nspkg.pth


def test_editable_finders_need_their_module_in_the_same_record() -> None:
    from guard.artifacts.startup import recognise

    name = "__editable__.my_pkg-1.0.pth"
    finder = "__editable___my_pkg_1_0_finder.py"
    assert recognise(name, FINDER, "my-pkg", {finder}) is not None
    assert recognise(name, FINDER, "my-pkg", set()) is None
    assert recognise("__editable__.other-2.0.pth", FINDER, "my-pkg", {finder}) is None
    assert recognise(name, FINDER + b"\nimport os", "my-pkg", {finder}) is None
    editables = b"import _editable_impl_my_project\n/home/u/src/my-project/src"
    module = {"_editable_impl_my_project.py"}
    assert recognise("_editable_impl_my_project.pth", editables, "my-project", module) is not None
    assert recognise("_editable_impl_my_project.pth", editables, "my-project", set()) is None
