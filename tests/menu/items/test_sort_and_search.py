"""Items 7 and 8 (menu/items/search.py): sorting users and call records, searching them, and acting
at once on what was found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from on_disk import calls_file, users_file
from plain import after, plain_session
from smalldata import USERS
from terminal import ENTER, KEY, typed_session


def test_sort_users_by_a_months_total(data: Path) -> None:
    """Users by the 2021-01 total, descending, with that total shown; files untouched."""
    _code, screen = plain_session("7\n1\n3\n2021-01\n2\n0\n")
    item = after(screen, "== Sort ==")
    rows = re.findall(r"^ +\d+ +(\d{8}) .* (\d+\.\d\d)$", item, re.MULTILINE)
    assert rows == [("83470001", "39.72"), ("83470000", "31.44"), ("83470002", "18.00")]
    assert users_file(data) == USERS


def test_sorting_by_a_month_with_no_billed_call_says_so(data: Path) -> None:
    """Users by the 2019-01 total: every total is rent and feature only, and the line under the list
    says why, in the batch's words (newuser11 finding 7); a month with calls says nothing of it."""
    code, screen = plain_session("7\n1\n3\n2019-01\n2\n0\n")
    assert code == 0
    item = after(screen, "== Sort ==")
    assert "\n2019-01 has no billed call: its bills hold only the monthly rent and feature fees\n" in item
    assert "has no billed call" not in plain_session("7\n1\n3\n2021-01\n2\n0\n").screen


def test_sort_calls_by_fee(data: Path) -> None:
    """Calls by fee, ascending; set-aside records first (no fee); the order is kept for item 2."""
    _code, screen = plain_session("7\n2\n4\n1\n2\n0\n")
    sorted_part = after(screen, "== Sort ==").split("== Show all call records ==")[0]
    fees = re.findall(r" (\d+\.\d\d)\s*$", sorted_part, re.MULTILINE)
    assert fees == ["0.22", "0.22", "0.44", "3.50", "8.00"]
    listing = after(screen, "== Show all call records ==")
    assert re.findall(r" (\d+\.\d\d)\s*$", listing, re.MULTILINE) == fees


def test_chinese_names_sort_by_pinyin(data: Path) -> None:
    """Sorting by name puts Chinese and Latin names together by their letters."""
    names = ["冯小刚", "司马光明", "周杰", "唐国强", "徐丽", "Zhang Qiang", "张强", "Li Na", "曾国藩"]
    (data / "data/users.txt").write_text("".join(f"8347{i:04d}  {n}  1  1\n" for i, n in enumerate(names)), "utf-8")
    _code, screen = plain_session("7\n1\n2\n1\n0\n")
    item = after(screen, "== Sort ==")
    assert "Users by name, A to Z" in item
    listed = re.findall(r"^ +\d+ +\d{8} +(.+?) +1\.00", item, re.MULTILINE)
    assert listed == ["冯小刚", "Li Na", "司马光明", "唐国强", "徐丽", "曾国藩", "Zhang Qiang", "张强", "周杰"]


@pytest.mark.parametrize(
    ("script", "expected", "absent"),
    [
        ("8\n1\n0001\n", ["83470001   张强", "Found: 1."], ["Zhang Qiang   25.00"]),
        ("8\n1\nQIANG\n", ["Zhang Qiang", "张强", "Found: 2."], ["83470002"]),
        ("8\n2\n83473333\n", ["83470002   83473333", "Found: 1; fees of the 1 billed: 0.22 yuan."], ["83471111"]),
        ("8\n3\n2020-12\n", ["02584561234", "Found: 1; fees of the 1 billed: 3.50 yuan."], ["83471111"]),
        ("8\n4\n2021-01-05\n2021-01-01\n2021-01-06\n",
         ["the last day 2021-01-01 is before the first day 2021-01-05", "Found: 2; fees of the 2 billed: 8.44 yuan."],
         ["83472222"]),
        ("8\n1\nnobody\n", ["Users matching 'nobody': none found."], []),
    ],
)
def test_search(data: Path, script: str, expected: list[str], absent: list[str]) -> None:
    """Users by any name; calls by number, month, date range, in start order with the fees' total."""
    _code, screen = plain_session(script + "0\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    for text in expected:
        assert text in item
    for text in absent:
        assert text not in item


def test_a_months_calls_come_in_start_order_with_their_total(data: Path) -> None:
    """Calls of a month: in start order whatever the current order, then the fees' total."""
    _code, screen = plain_session("7\n2\n1\n2\n8\n3\n2021-01\n0\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    starts = re.findall(r"2021-01-\d\d \d\d:\d\d:\d\d", item)
    assert starts == sorted(starts) and len(starts) == 4
    assert "Found: 4; fees of the 3 billed: 8.66 yuan." in item


def test_search_then_act_on_a_user(data: Path) -> None:
    """A search result leads to what can be done with it: here the user's calls, then deleting one."""
    _code, screen = plain_session("8\n1\nzhang\n2\n2\n1\n2\ny\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    assert "Number of the user to act on (1-2, 0 goes back): 2" in item
    assert "What should be done with 83470001  张强?" in item
    assert "Call records from 83470001 (2)" in item
    assert "Delete call record 83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:01:00? (y/N): y" in item
    assert "0044207946000" not in calls_file(data)


def test_search_then_act_on_a_call(data: Path) -> None:
    """A call found by month is changed without typing its caller again."""
    _code, screen = plain_session("8\n3\n2021-02\n1\n1\n=\n=\n=\n2021-02-01 08:02:00\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    assert "What should be done with 83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:00:59?" in item
    assert "After:  83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:02:00" in item
    assert "83470002\t83473333" not in calls_file(data)
    assert "83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:02:00\n" in calls_file(data)


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


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
def test_a_month_at_the_ends_of_the_calendar_is_searched(data: Path, month: str) -> None:
    """Calls of December 9999 and of January 0001 (the years files-and-rules.md allows): none, no crash."""
    code, screen = plain_session(f"8\n3\n{month}\n0\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    assert "Internal error" not in screen
    assert "none found" in item
    assert code == 0
