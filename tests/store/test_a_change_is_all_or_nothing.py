"""Every change made in the menu is one transaction (SPEC §7): killed (kill -9) or interrupted
(Ctrl-C) at any step of a save, or stopped by a full disk, the files hold the whole change or none
of it, nothing of telbill's own is left behind, and the operator is told."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path
from typing import Any, Self

import pytest

from telbill.errors import AfterSaveError, OutputError
from telbill.session import held as held_module
from telbill.store import keeper

import smalldata
from faults import ENOSPC, Crash, appended_when_checked, killed_at, leftovers, ours, temporary_files_not_put_in_place
from on_disk import actions, backups
from plain import EN, plain_session
from smalldata import CALLS, USERS, ZHANG_CALLS, delete_with_calls, open_session, snapshot, write_data

STEPS = ["prepared", "journal", "linked", "checked", "applied:users", "applied:calls", "logged", "recorded",
         "done"]


@pytest.mark.parametrize("step", STEPS)
def test_a_user_deleted_with_calls_is_all_or_nothing_after_kill_9(tmp_path: Path, step: str) -> None:
    """Killed at any step of deleting a user with their calls: the next start finds both files changed
    and the audit lines written, or neither; nothing of ours is left; the operator is told."""
    write_data(tmp_path)
    killed_at(step, delete_with_calls, folder=tmp_path)
    s = open_session(tmp_path)
    users, calls = (tmp_path / "data/users.txt").read_text("utf-8"), (tmp_path / "data/calls.txt").read_text("utf-8")
    if actions(tmp_path):
        assert actions(tmp_path) == ["delete-call", "delete-call", "delete-user"]
        assert "Zhang Qiang" not in users and not any(line in calls for line in ZHANG_CALLS)
        assert s.user("83470000") is None and not s.calls_of("83470000")
    else:
        assert (users, calls) == (USERS, CALLS)
        assert s.user("83470000") is not None and len(s.calls_of("83470000")) == 2
    assert ours(tmp_path) == []
    told = [str(n) for n in s.notices]
    if step in ("prepared", "done"):  # before the journal, or after it was removed
        assert told == []
    else:
        made = "has been completed" if actions(tmp_path) else "was not made"
        assert len(told) == 1 and made in told[0] and "delete-user 83470000  Zhang Qiang" in told[0]
    assert step != "logged" or actions(tmp_path)  # once logged, the change is made


def restore_the_deletion(s: Any) -> object:
    """Restore the one backup there is: the user deleted with their calls (both files, one row)."""
    (chosen,) = s.list_backups()
    return s.restore(chosen)


@pytest.mark.parametrize("step", STEPS)
def test_a_restore_of_both_files_is_all_or_nothing_after_kill_9(tmp_path: Path, step: str) -> None:
    """Restoring a user deleted with their calls puts both files back in one transaction: killed at any
    step, the next start finds both restored and two ``restore`` lines, or neither."""
    write_data(tmp_path)
    killed_at(step, restore_the_deletion, folder=tmp_path, first=delete_with_calls)
    open_session(tmp_path)
    users, calls = (tmp_path / "data/users.txt").read_text("utf-8"), (tmp_path / "data/calls.txt").read_text("utf-8")
    log = actions(tmp_path)
    assert log[:3] == ["delete-call", "delete-call", "delete-user"]
    if log[3:]:
        assert log[3:] == ["restore", "restore"] and (users, calls) == (USERS, CALLS)
    else:
        assert "Zhang Qiang" not in users and not any(line in calls for line in ZHANG_CALLS)
    assert ours(tmp_path) == []


@pytest.mark.parametrize(("what", "step"), [("add", "journal"), ("add", "applied:calls"), ("add", "logged"),
                                            ("undo", "applied:calls"), ("undo", "logged")])
def test_appends_and_undos_are_all_or_nothing_after_kill_9(tmp_path: Path, what: str, step: str) -> None:
    """An append (add a call) and an undo (both files) killed half way: whole or none at the next start."""
    write_data(tmp_path)
    if what == "undo":
        killed_at(step, lambda s: s.undo(), folder=tmp_path, first=delete_with_calls)
    else:
        killed_at(step, lambda s: s.add_call("83470002", "110", 63745000000, 63745000060, accept_anomaly=True),
                  folder=tmp_path)
    s = open_session(tmp_path)
    calls = (tmp_path / "data/calls.txt").read_text("utf-8")
    log = actions(tmp_path)
    if what == "add":
        added = "83470002  110  2020-12-30 08:26:40  2020-12-30 08:27:40\n"
        assert (calls, log) in ((CALLS, []), (CALLS + added, ["add-call"]))
    else:
        assert log[:3] == ["delete-call", "delete-call", "delete-user"]
        if log[3:]:
            assert log[3:] == ["undo"] * 3 and calls == CALLS
            assert (tmp_path / "data/users.txt").read_text("utf-8") == USERS
        else:
            assert "Zhang Qiang" not in (tmp_path / "data/users.txt").read_text("utf-8")
            assert s.last_change() is not None  # still there to undo
    assert ours(tmp_path) == []
    assert len(s.notices) == 1


OLD = smalldata.ONE_USER.encode()


@pytest.mark.parametrize("fault", [ENOSPC, KeyboardInterrupt(), Crash()], ids=["disk-full", "ctrl-c", "crash"])
def test_fault_while_saving_a_change_loses_nothing(small: Path, fail_mid_write: Any, fault: BaseException) -> None:
    """A save that fails half way through the new file: file unchanged, no copy, memory unchanged, retry works."""
    session = open_session(small)
    fail_mid_write(fault, after=0)  # the new users.txt
    with pytest.raises(OutputError if isinstance(fault, OSError) else type(fault)):
        session.modify_user("83470000", name="B")
    assert (small / "data/users.txt").read_bytes() == OLD
    assert backups(small, "users.txt") == []
    assert [u.name for u in session.users] == ["A"]
    assert leftovers(small) == []
    assert not (small / "output/audit.log").exists()
    fresh = open_session(small)
    assert [u.name for u in fresh.users] == ["A"]


def test_save_works_again_after_the_disk_is_freed(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a failed save the same change can be made; the file then holds it, and the audit log once."""
    session = open_session(small)
    real = os.replace

    def full(src: Any, dst: Any) -> None:
        if str(dst).endswith("users.txt"):
            raise ENOSPC
        real(src, dst)

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError):
        session.modify_user("83470000", name="B")
    assert (small / "data/users.txt").read_bytes() == OLD
    assert leftovers(small) == [] and not list((small / "data").glob(".users.txt.*.old"))
    monkeypatch.setattr(os, "replace", real)
    session.modify_user("83470000", name="B")
    assert (small / "data/users.txt").read_bytes() == OLD.replace(b"A  1  1", b"B  1.00  1.00")
    assert (small / "output/audit.log").read_text("utf-8").count("modify-user") == 1


@pytest.mark.parametrize("after", [0, 1], ids=["users-fails", "calls-fails"])
def test_delete_with_calls_changes_both_files_or_neither(small: Path, fail_mid_write: Any, after: int) -> None:
    """Deleting a user with their calls: a fault on either file leaves both as they were."""
    session = open_session(small)
    users_before = (small / "data/users.txt").read_bytes()
    calls_before = (small / "data/calls.txt").read_bytes()
    fail_mid_write(ENOSPC, after=after)  # the new users.txt, then the new calls.txt
    with pytest.raises(OutputError):
        session.delete_user("83470000", with_calls=True)
    assert (small / "data/users.txt").read_bytes() == users_before
    assert (small / "data/calls.txt").read_bytes() == calls_before
    assert leftovers(small) == []


def test_a_save_that_fails_midway_leaves_the_old_file(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash half way through writing the new users.txt: old file intact, no temp file, memory unchanged, no log."""
    s = open_session()
    real = os.fdopen
    opened = [0]

    class HalfWritten:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> Self:
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


@pytest.mark.parametrize("how", ["rename", "append"])
def test_ctrl_c_right_after_the_change_is_held_and_the_screen_says_saved(
        data: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Ctrl-C arriving just after the rename (or the append): the save finishes, the audit line is
    written, the screen says Saved and nothing about an interruption."""
    if how == "rename":
        real_replace = os.replace

        def replace(src: Any, dst: Any) -> None:
            real_replace(src, dst)
            if str(dst).endswith("users.txt"):
                os.kill(os.getpid(), signal.SIGINT)

        monkeypatch.setattr(os, "replace", replace)
        script = "5\n1\n83470000\nRenamed\n=\n=\n0\n"
    else:
        real_write = os.write

        def write(fd: int, data: Any) -> int:
            done = real_write(fd, data)
            if os.readlink(f"/proc/self/fd/{fd}").endswith("/data/users.txt"):
                os.kill(os.getpid(), signal.SIGINT)
            return done

        monkeypatch.setattr(os, "write", write)
        script = "3\n83470099\nNew\n1\n0\n0\n"
    code, screen = plain_session(script)
    assert code == 0
    assert "Saved data/users.txt (item 13 can undo it)." in screen
    assert EN("menu.interrupted") not in screen
    assert actions(data) == ["modify-user" if how == "rename" else "add-user"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


REAL_APPLY = held_module.apply_in_place


def interrupt_while_updating(monkeypatch: pytest.MonkeyPatch, hook: Any, when: str) -> None:
    """Ctrl-C at the next save: as the keeper finishes (``done``), or while what is held is being
    updated (``apply``)."""
    if when == "done":
        hook(lambda at: os.kill(os.getpid(), signal.SIGINT) if at == "done" else None)
        return
    def apply_in_place(lines: list[str], edit: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        REAL_APPLY(lines, edit)

    monkeypatch.setattr(held_module, "apply_in_place", apply_in_place)


@pytest.mark.parametrize("when", ["done", "apply"])
def test_ctrl_c_while_what_is_held_is_updated_is_held_too(data: Path, monkeypatch: pytest.MonkeyPatch, hook: Any,
                                                         when: str) -> None:
    """Ctrl-C right after a save, while the session applies it to what it holds: the change is made,
    what is held equals a fresh load, and the next edit rewrites the file right."""
    s = open_session(data)
    interrupt_while_updating(monkeypatch, hook, when)
    s.delete_user("83470000", with_calls=True)
    monkeypatch.setattr(held_module, "apply_in_place", REAL_APPLY)
    keeper.STEP_HOOK = None
    assert snapshot(s) == snapshot(open_session(data)) and s.refresh() == []
    s.modify_call(next(c for c in s.calls if c.caller == "83470001"), callee="110")
    expected = [line for line in CALLS.splitlines() if not line.startswith("83470000")]
    expected[1] = "83470001  110  2021-01-06 09:00:00  2021-01-06 09:01:00  # abroad"
    assert (data / "data/calls.txt").read_text("utf-8").splitlines() == expected
    assert snapshot(s) == snapshot(open_session(data))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_the_menu_updates_what_it_shows_still_says_saved(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      hook: Any) -> None:
    """The screen after Ctrl-C during the update: Saved, and no word of an interruption."""
    interrupt_while_updating(monkeypatch, hook, "apply")
    code, screen = plain_session("6\n2\n83470001\n1\ny\n0\n")
    assert code == 0
    assert "Saved data/calls.txt (item 13 can undo it)." in screen
    assert EN("menu.interrupted") not in screen
    assert actions(data) == ["delete-call"]


def test_a_failure_while_what_is_held_is_updated_reads_the_file_again_and_says_saved(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug while applying a saved change to what is held: the file is read again, the error says
    that the change was saved (on the screen too), and the next edit is right."""
    def broken(lines: list[str], edit: Any) -> None:
        raise RuntimeError("boom")

    s = open_session(data)
    monkeypatch.setattr(held_module, "apply_in_place", broken)
    with pytest.raises(AfterSaveError) as info:
        s.delete_call(next(iter(s.calls)))
    calls = data / "data/calls.txt"
    assert info.value.render(EN) == (f"Saved {calls}; but what the menu shows could not be updated "
                                     f"(RuntimeError: boom): {calls} was read again.")
    monkeypatch.setattr(held_module, "apply_in_place", REAL_APPLY)
    assert snapshot(s) == snapshot(open_session(data)) and s.refresh() == []
    s.delete_call(next(iter(s.calls)))
    assert (data / "data/calls.txt").read_text("utf-8").splitlines() == CALLS.splitlines()[:1] + CALLS.splitlines()[3:]
    monkeypatch.setattr(held_module, "apply_in_place", broken)
    code, screen = plain_session("6\n2\n83470001\n1\ny\n0\n")
    assert code == 0
    assert ("Saved data/calls.txt; but what the menu shows could not be updated (RuntimeError: boom): "
            "data/calls.txt was read again.") in screen
    assert not [line for line in screen.splitlines() if line.startswith("Error")]


def test_a_failure_while_a_users_change_is_applied_screens_every_call_again(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A users change that cannot be applied to what is held: every call is screened again against
    the users read again, and the month sums behind bills and statistics follow (a deleted
    subscriber's calls no longer count as revenue)."""
    def broken(lines: list[str], edit: Any) -> None:
        raise RuntimeError("boom")

    s = open_session(data)
    monkeypatch.setattr(held_module, "apply_in_place", broken)
    with pytest.raises(AfterSaveError):
        s.delete_user("83470000")
    monkeypatch.setattr(held_module, "apply_in_place", REAL_APPLY)
    fresh = open_session(data)
    assert snapshot(s) == snapshot(fresh)
    assert s.held_calls.month_sums() == fresh.held_calls.month_sums()
    assert "83470000" not in {phone for local, long in s.held_calls.month_sums().values() for phone in [*local, *long]}
    assert s.statistics(3) == fresh.statistics(3)


def test_the_new_file_is_fsynced_before_the_rename_and_the_folder_after(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rewrite: fsync of the temporary file, then the rename, then fsync of the folder; an append:
    fsync of the file after the write. (Either fsync removed, this fails.)"""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_write = os.fsync, os.replace, os.write

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        events.append(("replace", os.path.abspath(dst)))
        real_replace(src, dst)

    def write(fd: int, data: Any) -> int:
        events.append(("write", os.readlink(f"/proc/self/fd/{fd}")))
        return real_write(fd, data)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "write", write)
    s = open_session(data)
    s.modify_user("83470000", name="Renamed")
    target, folder = str(data / "data/users.txt"), str(data / "data")
    rename = events.index(("replace", target))
    temp = [i for i, (what, path) in enumerate(events) if what == "fsync" and path.startswith(folder + "/.users.txt.")
            and path.endswith(".tmp")]
    assert temp and temp[-1] < rename
    assert ("fsync", folder) in events[rename + 1:]
    events.clear()
    s.add_user("83470099", "New", 100, 0)
    appended = events.index(("write", target))
    assert ("fsync", target) in events[appended + 1:]


def test_our_leftovers_are_removed_at_start_and_nothing_else(data: Path) -> None:
    """A killed save's temporary and replaced files (``.NAME.XXXXXXXX.tmp`` / ``.old`` beside the
    data file, ``.NAME.STAMP.XXXXXXXX.tmp`` in the backup folder) go; look-alikes stay."""
    backup = data / "data/backup"
    backup.mkdir()
    ours_left = [data / "data/.users.txt.a1b2_c3d.tmp", data / "data/.calls.txt.zzzzzzzz.old",
                 backup / ".calls.txt.20260101-120000-000001.abcdefgh.tmp",
                 backup / ".users.txt.20260101-120000-000001.undo.abcdefgh.tmp"]
    others = [data / "data/.users.txt.abc.tmp", data / "data/.users.txt.a1b2c3d4.tmp.keep",
              data / "data/users.txt.a1b2c3d4.tmp", data / "data/.other.txt.a1b2c3d4.tmp",
              data / "data/.users.txt.A1B2C3D4.tmp", backup / ".users.txt.20260101-120000-000001.tmp",
              backup / "notes.txt.20260101-120000-000001.abcdefgh.tmp"]
    for path in ours_left + others:
        path.write_text("x", "utf-8")
    (data / "data/.users.txt.folder00.tmp").mkdir()
    open_session(data)
    assert [p for p in ours_left if p.exists()] == []
    assert all(p.exists() for p in others) and (data / "data/.users.txt.folder00.tmp").is_dir()


def test_without_hard_links_the_old_file_is_renamed_aside(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                          hook: Any) -> None:
    """On a file system without hard links the save still works, a race is still kept, and a
    failed rename puts the old file back."""
    def no_link(src: Any, dst: Any) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_link)
    s = open_session(data)
    s.modify_user("83470000", name="Renamed")
    assert "83470000  Renamed  25.00  6.00" in (data / "data/users.txt").read_text("utf-8")
    real = temporary_files_not_put_in_place(monkeypatch)
    before = (data / "data/users.txt").read_bytes()
    with pytest.raises(OutputError):
        s.modify_user("83470000", name="Again")
    assert (data / "data/users.txt").read_bytes() == before and ours(data) == []
    monkeypatch.setattr(os, "replace", real)
    outside = "83470002  120  2021-03-03 10:00:00  2021-03-03 10:01:00\n"
    hook(appended_when_checked(data / "data/calls.txt", outside))
    change = s.delete_call(next(iter(s.calls)))
    assert change.raced and change.backup is not None and change.backup.read_text("utf-8").endswith(outside)
