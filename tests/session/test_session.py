"""The menu's data session: changes saved at once, safely, and written to the audit log (SPEC §7)."""

from __future__ import annotations

import gc
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import ConflictError, NotFoundError, OutputError, ValidationError
from telbill.rules.fields import (
    validate_date,
    validate_end,
    validate_moment,
    validate_money,
    validate_month,
    validate_name,
    validate_phone,
)
from telbill.rules.records import AnomalyCode, Call
from telbill.session.facade import AnomalyError, CallSort, Session, UserSort, login_name
from telbill.text.i18n import Translator

from on_disk import audit
from smalldata import CALLS, USERS, at, open_session

EN = Translator("en")
NOW = datetime(2026, 1, 2, 3, 4, 5)


# -- checking typed values -------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "text", "message"),
    [
        (validate_phone, "8347x", "phone '8347x' is not 3 to 20 digits"),
        (validate_phone, "12", "phone '12' is not 3 to 20 digits"),
        (validate_name, "   ", "the name cannot be empty"),
        (validate_name, "Li #2", "name 'Li #2' has a word starting with #, which would start a comment in users.txt"),
        (validate_name, "#Li", "name '#Li' has a word starting with #, which would start a comment in users.txt"),
        (lambda t: validate_money(t, "rent"), "-1", "rent '-1' is negative"),
        (lambda t: validate_money(t, "rent"), "1.234", "rent '1.234' has more than two decimals"),
        (lambda t: validate_money(t, "feature"), "abc", "feature fee 'abc' is not an amount of yuan"),
        (validate_moment, "2021-02-29 10:00:00", "impossible date '2021-02-29': that month has no such day"),
        (validate_moment, "2021-02-28 24:00:00", "impossible time '24:00:00'"),
        (validate_moment, "yesterday", "'yesterday' is not a date and time like 2021-01-31 08:00:00"),
        (validate_date, "2021-13-01", "impossible date '2021-13-01': there is no month 13"),
        (validate_month, "2021-13", "'2021-13' is not a month: there is no month 13"),
    ],
)
def test_typed_values_are_refused_with_the_reason(check: Any, text: str, message: str) -> None:
    """Each check says what is wrong with the value, quoting it."""
    with pytest.raises(ValidationError) as info:
        check(text)
    assert info.value.render(EN) == message


def test_values_that_are_fine() -> None:
    """Names get single spaces; money becomes fen; a time alone is on the given day."""
    assert validate_name("  Wang   Xiao  Er ") == "Wang Xiao Er"
    assert validate_name("Li#Na") == "Li#Na"  # a # inside a word is part of the name in users.txt
    assert validate_name("No.5#") == "No.5#"
    assert validate_money("25.5") == 2550
    start = at("2021-01-05 23:59:00")
    assert validate_end("23:59:30", start) == at("2021-01-05 23:59:30")
    assert validate_end("2021-01-06 00:01:00", start) == at("2021-01-06 00:01:00")
    with pytest.raises(ValidationError) as info:
        validate_end("23:58:59", start)
    assert info.value.render(EN) == "the end 2021-01-05 23:58:59 is before the start 2021-01-05 23:59:00"


def test_login_name_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No password entry and no getpass: USER, then LOGNAME, then 'unknown'."""
    import getpass

    def broken() -> str:
        raise OSError("no user")

    monkeypatch.setattr(getpass, "getuser", broken)
    monkeypatch.setenv("USER", "alice")
    assert login_name() == "alice"
    monkeypatch.delenv("USER")
    monkeypatch.setenv("LOGNAME", "bob")
    assert login_name() == "bob"
    monkeypatch.delenv("LOGNAME")
    assert login_name() == "unknown"


# -- users -----------------------------------------------------------------------------


def test_add_user_appends_a_line_keeps_the_rest_and_logs_it(data: Path) -> None:
    """The new record goes at the end; comments, blank lines and tabbed lines stay byte for byte.

    It is appended to the file itself (same inode): no copy of the file is made,
    only a small undo record.
    """
    s = open_session(clock=lambda: NOW)
    inode = (data / "data/users.txt").stat().st_ino
    change = s.add_user("83470099", "Wang  Xiao Er", 2550, 650)
    assert (data / "data/users.txt").read_text("utf-8") == USERS + "83470099  Wang Xiao Er  25.50  6.50\n"
    assert (data / "data/users.txt").stat().st_ino == inode
    assert change.record is s.user("83470099")
    assert change.backup is None
    assert change.undo is not None and change.undo.parent == Path("data/backup")
    assert change.undo.name == "users.txt.20260102-030405-000000.undo"
    assert audit() == [["2026-01-02T03:04:05", "tester", "add-user", "before: -",
                        "after: 83470099  Wang Xiao Er  25.50  6.50"]]


def test_duplicate_phone_is_refused(data: Path) -> None:
    """A phone already taken names its owner; nothing is written."""
    s = open_session()
    with pytest.raises(ValidationError) as info:
        s.add_user("83470001", "Other", 0, 0)
    assert info.value.render(EN) == "phone 83470001 already belongs to 张强"
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert not (data / "output/audit.log").exists()


def test_modify_user_keeps_its_line_and_trailing_comment(data: Path) -> None:
    """A changed record is rewritten in place in the standard layout, its comment kept."""
    s = open_session()
    change = s.modify_user("83470001", name="张 强", rent=3000)
    assert change is not None
    text = (data / "data/users.txt").read_text("utf-8")
    assert text == USERS.replace("83470001  张强  25  6.5   # moved in 2021",
                                 "83470001  张 强  30.00  6.50  # moved in 2021")
    assert audit()[0][2:] == ["modify-user", "before: 83470001  张强  25.00  6.50",
                              "after: 83470001  张 强  30.00  6.50"]
    assert s.modify_user("83470001", name="张 强") is None  # nothing differs: no save, no log
    assert len(audit()) == 1


def test_phone_of_a_user_with_calls_cannot_change(data: Path) -> None:
    """The records would no longer be theirs; a user without calls may change phone."""
    s = open_session()
    with pytest.raises(ValidationError) as info:
        s.modify_user("83470000", new_phone="83470050")
    assert info.value.render(EN).startswith("83470000 has call records (2); its phone cannot change")
    (data / "data/users.txt").write_text(USERS + "83470007  New  1  1\n", "utf-8")
    s = open_session()
    s.modify_user("83470007", new_phone="83470008")
    assert s.user("83470008") is not None and s.user("83470007") is None


def test_delete_user_keeping_calls_sets_them_aside(data: Path) -> None:
    """The user goes; their calls stay in calls.txt and become unknown-caller anomalies."""
    s = open_session()
    changes = s.delete_user("83470000")
    assert [c.action for c in changes] == ["delete-user"]
    assert "Zhang Qiang" not in (data / "data/users.txt").read_text("utf-8")
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS
    codes = [a.code for a in s.screening().anomalies if a.call is not None and a.call.caller == "83470000"]
    assert codes == [AnomalyCode.UNKNOWN_CALLER] * 2


def test_delete_user_with_calls_logs_every_call(data: Path) -> None:
    """Deleting the calls too: both files rewritten, one audit line per record."""
    s = open_session()
    changes = s.delete_user("83470000", with_calls=True)
    assert [c.action for c in changes] == ["delete-call", "delete-call", "delete-user"]
    calls = (data / "data/calls.txt").read_text("utf-8")
    assert "83470000" not in calls and "# test calls" in calls and "8346000x" in calls
    assert [line[2] for line in audit()] == ["delete-call", "delete-call", "delete-user"]
    assert audit()[0][3] == "before: 83470000  02584561234  2020-12-31 23:58:10  2021-01-01 00:03:05"


def test_unknown_user(data: Path) -> None:
    """Asking for a phone nobody has is NotFoundError."""
    with pytest.raises(NotFoundError) as info:
        open_session().delete_user("83479999")
    assert info.value.render(EN) == "no user has phone 83479999"


# -- calls -----------------------------------------------------------------------------


def test_add_call_and_its_fee(data: Path) -> None:
    """A new call is appended in the standard layout and billed in the month it starts."""
    s = open_session()
    change = s.add_call("83470002", "0105551234", at("2021-02-28 23:59:00"), at("2021-03-01 00:00:01"))
    assert (data / "data/calls.txt").read_text("utf-8").endswith(
        "83470002  0105551234  2021-02-28 23:59:00  2021-03-01 00:00:01\n")
    assert isinstance(change.record, Call)
    assert s.fee(change.record) == 77  # 61 s domestic: 0.07 + 10 × 0.07
    february = s.bills("2021-02").month("2021-02")
    assert february is not None and february.rows[2].long_distance == 77


def test_a_call_that_would_be_set_aside_needs_consent(data: Path) -> None:
    """Overlap and too-long are refused unless accepted; accepted ones are set aside at billing."""
    s = open_session()
    start, end = at("2021-01-05 10:02:00"), at("2021-01-05 10:03:00")
    with pytest.raises(AnomalyError) as info:
        s.add_call("83470000", "83475555", start, end)
    assert info.value.render(EN) == (
        "this call record would be set aside (same time as another call): same caller at the same time "
        "as line 3 (2021-01-05 10:00:00 to 2021-01-05 10:04:01)")
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS
    change = s.add_call("83470000", "83475555", start, end, accept_anomaly=True)
    assert isinstance(change.record, Call)
    overlap = s.anomaly_of(change.record)
    assert overlap is not None and overlap.code is AnomalyCode.OVERLAP
    long_call = (at("2021-01-20 00:00:00"), at("2021-01-23 00:00:01"))
    too_long = s.anomaly_for(Call("83470002", "110", *long_call))
    assert too_long is not None and too_long.code is AnomalyCode.TOO_LONG


def test_modify_and_delete_a_call(data: Path) -> None:
    """Modify rewrites the line in place (comment kept); delete drops it; both are logged."""
    s = open_session()
    abroad = next(c for c in s.calls if c.callee.startswith("00"))
    s.modify_call(abroad, end=at("2021-01-06 09:02:00"))
    text = (data / "data/calls.txt").read_text("utf-8")
    assert "83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:02:00  # abroad\n" in text
    local = next(c for c in s.calls if c.callee == "83472222")
    s.delete_call(local)
    assert "83472222" not in (data / "data/calls.txt").read_text("utf-8")
    assert [line[2] for line in audit()] == ["modify-call", "delete-call"]
    with pytest.raises(NotFoundError):
        s.delete_call(local)  # no longer held


def test_unparseable_lines_survive_every_save(data: Path) -> None:
    """Bad lines in both files stay where they are through adds, edits and deletes."""
    (data / "data/users.txt").write_text(USERS + "not a user line\n83470000  Twin  1  1\n", "utf-8")
    s = open_session()
    assert len(s.problems) == 2
    s.add_user("83470010", "New", 100, 0)
    s.delete_user("83470002")
    s.delete_call(next(iter(s.calls)))
    users = (data / "data/users.txt").read_text("utf-8")
    assert "not a user line\n83470000  Twin  1  1\n" in users
    assert "8346000x" in (data / "data/calls.txt").read_text("utf-8")


# -- safety ----------------------------------------------------------------------------


def test_a_save_that_fails_midway_leaves_the_old_file(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash half way through writing the new users.txt: old file intact, no temp file, memory unchanged, no log."""
    s = open_session()
    real = os.fdopen
    opened = [0]

    class HalfWritten:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> HalfWritten:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def writelines(self, chunks: list[bytes]) -> None:
            self.fh.write(b"".join(chunks)[:10])
            raise RuntimeError("crash while writing")

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        fh = real(fd, *args, **kwargs)
        opened[0] += 1
        return HalfWritten(fh) if opened[0] == 1 else fh  # the new users.txt

    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(RuntimeError):
        s.modify_user("83470002", name="Lost")
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert sorted(p.name for p in data.rglob("*.tmp")) == []
    assert s.user("83470002").name == "Li Na"
    assert not (data / "output/audit.log").exists()
    monkeypatch.setattr(os, "fdopen", real)
    s.modify_user("83470002", name="Kept")  # the next try works
    assert (data / "data/users.txt").read_text("utf-8") == USERS.replace("83470002\tLi Na\t18.00\t0",
                                                                         "83470002  Kept  18.00  0.00")


def test_an_external_edit_is_detected_and_reloaded(data: Path) -> None:
    """users.txt edited after loading: the save is refused, the edit kept and read in."""
    s = open_session()
    edited = USERS + "83470077  Edited Elsewhere  1  1\n"
    (data / "data/users.txt").write_text(edited, "utf-8")
    with pytest.raises(ConflictError) as info:
        s.add_user("83470099", "Mine", 0, 0)
    assert info.value.render(EN) == ("data/users.txt changed on disk since it was loaded; it was not "
                                     "overwritten. Reloaded it: please redo the change.")
    assert (data / "data/users.txt").read_text("utf-8") == edited
    assert s.user("83470077") is not None and s.user("83470099") is None
    s.add_user("83470099", "Mine", 0, 0)  # redone after the reload: fine
    assert (data / "data/users.txt").read_text("utf-8") == edited + "83470099  Mine  0.00  0.00\n"


def test_refresh_reads_changed_files(data: Path) -> None:
    """refresh() reloads only files whose content changed."""
    s = open_session()
    assert s.refresh() == []
    (data / "data/calls.txt").write_text(CALLS + "83470002  110  2021-02-02 10:00:00  2021-02-02 10:00:10\n")
    assert s.refresh() == [Path("data/calls.txt")]
    assert len(s.calls) == 7


def test_backup_and_restore(data: Path) -> None:
    """backup_now copies both files; restore puts one back (keeping the current as a full copy) and logs it."""
    moments = iter(datetime(2026, 1, 2, 3, 4, second) for second in range(60))
    s = open_session(clock=lambda: next(moments))
    copies = s.backup_now()
    assert [c.path for c in copies] == [Path("data/users.txt"), Path("data/calls.txt")]
    s.add_user("83470099", "Later", 0, 0)
    users_backups = [b for b in s.list_backups() if b.kind == "users"]
    assert [b.is_copy for b in users_backups] == [False, True]  # the add's undo record, then the copy
    assert users_backups[0].undoes == "add-user 83470099  Later  0.00  0.00"
    oldest = users_backups[-1]
    assert oldest.path.read_text("utf-8") == USERS
    change = s.restore(oldest)
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert s.user("83470099") is None
    assert change.backup is not None and "83470099" in change.backup.read_text("utf-8")
    assert [line[2] for line in audit()] == ["backup", "backup", "add-user", "restore"]
    assert audit()[-1][3].startswith("before: data/users.txt sha256:")


# -- sort, search, bills -----------------------------------------------------------------


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
    for name in ("data/calls.txt", " ./data/users.txt ", "output/audit.log"):
        with pytest.raises(OutputError) as info:
            open_session().validate_out_path(name)
        assert "is an input file" in info.value.render(EN)
    with pytest.raises(ValidationError):
        open_session().validate_out_path("   ")
    assert open_session().validate_out_path(" out/b.txt ") == Path("out/b.txt")
    bills = open_session().write_bills(Path("out/bills.txt"), EN, "2021-01")
    assert [m.month for m in bills.months] == ["2021-01"]
    assert "== 2021-01 ==" in (data / "out/bills.txt").read_text("utf-8")


# -- a session as long as the process ------------------------------------------------------


def tracked_by_the_collector(records: list[Any]) -> int:
    """How many of ``records`` the cyclic garbage collector would walk (frozen ones it does not)."""
    ids = {id(r) for r in records}
    return sum(1 for o in gc.get_objects() if id(o) in ids)


def test_a_long_lived_session_keeps_its_records_out_of_full_collections(data: Path) -> None:
    """The menu's session (long_lived) freezes what it loads, also through bills and statistics and
    after a file is read again, so no full collection walks a million records at a random moment;
    closing it gives them back. A session that is not long-lived leaves the collector alone."""
    s = open_session(long_lived=True)
    try:
        assert tracked_by_the_collector(list(s.calls)) == 0
        for query in (lambda: s.statistics(3), s.bills, s.screening):  # each made with the collector paused
            query()
        assert tracked_by_the_collector(list(s.calls)) == 0
        with Path("data/calls.txt").open("a", encoding="utf-8") as fh:
            fh.write("83470001  83479000  2021-01-07 10:00:00  2021-01-07 10:01:00\n")
        assert s.refresh() == [Path("data/calls.txt")]
        assert tracked_by_the_collector(list(s.calls)) == 0
    finally:
        s.close()
    assert tracked_by_the_collector(list(s.calls)) == len(s.calls)
    other = open_session()
    assert tracked_by_the_collector(list(other.calls)) == len(other.calls)
    assert gc.get_freeze_count() == 0
