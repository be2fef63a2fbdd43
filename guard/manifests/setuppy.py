"""Reader for ``setup.py``: the requirements its ``setup()`` calls declare, read from the
syntax tree. The file is parsed with :mod:`ast`; it is never run or imported.

Read: ``install_requires``, ``setup_requires``, ``tests_require`` and ``extras_require``
(a key's ``:marker`` applies to its requirements), and ``dependency_links`` (recorded as
indexes), of every call of ``setup`` (``setup(...)``, ``setuptools.setup(...)``, a name
imported ``as`` another) wherever it is: at the top, under ``if __name__ ==
"__main__":``, in a function. A value is followed to the literals it is built from:

* strings (one requirement a line, as setuptools splits them), lists, tuples and sets,
  dicts and ``dict(a=[...])``;
* names: every assignment of the name in its scope counts (``REQUIRES = [...]``,
  annotated, ``+=``, ``REQUIRES.append(...)``, ``EXTRAS["dev"] = [...]``), so a name
  assigned in two branches reads both, the stricter result;
* ``+`` and ``|``, both branches of ``a if c else b``, ``list(...)``, ``sorted(...)``, an
  indexed value (``DEPS["core"]`` reads all of ``DEPS``);
* ``setup(**kwargs)`` with a dict built the same way.

Anything else (a call such as ``open("requirements.txt").read().splitlines()``, a
comprehension, an f-string, a name bound by an import or a loop) is not an error: it is
noted with its line (:meth:`ReadContext.note`), and the rest is read.
"""

from __future__ import annotations

import ast
import codecs
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name

from guard._files import read_bytes
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.requirements import from_requirement, parse_requirement
from guard.model import Dependency

#: Real setup.py files are a few KiB, rarely a hundred. The syntax tree of dense code takes
#: up to a KiB of memory per byte of source, so larger files are refused (exit 2): at this
#: cap, parsing stays well under a second and 500 MiB.
MAX_SETUP_PY_BYTES = 512 * 1024

_REQUIREMENTS = frozenset({"install_requires", "setup_requires", "tests_require", "extras_require"})
_LINKS = "dependency_links"
_KEYWORDS = _REQUIREMENTS | {_LINKS}
# PEP 263: a coding declaration on line 1, or on line 2 below a comment or blank line.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_BLANK = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
#: Calls that give back what they are given (as far as requirements go).
_CONVERSIONS = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "dict", "sum", "chain", "from_iterable"}
)
#: Methods that give back (part of) what they are called on.
_VIEWS = frozenset({"values", "copy", "items"})
#: Methods that add to a list, set or dict, and the argument that holds what is added.
_ADDING = {"append": 0, "add": 0, "extend": 0, "update": 0, "insert": 1}
_REQUIREMENTS_FILES = (
    ": bumpguard reads requirements files itself when they are named requirements*.txt "
    "or lie in requirements/"
)
#: Calls that look like they read a file.
_READING = re.compile(r"read|open|splitlines|load|parse", re.IGNORECASE)
#: Calls that fill a dict passed to them with whatever code they run.
_EXEC = frozenset({"exec", "execfile", "eval"})


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read the requirements the ``setup()`` calls of a ``setup.py`` declare."""
    display = ctx.display(path)
    data = read_bytes(path, display, limit=MAX_SETUP_PY_BYTES, root=ctx.root)
    tree = _parse(_decode(data, display), display)
    module = _Module(tree)
    values = _Values(module, display, ctx)
    calls = module.setup_calls()
    if not calls:
        ctx.note(display, None, "no setup() call found: nothing read")
    for call, scope in calls:
        for keyword in call.keywords:
            if keyword.arg is None:
                values.kwargs(keyword.value, scope)
            else:
                values.keyword(keyword.arg, keyword.value, scope)
    deps: dict[Dependency, None] = {}
    for number, text, marker in values.requirements:
        dep = from_requirement(parse_requirement(text, display, number), display, number)
        if marker is not None:
            both = marker if dep.marker is None else f"({dep.marker}) and ({marker})"
            dep = replace(dep, marker=str(Marker(both)))
        deps[dep] = None
    for number, url in values.links:
        ctx.add_index(display, number, "setup.py dependency_links", url)
    # A project's own extras (``app[test]`` in app's extras_require) are the project
    # itself, never a dependency of its own.
    own = {canonicalize_name(name) for name in values.names}
    found = [dep for dep in deps if dep.name not in own or dep.source != "index"]
    return sorted(found, key=lambda dep: dep.line)


def requirement_lines(lines: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """Requirement strings as setuptools reads them (``parse_strings``): stripped, empty
    lines and ``#`` lines dropped, `` #`` comments cut, a line ending in ``\\`` joined with
    the next one (setuptools drops the character before the ``\\`` too)."""
    items: list[tuple[int, str]] = []
    for number, text in lines:
        text = text.strip()
        if text and not text.startswith("#"):
            items.append((number, text.partition(" #")[0].strip()))
    joined: list[tuple[int, str]] = []
    pending = iter(items)
    for number, text in pending:
        while text.endswith("\\"):
            following = next(pending, None)
            if following is None:
                return joined
            text = text[:-2].strip() + following[1]
        joined.append((number, text))
    return joined


# ---------------------------------------------------------------------------------------
# Bytes and syntax


def _decode(data: bytes, display: str) -> str:
    """The source text as Python reads it: UTF-8 (a BOM allowed), or the encoding a PEP 263
    declaration names."""
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    codec, declared_at = "utf-8", None
    for number, head in enumerate(data.split(b"\n", 2)[:2], 1):
        match = _COOKIE.match(head)
        if match is not None:
            codec, declared_at = match.group(1).decode("ascii"), number
            break
        if not _BLANK.match(head):
            break
    try:
        name = codecs.lookup(codec).name
        text = data.decode(codec)
    except LookupError:  # unknown, or not a text encoding (rot13, base64 ...)
        raise InputError(
            display,
            declared_at,
            f"declares encoding {codec!r}, which is unknown or not a text encoding",
        ) from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        what = "UTF-8 text" if name == "utf-8" else f"{codec} text (the encoding it declares)"
        raise InputError(display, line, f"not valid {what}") from None
    except ValueError as exc:  # a UnicodeError without a position
        raise InputError(display, declared_at, f"cannot be decoded as {codec}: {exc}") from None
    if bom and name != "utf-8":
        raise InputError(display, declared_at, f"has a UTF-8 BOM but declares {codec!r}")
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise InputError(display, line, "contains a NUL character")
    return text


def _parse(text: str, display: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
            return ast.parse(text, filename=display)
    except SyntaxError as exc:
        raise InputError(display, exc.lineno, f"not valid Python: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise InputError(display, None, "nested too deeply to read") from None
    except ValueError as exc:
        raise InputError(display, None, f"not valid Python: {exc}") from None


# ---------------------------------------------------------------------------------------
# Names


@dataclass(frozen=True)
class _Binding:
    """What one statement puts in a name: ``value``, read in ``scope``, stored under
    ``key`` (``NAME[key] = value``) if any; or, when ``value`` is ``None``, ``why`` it
    cannot be read (``an import``)."""

    line: int
    scope: ast.AST
    value: ast.expr | None = None
    key: ast.expr | None = None
    why: str = ""
    #: What an unreadable binding comes from (``open("r.txt")`` of ``with ... as f``),
    #: for the hint in its note.
    origin: ast.expr | None = None


class _Module:
    """The scopes of a module (itself, each function, class and lambda), the bindings of
    every name in them, and the calls of ``setup``. Walked once, without recursion."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.parents: dict[ast.AST, ast.AST | None] = {tree: None}
        self.bindings: dict[tuple[ast.AST, str], list[_Binding]] = defaultdict(list)
        self.declared: set[tuple[ast.AST, str]] = set()  # global and nonlocal
        self.setup_names = {"setup"}
        self._named_calls: list[tuple[ast.Call, ast.AST]] = []
        self._attribute_calls: list[tuple[ast.Call, ast.AST]] = []
        # NAME.append(x), NAME[k] = x: they change the name where it is bound.
        self._changes: list[tuple[str, ast.AST, _Binding]] = []
        self._walk()
        for name, scope, binding in self._changes:
            self.bindings[(self.scope_of(name, scope), name)].append(binding)

    def setup_calls(self) -> list[tuple[ast.Call, ast.AST]]:
        """Every call of ``setup`` (or of a name imported as it), in file order."""
        named = [
            (call, scope)
            for call, scope in self._named_calls
            if isinstance(call.func, ast.Name) and call.func.id in self.setup_names
        ]
        calls = named + self._attribute_calls
        return sorted(calls, key=lambda item: (item[0].lineno, item[0].col_offset))

    def lookup(self, name: str, scope: ast.AST) -> list[_Binding]:
        """Every binding of ``name`` as seen from ``scope``."""
        return self.bindings.get((self.scope_of(name, scope), name), [])

    def scope_of(self, name: str, scope: ast.AST) -> ast.AST:
        """The scope ``name`` resolves to from ``scope`` (the module if none binds it)."""
        current: ast.AST | None = scope
        while current is not None and current is not self.tree:
            if (current, name) in self.declared:
                return self.tree
            if (current, name) in self.bindings:
                return current
            current = self.parents.get(current)
        return self.tree

    def _walk(self) -> None:
        stack: list[tuple[ast.AST, ast.AST]] = [(self.tree, self.tree)]
        while stack:
            node, scope = stack.pop()
            if isinstance(node, _SCOPES) and node is not scope:
                self.parents[node] = scope
                if not isinstance(node, ast.Lambda):
                    self._bind(scope, node.name, _Binding(node.lineno, scope, why="a def"))
                inner: list[tuple[ast.AST, ast.AST]] = []
                for field, value in ast.iter_fields(node):
                    here = node if field in ("body", "args") else scope
                    for child in value if isinstance(value, list) else [value]:
                        if isinstance(child, ast.AST):
                            inner.append((child, here))
                stack.extend(reversed(inner))
                continue
            self._visit(node, scope)
            stack.extend((child, scope) for child in reversed(list(ast.iter_child_nodes(node))))

    def _visit(self, node: ast.AST, scope: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._assign(target, node.value, scope, node.lineno)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._assign(node.target, node.value, scope, node.lineno)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.op, (ast.Add, ast.BitOr)):
                self._assign(node.target, node.value, scope, node.lineno)
            else:
                self._opaque(node.target, scope, "an augmented assignment")
        elif isinstance(node, ast.NamedExpr):
            self._assign(node.target, node.value, scope, node.lineno)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._opaque(node.target, scope, "a for loop", node.iter)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._opaque(node.optional_vars, scope, "a with statement", node.context_expr)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            self._bind(scope, node.name, _Binding(node.lineno, scope, why="an except clause"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            self._import(node, scope)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            self.declared.update((scope, name) for name in node.names)
        elif isinstance(node, ast.arg) and scope is not self.tree:
            self._bind(scope, node.arg, _Binding(node.lineno, scope, why="a parameter"))
        elif isinstance(node, ast.Call):
            self._call(node, scope)

    def _bind(self, scope: ast.AST, name: str, binding: _Binding) -> None:
        if (scope, name) in self.declared:  # global (or nonlocal): bound further out
            scope = self.tree
        self.bindings[(scope, name)].append(binding)

    def _assign(self, target: ast.expr, value: ast.expr, scope: ast.AST, line: int) -> None:
        if isinstance(target, ast.Name):
            self._bind(scope, target.id, _Binding(line, scope, value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            pairs = isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
            starred = any(isinstance(e, ast.Starred) for e in target.elts)
            if pairs and not starred and isinstance(value, (ast.Tuple, ast.List)):
                for one, its in zip(target.elts, value.elts, strict=True):
                    self._assign(one, its, scope, line)
            else:
                self._opaque(target, scope, "unpacking")
        elif isinstance(target, ast.Subscript):
            base, key = target.value, target.slice
            if isinstance(base, ast.Name):
                self._changes.append((base.id, scope, _Binding(line, scope, value, key)))
        elif isinstance(target, ast.Starred):
            self._opaque(target, scope, "unpacking")

    def _opaque(
        self, target: ast.expr, scope: ast.AST, why: str, origin: ast.expr | None = None
    ) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                binding = _Binding(node.lineno, scope, why=why, origin=origin)
                self._bind(scope, node.id, binding)

    def _import(self, node: ast.Import | ast.ImportFrom, scope: ast.AST) -> None:
        for alias in node.names:
            if alias.name == "*":
                continue
            bound = alias.asname or alias.name.split(".")[0]
            self._bind(scope, bound, _Binding(node.lineno, scope, why="an import"))
            if isinstance(node, ast.ImportFrom) and alias.name == "setup":
                self.setup_names.add(bound)

    def _call(self, call: ast.Call, scope: ast.AST) -> None:
        func = call.func
        if isinstance(func, ast.Name):
            self._named_calls.append((call, scope))
            if func.id in _EXEC:
                for arg in call.args[1:]:
                    if isinstance(arg, ast.Name):
                        why = f"{func.id}(), which fills it with what it runs"
                        self._changes.append((arg.id, scope, _Binding(call.lineno, scope, why=why)))
            return
        if not isinstance(func, ast.Attribute):
            return
        if func.attr == "setup":
            self._attribute_calls.append((call, scope))
        if not isinstance(func.value, ast.Name):
            return
        name, line = func.value.id, call.lineno
        index = _ADDING.get(func.attr)
        if index is not None and len(call.args) > index:
            self._changes.append((name, scope, _Binding(line, scope, call.args[index])))
        if func.attr == "update":
            for keyword in call.keywords:
                key = None if keyword.arg is None else ast.Constant(keyword.arg, lineno=line)
                self._changes.append((name, scope, _Binding(line, scope, keyword.value, key)))
        elif func.attr == "setdefault" and len(call.args) >= 2:
            self._changes.append((name, scope, _Binding(line, scope, call.args[1], call.args[0])))


# ---------------------------------------------------------------------------------------
# Values


class _Values:
    """Follows the values of ``setup()`` keywords to the string literals they are built
    from, noting what cannot be followed. Each expression is read once (per marker), with
    an explicit stack: no depth of input exhausts Python's."""

    def __init__(self, module: _Module, display: str, ctx: ReadContext) -> None:
        self.module = module
        self.display = display
        self.ctx = ctx
        #: ``(line, requirement, marker of its extras_require key)``
        self.requirements: list[tuple[int, str, str | None]] = []
        self.links: list[tuple[int, str]] = []
        #: The project's own name, where ``name=`` is a literal.
        self.names: set[str] = set()
        self._seen: set[tuple[int, bool, str | None]] = set()
        self._noted: set[tuple[int | None, str]] = set()

    def keyword(self, name: str, value: ast.expr, scope: ast.AST) -> None:
        """Read one ``setup()`` keyword argument, if it is one that names requirements."""
        if name in _KEYWORDS:
            self._read(name, value, scope)
        elif name == "name":
            self._own_name(value, scope)

    def kwargs(self, value: ast.expr, scope: ast.AST) -> None:
        """Read ``setup(**value)``: the keywords of a dict built from literals."""
        what = "setup() keyword arguments"
        stack: list[tuple[ast.expr, ast.AST]] = [(value, scope)]
        seen: set[int] = set()
        while stack:
            node, scope = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ast.Dict):
                for key, item in zip(node.keys, node.values, strict=True):
                    if key is None:
                        stack.append((item, scope))
                    elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                        self.keyword(key.value, item, scope)
            elif isinstance(node, ast.Call) and _name(node.func) == "dict":
                for keyword in node.keywords:
                    if keyword.arg is None:
                        stack.append((keyword.value, scope))
                    else:
                        self.keyword(keyword.arg, keyword.value, scope)
                stack.extend((arg, scope) for arg in node.args)
            elif isinstance(node, ast.Name):
                bindings = self.module.lookup(node.id, scope)
                if not bindings:
                    self._unread(what, node, f"{node.id} is not assigned in this file", are=True)
                for binding in bindings:
                    if binding.value is None:
                        why = f"{node.id} is set by {binding.why}"
                        self._unread(what, binding.line, why, binding.origin, are=True)
                    elif binding.key is None:
                        stack.append((binding.value, binding.scope))
                    elif isinstance(binding.key, ast.Constant) and isinstance(
                        binding.key.value, str
                    ):
                        self.keyword(binding.key.value, binding.value, binding.scope)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
                stack.extend([(node.left, scope), (node.right, scope)])
            elif isinstance(node, ast.IfExp):
                stack.extend([(node.body, scope), (node.orelse, scope)])
            elif isinstance(node, ast.Call) and (viewed := _view_of(node)) is not None:
                stack.append((viewed, scope))
            else:
                self._unread(what, node, self._describe(node), scope, are=True)

    def _read(self, keyword: str, value: ast.expr, scope: ast.AST) -> None:
        links = keyword == _LINKS
        stack: list[tuple[ast.AST, ast.AST, str | None]] = [(value, scope, None)]
        while stack:
            node, scope, marker = stack.pop()
            seen = (id(node), links, marker)
            if seen in self._seen:
                continue
            self._seen.add(seen)
            if isinstance(node, ast.Constant):
                if isinstance(node.value, str):
                    self._string(node, links, marker)
                elif node.value is not None:
                    self._unread(keyword, node, self._describe(node), scope)
            elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
                stack.extend((item, scope, marker) for item in reversed(node.elts))
            elif isinstance(node, (ast.Starred, ast.Subscript)):
                stack.append((node.value, scope, marker))
            elif isinstance(node, ast.Dict):
                pairs = list(zip(node.keys, node.values, strict=True))
                stack.extend((v, scope, self._marker(marker, k)) for k, v in reversed(pairs))
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.BitOr)):
                stack.extend([(node.right, scope, marker), (node.left, scope, marker)])
            elif isinstance(node, ast.IfExp):
                stack.extend([(node.orelse, scope, marker), (node.body, scope, marker)])
            elif isinstance(node, ast.Call) and _name(node.func) in _CONVERSIONS:
                parts = [*node.args, *(keyword.value for keyword in node.keywords)]
                stack.extend((part, scope, marker) for part in reversed(parts))
            elif isinstance(node, ast.Call) and (viewed := _view_of(node)) is not None:
                stack.append((viewed, scope, marker))
            elif isinstance(node, ast.Name):
                bindings = self.module.lookup(node.id, scope)
                if not bindings:
                    self._unread(keyword, node, f"{node.id} is not assigned in this file")
                for binding in reversed(bindings):
                    if binding.value is None:
                        why = f"{node.id} is set by {binding.why}"
                        self._unread(keyword, binding.line, why, binding.origin)
                    else:
                        key_marker = self._marker(marker, binding.key)
                        stack.append((binding.value, binding.scope, key_marker))
            else:
                self._unread(keyword, node, self._describe(node), scope)

    def _string(self, node: ast.Constant, links: bool, marker: str | None) -> None:
        text = str(node.value)
        # A string over several source lines (triple quotes) gives each requirement its
        # own line; one with escaped line ends, the line where it starts.
        exact = node.end_lineno is not None and node.end_lineno - node.lineno == text.count("\n")
        lines: list[tuple[int, str]] = []
        for offset, line in enumerate(text.split("\n") if exact else [text]):
            lines.extend((node.lineno + offset, part) for part in line.splitlines())
        if links:
            self.links.extend((n, part.strip()) for n, part in lines if part.strip())
        else:
            self.requirements.extend((n, req, marker) for n, req in requirement_lines(lines))

    def _marker(self, outer: str | None, key: ast.AST | None) -> str | None:
        """The marker of an ``extras_require`` key (``"socks:sys_platform == 'win32'"``),
        combined with the one the requirements are under already."""
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return outer
        text = key.value.partition(":")[2].strip()
        if not text:
            return outer
        try:
            marker = str(Marker(text))
        except InvalidMarker as exc:
            reason = str(exc).splitlines()[0]
            raise InputError(
                self.display, key.lineno, f"invalid marker in extras_require key: {reason}"
            ) from None
        return marker if outer is None else str(Marker(f"({outer}) and ({marker})"))

    def _own_name(self, value: ast.expr, scope: ast.AST) -> None:
        candidates: list[ast.expr | None] = [value]
        if isinstance(value, ast.Name):
            candidates = [b.value for b in self.module.lookup(value.id, scope)]
        for node in candidates:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.names.add(node.value)

    def _unread(
        self,
        what: str,
        where: ast.AST | int,
        why: str,
        context: ast.AST | None = None,
        *,
        are: bool = False,
    ) -> None:
        """Note that part of ``what`` cannot be read. ``context`` is the scope of the
        expression ``where`` (for its hint), or what an unreadable binding comes from."""
        line = where if isinstance(where, int) else getattr(where, "lineno", None)
        verb = "are" if are else "is"
        text = f"{what} {verb} not a literal here ({why}): not read{self._hint(where, context)}"
        if (line, text) not in self._noted:
            self._noted.add((line, text))
            self.ctx.note(self.display, line, text)

    def _hint(self, where: ast.AST | int, context: ast.AST | None) -> str:
        """What to do when an expression seems to read a requirements file: one that names
        such a file, or calls a method of something opened from one (``with open(...) as
        f: f.read()``)."""
        places: list[ast.AST] = []
        if isinstance(where, ast.AST):
            places.append(where)
            if context is not None:
                names = [n.id for n in ast.walk(where) if isinstance(n, ast.Name)][:8]
                for used in names:
                    bindings = self.module.lookup(used, context)
                    places.extend(b.origin for b in bindings if b.origin is not None)
        elif context is not None:
            places.append(context)
        for place in places:
            for sub in ast.walk(place):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    name = sub.value
                    if name.endswith((".txt", ".in")) or "requirements" in name.lower():
                        shown = name if len(name) <= 80 else name[:77] + "..."
                        return f"; it seems to read {shown!r}{_REQUIREMENTS_FILES}"
        if isinstance(where, ast.Call) and _READING.search(_callee(where.func)):
            return f"; if it reads a requirements file{_REQUIREMENTS_FILES}"
        return ""

    @staticmethod
    def _describe(node: ast.AST) -> str:
        if isinstance(node, ast.Call):
            return f"a call to {_callee(node.func)}()"
        if isinstance(node, _COMPREHENSIONS):
            return "a comprehension"
        if isinstance(node, ast.JoinedStr):
            return "an f-string"
        if isinstance(node, ast.Attribute):
            return f"an attribute, {_callee(node)}"
        if isinstance(node, ast.Lambda):
            return "a lambda"
        if isinstance(node, ast.Constant):
            return f"a {type(node.value).__name__} constant"
        return "an expression"


def _name(func: ast.expr) -> str | None:
    """The name called: ``list`` in ``list(x)``, ``chain`` in ``itertools.chain(x)``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and func.attr in ("chain", "from_iterable"):
        return func.attr
    return None


def _view_of(call: ast.Call) -> ast.expr | None:
    """``x`` in ``x.values()``, ``x.copy()``: what such a call gives (part of) back."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _VIEWS and not call.args:
        return func.value
    return None


def _callee(func: ast.AST) -> str:
    """A short spelling of what is called: ``open().read().splitlines``."""
    parts: list[str] = []
    node = func
    for _ in range(8):
        if isinstance(node, ast.Name):
            parts.append(node.id)
            break
        if isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        else:
            parts.append("(...)")
            break
    else:
        parts.append("...")
    return "".join(reversed(parts))
