"""The menu on a terminal: questionary prompts driven through prompt_toolkit pipe input."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from telbill.dataset import DataPaths
from telbill.i18n import Translator
from telbill.menu import run_menu

EN = Translator("en")
USERS = "# users\n83470000  Zhang Qiang  25.00  6.00\n83470001  张强  25  6.5\n"
CALLS = "# calls\n83470000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n"
ENTER, DOWN, UP, CTRL_C = "\r", "\x1b[B", "\x1b[A", "\x03"
KEY = " "  # any key, after an item, brings the menu back


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/users.txt").write_text(USERS, "utf-8")
    (tmp_path / "data/calls.txt").write_text(CALLS, "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture()
def keys() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def run(pipe: PipeInput, typed: str, height: int = 40) -> tuple[int, str]:
    """Send ``typed`` as keystrokes, run the menu as on a terminal; return the code and the screen."""
    pipe.send_text(typed)
    console = Console(file=io.StringIO(), width=100, height=height, record=True, color_system=None)
    code = run_menu(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), EN, False, None,
                    console=console, interactive=True, operator="tester")
    return code, console.export_text()


def test_type_a_two_digit_number(data: Path, keys: PipeInput) -> None:
    """Typing 1 then 3 points at item 13; Enter opens it; 1 backs up; Ctrl-C at the menu exits 0."""
    code, screen = run(keys, "13" + ENTER + "1" + ENTER + KEY + CTRL_C)
    assert code == 0
    assert "Back up / restore the data files" in screen
    assert "Backed up data/users.txt as data/backup/users.txt." in screen
    assert screen.rstrip().endswith("Goodbye.")


def test_arrow_keys_choose_too(data: Path, keys: PipeInput) -> None:
    """Down once from item 1 is item 2 (show calls); Up from 1 wraps to 0 and exits."""
    code, screen = run(keys, DOWN + ENTER + KEY + UP + ENTER)
    assert code == 0
    assert "Call records (data/calls.txt)" in screen
    assert "1 call record(s): 1 billed, 0 set aside (no fee)." in screen


def test_add_a_user_by_typing(data: Path, keys: PipeInput) -> None:
    """Item 3 through questionary: a bad rent is refused in place, then the user is saved and logged."""
    typed = "3" + ENTER + "83470099" + ENTER + "Wu Song" + ENTER + "1.234" + ENTER + "\x7f" * 5 + "25" + ENTER
    typed += "6" + ENTER + KEY + "0" + ENTER
    code, screen = run(keys, typed)
    assert code == 0
    assert "Added: 83470099  Wu Song  25.00  6.00" in screen
    assert (data / "data/users.txt").read_text("utf-8") == USERS + "83470099  Wu Song  25.00  6.00\n"
    log = (data / "output/audit.log").read_text("utf-8")
    assert "\ttester\tadd-user\tbefore: -\tafter: 83470099  Wu Song  25.00  6.00\n" in log


def test_ctrl_c_inside_an_item_backs_out(data: Path, keys: PipeInput) -> None:
    """Ctrl-C half way through adding a user: back to the menu, nothing saved."""
    code, screen = run(keys, "3" + ENTER + "83470099" + ENTER + CTRL_C + "0" + ENTER)
    assert code == 0
    assert EN("menu.interrupted") in screen
    assert (data / "data/users.txt").read_text("utf-8") == USERS


def test_confirm_with_y_and_n(data: Path, keys: PipeInput) -> None:
    """Deleting a user without calls asks yes/no: n keeps them, y deletes."""
    typed = ("6" + ENTER + "1" + ENTER + "83470001" + ENTER + "n" + KEY
             + "6" + ENTER + "1" + ENTER + "83470001" + ENTER + "y" + KEY + "0" + ENTER)
    code, screen = run(keys, typed)
    assert "Nothing was deleted." in screen
    assert "Deleted: 83470001  张强  25.00  6.50" in screen
    assert "张强" not in (data / "data/users.txt").read_text("utf-8")


def test_long_lists_page(data: Path, keys: PipeInput) -> None:
    """On a short terminal the users come a page at a time; q stops."""
    many = "".join(f"8347{1000 + i}  User {i}  1  1\n" for i in range(30))
    (data / "data/users.txt").write_text(USERS + many, "utf-8")
    code, screen = run(keys, "1" + ENTER + ENTER + "q" + ENTER + KEY + "0" + ENTER, height=20)
    assert code == 0
    assert "Users (data/users.txt) (page 1 of 3)" in screen
    assert "Users (data/users.txt) (page 2 of 3)" in screen
    assert "page 3 of 3" not in screen
