"""CI pipelines: the shell scripts of GitHub workflow ``run:`` steps and of GitLab
``script:`` keys, taken from the composed YAML with the file line of every offset, and the
index variables their ``env:`` and ``variables:`` set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeGuard

from guard.errors import InputError
from guard.manifests.commands.installers import INDEX_VARIABLES, CommandReader, literal_folder
from guard.manifests.commands.shell import Source

if TYPE_CHECKING:
    import yaml


def read_workflow(reader: CommandReader, text: str) -> None:
    """Read the ``run:`` of every step of every job of a GitHub workflow."""
    root = _yaml_documents(text, reader.display)[0] if text.strip() else None
    if not isinstance(root, _yaml_mapping()):
        return
    lines = text.split("\n")
    workflow_shell = _default_shell(root)
    _env_indexes(reader, _get(root, "env"))
    jobs = _get(root, "jobs")
    if not isinstance(jobs, _yaml_mapping()):
        return
    for _, job in jobs.value:
        if not isinstance(job, _yaml_mapping()):
            continue
        _env_indexes(reader, _get(job, "env"))
        job_shell = _default_shell(job) or workflow_shell
        steps = _get(job, "steps")
        if not isinstance(steps, _yaml_sequence()):
            continue
        for step in steps.value:
            if not isinstance(step, _yaml_mapping()):
                continue
            _env_indexes(reader, _get(step, "env"))
            run = _get(step, "run")
            if not _is_string(run):
                continue
            shell = _scalar_text(_get(step, "shell")) or job_shell
            if shell is not None and "python" in shell.lower():
                reader.note(
                    run.start_mark.line + 1,
                    f"a step run by {shell!r}: not shell commands; not read",
                )
                continue
            reader.workdir = literal_folder(
                _scalar_text(_get(step, "working-directory"))
                or _default_workdir(job)
                or _default_workdir(root)
            )
            reader.script(_scalar_source(run, lines).masked("${{", "}}"), 0)


def read_gitlab(reader: CommandReader, text: str) -> None:
    """Read the scripts of every job, hidden job and ``default:`` of a GitLab pipeline."""
    lines = text.split("\n")
    seen: set[int] = set()
    for document in _yaml_documents(text, reader.display):
        if not isinstance(document, _yaml_mapping()):
            continue
        _gitlab_scripts(reader, document, lines, seen)
        for _, value in document.value:
            for job in _merged(value, seen):
                _gitlab_scripts(reader, job, lines, seen)
                hooks = _get(job, "hooks")
                if isinstance(hooks, _yaml_mapping()):
                    _script_node(reader, _get(hooks, "pre_get_sources_script"), lines, seen)


def _gitlab_scripts(
    reader: CommandReader, job: yaml.MappingNode, lines: list[str], seen: set[int]
) -> None:
    _env_indexes(reader, _get(job, "variables"))
    for key in ("before_script", "script", "after_script"):
        _script_node(reader, _get(job, key), lines, seen)


def _script_node(
    reader: CommandReader, node: yaml.Node | None, lines: list[str], seen: set[int], depth: int = 0
) -> None:
    """A GitLab script: a string, or a list of strings and nested lists (GitLab
    flattens them); each string is one script. An aliased node is read once."""
    if node is None or id(node) in seen or depth > 10:
        return
    seen.add(id(node))
    if _is_string(node):
        reader.script(_scalar_source(node, lines).masked("$[[", "]]"), 0)
    elif isinstance(node, _yaml_sequence()) and node.tag != "!reference":
        for item in node.value:
            _script_node(reader, item, lines, seen, depth + 1)


def _env_indexes(reader: CommandReader, node: yaml.Node | None) -> None:
    """Index options set through the environment (``env:``, ``variables:``)."""
    if not isinstance(node, _yaml_mapping()):
        return
    for key, value in node.value:
        name = _scalar_text(key)
        if name is None or name not in INDEX_VARIABLES:
            continue
        text = _scalar_text(value)
        if isinstance(value, _yaml_mapping()):  # GitLab: {value: ..., description: ...}
            text = _scalar_text(_get(value, "value"))
        if text is not None:
            reader.index_variable(name, text, key.start_mark.line + 1)


# ---------------------------------------------------------------------------------------
# YAML (workflows and GitLab pipelines)


def _yaml_documents(text: str, display: str) -> list[yaml.Node]:
    """The composed nodes of every document: lines and styles kept, nothing constructed
    (so ``on:``, custom tags such as ``!reference`` and anchors are all fine), aliases
    shared rather than copied."""
    import yaml

    try:
        base: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
    except AttributeError:  # pragma: no cover - PyYAML without libyaml
        base = yaml.SafeLoader
    loader = base(text)
    documents: list[yaml.Node] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                documents.append(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise InputError(display, line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InputError(display, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(display, None, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return documents or [yaml.ScalarNode("tag:yaml.org,2002:null", "")]


def _yaml_mapping() -> type[yaml.MappingNode]:
    import yaml

    return yaml.MappingNode


def _yaml_sequence() -> type[yaml.SequenceNode]:
    import yaml

    return yaml.SequenceNode


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value of ``key`` in a mapping node (the last one, as YAML loaders keep)."""
    if not isinstance(node, _yaml_mapping()):
        return None
    found = None
    for key_node, value in node.value:
        if _scalar_text(key_node) == key:
            found = value
    return found


def _merged(node: yaml.Node, seen: set[int]) -> Iterator[yaml.MappingNode]:
    """A job mapping and the mappings it merges with ``<<:`` (each once)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if not isinstance(current, _yaml_mapping()) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for key, value in current.value:
            if key.tag == "tag:yaml.org,2002:merge" or _scalar_text(key) == "<<":
                pending.extend(value.value if isinstance(value, _yaml_sequence()) else [value])


def _is_string(node: yaml.Node | None) -> TypeGuard[yaml.ScalarNode]:
    return (
        node is not None
        and type(node).__name__ == "ScalarNode"
        and node.tag == "tag:yaml.org,2002:str"
    )


def _scalar_text(node: yaml.Node | None) -> str | None:
    if node is None or type(node).__name__ != "ScalarNode":
        return None
    value = node.value
    return value if isinstance(value, str) else None


def _default_shell(node: yaml.Node) -> str | None:
    return _scalar_text(_get(_get(_get(node, "defaults"), "run"), "shell"))


def _default_workdir(node: yaml.Node) -> str | None:
    return _scalar_text(_get(_get(_get(node, "defaults"), "run"), "working-directory"))


def _scalar_source(node: yaml.ScalarNode, lines: list[str]) -> Source:
    """A YAML string with the file line of every offset: exact for ``|`` blocks (one
    line per line), found line by line for folded and multi-line plain strings, and the
    first line for anything else."""
    value: str = node.value
    start, end = node.start_mark.line, node.end_mark.line
    style = node.style
    if style == "|":
        return Source.by_lines(value, start + 2)
    first_line = start + 2 if style == ">" else start + 1
    if start == end or style in ('"', "'"):
        return Source(value, [0], [first_line])
    offsets: list[int] = []
    numbers: list[int] = []
    pos = 0
    for number in range(start + 1 if style == ">" else start, min(end, len(lines) - 1) + 1):
        raw = lines[number]
        if number == end:
            raw = raw[: node.end_mark.column]
        if number == start:
            raw = raw[node.start_mark.column :]
        piece = raw.strip()
        if not piece:
            continue
        found = value.find(piece, pos)
        if found < 0:
            return Source(value, [0], [first_line])
        offsets.append(found)
        numbers.append(number + 1)
        pos = found + len(piece)
    if not offsets:
        return Source(value, [0], [first_line])
    offsets[0] = 0
    return Source(value, offsets, numbers)
