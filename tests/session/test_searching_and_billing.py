"""What the menu's session finds and bills (SPEC §4, §6): searches, a subscriber's statement equal to
their bill row, the bill file never written over a data file."""

from __future__ import annotations

from pathlib import Path

import pytest

from telbill.errors import OutputError, ValidationError
from telbill.rules.fields import (
    validate_date,
)

from plain import EN
from smalldata import open_session


def test_searches(data: Path) -> None:
    """Users by any name (phone digits, part of a name, pinyin); calls by number, month or date range."""
    s = open_session()
    assert [u.phone for u in s.find_users("0001").users] == ["83470001"]
    assert [u.phone for u in s.find_users("li na").users] == ["83470002"]
    assert [u.phone for u in s.find_users("张").users] == ["83470001"]
    assert [u.phone for u in s.find_users("zq").users] == ["83470000", "83470001"]
    assert len(s.find_calls_by_number("83473333")) == 1
    assert len(s.find_calls_by_month("2020-12")) == 1
    assert len(s.find_calls_by_days(validate_date("2021-01-05"), validate_date("2021-01-06"))) == 2


def test_statement_totals_equal_the_bill_row(data: Path) -> None:
    """Every user, every month: the itemised statement adds up to that user's bill row."""
    s = open_session()
    bills = s.bills()
    assert [m.month for m in bills.months] == ["2020-12", "2021-01", "2021-02"]
    for month in bills.months:
        for row in month.rows:
            st = s.statement(row.phone, month.month)
            assert st.row == row
            assert sum(line.fee for line in st.lines) == row.local + row.long_distance


def test_write_bills_refuses_to_overwrite_an_input(data: Path) -> None:
    """The bill file may not be a data file; the menu's check of a typed name says so before writing."""
    with pytest.raises(OutputError):
        open_session().write_bills(Path("data/users.txt"), EN)
    for name in ("data/calls.txt", " ./data/users.txt "):
        with pytest.raises(OutputError) as info:
            open_session().validate_out_path(name)
        assert "is an input file" in info.value.render(EN)
    for name in ("output/audit.log", "output/.audit.log.lock", "data/.calls.txt.lock", "data/.users.txt.journal"):
        with pytest.raises(OutputError) as info:  # not an input: telbill's own (it was told as an input)
            open_session().validate_out_path(name)
        assert info.value.render(EN) == (f"{name} is one of telbill's own files (the audit log, a lock or a "
                                         "journal); refusing to overwrite it")
    with pytest.raises(ValidationError):
        open_session().validate_out_path("   ")
    assert open_session().validate_out_path(" out/b.txt ") == Path("out/b.txt")
    bills = open_session().write_bills(Path("out/bills.txt"), EN, "2021-01")
    assert [m.month for m in bills.months] == ["2021-01"]
    assert "== 2021-01 ==" in (data / "out/bills.txt").read_text("utf-8")


SAME_SECOND = (
    "# calls\n"
    "83470001  83471111  2021-01-06 09:00:00  2021-01-06 09:01:00\n"
    "83470000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n"
    "83470002  83473333  2021-01-05 10:00:00  2021-01-05 10:00:59\n"
    "83470001  83472222  2021-01-05 10:00:00  2021-01-05 10:03:00\n"
    "83470000  83472222  2021-01-05 09:00:00  2021-01-05 09:03:00\n"
)


def test_calls_by_days_come_by_start_then_in_the_current_order(tmp_path: Path) -> None:
    """Item 8's calls of some days (or a month) are sorted once, by start; calls that start at the
    same second stay in the list's current order (file order, or the last sort's), and the sort is
    told as it goes, up to every call found."""
    from telbill.session.facade import CallSort

    from smalldata import write_data

    s = open_session(write_data(tmp_path, calls=SAME_SECOND))
    first, last = validate_date("2021-01-05"), validate_date("2021-01-06")
    told: list[tuple[int, int]] = []
    assert [c.line_no for c in s.find_calls_by_days(first, last, lambda done, of: told.append((done, of)))] == [
        6, 3, 4, 5, 2]
    assert told[-1] == (5, 5) and told == sorted(told)
    s.sort_calls(CallSort.CALLER, reverse=True)
    assert [c.line_no for c in s.find_calls_by_days(first, last)] == [6, 4, 5, 3, 2]
    assert [c.line_no for c in s.find_calls_by_month("2021-01")] == [6, 4, 5, 3, 2]
    told.clear()
    assert [c.line_no for c in s.find_calls_by_number("2222", lambda done, of: told.append((done, of)))] == [5, 6]
    assert told == [(5, 5)]  # every record looked at (the list's order: by caller, descending)
