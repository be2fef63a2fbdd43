"""Reader for ``setup.cfg``: the requirements setuptools reads from ``[options]`` and
``[options.extras_require]``, and the tox sections (tox reads ``setup.cfg`` too).

A requirement value is read the way setuptools reads it: ``%(key)s`` interpolated from the
same section, then a value on several lines has one requirement a line (``;`` starts an
environment marker, a line starting with ``#`` is a comment, `` #`` starts one); a value on
one line is split at ``;``. ``file: a.txt, b.txt`` (setuptools 62.6 and later) reads those
files, relative to ``setup.cfg``'s folder, as requirements files. Nothing is built or run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from packaging.utils import canonicalize_name

from guard._files import read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.requirements import from_requirement, parse_requirement, read_included
from guard.manifests.setuppy import requirement_lines
from guard.manifests.toxini import IniFile, IniOption, parse_ini, read_tox
from guard.model import Dependency

_LISTS = ("install_requires", "setup_requires", "tests_require")
_FILE = "file:"
_INTERPOLATION = re.compile(r"%\(([^)]*)\)s")
_INTERPOLATION_ANY = re.compile(r"%%|%\(([^)]*)\)s")
#: configparser's MAX_INTERPOLATION_DEPTH.
_MAX_INTERPOLATION_DEPTH = 10
_MAX_INTERPOLATIONS = 10_000


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read the requirements a ``setup.cfg`` declares, and its tox configuration."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    ini = parse_ini(text, display)
    deps: list[Dependency] = []
    for key in _LISTS:
        for option in ini.get("options", key):
            deps.extend(_requirements(option, ini, path, ctx))
    for option in ini.items("options.extras_require"):
        deps.extend(_requirements(option, ini, path, ctx))
    _indexes(ini, display, ctx)
    # A project's own extras (``app[test]`` in app's extras_require) are the project
    # itself, never a dependency of its own. (tox installs ``deps`` from the index before
    # the project: those all count.)
    names = (next((t for _, t in o.values if t), "") for o in ini.get("metadata", "name"))
    own = {canonicalize_name(name) for name in names if name}
    unique = dict.fromkeys(deps)  # an interpolated value reads the lines it names again
    found = [dep for dep in unique if dep.name not in own or dep.source != "index"]
    return found + read_tox(ini, path, ctx, core="tox:tox")


def _requirements(
    option: IniOption, ini: IniFile, path: Path, ctx: ReadContext
) -> list[Dependency]:
    display = ini.display
    values = _interpolate(option, ini, 0, [_MAX_INTERPOLATIONS])
    while values and not values[-1][1]:
        values.pop()
    first = next(((n, t) for n, t in values if t), None)
    if first is None:
        return []
    if first[1].startswith(_FILE):
        return _files(option, values, path, ctx)
    multiline = len(values) > 1
    if multiline:
        lines = [(n, part) for n, text in values for part in text.splitlines()]
    else:
        number, text = values[0]
        lines = [(number, part) for part in text.split(";")]
    deps: list[Dependency] = []
    for number, text in requirement_lines(lines):
        try:
            req = parse_requirement(text, display, number)
        except InputError as exc:
            if multiline or ";" not in values[0][1]:
                raise
            raise InputError(
                display,
                number,
                f"{exc.detail} (setuptools splits a value on one line at ';': write a "
                "requirement with an environment marker on a line of its own)",
            ) from None
        deps.append(from_requirement(req, display, number))
    return deps


def _interpolate(
    option: IniOption, ini: IniFile, depth: int, budget: list[int]
) -> list[tuple[int, str]]:
    """The value's lines after configparser's ``%(key)s`` interpolation (setuptools reads
    ``setup.cfg`` with it): a line that is one ``%(key)s`` becomes that option's lines,
    each with its own number; one inside a line is replaced by its text."""
    lines: list[tuple[int, str]] = []
    for number, text in option.values:
        if "%" not in text:
            lines.append((number, text))
            continue
        whole = _INTERPOLATION.fullmatch(text)
        if whole is not None:
            for referenced in _referenced(option, ini, whole.group(1), number, depth, budget):
                lines.extend(_interpolate(referenced, ini, depth + 1, budget))
            continue

        def substitute(match: re.Match[str], number: int = number) -> str:
            if match.group() == "%%":
                return "%"
            found = _referenced(option, ini, match.group(1), number, depth, budget)
            parts = (_interpolate(o, ini, depth + 1, budget) for o in found)
            return "\n".join(t for part in parts for _, t in part).strip()

        expanded = _INTERPOLATION_ANY.sub(substitute, text)
        lines.extend((number, part) for part in expanded.split("\n"))
    return lines


def _referenced(
    option: IniOption, ini: IniFile, key: str, number: int, depth: int, budget: list[int]
) -> list[IniOption]:
    """The options ``%(key)s`` in ``option`` stands for; ``budget`` counts down the
    interpolations one value may make (a few references to references nest
    exponentially)."""
    budget[0] -= 1
    if depth >= _MAX_INTERPOLATION_DEPTH or budget[0] < 0:
        raise InputError(
            ini.display, number, f"%({key})s: interpolation nested or repeated too much"
        )
    found = ini.get(option.section, key)
    if not found:
        raise InputError(
            ini.display, number, f"%({key})s: [{option.section}] has no option {key!r}"
        )
    return found


def _files(
    option: IniOption, values: list[tuple[int, str]], path: Path, ctx: ReadContext
) -> list[Dependency]:
    """``file: requirements.txt, more.txt``: those files, read as requirements files."""
    display = ctx.display(path)
    text = ",".join(t for _, t in values if t)[len(_FILE) :]
    number = next(n for n, t in values if t)
    deps: list[Dependency] = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        target = path.parent / name
        if not ctx.inside(target):
            raise InputError(display, number, f"{option.key}: {name!r} is outside the repository")
        if not os.path.isfile(target):
            raise InputError(display, number, f"{option.key}: {name!r} not found")
        ctx.includes.setdefault(display, set()).add(ctx.display(target))
        deps.extend(read_included(target, ctx))
    return deps


def _indexes(ini: IniFile, display: str, ctx: ReadContext) -> None:
    """Record ``[options] dependency_links`` and ``[easy_install]`` indexes (where
    ``setup_requires`` are fetched from)."""
    for option in ini.get("options", "dependency_links"):
        for number, text in option.values:
            for url in text.replace(",", " ").split():
                ctx.add_index(display, number, "setup.cfg dependency_links", url)
    for key in ("index_url", "find_links"):
        for option in ini.get("easy_install", key):
            for number, text in option.values:
                for url in text.split():
                    ctx.add_index(display, number, f"setup.cfg [easy_install] {key}", url)
