"""Which .pth lines Python runs at start-up."""

from __future__ import annotations

import pytest

from guard.artifacts.startup import describe, executable_lines


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
    ],
)
def test_executable_lines(text: str, expected: list[tuple[int, bool]]) -> None:
    assert [(line.number, line.executed) for line in executable_lines(text)] == expected


def test_describe_names_the_first_line_and_counts_the_rest() -> None:
    lines = executable_lines("import a\nimport b\n")
    assert describe(lines) == "line 1 runs at start-up: import a (+1 more)"
