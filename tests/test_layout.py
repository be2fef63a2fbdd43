"""The code's shape: imports inside guard/ point one way, form no cycle, use no other
module's private names, and the offline hook imports only what it needs.

Every ``import`` statement counts, also those inside functions and under
``TYPE_CHECKING``: a lazy import still ties two modules together."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Repo

GUARD = ROOT / "guard"

# Highest first. A module may import its own layer or any layer below it, never above.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"guard.__main__", "guard.cli"}),
    frozenset({"guard.commands"}),
    frozenset({"guard.output"}),
    frozenset({"guard.engine"}),
    frozenset({"guard.attest", "guard.artifacts", "guard.index", "guard.remote"}),
    frozenset({"guard.policy", "guard.manifests", "guard.ledger"}),
    frozenset(
        {
            "guard",
            "guard._files",
            "guard._http",
            "guard._toml",
            "guard._yaml",
            "guard.errors",
            "guard.findings",
            "guard.git",
            "guard.model",
            "guard.sources",
        }
    ),
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in GUARD.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every guard import in ``path``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.extend((a.name, "", node.lineno) for a in node.names if a.name.startswith("guard"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module == "guard" or module.startswith("guard."):
                out.extend((module, a.name, node.lineno) for a in node.names)
    return out


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, imported, _ in _imports(name, path):
            target = f"{module}.{imported}" if f"{module}.{imported}" in MODULES else module
            if target != name:
                graph[name].add(target)
    return graph


def _layer(module: str) -> int:
    best, rank = -1, -1
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank >= 0, f"{module} belongs to no layer: add it to LAYERS"
    return rank


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle_inside_guard() -> None:
    cycle = _cycle(_edges())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_every_module_is_in_a_layer_and_imports_only_downwards() -> None:
    upward = [
        f"{name} (layer {_layer(name)}) imports {target} (layer {_layer(target)})"
        for name, targets in _edges().items()
        for target in targets
        if _layer(target) < _layer(name)
    ]
    assert upward == []


def test_no_private_name_is_imported_across_modules() -> None:
    private = []
    for name, path in MODULES.items():
        for module, imported, line in _imports(name, path):
            is_module = f"{module}.{imported}" in MODULES
            if imported.startswith("_") and not imported.startswith("__") and not is_module:
                private.append(f"{path.relative_to(ROOT)}:{line}: {module}.{imported}")
    assert private == []


# The offline hook: what `bumpguard check` imports on a repository with the built-in policy
# and no evidence. Anything online or sigstore would be paid on every commit; PyYAML too,
# once the parsed policy is in bumpguard's cache (the first run fills it).
ONLINE = (
    "requests",
    "urllib3",
    "sigstore",
    "pypi_attestations",
    "guard._http",
    "guard.remote",
    "guard.index",
    "guard.attest.provenance",
    "guard.engine.install",
    "guard.engine.release",
    "guard.artifacts",
)


def _hook_modules(repo: Repo) -> list[str]:
    probe = (
        "import sys, json\n"
        "from guard.cli import main\n"
        "code = main(['-C', sys.argv[1], 'check'])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(repo.path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    code, loaded = json.loads(proc.stdout.splitlines()[-1])
    assert code == 0
    assert "guard.engine.check" in loaded  # the probe really ran the check
    return list(loaded)


def _under(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_the_offline_hook_imports_only_what_the_check_needs(repo: Repo) -> None:
    repo.write("pyproject.toml", '[project]\nname = "app"\nversion = "1"\n')
    repo.write("requirements.txt", "requests==2.32.3\n")
    repo.add()
    first = _hook_modules(repo)
    assert "yaml" in first  # control: the first run parses the built-in policy
    assert _under(first, ONLINE) == []
    again = _hook_modules(repo)
    assert _under(again, (*ONLINE, "yaml")) == []


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"guard.__main__"}))
def test_each_module_imports_on_its_own(module: str) -> None:
    """Importing any module first, in a fresh interpreter, works: no order dependence."""
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=ROOT)


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["-C", "check", "check", "--format", "json", "a.txt"],
        ["approve", "openai==1.0", "--reason", "r", "--hash", "sha256:00", "--offline"],
        ["verify", "x==1", "--index-url", "http://127.0.0.1/simple"],
        ["pip", "install", "-r", "requirements.txt", "--python", "py"],
        ["scan-env", "--path", "site"],
        ["reviews", "export", "--output", "o.json"],
        ["init", "--force"],
        ["policy", "show", "--format", "json"],
        ["policy", "fetch", "--locked"],
    ],
)
def test_the_cli_parses_alike_when_it_sets_up_only_the_named_command(argv: list[str]) -> None:
    from guard import cli

    command = cli.command_in(argv)
    assert command == argv[2] if argv[0] == "-C" else command == argv[0]
    assert cli.build_parser(command).parse_args(argv) == cli.build_parser(None).parse_args(argv)
