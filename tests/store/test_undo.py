"""Undo of each kind of change, restores, and lines that repeat a phone (issue 9; issue 10 finding 2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import NotFoundError
from telbill.files.dataset import DataPaths
from telbill.rules.fields import parse_moment
from telbill.rules.records import AnomalyCode
from telbill.session.facade import CallSort, RepeatAction, RepeatedPhoneError, Session
from telbill.text.i18n import Translator

from command import run
from on_disk import audit, data_files
from plain import plain_session
from smalldata import CALLS, USERS, open_session, write_data

EN = Translator("en")
IMPOSTOR = "83470000  Impostor Dup  99.00  99.00"


def ticking() -> Session:
    """The shared session, on a clock that moves on a second at each save (from 2026-01-02 03:04:05)."""
    moments = (datetime(2026, 1, 2, 3, 4, 5) + timedelta(seconds=n) for n in range(1000))
    return open_session(clock=lambda: next(moments))


def same_as_loaded(s: Session) -> None:
    fresh = ticking()
    assert [(u.line_no, u.phone, u.name, u.rent) for u in s.users] == \
        [(u.line_no, u.phone, u.name, u.rent) for u in fresh.users]
    assert [(c.line_no, c.raw) for c in s.calls] == [(c.line_no, c.raw) for c in fresh.calls]
    assert [(a.code, a.line_no, a.params) for a in s.screening().anomalies] == \
        [(a.code, a.line_no, a.params) for a in fresh.screening().anomalies]


def first_call(s: Session) -> object:
    return next(iter(s.calls))


CHANGES: dict[str, Callable[[Session], object]] = {
    "add-user": lambda s: s.add_user("83470099", "New", 100, 0),
    "modify-user": lambda s: s.modify_user("83470001", name="张 强", rent=3000),
    "delete-user": lambda s: s.delete_user("83470002"),
    "delete-user-with-calls": lambda s: s.delete_user("83470000", with_calls=True),
    "add-call": lambda s: s.add_call("83470002", "110", parse_moment("2021-02-01", "08:00:30") or 0,
                                     parse_moment("2021-02-01", "08:02:00") or 0, accept_anomaly=True),
    "modify-call": lambda s: s.modify_call(next(c for c in s.calls if c.callee.startswith("00")),
                                           callee="0033140000000"),
    "delete-call": lambda s: s.delete_call(next(iter(s.calls))),
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_each_kind_of_change_can_be_undone(data: Path, kind: str) -> None:
    """Undo gives both files back byte for byte, what is held equals a fresh load, and the audit
    log has one ``undo`` line per record changed, before and after swapped."""
    s = ticking()
    CHANGES[kind](s)
    logged = [line[2:] for line in audit(data)]
    last = s.last_change()
    assert last is not None and last[1] == 0
    assert [[e.action, f"before: {e.before or '-'}", f"after: {e.after or '-'}"] for e in last[0]] == logged
    changes = s.undo()
    assert data_files(data) == (USERS.encode(), CALLS.encode())
    assert [line[2:] for line in audit(data)][len(logged):] == [["undo", f"before: {a[2][7:]}", f"after: {a[1][8:]}"]
                                         for a in reversed(logged)]
    assert [c.action for c in changes] == ["undo"] * len(logged)
    same_as_loaded(s)
    assert s.last_change() is None
    with pytest.raises(NotFoundError) as info:
        s.undo()
    assert info.value.render(EN) == "there is no change to undo"


def test_undo_goes_back_change_by_change(data: Path) -> None:
    """Several changes are undone newest first, each to the version before it."""
    s = ticking()
    versions = [data_files(data)]
    for kind in ("add-user", "delete-call", "modify-call", "delete-user-with-calls", "add-call"):
        CHANGES[kind](s)
        versions.append(data_files(data))
    for version in reversed(versions[:-1]):
        s.undo()
        assert data_files(data) == version
        same_as_loaded(s)


def test_undo_after_an_outside_edit_is_refused(data: Path) -> None:
    """The file changed outside telbill after the change: undo would lose that edit, so that change
    is no longer offered (nor undone); nothing else to undo means nothing is undone."""
    s = ticking()
    s.add_user("83470099", "New", 100, 0)
    edited = (data / "data/users.txt").read_text("utf-8") + "# edited elsewhere\n"
    (data / "data/users.txt").write_text(edited, "utf-8")
    assert s.refresh() == [Path("data/users.txt")]
    assert s.last_change() is None
    with pytest.raises(NotFoundError) as info:
        s.undo()
    assert info.value.render(EN) == "there is no change to undo"
    assert (data / "data/users.txt").read_text("utf-8") == edited
    assert not [b for b in s.list_backups() if b.usable and not b.is_copy]


def test_a_change_that_no_longer_applies_does_not_block_the_other_files_undo(data: Path) -> None:
    """A calls change, then a users change, then an outside edit of users.txt: the users change
    is skipped (and counted), the calls change can still be undone."""
    s = ticking()
    CHANGES["delete-call"](s)
    s.add_user("83470099", "New", 100, 0)
    (data / "data/users.txt").write_text((data / "data/users.txt").read_text("utf-8") + "# elsewhere\n", "utf-8")
    s.refresh()
    last = s.last_change()
    assert last is not None and [e.action for e in last[0]] == ["delete-call"] and last[1] == 1
    s.undo()
    assert data_files(data)[1] == CALLS.encode()
    same_as_loaded(s)


def test_a_restore_is_kept_as_a_full_copy_and_can_be_undone(data: Path) -> None:
    """Restoring a full copy keeps the replaced file as a full copy; undo puts it back."""
    s = ticking()
    s.backup_now()
    s.add_user("83470099", "New", 100, 0)
    changed = data_files(data)
    (copy,) = [b for b in s.list_backups() if b.kind == "users" and b.is_copy]
    change = s.restore(copy)
    assert data_files(data)[0] == USERS.encode() and s.user("83470099") is None
    assert change.backup is not None and change.backup.read_bytes() == changed[0]
    assert s.list_backups()[0].undoes.startswith(f"restore {copy.path} sha256:")
    s.undo()
    assert data_files(data) == changed and s.user("83470099") is not None
    same_as_loaded(s)


# -- a repeated phone never comes back to life (issue 10, finding 2) ------------------------------


@pytest.fixture()
def impostor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_data(tmp_path, users=USERS + IMPOSTOR + "\n")


def test_deleting_a_user_whose_phone_is_repeated_asks_first(impostor: Path) -> None:
    """Deleting 83470000 while a later (bad) line repeats its phone: refused until told what to do,
    because that line would otherwise become subscriber 83470000."""
    s = ticking()
    with pytest.raises(RepeatedPhoneError) as info:
        s.delete_user("83470000")
    assert info.value.lines == [(6, IMPOSTOR)]
    assert info.value.render(EN) == ("lines 6 of data/users.txt repeat the phone 83470000 (1); say what to do "
                                     "with them, or the first would become that subscriber")
    assert data_files(impostor)[0] == (USERS + IMPOSTOR + "\n").encode()
    assert not (impostor / "output/audit.log").exists()


@pytest.mark.parametrize(("how", "left"), [(RepeatAction.DELETE, ""), (RepeatAction.COMMENT, f"# {IMPOSTOR}\n")])
def test_the_repeated_line_is_deleted_or_commented_out_with_the_user(impostor: Path, how: RepeatAction,
                                                                     left: str) -> None:
    """Told what to do, the user and the repeated line change together (one undo takes both back);
    the kept calls are set aside as unknown caller, and the batch bills nobody for them."""
    s = ticking()
    changes = s.delete_user("83470000", repeats=how)
    assert [c.action for c in changes] == ["delete-user", "delete-line" if how is RepeatAction.DELETE
                                           else "comment-line"]
    users = (impostor / "data/users.txt").read_text("utf-8")
    assert users == USERS.replace("83470000  Zhang Qiang  25.00  6.00\n", "") + left
    fresh = ticking()
    assert fresh.user("83470000") is None and fresh.problems == []
    codes = {a.code for a in fresh.screening().anomalies if a.call is not None and a.call.caller == "83470000"}
    assert codes == {AnomalyCode.UNKNOWN_CALLER}
    assert run("bill").code == 0
    assert "Impostor" not in (impostor / "output/bills.txt").read_text("utf-8")
    s.undo()
    assert data_files(impostor)[0] == (USERS + IMPOSTOR + "\n").encode()


def test_changing_the_phone_of_a_user_whose_phone_is_repeated_asks_too(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A new phone for a user (no calls) whose old phone a later line repeats: the same question."""
    monkeypatch.chdir(tmp_path)
    write_data(tmp_path, users=USERS + "83470007  Solo  1  1\n83470007  Solo Twin  1  1\n")
    s = ticking()
    with pytest.raises(RepeatedPhoneError):
        s.modify_user("83470007", new_phone="83470055")
    s.modify_user("83470007", new_phone="83470055", repeats=RepeatAction.COMMENT)
    fresh = ticking()
    assert fresh.user("83470007") is None and fresh.user("83470055") is not None
    assert (tmp_path / "data/users.txt").read_text("utf-8").endswith(
        "83470055  Solo  1.00  1.00\n# 83470007  Solo Twin  1  1\n")


def test_the_menu_shows_the_repeated_lines_and_asks(impostor: Path) -> None:
    """Item 6: the repeated line is shown, the operator picks "comment out"; 0 there changes nothing."""
    screen = plain_session("6\n1\n83470000\n1\ny\n0\n0\n").screen
    assert "  line 6: 83470000  Impostor Dup  99.00  99.00" in screen
    assert data_files(impostor)[0] == (USERS + IMPOSTOR + "\n").encode()
    screen = plain_session("6\n1\n83470000\n1\ny\n2\n0\n").screen
    assert "Before: 83470000  Impostor Dup  99.00  99.00" in screen
    assert "After:  # 83470000  Impostor Dup  99.00  99.00" in screen
    assert f"# {IMPOSTOR}" in (impostor / "data/users.txt").read_text("utf-8")


def test_the_menu_undoes_the_last_change_after_showing_it(data: Path) -> None:
    """Item 13, choice 3: the last change is shown, a yes takes it back (both files); no changes nothing."""
    plain_session("6\n1\n83470000\n2\ny\n0\n")  # delete the user and their two calls
    screen = plain_session("13\n3\nn\n13\n3\ny\n13\n3\n0\n").screen
    assert "The last change that can be undone:" in screen
    assert "  deleted a user\n    before: 83470000  Zhang Qiang  25.00  6.00\n" in screen
    assert "Nothing was undone." in screen
    assert "Records undone: 3 (each undo is in the audit log)." in screen
    assert "There is no change to undo." in screen
    assert data_files(data) == (USERS.encode(), CALLS.encode())


def test_the_backup_list_says_what_each_backup_takes_back(data: Path) -> None:
    """Item 13, restore: each backup with what restoring it takes back; restoring one gives the
    file before that change."""
    screen = plain_session("3\n83470099\nNew\n1\n0\n3\n83470098\nOther\n1\n0\n13\n2\n2\ny\n0\n").screen
    listing = screen.split("== Back up / restore the data files ==")[1].split("Number of the backup")[0]
    assert "Restoring it takes back" in listing
    assert "added a user: 83470098  Other  1.00  0.00" in listing and "added a user: 83470099  New  1.00  0.00" in listing
    assert (data / "data/users.txt").read_text("utf-8") == USERS


def test_undo_takes_the_last_change_whichever_file_it_changed(data: Path) -> None:
    """Changes to one file, then the other, then the first: undo follows them back in that order,
    whatever the clock says (here it goes backwards)."""
    moments = (datetime(2026, 1, 2, 3, 4, 5) - timedelta(seconds=n) for n in range(1000))
    s = open_session(clock=lambda: next(moments))
    for _ in range(2):
        CHANGES["delete-call"](s)
    CHANGES["add-user"](s)
    CHANGES["delete-call"](s)
    assert [e.action for e in (s.last_change() or ([], 0))[0]] == ["delete-call"]
    s.undo()
    assert [e.action for e in (s.last_change() or ([], 0))[0]] == ["add-user"]
    s.undo()
    s.undo()
    s.undo()
    assert data_files(data) == (USERS.encode(), CALLS.encode())


@pytest.mark.parametrize("odd", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"],
                         ids=lambda c: f"U+{ord(c):04X}")
def test_a_record_with_a_line_breaking_character_keeps_every_audit_line(data: Path, odd: str) -> None:
    """A line holding a character that some readers take for a line break (form feed, NEL, U+2028…):
    deleting it and undoing that log one line per record each, the character escaped, and both
    lines come back."""
    users = USERS + f"83470000  Dup  2 2  # old{odd}note\n"
    (data / "data/users.txt").write_text(users, "utf-8")
    s = ticking()
    s.delete_user("83470000", repeats=RepeatAction.DELETE)
    assert len(s.undo()) == 2
    assert (data / "data/users.txt").read_text("utf-8") == users
    log = (data / "output/audit.log").read_text("utf-8")
    assert odd not in log
    lines = log.split("\n")
    assert lines[-1] == "" and [line.split("\t")[2] for line in lines[:-1]] == \
        ["delete-user", "delete-line", "undo", "undo"]
    escaped = f"83470000  Dup  2 2  # old\\{'x' if ord(odd) < 256 else 'u'}{ord(odd):0{2 if ord(odd) < 256 else 4}x}note"
    assert lines[1].split("\t")[3] == f"before: {escaped}" and lines[2].split("\t")[4] == f"after: {escaped}"
    assert all(len(line.split("\t")) == 5 for line in lines[:-1])


def python_lines_run(fn: Callable[[], object]) -> int:
    """How many lines of telbill's held-data and list code ``fn`` runs (a count of work, not a time)."""
    import sys

    import telbill.lists.linked
    import telbill.lists.ordering
    import telbill.session.held

    files = {telbill.session.held.__file__, telbill.lists.linked.__file__, telbill.lists.ordering.__file__}
    count = 0

    def local(frame: object, event: str, arg: object) -> object:
        nonlocal count
        count += event == "line"
        return local

    def tracer(frame: Any, event: str, arg: object) -> object:
        return local if frame.f_code.co_filename in files else None

    sys.settrace(tracer)  # type: ignore[arg-type]
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


def undo_of_a_delete_with_calls(folder: Path, deleted: int, sort: CallSort | None) -> int:
    """Lines run by undoing a user deleted with ``deleted`` of 2,000 calls spread through the file."""
    folder.mkdir()
    (folder / "users.txt").write_text("83470000  A  1 1\n83470001  B  1 1\n", "utf-8")
    lines = []
    for i in range(2000):
        caller = "83470000" if i % (2000 // deleted) == 0 else "83470001"
        day, minute = 1 + i % 28, i % 50
        lines.append(f"{caller}  110  2021-01-{day:02d} 10:{minute:02d}:00  2021-01-{day:02d} 10:{minute:02d}:"
                     f"{10 + i % 40:02d}\n")
    (folder / "calls.txt").write_text("".join(lines), "utf-8")
    s = Session(DataPaths(folder / "users.txt", folder / "calls.txt"), audit_log=folder / "audit.log",
                operator="tester")
    if sort is not None:
        s.sort_calls(sort)
    s.delete_user("83470000", with_calls=True)
    count = python_lines_run(s.undo)
    fresh = Session(DataPaths(folder / "users.txt", folder / "calls.txt"), audit_log=folder / "audit.log",
                    operator="tester")
    if sort is not None:
        fresh.sort_calls(sort)
    assert [c.line_no for c in s.calls] == [c.line_no for c in fresh.calls]
    return count


@pytest.mark.parametrize("sort", [None, CallSort.FEE], ids=["file-order", "by-fee"])
def test_undoing_a_user_deleted_with_calls_puts_them_back_in_one_pass(tmp_path: Path, sort: CallSort | None) -> None:
    """Each record put back costs a few lines of work, not a walk of the list: 80 more records cost
    far less than 80 walks of 2,000 (it used to be one walk each: 6.6 s for 1,000 of 200,000)."""
    few = undo_of_a_delete_with_calls(tmp_path / "few", 20, sort)
    many = undo_of_a_delete_with_calls(tmp_path / "many", 100, sort)
    assert (many - few) / 80 < 400


@pytest.mark.parametrize(("tr", "group", "more"), [
    (EN, "  deleted a call record (5 records)\n", "    … and 2 more\n"),
    (Translator("zh"), "  删除话单（共 5 条）\n", "    ……另有 2 条\n"),
])
def test_the_undo_preview_of_a_user_deleted_with_many_calls_fits_a_screen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tr: Translator, group: str, more: str) -> None:
    """Item 13, undo: a user deleted with their calls is shown as one line per kind of change, the
    first three records of each and how many more, not one block per call scrolling off the screen."""
    monkeypatch.chdir(tmp_path)
    calls = "".join(f"83470002  8347111{n}  2021-01-0{n + 1} 10:00:00  2021-01-0{n + 1} 10:01:00\n"
                    for n in range(4))
    write_data(tmp_path, calls=CALLS + calls)
    screen = plain_session("6\n1\n83470002\n2\ny\n13\n3\nn\n0\n", tr).screen
    preview = screen.split(tr("menu.undo.last"))[1].split(tr("menu.undo.confirm"))[0]
    before = tr("menu.undo.before", record="")
    assert preview.count(before) == 4  # three calls and the user
    assert group in preview and more in preview
    assert preview.endswith(f"  {tr('action.delete-user')}\n{before}83470002  Li Na  18.00  0.00\n")
