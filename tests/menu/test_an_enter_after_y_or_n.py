"""The Enter typed out of habit after y or n (menu/terminal.py, ENTER_AFTER_ONE_KEY): y and n answer
a yes/no at once, and an Enter typed in the same burst is part of that answer. It does not answer
what the yes or the no leads to (found in tmux: item 9, n to replacing a file telbill did not write,
and the Enter took the name offered, output/bills.txt, and replaced it unseen).

Each test types its keys in one write through a prompt_toolkit pipe, as a burst. The rule's 0.6 s
is made a minute for the bursts (however slow the machine, the next question comes within it) and
nothing for the Enter typed later (an answer like any other), so no test waits on a clock."""

from __future__ import annotations

from pathlib import Path

import pytest

import telbill.menu.terminal

from on_disk import audit, calls_file, users_file
from plain import plain_session
from smalldata import CALLS, USERS
from terminal import ENTER, ESC, typed_session

NOT_OURS = b"my own notes\n"
PAUSE = "Press any key to go back to the menu"
TALL, SHORT = 60, 20
"""Screens on which an item's output fits under the menu (no pause) / does not (the pause comes)."""


@pytest.fixture()
def burst(monkeypatch: pytest.MonkeyPatch) -> None:
    """An Enter typed with the key before it (the next question always comes within the rule)."""
    monkeypatch.setattr(telbill.menu.terminal, "ENTER_AFTER_ONE_KEY", 60.0)


@pytest.fixture()
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """An Enter typed after the next question was seen (longer after the key than the rule)."""
    monkeypatch.setattr(telbill.menu.terminal, "ENTER_AFTER_ONE_KEY", 0.0)


def _replace_mine() -> str:
    """Item 9, every month, to output/mine.txt, a file telbill did not write: the yes/no to replace it."""
    Path("output").mkdir(exist_ok=True)
    Path("output/mine.txt").write_bytes(NOT_OURS)
    return "9" + ENTER + "1" + ENTER + "output/mine.txt" + ENTER


def test_n_enter_to_replacing_leaves_the_name_offered_unanswered(data: Path, burst: None) -> None:
    """Item 9: n Enter to replacing output/mine.txt. The name question comes back offering
    output/bills.txt and waits (it took the offer and wrote output/bills.txt); Esc then leaves."""
    code, screen, _ = typed_session(_replace_mine() + "n" + ENTER + ESC + "0" + ENTER, height=TALL, width=100)
    assert code == 0
    assert "Not replaced: output/mine.txt is kept as it was; give another name" in screen
    assert "Back to the menu; nothing saved." in screen
    assert not Path("output/bills.txt").exists()
    assert Path("output/mine.txt").read_bytes() == NOT_OURS


def test_the_enter_is_taken_so_once(data: Path, burst: None) -> None:
    """n Enter Enter: the second Enter answers the name question, taking output/bills.txt."""
    code, screen, _ = typed_session(_replace_mine() + "n" + ENTER + ENTER + "0" + ENTER, height=TALL, width=100)
    assert code == 0
    assert "Wrote output/bills.txt." in screen
    assert Path("output/mine.txt").read_bytes() == NOT_OURS


def test_an_enter_typed_later_answers_the_question(data: Path, later: None) -> None:
    """n, then (the name question seen) Enter: it takes output/bills.txt, as the operator meant."""
    code, screen, _ = typed_session(_replace_mine() + "n" + ENTER + "0" + ENTER, height=TALL, width=100)
    assert code == 0
    assert "Wrote output/bills.txt." in screen
    assert Path("output/mine.txt").read_bytes() == NOT_OURS


def test_keys_other_than_enter_typed_with_n_are_kept(data: Path, burst: None) -> None:
    """n then a name in one burst: the name is typed at the question that comes back (only an
    Enter is part of the n)."""
    code, screen, _ = typed_session(_replace_mine() + "n" + "out.txt" + ENTER + "0" + ENTER, height=TALL, width=100)
    assert code == 0
    assert "Wrote out.txt." in screen
    assert not Path("output/bills.txt").exists()


def test_y_enter_to_replacing_does_not_skip_the_pause(data: Path, burst: None) -> None:
    """Item 9, y Enter to replacing output/mine.txt: the bills are written there and the pause
    waits for the next key (the Enter took it, and the menu pushed the bills off the screen); so
    the 2 typed next goes back to the menu, and does not choose item 2."""
    code, screen, drawn = typed_session(_replace_mine() + "y" + ENTER + "2" + ENTER, height=SHORT, width=100)
    assert code == 0
    assert "Wrote output/mine.txt." in screen
    assert PAUSE in drawn
    assert "Show all call records" not in screen


def test_n_enter_to_replacing_in_item_10_does_not_leave_the_item(data: Path, burst: None) -> None:
    """Item 10 over output/anomalies.txt not telbill's: n Enter. The name question (nothing offered)
    waits (the Enter answered it with nothing and left the item), and the name typed next is taken."""
    Path("output").mkdir()
    Path("output/anomalies.txt").write_bytes(NOT_OURS)
    code, screen, _ = typed_session("10" + ENTER + "n" + ENTER + "out/a.txt" + ENTER + "0" + ENTER,
                                    height=TALL, width=100)
    assert code == 0
    assert "Back to the menu; nothing saved." not in screen
    assert Path("out/a.txt").read_text("utf-8").startswith("# telbill anomalous call records")
    assert Path("output/anomalies.txt").read_bytes() == NOT_OURS


def test_y_enter_to_billing_a_month_without_calls_does_not_take_the_name(data: Path, burst: None) -> None:
    """Item 9, 2021-05 (no calls), y Enter to billing it anyway: the name question, offering
    output/bills.txt, waits for its answer (the Enter took the offer unseen)."""
    typed = "9" + ENTER + "2" + ENTER + "2021-05" + ENTER + "y" + ENTER + "may.txt" + ENTER + "0" + ENTER
    code, screen, _ = typed_session(typed, height=TALL, width=100)
    assert code == 0
    assert "Wrote may.txt." in screen
    assert not Path("output/bills.txt").exists()


ADD_BIG = "3" + ENTER + "83470099" + ENTER + "Big" + ENTER + "25000" + ENTER
"""Item 3 with a rent of 25,000 yuan: the yes/no "is that right?"."""


def test_n_enter_to_a_large_rent_leaves_the_rent_asked_again(data: Path, burst: None) -> None:
    """n Enter to "a rent of 25,000.00 yuan, is that right?": the rent is asked again and waits
    (the Enter answered it with nothing and left the item, the user not added)."""
    code, _, _ = typed_session(ADD_BIG + "n" + ENTER + "25" + ENTER + "6.5" + ENTER + "0" + ENTER,
                               height=TALL, width=100)
    assert code == 0
    assert users_file().endswith("83470099  Big  25.00  6.50\n")


def test_y_enter_to_a_large_rent_leaves_the_next_question_unanswered(data: Path, burst: None) -> None:
    """y Enter to the large rent: the feature fee is asked and waits (the Enter left the item)."""
    code, _, _ = typed_session(ADD_BIG + "y" + ENTER + "6.5" + ENTER + "0" + ENTER, height=TALL, width=100)
    assert code == 0
    assert users_file().endswith("83470099  Big  25000.00  6.50\n")


def _undo() -> str:
    plain_session("6\n1\n83470000\n2\ny\n0\n")  # a change to undo: Zhang Qiang and his calls deleted
    return "13" + ENTER + "3" + ENTER


def _restore() -> str:
    plain_session("13\n1\n0\n")  # a backup of each data file
    return "13" + ENTER + "2" + ENTER + "1" + ENTER


ADD_OVERLAPPING = ("4" + ENTER + "83470000" + ENTER + "83475555" + ENTER + "2021-01-05 10:02:00" + ENTER
                   + "10:03:00" + ENTER)
"""Item 4, a call at the same time as another of the caller's: the yes/no to save it anyway."""

ENDING_AN_ITEM = {
    # the keys that reach the yes/no, and what each answer says (the item ends after either; a
    # yes to billing a month without calls goes on to the name question, tested above)
    "delete a user": (lambda: "6" + ENTER + "1" + ENTER + "83470002" + ENTER + "1" + ENTER,
                      "Nothing was deleted.", "Deleted: 83470002"),
    "delete a call": (lambda: "6" + ENTER + "2" + ENTER + "83470002" + ENTER + "1" + ENTER,
                      "Nothing was deleted.", "Deleted: 83470002  83473333"),
    "save a call set aside": (lambda: ADD_OVERLAPPING, "Not saved.", "Added: 83470000  83475555"),
    "undo": (_undo, "Nothing was undone.", "Records undone: 3"),
    "restore": (_restore, "Nothing was restored.", "Restored"),
    "bill a month without calls": (lambda: "9" + ENTER + "2" + ENTER + "2021-05" + ENTER,
                                   "Nothing was written.", None),
}


@pytest.mark.parametrize(("what", "answer"), [(what, answer) for what, (_, _, yes) in ENDING_AN_ITEM.items()
                                              for answer in ("n", "y") if answer == "n" or yes is not None])
def test_the_enter_after_a_yes_no_that_ends_the_item_does_not_skip_the_pause(
        data: Path, burst: None, what: str, answer: str) -> None:
    """A yes/no after which the item ends (its output pushed off the screen by the menu, so the
    pause comes): y or n then Enter, then 2 Enter. The pause waits for the 2 (the Enter took it,
    and the 2 then chose item 2); the Enter after it answers nothing at the menu."""
    keys, said_no, said_yes = ENDING_AN_ITEM[what]
    code, screen, drawn = typed_session(keys() + answer + ENTER + "2" + ENTER, height=SHORT, width=100)
    assert code == 0
    assert (said_yes if answer == "y" else said_no) in screen
    assert PAUSE in drawn
    assert "Show all call records" not in screen


def test_nothing_changes_in_a_script(data: Path) -> None:
    """In plain mode a line is an answer: n, then an empty line, leaves item 3 (nothing saved)."""
    code, screen = plain_session("3\n83470099\nBig\n25000\nn\n\n0\n")
    assert code == 0
    assert "Back to the menu; nothing saved." in screen
    assert users_file() == USERS and calls_file() == CALLS and audit() == []
