"""Two runs that would write the same output take turns (docs/batch.md): the second waits for the
first's lock beside the file, saying so, for a bounded time, then exits 2 naming the file and the
lock, having written nothing. Runs on other outputs never wait; item 9 of the menu keeps the same
rule. The lock is gone once its run has let it go."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from telbill.errors import OutputError
from telbill.files import access
from telbill.files.waiting import waits_told

from command import run
from faults import lock_held_by_another_user
from plain import plain_session
from smalldata import write_data
from unprivileged import IS_ROOT, NOBODY, scratch, unprivileged

WAITING = "Waiting for the lock {lock}, held by another program (at most 1 s; Ctrl-C stops)…"


@pytest.fixture()
def outputs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The small data set in a folder another user can reach, the current folder, with an output
    folder whose bill file's lock is there to be held (as while a run writes it); a lock waited
    for 1 s at most."""
    with scratch() as folder:
        write_data(folder)
        monkeypatch.chdir(folder)
        Path("output").mkdir()
        Path("output/.bills.txt.lock").touch()
        monkeypatch.setattr(access, "LOCK_WAIT", 1.0)
        yield folder


def test_a_second_run_on_the_same_bill_waits_then_stops_writing_nothing(outputs: Path) -> None:
    """While another process holds output/.bills.txt.lock, ``telbill bill`` says it waits for it,
    then exits 2 with one line naming the bill file and the lock; neither output is written. Once
    it is let go, the same run goes through and leaves no lock behind."""
    with lock_held_by_another_user(Path("output/.bills.txt.lock")):
        started = time.monotonic()
        code, out, err = run("bill")
        assert time.monotonic() - started < 10
    lock, bills = "output/.bills.txt.lock", "output/bills.txt"  # as named
    assert (code, out) == (2, "")
    assert err == (WAITING.format(lock=lock) + "\n" + f"error: another program, such as another run writing {bills}, "
                   f"holds its lock {lock} and did not let it go within 1 s: nothing was written; try again\n")
    assert sorted(p.name for p in Path("output").iterdir()) == [".bills.txt.lock"]
    assert run("bill").code == 0
    assert sorted(p.name for p in Path("output").iterdir()) == ["anomalies.txt", "bills.txt"]


def test_quiet_says_nothing_of_a_wait_that_ends_with_the_lock_taken(outputs: Path) -> None:
    """``-q``: a run that waits for another's lock, then takes it, prints nothing and exits 0 (cron
    mails nothing); one whose wait times out says only the error, exit 2 (newuser11 finding 4)."""
    import fcntl

    held = os.open("output/.bills.txt.lock", os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    timer = threading.Timer(0.3, os.close, (held,))  # the other run lets it go after 0.3 s
    timer.start()
    try:
        assert run("bill", "-q") == (0, "", "")
    finally:
        timer.join()
    assert sorted(p.name for p in Path("output").iterdir()) == ["anomalies.txt", "bills.txt"]
    Path("output/.bills.txt.lock").touch()
    with lock_held_by_another_user(Path("output/.bills.txt.lock")):
        code, out, err = run("bill", "-q")
    assert (code, out) == (2, "") and err.startswith("error: another program, such as another run writing")
    assert "Waiting" not in err


def test_the_lock_of_the_anomalies_or_the_csv_file_counts_too(outputs: Path) -> None:
    """Another run writing the same CSV file (its lock held) stops this one as well, though its
    bill and anomalies files are others."""
    Path("output/.all.csv.lock").touch()
    with lock_held_by_another_user(Path("output/.all.csv.lock")):
        code, _, err = run("bill", "--out", "mine/bills.txt", "--anomalies", "mine/anomalies.txt",
                           "--csv", "output/all.csv")
    assert code == 2 and "holds its lock output/.all.csv.lock and did not" in err.splitlines()[-1]
    assert not Path("mine").exists() and not Path("output/all.csv").exists()


def test_runs_on_other_outputs_do_not_wait(outputs: Path) -> None:
    """A run writing other files goes through at once while the bill file's lock is held."""
    with lock_held_by_another_user(Path("output/.bills.txt.lock")):
        code, _, err = run("bill", "--out", "mine/bills.txt", "--anomalies", "mine/anomalies.txt")
    assert (code, err) == (0, "")
    assert sorted(p.name for p in Path("mine").iterdir()) == ["anomalies.txt", "bills.txt"]


def test_item_9_waits_for_a_run_writing_the_same_bill(outputs: Path) -> None:
    """The menu's item 9 writing output/bills.txt while a run holds its lock: the same wait, said,
    then the reason, under which another name may be given (here none: back to the menu), and the
    file is not written."""
    with lock_held_by_another_user(Path("output/.bills.txt.lock")):
        code, screen = plain_session("9\n1\n=\n\n0\n")
    assert code == 0  # the script took the way back (a blank line) after the reason
    lock, bills = "output/.bills.txt.lock", "output/bills.txt"
    assert WAITING.format(lock=lock) in screen.splitlines()
    assert (f"another program, such as another run writing {bills}, holds its lock {lock} and did not let it go "
            "within 1 s: nothing was written; try again (q or an empty answer goes back to the menu)") in screen.splitlines()
    assert not Path(bills).exists()


def test_an_output_named_as_another_outputs_lock_is_refused(outputs: Path) -> None:
    """The anomalies file named as the bill file's lock: refused before anything is made."""
    code, _, err = run("bill", "--out", "new/x.txt", "--anomalies", "new/.x.txt.lock")
    assert (code, err) == (2, ("error: new/.x.txt.lock is one of telbill's own files (the audit log, a lock or a "
                               "journal); refusing to overwrite it\n"))
    assert not Path("new").exists()


def test_a_folder_made_again_after_the_holders_failure_is_removed_when_this_run_fails_too(tmp_path: Path) -> None:
    """Two runs on new/sub/x.txt, new/ missing: the first makes the folders and its lock; the second
    waits for that lock. The first fails: its lock and its folders go. The second takes the lock
    then (making the folders again) and fails too: what it made goes as well, and nothing is left
    (before: the second's folders were those missing when it began, none, and new/ stayed)."""
    out = tmp_path / "new" / "sub" / "x.txt"
    second_waits, first_failing = threading.Event(), threading.Event()
    failures: list[str] = []

    def first() -> None:
        try:
            with access.writing([out]):
                assert second_waits.wait(10)
                first_failing.set()  # set inside the lock: the second sees it once it holds the lock
                raise RuntimeError("the first run failed")
        except RuntimeError as exc:
            failures.append(str(exc))

    def second() -> None:
        with waits_told(lambda lock, seconds: second_waits.set()):
            try:
                with access.writing([out]):
                    assert first_failing.is_set() and (tmp_path / "new" / "sub").is_dir()
                    raise RuntimeError("the second run failed")
            except RuntimeError as exc:
                failures.append(str(exc))

    one = threading.Thread(target=first)
    one.start()
    while not (tmp_path / "new" / "sub" / ".x.txt.lock").exists():
        time.sleep(0.01)
    two = threading.Thread(target=second)
    two.start()
    one.join(20)
    two.join(20)
    assert sorted(failures) == ["the first run failed", "the second run failed"]  # each appends after its lock
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not IS_ROOT, reason="a lock of another user's run is made by chown, as root")
def test_a_lock_another_users_run_makes_as_this_one_looks_is_used_as_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another user's run makes output/.x.txt.lock between this run's look for it (none there) and
    its own O_EXCL: the lock found then is locked as any other user's lock is (as it would have been
    a moment later), not refused as "not yours" (before: OwnFileError own.not_owner, nothing written)."""
    out = tmp_path / "output" / "x.txt"
    lock = access.output_lock_path(out)
    looked = access._existing_lock

    def made_meanwhile(path: Path) -> int | None:
        if path == lock and not lock.exists():
            lock.parent.mkdir(exist_ok=True)
            lock.touch()
            os.chown(lock, NOBODY.pw_uid, NOBODY.pw_gid)  # by the other user's run, just now
            return None
        return looked(path)

    monkeypatch.setattr(access, "_existing_lock", made_meanwhile)
    with access.writing([out]):
        assert lock.stat().st_uid == NOBODY.pw_uid
    assert not lock.exists()


def test_a_file_that_is_no_lock_is_not_removed_with_the_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bill written under the name output/.bills.txt.lock (telbill's own file, not a lock: a lock
    is never written) is there, whole, after a run on output/bills.txt has used it as its lock
    (before: the run removed it as it let its lock go)."""
    write_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run("bill", "--out", "output/.bills.txt.lock", "--anomalies", "output/a.txt").code == 0
    written = Path("output/.bills.txt.lock").read_bytes()
    assert run("bill").code == 0
    assert Path("output/.bills.txt.lock").read_bytes() == written
    assert Path("output/bills.txt").read_bytes().startswith(b"# ")


@pytest.mark.skipif(not IS_ROOT, reason="the link is another user's (nobody's), planted while root's run works")
def test_a_folder_made_is_not_removed_through_a_link_planted_meanwhile(tmp_path: Path) -> None:
    """Root's run writes into nobody's folder sub/, making sub/new/ for it; while it works, nobody
    moves sub away and puts a link to root's own folder there. The run fails: the folder it made
    is not looked for through that link, so root's victim/new, empty, stays (before: removed)."""
    victim = tmp_path / "victim"
    (victim / "new").mkdir(parents=True)
    with scratch() as folder:
        sub = folder / "sub"
        unprivileged(lambda: sub.mkdir())

        def plant() -> None:
            sub.rename(folder / "old")
            sub.symlink_to(victim)

        with pytest.raises(RuntimeError), access.writing([sub / "new" / "x.txt"]):
            unprivileged(plant)
            raise RuntimeError("the run failed")
        assert (victim / "new").is_dir()


def _link_planted_by_nobody(folder: Path, victim: Path) -> Path:
    """``folder/sub``, made by nobody, then moved away and replaced by nobody's link to ``victim``
    (as another user could between a run's checks and its writes)."""
    sub = folder / "sub"

    def plant() -> None:
        sub.mkdir()
        sub.rename(folder / "old")
        sub.symlink_to(victim)

    unprivileged(plant)
    return sub


@pytest.mark.skipif(not IS_ROOT, reason="the link is another user's (nobody's), planted after the run's checks")
def test_a_lock_is_not_made_through_a_link_planted_after_the_outputs_were_checked(tmp_path: Path) -> None:
    """nobody's folder sub/ becomes a link to root's folder after the run checked its outputs (as
    while it waits up to 30 s for a lock nobody holds, then lets go): the run makes neither the
    folder new/ nor the lock through it, and stops naming the link (before: victim/new/.x.txt.lock
    made by root, victim/new left behind)."""
    victim = tmp_path / "victim"
    victim.mkdir()
    with scratch() as folder:
        sub = _link_planted_by_nobody(folder, victim)
        with pytest.raises(OutputError) as refused, access.writing([sub / "new" / "x.txt"]):
            pass
        assert refused.value.key == "output.foreign_link"
    assert list(victim.iterdir()) == []


@pytest.mark.skipif(not IS_ROOT, reason="the link is another user's (nobody's), planted after the run's checks")
def test_a_lock_found_through_a_link_planted_after_the_checks_is_not_removed(tmp_path: Path) -> None:
    """nobody's folder sub/ becomes a link to root's folder, which holds an empty .x.txt.lock (a lock
    of root's own): the run may lock it, but it never removes a file through another user's link
    (before: root's victim/.x.txt.lock was removed as the run let go)."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / ".x.txt.lock").touch()
    with scratch() as folder:
        sub = _link_planted_by_nobody(folder, victim)
        with access.writing([sub / "x.txt"]):
            pass
    assert (victim / ".x.txt.lock").exists()


def test_a_failed_runs_folders_are_gone_before_its_lock_is_let_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that fails removes the lock and the folders it made, and only then lets its lock go: a
    run that waited for it finds the folders gone and makes them again, as its own (before: let go
    first, so a waiter could put its lock in new/sub/ before the folders were removed, and leave
    them behind when it failed too: test_a_folder_made_again… failed one run in six)."""
    out = tmp_path / "new" / "sub" / "x.txt"
    let_go = access._let_go
    seen: list[bool] = []

    def letting_go(fds: list[int]) -> None:
        seen.append((tmp_path / "new").exists())
        let_go(fds)

    monkeypatch.setattr(access, "_let_go", letting_go)
    with pytest.raises(RuntimeError), access.writing([out]):
        raise RuntimeError("the run failed")
    assert seen == [False]
