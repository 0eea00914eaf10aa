"""The folders of telbill depend one way (docs/development.md, "The layout, by folder"): a module
imports only from its own folder and from the folders below it, so a newcomer reads the house from
the bottom up and no folder needs one above it to be understood or tested."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "telbill"

LAYERS = [
    {"text", "errors", "constants", "speed", "interrupts", "processes", "console"},
    {"lists"},
    {"rules"},
    {"files"},
    {"store"},
    {"session", "batch"},
    {"menu"},
    {"cli"},
    {"__main__"},
]
"""From the bottom up: a folder (or a top-level module) may import from its own layer's folders
only when it is the same folder, and from any layer below."""


def layer_of(part: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if part in names)


def telbill_imports(path: Path) -> list[tuple[int, str]]:
    """(line, first part after ``telbill.``) of every import of telbill in ``path``, those under
    ``if TYPE_CHECKING:`` too (a type is a dependency to a reader)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + ([f"{node.module}.{a.name}" for a in node.names] if node.module == "telbill" else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "telbill" and len(parts) > 1 and (
                    (PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file()):
                found.append((node.lineno, parts[1]))  # a module or folder, not a name (__version__)
    return found


def test_every_module_is_in_a_layer() -> None:
    """Each folder and top-level module of telbill/ is named in LAYERS (a new one must be placed)."""
    parts = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())}
    assert parts == set().union(*LAYERS)


def test_no_folder_imports_a_folder_above_it_or_beside_it() -> None:
    """No import reaches a layer above the module's own, nor another folder of the same layer."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        own = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        if own == "__init__":
            continue
        for line, part in telbill_imports(path):
            if part != own and (layer_of(part) > layer_of(own) or
                                (layer_of(part) == layer_of(own) and len(LAYERS[layer_of(own)]) > 1
                                 and layer_of(own) != 0)):
                wrong.append(f"telbill/{rel}:{line} imports telbill.{part}")
    assert wrong == []


def module_name(path: Path) -> str:
    """``telbill.store.keeper`` for telbill/store/keeper.py, ``telbill.store`` for its __init__.py."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of telbill that ``path`` imports, anywhere in it (a function-level import that
    dodges a cycle at run time still counts) but under ``if TYPE_CHECKING:``; a package and its own
    submodules are one room (never an edge)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text("utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in
                   ast.unparse(node.test) for child in node.body for n in ast.walk(child)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        found |= {n for n in names if n in modules and n != name and not n.startswith(name + ".")
                  and not name.startswith(n + ".")}
    return found


def test_no_import_cycle_between_modules() -> None:
    """No module imports itself round a cycle of others (what ``import_cycles.py`` counts on the
    project's machine, docs/development.md): every module can be read and tested before those
    that import it."""
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    graph = {module_name(p): module_imports(p, modules) for p in paths}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"an import cycle, each module imported by the next: {' -> '.join(exc.args[1])}") from None
