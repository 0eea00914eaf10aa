"""Every change is one transaction: crashes, races, Ctrl-C, an unwritable audit log, fsync, leftovers (issue 9)."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import AfterSaveError, ConflictError, OutputError
from telbill.session import held as held_module
from telbill.store import keeper
from telbill.text.i18n import Translator

from command import run
from faults import killed_at, ours
from on_disk import actions
from plain import plain_session
from smalldata import CALLS, USERS, ZHANG_CALLS, delete_with_calls, open_session, snapshot, write_data

EN = Translator("en")
ROOT = Path(__file__).resolve().parents[2]


# -- kill -9 at every step of a change to both files ---------------------------------------

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


def test_the_batch_finishes_a_save_cut_short_before_billing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``telbill bill`` after a crash mid-save bills the whole change (or none), and says so."""

    write_data(tmp_path)
    killed_at("applied:users", delete_with_calls, folder=tmp_path)  # users.txt replaced, calls.txt not yet
    monkeypatch.chdir(tmp_path)
    code, _, err = run("bill")
    assert code == 0
    assert "A save cut short (the program was stopped) was not made" in err
    assert (tmp_path / "data/users.txt").read_text("utf-8") == USERS
    assert (tmp_path / "data/calls.txt").read_text("utf-8") == CALLS


def test_a_save_killed_while_the_batch_waits_for_its_locks_is_finished_before_billing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A menu save holds the files' locks while ``telbill bill`` waits to read them, and is killed
    after replacing users.txt only: the run takes the save back first, then bills both files as
    they were (never the new users.txt with the old calls.txt)."""
    import threading
    import time

    from telbill.cli import main

    write_data(tmp_path)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the menu's save: waits at its first step (locks held, no journal yet), dies later
        try:
            os.chdir(tmp_path)
            s = open_session()

            def step(at: str) -> None:
                if at == "prepared":
                    os.write(ready_w, b"r")
                    os.read(go_r, 1)
                elif at == "applied:users":
                    os.kill(os.getpid(), signal.SIGKILL)

            keeper.STEP_HOOK = step
            s.delete_user("83470000", with_calls=True)
        finally:
            os._exit(3)
    assert os.read(ready_r, 1) == b"r"
    monkeypatch.chdir(tmp_path)
    err, codes = io.StringIO(), []
    out = tmp_path / "output/bills.txt"

    def bill() -> None:
        codes.append(main(["--lang", "en", "bill"], stdout=io.StringIO(), stderr=err))

    run = threading.Thread(target=bill)
    run.start()
    time.sleep(0.5)  # the run is past its own recovery (nothing to do yet) and waits for the locks
    assert not codes
    os.write(go_w, b"g")
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    run.join(timeout=30)
    for fd in (ready_r, ready_w, go_r, go_w):
        os.close(fd)
    assert codes == [0], err.getvalue()
    assert "A save cut short (the program was stopped) was not made" in err.getvalue()
    assert (tmp_path / "data/users.txt").read_text("utf-8") == USERS
    assert (tmp_path / "data/calls.txt").read_text("utf-8") == CALLS
    assert "83470000" in out.read_text("utf-8")  # Zhang Qiang billed with his calls


def test_a_run_whose_files_are_cut_short_each_time_it_waits_gives_up_after_three_tries(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If every try finds a save cut short under its locks, ``telbill bill`` stops after three tries:
    one line naming the file, exit 2, no bill."""
    from telbill import cli
    from telbill.errors import SaveCutShortError

    tries: list[int] = []

    def cut_short(*args: object, **kwargs: object) -> None:
        tries.append(1)
        raise SaveCutShortError("batch.save_cut_short", path="data/calls.txt")

    monkeypatch.setattr(cli, "run_batch", cut_short)
    code, _, err = run("bill")
    assert code == 2
    assert len(tries) == cli.BATCH_ATTEMPTS == 3
    assert err == ("error: a save of data/calls.txt was cut short while this run waited to "
                              "read it, several times over; no bill was written: run it again\n")
    assert not (data / "output/bills.txt").exists()


# -- after the change is made: nothing raises ------------------------------------------------

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
    assert code == 0
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
    assert told == [f"Saved {data}/data/calls.txt; but its previous version could not be kept in {data}/data/backup "
                    f"(Not a directory): it is kept as {change.backup}.",
                    f"Saved {data}/data/calls.txt; but its undo record could not be written ({data}/data/backup/"
                    f"{change.backup.name}.undo: cannot be written, {data}/data/backup is a file, not a folder): "
                    "this change cannot be undone."]
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


def test_a_save_that_cannot_be_finished_at_start_is_told_kept_and_blocks_only_that_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save cut short whose new file cannot be put in place at the next start (a fault): the menu
    opens, says so, keeps the journal to try again, refuses changes to that file, and the batch
    writes no bill from half-changed files; once the fault is gone, the start finishes it."""

    write_data(tmp_path)
    killed_at("journal", delete_with_calls, folder=tmp_path)  # users.txt and calls.txt not replaced yet, the audit line
    real = os.replace                          # written by hand: the save counts as made

    def failing(src: Any, dst: Any) -> None:
        if str(src).endswith(".tmp"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(src, dst)

    journal_text = (tmp_path / "data/.users.txt.journal").read_text("ascii")
    import json
    body = json.loads(journal_text)
    (tmp_path / "output").mkdir(exist_ok=True)
    (tmp_path / "output/audit.log").write_text(body["audit_text"], "utf-8")
    monkeypatch.setattr(os, "replace", failing)
    s = open_session(tmp_path)
    told = [str(n) for n in s.notices]
    assert len(told) == 1 and told[0].startswith("A save cut short (the program was stopped) could not be finished")
    assert "Input/output error" in told[0]
    with pytest.raises(OutputError) as info:
        s.add_user("83470099", "New", 100, 0)
    assert "a save cut short is not finished yet" in info.value.render(EN)
    monkeypatch.chdir(tmp_path)
    code, _, err = run("bill")
    assert code == 2
    assert err.splitlines()[-1] == ("error: a save cut short could not be finished, so the data files may be "
                                               "half changed; no bill was written")
    monkeypatch.setattr(os, "replace", real)
    s = open_session(tmp_path)
    assert "has been completed" in str(s.notices[0]) and ours(tmp_path) == []
    assert s.user("83470000") is None and not s.calls_of("83470000")


# -- races -------------------------------------------------------------------------------------


def test_an_outside_write_racing_a_rewrite_is_kept_in_the_backup_and_reported(data: Path, hook: Any) -> None:
    """A line appended by another program right after the last check, before the rename, is in the
    kept copy of the replaced file, and the change says so."""
    s = open_session(data)
    outside = "83470002  120  2021-03-03 10:00:00  2021-03-03 10:01:00\n"

    def other_program(step: str) -> None:
        if step == "checked":
            with (data / "data/calls.txt").open("a", encoding="utf-8") as fh:
                fh.write(outside)

    hook(other_program)
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

    def other_program(step: str) -> None:
        if step == "checked":
            with (data / "data/calls.txt").open("a", encoding="utf-8") as fh:
                fh.write(outside)

    hook(other_program)
    change = s.add_call("83470002", "110", 63745000000, 63745000060)
    assert change.raced and change.backup is None
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS + outside + \
        "83470002  110  2020-12-30 08:26:40  2020-12-30 08:27:40\n"
    assert len(s.calls) == 8 and s.refresh() == []


# -- Ctrl-C and the audit log ----------------------------------------------------------------


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


def test_a_folder_where_the_audit_log_should_be_means_no_change(data: Path) -> None:
    """The audit log cannot be written: the change is not made and the operator is told."""
    (data / "output/audit.log").mkdir(parents=True)
    code, screen = plain_session("3\n83470099\nNew\n1\n0\n5\n1\n83470000\nRenamed\n=\n=\n0\n")
    assert code == 0
    message = EN("menu.error", message=EN("audit.unwritable", path="output/audit.log", reason="Is a directory"))
    assert screen.count(message) == 2
    assert "Saved" not in screen
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert ours(data) == [] and not (data / "data/backup").exists()


FSIZE_SCRIPT = """
import resource, sys
from pathlib import Path
from telbill.files.dataset import DataPaths
from telbill.errors import OutputError
from telbill.session.facade import Session
s = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), audit_log=Path("output/audit.log"),
            operator="tester")
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
for change in (lambda: s.add_user("83470099", "New", 100, 0), lambda: s.modify_user("83470000", name="Renamed"),
               lambda: s.delete_user("83470000", with_calls=True)):
    try:
        change()
        print("made")
    except OutputError as exc:
        print(exc)
print(len(s.users), len(s.calls))
"""


AUDIT_FULL = "output/audit.log: cannot be written (File too large); the change was not made"
JOURNAL_FULL = "{data}/data/.users.txt.journal: cannot be written (File too large)"


@pytest.mark.parametrize(("limit", "third"), [(16384, AUDIT_FULL), (2048, JOURNAL_FULL)],
                         ids=["audit-log", "journal"])
def test_an_audit_log_that_cannot_grow_means_no_change(data: Path, limit: int, third: str) -> None:
    """With ``ulimit -f`` reached by the audit log, an add, a modify and a two-file delete are each
    taken back after the write failed, and said so; the files are as they were. A journal that
    cannot be written whole (the two-file delete's, over 2 KiB) refuses the change too."""
    (data / "output").mkdir()
    (data / "output/audit.log").write_text("x" * (limit - 7) + "\n", "utf-8")
    proc = subprocess.run([sys.executable, "-c", FSIZE_SCRIPT, str(limit)], cwd=data, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [AUDIT_FULL, AUDIT_FULL, third.format(data=data), "3 6"]
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS
    assert (data / "output/audit.log").stat().st_size == limit - 6
    assert ours(data) == []


# -- fsync -----------------------------------------------------------------------------------


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


# -- leftovers -------------------------------------------------------------------------------


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


# -- appends in the file's own format ----------------------------------------------------------


@pytest.mark.parametrize(("encoding", "bom", "newline"), [
    ("gb18030", b"", "\r\n"), ("utf-16-le", b"\xff\xfe", "\r\n"), ("utf-16-be", b"\xfe\xff", "\n"),
    ("utf-8", b"\xef\xbb\xbf", "\r\n"), ("utf-8", b"", "\r")])
@pytest.mark.parametrize("ended", [True, False], ids=["ended", "no-final-line-end"])
def test_an_add_is_appended_in_the_files_own_format(tmp_path: Path, encoding: str, bom: bytes, newline: str,
                                                    ended: bool) -> None:
    """GB18030, UTF-16 (both byte orders), a BOM, CRLF or CR: the new line is appended in that
    format (a last line without its line end gets one first); a rewrite keeps the format too."""
    text = "# 用户\n83470000  张强  25  6\n83470001  郑爽  18  0"
    original = bom + (text + ("\n" if ended else "")).replace("\n", newline).encode(encoding)
    (tmp_path / "data").mkdir()
    (tmp_path / "data/users.txt").write_bytes(original)
    (tmp_path / "data/calls.txt").write_bytes(CALLS.encode())
    s = open_session(tmp_path)
    s.add_user("83470002", "李四", 100, 0)
    added = ("" if ended else newline) + "83470002  李四  1.00  0.00" + newline
    assert (tmp_path / "data/users.txt").read_bytes() == original + added.encode(encoding)
    s.modify_user("83470000", rent=3000)
    again = (tmp_path / "data/users.txt").read_bytes()
    assert again == original.replace("83470000  张强  25  6".encode(encoding),
                                     "83470000  张强  30.00  6.00".encode(encoding)) + added.encode(encoding)
    s.undo()
    s.undo()
    assert (tmp_path / "data/users.txt").read_bytes() == original
    assert [u.name for u in open_session(tmp_path).users] == ["张强", "郑爽"]


# -- the outputs of the two kinds of failure are distinct ---------------------------------------


def test_a_change_refused_because_the_audit_log_is_a_file_in_the_way(data: Path) -> None:
    """The audit log's folder is a file: OutputError names the log; the data files are untouched."""
    (data / "output").write_text("not a folder", "utf-8")
    s = open_session()
    with pytest.raises(OutputError) as info:
        s.delete_user("83470000", with_calls=True)
    assert info.value.render(EN) == ("output/audit.log: cannot be written (Not a directory); "
                                     "the change was not made")
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS
    assert ours(data) == []


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
    real = os.replace

    def refuse(src: Any, dst: Any) -> None:
        if str(src).endswith(".tmp"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    before = (data / "data/users.txt").read_bytes()
    with pytest.raises(OutputError):
        s.modify_user("83470000", name="Again")
    assert (data / "data/users.txt").read_bytes() == before and ours(data) == []
    monkeypatch.setattr(os, "replace", real)
    outside = "83470002  120  2021-03-03 10:00:00  2021-03-03 10:01:00\n"

    def other_program(step: str) -> None:
        if step == "checked":
            with (data / "data/calls.txt").open("a", encoding="utf-8") as fh:
                fh.write(outside)

    hook(other_program)
    change = s.delete_call(next(iter(s.calls)))
    assert change.raced and change.backup is not None and change.backup.read_text("utf-8").endswith(outside)


def test_a_forged_journal_naming_other_files_is_moved_aside(data: Path) -> None:
    """A journal beside the data files that names a file telbill does not keep there (a victim
    outside the data folder, a temporary file that is a symbolic link) changes nothing: it is
    moved aside and named."""
    import json

    victim = data / "victim.txt"
    victim.write_text("precious\n", "utf-8")
    folder = data / "data"
    (folder / ".users.txt.abcdefgh.tmp").symlink_to(victim)
    forged = {
        "version": 1, "tx": "x", "audit_log": str(victim), "audit_offset": 0,
        "audit_text": "2026-01-01T00:00:00\ttester\tadd-user\tbefore: -\tafter: precious\n",
        "files": [{"path": str(victim), "how": "truncate", "offset": 0, "data": "70"}],
        "records": [[str(victim), "{}"]], "drop": [str(victim)],
    }
    (folder / ".users.txt.journal").write_text(json.dumps(forged), "utf-8")
    linked = dict(forged, files=[{"path": str(folder / "users.txt"), "how": "replace",
                                  "tmp": str(folder / ".users.txt.abcdefgh.tmp"),
                                  "tmp_ino": os.stat(victim).st_ino, "old": None, "old_ino": 0}],
                  audit_log=str(victim), records=[], drop=[])
    (folder / ".calls.txt.journal").write_text(json.dumps(linked).replace('"tx": "x"', '"tx": "y"'), "utf-8")
    s = open_session(data)
    assert victim.read_text("utf-8") == "precious\n"
    assert not (folder / "users.txt").is_symlink()
    assert (folder / "users.txt").read_text("utf-8") == USERS
    told = [str(n) for n in s.notices]
    assert told[0] == (f"{folder}/.users.txt.journal: a journal that names files telbill does not keep here was "
                       f"moved aside as {folder}/.users.txt.journal.bad and not used (nothing it names was removed)")
    assert len(told) == 2
    assert (folder / ".users.txt.journal.bad").is_file() and (folder / ".users.txt.abcdefgh.tmp").is_symlink()


def test_an_undone_add_whose_audit_line_fails_is_put_back_whole(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Undoing an add cuts the line off; when the audit line then cannot be written, the line goes
    back where it was, and the file is as before the undo."""
    s = open_session(data)
    s.add_call("83470002", "110", 63745000000, 63745000060)
    added = (data / "data/calls.txt").read_bytes()
    real = os.write

    def full(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("/output/audit.log"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OutputError):
        s.undo()
    assert (data / "data/calls.txt").read_bytes() == added
    monkeypatch.setattr(os, "write", real)
    s.undo()
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS


# -- backups taken when asked: logged by the store ------------------------------------------


def test_a_backup_taken_now_is_logged_by_the_store_one_line_per_copy(tmp_path: Path) -> None:
    """Item 13 "back up now": the keeper copies both files and logs both copies, same time and operator."""
    write_data(tmp_path)
    s = open_session(tmp_path)
    changes = s.backup_now()
    assert [(c.action, c.before) for c in changes] == [("backup", str(tmp_path / "data/users.txt")),
                                                       ("backup", str(tmp_path / "data/calls.txt"))]
    assert [c.backup.read_text("utf-8") if c.backup else None for c in changes] == [USERS, CALLS]
    lines = [line.split("\t") for line in (tmp_path / "output/audit.log").read_text("utf-8").splitlines()]
    assert [line[1:] for line in lines] == [["tester", "backup", f"before: {c.before}", f"after: {c.after}"]
                                            for c in changes]
    assert lines[0][0] == lines[1][0]


def test_a_backup_is_not_taken_when_the_audit_log_cannot_be_written(tmp_path: Path) -> None:
    """An audit log that cannot be written is found before any copy is made (no copy nobody logged)."""
    write_data(tmp_path)
    s = open_session(tmp_path)
    (tmp_path / "output/audit.log").mkdir(parents=True)  # a folder where the log should be
    with pytest.raises(OutputError, match=r"audit\.log: cannot be written \(Is a directory\); the change was not made"):
        s.backup_now()
    assert not (tmp_path / "data/backup").exists()


def test_only_the_store_writes_the_audit_log() -> None:
    """The audit log is opened and its lines made only in telbill/store (issue 16: the audit log
    written only by the store; the session's backups once wrote it themselves)."""
    package = ROOT / "telbill"
    writers = sorted(str(path.relative_to(package)) for path in package.rglob("*.py")
                     if path.parent.name != "store" and any(name in path.read_text("utf-8")
                                                            for name in ("AuditLog", "audit_line")))
    assert writers == []
