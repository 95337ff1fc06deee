"""SPEC §18: the apps form a strict downward hierarchy (import-linter's layers contract in
pyproject.toml, run by ``make lint`` and checked here too), and no module takes part in an
import cycle — function-level imports counted, since a lazy import only hides a cycle.

A function-level import of the project's own modules is allowed only where Django's app
loading requires it (an ``AppConfig.ready()``, the Celery app that settings load), and
says why in a comment just above it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "config", "demo", "workspace", "reports", "privacy", "providers", "attendance", "customers", "surveys",
    "classifications", "calendars", "users", "imports", "organisation", "core",
]  # fmt: skip
# Where a function-level import of the project is allowed: Django's app loading.
LATE_IMPORT_ALLOWED = ("apps.py", "config/celery.py")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _targets(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        parts = parts if is_package else parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _known(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _graph(modules: dict[str, Path]) -> tuple[dict[str, set[str]], list[str]]:
    """Every import between the project's modules (wherever it is written), and the
    function-level ones that are not allowed or say no reason."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    late = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        top_level = _top_level(tree)
        starts = _function_starts(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            internal = {t for t in (_known(t, modules) for t in _targets(name, node, path.name == "__init__.py")) if t}
            graph[name].update(internal - {name})
            if internal and id(node) not in top_level:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                reason = " ".join(lines[starts.get(id(node), node.lineno) - 1 : node.lineno])
                if not str(path.relative_to(ROOT)).endswith(LATE_IMPORT_ALLOWED) or "#" not in reason:
                    late.append(where)
    return graph, late


def _top_level(tree: ast.Module) -> set[int]:
    """Module-level imports, including those under ``if TYPE_CHECKING`` / ``try``."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.If | ast.Try):
            found.update(id(child) for child in ast.walk(node))
        found.add(id(node))
    return found


def _function_starts(tree: ast.Module) -> dict[int, int]:
    """Each function-level import's function's first line (its reason is a comment between)."""
    starts = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(function):
                if isinstance(child, ast.Import | ast.ImportFrom):
                    starts.setdefault(id(child), function.lineno)
    return starts


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_module_takes_part_in_an_import_cycle_function_level_imports_counted():
    graph, _ = _graph(_modules())
    cycle = _cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_a_function_level_import_of_the_project_is_only_where_app_loading_requires_it():
    _, late = _graph(_modules())
    assert late == [], f"function-level imports of project modules: {late}"


def test_the_cycle_finder_finds_a_cycle_and_counts_a_late_import():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    tree = ast.parse("import os\n\ndef f():\n    from core import text\n")
    assert len(_top_level(tree)) == 2  # the import and the function, not the import inside it


def test_the_layers_contract_holds():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail("import-linter is a dev requirement (requirements-dev.txt)")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 kept, 0 broken" in result.stdout
