"""The folders of telbill depend one way (docs/development.md, "The layout, by folder"): a module
imports only from its own folder and from the folders below it, so a newcomer reads the house from
the bottom up and no folder needs one above it to be understood or tested."""

from __future__ import annotations

import ast
import functools
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


@functools.cache
def parsed(path: Path) -> list[ast.AST]:
    """Every node of ``path``'s tree in :func:`ast.walk`'s order, made once per file for all the
    checks of this module (each of four used to parse and walk the whole package again)."""
    return list(ast.walk(ast.parse(path.read_text("utf-8"))))


def layer_of(part: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if part in names)


def telbill_imports(path: Path) -> list[tuple[int, str]]:
    """(line, first part after ``telbill.``) of every import of telbill in ``path``, those under
    ``if TYPE_CHECKING:`` too (a type is a dependency to a reader)."""
    found = []
    for node in parsed(path):
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
    nodes = parsed(path)
    typing_only = {id(n) for node in nodes if isinstance(node, ast.If) and "TYPE_CHECKING" in
                   ast.unparse(node.test) for child in node.body for n in ast.walk(child)}
    found = set()
    for node in nodes:
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


RULES = PACKAGE / "rules"
THE_ROW_TOTAL = {"rent", "rents", "feature", "features"}
"""Names whose sum with another amount is a bill row's 合计 (``rules/billing.row_total``'s rule)."""


def _added(node: ast.BinOp) -> set[str]:
    """The names (``x`` or ``a.x``) a chain of ``+`` adds up."""
    names = set()
    for side in (node.left, node.right):
        if isinstance(side, ast.BinOp) and isinstance(side.op, ast.Add):
            names |= _added(side)
        elif isinstance(side, ast.Name):
            names.add(side.id)
        elif isinstance(side, ast.Attribute):
            names.add(side.attr)
    return names


def second_homes(path: Path) -> list[str]:
    """Where ``path`` writes a rule of SPEC §2–§4 again instead of calling its home under rules/:
    the longest call (``MAX_SECONDS``), a callee's class from its first digits (``PREFIX``,
    ``by_prefix[…]``), month arithmetic (``date(…)`` of a sum, a ``//`` or a ``%``), the row
    total (``rent`` or ``feature`` added to another amount), rule 2's bound (a start compared with
    an end, or with a day: ``fields.SHORTEST_SECONDS``, ``validate_end``), a moment made of a day
    and a clock (``… * SECONDS_PER_DAY + …``: ``fields.moment_at``), a clock cut in two (``[:5]``,
    ``[5:]``, ``slice(0, 5)``: ``fields.CLOCK_HEAD``, ``CLOCK_TAIL``), the months' grand total
    (``sum`` of ``row_total``: ``billing.grand_total``) and a month's call revenue (``local`` added
    to ``long_distance``: ``MonthRevenue.calls``)."""
    found = []
    nodes = parsed(path)
    inner = {id(side) for node in nodes if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
             for side in (node.left, node.right)}  # a chain's own parts are not found again
    for node in nodes:
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Name) and node.id in ("MAX_SECONDS", "PREFIX"):
            found.append(f"{line}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in ("MAX_SECONDS", "PREFIX"):
            found.append(f"{line}: {node.attr}")
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).split(".")[-1] == "by_prefix":
            found.append(f"{line}: by_prefix[…]")
        elif (isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "date"
              and any(isinstance(a, ast.BinOp) for a in node.args)):
            found.append(f"{line}: month arithmetic {ast.unparse(node)}")
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and id(node) not in inner
              and len(_added(node)) > 1
              and _added(node) & THE_ROW_TOTAL):
            found.append(f"{line}: row total {ast.unparse(node)}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _added(node) == {"local", "long_distance"}:
            found.append(f"{line}: call revenue {ast.unparse(node)}")
        elif _compares_start_and_end(node):
            found.append(f"{line}: rule 2's bound {ast.unparse(node)}")
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.BinOp)
              and isinstance(node.left.op, ast.Mult) and "SECONDS_PER_DAY" in ast.unparse(node.left)):
            found.append(f"{line}: a moment made {ast.unparse(node)}")
        elif ((isinstance(node, ast.Subscript) and ast.unparse(node.slice) in (":5", "5:", "0:5"))
              or (isinstance(node, ast.Call) and ast.unparse(node) in ("slice(0, 5)", "slice(5, None)"))):
            found.append(f"{line}: a clock cut {ast.unparse(node)}")
        elif (isinstance(node, ast.Call) and ast.unparse(node.func) == "sum"
              and any(isinstance(n, ast.Name) and n.id == "row_total" for n in ast.walk(node))):
            found.append(f"{line}: grand total {ast.unparse(node)}")
    return found


def _compares_start_and_end(node: ast.AST) -> bool:
    """An order comparison of a start with an end (``end < start``), or with a start's day
    (``date < start // SECONDS_PER_DAY``)."""
    if not (isinstance(node, ast.Compare) and any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE))
                                                  for op in node.ops)):
        return False
    sides = [ast.unparse(side) for side in (node.left, *node.comparators)]
    return ((any("start" in side for side in sides) and any("end" in side for side in sides))
            or any("start //" in side for side in sides))


def test_the_rules_have_one_home_under_rules() -> None:
    """No module outside telbill/rules/ writes a rule of §2–§4 again (docs/development.md, "Which
    module owns which rule"): it calls the rule's home, so that a changed rule changes every engine."""
    outside = [f"telbill/{path.relative_to(PACKAGE)}:{where}" for path in sorted(PACKAGE.rglob("*.py"))
               if RULES not in path.parents for where in second_homes(path)]
    assert outside == []


def test_the_check_for_second_homes_finds_them(tmp_path: Path) -> None:
    """Each kind of second home that :func:`second_homes` looks for is found (the check checked)."""
    module = tmp_path / "copy.py"
    module.write_text("""ok = seconds <= MAX_SECONDS
fee = rating.by_prefix[callee[:2]][0][seconds]
after = date(year + month // 12, month % 12 + 1, 1)
total = row.rent + row.feature + local + far
sums = [rent + feature + a + b for rent, feature, a, b in rows]
calls = r.local + r.long_distance
if end < start or date < start // SECONDS_PER_DAY: pass
moment = day * SECONDS_PER_DAY + clock
minutes = clock[:5]
head = slice(0, 5)
total = sum(row_total(rent, feature, a, b) for a, b in months)
""", "utf-8")
    assert sorted({int(where.split(":")[0]) for where in second_homes(module)}) == list(range(1, 12))


def test_the_header_time_format_has_one_home() -> None:
    """The output files' generation time is formatted in files/report.py only (``GENERATED``): the
    batch and the menu hand it the moment (the menu shows its own times, a backup's, as it likes)."""
    written = [f"telbill/{path.relative_to(PACKAGE)}" for path in sorted(PACKAGE.rglob("*.py"))
               if "%H:%M:%S" in path.read_text("utf-8") and (PACKAGE / "menu") not in path.parents]
    assert written == ["telbill/files/report.py"]


def test_the_menu_names_a_changes_action_by_its_member() -> None:
    """The menu compares a change's action with ``Action`` members (re-exported by the facade),
    never with the audit log's words: a renamed word would silently match nothing."""
    found = []
    for path in sorted((PACKAGE / "menu").rglob("*.py")):
        for node in parsed(path):
            if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "action"
                    and any(isinstance(c, ast.Constant) and isinstance(c.value, str)
                            for side in node.comparators for c in ast.walk(side))):
                found.append(f"telbill/{path.relative_to(PACKAGE)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []
