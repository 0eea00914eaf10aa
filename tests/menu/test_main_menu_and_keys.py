"""The main menu (SPEC §6): its heading and its loop, an item chosen by number, arrow or typed digits,
end of input and Ctrl-C, and the one way back at every question, in plain mode and on a terminal."""

from __future__ import annotations

import gc
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from telbill.cli import main
from telbill.menu.main import MainMenu

from on_disk import calls_file, users_file
from plain import ReadPastEnd, Typed, after, plain_session
from smalldata import CALLS, FEW_CALLS, FEW_USERS, USERS
from terminal import BACKSPACE, CTRL_C, DOWN, EN, ENTER, ESC, KEY, UP, typed_session


def test_end_of_input_ends_cleanly_anywhere(data: Path) -> None:
    """At the menu or half way through an item, end of input exits 0 at once (SPEC §6: "as 0
    does"): no traceback, no "interrupted" notice, nothing saved (and said so when something had
    been typed for the item: newuser7 finding 9), and no line asked for after the end."""
    assert plain_session("")[0] == 0
    assert plain_session("3\n")[0] == 0
    assert plain_session("3\n")[1].endswith("digits): \nGoodbye.\n")  # nothing typed for the item
    code, screen = plain_session("3\n83470099\n")
    assert code == 0 and "Traceback" not in screen
    assert screen.endswith("Name: \nThe input ended before the item was done; nothing saved.\nGoodbye.\n")
    assert EN("menu.interrupted") not in screen
    assert users_file(data) == USERS


def test_the_menu_keeps_its_records_frozen_while_it_runs_and_not_after(data: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The menu's session is long-lived: its records are out of the garbage collector's full
    collections while the menu runs (no second-long pause at 1M calls), and given back when it ends."""
    frozen: list[int] = []
    monkeypatch.setattr(MainMenu, "heading", lambda self: frozen.append(gc.get_freeze_count()))
    assert plain_session("1\n0\n")[0] == 0
    assert frozen and min(frozen) > 0
    assert gc.get_freeze_count() == 0


def test_reading_past_the_end_fails_fast() -> None:
    """The test stream itself: a read after the end raises at once instead of waiting for a timeout."""
    stream = Typed("1\n")
    assert stream.readline() == "1\n" and stream.readline() == ""
    with pytest.raises(ReadPastEnd):
        stream.readline()


def test_bad_menu_answers_are_asked_again(data: Path) -> None:
    """Letters, out-of-range numbers: the reason, then the question again; 010 is 10."""
    code, screen = plain_session("x\n14\n00\n")
    assert code == 0
    assert "'x' is not one of the numbers shown (0-13)" in screen
    assert "'14' is not one of the numbers shown (0-13)" in screen


def test_a_plain_yes_no_takes_the_words_docs_menu_md_names(data: Path) -> None:
    """In a script a yes/no takes y/yes/是/1 as yes and n/no/否/0 or an empty line as no; anything else
    (``=``, ``10``) is refused and asked again, never taken as a no (docs/menu.md, In a script)."""
    screen = plain_session("6\n1\n83470002\n2\n=\n10\n0\n0\n").screen
    assert "answer y or n, not '='" in screen and "answer y or n, not '10'" in screen
    assert "Nothing was deleted." in screen and users_file(data) == USERS
    screen = plain_session("6\n1\n83470002\n2\n是\n0\n").screen
    assert "83470002" not in users_file(data)


def test_full_width_menu_numbers_and_an_empty_main_menu_answer(data: Path) -> None:
    """１ typed with a Chinese input method opens item 1; an empty line at the main menu just asks again."""
    code, screen = plain_session("\n１\n０\n")
    assert code == 0
    assert "== Show all users ==" in screen
    assert "is not one of the numbers shown" not in screen


def test_ctrl_c_inside_an_item_goes_back_to_the_menu(data: Path) -> None:
    """KeyboardInterrupt while an item asks: back to the menu, nothing changed; then 0 exits."""

    class Keys(io.StringIO):
        def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
            line = super().readline()
            if line == "^C\n":
                raise KeyboardInterrupt
            return line

    code, screen = plain_session(Keys("3\n83470099\n^C\n0\n"))
    assert code == 0
    assert EN("menu.interrupted") in screen
    assert users_file(data) == USERS


def test_users_file_problems_are_shown_and_kept(data: Path) -> None:
    """Bad users.txt lines: the menu opens anyway, lists them, and a save keeps them."""
    (data / "data/users.txt").write_text(USERS + "83470000  Twin  1  1\nnonsense\n", "utf-8")
    code, screen = plain_session("3\n83470010\nNew One\n1\n1\n0\n")
    assert code == 0
    assert "data/users.txt: lines that could not be read: 2; they are kept in the file as they are:" in screen
    assert "  data/users.txt line 6: phone '83470000' repeats line 2" in screen
    assert users_file(data) == USERS + "83470000  Twin  1  1\nnonsense\n83470010  New One  1.00  1.00\n"


def test_telbill_menu_plain_through_the_command(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``telbill --lang en menu --plain`` runs the same menu; stdin from a pipe."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n0\n"))
    out = io.StringIO()
    assert main(["--lang", "en", "menu", "--plain"], stdout=out, stderr=io.StringIO()) == 0
    assert "Li Na" in out.getvalue()


def test_printf_1_0_piped_into_telbill_lists_every_user(data: Path) -> None:
    """The instructor's script: ``printf '1\\n0\\n' | telbill`` lists every user and exits 0."""
    proc = subprocess.run([sys.executable, "-m", "telbill", "--lang", "en"], input="1\n0\n",
                          capture_output=True, text=True, encoding="utf-8", cwd=data, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    for phone, name in (("83470000", "Zhang Qiang"), ("83470001", "张强"), ("83470002", "Li Na")):
        assert re.search(rf"{phone} +{name}", proc.stdout)


def test_type_a_two_digit_number(few: Path) -> None:
    """Typing 1 then 3 points at item 13; Enter opens it; 1 backs up; Ctrl-C at the menu exits 0."""
    code, screen, _ = typed_session("13" + ENTER + "1" + ENTER + KEY + CTRL_C, height=40, width=100)
    assert code == 0
    assert "Back up / restore the data files" in screen
    assert "Backed up data/users.txt as data/backup/users.txt." in screen
    assert screen.rstrip().endswith("Goodbye.")


def test_arrow_keys_choose_too(few: Path) -> None:
    """Down once from item 1 is item 2 (show calls); Up from 1 wraps to 0 and exits."""
    code, screen, _ = typed_session(DOWN + ENTER + KEY + UP + ENTER, height=40, width=100)
    assert code == 0
    assert "Call records (data/calls.txt)" in screen
    assert "Call records: 1; billed 1, set aside 0 (no fee)." in screen


@pytest.mark.parametrize(
    ("keys", "typed", "pointer"),
    [
        ("1", "1", 0),
        ("11", "11", 10),
        ("111", "11", 10),        # no item 111: the third 1 is not taken
        ("11\b2", "12", 11),      # Backspace takes the last digit back
        ("2\b", "", 0),           # the number erased: the pointer goes back where it was
        ("\u219322\b", "", 1),    # (after an arrow key, where the arrow key put it)
        ("12\b\b", "", 0),
        ("9\u2193", "", 9),       # an arrow key moves on and forgets the number
        ("0", "0", 13),
    ],
)
def test_the_number_being_typed(keys: str, typed: str, pointer: int) -> None:
    """Digits make the number shown in the question; Backspace edits it; no timing is involved."""
    from telbill.menu.terminal import TypedNumber

    number = TypedNumber([str(n) for n in range(1, 14)] + ["0"])
    for key in keys:
        if key == "\b":
            number.erase()
        elif key == "\u2193":  # ↓
            number.move(1)
        else:
            number.type(key)
    assert (number.typed, number.pointer) == (typed, pointer)


def test_typed_numbers_at_the_main_menu(few: Path) -> None:
    """1, 1, Backspace, 2, Enter opens item 12; 1, 1, 1, Enter opens item 11 (no item 111)."""
    code, screen, drawn = typed_session("11" + BACKSPACE + "2" + ENTER + KEY + "111" + ENTER + ESC + "0" + ENTER,
                                        height=40, width=100)
    assert code == 0
    assert "? Main menu 12  Statistics" in drawn
    assert "? Main menu 11  One subscriber's itemised statement" in drawn
    assert "Call revenue per month" in screen


def test_a_number_typed_and_erased_leaves_the_main_menu_as_it_was(few: Path) -> None:
    """9, Backspace, Enter does nothing (the question looked fresh, but the pointer stayed on 9 and
    Enter opened item 9: newuser7 finding 8), as Enter on a fresh menu; then 1, Enter opens item 1.
    After an arrow key the erased number leaves the pointer where the arrow key put it, and Enter
    takes that item."""
    code, screen, drawn = typed_session("9" + BACKSPACE + ENTER + "1" + ENTER + KEY
                                        + DOWN + "9" + BACKSPACE + ENTER + KEY + "0" + ENTER, height=40, width=100)
    assert code == 0
    assert "Billing" not in screen
    assert "? Main menu  1  Show all users" in drawn
    assert "? Main menu  2  Show all call records" in drawn


def test_ctrl_c_inside_an_item_backs_out(few: Path) -> None:
    """Ctrl-C half way through adding a user: back to the menu, nothing saved."""
    code, screen, _ = typed_session("3" + ENTER + "83470099" + ENTER + CTRL_C + "0" + ENTER, height=40, width=100)
    assert code == 0
    assert EN("menu.interrupted") in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS


def test_every_question_in_an_item_has_a_way_out(data: Path) -> None:
    """A wrong line is refused once with the way out; an empty answer or q leaves the item at any
    question (also one that offers a value), saying "nothing saved" when something had been typed."""
    script = ("5\n2\n83470099\n\n"      # a caller nobody has, then Enter: back
              "3\n\n"                    # add a user: Enter at the first question: back, nothing typed
              "3\n83470099\nq\n"         # add a user: q at the name: back
              "11\n83470001\nq\n"        # a month is offered: q goes back
              "11\n83470001\n\n"         # ... and so does an empty answer
              "8\n1\n\n"                 # search: Enter: back
              "1\n0\n")
    code, screen = plain_session(script)
    assert code == 0  # a way back is the script's own choice
    refusal = ("no subscriber's phone, name or pinyin matches '83470099' "
               "(q or an empty answer goes back to the menu)")
    assert screen.count(refusal) == 1
    assert "Month (e.g. 2021-01) [= 2021-01]: q" in screen
    assert "Statement of" not in screen
    assert screen.count("Back to the menu; nothing saved.") == 5
    assert "Add a user ==\nPhone (3 to 20 digits): \n\n== telbill" in screen  # nothing typed: no notice
    assert "Users: 3." in after(screen, "== Show all users ==")
    assert screen.rstrip().endswith("Goodbye.")
    assert users_file(data) == USERS and calls_file(data) == CALLS
    assert not (data / "output/audit.log").exists()


def test_q_at_a_yes_no_question_leaves_the_item(data: Path) -> None:
    """The sanity question about a large rent: q leaves the item (nothing saved); an empty answer is no,
    which asks for the rent again."""
    _code, screen = plain_session("3\n83470099\nWang\n20000\nq\n3\n83470099\nWang\n20000\n\n25\n0\n0\n")
    assert screen.count("Back to the menu; nothing saved.") == 1
    assert users_file(data).endswith("83470099  Wang  25.00  0.00\n")


def test_an_empty_answer_goes_back_to_the_menu(few: Path) -> None:
    """Enter on an empty question (no value suggested) leaves the item; nothing is saved."""
    code, screen, _ = typed_session("3" + ENTER + ENTER + "4" + ENTER + "83470000" + ENTER + ENTER + "0" + ENTER,
                                    height=40, width=100)
    assert code == 0
    assert EN("menu.interrupted") not in screen
    assert screen.count("telbill · telecom customer bills") == 3
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS
    assert (few / "data/calls.txt").read_text("utf-8") == FEW_CALLS


def test_esc_leaves_a_half_typed_entry_and_says_nothing_saved(few: Path) -> None:
    """Esc in the middle of adding a user: back to the menu, "nothing saved", the file as it was."""
    code, screen, _ = typed_session("3" + ENTER + "83470099" + ENTER + "Wu" + ESC + "0" + ENTER, height=40, width=100)
    assert code == 0
    assert EN("menu.back.nothing_saved") in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS


def test_q_or_esc_in_a_list_inside_an_item_goes_back(few: Path) -> None:
    """q and Enter in a numbered list, Esc in another: each leaves its item; nothing typed, nothing said."""
    code, screen, _ = typed_session("5" + ENTER + "q" + ENTER + "6" + ENTER + ESC + "0" + ENTER, height=40, width=100)
    assert code == 0
    assert screen.count("telbill · telecom customer bills") == 3
    assert EN("menu.back.nothing_saved") not in screen


def test_a_suggested_value_is_replaced_by_what_is_typed(few: Path) -> None:
    """The month suggested is in the question: typing 2020-12 gives 2020-12, Enter alone takes the suggestion;
    in a modify prompt, typing replaces the current value and Enter keeps it."""
    typed = ("11" + ENTER + "83470000" + ENTER + "2020-12" + ENTER + KEY
             + "11" + ENTER + "83470000" + ENTER + ENTER + KEY
             + "5" + ENTER + "1" + ENTER + "83470001" + ENTER + ENTER + "Zhang" + ENTER + ENTER + "7" + ENTER + KEY
             + "0" + ENTER)
    code, screen, _ = typed_session(typed, height=40, width=100)
    assert code == 0
    assert "Statement of 83470000 Zhang Qiang for 2020-12" in screen
    assert "Statement of 83470000 Zhang Qiang for 2021-01" in screen
    assert "After:  83470001  Zhang  25.00  7.00" in screen
    assert "83470001  Zhang  25.00  7.00\n" in (few / "data/users.txt").read_text("utf-8")


def test_an_offered_value_is_edited_with_backspace(few: Path) -> None:
    """The month offered (2021-01) stands in the line: Backspace edits it into 2020-12... here 2021-0 + 1."""
    _code, screen, _ = typed_session("11" + ENTER + "83470000" + ENTER + BACKSPACE + "1" + ENTER + KEY + "0" + ENTER,
                                    height=40, width=100)
    assert "Statement of 83470000 Zhang Qiang for 2021-01" in screen


def test_a_refused_answer_is_replaced_by_what_is_typed_next(data: Path) -> None:
    """x8 at the subscriber question is refused; it stays in the line, selected: typing
    83470000 replaces it (it made x883470000, refused again)."""
    run = typed_session("11" + ENTER + "x8" + ENTER + "83470000" + ENTER + ENTER + " " + "0" + ENTER,
                        height=40, width=100)
    assert "Statement of 83470000 Zhang Qiang for" in run.screen
    assert "x883470000" not in run.screen + run.drawn


def test_a_fault_of_telbills_own_is_one_line_and_the_menu_goes_on(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An item that meets an InternalError says so in one line asking for a report, no traceback; at a
    terminal the menu goes on, a script stops there with exit 1 (newuser11 finding 1)."""
    from telbill.errors import InternalError
    from telbill.menu.context import Item
    from telbill.menu.items import ACTIONS

    def faulty(ctx: object) -> None:
        raise InternalError("an invariant broke")

    monkeypatch.delenv("TELBILL_DEBUG", raising=False)
    monkeypatch.setitem(ACTIONS, Item.SHOW_USERS, faulty)
    code, screen = plain_session("1\n0\n")
    assert code == 1
    assert EN("menu.error.internal", error="InternalError: an invariant broke") in screen.splitlines()
    assert "Traceback" not in screen and screen.rstrip().endswith("Goodbye.")
