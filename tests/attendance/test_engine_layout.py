"""The engine reads top-down (STYLE.md): no import cycle inside ``attendance/``, and a
function-level import only where a comment says why."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "attendance"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        parts = parts if is_package else parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _imports(modules: dict[str, Path]) -> tuple[dict[str, set[str]], list[str]]:
    """Module-level imports between attendance modules, and undocumented function-level ones."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    undocumented = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else _resolve(name, node, path.name == "__init__.py")
            )
            internal = [t for t in targets if t in modules]
            if id(node) in top_level or _in_type_checking(tree, node):
                graph[name].update(internal)
            elif internal or node.col_offset:
                context = " ".join(lines[max(0, node.lineno - 3) : node.lineno])
                if "#" not in context and name != "attendance.apps":
                    undocumented.append(f"{path.name}:{node.lineno}")
    return graph, undocumented


def _in_type_checking(tree: ast.Module, target: ast.AST) -> bool:
    for node in tree.body:
        checking = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test)
        if checking and any(child is target for child in ast.walk(node)):
            return True
    return False


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt == node or nxt.startswith(node + ".") and node == "attendance":
                continue
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


def test_the_engine_has_no_import_cycle():
    graph, _ = _imports(_modules())
    cycle = _cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_a_function_level_import_says_why():
    _, undocumented = _imports(_modules())
    assert undocumented == [], f"function-level imports without a comment: {undocumented}"


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
