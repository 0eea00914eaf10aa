"""The last changes can be undone and a backup restored (SPEC §7): an undo record per change
instead of a copy of the file, full copies kept when asked for or replaced, and a backup folder
that fails refuses the change first or says where the copy went."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import NotFoundError, OutputError
from telbill.files.dataset import DataPaths
from telbill.rules.fields import (
    validate_moment,
)
from telbill.session.facade import (
    CallSort,
    Session,
)
from telbill.store import history, keeper

import smalldata
from command import run
from faults import killed_at, ours
from on_disk import actions, audit, backups, data_files
from plain import EN, plain_session
from smalldata import CALLS, USERS, ZHANG_CALLS, delete_with_calls, open_session, snapshot, ticking, write_data


def same_as_loaded(s: Session) -> None:
    fresh = open_session(clock=ticking())
    assert [(u.line_no, u.phone, u.name, u.rent) for u in s.users] == \
        [(u.line_no, u.phone, u.name, u.rent) for u in fresh.users]
    assert [(c.line_no, c.raw) for c in s.calls] == [(c.line_no, c.raw) for c in fresh.calls]
    assert [(a.code, a.line_no, a.params) for a in s.screening().set_aside] == \
        [(a.code, a.line_no, a.params) for a in fresh.screening().set_aside]


CHANGES: dict[str, Callable[[Session], object]] = {
    "add-user": lambda s: s.add_user("83470099", "New", 100, 0),
    "modify-user": lambda s: s.modify_user("83470001", name="张 强", rent=3000),
    "delete-user": lambda s: s.delete_user("83470002"),
    "delete-user-with-calls": lambda s: s.delete_user("83470000", with_calls=True),
    "add-call": lambda s: s.add_call("83470002", "110", validate_moment("2021-02-01 08:00:30"),
                                     validate_moment("2021-02-01 08:02:00"), accept_anomaly=True),
    "modify-call": lambda s: s.modify_call(next(c for c in s.calls if c.callee.startswith("00")),
                                           callee="0033140000000"),
    "delete-call": lambda s: s.delete_call(next(iter(s.calls))),
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_each_kind_of_change_can_be_undone(data: Path, kind: str) -> None:
    """Undo gives both files back byte for byte, what is held equals a fresh load, and the audit
    log has one ``undo`` line per record changed, before and after swapped."""
    s = open_session(clock=ticking())
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
    s = open_session(clock=ticking())
    versions = [data_files(data)]
    for kind in ("add-user", "delete-call", "modify-call", "delete-user-with-calls", "add-call"):
        CHANGES[kind](s)
        versions.append(data_files(data))
    for version in reversed(versions[:-1]):
        s.undo()
        assert data_files(data) == version
        same_as_loaded(s)


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


def test_undo_after_an_outside_edit_is_refused(data: Path) -> None:
    """The file changed outside telbill after the change: undo would lose that edit, so that change
    is no longer offered (nor undone); nothing else to undo means nothing is undone."""
    s = open_session(clock=ticking())
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
    s = open_session(clock=ticking())
    CHANGES["delete-call"](s)
    s.add_user("83470099", "New", 100, 0)
    (data / "data/users.txt").write_text((data / "data/users.txt").read_text("utf-8") + "# elsewhere\n", "utf-8")
    s.refresh()
    last = s.last_change()
    assert last is not None and [e.action for e in last[0]] == ["delete-call"] and last[1] == 1
    s.undo()
    assert data_files(data)[1] == CALLS.encode()
    same_as_loaded(s)


def python_lines_run(fn: Callable[[], object]) -> int:
    """How many lines of telbill's held-data and list code ``fn`` runs (a count of work, not a time)."""

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


def test_a_restore_is_kept_as_a_full_copy_and_can_be_undone(data: Path) -> None:
    """Restoring a full copy keeps the replaced file as a full copy; undo puts it back."""
    s = open_session(clock=ticking())
    s.backup_now()
    s.add_user("83470099", "New", 100, 0)
    changed = data_files(data)
    (copy,) = [b for b in s.list_backups() if b.kind == "users" and b.is_copy]
    (change,) = s.restore(copy)
    assert data_files(data)[0] == USERS.encode() and s.user("83470099") is None
    assert change.backup is not None and change.backup.read_bytes() == changed[0]
    assert s.list_backups()[0].undoes.startswith(f"restore {copy.path} sha256:")
    s.undo()
    assert data_files(data) == changed and s.user("83470099") is not None
    same_as_loaded(s)


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
    (change,) = s.restore(oldest)
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert s.user("83470099") is None
    assert change.backup is not None and "83470099" in change.backup.read_text("utf-8")
    assert [line[2] for line in audit()] == ["backup", "backup", "add-user", "restore"]
    assert audit()[-1][3].startswith("before: data/users.txt sha256:")


OLD = smalldata.ONE_USER.encode()


def test_backups_keep_the_last_20(tmp_path: Path) -> None:
    """25 full copies leave the 20 newest, newest first, each with its bytes."""
    target, backups = tmp_path / "users.txt", tmp_path / "backup"
    versions = []
    for i in range(25):
        content = f"version {i}\n".encode()
        target.write_bytes(content)
        versions.append(content)
        history.take_copy(target, backups, datetime.now())
    kept = history.list_copies(backups, "users.txt")
    assert [p.read_bytes() for p in kept] == versions[::-1][:20]


def test_backups_in_the_same_microsecond_do_not_overwrite_each_other(tmp_path: Path) -> None:
    """Two backups with one timestamp (fast saves, or the clock set back) are both kept."""
    target, backups = tmp_path / "users.txt", tmp_path / "backup"
    moment = datetime(2026, 1, 2, 3, 4, 5, 6)
    for content in (b"one\n", b"two\n", b"three\n"):
        target.write_bytes(content)
        history.take_copy(target, backups, moment)
    assert [p.read_bytes() for p in history.list_copies(backups, "users.txt")] == [b"three\n", b"two\n", b"one\n"]


def test_list_backups_ignores_other_files(tmp_path: Path) -> None:
    """Only ``NAME.STAMP`` files are backups of NAME: not temp files, not other names, not globs."""
    backups = tmp_path / "backup"
    backups.mkdir()
    good = backups / "u[1].txt.20260101-000000-000000"
    for name in (good.name, "u[1].txt.20260101-000000-000000.tmp", ".u[1].txt.20260101-000000-000000.x.tmp",
                 "u1.txt.20260101-000000-000000", "u[1].txt.notes", "u[1].txt.old.20260101-000000-000000"):
        (backups / name).write_bytes(b"x")
    assert history.list_copies(backups, "u[1].txt") == [good]


def test_undo_records_of_the_last_20_changes_restore_each_version(small: Path) -> None:
    """Every save leaves an undo record (20 kept, no copies); restoring one gives the file before that change."""
    session = open_session(small)
    seen = [OLD]
    for i in range(22):
        session.add_user(f"8347{1000 + i}", f"U{i}", 100, 0)
        seen.append((small / "data/users.txt").read_bytes())
    assert backups(small, "users.txt") == []
    records = [b for b in session.list_backups() if b.kind == "users"]
    assert len(records) == 20 and all(b.path.name.endswith(".undo") and b.usable for b in records)
    assert sum(b.size for b in records) < 20 * 1024
    assert records[-1].undoes == "add-user 83471002  U2  1.00  0.00"  # the two oldest were let go
    for i in (21, 10, 4):  # each restore is a change too: its record lets the oldest go
        (chosen,) = [b for b in session.list_backups() if b.undoes.startswith(f"add-user 8347{1000 + i} ")]
        session.restore(chosen)
        assert (small / "data/users.txt").read_bytes() == seen[i]
        assert [u.phone for u in session.users] == [u.phone for u in open_session(small).users]


MIXED_CALLS = CALLS.replace("10:04:01\n", "10:04:01\r\n")
"""Mixed line ends: a rewrite cannot give the old file back, so a full copy of it is kept."""


def spoil_backups(data: Path) -> None:
    """Make ``data/backup`` unusable: a file where the folder should be."""
    backup = data / "data/backup"
    if backup.is_dir():
        for path in backup.iterdir():
            path.unlink()
        backup.rmdir()
    backup.write_text("x\n", "utf-8")


@pytest.mark.parametrize("calls", [CALLS, MIXED_CALLS], ids=["exact", "mixed-line-ends"])
def test_a_backup_folder_that_cannot_be_written_refuses_the_change_first(tmp_path: Path, calls: str) -> None:
    """The backup folder cannot take the undo record or the full copy: the change is refused in
    one line before anything is written, as when the audit log cannot be written."""
    data = write_data(tmp_path, calls=calls)
    s = open_session(data)
    spoil_backups(data)
    with pytest.raises(OutputError) as info:
        s.delete_call(next(iter(s.calls)))
    assert info.value.render(EN) == (f"the backup folder {data}/data/backup cannot be written (Not a directory): "
                                     f"changes to {data}/data/calls.txt cannot be saved (nothing was changed)")
    assert (data / "data/calls.txt").read_bytes() == calls.encode() and actions(data) == [] and ours(data) == []


def test_the_menu_refuses_a_change_the_backup_folder_cannot_keep_before_asking(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The finding's run: mixed line ends, ``data/backup`` a file, delete a call: refused at once."""
    data = write_data(tmp_path, calls=MIXED_CALLS)
    monkeypatch.chdir(data)
    spoil_backups(data)
    code, screen = plain_session("6\n2\n0\n")
    assert code == 1  # an item not done: exit 1 (newuser11 finding 1)
    assert ("Error: the backup folder data/backup cannot be written (Not a directory): changes to data/calls.txt "
            "cannot be saved (nothing was changed)") in screen
    assert "Internal" not in screen and actions(data) == []


def test_a_backup_folder_spoilt_after_the_change_is_made_leaves_it_made_and_says_where_the_copy_is(
        tmp_path: Path, hook: Any) -> None:
    """Once the audit line is written the change is made: a backup folder that then fails keeps no
    one from going on. The old version is kept beside the data file and the operator told where;
    nothing of ours is left; the next start and a batch run are clean."""

    data = write_data(tmp_path, calls=MIXED_CALLS)
    s = open_session(data)
    hook(lambda at: spoil_backups(data) if at == "logged" else None)
    change = s.delete_call(next(iter(s.calls)))
    keeper.STEP_HOOK = None
    assert actions(data) == ["delete-call"] and change.undo is None
    assert change.backup is not None and change.backup.parent == data / "data"
    assert change.backup.read_bytes() == MIXED_CALLS.encode()
    told = [str(n) for n in s.notices]
    assert told == [(f"Saved {data}/data/calls.txt; but its previous version could not be kept in {data}/data/backup "
                     f"(Not a directory): it is kept as {change.backup}."),
                    (f"Saved {data}/data/calls.txt; but its undo record could not be written ({data}/data/backup/"
                    f"{change.backup.name}.undo: cannot be written, {data}/data/backup is a file, not a folder): "
                    "this change cannot be undone.")]
    assert snapshot(s) == snapshot(open_session(data)) and ours(data) == []
    assert open_session(data).notices == []
    code, _, err = run("--users", str(data / "data/users.txt"), "--calls", str(data / "data/calls.txt"),
                       "bill", "--out", str(data / "bills.txt"), "--anomalies", str(data / "anomalies.txt"))
    assert code == 0, err


def test_a_save_cut_short_after_it_was_logged_is_finished_even_when_the_backup_folder_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed after the audit line, then the backup folder spoilt: the next start completes the save,
    keeps the old version beside the file and says so (it used to fail at every start, exit 2)."""

    data = write_data(tmp_path, calls=MIXED_CALLS)
    killed_at("logged", delete_with_calls, folder=data)
    spoil_backups(data)
    monkeypatch.chdir(data)
    code, _, err = run("bill")
    assert code == 0, err
    told = err
    assert "A save cut short (the program was stopped) has been completed" in told
    kept = sorted((data / "data").glob("calls.txt.*"))
    assert len(kept) == 1 and kept[0].read_bytes() == MIXED_CALLS.encode()
    assert f"could not be kept in {data}/data/backup (Not a directory); it is kept as {kept[0]}" in told
    assert ours(data) == [] and actions(data) == ["delete-call", "delete-call", "delete-user"]
    assert not any(line in (data / "data/calls.txt").read_text("utf-8") for line in ZHANG_CALLS)
    assert open_session(data).notices == []
