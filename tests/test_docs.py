"""The docs cannot drift: their ``$`` sessions are run, their lists checked against the code.

A fenced block whose first line starts with ``$ `` is a session. Each ``$ `` line
is run in a temporary copy of ``data/`` (one copy per block) and the lines after
it, up to the next ``$ ``, are what it must print. A line holding only ``…``
stands for any number of lines. Only what must change from run to run is masked
(the generation time, the timings of the summary, the audit log's time and
login name). The commands a session may hold are few, and none may name a path
outside its folder:

- ``telbill ARGS`` (``telbill.cli.main(argv)``, stdout and stderr together), with
  ``VAR=value`` in front to set the environment, and ``printf 'LINES' |`` in
  front to type the answers of a scripted menu;
- ``printf 'TEXT' > FILE``, ``cat FILE...``, ``echo $?`` (the last exit code).

A block fenced as ```` ```terminal ```` is the menu's first screen on a
terminal (the heading rich draws and the list questionary draws).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.plain_text import PlainTextOutput
from rich.console import Console

from telbill.cli import build_parser, main
from telbill.files.dataset import DataPaths
from telbill.menu import run_menu
from telbill.menu.context import Item
from telbill.text.i18n import Lang, Translator

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
LINKED_PAGES = [*PAGES, ROOT / "benchmarks" / "README.md", *sorted((ROOT / "benchmarks" / "history").glob("*.md"))]
GAP = "…"
WIDTH = 80

MASKS = [
    (re.compile(r"^# (generated: |生成时间：)\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"), r"# \1<time>"),
    (re.compile(r" in \d+\.\d\d s \([\d,]+ records/s\)"), " in <seconds> s (<rate> records/s)"),
    (re.compile(r"用时 \d+\.\d\d 秒（每秒 [\d,]+ 条）"), "用时 <seconds> 秒（每秒 <rate> 条）"),
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\t[^\t]+\t"), "<time>\t<login>\t"),
    (re.compile(r"\(looked for in /[^;]*;"), "(looked for in <folder>;"),  # the folder the session ran in
]


@dataclass
class Block:
    """A fenced block of a page: where it starts, its info string and its lines."""

    page: Path
    line: int
    info: str
    lines: list[str]

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass
class Step:
    """One ``$`` line of a session and the lines it must print."""

    command: str
    expected: list[str] = field(default_factory=list)


def fenced_blocks(page: Path) -> list[Block]:
    """The ```` ``` ```` blocks of a Markdown page."""
    blocks: list[Block] = []
    current: Block | None = None
    for number, line in enumerate(page.read_text("utf-8").splitlines(), 1):
        if line.startswith("```"):
            if current is None:
                current = Block(page, number, line[3:].strip(), [])
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.lines.append(line)
    return blocks


def session_blocks(pages: list[Path], info: str | None = None) -> list[Block]:
    """Blocks that start with ``$ `` (all but the terminal screens, or those of fence ``info``)."""
    found = [b for page in pages for b in fenced_blocks(page) if b.lines and b.lines[0].startswith("$ ")]
    if info is None:
        return [b for b in found if b.info != "terminal"]
    return [b for b in found if b.info == info]


def steps(block: Block) -> list[Step]:
    """The block's commands, each with the lines after it."""
    out: list[Step] = []
    for line in block.lines:
        if line.startswith("$ "):
            out.append(Step(line[2:]))
        else:
            out[-1].expected.append(line)
    return out


def normal(lines: list[str]) -> list[str]:
    """Lines without trailing blanks or trailing empty lines, with what must change masked."""
    out = []
    for line in lines:
        line = line.rstrip()
        for pattern, replacement in MASKS:
            line = pattern.sub(replacement, line)
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """``actual`` is ``expected`` where each ``…`` line stands for any number of lines."""
    parts: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == GAP:
            parts.append([])
        else:
            parts[-1].append(line)
    if len(parts) == 1:
        return expected == actual
    first, *middle, last = parts
    if actual[:len(first)] != first:
        return False
    at = len(first)
    for part in middle:
        at = _find(part, actual, at)
        if at < 0:
            return False
        at += len(part)
    return len(actual) - len(last) >= at and actual[len(actual) - len(last):] == last


def _find(part: list[str], lines: list[str], start: int) -> int:
    """The first index at or after ``start`` where ``part`` is found whole, or -1."""
    for i in range(start, len(lines) - len(part) + 1):
        if lines[i:i + len(part)] == part:
            return i
    return -1


class Shell:
    """Runs a session's commands in ``folder`` (the current directory), never outside it."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder.resolve()
        self.monkeypatch = monkeypatch
        self.code = 0

    def run(self, command: str) -> str:
        """What ``command`` prints."""
        typed = ""
        if "|" in command:
            left, command = (part.strip() for part in command.split("|", 1))
            typed = self.printf(shlex.split(left))
        words = shlex.split(command, comments=True)
        env = {}
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        if words[:1] == ["telbill"]:
            return self.telbill(words[1:], typed, env)
        if words[:1] == ["printf"] and len(words) == 4 and words[2] == ">":
            self.path(words[3]).write_text(self.printf(words[:2]), "utf-8")
            return ""
        if words[:1] == ["cat"] and len(words) > 1:
            return "".join(self.path(name).read_text("utf-8") for name in words[1:])
        if words == ["echo", "$?"]:
            return f"{self.code}\n"
        raise AssertionError(f"a session may not run {command!r} (see tests/test_docs.py)")

    def path(self, name: str) -> Path:
        """``name`` inside the folder; anything outside it is refused."""
        path = (self.folder / name).resolve()
        if name.startswith("/") or not path.is_relative_to(self.folder):
            raise AssertionError(f"a session may not name {name!r}: it is outside its folder")
        return path

    def printf(self, words: list[str]) -> str:
        """The text of ``printf 'TEXT'`` (only ``\\n``, ``\\t`` and ``\\\\`` as escapes)."""
        if len(words) != 2 or words[0] != "printf" or "%" in words[1]:
            raise AssertionError(f"only printf 'TEXT' is run, not {shlex.join(words)}")
        return re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m[1]], words[1])

    def telbill(self, argv: list[str], typed: str, env: dict[str, str]) -> str:
        for arg in argv:
            if not arg.startswith("-") or "=" in arg:
                self.path(arg.split("=", 1)[-1])
        out = io.StringIO()
        with self.monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            m.setattr("sys.stdin", io.StringIO(typed))
            self.code = main(argv, stdout=out, stderr=out)
        return out.getvalue()


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary copy of the sample data (data/ and an empty output/), the current directory."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("backup", ".*"))
    (tmp_path / "output").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "TELBILL_WORKERS", "TELBILL_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def check_session(block: Block, shell: Shell) -> None:
    """Run every command of ``block``; fail at the first whose output differs from the text."""
    for step in steps(block):
        actual = normal(shell.run(step.command).splitlines())
        expected = normal(step.expected)
        if not matches(expected, actual):
            diff = "\n".join(difflib.unified_diff(expected, actual, "the docs", "telbill now", lineterm=""))
            raise AssertionError(f"{block.where}: `$ {step.command}` prints something else now:\n{diff}")


SESSIONS = session_blocks(PAGES)


@pytest.mark.parametrize("block", SESSIONS, ids=[b.where for b in SESSIONS])
def test_session_prints_what_the_docs_say(block: Block, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `$` session of README.md and docs/ prints, on the sample data, what its text shows."""
    check_session(block, Shell(folder, monkeypatch))


def terminal_screen(lang: Lang) -> list[str]:
    """The menu's first screen on a terminal of 80 columns: the heading, the question and its list."""
    shown = io.StringIO()
    pt_output = PlainTextOutput(shown)
    console = Console(file=io.StringIO(), width=WIDTH, height=40, record=True, color_system=None)
    with create_pipe_input() as keys, create_app_session(input=keys, output=pt_output):
        keys.close()  # no key: the list is drawn once, then the end of the input leaves the menu
        run_menu(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), Translator(lang), console=console,
                 interactive=True, operator="docs", pt_output=pt_output)
    heading = console.export_text().splitlines()[:-1]  # the last line says goodbye
    drawn = shown.getvalue().split("\r\n")[:1 + len(Item)]  # the question and the items, drawn the first time
    drawn[-1] = re.sub(r" {2,}\? .*", "", drawn[-1])  # where the list is drawn again, answered
    return heading + drawn


TERMINAL_SCREENS = session_blocks(PAGES, info="terminal")


@pytest.mark.parametrize("block", TERMINAL_SCREENS, ids=[b.where for b in TERMINAL_SCREENS])
def test_terminal_screen_is_the_menu_drawn(block: Block, folder: Path) -> None:
    """Each ```terminal block shows the menu's first screen as telbill draws it on an 80-column terminal."""
    argv = shlex.split(block.lines[0][2:])
    assert argv in (["telbill"], ["telbill", "--lang", "en"], ["telbill", "--lang", "zh"]), block.where
    screen = terminal_screen(Lang(argv[2]) if len(argv) == 3 else Lang.EN)
    expected = normal(block.lines[1:])
    diff = "\n".join(difflib.unified_diff(expected, normal(screen), "the docs", "telbill now", lineterm=""))
    assert expected == normal(screen), f"{block.where}: the menu is drawn otherwise now:\n{diff}"


def test_readme_and_docs_show_sessions() -> None:
    """The README has a batch session and a menu screen; the docs have the sessions the test runs."""
    readme = [b for b in SESSIONS + TERMINAL_SCREENS if b.page.name == "README.md"]
    commands = [s.command for b in readme for s in steps(b)]
    assert "telbill bill" in commands
    assert any(b.info == "terminal" for b in readme)
    assert {b.page.name for b in SESSIONS} >= {"batch.md", "menu.md", "languages.md", "guarantees.md"}


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [o for action in parser._actions for o in action.option_strings if o.startswith("--") and o != "--help"]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("telbill has no commands")


def test_every_bill_option_is_in_the_options_table() -> None:
    """Every option of `telbill bill` has a row of its own in docs/batch.md's table of options."""
    bill = _subparsers(build_parser(Translator(Lang.EN)))["bill"]
    rows = [line for line in (DOCS / "batch.md").read_text("utf-8").splitlines() if line.startswith("| `--")]
    missing = [o for o in _options(bill) if not any(row.startswith(f"| `{o}") for row in rows)]
    assert not missing, f"docs/batch.md has no row for {missing}"


def test_every_other_option_is_documented() -> None:
    """Every option of `telbill` and `telbill menu` is named in docs/."""
    parser = build_parser(Translator(Lang.EN))
    text = "".join(page.read_text("utf-8") for page in DOCS.glob("*.md"))
    options = set(_options(parser)) | set(_options(_subparsers(parser)["menu"]))
    missing = sorted(o for o in options if not re.search(rf"(?<![\w-]){o}(?![\w-])", text))
    assert not missing, f"docs/ never names {missing}"


def test_every_menu_item_has_its_section() -> None:
    """docs/menu.md has a section per main-menu item, headed with its number and both languages' labels."""
    en, zh = Translator(Lang.EN), Translator(Lang.ZH)
    headings = {line for line in (DOCS / "menu.md").read_text("utf-8").splitlines() if line.startswith("### ")}
    missing = [f"### {i.value}. {i.label(en)} ({i.label(zh)})" for i in Item]
    missing = [h for h in missing if h not in headings]
    assert not missing, "docs/menu.md lacks the headings:\n" + "\n".join(missing)


def _folder_rows() -> dict[str, str]:
    """docs/development.md's folder table: each folder of telbill/ (``""`` for its top level) → its row."""
    rows = {}
    for line in (DOCS / "development.md").read_text("utf-8").splitlines():
        found = re.match(r"\| \[?`telbill/(\w*)/?`", line)
        if found:
            rows[found[1]] = line
    return rows


def test_every_module_is_in_the_folder_table() -> None:
    """docs/development.md's folder table names every module of telbill/ in its folder's row (a module
    of a subfolder by the subfolder), and every __init__.py that holds a function or a class."""
    rows = _folder_rows()
    package = ROOT / "telbill"
    missing = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        row = rows.get(parts[0] if len(parts) > 1 else "", "")
        if len(parts) > 2:  # a module of a subfolder (menu/items/, text/messages/): the subfolder is named
            named = f"`{parts[1]}/`"
        elif path.name == "__init__.py" and not re.search(r"^(def|class) ", path.read_text("utf-8"), re.MULTILINE):
            continue  # a docstring and imports only
        else:
            named = f"`{path.name}`"
        if named not in row:
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"docs/development.md's folder table does not name {missing}"


def test_the_menu_names_of_session_only_what_the_folder_table_says() -> None:
    """Of telbill/session/ the menu imports the Session's module and finding.Found, as the folder table says."""
    imported = set()
    for path in (ROOT / "telbill/menu").rglob("*.py"):
        for line in path.read_text("utf-8").splitlines():
            found = re.match(r"from telbill\.session\.(\w+) import (.+)", line.strip())
            if found:
                imported.add(found[1] if found[1] == "facade" else f"{found[1]}.{found[2]}")
    assert imported == {"facade", "finding.Found"}
    assert "of the rest of `session/` the menu names only `finding.Found`" in _folder_rows()["session"]


def test_every_test_has_a_docstring() -> None:
    """Every test function of tests/ has a docstring naming the behaviour (docs/development.md says so)."""
    missing = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test") and not ast.get_docstring(node):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not missing, "tests without a docstring:\n" + "\n".join(missing)


LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    out: set[str] = set()
    in_code = False
    for line in page.read_text("utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            out.add(slug(line.lstrip("#")))
    return out


def broken_links(page: Path, root: Path = ROOT) -> Iterator[str]:
    """The relative links of ``page`` whose file, or heading in it, does not exist (or is outside ``root``)."""
    in_code = False
    for number, line in enumerate(page.read_text("utf-8").splitlines(), 1):
        if line.startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        for target in LINK.findall(line):
            if re.match(r"[a-z]+:", target):
                continue
            name, _, anchor = target.partition("#")
            path = (page.parent / name).resolve() if name else page
            where = f"{page.relative_to(root)}:{number}: {target}"
            if not path.exists() or not path.is_relative_to(root):
                yield f"{where} (no such file)"
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                yield f"{where} (no such heading)"


def test_relative_links_point_to_what_exists() -> None:
    """Every relative link of README.md, docs/, benchmarks/README.md and benchmarks/history/ names a file (and heading) that exists."""
    broken = [b for page in LINKED_PAGES for b in broken_links(page)]
    assert not broken, "\n".join(broken)


def test_every_part_of_the_benchmarks_history_is_in_its_index() -> None:
    """benchmarks/history/index.md links every part of the history (the link check sees that each exists)."""
    history = ROOT / "benchmarks" / "history"
    listed = {target.partition("#")[0] for target in LINK.findall((history / "index.md").read_text("utf-8"))}
    parts = {page.name for page in history.glob("*.md")} - {"index.md"}
    assert parts, "benchmarks/history/ holds no part"
    assert not parts - listed, f"benchmarks/history/index.md does not list {sorted(parts - listed)}"


def test_the_checker_catches_a_drifted_session(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session whose text no longer matches what telbill prints fails, naming the command."""
    good = SESSIONS[0]
    check_session(good, Shell(folder, monkeypatch))
    drifted = Block(good.page, good.line, good.info, [good.lines[0], "something telbill never printed"])
    with pytest.raises(AssertionError, match="prints something else now"):
        check_session(drifted, Shell(folder, monkeypatch))


def test_the_checker_refuses_paths_outside_the_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session naming a path outside its temporary folder is refused before anything runs."""
    shell = Shell(folder, monkeypatch)
    for command in ("telbill bill --out /tmp/x.txt", "telbill bill --out=../x.txt", "cat /etc/hostname",
                    "printf 'x' > ../x"):
        with pytest.raises(AssertionError, match="outside its folder"):
            shell.run(command)
    with pytest.raises(AssertionError, match="may not run"):
        shell.run("rm -rf data")


def test_gaps_stand_for_any_lines() -> None:
    """`…` matches any run of lines, also none; the lines around it must match where they stand."""
    assert matches(["a", GAP, "d"], ["a", "b", "c", "d"])
    assert matches(["a", GAP, "b"], ["a", "b"])
    assert matches([GAP, "c", GAP], ["a", "b", "c", "d"])
    assert not matches(["a", GAP, "c"], ["a", "b", "c", "d"])
    assert not matches(["b", GAP], ["a", "b"])
    assert not matches(["a", GAP, "b", GAP, "a"], ["a", "b"])


def test_the_link_check_finds_a_missing_file_and_heading(tmp_path: Path) -> None:
    """A link to a missing file, or to a heading a page does not have, is reported."""
    page = tmp_path / "page.md"
    page.write_text("# Top\n[a](nothing.md) [b](#top) [c](#bottom) [d](https://example.org) [e](page.md)\n", "utf-8")
    assert list(broken_links(page, tmp_path)) == ["page.md:2: nothing.md (no such file)",
                                                  "page.md:2: #bottom (no such heading)"]
