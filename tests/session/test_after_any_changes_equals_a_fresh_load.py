"""What the session holds after any changes equals a fresh load of the files it wrote (issue 9)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telbill.errors import ConflictError, NotFoundError, ValidationError
from telbill.files.dataset import DataPaths
from telbill.files.decoding import decode
from telbill.rules.billing import MonthRevenue, compute_bills, statement
from telbill.rules.fields import SECONDS_PER_DAY, format_moment, validate_moment
from telbill.rules.rating import Rating
from telbill.rules.records import Call
from telbill.rules.screening import SetAside
from telbill.session.facade import (
    CallExtents,
    CallSort,
    RepeatAction,
    RepeatedPhoneError,
    Session,
    UserSort,
)
from telbill.store.disk import file_digest

from smalldata import snapshot

USERS = (
    "# subscribers\n"
    "83470000  Zhang Qiang  25.00  6.00\n"
    "83470001  张强  25  6.5   # moved\n"
    "\n"
    "83470002\tLi Na\t18.00\t0\n"
    "not a user line\n"
    "83470000  Impostor Dup  99.00  99.00\n"
)
CALLS = (
    "# calls\n"
    "83470000  02584561234  2020-12-31 23:58:10  2021-01-01 00:03:05\n"
    "83470000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n"
    "83470000  83471112  2021-01-05 10:02:00  2021-01-05 10:03:00\n"
    "83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:01:00   # abroad\n"
    "\n"
    "83470001\t83472222\t2021-01-10 10:00:00\t2021-01-10 10:03:00\n"
    "83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:00:59\n"
    "83479999  83463333  2021-01-11 09:00:00  2021-01-11 09:02:00\n"
    "83470005  8346000x  2021-01-05 10:00:00  2021-01-05 10:01:00\n"
    "83470002  83473334  2021-02-01 08:00:30  2021-02-01 08:02:00\n"
    "83470001  83473335  2021-03-01 08:00:30  2021-03-05 08:00:00\n"
    "83470001  83472223  2021-01-10 10:03:00  2021-01-10 10:01:00\n"
)
PHONES = ["83470000", "83470001", "83470002", "83470003", "83470004", "83479999"]
BASE = validate_moment("2021-01-05 10:00:00")


def open_session(folder: Path) -> Session:
    return Session(DataPaths(folder / "users.txt", folder / "calls.txt"), backup_dir=folder / "backup",
                   audit_log=folder / "audit.log", operator="t")


def append_line(path: Path, line: str) -> None:
    """Append ``line`` as another program would: with the file's line ends, after a last line end."""
    data = path.read_bytes()
    end = b"\r\n" if b"\r\n" in data else b"\n"
    path.write_bytes(data + (end if data and not data.endswith(b"\n") else b"") + line.encode() + end)


def on_disk(s: Session) -> None:
    """The held lines and fingerprints are those of the files."""
    for kind, path in (("users", s.paths.users), ("calls", s.paths.calls)):
        assert s._loaded.states[kind].digest == file_digest(path)
        lines = s.held_users.lines if kind == "users" else s.held_calls.lines
        assert decode(path.read_bytes()).lines == lines


def indexes_agree(s: Session) -> None:
    """While sorted, the order's index is the list, and the file-order index its records by line;
    the day index and the month sums answer as walks over every record do (see :func:`walked`)."""
    held = s.held_calls
    if held.order is not None:
        assert list(map(id, held.order.index)) == list(map(id, s.calls))
        assert held.by_line is not None
        by_line = sorted(s.calls, key=lambda c: c.line_no or 0)
        assert list(map(id, held.by_line.index)) == list(map(id, by_line))
    assert sorted(map(id, (c for day in held.by_day().days.values() for c in day))) == sorted(map(id, s.calls))
    assert indexed(s) == walked(s)
    assert fits(s.call_extents(), CallExtents.of(s.calls, lambda c: s.anomaly_of(c) is None))


def fits(kept: CallExtents, needed: CallExtents) -> bool:
    """Every value of ``needed`` fits in the extents ``kept`` (which only widen)."""
    return (kept.caller >= needed.caller and kept.callee >= needed.callee and kept.shortest <= needed.shortest
            and kept.longest >= needed.longest and kept.two_days >= needed.two_days
            and all(kept.billed[kind] >= seconds for kind, seconds in needed.billed.items()))


MONTHS = ["2020-11", "2020-12", "2021-01", "2021-02", "2021-03", "2021-04"]


def indexed(s: Session) -> dict[str, Any]:
    """What one subscriber, one month and the statistics show, as the session answers (from its indexes)."""
    phones = sorted({u.phone for u in s.users} | {c.caller for c in s.calls})
    stats = s.statistics(3)
    return {
        "bills": [(m.month, m.rows) for m in s.bills().months],
        "billed_months": s.billed_months(),
        "month_bills": {m: s.bills(m).months[0].rows for m in MONTHS},
        "month_totals": {m: s.month_totals(m) for m in MONTHS},
        "statistics": (stats.revenue, stats.top, stats.months, stats.grand_total),
        "statements": {(p, m): (st.lines, st.row) for p in phones if s.user(p) for m in MONTHS
                       for st in [s.statement(p, m)]},
        "set_aside": {(p, m): [(a.code, a.line_no) for a in s.set_aside_of(p, m)] for p in phones for m in MONTHS},
        "latest": {p: s.latest_month_of(p) for p in phones},
        "month_calls": {m: [c.line_no for c in s.find_calls_by_month(m)] for m in MONTHS},
        "day_calls": [c.line_no for c in s.find_calls_by_days(BASE // SECONDS_PER_DAY - 5, BASE // SECONDS_PER_DAY)],
        "anomalies": [(a.code, a.line_no, a.params) for a in s.set_aside()],
    }


def walked(s: Session) -> dict[str, Any]:
    """The same, worked out by walking every record with the rules (the batch's billing, a filter of
    the list): what a fresh build of the indexes must give."""
    phones = sorted({u.phone for u in s.users} | {c.caller for c in s.calls})
    users = sorted(s.users, key=lambda u: u.line_no or 0)
    result = s.screening()
    bills = compute_bills(users, result.valid, s.tariff)
    totals: dict[str, int] = {}
    for bill in bills.months:
        for row in bill.rows:
            totals[row.phone] = totals.get(row.phone, 0) + row.total
    names = {u.phone: u.name for u in users}
    top = sorted(((p, names[p], t) for p, t in totals.items()), key=lambda r: -r[2])[:3]  # stable: file order
    revenue = [MonthRevenue(b.month, sum(r.local for r in b.rows), sum(r.long_distance for r in b.rows))
               for b in bills.months]
    months = {m: compute_bills(users, result.valid, s.tariff, m).months[0] for m in MONTHS}

    def theirs(phone: str, month: str) -> list[SetAside]:
        found = [a for a in result.set_aside if a.call is not None and a.call.caller == phone
                 and a.call.month == month]
        return sorted(found, key=lambda a: (a.call.start if a.call else 0, a.line_no or 0))

    return {
        "bills": [(m.month, m.rows) for m in bills.months],
        "billed_months": sorted({c.month for c in result.valid}),
        "month_bills": {m: bill.rows for m, bill in months.items()},
        "month_totals": {m: {r.phone: r.total for r in bill.rows} for m, bill in months.items()},
        "statistics": (revenue, top, len(bills.months), bills.grand_total),
        "statements": {(p, m): (st.lines, st.row) for p in phones if s.user(p) for m in MONTHS
                       for st in [statement(s.require_user(p), m, result.valid, Rating(s.tariff))]},
        "set_aside": {(p, m): [(a.code, a.line_no) for a in theirs(p, m)] for p in phones for m in MONTHS},
        "latest": {p: max((c.month for c in s.calls if c.caller == p), default=None) for p in phones},
        # by start, calls of the same second in the current order: a stable sort of the list as it is
        "month_calls": {m: [c.line_no for c in sorted(s.calls, key=by_start) if c.month == m] for m in MONTHS},
        "day_calls": [c.line_no for c in sorted(s.calls, key=by_start)
                      if BASE // SECONDS_PER_DAY - 5 <= c.start // SECONDS_PER_DAY <= BASE // SECONDS_PER_DAY],
        "anomalies": [(a.code, a.line_no, a.params) for a in result.set_aside],
    }


def by_start(call: Call) -> int:
    return call.start


Sorts = dict[str, tuple[Any, ...]]


def sorted_as(s: Session, sorts: Sorts) -> Session:
    """``s`` with the sorts of ``sorts`` applied (users, then calls)."""
    if "users" in sorts:
        s.sort_users(*sorts["users"])
    if "calls" in sorts:
        s.sort_calls(*sorts["calls"])
    return s


def step(s: Session, data: st.DataObject, sorts: Sorts) -> None:
    """One change chosen by Hypothesis; refused ones (validation) change nothing. A sort is kept
    in ``sorts``, so that a fresh load can be sorted the same way."""
    op = data.draw(st.sampled_from(["add_user", "modify_user", "delete_user", "add_call", "modify_call",
                                    "delete_call", "undo", "undo", "sort", "restore", "outside"]))
    users = sorted(s.users, key=lambda u: u.line_no or 0)
    calls = sorted(s.calls, key=lambda c: c.line_no or 0)
    try:
        if op == "add_user":
            s.add_user(data.draw(st.sampled_from(PHONES)), data.draw(st.sampled_from(["A b", "王五"])), 100, 5)
        elif op == "modify_user" and users:
            user = users[data.draw(st.integers(0, len(users) - 1))]
            s.modify_user(user.phone, new_phone=data.draw(st.sampled_from([None, *PHONES])),
                          rent=data.draw(st.integers(0, 3000)), repeats=RepeatAction.COMMENT)
        elif op == "delete_user" and users:
            user = users[data.draw(st.integers(0, len(users) - 1))]
            s.delete_user(user.phone, with_calls=data.draw(st.booleans()),
                          repeats=data.draw(st.sampled_from(list(RepeatAction))))
        elif op == "add_call":
            start = BASE + data.draw(st.integers(-200, 200)) * 60
            s.add_call(data.draw(st.sampled_from(PHONES)), data.draw(st.sampled_from(["110", "0105551234"])),
                       start, start + data.draw(st.integers(0, 400)), accept_anomaly=True)
        elif op == "modify_call" and calls:
            call = calls[data.draw(st.integers(0, len(calls) - 1))]
            start = BASE + data.draw(st.integers(-200, 200)) * 60
            s.modify_call(call, caller=data.draw(st.sampled_from([None, *PHONES])), start=start,
                          end=start + data.draw(st.integers(0, 400)), accept_anomaly=True)
        elif op == "delete_call" and calls:
            s.delete_call(calls[data.draw(st.integers(0, len(calls) - 1))])
        elif op == "undo":
            s.undo()
        elif op == "restore":
            if data.draw(st.booleans()):
                s.backup_now()
            usable = [b for b in s.list_backups() if b.usable]
            if usable:
                s.restore(usable[data.draw(st.integers(0, len(usable) - 1))])
        elif op == "outside":  # another program appends a line; the session reads the file again
            kind = data.draw(st.sampled_from(["users", "calls"]))
            start = BASE + data.draw(st.integers(-200, 200)) * 60
            line = (f"{data.draw(st.sampled_from(PHONES))}  Outside  1.00  0" if kind == "users" else
                    f"{data.draw(st.sampled_from(PHONES))}  83479000  {format_moment(start)}  {format_moment(start + 90)}")
            append_line(s.path(kind), line)
            s.refresh()
        elif op == "sort":
            sorts["calls"] = (data.draw(st.sampled_from(list(CallSort))), data.draw(st.booleans()))
            by = data.draw(st.sampled_from(list(UserSort)))
            sorts["users"] = (by, data.draw(st.booleans()), "2021-01" if by is UserSort.MONTH_TOTAL else None)
            sorted_as(s, sorts)
    except (ValidationError, NotFoundError, ConflictError, RepeatedPhoneError):
        pass


@pytest.fixture()
def no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync changes nothing a test can see here, and costs time; other tests spy on it."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), crlf=st.booleans(), ended=st.booleans())
def test_after_any_changes_the_session_equals_a_fresh_load(tmp_path_factory: pytest.TempPathFactory,
                                                           no_fsync: None, data: st.DataObject,
                                                           crlf: bool, ended: bool) -> None:
    """Adds, modifies, deletes, undos, restores, sorts, and lines appended by another program: users,
    calls, anomalies, bills and the indexes (a day's calls, the month sums behind bills, statistics,
    statements) as loaded, and in the order a fresh load sorted the same way gives."""
    folder = tmp_path_factory.mktemp("s")
    calls = CALLS if ended else CALLS.rstrip("\n")
    newline = "\r\n" if crlf else "\n"
    (folder / "users.txt").write_bytes(USERS.replace("\n", newline).encode())
    (folder / "calls.txt").write_bytes(calls.replace("\n", newline).encode())
    s = open_session(folder)
    sorts: Sorts = {}
    for _ in range(data.draw(st.integers(1, 7))):
        step(s, data, sorts)
        on_disk(s)
        indexes_agree(s)
    fresh = sorted_as(open_session(folder), sorts)
    assert snapshot(s) == snapshot(fresh)
    assert s.held_calls.month_sums() == fresh.held_calls.month_sums()
    assert indexed(s) == indexed(fresh)
    assert fresh.call_extents() == CallExtents.of(fresh.calls, lambda c: fresh.anomaly_of(c) is None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["831", "832", "833", "839"]), st.integers(0, 40),
                          st.sampled_from([-3, 0, 1, 2, 5, 10, 259_200, 259_201])), max_size=40))
def test_screening_caller_by_caller_equals_screening_all_records(rows: list[tuple[str, int, int]]) -> None:
    """Each caller's records screened on their own (what the session does after a change) give
    exactly the anomalies of the screening of the whole file (the batch's)."""
    from telbill.lists.linked import LinkedList
    from telbill.rules.screening import screen_by_caller, screen_calls

    calls = [Call(caller, "110", BASE + start, BASE + start + length, number) for number, (caller, start, length)
             in enumerate(rows, 1)]
    phones = {"831", "832", "833"}
    groups: dict[str, list[Call]] = {}
    for call in calls:
        groups.setdefault(call.caller, []).append(call)
    whole = {id(a.call): (a.code, a.line_no, a.key, a.params)
             for a in screen_calls(LinkedList(calls), phones).set_aside}
    apart = {key: (a.code, a.line_no, a.key, a.params) for key, a in screen_by_caller(groups, phones).items()}
    assert apart == whole


def write_files(folder: Path) -> Session:
    folder.mkdir(exist_ok=True)
    (folder / "users.txt").write_text(USERS, encoding="utf-8")
    (folder / "calls.txt").write_text(CALLS, encoding="utf-8")
    return open_session(folder)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_billed_months_are_the_months_of_the_bills_after_any_changes(
        tmp_path_factory: pytest.TempPathFactory, no_fsync: None, data: st.DataObject) -> None:
    """Which months are billed has one rule (rules.billing.billed_months): the menu's list of billed
    months (the day index's counts, kept through each change) is the months of its bills (the
    month sums), after every change."""
    s = write_files(tmp_path_factory.mktemp("s"))
    s.held_calls.prepare()  # the indexes made first, then kept through the changes
    sorts: Sorts = {}
    for _ in range(data.draw(st.integers(1, 8))):
        step(s, data, sorts)
        assert s.billed_months() == [bill.month for bill in s.bills().months]


def test_the_billed_months_follow_the_one_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Were the rule of which months are billed to change (here: every month but the oldest), the
    menu's list of billed months and its bills would both follow it: neither writes it again."""
    import sys

    from telbill.rules import billing

    rule = billing.billed_months

    def all_but_the_oldest(valid_calls: Any, only_month: str | None = None) -> list[str]:
        return rule(valid_calls, only_month)[1:]

    assert write_files(tmp_path / "before").billed_months() == ["2020-12", "2021-01"]
    for module in list(sys.modules.values()):
        if getattr(module, "billed_months", None) is rule:
            monkeypatch.setattr(module, "billed_months", all_but_the_oldest)
    s = write_files(tmp_path / "after")
    assert s.billed_months() == ["2021-01"]
    assert [bill.month for bill in s.bills().months] == ["2021-01"]
