"""The menu's sorts (Session.sort_users, sort_calls; SPEC §6): each key the one the operator sees,
with our linked list's stable sort, and the order kept as records change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telbill.rules.fields import format_moment
from telbill.rules.rating import Rating
from telbill.rules.records import Call
from telbill.session.facade import CallSort, Session, UserSort

from smalldata import USERS, at, open_session, write_data

BASE = 63_745_000_000  # 2021-01-…, in seconds since 0001-01-01
CALLERS = ["83470000", "83470001", "83470002", "83479999"]  # the last is no subscriber
CALLEES = ["110", "83471111", "02584561234", "0044207946000", "0105551234"]


lines = st.lists(
    st.tuples(st.sampled_from(CALLERS), st.sampled_from(CALLEES), st.integers(0, 60).map(lambda m: m * 600),
              st.sampled_from([0, 1, 6, 7, 59, 60, 61, 180, 181, 3_600, 259_200, 259_201, -5])),
    max_size=30,
)


def expected_keys(s: Session) -> dict[CallSort, Callable[[Call], object]]:
    valid = {id(c) for c in s.screening().valid}
    return {
        CallSort.START: lambda c: c.start,
        CallSort.CALLER: lambda c: c.caller,
        CallSort.DURATION: lambda c: c.end - c.start,
        CallSort.FEE: lambda c: Rating(s.tariff).fee(c.callee, c.duration) if id(c) in valid else -1,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=lines, sorts=st.lists(st.tuples(st.sampled_from(list(CallSort)), st.booleans()), min_size=1,
                                  max_size=4))
def test_each_sort_orders_by_what_the_operator_sees(tmp_path_factory: pytest.TempPathFactory,
                                                    rows: list[tuple[str, str, int, int]],
                                                    sorts: list[tuple[CallSort, bool]]) -> None:
    """Start, caller, duration, fee (a set-aside record counts as -1): each sort gives sorted()'s
    order of the records in file order, equal keys in file order, both ways (sorts do not compound:
    the order kept beside the list while the menu edits is the key over file order)."""
    folder = tmp_path_factory.mktemp("sort")
    calls = "".join(f"{caller}  {callee}  {format_moment(BASE + start)}  {format_moment(BASE + start + length)}\n"
                    for caller, callee, start, length in rows)
    write_data(folder, USERS, calls)
    s = open_session(folder)
    keys = expected_keys(s)
    for by, reverse in sorts:
        in_file_order = sorted(s.calls, key=lambda c: c.line_no or 0)
        s.sort_calls(by, reverse)
        assert list(s.calls) == sorted(in_file_order, key=keys[by], reverse=reverse)


def test_sorting_uses_the_linked_list_and_survives_saves(data: Path) -> None:
    """Users by name descending stay sorted after a save; the file keeps its own order."""
    s = open_session()
    s.sort_users(UserSort.NAME, reverse=True)
    assert [u.name for u in s.users] == ["张强", "Zhang Qiang", "Li Na"]
    s.add_user("83470003", "Mei", 0, 0)
    assert [u.name for u in s.users] == ["张强", "Zhang Qiang", "Mei", "Li Na"]
    assert (data / "data/users.txt").read_text("utf-8").startswith(USERS)
    s.sort_users(UserSort.MONTH_TOTAL, reverse=True, month="2021-01")
    assert [u.phone for u in s.users][:2] == ["83470001", "83470000"]
    s.sort_calls(CallSort.FEE, reverse=True)
    assert next(iter(s.calls)).callee == "0044207946000"
    s.sort_calls(CallSort.DURATION)
    durations = [c.duration for c in s.calls]
    assert durations == sorted(durations)


def fees_in_order(s: Session) -> list[int]:
    return [-1 if s.fee(c) is None else s.fee(c) or 0 for c in s.calls]


@pytest.mark.parametrize("reverse", [False, True], ids=["lowest-first", "highest-first"])
def test_calls_sorted_by_fee_stay_so_when_a_user_change_changes_fees(data: Path, reverse: bool) -> None:
    """Adding the caller of set-aside calls as a user makes their calls billed (fee -1 → 0.22):
    they move to their place; deleting the user moves them back; undo as well."""
    s = open_session()
    s.sort_calls(CallSort.FEE, reverse=reverse)
    for change in (lambda: s.add_user("83479999", "Late Payer", 100, 100),
                   lambda: s.delete_user("83479999"), s.undo, s.undo):
        change()
        assert fees_in_order(s) == sorted(fees_in_order(s), reverse=reverse)
        fresh = open_session()
        fresh.sort_calls(CallSort.FEE, reverse=reverse)
        assert [c.line_no for c in s.calls] == [c.line_no for c in fresh.calls]


def test_users_sorted_by_month_total_stay_so_when_calls_change(data: Path) -> None:
    """A call added or modified changes its caller's month total: the users follow."""
    s = open_session()
    s.sort_users(UserSort.MONTH_TOTAL, month="2021-01")
    orders = [[u.phone for u in s.users]]

    def by_total() -> list[str]:
        totals = s.month_totals("2021-01")
        return [u.phone for u in sorted(s.users, key=lambda u: (totals[u.phone], u.line_no))]

    long_call = s.add_call("83470002", "0105551234", at("2021-01-20 10:00:00"), at("2021-01-20 11:00:00"))
    orders.append([u.phone for u in s.users])
    assert orders[-1] == by_total()
    assert long_call.record is not None
    s.modify_call(long_call.record, end=at("2021-01-20 10:00:10"))
    orders.append([u.phone for u in s.users])
    assert orders[-1] == by_total()
    s.modify_call(next(c for c in s.calls if c.callee == "83471111"), callee="0105551234", end=at("2021-01-05 11:00:00"))
    orders.append([u.phone for u in s.users])
    assert orders[-1] == by_total()
    assert orders == [["83470002", "83470000", "83470001"], ["83470000", "83470001", "83470002"],
                      ["83470002", "83470000", "83470001"], ["83470002", "83470001", "83470000"]]
