"""The modules of core/ import each other in one direction only (issue 13): no circle, and no import
tucked inside a function to hide one."""

import ast
from pathlib import Path

import core

CORE = Path(core.__file__).resolve().parent


def _core_imports(path: Path) -> tuple[set[str], set[str]]:
    """The core modules `path` imports at its top level, and those it imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top, nested = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] if node.module != "core" else [f"core.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found = {name for name in names if name.startswith("core.") and (CORE / f"{name[5:]}.py").exists()}
        (top if node in tree.body or _guarded(tree, node) else nested).update(found)
    return top, nested


def _guarded(tree: ast.Module, node: ast.AST) -> bool:
    """An import under `if TYPE_CHECKING:` at the top level counts as a top-level one."""
    return any(isinstance(stmt, ast.If) and node in ast.walk(stmt) for stmt in tree.body)


def _graph() -> dict[str, set[str]]:
    """Who imports whom, wherever the import stands: one inside a function closes a circle all the same."""
    return {f"core.{path.stem}": set().union(*_core_imports(path)) for path in CORE.glob("*.py")}


def test_core_modules_import_each_other_without_a_circle():
    graph, done, path = _graph(), set(), []

    def visit(module: str) -> None:
        if module in path:
            raise AssertionError("import circle: " + " -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            visit(imported)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_no_core_module_imports_another_inside_a_function():
    # apps.py's ready() is where Django wants late imports (signal receivers): no circle hides there.
    nested = {path.stem: sorted(_core_imports(path)[1]) for path in CORE.glob("*.py") if path.stem != "apps"}
    assert {name: found for name, found in nested.items() if found} == {}


def test_excel_uploads_and_downloads_stand_in_one_order():
    graph = _graph()
    assert "core.uploads" in graph["core.excel"] and "core.downloads" in graph["core.uploads"]
    assert not graph["core.downloads"] & {"core.excel", "core.uploads"}
