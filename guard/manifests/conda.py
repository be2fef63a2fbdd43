"""Reader for conda environment files (``environment.yml``, ``environment-dev.yaml`` ...).

Only the ``pip:`` lists inside ``dependencies:`` install from PyPI: conda writes them, one
entry a line, to a requirements file next to the environment file and runs
``pip install -r`` on it there. They are read the same way, as requirements-file lines
(options, hashes and ``-r`` includes relative to the environment file's folder), each at
its line in the environment file. Conda specs (``- python=3.11``) come from conda
channels, which bumpguard does not guard: they are counted in a note.
"""

from __future__ import annotations

import re
from pathlib import Path

from guard import _yaml
from guard._files import MAX_POLICY_BYTES, read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.requirements import read_lines
from guard.model import Dependency

# pip's comment rule: "#" at the start of a line or after whitespace, to the end.
_COMMENT = re.compile(r"(^|\s+)#.*$")


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read the PyPI requirements of a conda environment file's ``pip:`` lists."""
    display = ctx.display(path)
    # Environment files are small; the YAML loader's cap (that of policy files) applies.
    text = read_text(path, display, limit=MAX_POLICY_BYTES, root=ctx.root)
    document = _yaml.load(text, display)
    if not isinstance(document, _yaml.LineDict) or "dependencies" not in document:
        return []  # not a conda environment (or an empty one)
    dependencies = document["dependencies"]
    where = document.lines["dependencies"]
    if dependencies is None:
        return []
    if not isinstance(dependencies, _yaml.LineList):
        # conda refuses such a file: nothing installs from it.
        ctx.note(display, where, "'dependencies' is not a list: not a conda environment file")
        return []
    lines: list[tuple[int, str]] = []
    conda = 0
    for item in dependencies:
        if not isinstance(item, _yaml.LineDict):
            conda += 1
            continue
        for key in item:
            if key == "pip":
                lines.extend(_pip_lines(item["pip"], item.lines["pip"], display))
            else:
                ctx.note(display, item.lines[key], f"'{key}:' packages not checked")
    if conda:
        ctx.note(
            display, where, f"{conda} conda package(s) not checked: bumpguard guards PyPI packages"
        )
    return read_lines(lines, path, ctx)


def _pip_lines(entries: object, where: int, display: str) -> list[tuple[int, str]]:
    """The requirements-file lines of one ``pip:`` list as pip reads the file conda writes
    (entries joined by newlines: pip's ``join_lines`` and ``ignore_comments``), each with
    the line of its entry."""
    if entries is None:
        return []
    if not isinstance(entries, _yaml.LineList):
        raise InputError(display, where, "'pip' must be a list of requirement lines")
    physical: list[tuple[int, str]] = []
    for index, entry in enumerate(entries):
        number = entries.lines[index]
        if not isinstance(entry, str):
            raise InputError(display, number, f"a pip requirement must be a string, not {entry!r}")
        physical.extend((number, part) for part in entry.splitlines() or [""])
    # pip joins a line that ends in "\" with the next one (unless it is a comment line),
    # then drops comments.
    found: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, part in physical:
        is_comment = _COMMENT.match(part) is not None
        if part.endswith("\\") and not is_comment:
            if not pending:
                start = number
            pending.append(part.strip("\\"))
            continue
        if is_comment:
            part = " " + part  # so that the comment is still one once joined
        if pending:
            found.append((start, "".join([*pending, part])))
            pending = []
        else:
            found.append((number, part))
    if pending:
        found.append((start, "".join(pending)))
    found = [(number, _COMMENT.sub("", line).strip()) for number, line in found]
    return [(number, line) for number, line in found if line]
