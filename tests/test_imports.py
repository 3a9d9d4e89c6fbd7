"""Imports run one way: no cycles, every module imports alone, the SPARQL process stays plain."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.import_alone import PACKAGES, ROOT, modules


def _path_of(module: str) -> Path:
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _is_type_checking(node: ast.stmt) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, ast.Name | ast.Attribute) and "TYPE_CHECKING" in ast.unparse(test)


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Return the imports that run when the module loads (not in functions, not for typing)."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending.extend([*node.body, *node.orelse])
        elif isinstance(node, ast.Try):
            pending.extend([*node.body, *node.orelse, *node.finalbody])
            pending.extend(stmt for handler in node.handlers for stmt in handler.body)
        elif isinstance(node, ast.With):
            pending.extend(node.body)
    return found


def import_graph(names: list[str]) -> dict[str, set[str]]:
    """Map each module to the modules of ours it imports when it loads."""
    ours = set(names)
    graph: dict[str, set[str]] = {}
    for name in names:
        is_package = _path_of(name).name == "__init__.py"
        tree = ast.parse(_path_of(name).read_text(), str(_path_of(name)))
        targets: set[str] = set()
        for node in _top_level_imports(tree):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = name.split(".")[: len(name.split(".")) - node.level + is_package]
                base = ".".join([*package, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in ours else base)
        graph[name] = {target for target in targets if target in ours and target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle (its modules in order, the first repeated last), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_our_modules_import_one_another_without_a_cycle():
    """No module of server/, federation/, vocab/ reaches itself through the imports it runs."""
    graph = import_graph(modules())
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle():
    """Given modules that import one another in a ring, the finder names the ring."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_every_module_imports_alone_in_a_fresh_interpreter():
    """Imported first, on its own, each module of server/, federation/, vocab/ loads."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "import_alone.py"), *PACKAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sparql_index_process_imports_neither_flask_nor_the_models():
    """server/sparql/ is plain code: the standard library, SQLAlchemy Core, pyoxigraph, vocab."""
    allowed = {"sqlalchemy", "pyoxigraph", "vocab", "server.sparql"}
    names = modules(("server",))
    for name in [n for n in names if n == "server.sparql" or n.startswith("server.sparql.")]:
        tree = ast.parse(_path_of(name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                imported = [node.module or ""]
            else:
                continue
            for module in imported:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == "__future__":
                    continue
                assert any(module == a or module.startswith(a + ".") for a in allowed), (
                    f"{name} imports {module}"
                )
