"""What Python runs at start-up from installed files: the one definition of a start-up hook.

``pip install``, ``approve``/``verify`` inspection and ``scan-env`` all use it. It follows
``site.py`` (Python 3.10 to 3.13), and where versions differ it counts what any of them
runs:

* ``site`` processes every file in a site directory whose name ends with ``.pth`` (exactly:
  ``X.PTH`` is skipped). 3.13 skips names starting with ``.``; older versions do not, so
  those count too.
* 3.13 decodes the bytes as UTF-8 with an optional BOM, and falls back to the locale
  encoding; older versions read in the locale encoding, where a BOM stays part of the first
  line. The BOM is dropped here (3.13 runs such a line), and bytes that are not UTF-8 are
  read as Latin-1, as an ASCII-compatible locale would: ``import`` is ASCII either way.
* 3.13 splits lines with ``str.splitlines``, a superset of the universal newlines (``\\n``,
  ``\\r``, ``\\r\\n``) older versions use: every line any version sees starts a line here.
* A line starting with ``#`` is a comment and a blank line is skipped. A line starting with
  ``import`` followed by a space or a tab is executed, exactly as written: a leading space
  makes it a path. Any other line, right-stripped, is a directory added to ``sys.path``
  relative to the site directory, when it exists.
* After that, ``site`` imports ``sitecustomize`` and (when the user site is enabled)
  ``usercustomize`` from ``sys.path``, so a customize module at the top of a site directory,
  or in any directory a ``.pth`` line adds, runs at every start-up.

litellm 1.82.8's ``litellm_init.pth`` used the first mechanism. A line that is not an import
but does not look like a path either is reported as well (a warning): nothing legitimate
puts code-like text in a ``.pth`` file.

Some projects publish hooks on purpose (setuptools' ``distutils-precedence.pth``,
virtualenv's ``_virtualenv.pth``, editable installs, namespace packages). They are
recognised by content, never by name: see :func:`recognise` and ``known_hooks.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

# Modules that Python imports at start-up when they are importable from sys.path.
CUSTOMIZE_MODULES = frozenset({"sitecustomize", "usercustomize"})

# The compromised litellm 1.82.8 start-up hook.
LITELLM_PTH_NAME = "litellm_init.pth"
LITELLM_PTH_SHA256 = "71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238"

_CODE_LIKE = re.compile(r"[;()=`$]|\bexec\b|\beval\b|__import__|\\x[0-9a-f]{2}", re.IGNORECASE)
# Files an import statement can load a module from: source, bytecode, extension modules
# (with or without an ABI tag, as ``sitecustomize.cpython-311-x86_64-linux-gnu.so``).
_MODULE_FILE = re.compile(
    r"^(?P<module>[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z0-9_-]+)?\.(?:py|pyc|pyw|so|pyd)$"
)


@dataclass(frozen=True)
class PthLine:
    """One line of a ``.pth`` file that is, or looks like, code."""

    number: int
    text: str
    executed: bool  # True: site runs it; False: code-like text site would treat as a path


def is_pth(name: str) -> bool:
    """Whether ``site`` processes a file of this name in a site directory."""
    return name.endswith(".pth")


def decode(raw: bytes) -> str:
    """A ``.pth`` file's text as ``site`` reads it (see the module docstring)."""
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line)
        for number, line in enumerate(text.splitlines(), 1)
        if not line.startswith("#") and line.strip()
    ]


def executable_lines(text: str) -> list[PthLine]:
    """The lines of a ``.pth`` file that run (``import ...``) or look like code."""
    found: list[PthLine] = []
    for number, line in _lines(text):
        if line.startswith(("import ", "import\t")):
            found.append(PthLine(number, line.rstrip()[:200], True))
        elif _CODE_LIKE.search(line):
            found.append(PthLine(number, line.rstrip()[:200], False))
    return found


def added_paths(text: str) -> list[str]:
    """The directories a ``.pth`` file adds to ``sys.path`` (as written: relative ones are
    relative to the site directory)."""
    return [
        line.rstrip() for _, line in _lines(text) if not line.startswith(("import ", "import\t"))
    ]


def customize_module(name: str, is_dir: bool) -> str | None:
    """``sitecustomize``/``usercustomize`` when a directory entry of this name is importable
    as that module (a module file or a package directory), else ``None``."""
    if is_dir:
        return name if name in CUSTOMIZE_MODULES else None
    match = _MODULE_FILE.match(name)
    module = match.group("module") if match else None
    return module if module in CUSTOMIZE_MODULES else None


def describe(lines: list[PthLine]) -> str:
    """``line 1: import os; ...`` for messages (the first line, and how many more)."""
    first = lines[0]
    kind = "runs at start-up" if first.executed else "looks like code"
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    shown = first.text if len(first.text) <= 80 else first.text[:77] + "..."
    return f"line {first.number} {kind}: {shown}{more}"


# --- hooks real projects publish ----------------------------------------------------------


@dataclass(frozen=True)
class KnownHook:
    """One exact hook a real project publishes (an entry of ``known_hooks.json``)."""

    owner: str | None  # the distribution whose RECORD lists it; None: none does (a venv's)
    path: str  # relative to the site directory
    sha256: str
    versions: str
    source: str


@cache
def _data() -> dict[str, Any]:
    """``known_hooks.json``, read once."""
    data: dict[str, Any] = json.loads(
        Path(__file__).with_name("known_hooks.json").read_text("utf-8")
    )
    return data


@cache
def known_hooks() -> dict[tuple[str, str], KnownHook]:
    """``known_hooks.json``'s exact hooks, by (path, sha256)."""
    hooks = [KnownHook(**entry) for entry in _data()["hooks"]]
    return {(hook.path, hook.sha256): hook for hook in hooks}


# setuptools' editable install (``pip install -e`` of a setuptools project, PEP 660,
# setuptools 64+): ``__editable__.X.pth`` holding exactly ``import F; F.install()``, no
# newline, where F is ``__editable__.X.finder`` made an identifier, and the finder module
# ``F.py`` that the same RECORD lists.
_EDITABLE_PTH = re.compile(r"^__editable__\.(?P<x>.+)\.pth$")
# The ``editables`` library (hatchling's exact editable mode): one line importing the
# generated ``_editable_impl_NAME`` module the same RECORD lists, then folders.
_EDITABLES_IMPORT = re.compile(r"^import (_editable_impl_[a-z0-9_]+)$")
# pkg_resources-style namespace packages (setuptools' ``namespace_packages``): each line of
# ``NAME-nspkg.pth`` is one of setuptools' templates filled in with one namespace, whose
# parts the line's own ``*('a', 'b')`` tuple names. The line is rebuilt from each template
# with those names and must come out identical: nothing else may vary.
_NSPKG_PTH = re.compile(r"-nspkg\.pth$")
_NAMESPACE = re.compile(r"\*\(((?:'[A-Za-z_][A-Za-z0-9_]*', )*'[A-Za-z_][A-Za-z0-9_]*',?)\)")


def _nspkg_templates() -> tuple[str, ...]:
    return tuple(_data()["nspkg_templates"])


def _nspkg_line(line: str) -> bool:
    match = _NAMESPACE.search(line)
    if match is None:
        return False
    parts = tuple(re.findall(r"'([A-Za-z_][A-Za-z0-9_]*)'", match.group(1)))
    pkg = ".".join(parts)
    parent, _, child = pkg.rpartition(".")
    names = {"pth": parts, "pkg": pkg, "parent": parent, "child": child}
    return any(template % names == line for template in _nspkg_templates())


def recognise(path: str, raw: bytes, owner: str | None, owner_files: Collection[str]) -> str | None:
    """Why this hook is a known, benign one, or ``None``.

    ``path`` is the hook's path relative to the site directory, ``owner`` the canonical
    name of the distribution whose RECORD lists it (``None``: none does) and
    ``owner_files`` the paths that RECORD lists. A hook is benign only when its exact bytes
    are known for that owner, or when it is an exact instance of a template whose other
    half (the module it imports) the same owner installs.
    """
    digest = hashlib.sha256(raw).hexdigest()
    known = known_hooks().get((path, digest))
    if known is not None and known.owner == owner:
        who = f"{owner}'s" if owner else "the virtual environment's"
        return f"{who} {path}, a known hook (sha256 {digest[:12]}..., {known.versions})"
    if owner is None or "/" in path:
        return None
    text = decode(raw)
    lines = [line for _, line in _lines(text)]
    imports = [line for line in lines if line.startswith(("import ", "import\t"))]
    editable = _EDITABLE_PTH.match(path)
    if editable and lines == [text]:
        finder = re.sub(r"\W|^(?=\d)", "_", f"__editable__.{editable.group('x')}.finder")
        if text == f"import {finder}; {finder}.install()" and f"{finder}.py" in owner_files:
            return f"{owner}'s editable install (setuptools finder {finder})"
    if len(imports) == 1 and imports[0] == lines[0]:
        match = _EDITABLES_IMPORT.match(imports[0])
        if match and f"{match.group(1)}.py" in owner_files:
            return f"{owner}'s editable install (editables module {match.group(1)})"
    nspkg = _NSPKG_PTH.search(path) and lines == imports
    if nspkg and all(_nspkg_line(line) for line in lines):
        return f"{owner}'s namespace package loader (setuptools' nspkg template)"
    return None
