"""Faults while saving or billing: the old file stays complete, backups restore, Ctrl-C is clean."""

from __future__ import annotations

import errno
import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import ConflictError, OutputError
from telbill.files import access
from telbill.store import history

import smalldata
from command import run
from faults import ENOSPC, Crash, leftovers
from smalldata import open_session

OLD = smalldata.ONE_USER.encode()
ONE_CALL = smalldata.ONE_CALL.encode()


# -- storage ------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [ENOSPC, KeyboardInterrupt(), Crash()], ids=["disk-full", "ctrl-c", "crash"])
def test_fault_mid_write_leaves_the_old_file_whole(tmp_path: Path, fail_mid_write: Any,
                                                   fault: BaseException) -> None:
    """A full disk, Ctrl-C or an exception half way through a write: old file as it was, no temp file."""
    target = tmp_path / "users.txt"
    target.write_bytes(OLD)
    fail_mid_write(fault)
    expected = OutputError if isinstance(fault, OSError) else type(fault)
    with pytest.raises(expected) as info:
        access.atomic_write(target, b"new content\n" * 1000)
    if isinstance(fault, OSError):
        assert str(info.value) == f"{target}: cannot be written (No space left on device)"
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_failed_rename_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the final rename fails, the old file is intact and the temporary file is gone."""
    target = tmp_path / "calls.txt"
    target.write_bytes(OLD)

    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match="Input/output error"):
        access.atomic_write(target, b"new\n")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_written_file_keeps_its_permissions(tmp_path: Path) -> None:
    """Rewriting a private file keeps it private."""
    target = tmp_path / "users.txt"
    target.write_bytes(OLD)
    target.chmod(0o600)
    access.atomic_write(target, b"new\n")
    assert target.stat().st_mode & 0o777 == 0o600


def test_files_written_together_change_together(tmp_path: Path, fail_mid_write: Any) -> None:
    """When the second of two files fails, the first is not replaced either."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"old a\n")
    b.write_bytes(b"old b\n")
    fail_mid_write(ENOSPC, after=1)
    with pytest.raises(OutputError):
        access.write_together([(a, b"new a\n"), (b, b"new b\n")])
    assert (a.read_bytes(), b.read_bytes()) == (b"old a\n", b"old b\n")
    assert leftovers(tmp_path) == []


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


# -- the batch bill -------------------------------------------------------------------


@pytest.fixture()
def billed(small: Path) -> Path:
    """A working folder whose output/ holds the bills of an earlier run."""
    assert run("bill", "--csv", "output/bills.csv")[0] == 0
    (small / "data/calls.txt").write_bytes(ONE_CALL + ONE_CALL.replace(b"10:0", b"11:0"))  # new to bill
    return small


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "output").iterdir())}


@pytest.mark.parametrize("after", [0, 1, 2], ids=["bills", "anomalies", "csv"])
def test_disk_full_while_billing_keeps_every_old_output(billed: Path, fail_mid_write: Any, after: int) -> None:
    """The disk fills while any output is written: one line, exit 2, all old outputs unchanged."""
    before = outputs(billed)
    fail_mid_write(ENOSPC, after=after)
    name = ["bills.txt", "anomalies.txt", "bills.csv"][after]
    assert run("bill", "--csv", "output/bills.csv") == (
        2, "", f"error: output/{name}: cannot be written (No space left on device)\n")
    assert outputs(billed) == before
    assert leftovers(billed) == []


@pytest.mark.parametrize("after", [0, 1])
def test_ctrl_c_while_writing_leaves_no_partial_output(billed: Path, fail_mid_write: Any, after: int) -> None:
    """Ctrl-C half way through an output: exit 130, old outputs unchanged, no temp file."""
    before = outputs(billed)
    fail_mid_write(KeyboardInterrupt(), after=after)
    assert run("bill", "--csv", "output/bills.csv") == (130, "", "interrupted; no partial file was left behind\n")
    assert outputs(billed) == before
    assert leftovers(billed) == []


def test_ctrl_c_while_billing_writes_nothing(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C before the files are written (first run): no output file exists under its final name."""
    import telbill.batch.part

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(telbill.batch.part.Part, "sweep", interrupted)
    assert run("bill") == (130, "", "interrupted; no partial file was left behind\n")
    assert not (small / "output").exists()


def test_ctrl_c_between_renames_is_held_until_all_outputs_are_in_place(
        billed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C arriving during the renames waits for them: the outputs are all new, never a mix,
    and the message says so (not "no partial file was left behind")."""
    before = outputs(billed)
    real = os.replace

    def replace_then_interrupt(src: Any, dst: Any) -> None:
        real(src, dst)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    code, _, err = run("bill", "--csv", "output/bills.csv")
    assert (code, err) == (130, "interrupted just after the output files were written; they are complete\n")
    after = outputs(billed)
    assert all(after[name] != before[name] for name in before)
    assert b"(2 records: 2 billed, 0 set aside)" in after["bills.txt"]
    assert b"(2 records: 2 billed, 0 set aside)" in after["anomalies.txt"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# -- saving from the menu (telbill.session.facade) -----------------------------------------

session_mod = pytest.importorskip("telbill.session.facade")


def backups_of(folder: Path, name: str) -> list[bytes]:
    return [p.read_bytes() for p in history.list_copies(folder / "data/backup", name)]


@pytest.mark.parametrize("fault", [ENOSPC, KeyboardInterrupt(), Crash()], ids=["disk-full", "ctrl-c", "crash"])
def test_fault_while_saving_a_change_loses_nothing(small: Path, fail_mid_write: Any, fault: BaseException) -> None:
    """A save that fails half way through the new file: file unchanged, no copy, memory unchanged, retry works."""
    session = open_session(small)
    fail_mid_write(fault, after=0)  # the new users.txt
    with pytest.raises(OutputError if isinstance(fault, OSError) else type(fault)):
        session.modify_user("83470000", name="B")
    assert (small / "data/users.txt").read_bytes() == OLD
    assert backups_of(small, "users.txt") == []
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


def test_crash_between_the_journal_and_the_rename_is_taken_back_at_the_next_start(small: Path) -> None:
    """A process killed just before the rename: the next start takes the save back and says so."""
    import subprocess
    import sys

    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from telbill.files.dataset import DataPaths\n"
        "from telbill.session.facade import Session\n"
        "s = Session(DataPaths(Path('data/users.txt'), Path('data/calls.txt')), operator='x',\n"
        "            audit_log=Path('output/audit.log'))\n"
        "os.replace = lambda *a: os._exit(9) if str(a[1]).endswith('users.txt') else os.rename(*a)\n"
        "s.modify_user('83470000', name='B')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=small, capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    assert (small / "data/users.txt").read_bytes() == OLD
    assert (small / "data/.users.txt.journal").exists()
    session = open_session(small)
    assert [str(n) for n in session.notices] == [
        f"A save cut short (the program was stopped) was not made; {small}/data/users.txt are as they were "
        "before it: modify-user 83470000  B  1.00  1.00."]
    assert not (small / "data/.users.txt.journal").exists()
    assert sorted(p.name for p in (small / "data").iterdir() if p.name.startswith(".users.txt.")) == [
        ".users.txt.lock"]
    session.modify_user("83470000", name="B")
    assert [u.name for u in open_session(small).users] == ["B"]


def test_undo_records_of_the_last_20_changes_restore_each_version(small: Path) -> None:
    """Every save leaves an undo record (20 kept, no copies); restoring one gives the file before that change."""
    session = open_session(small)
    seen = [OLD]
    for i in range(22):
        session.add_user(f"8347{1000 + i}", f"U{i}", 100, 0)
        seen.append((small / "data/users.txt").read_bytes())
    assert backups_of(small, "users.txt") == []
    records = [b for b in session.list_backups() if b.kind == "users"]
    assert len(records) == 20 and all(b.path.name.endswith(".undo") and b.usable for b in records)
    assert sum(b.size for b in records) < 20 * 1024
    assert records[-1].undoes == "add-user 83471002  U2  1.00  0.00"  # the two oldest were let go
    for i in (21, 10, 4):  # each restore is a change too: its record lets the oldest go
        (chosen,) = [b for b in session.list_backups() if b.undoes.startswith(f"add-user 8347{1000 + i} ")]
        session.restore(chosen)
        assert (small / "data/users.txt").read_bytes() == seen[i]
        assert [u.phone for u in session.users] == [u.phone for u in open_session(small).users]


def test_a_second_writer_is_refused_reloaded_and_told(small: Path) -> None:
    """Two sessions on the same files: the later save is refused, reloaded, then can be redone."""
    first, second = open_session(small), open_session(small)
    first.add_user("83470001", "From first", 100, 0)
    with pytest.raises(ConflictError) as info:
        second.add_user("83470002", "From second", 100, 0)
    assert str(info.value) == (f"{small}/data/users.txt changed on disk since it was loaded; "
                               "it was not overwritten. Reloaded it: please redo the change.")
    assert [u.name for u in second.users] == ["A", "From first"]  # reloaded: the other change is seen
    second.add_user("83470002", "From second", 100, 0)
    names = [u.name for u in open_session(small).users]
    assert names == ["A", "From first", "From second"]


def test_an_edit_by_another_program_is_not_overwritten(small: Path) -> None:
    """A text editor changing calls.txt under a session: the session refuses to save over it."""
    session = open_session(small)
    edited = b"# calls\n" + ONE_CALL + ONE_CALL.replace(b"110", b"120")
    (small / "data/calls.txt").write_bytes(edited)
    with pytest.raises(ConflictError):
        session.delete_call(next(iter(session.calls)))
    assert (small / "data/calls.txt").read_bytes() == edited
    assert len(session.calls) == 2


def test_another_telbill_process_saving_is_detected(small: Path) -> None:
    """A second telbill process saves users.txt; this one refuses to overwrite and reloads."""
    import subprocess
    import sys

    session = open_session(small)
    script = (
        "from pathlib import Path\n"
        "from telbill.files.dataset import DataPaths\n"
        "from telbill.session.facade import Session\n"
        "s = Session(DataPaths(Path('data/users.txt'), Path('data/calls.txt')), operator='other',\n"
        "            audit_log=Path('output/audit.log'))\n"
        "s.modify_user('83470000', name='Renamed elsewhere')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=small, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(ConflictError):
        session.modify_user("83470000", rent=999)
    assert session.user("83470000").name == "Renamed elsewhere"
    session.modify_user("83470000", rent=999)
    text = (small / "data/users.txt").read_text("utf-8")
    assert "Renamed elsewhere" in text and "9.99" in text


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

