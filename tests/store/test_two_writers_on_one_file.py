"""Another writer on a data file is never overwritten (SPEC §7): two telbill processes take turns
on the file's lock; a change made by another telbill or a text editor is found before the file is
replaced, reported and read in; one that races a save is kept in the backup and reported."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import ConflictError, OutputError
from telbill.files import access
from telbill.files.waiting import waits_told
from telbill.session.facade import Session
from telbill.store import keeper

import smalldata
from command import run
from faults import appended_when_checked, lock_held_by_another_user, ours, save_in_a_thread, waits_for_lock
from on_disk import actions
from plain import EN, plain_session
from smalldata import CALLS, USERS, open_session, write_data
from unprivileged import scratch


def test_a_save_waits_for_the_lock_held_by_another_writer(workdir: Path) -> None:
    """While another writer holds users.txt's lock, a save does not touch the file."""
    session = open_session()
    before = Path("data/users.txt").read_bytes()
    with access.locked([Path("data/users.txt")]):
        worker, done = save_in_a_thread(session)
        waits_for_lock(Path("data/users.txt"))
        assert not done.is_set()
        assert Path("data/users.txt").read_bytes() == before
    worker.join(timeout=60)
    assert done.is_set()
    assert "83479000  Lock Test  25.00  6.00" in Path("data/users.txt").read_text("utf-8")


def test_locks_are_released_after_a_failed_save(workdir: Path) -> None:
    """A save that raises still releases its lock: the next save goes through."""
    session = open_session()
    Path("data/users.txt").write_text(Path("data/users.txt").read_text("utf-8") + "# edited elsewhere\n", "utf-8")
    with pytest.raises(ConflictError):
        session.add_user("83479001", "First Try", 0, 0)
    session.add_user("83479001", "Second Try", 0, 0)
    text = Path("data/users.txt").read_text("utf-8")
    assert "# edited elsewhere" in text and "Second Try" in text and "First Try" not in text


def test_a_batch_run_reads_the_data_files_between_menu_saves(workdir: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """While a menu save holds calls.txt's lock, ``telbill bill`` waits before reading; once the
    lock is let go it reads and bills, and a save can go on as soon as the run has read."""
    from telbill.cli import main

    session = open_session()
    session.add_user("83479002", "Before Run", 0, 0)  # a save: the lock files now exist
    codes: list[int] = []
    with access.locked([Path("data/calls.txt")]):
        run = threading.Thread(target=lambda: codes.append(main(["bill", "--out", "output/b.txt",
                                                                 "--anomalies", "output/a.txt"])))
        run.start()
        waits_for_lock(Path("data/calls.txt"))
        assert not codes and not Path("output/b.txt").exists()
    run.join(timeout=30)
    assert codes == [0]
    assert "83479002" in Path("output/b.txt").read_text("utf-8")
    with access.locked([Path("data/users.txt"), Path("data/calls.txt")]):
        pass  # the run let its shared locks go


def test_a_batch_run_creates_no_lock_file_and_ignores_a_planted_fifo(data: Path) -> None:
    """``telbill bill`` leaves nothing beside the data files (no lock file where none was), and a
    FIFO planted as a lock file does not hold it up."""
    import os


    os.mkfifo(data / "data/.calls.txt.lock")
    before = sorted(p.name for p in (data / "data").iterdir())
    assert run("bill", "--out", "b.txt", "--anomalies", "a.txt").code == 0
    assert sorted(p.name for p in (data / "data").iterdir()) == before
    assert (data / "b.txt").exists()


@pytest.fixture()
def linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``data/users.txt`` and ``data/calls.txt`` are links into ``real/``."""

    write_data(tmp_path)
    (tmp_path / "real").mkdir()
    for name in ("users.txt", "calls.txt"):
        (tmp_path / "data" / name).rename(tmp_path / "real" / name)
        (tmp_path / "data" / name).symlink_to(Path("../real") / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_data_file_named_by_a_link_shares_its_lock_and_stays_a_link(linked: Path) -> None:
    """Saved through a link: the link stays, the file it names changes, and a lock taken by the
    file's own name makes the save wait (one lock per file, whatever it is called)."""
    session = open_session()
    with access.locked([Path("real/users.txt")]):
        worker, done = save_in_a_thread(session)
        waits_for_lock(Path("real/users.txt"))
        assert not done.is_set()
    worker.join(timeout=60)
    assert done.is_set()
    session.modify_user("83479000", name="Renamed")
    assert Path("data/users.txt").is_symlink()
    assert "83479000  Renamed  25.00  6.00" in Path("real/users.txt").read_text("utf-8")
    assert sorted(p.name for p in Path("real").glob(".*")) == [".users.txt.lock"]
    assert sorted(p.name for p in Path("data").glob(".*")) == []


def test_the_lock_beside_the_file_a_link_names_is_never_an_output(linked: Path) -> None:
    """``--out real/.users.txt.lock`` with ``data/users.txt`` a link to ``real/users.txt``: refused,
    ``--force`` or not, so the lock file two writers take turns on is never replaced."""

    with access.locked([Path("data/users.txt")]):
        pass
    for target in ("real/.users.txt.lock", "real/.calls.txt.journal"):
        code, _, err = run("bill", "--out", target, "--force")
        assert code == 2
        assert err.strip() == (f"error: {target} is one of telbill's own files (the audit log, a lock or a "
                               "journal); refusing to overwrite it")


def test_a_link_planted_where_the_journal_goes_is_never_followed(linked: Path) -> None:
    """A link put at ``.users.txt.journal`` just before a save writes its journal: the save is
    refused, the file the link names is untouched, and nothing changed."""

    victim = linked / "victim.txt"
    victim.write_text("precious\n", "utf-8")
    session = open_session()
    before = Path("real/users.txt").read_bytes()

    def plant(step: str) -> None:
        if step == "prepared":
            Path("real/.users.txt.journal").symlink_to(victim)

    keeper.STEP_HOOK = plant
    try:
        with pytest.raises(OutputError) as info:
            session.modify_user("83470000", name="Renamed")
    finally:
        keeper.STEP_HOOK = None
    assert info.value.key == "output.unwritable" and "File exists" in str(info.value)
    assert victim.read_text("utf-8") == "precious\n" and Path("real/users.txt").read_bytes() == before
    assert not Path("output/audit.log").exists()


ONE_CALL = smalldata.ONE_CALL.encode()


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


def test_another_telbill_process_saving_is_detected(small: Path) -> None:
    """A second telbill process saves users.txt; this one refuses to overwrite and reloads."""

    session = open_session(small)
    script = (
        "from pathlib import Path\n"
        "from telbill.files.dataset import DataPaths\n"
        "from telbill.session.facade import Session\n"
        "s = Session(DataPaths(Path('data/users.txt'), Path('data/calls.txt')), operator='other',\n"
        "            audit_log=Path('output/audit.log'))\n"
        "s.modify_user('83470000', name='Renamed elsewhere')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=small, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(ConflictError):
        session.modify_user("83470000", rent=999)
    assert session.user("83470000").name == "Renamed elsewhere"
    session.modify_user("83470000", rent=999)
    text = (small / "data/users.txt").read_text("utf-8")
    assert "Renamed elsewhere" in text and "9.99" in text


def test_an_edit_by_another_program_is_not_overwritten(small: Path) -> None:
    """A text editor changing calls.txt under a session: the session refuses to save over it."""
    session = open_session(small)
    edited = b"# calls\n" + ONE_CALL + ONE_CALL.replace(b"110", b"120")
    (small / "data/calls.txt").write_bytes(edited)
    with pytest.raises(ConflictError):
        session.delete_call(next(iter(session.calls)))
    assert (small / "data/calls.txt").read_bytes() == edited
    assert len(session.calls) == 2


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


def edit_in_place(old: str, new: str) -> str:
    """users.txt rewritten elsewhere with ``old`` → ``new`` (same size), its modification time a second on."""
    path = Path("data/users.txt")
    before = os.stat(path)
    text = path.read_text("utf-8").replace(old, new)
    assert len(text.encode()) == before.st_size
    path.write_text(text, "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    return text


def test_a_same_size_outside_edit_is_reported_before_the_next_item(data: Path) -> None:
    """Li Na → Li Ma in users.txt, outside telbill: the look before the next item reports the file and
    reads it (the size alone does not say the bytes are the same)."""
    s = open_session()
    edit_in_place("Li Na", "Li Ma")
    assert s.refresh() == [Path("data/users.txt")]
    assert s.user("83470002").name == "Li Ma"  # type: ignore[union-attr]


@pytest.mark.parametrize("change", [lambda s: s.modify_user("83470000", name="Someone"),
                                    lambda s: s.add_user("83470099", "New One", 0, 0)], ids=["replace", "append"])
def test_a_save_over_a_same_size_outside_edit_is_refused_and_the_edit_survives(
        data: Path, change: Callable[[Session], object]) -> None:
    """The same edit made while the menu holds the file: a save is refused (ConflictError), the outside
    edit stays in the file, and what is held is read again."""
    s = open_session()
    edited = edit_in_place("Li Na", "Li Ma")
    with pytest.raises(ConflictError) as info:
        change(s)
    assert str(info.value) == ("data/users.txt changed on disk since it was loaded; it was not overwritten. "
                               "Reloaded it: please redo the change.")
    assert Path("data/users.txt").read_text("utf-8") == edited != USERS
    assert s.user("83470002").name == "Li Ma"  # type: ignore[union-attr]


def test_an_outside_write_racing_a_rewrite_is_kept_in_the_backup_and_reported(data: Path, hook: Any) -> None:
    """A line appended by another program right after the last check, before the rename, is in the
    kept copy of the replaced file, and the change says so."""
    s = open_session(data)
    outside = "83470002  120  2021-03-03 10:00:00  2021-03-03 10:01:00\n"
    hook(appended_when_checked(data / "data/calls.txt", outside))
    change = s.delete_call(next(iter(s.calls)))
    assert change.raced and change.backup is not None
    assert change.backup.read_text("utf-8") == CALLS + outside
    assert change.backup.parent == data / "data/backup"
    assert outside not in (data / "data/calls.txt").read_text("utf-8")
    assert s.list_backups()[0].path == change.backup or any(b.path == change.backup for b in s.list_backups())


def test_an_outside_write_before_the_last_check_refuses_the_save(data: Path, hook: Any) -> None:
    """Another program writes between the first check and the last one: nothing is overwritten,
    the file is read again and the change refused; nothing of ours is left."""
    s = open_session(data)
    outside = "83470002  120  2021-03-03 10:00:00  2021-03-03 10:01:00\n"

    def other_program(step: str) -> None:
        if step == "journal":
            with (data / "data/calls.txt").open("a", encoding="utf-8") as fh:
                fh.write(outside)

    hook(other_program)
    with pytest.raises(ConflictError):
        s.delete_call(next(iter(s.calls)))
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS + outside
    assert len(s.calls) == 7 and ours(data) == [] and actions(data) == []


def test_an_outside_append_racing_an_append_keeps_both_and_reloads(data: Path, hook: Any) -> None:
    """Two appends at once: both lines are in the file; the session reads it again and says so."""
    s = open_session(data)
    outside = "83470002  120  2021-03-03 10:00:00  2021-03-03 10:01:00\n"
    hook(appended_when_checked(data / "data/calls.txt", outside))
    change = s.add_call("83470002", "110", 63745000000, 63745000060)
    assert change.raced and change.backup is None
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS + outside + \
        "83470002  110  2020-12-30 08:26:40  2020-12-30 08:27:40\n"
    assert len(s.calls) == 8 and s.refresh() == []


@pytest.fixture()
def shared_folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The small data set in a temporary folder another user can reach (its lock files readable by
    all, as telbill makes them), the current folder; a data file's lock waited for 1 s at most."""
    with scratch() as folder:
        write_data(folder)
        monkeypatch.chdir(folder)
        with access.locked([Path("data/users.txt"), Path("data/calls.txt")]):
            pass  # the lock files are made, as by a first save
        monkeypatch.setattr(access, "LOCK_WAIT", 1.0)
        yield folder


def test_a_lock_another_user_holds_never_freezes_a_save_in_the_menu(shared_folder: Path) -> None:
    """Another user opens data/.users.txt.lock for reading and holds a flock on it: the operator's
    save says what it waits for, then is refused with the lock's name; nothing is changed, and the
    script stops there with exit 1 (it waited as long as the lock was held: for ever)."""
    before = Path("data/users.txt").read_bytes()
    with lock_held_by_another_user(Path("data/.users.txt.lock")):
        code, screen = plain_session("3\n83479999\nNew\n1\n0\n1\n0\n")
    assert code == 1  # an item not done: exit 1 (newuser11 finding 1)
    data = shared_folder / "data"
    assert (f"Waiting for the lock {data}/.users.txt.lock, held by another program (at most 1 s; Ctrl-C stops)…"
            in screen.splitlines())
    assert (f"Error: another program holds the lock {data}/.users.txt.lock of {data}/users.txt and did not let it "
            "go within 1 s: nothing was changed; try again") in screen.splitlines()
    assert Path("data/users.txt").read_bytes() == before and not Path("output/audit.log").exists()
    assert "Li Na" not in screen.split("did not let it go")[1]  # the script stopped there: item 1 not opened
    assert plain_session("3\n83479999\nNew\n1\n0\n0\n").code == 0  # let go: the save goes through
    assert "83479999  New  1.00  0.00" in Path("data/users.txt").read_text("utf-8")


def test_a_lock_another_user_holds_never_freezes_a_batch_run(shared_folder: Path) -> None:
    """The same lock held on calls.txt's lock: ``telbill bill`` says what it waits for, then stops
    with exit 2 and writes no bill."""
    with lock_held_by_another_user(Path("data/.calls.txt.lock")):
        code, out, err = run("bill")
    assert code == 2
    data = shared_folder / "data"
    assert err == (f"Waiting for the lock {data}/.calls.txt.lock, held by another program (at most 1 s; Ctrl-C "
                   f"stops)…\nerror: another program holds the lock {data}/.calls.txt.lock of {data}/calls.txt and "
                   "did not let it go within 1 s: no bill was written; try again\n")
    assert not Path("output/bills.txt").exists() and out == ""
    with lock_held_by_another_user(Path("data/.calls.txt.lock"), shared=True):  # another run reading: no wait
        assert run("bill").code == 0


def test_ctrl_c_stops_a_wait_for_a_lock_at_once(shared_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while a save waits for a lock (for 30 s at most) stops it at once; nothing is changed,
    no lock is left held, and the next save goes through."""
    monkeypatch.setattr(access, "LOCK_WAIT", 30.0)
    s = open_session()
    before = Path("data/users.txt").read_bytes()
    me = threading.get_ident()
    with lock_held_by_another_user(Path("data/.users.txt.lock")), \
            waits_told(lambda lock, seconds: signal.pthread_kill(me, signal.SIGINT)):
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            s.add_user("83479999", "New", 100, 0)
        assert time.monotonic() - started < 5
    assert Path("data/users.txt").read_bytes() == before
    s.add_user("83479999", "New", 100, 0)
    assert "83479999" in Path("data/users.txt").read_text("utf-8")
