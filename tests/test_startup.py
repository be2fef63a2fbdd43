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
