"""The import structure docs/architecture.md describes: read from the source (run-time imports
only: not under `if TYPE_CHECKING:`; migrations left out, they import no app code)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTTP_LAYERS = ("mobile_api", "map_ui")
# The Django project's wiring names every app (settings, URL conf, the ASGI app's websocket).
WIRING = {"backend/settings.py", "backend/urls.py", "backend/asgi.py", "backend/wsgi.py"}


def _package(module: str) -> str:
    """`backend.grid.services` → `backend.grid`; `map_ui.data.views` → `map_ui`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "backend" else parts[0]


def _runtime_imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.add(child.module)
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    """package → the packages of this project it imports at run time."""
    ours = ("backend", "mobile_api", "map_ui", "gis_data")
    graph: dict[str, set[str]] = {}
    for top in ours:
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in WIRING:
                continue
            module = rel[:-3].replace("/", ".").removesuffix(".__init__")
            source = _package(module)
            imports = _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
            targets = {_package(name) for name in imports if name.split(".")[0] in ours}
            graph.setdefault(source, set()).update(targets - {source})
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := walk(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_no_cycle_between_packages():
    assert _cycle(_graph()) is None


def test_layers_point_down():
    graph = _graph()
    backend_apps = [p for p in graph if p.startswith("backend.")]
    assert {"backend.core", "backend.grid", "backend.liaison", "backend.opinions"} <= set(
        backend_apps
    )
    for app in backend_apps:
        assert not graph[app] & {"mobile_api", "map_ui", "gis_data"}, app
    assert not {p for p in graph["backend.core"] if p.startswith("backend.")}
    assert "map_ui" not in graph["mobile_api"] and "mobile_api" not in graph["map_ui"]
    assert "backend.liaison" in graph["backend.grid"]  # and not the reverse (no cycle)


def test_the_reader_sees_type_checking_imports_as_such():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "import backend.grid\n"
        "if TYPE_CHECKING:\n    from backend.visits.models import Visit\n"
        "def f():\n    from backend.opinions import services\n"
    )
    assert _runtime_imports(tree) == {"typing", "backend.grid", "backend.opinions"}
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
