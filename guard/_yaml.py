"""Safe YAML loading that remembers the line of every key and list item.

Policy files are validated against a schema and every problem names its line, so the
loader builds plain dicts and lists that also carry their lines. Anchors and aliases are
refused: a policy has no use for them and they are how YAML bombs are built.
"""

from __future__ import annotations

from typing import Any

import yaml

from guard.errors import InputError

try:
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _BaseLoader = yaml.SafeLoader

MAX_POLICY_BYTES = 1024 * 1024


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
    if len(text.encode("utf-8", "surrogatepass")) > MAX_POLICY_BYTES:
        raise InputError(path, None, f"file is larger than {MAX_POLICY_BYTES} bytes")
    loader = _BaseLoader(text)
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
        raise InputError(path, None, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: str, seen: set[int]) -> Any:
    line = node.start_mark.line + 1
    if id(node) in seen:
        raise InputError(path, line, "YAML anchors and aliases are not supported here")
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        mapping = LineDict()
        mapping.line = line
        mapping.lines = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, path, seen)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise InputError(path, key_line, f"keys must be strings, not {key!r}")
            if key in mapping:
                raise InputError(path, key_line, f"duplicate key {key!r}")
            mapping[key] = _build(loader, value_node, path, seen)
            mapping.lines[key] = key_line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        items = LineList()
        items.line = line
        items.lines = []
        for item in node.value:
            items.append(_build(loader, item, path, seen))
            items.lines.append(item.start_mark.line + 1)
        return items
    return loader.construct_object(node, deep=True)
