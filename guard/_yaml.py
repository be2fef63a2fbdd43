"""Safe YAML loading that remembers the line of every key and list item.

Policy files are validated against a schema and every problem names its line, so the
loader builds plain dicts and lists that also carry their lines. Anchors and aliases are
refused: a policy has no use for them and they are how YAML bombs are built.

Importing PyYAML costs about as much as the rest of a hook run, so a parsed document is
remembered as JSON under the cache (:mod:`guard._cache`), next to the exact text it was
parsed from (an entry is used only for identical text): the built-in policy, and a
repository's unchanged policy file, are read without importing :mod:`yaml`.
"""

from __future__ import annotations

import json
import zlib
from typing import TYPE_CHECKING, Any

from guard import _cache
from guard._files import MAX_DEPTH, MAX_POLICY_BYTES, write_atomic
from guard.errors import InputError, WriteError

if TYPE_CHECKING:
    import yaml

# Bump when the cached form changes: old entries are then ignored, never misread.
_CACHE_FORMAT = "1"


class LineDict(dict[str, Any]):
    """A mapping from a YAML file: ``line`` is where it starts, ``lines[key]`` each key."""

    line: int
    lines: dict[str, int]


class LineList(list[Any]):
    """A sequence from a YAML file: ``line`` is where it starts, ``lines[i]`` each item."""

    line: int
    lines: list[int]


def load(text: str, path: str) -> Any:
    """Parse one YAML document into LineDict/LineList/scalars; errors name file and line."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > MAX_POLICY_BYTES:
        raise InputError(path, None, f"file is larger than {MAX_POLICY_BYTES} bytes")
    if not _cache.enabled():
        return _parse(text, path)
    # The name only finds the entry; the text stored in it decides (crc32 may collide).
    entry = _cache.directory("yaml") / f"{_CACHE_FORMAT}-{zlib.crc32(data):08x}-{len(data)}.json"
    try:
        cached = json.loads(entry.read_bytes())
        if cached["text"] == text:
            return _decode(cached["document"])
    except (OSError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        pass  # no entry, or an unreadable one: parse again
    document = _parse(text, path)  # errors are never cached
    encoded = _encode(document)
    if encoded is not None:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(entry, json.dumps({"text": text, "document": encoded}))
        except (OSError, WriteError):
            pass  # a read-only cache only costs speed
    return document


def _encode(value: Any) -> Any:
    """The JSON form of a parsed document, or ``None`` when a scalar has no JSON form (a
    date, binary data): such a document is simply not cached."""
    if isinstance(value, LineDict):
        items = []
        for key, item in value.items():
            encoded = _encode(item)
            if encoded is None:
                return None
            items.append([key, value.lines[key], encoded])
        return {"d": items, "l": value.line}
    if isinstance(value, LineList):
        encoded_items = [_encode(item) for item in value]
        if any(item is None for item in encoded_items):
            return None
        return {
            "a": [list(pair) for pair in zip(value.lines, encoded_items, strict=True)],
            "l": value.line,
        }
    if value is None or isinstance(value, (str, int, float, bool)):
        return {"s": value}
    return None


def _decode(value: Any) -> Any:
    if "d" in value:
        mapping = LineDict()
        mapping.line = int(value["l"])
        mapping.lines = {}
        for key, line, item in value["d"]:
            mapping[str(key)] = _decode(item)
            mapping.lines[str(key)] = int(line)
        return mapping
    if "a" in value:
        items = LineList()
        items.line = int(value["l"])
        items.lines = []
        for line, item in value["a"]:
            items.append(_decode(item))
            items.lines.append(int(line))
        return items
    return value["s"]


def _parse(text: str, path: str) -> Any:
    import yaml

    try:
        base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
    except AttributeError:  # pragma: no cover - PyYAML without libyaml
        base = yaml.SafeLoader
    loader = base(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _build(loader, node, path, set())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(path, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(path, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(
            path, None, f"invalid YAML: nested more than {MAX_DEPTH} levels deep"
        ) from None
    finally:
        loader.dispose()


def _build(
    loader: yaml.SafeLoader, node: yaml.Node, path: str, seen: set[int], depth: int = 1
) -> Any:
    import yaml

    line = node.start_mark.line + 1
    if depth > MAX_DEPTH:
        raise InputError(path, line, f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
    if id(node) in seen:
        raise InputError(path, line, "YAML anchors and aliases are not supported here")
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        mapping = LineDict()
        mapping.line = line
        mapping.lines = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, path, seen, depth + 1)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise InputError(path, key_line, f"keys must be strings, not {key!r}")
            if key in mapping:
                raise InputError(path, key_line, f"duplicate key {key!r}")
            mapping[key] = _build(loader, value_node, path, seen, depth + 1)
            mapping.lines[key] = key_line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = LineList()
        items.line = line
        items.lines = []
        for item in node.value:
            items.append(_build(loader, item, path, seen, depth + 1))
            items.lines.append(item.start_mark.line + 1)
        return items
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:  # a date that is no date, say 2001-02-30
        raise InputError(path, line, f"invalid value: {exc}") from None
