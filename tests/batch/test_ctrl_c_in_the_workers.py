"""Ctrl-C at the worst instants of a batch run in several processes: right after a worker is
forked (before this process has kept its id), just before this process blocks on a worker's
pipe; and a writer of a later range of the anomalies file failing while an earlier one is
still writing. Each is fired at that instant."""

from __future__ import annotations

import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from telbill.batch.ranges import SharedAnomalies
from telbill.batch.team import Job, Remote, Team
from telbill.errors import WorkerError

from faults import ctrl_c_after_each_fork

pytestmark = pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                                reason="signals are handled in the main thread")


def sleeping(seconds: float, then: tuple[str, object] = ("done", None)) -> Job:
    def job(inbox: Connection, outbox: Connection) -> None:
        time.sleep(seconds)
        outbox.send(then)

    return job


class Jobs(Team):
    def __init__(self, *jobs: Job) -> None:
        super().__init__()
        self.given = list(jobs)

    def jobs(self) -> list[Job]:
        return self.given


def ended(pid: int) -> bool:
    """Whether ``pid``, a child of this process, has ended and been waited for (it is killed if not)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return done != 0


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ctrl-C in the instant after each fork (:func:`faults.ctrl_c_after_each_fork`): the workers' ids."""
    return ctrl_c_after_each_fork(monkeypatch)


def test_ctrl_c_right_after_a_worker_is_forked_stops_it(forks: list[int]) -> None:
    """Team.__enter__: the worker forked when Ctrl-C came is stopped and waited for, not left running."""
    with pytest.raises(KeyboardInterrupt), Jobs(sleeping(60), sleeping(60)):
        pass
    assert len(forks) == 1
    assert all(ended(pid) for pid in forks)


def test_ctrl_c_right_after_a_range_writer_is_forked_stops_it(forks: list[int], tmp_path: Path) -> None:
    """SharedAnomalies.start (telbill/batch/ranges.py): the same for a writer of the anomalies file."""
    team = Jobs()
    shared = object.__new__(SharedAnomalies)
    shared.team, shared.writers = team, []
    shared.ranges, shared.offsets = [(1, 10), (10, 20), (20, None)], [100, 200]
    shared._job = lambda *args: sleeping(60)  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt), team:
        shared.start(-1, tmp_path / "anomalies.txt")
    assert len(forks) == 1
    assert all(ended(pid) for pid in forks)


def test_a_worker_is_born_ignoring_ctrl_c_and_this_process_takes_it_again() -> None:
    """Ctrl-C is blocked around the fork: the worker ignores it before it unblocks it; this process
    gets its own mask back."""

    def job(inbox: Connection, outbox: Connection) -> None:
        outbox.send(("mask", (signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []),
                              signal.getsignal(signal.SIGINT) == signal.SIG_IGN)))

    with Jobs(job) as team:
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
        assert team.remotes[0].receive("mask") == (False, True)


def test_ctrl_c_just_before_waiting_for_a_worker_is_not_held_until_it_speaks() -> None:
    """A Ctrl-C whose handler is due when this process blocks on a worker's pipe (here: taken by
    another thread while this one is about to read, so that the read is not interrupted) ends the
    wait at once, not when the worker speaks ten seconds later."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with Jobs(sleeping(10, ("late", None))) as team:
        ctrl_c = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        ctrl_c.start()  # before this thread blocks Ctrl-C: the timer's thread takes it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        began = time.monotonic()
        try:
            with pytest.raises(KeyboardInterrupt):
                team.remotes[0].receive("late")
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            ctrl_c.join()
        waited = time.monotonic() - began
    assert waited < 5, f"Ctrl-C waited {waited:.1f} s for the worker"


def test_a_later_range_that_fails_is_said_before_the_earlier_ones_end(tmp_path: Path) -> None:
    """ranges.SharedAnomalies.wait: whichever writer ends first is heard first: the third range's
    error is raised at once, while the second range's writer still has ten seconds to go."""

    def failing(inbox: Connection, outbox: Connection) -> None:
        raise WorkerError("batch.worker_died", status=7)

    with Jobs() as team:
        shared = object.__new__(SharedAnomalies)
        shared.team, shared.offsets, shared.end = team, [100, 200], 300
        shared.writers = [Remote(sleeping(10, ("written", 200)), team), Remote(failing, team)]
        began = time.monotonic()
        with pytest.raises(WorkerError) as caught:
            shared.wait(100)
        waited = time.monotonic() - began
    assert caught.value.params == {"status": 7}
    assert waited < 5, f"the failed range was heard after {waited:.1f} s"
