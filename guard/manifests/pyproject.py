"""Reader for ``pyproject.toml``: PEP 621, PEP 735 dependency groups, build requires, Poetry,
and the lists of uv, Hatch and PDM (``[tool.uv] dev-dependencies``, constraints and
overrides; ``[tool.hatch.envs.*]`` dependencies; ``[tool.pdm.dev-dependencies]``). Every
package index or find-links location the file names (``[[tool.uv.index]]``,
``[[tool.poetry.source]]``, ``[[tool.pdm.source]]`` ...) is recorded in the context.

Line numbers come from searching the raw text forward from the header of the table that
holds each entry, so the same string in two tables is attributed to the right one.
Poetry constraints are translated to PEP 440: ``^1.2.3`` is ``>=1.2.3,<2.0.0``, ``~1.2.3``
is ``>=1.2.3,<1.3.0``, a bare ``1.2.3`` is an exact pin. Alternatives (``||``) cannot be
written as one PEP 440 specifier set and are kept as ``"<set> || <set>"``.
"""

from __future__ import annotations

import bisect
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from packaging.errors import ExceptionGroup
from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidName, canonicalize_name

from guard import _toml
from guard._files import read_text
from guard.errors import InputError
from guard.manifests.base import ReadContext
from guard.manifests.requirements import (
    exact_version,
    from_requirement,
    parse_requirement,
    read_included,
    read_lines,
)
from guard.model import Dependency, SourceKind

_GROUP_NAME = re.compile(r"[-_.]+")


def read(path: Path, ctx: ReadContext) -> list[Dependency]:
    """Read the dependencies a ``pyproject.toml`` declares (never its build backend)."""
    display = ctx.display(path)
    text = read_text(path, display, root=ctx.root)
    data = _toml.loads(text, display)
    doc = _Doc(text, display)
    deps: list[Dependency] = []
    deps.extend(_project(data, doc))
    deps.extend(_dependency_groups(data, doc))
    deps.extend(_build_system(data, doc))
    deps.extend(_poetry(data, doc))
    deps.extend(_setuptools_dynamic(data, doc, path, ctx))
    deps.extend(_uv_lists(data, doc))
    deps = _uv_sources(deps, data, doc)
    # [tool.uv.sources] is uv's: it does not redirect what Hatch and PDM install.
    deps.extend(_hatch(data, doc))
    deps.extend(_pdm(data, doc, path, ctx))
    _indexes(data, doc, ctx)
    # A project's own extras and groups (``app[torch]`` in app's optional-dependencies)
    # resolve to the project itself: it is never a dependency of its own.
    own = _own_names(data)
    return [dep for dep in deps if dep.name not in own or dep.source != "index"]


def _setuptools_dynamic(
    data: dict[str, Any], doc: _Doc, path: Path, ctx: ReadContext
) -> list[Dependency]:
    """The requirements files ``[tool.setuptools.dynamic]`` takes dependencies from
    (``dependencies = {file = [...]}``, and per extra), read as requirements files."""
    dynamic = _nested(data, "tool", "setuptools", "dynamic")
    if not isinstance(dynamic, dict):
        return []
    header = _first(doc.table("tool", "setuptools", "dynamic"), 0)
    specs: list[object] = [dynamic.get("dependencies")]
    extras = dynamic.get("optional-dependencies")
    if isinstance(extras, dict):
        specs.extend(extras.values())
    deps: list[Dependency] = []
    for spec in specs:
        if not isinstance(spec, dict) or "file" not in spec:
            continue
        files = spec["file"]
        names = [files] if isinstance(files, str) else files
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise doc.error(header, "[tool.setuptools.dynamic] 'file' must be a path or paths")
        for name in names:
            target = path.parent / name
            if not ctx.inside(target):
                raise doc.error(
                    header, f"dynamic dependencies file {name!r} is outside the repository"
                )
            if not os.path.isfile(target):
                raise doc.error(header, f"dynamic dependencies file {name!r} not found")
            ctx.includes.setdefault(doc.display, set()).add(ctx.display(target))
            deps.extend(read_included(target, ctx))
    return deps


def _uv_sources(deps: list[Dependency], data: dict[str, Any], doc: _Doc) -> list[Dependency]:
    """Apply ``[tool.uv.sources]``: uv installs a dependency named there from that git
    repository, URL or path instead of the index, whatever its version says."""
    sources = _nested(data, "tool", "uv", "sources")
    if not isinstance(sources, dict) or not sources:
        return deps
    header = _first(doc.table("tool", "uv", "sources"), 0)
    redirect: dict[str, list[tuple[SourceKind, str]]] = {}
    for raw, value in sources.items():
        entries = value if isinstance(value, list) else [value]
        found = [_uv_source(entry, doc, _first(doc.key(raw, header), header)) for entry in entries]
        redirect[canonicalize_name(str(raw))] = [s for s in found if s is not None]
    out: list[Dependency] = []
    for dep in deps:
        targets = redirect.get(dep.name)
        if not targets or dep.source != "index":
            out.append(dep)
            continue
        for kind, location in targets:
            version = dep.version if kind == "path" else None
            out.append(replace(dep, source=kind, location=location, version=version))
    return out


def _uv_source(entry: object, doc: _Doc, where: int) -> tuple[SourceKind, str] | None:
    if not isinstance(entry, dict):
        raise doc.error(where, "a [tool.uv.sources] entry must be a table")
    if isinstance(entry.get("git"), str):
        location = entry["git"] if entry["git"].startswith("git+") else f"git+{entry['git']}"
        ref = next(
            (entry[k] for k in ("rev", "tag", "branch") if isinstance(entry.get(k), str)), None
        )
        if ref:
            location += f"@{ref}"
        if isinstance(entry.get("subdirectory"), str):
            location += f"#subdirectory={entry['subdirectory']}"
        return "vcs", location
    if isinstance(entry.get("url"), str):
        return "url", entry["url"]
    if isinstance(entry.get("path"), str):
        return "path", entry["path"]
    if entry.get("workspace") is True:
        return None  # a member of this workspace: the repository's own code
    return None  # an `index` source: the version still comes from a (named) index


def _own_names(data: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for table in (data.get("project"), _nested(data, "tool", "poetry")):
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str):
            names.add(canonicalize_name(name))
    return names


def _nested(data: dict[str, Any], *keys: str) -> object:
    value: object = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


class _Doc:
    """The raw text of the file, for finding the line of tables, keys and strings."""

    def __init__(self, text: str, display: str) -> None:
        self.text = text
        self.display = display
        self._headers = [m.start() for m in re.finditer(r"^[ \t]*\[", text, re.MULTILINE)]
        self._newlines: list[int] | None = None  # offsets of every "\n", on first use

    def line(self, offset: int) -> int:
        """1-based line of ``offset`` (0 if ``offset`` is negative). A binary search over
        the newlines, so numbering every dependency stays linear in the file's size."""
        if offset < 0:
            return 0
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect.bisect_left(self._newlines, offset) + 1

    def table(self, *keys: str) -> int:
        """Offset of the ``[a.b.c]`` header, or -1."""
        body = r"[ \t]*\.[ \t]*".join(_key_pattern(key) for key in keys)
        match = re.search(rf"^[ \t]*\[[ \t]*{body}[ \t]*\]", self.text, re.MULTILINE)
        return match.start() if match else -1

    def end(self, start: int) -> int:
        """Offset of the next table header after ``start`` (or the end of the text)."""
        index = bisect.bisect_right(self._headers, start)
        return self._headers[index] if index < len(self._headers) else len(self.text)

    def key(self, key: str, start: int) -> int:
        """Offset of ``key =`` inside the table whose header is at ``start``, or -1."""
        if start < 0:
            return -1
        pattern = re.compile(rf"^[ \t]*{_key_pattern(key)}[ \t]*=", re.MULTILINE)
        match = pattern.search(self.text, start, self.end(start))
        return match.start() if match else -1

    def string(self, value: str, start: int) -> int:
        """Offset of the quoted string ``value`` from ``start`` to the next table, or -1."""
        start = max(start, 0)
        end = self.end(start)
        best = -1
        for quoted in (f'"{value}"', f"'{value}'"):
            # Search only up to the best match so far: the other quoting of a value is
            # rarely there, and searching for it to the end of a long array each time
            # would make numbering the whole array quadratic.
            found = self.text.find(quoted, start, end if best < 0 else best)
            if found >= 0:
                best = found
        return best

    def dotted(self, start: int, *keys: str) -> int:
        """Offset of the dotted key ``a.b = ...`` inside the table at ``start``, or -1."""
        if start < 0:
            return -1
        body = r"[ \t]*\.[ \t]*".join(_key_pattern(key) for key in keys)
        pattern = re.compile(rf"^[ \t]*{body}[ \t]*=", re.MULTILINE)
        match = pattern.search(self.text, start, self.end(start))
        return match.start() if match else -1

    def quoted(self, value: str, start: int) -> int:
        """Offset of the quoted string ``value``: in the table at ``start`` if it is
        there, else anywhere in the file; -1 if it is nowhere (an escaped spelling)."""
        return _first(
            self.string(value, start), self.text.find(f'"{value}"'), self.text.find(f"'{value}'")
        )

    def array_tables(self, *keys: str) -> list[int]:
        """Offsets of every ``[[a.b.c]]`` header, in order."""
        body = r"[ \t]*\.[ \t]*".join(_key_pattern(key) for key in keys)
        pattern = re.compile(rf"^[ \t]*\[\[[ \t]*{body}[ \t]*\]\]", re.MULTILINE)
        return [match.start() for match in pattern.finditer(self.text)]

    def error(self, offset: int, message: str) -> InputError:
        """An ``InputError`` at the line of ``offset``."""
        return InputError(self.display, self.line(offset) or None, message)


def _key_pattern(key: str) -> str:
    escaped = re.escape(key)
    return rf"(?:{escaped}|\"{escaped}\"|'{escaped}')"


def _first(*offsets: int) -> int:
    """The first offset that was found (not -1)."""
    return next((offset for offset in offsets if offset >= 0), -1)


def _table_offset(doc: _Doc, parent: tuple[str, ...], key: str) -> tuple[int, int]:
    """Offsets of the header that holds ``parent.key`` and of the place it starts.

    ``[parent.key]`` as its own table, else ``key = ...`` inside ``[parent]``.
    """
    own = doc.table(*parent, key)
    if own >= 0:
        return own, own
    header = doc.table(*parent)
    return header, _first(doc.key(key, header), header)


def _string_list(value: object, doc: _Doc, where: int, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise doc.error(where, f"{what} must be a list of strings")
    return [str(item) for item in value]


def _requirements(items: list[str], doc: _Doc, start: int) -> list[Dependency]:
    """PEP 508 strings found in order from ``start``."""
    deps: list[Dependency] = []
    cursor = start
    for item in items:
        found = doc.string(item, cursor)
        if found >= 0:
            cursor = found + len(item) + 2
        line = doc.line(found if found >= 0 else start)
        req = parse_requirement(item, doc.display, line)
        deps.append(from_requirement(req, doc.display, line))
    return deps


# ---------------------------------------------------------------------------------------
# PEP 621


def _project(data: dict[str, Any], doc: _Doc) -> list[Dependency]:
    project = data.get("project")
    if project is None:
        return []
    header = _first(doc.table("project"), doc.key("project", 0))
    if not isinstance(project, dict):
        raise doc.error(header, "[project] must be a table")
    deps: list[Dependency] = []
    if "dependencies" in project:
        where = _first(doc.key("dependencies", header), header)
        items = _string_list(project["dependencies"], doc, where, "[project] dependencies")
        deps.extend(_requirements(items, doc, where))
    if "optional-dependencies" in project:
        table, start = _table_offset(doc, ("project",), "optional-dependencies")
        extras = project["optional-dependencies"]
        if not isinstance(extras, dict):
            raise doc.error(start, "[project] optional-dependencies must be a table")
        for extra, value in extras.items():
            where = _first(doc.key(extra, table), start)
            what = f"optional-dependencies {extra!r}"
            deps.extend(_requirements(_string_list(value, doc, where, what), doc, where))
    return deps


def _build_system(data: dict[str, Any], doc: _Doc) -> list[Dependency]:
    build = data.get("build-system")
    if build is None:
        return []
    header = doc.table("build-system")
    if not isinstance(build, dict):
        raise doc.error(header, "[build-system] must be a table")
    if "requires" not in build:
        return []
    where = _first(doc.key("requires", header), header)
    items = _string_list(build["requires"], doc, where, "[build-system] requires")
    return _requirements(items, doc, where)


# ---------------------------------------------------------------------------------------
# PEP 735


def _dependency_groups(data: dict[str, Any], doc: _Doc) -> list[Dependency]:
    groups = data.get("dependency-groups")
    if groups is None:
        return []
    header = doc.table("dependency-groups")
    if not isinstance(groups, dict):
        raise doc.error(header, "[dependency-groups] must be a table")
    normalised = {_GROUP_NAME.sub("-", name).lower() for name in groups}
    deps: list[Dependency] = []
    include_at: dict[tuple[str, str], int] = {}
    for group, items in groups.items():
        where = _first(doc.key(group, header), header)
        if not isinstance(items, list):
            raise doc.error(where, f"dependency group {group!r} must be a list")
        cursor = where
        for item in items:
            if isinstance(item, str):
                found = doc.string(item, cursor)
                if found >= 0:
                    cursor = found + len(item) + 2
                line = doc.line(found if found >= 0 else where)
                req = parse_requirement(item, doc.display, line)
                deps.append(from_requirement(req, doc.display, line))
                continue
            if not (isinstance(item, dict) and set(item) == {"include-group"}):
                raise doc.error(where, f"invalid item in dependency group {group!r}: {item!r}")
            target = item["include-group"]
            if not isinstance(target, str):
                raise doc.error(where, f"include-group in {group!r} must be a string")
            found = doc.string(target, cursor)
            if found >= 0:
                cursor = found + len(target) + 2
            offset = found if found >= 0 else where
            target_name = _GROUP_NAME.sub("-", target).lower()
            include_at[(_GROUP_NAME.sub("-", group).lower(), target_name)] = offset
            if target_name not in normalised:
                raise doc.error(
                    offset, f"dependency group {group!r} includes unknown group {target!r}"
                )
    _validate_groups(groups, doc, header, include_at)
    return deps


def _validate_groups(
    groups: Mapping[str, Any], doc: _Doc, header: int, include_at: dict[tuple[str, str], int]
) -> None:
    """Let ``packaging`` check the groups: cycles, duplicate names, invalid requirements."""
    # Imported here: most pyproject.toml files have no [dependency-groups], and the hook
    # should not pay for the module (about a tenth of its imports) to read them.
    from packaging.dependency_groups import DependencyGroupResolver

    try:
        resolver = DependencyGroupResolver(groups)
        for group in groups:
            resolver.resolve(group)
    except ExceptionGroup as group_error:
        raise _group_error(group_error.exceptions[0], doc, header, include_at) from None
    except (ValueError, TypeError, LookupError) as exc:
        raise _group_error(exc, doc, header, include_at) from None


def _group_error(
    exc: Exception, doc: _Doc, header: int, include_at: dict[tuple[str, str], int]
) -> InputError:
    from packaging.dependency_groups import CyclicDependencyGroup

    while isinstance(exc, ExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, CyclicDependencyGroup):
        offset = include_at.get((exc.group, exc.include_group), header)
        return doc.error(offset, f"dependency group include cycle: {exc}")
    if isinstance(exc, InvalidRequirement):
        return doc.error(header, f"invalid requirement: {str(exc).splitlines()[0]}")
    return doc.error(header, f"invalid [dependency-groups]: {exc}")


# ---------------------------------------------------------------------------------------
# uv, Hatch and PDM

#: ``[tool.uv]`` keys that hold PEP 508 lists: uv installs, pins or forces what they say.
_UV_LISTS = (
    "dev-dependencies",
    "constraint-dependencies",
    "override-dependencies",
    "build-constraint-dependencies",
)


def _uv_lists(data: dict[str, Any], doc: _Doc) -> list[Dependency]:
    uv = _nested(data, "tool", "uv")
    if not isinstance(uv, dict):
        return []
    header = doc.table("tool", "uv")
    deps: list[Dependency] = []
    for key in _UV_LISTS:
        if key in uv:
            where = _first(doc.key(key, header), header)
            items = _string_list(uv[key], doc, where, f"[tool.uv] {key}")
            deps.extend(_requirements(items, doc, where))
    return deps


def _hatch(data: dict[str, Any], doc: _Doc) -> list[Dependency]:
    """``dependencies`` and ``extra-dependencies`` of every ``[tool.hatch.envs.<env>]``."""
    envs = _nested(data, "tool", "hatch", "envs")
    if envs is None:
        return []
    envs_header = _first(doc.table("tool", "hatch", "envs"), doc.table("tool", "hatch"))
    if not isinstance(envs, dict):
        raise doc.error(envs_header, "[tool.hatch.envs] must be a table")
    deps: list[Dependency] = []
    for name, env in envs.items():
        own = doc.table("tool", "hatch", "envs", name)
        header = _first(own, doc.key(name, envs_header), envs_header)
        if not isinstance(env, dict):
            raise doc.error(header, f"Hatch environment {name!r} must be a table")
        for key in ("dependencies", "extra-dependencies"):
            if key in env:
                where = _first(doc.key(key, own), doc.dotted(envs_header, name, key), header)
                what = f"[tool.hatch.envs.{name}] {key}"
                deps.extend(_requirements(_string_list(env[key], doc, where, what), doc, where))
    return deps


_PROJECT_ROOT = re.compile(r"^(?:file:///?)?\$\{PROJECT_ROOT\}(?=/|$)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def _pdm(data: dict[str, Any], doc: _Doc, path: Path, ctx: ReadContext) -> list[Dependency]:
    """``[tool.pdm.dev-dependencies]``: groups of PEP 508 strings and ``-e`` editables
    (``-e file:///${PROJECT_ROOT}/pkg``, a path from the project's folder)."""
    groups = _nested(data, "tool", "pdm", "dev-dependencies")
    if groups is None:
        return []
    table, start = _table_offset(doc, ("tool", "pdm"), "dev-dependencies")
    if not isinstance(groups, dict):
        raise doc.error(start, "[tool.pdm.dev-dependencies] must be a table")
    deps: list[Dependency] = []
    for group, value in groups.items():
        where = _first(doc.key(group, table), start)
        items = _string_list(value, doc, where, f"[tool.pdm.dev-dependencies] {group!r}")
        cursor = where
        for item in items:
            found = doc.string(item, cursor)
            if found >= 0:
                cursor = found + len(item) + 2
            line = doc.line(found if found >= 0 else where)
            editable = re.match(r"^(?:-e|--editable)(?:\s+|=)(.*)$", item.strip())
            if editable is None:
                req = parse_requirement(item, doc.display, line)
                deps.append(from_requirement(req, doc.display, line))
                continue
            deps.extend(_pdm_editable(editable.group(1).strip(), doc, line, path, ctx))
    return deps


def _pdm_editable(
    spec: str, doc: _Doc, line: int, path: Path, ctx: ReadContext
) -> list[Dependency]:
    """One ``-e`` entry: a path under ``${PROJECT_ROOT}`` (named by ``#egg=`` or by the
    project found there), or whatever a requirements file's ``-e`` reads (a VCS URL)."""
    local = _PROJECT_ROOT.sub(".", spec)
    if local != spec or not _SCHEME.match(spec):
        target, _, fragment = local.partition("#")
        target = posixpath.normpath(target)
        spec = target if target.startswith((".", "/")) else f"./{target}"
        egg = parse_qs(fragment).get("egg")
        if egg:
            try:
                name = canonicalize_name(egg[-1], validate=True)
            except InvalidName:
                message = f"invalid #egg= name in {spec!r}"
                raise InputError(doc.display, line or None, message) from None
            return [
                Dependency(name=name, file=doc.display, line=line, source="path", location=spec)
            ]
    try:
        return read_lines([(line, f"-e {spec}")], path, ctx)
    except InputError as exc:
        ctx.note(doc.display, line, f"editable {spec!r} not read: {exc.detail}")
        return []


def _indexes(data: dict[str, Any], doc: _Doc, ctx: ReadContext) -> None:
    """Record every index and find-links location the file names."""
    for keys in (("tool", "uv"), ("tool", "uv", "pip")):
        table = _nested(data, *keys)
        if not isinstance(table, dict):
            continue
        header = doc.table(*keys)
        name = "[" + ".".join(keys) + "]"
        for key in ("index-url", "extra-index-url", "find-links"):
            if key not in table:
                continue
            where = _first(doc.key(key, header), header)
            value = table[key]
            urls = [value] if isinstance(value, str) else _string_list(value, doc, where, key)
            for url in urls:
                line = doc.line(_first(doc.quoted(url, where), where))
                ctx.add_index(doc.display, line, f"{name} {key}", url)
    for keys in (("tool", "uv", "index"), ("tool", "poetry", "source"), ("tool", "pdm", "source")):
        entries = _nested(data, *keys)
        if entries is None:
            continue
        option = "[[" + ".".join(keys) + "]]"
        headers = doc.array_tables(*keys)
        if not isinstance(entries, list):
            raise doc.error(_first(*headers, doc.table(*keys[:-1])), f"{option} must be an array")
        for number, entry in enumerate(entries):
            header = headers[number] if len(headers) == len(entries) else -1
            if not isinstance(entry, dict):
                raise doc.error(header, f"{option} entries must be tables")
            location = entry.get("url")
            if location is None:
                continue  # a source without a URL: PyPI under another priority
            if not isinstance(location, str):
                raise doc.error(header, f"the 'url' of {option} must be a string")
            line = doc.line(_first(doc.quoted(location, header), header))
            ctx.add_index(doc.display, line, option, location)


# ---------------------------------------------------------------------------------------
# Poetry


def _poetry(data: dict[str, Any], doc: _Doc) -> list[Dependency]:
    tool = data.get("tool")
    if not isinstance(tool, dict) or "poetry" not in tool:
        return []
    poetry = tool["poetry"]
    poetry_header = doc.table("tool", "poetry")
    if not isinstance(poetry, dict):
        raise doc.error(poetry_header, "[tool.poetry] must be a table")
    sources = _poetry_sources(poetry, doc)
    deps: list[Dependency] = []
    for key in ("dependencies", "dev-dependencies"):
        if key in poetry:
            table, start = _table_offset(doc, ("tool", "poetry"), key)
            parent: tuple[str, ...] = ("tool", "poetry", key)
            deps.extend(_poetry_table(poetry[key], doc, table, start, parent, sources))
    if "group" in poetry:
        groups = poetry["group"]
        if not isinstance(groups, dict):
            where = _first(doc.key("group", poetry_header), poetry_header)
            raise doc.error(where, "[tool.poetry.group] must be a table")
        for name, group in groups.items():
            group_header = _first(doc.table("tool", "poetry", "group", name), poetry_header)
            if not isinstance(group, dict):
                raise doc.error(group_header, f"Poetry group {name!r} must be a table")
            if "dependencies" not in group:
                continue
            parent = ("tool", "poetry", "group", str(name), "dependencies")
            table, start = _table_offset(doc, parent[:-1], "dependencies")
            deps.extend(_poetry_table(group["dependencies"], doc, table, start, parent, sources))
    return deps


def _poetry_sources(poetry: dict[str, Any], doc: _Doc) -> dict[str, str]:
    sources = poetry.get("source", [])
    where = _first(doc.text.find("[[tool.poetry.source]]"), doc.table("tool", "poetry"))
    if not isinstance(sources, list):
        raise doc.error(where, "[[tool.poetry.source]] must be an array of tables")
    found: dict[str, str] = {}
    for source in sources:
        if not isinstance(source, dict):
            raise doc.error(where, "[[tool.poetry.source]] must be an array of tables")
        name, url = source.get("name"), source.get("url")
        if isinstance(name, str) and isinstance(url, str):
            found[name] = url
    return found


def _poetry_table(
    table: object,
    doc: _Doc,
    header: int,
    start: int,
    parent: tuple[str, ...],
    sources: dict[str, str],
) -> list[Dependency]:
    what = "[" + ".".join(parent) + "]"
    if not isinstance(table, dict):
        raise doc.error(start, f"{what} must be a table")
    deps: list[Dependency] = []
    for name, value in table.items():
        if name.lower() == "python":
            continue
        entry = _first(doc.key(name, header), doc.table(*parent, name), start)
        try:
            canonical = canonicalize_name(name, validate=True)
        except InvalidName:
            raise doc.error(entry, f"invalid package name {name!r} in {what}") from None
        if isinstance(value, str):
            deps.append(_poetry_entry(canonical, {"version": value}, doc, entry, sources))
        elif isinstance(value, dict):
            deps.append(_poetry_entry(canonical, value, doc, entry, sources))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            cursor = entry
            for constraint in value:
                offset = entry
                version = constraint.get("version")
                if isinstance(version, str):
                    found = doc.string(version, cursor)
                    if found >= 0:
                        offset, cursor = found, found + len(version) + 2
                deps.append(_poetry_entry(canonical, constraint, doc, offset, sources))
        else:
            raise doc.error(
                entry, f"{name!r} in {what} must be a version string, a table or tables"
            )
    return deps


def _poetry_entry(
    name: str, spec: dict[str, Any], doc: _Doc, offset: int, sources: dict[str, str]
) -> Dependency:
    line = doc.line(offset)

    def text(key: str) -> str | None:
        value = spec.get(key)
        if value is not None and not isinstance(value, str):
            raise doc.error(offset, f"{key!r} of {name!r} must be a string")
        return value

    extras = spec.get("extras", [])
    if not isinstance(extras, list) or not all(isinstance(e, str) for e in extras):
        raise doc.error(offset, f"'extras' of {name!r} must be a list of strings")
    marker: str | None = None
    markers = text("markers")
    if markers:
        try:
            marker = str(Marker(markers))
        except InvalidMarker as exc:
            reason = str(exc).splitlines()[0]
            raise doc.error(offset, f"invalid markers for {name!r}: {reason}") from None
    version: str | None = None
    specifier = ""
    constraint = text("version")
    if constraint is not None:
        try:
            version, specifier = poetry_constraint(constraint)
        except ValueError as exc:
            raise doc.error(offset, f"invalid version constraint for {name!r}: {exc}") from None
    source: SourceKind = "index"
    location: str | None = None
    git, url, path = text("git"), text("url"), text("path")
    if git is not None:
        source, location = "vcs", git if git.startswith("git+") else f"git+{git}"
        ref = text("rev") or text("tag") or text("branch")
        if ref:
            location += f"@{ref}"
        subdirectory = text("subdirectory")
        if subdirectory:
            location += f"#subdirectory={subdirectory}"
    elif url is not None:
        source, location = "url", url
    elif path is not None:
        source, location = "path", path
    else:
        index = text("source")
        if index is not None:
            location = sources.get(index, index)
    return Dependency(
        name=name,
        file=doc.display,
        line=line,
        version=version,
        specifier=specifier,
        source=source,
        location=location,
        marker=marker,
        extras=tuple(sorted(canonicalize_name(extra) for extra in extras)),
    )


_OPERATOR_SPACE = re.compile(r"(\^|~=|~|===|==|!=|<=|>=|<|>|=)\s+")
_RELEASE = re.compile(r"^v?(\d+(?:\.\d+)*)")


def poetry_constraint(constraint: str) -> tuple[str | None, str]:
    """Translate a Poetry constraint into ``(exact version or None, PEP 440 specifier)``.

    Raises ``ValueError`` for a constraint that is not valid.
    """
    constraint = constraint.strip()
    if constraint in ("", "*"):
        return None, ""
    alternatives = [_poetry_all(alt.strip()) for alt in re.split(r"\|\|?", constraint)]
    if len(alternatives) > 1:
        return None, " || ".join(alternatives)
    version = exact_version(SpecifierSet(alternatives[0]))
    return (version, "") if version is not None else (None, alternatives[0])


def _poetry_all(constraint: str) -> str:
    """One Poetry conjunction (``>=1,<2``, ``>=1 <2``, ``^1.2``) as a PEP 440 set."""
    if not constraint:
        raise ValueError("empty alternative")
    parts = [p for p in re.split(r"[,\s]+", _OPERATOR_SPACE.sub(r"\1", constraint)) if p]
    translated = [spec for part in parts for spec in _poetry_one(part)]
    joined = ",".join(translated)
    try:
        SpecifierSet(joined)
    except InvalidSpecifier as exc:
        raise ValueError(str(exc)) from None
    return joined


def _poetry_one(part: str) -> list[str]:
    if part in ("*", "x", "X"):
        return []
    if part.startswith("^"):
        return _bounded(part[1:], caret=True)
    if part.startswith("~") and not part.startswith("~="):
        return _bounded(part[1:], caret=False)
    for operator in ("===", "==", "!=", "<=", ">=", "~=", "<", ">"):
        if part.startswith(operator):
            return [part]
    if part.startswith("="):
        part = part[1:]
    part = re.sub(r"\.[xX*]$", ".*", part)
    return [f"=={part}"]


def _bounded(version: str, *, caret: bool) -> list[str]:
    """``^V``/``~V`` as ``>=V,<upper`` (upper keeps V's number of release components)."""
    match = _RELEASE.match(version)
    if match is None:
        raise ValueError(f"not a version: {version!r}")
    release = [int(number) for number in match.group(1).split(".")]
    if caret:
        if release[0] > 0 or len(release) == 1:
            index = 0
        elif len(release) == 2 or release[1] > 0:
            index = 1
        else:
            index = 2
    else:
        index = 0 if len(release) == 1 else 1
    upper = [*release[:index], release[index] + 1] + [0] * (len(release) - index - 1)
    return [f">={version}", "<" + ".".join(str(number) for number in upper)]
