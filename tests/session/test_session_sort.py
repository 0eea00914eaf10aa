"""The menu's sorts of call records (Session.sort_calls): each key is the one the operator sees."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telbill.rules.billing import rate_call
from telbill.rules.records import Call, format_moment
from telbill.session.facade import CallSort, Session

from smalldata import USERS, open_session, write_data

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
        CallSort.FEE: lambda c: rate_call(c, s.tariff) if id(c) in valid else -1,
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
