"""A save cut short (kill -9, a crash) is finished or taken back at the next start, of the menu or of
the batch (SPEC §7); its journal is checked field by field before use, names its files relative to
the data folder, and never stops work (issue 18, items 7-8)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import OutputError
from telbill.files.dataset import DataPaths
from telbill.session.facade import Session
from telbill.store import keeper

import smalldata
from command import run
from faults import killed_at, ours, temporary_files_not_put_in_place, waits_for_lock
from on_disk import actions
from plain import EN, Typed, plain_session
from smalldata import CALLS, USERS, delete_with_calls, open_session, write_data
from unprivileged import IS_ROOT, NOBODY, scratch, unprivileged

OLD = smalldata.ONE_USER.encode()


def logged_by_hand(folder: Path) -> None:
    """The audit lines of the save cut short whose journal lies beside ``folder``/data/users.txt
    written into the log as a new file, by hand: that save counts as made (its recovery finishes it)."""
    body = json.loads((folder / "data/.users.txt.journal").read_text("ascii"))
    (folder / "output").mkdir(exist_ok=True)
    (folder / "output/audit.log").write_text(body["audit_text"], "utf-8")


def test_crash_between_the_journal_and_the_rename_is_taken_back_at_the_next_start(small: Path) -> None:
    """A process killed just before the rename: the next start takes the save back and says so."""

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
    proc = subprocess.run([sys.executable, "-c", script], cwd=small, capture_output=True, text=True, check=False)
    assert proc.returncode == 9, proc.stderr
    assert (small / "data/users.txt").read_bytes() == OLD
    assert (small / "data/.users.txt.journal").exists()
    session = open_session(small)
    assert [str(n) for n in session.notices] == [
        (f"A save cut short (the program was stopped) was not made; {small}/data/users.txt are as they were "
         "before it: modify-user 83470000  B  1.00  1.00.")]
    assert not (small / "data/.users.txt.journal").exists()
    assert sorted(p.name for p in (small / "data").iterdir() if p.name.startswith(".users.txt.")) == [
        ".users.txt.lock"]
    session.modify_user("83470000", name="B")
    assert [u.name for u in open_session(small).users] == ["B"]


@pytest.mark.parametrize("step", ["linked", "applied:users"])
def test_the_batch_finishes_a_save_cut_short_before_billing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            step: str) -> None:
    """``telbill bill`` after a crash mid-save bills the whole change (or none), says so, naming the
    change by what it did to users.txt first and the files as given, and removes the save's
    temporary files with its journals (they stayed until a menu was opened: a data-sized file
    left by each save cut short at a site that only runs the batch)."""

    write_data(tmp_path)
    killed_at(step, delete_with_calls, folder=tmp_path)  # both new files written, users.txt replaced or not
    assert any(name.endswith(".tmp") for name in ours(tmp_path))
    monkeypatch.chdir(tmp_path)
    code, _, err = run("bill")
    assert code == 0
    assert err.startswith("A save cut short (the program was stopped) was not made; data/users.txt, "
                          "data/calls.txt are as they were before it: delete-user 83470000  Zhang Qiang  "
                          "25.00  6.00; delete-call 83470000  "), err
    assert (tmp_path / "data/users.txt").read_text("utf-8") == USERS
    assert (tmp_path / "data/calls.txt").read_text("utf-8") == CALLS
    assert ours(tmp_path) == []


def test_a_backup_being_made_by_a_running_menu_is_not_removed_by_the_batchs_recovery(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A running menu makes a backup now (item 13's 'back up') while another menu's save, cut
    short, waits to be recovered: ``telbill bill`` recovering it removes that save's temporary
    files, and may not remove the copy being written into the backup folder
    (``.users.txt.STAMP.XXXXXXXX.tmp``, which is named as those are): the backup holds the
    files' locks, so the recovery waits for it (it removed the copy, and the backup failed).
    (The backup finishes a save cut short first itself: the journals come back only once it has.)"""
    import threading

    from telbill.files import access

    write_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    menu = open_session()
    killed_at("linked", delete_with_calls, folder=tmp_path)  # another menu's save, cut short
    journals = sorted((tmp_path / "data").glob(".*.journal"))
    for found in journals:
        found.rename(tmp_path / found.name)
    recovered: list[object] = []
    batches: list[threading.Thread] = []  # apart from what it recovers, which it may add before or after
    real = access._take_over

    def batch_meanwhile(fd: int, path: Path) -> None:  # the copy is written, not yet renamed
        if path.parent.name == "backup" and not recovered:
            for found in journals:
                (tmp_path / found.name).rename(found)
            recovered.append(None)
            batch = threading.Thread(target=lambda: recovered.append(keeper.recover_saves(
                [Path("data/users.txt"), Path("data/calls.txt")])))
            batch.start()
            batch.join(1.0)
            batches.append(batch)
        real(fd, path)

    monkeypatch.setattr(access, "_take_over", batch_meanwhile)
    changes = menu.backup_now()
    made = sorted(Path(change.after).name for change in changes)
    assert len(made) == 2 and made == sorted(path.name for path in (tmp_path / "data/backup").glob("*.txt.2*"))
    [batch] = batches
    batch.join(10)
    assert not batch.is_alive() and len(recovered) == 2 and recovered[1]  # it recovered the save, after
    assert ours(tmp_path) == []


@pytest.mark.parametrize("logged", [False, True])
def test_back_up_now_finishes_or_takes_back_another_sessions_save_cut_short_before_it_copies(
        tmp_path: Path, logged: bool) -> None:
    """Another menu's save of both files (a user deleted with their calls) is killed once users.txt
    is replaced, calls.txt not yet: *Back up now* in a running menu finishes that save (its audit
    lines are in the log) or takes it back (they are not) before it copies, and says so as a save
    does: the copies are both files before the change or both after it, never the new users.txt
    with the old calls.txt (restoring those would bring back half a change)."""
    write_data(tmp_path)
    menu = open_session(tmp_path)
    killed_at("applied:users", delete_with_calls, folder=tmp_path)
    if logged:  # the change counts as made: its audit lines reached the log
        body = json.loads((tmp_path / "data/.users.txt.journal").read_text("ascii"))
        (tmp_path / "output").mkdir(exist_ok=True)
        (tmp_path / "output/audit.log").write_text(body["audit_text"], "utf-8")
    changes = menu.backup_now()
    copies = {Path(change.path).name: Path(change.after).read_text("utf-8") for change in changes}
    assert sorted(copies) == ["calls.txt", "users.txt"]
    assert ["83470000" in text for text in copies.values()] == [not logged] * 2
    told = [str(n) for n in menu.notices]
    assert len(told) == 1 and ("has been completed" if logged else "was not made") in told[0], told
    assert not (tmp_path / "data/.users.txt.journal").exists()
    assert not (tmp_path / "data/.calls.txt.journal").exists()


def test_back_up_now_makes_no_copy_while_a_save_cut_short_cannot_be_finished(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another menu's save is killed once users.txt is replaced and counts as made (its audit lines
    are in the log), but calls.txt cannot be put in place (a fault): *Back up now* copies nothing
    (its copies would hold half the change), says why in one line after the notice of what the
    recovery found, and copies both files once the fault is gone."""
    write_data(tmp_path)
    menu = open_session(tmp_path)
    killed_at("applied:users", delete_with_calls, folder=tmp_path)
    logged_by_hand(tmp_path)
    real = temporary_files_not_put_in_place(monkeypatch, "calls.txt")
    with pytest.raises(OutputError) as info:
        menu.backup_now()
    message = info.value.render(EN)
    assert message.startswith(f"{tmp_path}/data/.users.txt.journal: "), message
    assert "no backup was made" in message and "(see the notice about it)" in message, message
    assert "\n" not in message
    told = [str(n) for n in menu.notices]  # told before the refusal
    assert len(told) == 1 and "could not be finished" in told[0] and "Input/output error" in told[0], told
    assert list((tmp_path / "data/backup").glob("*.txt.2*")) == []
    monkeypatch.setattr(os, "replace", real)
    changes = menu.backup_now()
    assert ["83470000" in Path(change.after).read_text("utf-8") for change in changes] == [False, False]


def test_the_batchs_recovery_leaves_the_audit_log_another_data_set_is_making(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two data sets in one folder (data/users.txt and calls.txt, data/users2.txt and calls2.txt)
    log to one audit log (output/audit.log, the default). ``telbill bill`` on the first recovers
    a save cut short and removes the temporary files saves of the first left, holding the first's
    locks only: not the log's first lines being written beside it (``.audit.log.XXXXXXXX.tmp``)
    by a menu on the second, whose first change is made (it failed: ``output/audit.log: cannot be
    written (No such file or directory); the change was not made``)."""
    write_data(tmp_path)
    (tmp_path / "data/users2.txt").write_text(USERS, "utf-8")
    (tmp_path / "data/calls2.txt").write_text(CALLS, "utf-8")
    monkeypatch.chdir(tmp_path)
    killed_at("linked", delete_with_calls)  # the first data set's save, cut short
    other = Session(DataPaths(Path("data/users2.txt"), Path("data/calls2.txt")), operator="tester",
                    audit_log=Path("output/audit.log"))
    recovered: list[list[object]] = []
    real = os.link

    def batch_meanwhile(src: Any, dst: Any, **kwargs: Any) -> None:  # the log's lines beside it, not linked yet
        if Path(dst).name == "audit.log" and not recovered:
            assert any(name.startswith(".audit.log.") and name.endswith(".tmp") for name in os.listdir("output"))
            recovered.append(list(keeper.recover_saves([Path("data/users.txt"), Path("data/calls.txt")])))
        real(src, dst, **kwargs)

    monkeypatch.setattr(os, "link", batch_meanwhile)
    other.modify_user("83470002", name="Li Ma")
    assert [len(notices) for notices in recovered] == [1]  # the first data set's save was taken back
    assert "83470002  Li Ma  " in (tmp_path / "data/users2.txt").read_text("utf-8")
    assert "Li Ma" in (tmp_path / "output/audit.log").read_text("utf-8")
    assert (tmp_path / "data/users.txt").read_text("utf-8") == USERS
    assert ours(tmp_path) == []


def test_the_audit_log_a_killed_save_was_making_is_removed_at_the_next_start(tmp_path: Path) -> None:
    """A save killed while it makes the audit log (its first lines written beside it, not linked
    into place): the next start takes the save back and removes that file too."""
    write_data(tmp_path)
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            os.chdir(tmp_path)
            s = open_session()
            real = os.link

            def killed(src: Any, dst: Any, **kwargs: Any) -> None:
                if Path(dst).name == "audit.log":
                    os.kill(os.getpid(), signal.SIGKILL)
                real(src, dst, **kwargs)

            os.link = killed
            s.modify_user("83470002", name="Li Ma")
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    assert [name for name in ours(tmp_path) if name.startswith(".audit.log.")], ours(tmp_path)
    s = open_session(tmp_path)
    assert [str(n).startswith("A save cut short (the program was stopped) was not made") for n in s.notices] == [True]
    assert ours(tmp_path) == [] and not (tmp_path / "output/audit.log").exists()
    assert (tmp_path / "data/users.txt").read_text("utf-8") == USERS


def test_an_audit_log_leftover_with_no_lock_beside_the_log_is_removed_at_the_next_start(tmp_path: Path) -> None:
    """A leftover of the audit log's making (``.audit.log.XXXXXXXX.tmp``) where no lock lies beside
    the log (left before the log had a lock, or the lock deleted): the log exists, so no one makes
    the lock again; the next start makes it and removes the leftover (it stayed for ever, and every
    start took the data files' locks to recover)."""
    write_data(tmp_path)
    (tmp_path / "output").mkdir(exist_ok=True)
    (tmp_path / "output/audit.log").write_text("", "utf-8")
    leftover = tmp_path / "output/.audit.log.abcd1234.tmp"
    leftover.write_text("half a line", "utf-8")
    assert not (tmp_path / "output/.audit.log.lock").exists()
    open_session(tmp_path)
    assert not leftover.exists()
    assert (tmp_path / "output/.audit.log.lock").exists()


def test_a_save_killed_while_the_batch_waits_for_its_locks_is_finished_before_billing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A menu save holds the files' locks while ``telbill bill`` waits to read them, and is killed
    after replacing users.txt only: the run takes the save back first, then bills both files as
    they were (never the new users.txt with the old calls.txt)."""
    import threading

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
    waits_for_lock(tmp_path / "data/users.txt", tmp_path / "data/calls.txt")  # past its own recovery (nothing to do yet)
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


def test_a_save_that_cannot_be_finished_at_start_is_told_kept_and_blocks_only_that_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save cut short whose new file cannot be put in place at the next start (a fault): the menu
    opens, says so, keeps the journal to try again, refuses changes to that file, and the batch
    writes no bill from half-changed files; once the fault is gone, the start finishes it."""

    write_data(tmp_path)
    killed_at("journal", delete_with_calls, folder=tmp_path)  # users.txt and calls.txt not replaced yet, the audit line
    logged_by_hand(tmp_path)                                    # written by hand: the save counts as made
    real = temporary_files_not_put_in_place(monkeypatch)
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


def rename(s: Session) -> object:
    return s.modify_user("83470002", name="Li Ma")


def add(s: Session) -> object:
    return s.add_call("83470002", "110", 63745000000, 63745000060)


RENAMED = USERS.replace("83470002\tLi Na\t18.00\t0", "83470002  Li Ma  18.00  0.00")


@pytest.mark.parametrize(("spoil", "field"), [
    (lambda j: j["files"][0].update(offset="5"), "files.0.offset"),
    (lambda j: j["files"][0].update(data="zz"), "files.0.data"),
    (lambda j: j["files"][0].update(how="explode"), "files.0.how"),
    (lambda j: j["files"][0].update(path=None), "files.0.path"),
    (lambda j: j.update(audit_offset=-1), "audit_offset"),
    (lambda j: j.update(audit_text="not an audit line\n"), "audit_text"),
    (lambda j: j.update(files=[]), "files"),
    (lambda j: j.update(version=True), "version"),
    (lambda j: j.update(records=[["backup/x.undo"]]), "records.0"),
], ids=["offset-text", "data-not-hex", "how", "path-null", "offset-negative", "audit-text", "no-files",
        "version-bool", "record-pair"])
def test_a_journal_with_bad_fields_is_moved_aside_and_work_goes_on(data: Path, spoil: Callable[[dict], None],
                                                                   field: str) -> None:
    """A journal that is JSON but not as telbill writes it (a number as text, bytes that are not hex…):
    the menu and ``telbill bill`` start, say which field is wrong and where the journal went; the
    files are as that save left them, and the next save works (it used to be an internal error,
    exit 2, at every start)."""
    killed_at("journal", add)  # a journal, nothing changed yet
    journal = data / "data/.calls.txt.journal"
    body = json.loads(journal.read_text("ascii"))
    spoil(body)
    journal.write_text(json.dumps(body), "ascii")
    code, _, err = run("bill")
    assert code == 0
    told = (f"{journal}: the journal of a save cut short is not as telbill writes it (field {field}); it was moved "
            f"aside as {journal}.bad and not used: the files are as that save left them")
    assert err.splitlines()[0] == told
    assert not journal.exists() and (data / "data/.calls.txt.journal.bad").is_file()
    s = open_session()
    assert [str(n) for n in s.notices] == []  # moved aside once, told once
    add(s)
    assert actions() == ["add-call"] and (data / "data/users.txt").read_text("utf-8") == USERS


def test_the_menu_tells_a_bad_journal_once_and_saves(data: Path) -> None:
    """The same in the menu: the notice at its start, then a save goes through."""
    killed_at("journal", add)
    journal = data / "data/.calls.txt.journal"
    body = json.loads(journal.read_text("ascii"))
    body["files"][0]["offset"] = "5"
    journal.write_text(json.dumps(body), "ascii")
    s = open_session()
    assert [str(n) for n in s.notices] == [
        (f"{journal}: the journal of a save cut short is not as telbill writes it (field files.0.offset); it was "
         f"moved aside as {journal}.bad and not used: the files are as that save left them")]
    add(s)
    assert actions() == ["add-call"]


def test_what_a_journal_moved_aside_names_is_not_removed(data: Path) -> None:
    """A replace killed after its journal and link; its journal spoiled: moved aside, and the new file
    and the link to the replaced one it names stay (nothing a journal still names is removed)."""
    killed_at("linked", rename)
    journal = data / "data/.users.txt.journal"
    named = sorted(p.name for p in (data / "data").glob(".users.txt.*") if p.suffix in (".tmp", ".old"))
    assert len(named) == 2
    body = json.loads(journal.read_text("ascii"))
    body["audit_offset"] = "0"
    journal.write_text(json.dumps(body), "ascii")
    s = open_session()
    assert "field audit_offset" in str(s.notices[0])
    assert sorted(p.name for p in (data / "data").glob(".users.txt.*") if p.suffix in (".tmp", ".old")) == named
    rename(s)
    assert (data / "data/users.txt").read_text("utf-8") == RENAMED


@pytest.mark.parametrize(("step", "made"), [("linked", False), ("applied:users", False), ("logged", True)])
def test_a_save_cut_short_is_recovered_after_the_folder_was_moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  step: str, made: bool) -> None:
    """Killed mid-save, then the whole folder moved elsewhere: the next start there finishes or takes
    back the save as it would have in the old place (the journal names its files relative to the
    data folder), the audit log agrees, nothing of ours is left, and saves and bills work (the
    journal used to be left alone and block every save of calls.txt for ever)."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    write_data(old)
    monkeypatch.chdir(old)
    killed_at(step, rename)
    monkeypatch.chdir(tmp_path)
    old.rename(new)
    monkeypatch.chdir(new)
    s = open_session()
    told = [str(n) for n in s.notices]
    assert len(told) == 1
    if made:
        assert told[0].startswith("A save cut short (the program was stopped) has been completed: modify-user ")
        assert Path("data/users.txt").read_text("utf-8") == RENAMED and actions() == ["modify-user"]
    else:
        assert told[0].startswith("A save cut short (the program was stopped) was not made; ")
        assert Path("data/users.txt").read_text("utf-8") == USERS and actions() == []
    assert ours(new) == []
    add(s)
    assert run("bill").code == 0
    assert Path("data/calls.txt").read_text("utf-8").startswith(CALLS)


def test_a_journal_naming_files_not_kept_here_never_blocks_saves(data: Path) -> None:
    """A journal beside users.txt left by a menu run on another pair of files (users.txt with
    other.txt): moved aside and named; saves of users.txt work."""
    Path("data/other.txt").write_text(CALLS, "utf-8")
    pid = os.fork()
    if pid == 0:
        try:
            s = Session(DataPaths(Path("data/users.txt"), Path("data/other.txt")),
                        audit_log=Path("output/audit.log"), operator="tester")
            keeper.STEP_HOOK = lambda at: os.kill(os.getpid(), signal.SIGKILL) if at == "journal" else None
            s.delete_user("83470000", with_calls=True)
        finally:
            os._exit(3)
    os.waitpid(pid, 0)
    s = open_session()
    journal = data / "data/.users.txt.journal"
    assert next(str(n) for n in s.notices) == (
        f"{journal}: a journal that names files telbill does not keep here was moved aside as {journal}.bad and not "
        "used (nothing it names was removed)")
    rename(s)
    assert Path("data/users.txt").read_text("utf-8") == RENAMED


@pytest.mark.parametrize("change", [rename, add], ids=["replace", "append"])
def test_the_journal_and_its_folder_are_fsynced_before_the_first_change(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        change: Callable[[Session], object]) -> None:
    """The journal file, then its folder, are fsynced before any data file is renamed over or
    appended to: after a power cut the journal is there for every change that may have begun."""
    s = open_session()
    events: list[tuple[str, str]] = []
    real = {name: getattr(os, name) for name in ("fsync", "write", "replace", "rename")}

    def where(fd: int) -> str:
        return os.readlink(f"/proc/self/fd/{fd}")

    def fsync(fd: int) -> None:
        events.append(("fsync", where(fd)))
        real["fsync"](fd)

    def write(fd: int, data: bytes) -> int:
        events.append(("write", where(fd)))
        return int(real["write"](fd, data))

    def moved(name: str) -> Callable[..., None]:
        def move(src: object, dst: object, *args: object, **kwargs: object) -> None:
            events.append((name, os.path.abspath(str(dst))))
            real[name](src, dst, *args, **kwargs)
        return move

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "replace", moved("replace"))
    monkeypatch.setattr(os, "rename", moved("rename"))
    change(s)
    folder = str(data / "data")
    targets = {str(data / "data/users.txt"), str(data / "data/calls.txt")}
    first_change = next(i for i, (op, path) in enumerate(events) if op != "fsync" and path in targets)
    journal = next(i for i, (op, path) in enumerate(events) if op == "fsync" and path.endswith(".journal"))
    synced = next(i for i, (op, path) in enumerate(events) if op == "fsync" and path == folder and i > journal)
    assert journal < synced < first_change


def test_a_journal_cut_short_at_start_is_removed_with_a_notice(data: Path) -> None:
    """A journal that is not even JSON (cut short while it was written: nothing had been touched):
    the start says it was removed, it is gone, and the next save works."""
    killed_at("journal", add)
    journal = data / "data/.calls.txt.journal"
    text = journal.read_text("ascii")
    journal.write_text(text[: len(text) // 2], "ascii")
    s = open_session()
    assert [str(n) for n in s.notices] == [
        f"{journal}: the journal of a save stopped before it changed anything was removed."]
    assert not journal.exists() and not list((data / "data").glob(".calls.txt.journal*"))
    add(s)
    assert actions() == ["add-call"] and Path("data/calls.txt").read_text("utf-8").startswith(CALLS)


def test_a_journal_nested_deeper_than_python_reads_is_moved_aside(data: Path) -> None:
    """A journal of a million nested lists: moved aside and named, never an internal error."""
    journal = data / "data/.users.txt.journal"
    journal.write_text("[" * 1_000_000 + "]" * 1_000_000, "ascii")
    s = open_session()
    assert [str(n) for n in s.notices] == [
        (f"{journal}: the journal of a save cut short is not as telbill writes it (field (nesting)); it was moved "
         f"aside as {journal}.bad and not used: the files are as that save left them")]
    rename(s)


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


def test_a_save_making_the_audit_log_does_not_wait_forever_for_its_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log's own lock (output/.audit.log.lock, readable by all) held by something else, as long
    as it likes: the first change, which makes the log, waits for it a while only, and the change
    is not made (it waited for ever, with its files already replaced, their locks held and Ctrl-C
    held back)."""
    import fcntl
    import threading

    from telbill.store import audit

    monkeypatch.setattr(audit, "LOG_LOCK_WAIT", 0.2, raising=False)
    write_data(tmp_path)
    s = open_session(tmp_path)
    (tmp_path / "output").mkdir()
    holder = os.open(tmp_path / "output/.audit.log.lock", os.O_RDONLY | os.O_CREAT, 0o644)
    fcntl.flock(holder, fcntl.LOCK_EX)
    raised: list[BaseException] = []

    def save() -> None:
        try:
            rename(s)
        except BaseException as exc:  # noqa: BLE001 - looked at below
            raised.append(exc)

    saving = threading.Thread(target=save, daemon=True)
    try:
        saving.start()
        saving.join(timeout=10)
        assert not saving.is_alive(), "the save still waits for the audit log's lock"
    finally:
        os.close(holder)  # lets a save that waits go on
        saving.join(timeout=10)
    assert [type(exc) for exc in raised] == [OutputError], raised
    assert "audit.log: cannot be written" in str(raised[0]) and "not made" in str(raised[0]), raised
    assert (tmp_path / "data/users.txt").read_text("utf-8") == USERS
    assert not (tmp_path / "output/audit.log").exists()
    assert ours(tmp_path) == []


def test_a_save_refused_after_it_finished_another_sessions_save_still_tells_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The menu open, another session's save (a user deleted with their calls) is killed once logged;
    then the operator adds a user. The add finishes that save first, which changes users.txt, so the
    add is refused: the screen says what was finished, before the refusal (it said nothing of it)."""
    write_data(tmp_path)
    monkeypatch.chdir(tmp_path)

    def other_session() -> None:
        killed_at("logged", delete_with_calls, folder=tmp_path)

    code, screen = plain_session(Typed("3\n83479999\nNew\n1\n0\n0\n", before_line={5: other_session}))
    assert code == 1  # an item not done: exit 1 (newuser11 finding 1)
    finished = screen.index("A save cut short (the program was stopped) has been completed: delete-user")
    assert finished < screen.index("data/users.txt changed on disk since it was loaded; it was not overwritten.")
    assert "83479999" not in (tmp_path / "data/users.txt").read_text("utf-8")
    assert "83470000" not in (tmp_path / "data/users.txt").read_text("utf-8") and ours(tmp_path) == []


def test_a_save_refused_because_another_sessions_save_cannot_be_finished_tells_why(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another session's save cut short while this one was open, and a fault keeps it from being
    finished: the save is refused, and the notice saying why is given, not dropped."""
    write_data(tmp_path)
    s = open_session(tmp_path)
    killed_at("journal", delete_with_calls, folder=tmp_path)
    logged_by_hand(tmp_path)  # the save counts as made
    temporary_files_not_put_in_place(monkeypatch)
    with pytest.raises(OutputError) as info:
        s.add_user("83479999", "New", 100, 0)
    assert "a save cut short is not finished yet (see the notice about it)" in info.value.render(EN)
    told = [str(n) for n in s.notices]
    assert len(told) == 1 and told[0].startswith("A save cut short (the program was stopped) could not be finished")
    assert "Input/output error" in told[0]


def test_back_up_now_tells_the_save_it_finished_even_when_its_copies_then_fail(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """*Back up now* finishes another session's save cut short, then cannot make its copies (a
    fault): it is refused, and what it finished is told all the same (it was lost)."""
    write_data(tmp_path)
    s = open_session(tmp_path)
    killed_at("logged", delete_with_calls, folder=tmp_path)

    def no_room(*args: Any, **kwargs: Any) -> Path:
        raise OutputError("output.unwritable", path="data/backup/users.txt.x", reason="No space left on device")

    monkeypatch.setattr(keeper.history, "take_copy", no_room)
    with pytest.raises(OutputError):
        s.backup_now()
    told = [str(n) for n in s.notices]
    assert len(told) == 1 and told[0].startswith("A save cut short (the program was stopped) has been completed")


def test_a_save_killed_before_its_journal_leaves_nothing_after_a_batch_run_or_a_backup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save killed once its new file is written beside users.txt, before its journal: there is
    no save to finish, only the temporary file (as large as the data file). ``telbill bill`` removes
    it (it kept one per such save, for a site that only runs the batch), and so does *Back up now*
    in a menu opened before the kill (it kept it until the next start of a menu)."""
    write_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    killed_at("prepared", rename, folder=tmp_path)
    assert len(ours(tmp_path)) == 1 and not (tmp_path / "data/.users.txt.journal").exists()
    code, _, err = run("bill")
    assert code == 0 and err == ""
    assert ours(tmp_path) == [] and (tmp_path / "data/users.txt").read_text("utf-8") == USERS

    s = open_session(tmp_path)
    killed_at("prepared", rename, folder=tmp_path)
    assert len(ours(tmp_path)) == 1
    s.backup_now()
    assert ours(tmp_path) == [] and s.notices == []


def test_a_file_another_user_named_like_a_leftover_makes_the_batch_write_nothing_beside_the_data(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another user plants ``.calls.txt.abcdefgh.tmp`` beside the data files: it is not ours, so
    ``telbill bill`` neither removes it nor takes the files' locks to (it made the lock files,
    writing beside the data, which a run never does)."""
    with scratch() as folder:
        write_data(folder)
        if IS_ROOT:  # a data folder the other user may write in (a group's, say)
            os.chown(folder / "data", NOBODY.pw_uid, NOBODY.pw_gid)
        planted = folder / "data/.calls.txt.abcdefgh.tmp"
        unprivileged(lambda: planted.write_text("theirs\n", "utf-8"))
        monkeypatch.chdir(folder)
        before = sorted(p.name for p in (folder / "data").iterdir())
        code, _, err = run("bill")
        assert code == 0 and err == ""
        assert sorted(p.name for p in (folder / "data").iterdir()) == before
        assert planted.read_text("utf-8") == "theirs\n"
