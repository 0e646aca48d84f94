"""The code as its own map: no import cycle in labhelpers (imports inside functions count), no module over
500 lines, and every check declared by the module of the notebook that runs it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from labhelpers import checks

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "labhelpers"
MAX_LINES = 500


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name → (file, is a package's __init__)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _runtime_nodes(tree: ast.AST):
    """Every node but those under `if TYPE_CHECKING:` (imports for annotations only, never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
        yield node


def import_graph() -> dict[str, set[str]]:
    """Module → the labhelpers modules it imports anywhere in its body (functions included), but for
    annotations only."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        edges = set()
        for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                edges |= {alias.name for alias in node.names if alias.name in modules}
            elif isinstance(node, ast.ImportFrom):
                base = name.split(".") if is_package else name.split(".")[:-1]
                if node.level:
                    target = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:        # `from pkg import submodule` imports the submodule
                    sub = f"{target}.{alias.name}"
                    edges.add(sub if sub in modules else target)
        graph[name] = {edge for edge in edges if edge in modules and edge != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_sees_a_cycle_through_a_function_import():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert "labhelpers.sandbox.providers" in graph["labhelpers.sandbox.context"]   # imported inside a method
    assert "labhelpers.sandbox.context" not in graph["labhelpers.sandbox.directory"]  # for annotations only


def test_no_import_cycle_in_labhelpers():
    assert cycles(import_graph()) == []


def test_no_module_over_500_lines():
    long = {str(path.relative_to(ROOT)): n for path, _ in _modules().values()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_every_notebook_runs_the_checks_its_module_declares():
    """Each checks module names a notebook of the lab; each `lab.check(...)` in a notebook is one of that
    notebook's checks, and each of its checks is run there."""
    declared = {step.notebook for step in checks.STEPS.values()}
    for notebook in sorted(declared):
        sources = [p for p in (ROOT / "notebooks").glob(f"{notebook}.*") if p.suffix in (".ipynb", ".py", ".md")]
        assert sources, f"no notebook {notebook}"
        called = set(re.findall(r'lab\.check\(\\?"([^"\\]+)', sources[0].read_text()))
        assert called == set(checks.of_notebook(notebook)), notebook
