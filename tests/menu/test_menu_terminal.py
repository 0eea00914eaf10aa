"""The menu on a terminal: questionary prompts driven through prompt_toolkit pipe input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from telbill.files.dataset import DataPaths
from telbill.rules.records import format_fen, format_moment
from telbill.session.facade import Session
from telbill.text.i18n import Translator

from smalldata import FEW_CALLS, FEW_USERS
from terminal import BACKSPACE, CTRL_C, DOWN, EN, ENTER, ESC, KEY, UP, ZH, typed_session


def whole(value: str, screen: str) -> bool:
    """``value`` is on the screen with no digit, dot or dash glued to it (not cut, not part of another)."""
    return re.search(rf"(?<![\d.-]){re.escape(value)}(?![\d.-])", screen) is not None


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


def test_add_a_user_by_typing(few: Path) -> None:
    """Item 3 through questionary: a bad rent is refused in place, then the user is saved and logged."""
    typed = "3" + ENTER + "83470099" + ENTER + "Wu Song" + ENTER + "1.234" + ENTER + "\x7f" * 5 + "25" + ENTER
    typed += "6" + ENTER + KEY + "0" + ENTER
    code, screen, _ = typed_session(typed, height=40, width=100)
    assert code == 0
    assert "Added: 83470099  Wu Song  25.00  6.00" in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS + "83470099  Wu Song  25.00  6.00\n"
    log = (few / "output/audit.log").read_text("utf-8")
    assert "\ttester\tadd-user\tbefore: -\tafter: 83470099  Wu Song  25.00  6.00\n" in log


def test_ctrl_c_inside_an_item_backs_out(few: Path) -> None:
    """Ctrl-C half way through adding a user: back to the menu, nothing saved."""
    code, screen, _ = typed_session("3" + ENTER + "83470099" + ENTER + CTRL_C + "0" + ENTER, height=40, width=100)
    assert code == 0
    assert EN("menu.interrupted") in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS


def test_confirm_with_y_and_n(few: Path) -> None:
    """Deleting a user without calls asks yes/no: n keeps them, y deletes."""
    typed = ("6" + ENTER + "1" + ENTER + "83470001" + ENTER + "n" + KEY
             + "6" + ENTER + "1" + ENTER + "83470001" + ENTER + "y" + KEY + "0" + ENTER)
    code, screen, _ = typed_session(typed, height=40, width=100)
    assert "Nothing was deleted." in screen
    assert "Deleted: 83470001  张强  25.00  6.50" in screen
    assert "张强" not in (few / "data/users.txt").read_text("utf-8")


def test_long_lists_page(few: Path) -> None:
    """On a short terminal the users come a page at a time; q stops; the Enter typed after it (as
    at a question) does not start item 1 at the menu."""
    many = "".join(f"8347{1000 + i}  User {i}  1  1\n" for i in range(30))
    (few / "data/users.txt").write_text(FEW_USERS + many, "utf-8")
    code, screen, _ = typed_session("1" + ENTER + ENTER + "q" + ENTER + KEY + "0" + ENTER, height=20, width=100)
    assert code == 0
    assert "Users (data/users.txt) (rows 1-15 of 32)" in screen
    assert "Users (data/users.txt) (rows 16-30 of 32)" in screen
    assert "rows 31-" not in screen
    assert screen.count("Show all users") == 1


# -- narrow terminals ---------------------------------------------------------------------


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
def test_tables_at_80_columns_cut_no_data(workdir: Path, tr: Translator) -> None:
    """At 80 columns, item 2 shows every caller, callee, start and fee whole and the set-aside column;
    item 12 every month and amount, bars shrunk to fit; no line is wider than the screen."""
    typed = "2" + ENTER + KEY + "12" + ENTER + KEY + "0" + ENTER
    code, screen, _ = typed_session(typed, height=1000, width=80, tr=tr)
    assert code == 0
    assert max(cell_len(line.rstrip()) for line in screen.splitlines()) <= 80
    s = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")))
    calls = screen.split(tr("menu.item.12"))[0]
    assert tr("menu.col.note") in calls
    for call in s.calls:
        fen = s.fee(call)
        for value in (call.caller, call.callee, format_moment(call.start), "-" if fen is None else format_fen(fen)):
            assert whole(value, calls), value
    for code in ("unknown-caller", "too-long"):  # the reason whole, in the short form of a narrow list
        assert tr(f"menu.note_short.{code}") in calls
    stats = screen.split(tr("menu.item.12"))[1]
    for r in s.statistics(10).revenue:
        for value in (r.month, format_fen(r.local), format_fen(r.long_distance), format_fen(r.local + r.long_distance)):
            assert whole(value, stats), value
    assert "█" * 20 in stats and "█" * 41 not in stats


def test_deleting_a_user_with_calls_starts_on_back(few: Path) -> None:
    """The "what about their call records" list starts on "Back": Enter alone deletes nothing."""
    typed = "6" + ENTER + "1" + ENTER + "83470000" + ENTER + ENTER + "0" + ENTER
    code, screen, _ = typed_session(typed, height=40, width=100)
    assert code == 0
    assert "83470000  Zhang Qiang has call records: 1." in screen
    assert "Back to the menu; nothing saved." in screen
    assert "Deleted" not in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS
    assert (few / "data/calls.txt").read_text("utf-8") == FEW_CALLS
    assert not (few / "output/audit.log").exists()


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


def test_an_empty_answer_goes_back_to_the_menu(few: Path) -> None:
    """Enter on an empty question (no value suggested) leaves the item; nothing is saved."""
    code, screen, _ = typed_session("3" + ENTER + ENTER + "4" + ENTER + "83470000" + ENTER + ENTER + "0" + ENTER, height=40, width=100)
    assert code == 0
    assert EN("menu.interrupted") not in screen
    assert screen.count("telbill · telecom customer bills") == 3
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS
    assert (few / "data/calls.txt").read_text("utf-8") == FEW_CALLS


# -- issue 11 on a terminal -----------------------------------------------------------------



@pytest.mark.parametrize(
    ("keys", "typed", "pointer"),
    [
        ("1", "1", 0),
        ("11", "11", 10),
        ("111", "11", 10),        # no item 111: the third 1 is not taken
        ("11\b2", "12", 11),      # Backspace takes the last digit back
        ("2\b", "", 1),           # nothing typed: the pointer stays where it was
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
        elif key == "\u2193":
            number.move(1)
        else:
            number.type(key)
    assert (number.typed, number.pointer) == (typed, pointer)


def test_typed_numbers_at_the_main_menu(few: Path) -> None:
    """1, 1, Backspace, 2, Enter opens item 12; 1, 1, 1, Enter opens item 11 (no item 111)."""
    code, screen, drawn = typed_session("11" + BACKSPACE + "2" + ENTER + KEY + "111" + ENTER + ESC + "0" + ENTER, height=40, width=100)
    assert code == 0
    assert "? Main menu 12  Statistics" in drawn
    assert "? Main menu 11  One subscriber's itemised statement" in drawn
    assert "Call revenue per month" in screen


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


def test_an_offered_value_is_edited_with_backspace(few: Path) -> None:
    """The month offered (2021-01) stands in the line: Backspace edits it into 2020-12... here 2021-0 + 1."""
    code, screen, _ = typed_session("11" + ENTER + "83470000" + ENTER + BACKSPACE + "1" + ENTER + KEY + "0" + ENTER, height=40, width=100)
    assert "Statement of 83470000 Zhang Qiang for 2021-01" in screen


def test_several_matches_are_a_list_to_pick_from(few: Path) -> None:
    """zq names both subscribers: a list; Down and Enter take the second."""
    code, screen, drawn = typed_session("11" + ENTER + "zq" + ENTER + DOWN + ENTER + ENTER + KEY + "0" + ENTER, height=40, width=100)
    assert code == 0
    assert "? Several subscribers match (2); which one? 2  83470001  张强" in drawn
    assert "Statement of 83470001 张强 for 2021-01" in screen


def test_paging_goes_back_a_page_and_q_stops_only_that_list(few: Path) -> None:
    """Enter: next page; b: the page before again; q: that list stops, the list that follows still comes."""
    many = "".join(f"8347{1000 + i}  User {i}  1  1\n" for i in range(30))
    (few / "data/users.txt").write_text(FEW_USERS + many + "nonsense\n", "utf-8")
    code, screen, _ = typed_session("1" + ENTER + ENTER + "b" + "q" + KEY + "0" + ENTER, height=20, width=100)
    assert code == 0
    item = screen.split("Show all users")[-1]
    assert item.count("Users (data/users.txt) (rows 1-15 of 32)") == 2
    assert item.count("(rows 16-30 of 32)") == 1
    assert "rows 31-" not in item
    assert "Users: 32." not in item
    assert "nonsense" in item.split("(rows 1-15 of 32)")[-1]  # the lines that could not be read


def test_search_then_act_on_a_terminal(few: Path) -> None:
    """Search by initials, pick the one found from the table, delete them after a yes."""
    typed = "8" + ENTER + "1" + ENTER + "zq" + ENTER + "2" + ENTER + "4" + ENTER + "y" + KEY + "0" + ENTER
    code, screen, drawn = typed_session(typed, height=40, width=100)
    assert code == 0
    assert "? Number of the user to act on (1-2, 0 goes back) 2" in drawn
    assert "? What should be done with 83470001  张强? 4  Delete" in drawn
    assert "? Delete user 83470001  张强? y  Yes" in drawn
    assert "Deleted: 83470001  张强  25.00  6.50" in screen
    assert "张强" not in (few / "data/users.txt").read_text("utf-8")


def test_deleting_a_user_with_calls_asks_yes_after_the_choice(few: Path) -> None:
    """After choosing to delete the calls too, a yes/no with the counts; n deletes nothing."""
    typed = "6" + ENTER + "1" + ENTER + "83470000" + ENTER + "2" + ENTER + "n" + KEY + "0" + ENTER
    code, screen, drawn = typed_session(typed, height=40, width=100)
    assert code == 0
    assert "? Delete user 83470000  Zhang Qiang and their 1 call records? n  No" in drawn
    assert "Nothing was deleted." in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS


def test_a_months_bill_counts_subscribers_not_the_totals_row(few: Path) -> None:
    """Item 9, one month, paged: "rows 29-32 of 32" for 32 subscribers, the totals row under the last
    page without being counted as a row (it said "of 33")."""
    many = "".join(f"8347{1000 + i}  User {i}  1  1\n" for i in range(30))
    (few / "data/users.txt").write_text(FEW_USERS + many, "utf-8")
    code, screen, _ = typed_session("9" + ENTER + "2" + ENTER + ENTER + ENTER + ENTER + ENTER + ENTER + KEY + "0" + ENTER, height=20, width=100)
    assert code == 0
    item = screen.split("Billing: write the bill-detail file")[-1]
    assert "(rows 1-14 of 32)" in item and "(rows 15-28 of 32)" in item
    last = item.split("(rows 29-32 of 32)")[1]
    assert "All users" in last and "of 33" not in item


@pytest.mark.parametrize("tr", [EN, ZH])
def test_a_refusal_too_long_for_one_line_puts_the_way_back_on_its_own(few: Path,
                                                                   tr: Translator) -> None:
    """At 80 columns a refusal that does not fit with its way back shows the reason, then the way
    back whole on the next line; one that fits keeps both on one line."""
    typed = "4" + ENTER + "83470000" + ENTER + "83471111" + ENTER + "2021-01-05 10:00:00" + ENTER
    typed += "2021-01-05 09:00:00" + ENTER + ESC + "0" + ENTER
    code, screen, _ = typed_session(typed, width=80, tr=tr, height=40)
    assert code == 0
    hint = tr("menu.error.way_out", reason="").strip()
    lines = [line.rstrip() for line in screen.splitlines()]
    assert hint in lines  # a line of its own, whole
    reason = lines[lines.index(hint) - 1]
    assert "2021-01-05 09:00:00" in reason and "2021-01-05 10:00:00" in reason


# -- q stops only the list it was pressed in ------------------------------------------------


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
def test_q_in_the_found_users_still_shows_the_statement(workdir: Path, tr: Translator) -> None:
    """Search 8347 (34 users, paged), q, pick the second, its statement for the month offered:
    the statement is shown, not skipped because an earlier list was stopped."""
    typed = "8" + ENTER + "1" + ENTER + "8347" + ENTER + "q" + "2" + ENTER + "1" + ENTER + ENTER + KEY + "0" + ENTER
    code, pipe_screen, _ = typed_session(typed, tr=tr)
    assert code == 0
    after = pipe_screen.split(tr("menu.found.users_count", count="33"))[-1]
    assert tr("menu.statement.row") in after
    assert "83470001" in after


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
def test_q_in_the_found_users_still_shows_their_calls(workdir: Path, tr: Translator) -> None:
    """Search 8347, q, pick the second, its calls: the list of calls is shown before its number is asked."""
    typed = "8" + ENTER + "1" + ENTER + "8347" + ENTER + "q" + "2" + ENTER + "2" + ENTER + ESC + "0" + ENTER
    code, pipe_screen, _ = typed_session(typed, tr=tr)
    assert code == 0
    after = pipe_screen.split(tr("menu.found.users_count", count="33"))[-1]
    assert "2020-11-06 08:53:27" in after  # 83470001's first call is shown in the table


@pytest.mark.parametrize(
    ("typed", "first_list", "after"),
    [
        # item 2: the calls, then the lines that could not be read
        ("2" + ENTER + "q" + KEY, "Call records (data/calls.txt) (rows 1-", "Lines of data/calls.txt that could not"),
        # item 10: the set-aside records by reason, then their count and the file written
        ("10" + ENTER + ENTER + "q" + KEY, "Malformed: 4", "Records set aside: 16"),
        # item 8, calls of a month: the list, then its count and the question for a number
        ("8" + ENTER + "3" + ENTER + "2021-01" + ENTER + "q" + ESC, "Call records starting in 2021-01", "Found: "),
    ],
    ids=["item-2", "item-12", "search-month"],
)
def test_q_stops_one_list_and_the_item_goes_on(workdir: Path, typed: str, first_list: str, after: str) -> None:
    """On a 12-row terminal every list pages; q on its first page stops that list alone."""
    code, screen, _ = typed_session(typed + "0" + ENTER, height=12, width=100)
    assert code == 0
    assert first_list in screen
    assert after in screen.split(first_list, 1)[1]


def test_q_in_a_statement_still_shows_the_bill_row(few: Path) -> None:
    """Item 11 on a 12-row terminal: twelve calls page; q stops them and the bill row still comes."""
    calls = "".join(f"83470000  8347{1000 + i}  2021-01-{i + 1:02d} 10:00:00  2021-01-{i + 1:02d} 10:01:00\n"
                    for i in range(12))
    (few / "data/calls.txt").write_text(calls, "utf-8")
    code, screen, _ = typed_session("11" + ENTER + "83470000" + ENTER + ENTER + "q" + KEY + "0" + ENTER, height=12,
                                    width=100)
    assert code == 0
    statement = screen.split("Statement of 83470000 Zhang Qiang for 2021-01")[1]
    assert "rows 1-" in statement and "2021-01-12 10:00:00" not in statement
    assert "Bill row (equals the bill-detail file)" in statement
