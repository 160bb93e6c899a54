"""The engine's layout: stages without import cycles, and a Python machine that knows no
library (what Keras means comes from its overlay)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "kgraphlint"
MACHINE = ("interpret",)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path) -> set[str]:
    """The kgraphlint modules a module imports when it runs, at the top or inside a
    function (``if TYPE_CHECKING:`` blocks left out: they never run)."""
    tree = ast.parse(path.read_text())
    skipped = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
               and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
               for node in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("kgraphlint"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("kgraphlint"))
    return found


def engine_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "rules" not in p.relative_to(PACKAGE).parts}


def test_the_package_has_no_import_cycle():
    modules = engine_modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        graph.add_edges_from((name, target) for target in runtime_imports(path) if target in modules and target != name)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], f"import cycles: {cycles}"


def test_the_python_machine_imports_nothing_of_keras_and_names_no_keras_class():
    machine = {name: path for name, path in engine_modules().items() if name.split(".")[1:2] == list(MACHINE)}
    assert "kgraphlint.interpret.machine" in machine
    keras_classes = {"Tensor", "LayerInstance", "LayerCall", "ModelRecord", "Array", "Dataset", "Loss"}
    for name, path in machine.items():
        imported = runtime_imports(path)
        # kgraphlint.resolve finds the files of imported modules, kgraphlint.source.files
        # reads files and kgraphlint.digest hashes bytes (neither knows any library);
        # nothing else is allowed.
        outside = {m for m in imported if not m.startswith(
            ("kgraphlint.interpret", "kgraphlint.resolve", "kgraphlint.source.files", "kgraphlint.digest"))}
        assert not outside, f"{name} imports {sorted(outside)}"
        named = {node.id for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Name)}
        assert not named & keras_classes, f"{name} names {sorted(named & keras_classes)}"
