"""A menu script learns from the exit code whether an item it chose ended with an error (docs/menu.md,
"In a script"): a save refused stops the menu at once, before the script's next lines can be taken
for menu choices, with exit 1 and one line on standard error. The end of the input ends the program
as 0 does (SPEC §6), inside an item too, and a way back is the script's own choice: exit 0. A person
at a terminal keeps going back to the menu after an error, with exit 0."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from telbill.files.dataset import DataPaths
from telbill.menu import run_menu

from command import Result, run
from plain import EN


def scripted(answers: str, *argv: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    """``printf ANSWERS | telbill --lang en ARGV``: standard input a pipe, not a terminal."""
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    return run(*argv)


def test_the_input_ending_inside_an_item_ends_as_0_does(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``printf '3\\n83470100\\nBob\\n-5\\n' | telbill``: the rent is refused, then the input ends:
    the item says nothing was saved, and the program ends as 0 does (SPEC §6)."""
    before = (data / "data/users.txt").read_bytes()
    code, out, err = scripted("3\n83470100\nBob\n-5\n", monkeypatch=monkeypatch)
    assert (code, err) == (0, "")
    assert out.endswith("rent '-5' is negative (q or an empty answer goes back to the menu)\n"
                        "Monthly rent, yuan (e.g. 25.00): \n"
                        "The input ended before the item was done; nothing saved.\n"
                        "Goodbye.\n")
    assert (data / "data/users.txt").read_bytes() == before


def test_an_item_left_by_its_way_back_goes_on_with_the_script(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused rent, then a blank line back to the menu (the script's own way back): the script goes
    on (item 1 is shown) and ends with exit 0."""
    code, out, err = scripted("3\n83470100\nBob\n-5\n\n1\n0\n", monkeypatch=monkeypatch)
    assert (code, err) == (0, "")
    assert "Back to the menu; nothing saved.\n" in out
    assert "== Show all users ==" in out and out.endswith("Choose 0-13: 0\nGoodbye.\n")


def test_a_refused_save_stops_the_script(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only users.txt: the add is refused, and the script's answers for it are not read as
    menu choices (``1`` would open item 1): the menu stops with exit 1."""
    path = data / "data/users.txt"
    before = path.read_bytes()
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    code, out, err = scripted("3\n83470200\nRO Test\n1\n1\n0\n", monkeypatch=monkeypatch)
    assert code == 1
    refusal = "data/users.txt is read-only: changes to it cannot be saved (nothing was changed)"
    assert out.endswith(f"== Add a user ==\nError: {refusal}\nGoodbye.\n")
    assert "Choose 0-13: 83470200" not in out and "== Show all users ==" not in out
    assert err == (f"error: item 3 (Add a user) was not done: {refusal}; the menu stopped, and the rest of "
                   "the script was not read\n")
    assert path.read_bytes() == before


def test_a_script_whose_every_item_was_done_exits_0(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused answers corrected in the same item are no failure: the user is added, exit 0, stderr empty."""
    code, out, err = scripted("3\n83470100\nBob\n-5\n5\n0\n0\n", monkeypatch=monkeypatch)
    assert (code, err) == (0, "")
    assert "Added: 83470100  Bob  5.00  0.00\n" in out


def test_in_chinese_too(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The line on standard error follows the interface's language."""
    os.chmod(data / "data/users.txt", stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    code, _, err = scripted("3\n83470200\nRO\n1\n1\n0\n", "--lang", "zh", monkeypatch=monkeypatch)
    assert code == 1
    assert err.startswith("错误：菜单 3（添加用户）未完成：") and err.endswith("；菜单已停止，脚本其余各行没有读取\n")


class Terminal(io.StringIO):
    """A person typing at a terminal with ``--plain``."""

    def isatty(self) -> bool:
        return True


def test_a_person_at_a_terminal_keeps_exit_0(data: Path) -> None:
    """``--plain`` on a terminal: Ctrl-D inside an item, or an item left, ends with exit 0 as before;
    after a save refused the menu goes on (the next line is the menu's), and ends with exit 0."""
    for typed in ("3\n83470100\nBob\n-5\n", "3\n83470100\n\n0\n"):
        out = io.StringIO()
        code = run_menu(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), EN, plain=True,
                        stdout=out, stdin=Terminal(typed), operator="tester")
        assert code == 0
        assert "; nothing saved.\n" in out.getvalue() and out.getvalue().endswith("Goodbye.\n")
    os.chmod(data / "data/users.txt", stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    out = io.StringIO()
    code = run_menu(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), EN, plain=True,
                    stdout=out, stdin=Terminal("3\n83470200\nRO Test\n1\n1\n\n0\n"), operator="tester")
    assert code == 0
    assert "is read-only" in out.getvalue() and "== Show all users ==" in out.getvalue()
