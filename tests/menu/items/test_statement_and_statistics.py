"""Items 11 and 12 (menu/items/statement.py): one subscriber's itemised statement for a month, equal to
their bill row, and the statistics drawn as bars."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plain import after, plain_session
from smalldata import CALLS, write_data


def test_statement_totals_equal_the_bill_row(data: Path) -> None:
    """11 itemises the month's calls; the bill row below equals the bill file's row."""
    _code, screen = plain_session("11\n83470001\n2021-01\n9\n2\n2021-01\n=\n0\n")
    item = after(screen, "== One subscriber's itemised statement ==").split("== Billing")[0]
    assert re.search(r"1 +2021-01-06 09:00:00 +0044207946000 +intl +0:01:00 +8\.00", item)
    assert re.search(r"2 +2021-01-10 10:00:00 +83472222 +local +0:03:00 +0\.22", item)
    row = re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", item)
    assert row is not None
    bill = (data / "output/bills.txt").read_text("utf-8")
    assert re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", bill)


def test_a_statement_lists_the_months_set_aside_calls_after_the_billed_ones(workdir: Path) -> None:
    """11 on the sample data: 马超's billed call of 2021-03 and its bill row, then the two calls of that
    month set aside (a clash), each with its line, start, callee, duration and reason (issue 17 §4)."""
    _code, screen = plain_session("11\n83470013\n2021-03\n0\n")
    item = after(screen, "== One subscriber's itemised statement ==").split("== telbill")[0]
    billed = item.index("1   2021-03-28 14:52:12   83212247   local    0:22:19   2.42")
    row = item.index("83470013   马超   40.00     15.00          2.42            0.00   57.42")
    title = item.index("Call records of this month set aside, not in the bill: 2 (item 10).")
    assert billed < row < title
    assert item[title:].splitlines()[1:5] == [
        "Line   Start                 Callee     Duration   Reason",
        "-" * 136,
        (" 234   2021-03-02 10:00:00   83465555    0:10:00   same caller at the same time as line 235 "
         "(2021-03-02 10:05:00 to 2021-03-02 10:07:00)"),
        (" 235   2021-03-02 10:05:00   83466666    0:02:00   same caller at the same time as line 234 "
         "(2021-03-02 10:00:00 to 2021-03-02 10:10:00)")]


def test_search_then_statement_offers_the_subscribers_latest_month(workdir: Path) -> None:
    """Search → statement for Cao Yu offers 2020-12, the month of his latest call, not the last
    month anyone was billed (2021-03, where his statement is empty): the call is shown (issue 17 §4)."""
    _code, screen = plain_session("8\n1\nCao Yu\n1\n=\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    assert "Month (e.g. 2021-01) [= 2020-12]: =" in item
    assert "Statement of 83470030 Cao Yu for 2020-12" in item
    assert "1   2020-12-31 08:07:23   83466915   local    0:01:00   0.22" in item


@pytest.mark.parametrize("script", ["11\n83470002\n=\n0\n", "8\n1\n83470002\n1\n=\n0\n"])
def test_item_11_and_search_offer_the_month_of_the_latest_call_billed_or_not(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch,
                                                                            script: str) -> None:
    """Li Na's latest call (2021-03) ends before it starts: item 11 and search → statement both offer
    2021-03 (not 2021-02, her last billed month), where the statement shows it set aside."""
    monkeypatch.chdir(tmp_path)
    write_data(tmp_path, calls=CALLS + "83470002  83474444  2021-03-03 09:00:00  2021-03-03 08:00:00\n")
    _code, screen = plain_session(script)
    assert "Month (e.g. 2021-01) [= 2021-03]: =" in screen
    item = after(screen, "Statement of 83470002 Li Na for 2021-03")
    assert "No billed calls this month." in item
    assert "Call records of this month set aside, not in the bill: 1 (item 10)." in item
    assert re.search(r" 9 +2021-03-03 09:00:00 +83474444 +-1:00:00 +ends 2021-03-03 08:00:00, before it starts", item)


def test_statistics_draw_bars(data: Path) -> None:
    """12 shows revenue per month as bars (local #, long distance =) and the top subscribers."""
    _code, screen = plain_session("12\n0\n")
    item = after(screen, "== Statistics ==")
    assert "Call revenue per month (bars: # Local calls  = Long distance)" in item
    jan = re.search(r"2021-01 +(#+)(=+) +0\.66 +8\.00 +8\.66", item)
    assert jan is not None and len(jan[1]) + len(jan[2]) == 40
    assert "Top 3 subscribers by total (months billed: 3)" in item
    assert re.search(r"1 +83470001 +张强 +#{40} +", item)


def test_a_statement_of_a_month_nobody_called_in_says_so(data: Path) -> None:
    """Item 11 for 2019-01, where no call of anyone starts: the bill row (rent and feature), and a
    warning that the month is in no bill file unless item 9 bills it by name; a month with calls
    of others has no such warning."""
    _code, screen = plain_session("11\n83470002\n2019-01\n11\n83470002\n2020-12\n0\n")
    first = after(screen, "Statement of 83470002 Li Na for 2019-01").split("Statement of 83470002 Li Na for 2020-12")[0]
    assert "No billed calls this month." in first
    assert ("No subscriber has a billed call in 2019-01: it is not in the bill-detail file unless item 9 "
            "bills it by name.") in first
    second = after(screen, "Statement of 83470002 Li Na for 2020-12")
    assert "No billed calls this month." in second and "No subscriber has a billed call" not in second
