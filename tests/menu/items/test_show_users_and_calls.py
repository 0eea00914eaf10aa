"""Items 1 and 2 (menu/items/show.py): every user, every call record with its class, duration and fee,
and the lines that could not be read."""

from __future__ import annotations

import re
from pathlib import Path

from plain import ZH, after, plain_session
from smalldata import CALLS, USERS
from terminal import ENTER, KEY, typed_session


def test_heading_and_show_users(data: Path) -> None:
    """1 lists every user; the heading says what was loaded; 0 exits with code 0."""
    code, screen = plain_session("1\n0\n")
    assert code == 0
    assert "Users: 3 (data/users.txt)" in screen
    assert "Call records: 7 (data/calls.txt): 5 billed, 2 set aside" in screen
    assert " 10  Anomalies: list them and write the anomalies file" in screen
    shown = after(screen, "== Show all users ==")
    for line in ("1   83470000   Zhang Qiang   25.00      6.00",
                 "2   83470001   张强          25.00      6.50",
                 "3   83470002   Li Na         18.00      0.00"):
        assert line in shown
    assert "Users: 3." in shown
    assert screen.rstrip().endswith("Goodbye.")


def test_many_bad_users_lines_are_summed_up_at_start_and_listed_by_item_1(data: Path) -> None:
    """The menu opens naming the first five bad lines and how many more; item 1 lists every one,
    with its text, as item 2 lists the lines of calls.txt that could not be read."""
    bad = "".join(f"8347x{i}  Bad {i}  1  1\n" for i in range(7))
    (data / "data/users.txt").write_text(USERS + bad, "utf-8")
    _code, screen = plain_session("1\n0\n")
    start = screen.split("== telbill")[0]
    assert start.count("data/users.txt line ") == 5
    assert "  … and 2 more (item 1 lists them all)" in start
    listing = after(screen, "== Show all users ==")
    assert "data/users.txt: lines that could not be read: 7; they are kept in the file as they are:" in listing
    assert re.search(r"^ +12 +8347x6 Bad 6 1 1 +phone '8347x6' is not 3 to 20 digits$", listing, re.MULTILINE)


def test_show_calls_with_class_duration_and_fee(data: Path) -> None:
    """2 shows each record's class, duration and fee; set-aside ones say why and have no fee."""
    _code, screen = plain_session("2\n0\n")
    shown = after(screen, "== Show all call records ==")
    assert re.search(r"1 +83470000 +02584561234 +2020-12-31 23:58:10 +2021-01-01 00:03:05 +long"
                     r" +0:04:55 +3\.50", shown)
    assert re.search(r"83470001 +0044207946000 .* intl +0:01:00 +8\.00", shown)
    assert re.search(r"83479999 +83463333 .* local +0:02:00 +- +unknown caller", shown)
    assert ("Call records: 7 in data/calls.txt; listed above 6: billed 5, set aside 1 (no fee); "
            "1 more could not be read (below).") in shown
    # the line that is not a call record is listed too: line number, text and reason
    unreadable = shown.split("Lines of data/calls.txt that could not be read as call records (not billed): 1")[1]
    assert re.search(r"^ *8 +83470005 8346000x 2021-01-05 10:00:00 2021-01-05 10:01:00 +"
                     r"callee '8346000x' is not 3 to 20 digits$", unreadable, re.MULTILINE)



def test_many_unreadable_lines_are_summed_up_by_item_2(data: Path) -> None:
    """31 lines that are not call records (30 and the sample's one): item 2 lists the first 20
    under the records and says how many more, and that item 10 lists them all (it lists every one)."""
    bad = "".join(f"8347000{i % 3}  8346000x  2021-01-05 10:{i:02d}:00  2021-01-05 10:{i:02d}:30\n" for i in range(30))
    (data / "data/calls.txt").write_text(CALLS + bad, "utf-8")
    _code, screen = plain_session("2\n10\n0\n")
    shown = after(screen, "== Show all call records ==").split("== Anomalies")[0]
    unreadable = shown.split("could not be read as call records (not billed): 31")[1]
    assert len(re.findall(r"is not 3 to 20 digits$", unreadable, re.MULTILINE)) == 20
    assert "  … and 11 more (item 10 lists them all)" in unreadable
    listed = after(screen, "== Anomalies")
    assert len(re.findall(r"is not 3 to 20 digits$", listed, re.MULTILINE)) == 31


def test_unreadable_lines_under_item_2_fit_one_page_of_a_terminal(data: Path) -> None:
    """On an 80 x 24 terminal item 2 lists no more unreadable lines than one screen holds (not a page
    and a few rows), says how many more item 10 lists, and each reason shows the value that is wrong."""
    bad = "".join(f"8347000{i % 3}  8346000x  2021-01-05 10:{i:02d}:00  2021-01-05 10:{i:02d}:30\n" for i in range(30))
    (data / "data/calls.txt").write_text(CALLS + bad, "utf-8")
    screen = typed_session("2" + ENTER + KEY + KEY + "0" + ENTER, height=24, width=80).screen
    unreadable = screen.split("could not be read as call records (not billed): 31")[1].split("Main menu")[0]
    listed = len(re.findall(r"callee '8346000x' is not 3 to", unreadable))
    assert 10 <= listed < 20 and "rows 1-" not in unreadable
    assert f"  … and {31 - listed} more (item 10 lists them all)" in unreadable


def test_counts_have_thousands_separators(data: Path) -> None:
    """1,200 call records: the heading and the listing's count say 1,200."""
    calls = "".join(f"83470000  83471111  2021-01-01 {i // 60 % 24:02d}:{i % 60:02d}:00  "
                    f"2021-01-01 {i // 60 % 24:02d}:{i % 60:02d}:01\n" for i in range(1200))
    (data / "data/calls.txt").write_text(calls, "utf-8")
    _code, screen = plain_session("2\n0\n")
    assert "Call records: 1,200 (data/calls.txt): 1,200 billed, 0 set aside" in screen
    assert "Call records: 1,200; billed 1,200, set aside 0 (no fee)." in screen


def test_a_huge_line_is_shown_cut_with_its_length(data: Path) -> None:
    """A 70,000-character calls line is listed by items 2 and 10 cut short with its length, so
    every other row stays a normal width (the anomalies file keeps the whole text)."""
    huge = "83470000  " + "1" * 70_000
    (data / "data/calls.txt").write_text(CALLS + huge + "\n", "utf-8")
    code, screen = plain_session("10\n2\n0\n")
    assert code == 0
    assert screen.count("… (70,010 characters in all)") == 2
    assert max(map(len, screen.splitlines())) < 400
    assert huge in (data / "output/anomalies.txt").read_text("utf-8")


def test_the_list_of_item_2_says_the_lines_it_leaves_out(data: Path) -> None:
    """The heading says 7 call records, item 2 lists 6: its title says the one line it leaves out
    and where it is listed (item 10), in both languages."""
    _code, screen = plain_session("2\n0\n")
    assert ("Call records (data/calls.txt); 1 lines that are no call record are not listed (item 10)"
            in after(screen, "== Show all call records =="))
    _code, screen = plain_session("2\n0\n", ZH)
    assert "话单（data/calls.txt）；另有 1 行无法识别为话单，未列出（见菜单 10）" in screen


def test_q_in_item_2_leaves_for_the_menu_with_the_unread_lines_in_one_line(data: Path) -> None:
    """2, then q on the first page of the calls: no second list of the lines that could not be read
    and no "Press any key": one line says how many and that item 10 lists them, and the menu is
    back (the next key, 0 Enter, exits)."""
    bad = "".join(f"8347000{i % 3}  8346000x  2021-01-05 10:{i:02d}:00  2021-01-05 10:{i:02d}:30\n" for i in range(30))
    good = "".join(f"83470000  83461111  2021-01-06 10:{i:02d}:00  2021-01-06 10:{i:02d}:30\n" for i in range(40))
    (data / "data/calls.txt").write_text(CALLS + good + bad, "utf-8")
    code, screen, drawn = typed_session("2" + ENTER + "q" + "0" + ENTER, height=24, width=100)
    assert code == 0
    item = screen.split("Show all call records")[1].split("╭")[0]  # up to the menu, drawn again
    assert "31 lines of data/calls.txt could not be read as call records (not billed): item 10 lists them." in item
    assert "is not 3 to 20 digits" not in item and "Press any key" not in drawn
    assert screen.rstrip().endswith("Goodbye.")
