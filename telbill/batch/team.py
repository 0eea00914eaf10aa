"""A team of forked workers, seen from this process: the plumbing of any run on workers.

:class:`Team` forks one worker per :data:`Job` on entering (:class:`Remote`, each with a pipe
to it and one from it); a worker runs its job and ends. This module knows nothing of what the
jobs do: the in-memory run (:class:`~telbill.batch.workers.Workers`), the partitions' passes
(:mod:`telbill.batch.partitioned`) and the anomalies file's ranges (:mod:`telbill.batch.ranges`)
give the jobs and read the messages.

A worker ignores Ctrl-C (this process stops it) and is killed if this process dies (Linux);
one that fails sends its error back, and this process raises the same error, so the user sees
the same one line as without workers; one that dies without a word becomes
:class:`~telbill.errors.WorkerError`. Leaving a :class:`Team` (normally, on an error or on
Ctrl-C) stops every worker that has not finished and waits for it, so none is left behind.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, NoReturn, Self

from telbill import errors
from telbill.batch.anomaly_merge import AnomalyChunks
from telbill.errors import TelbillError, WorkerError
from telbill.processes import Waker, fork_kept, open_pipe

Job = Callable[[Connection, Connection], None]
"""What a worker does with its two pipes (from this process, to it)."""
_PR_SET_PDEATHSIG = 1
_PRCTL: Callable[[int, int], int] | None = None
if sys.platform.startswith("linux"):
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        _PRCTL = ctypes.CDLL(None, use_errno=True).prctl


# -- in the worker -----------------------------------------------------------------------


def _describe(exc: BaseException) -> tuple[Any, ...]:
    if isinstance(exc, TelbillError):
        problems = getattr(exc, "problems", None)
        return ("telbill", type(exc).__name__, exc.key, exc.params, problems)
    return ("other", type(exc).__name__, str(exc))


def _child(job: Job, parent: int, inbox: Connection, outbox: Connection) -> NoReturn:
    """A worker's whole life: its job, then it ends (an error sent back as :func:`_describe` tells it).
    It ignores Ctrl-C (:func:`~telbill.processes.fork_kept`): the parent stops it."""
    code = 0
    try:
        _die_with(parent)
        job(inbox, outbox)
    except BaseException as exc:  # noqa: BLE001 - whatever stops a worker is sent to the parent, which raises it
        code = 1
        with contextlib.suppress(BaseException):
            outbox.send(("error", _describe(exc)))
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:
    """Have this worker killed when ``parent`` dies, killed outright too (Linux), so that none
    goes on alone holding a run's spill folder; at once if it already has."""
    if _PRCTL is None:
        return
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)



# -- in this process ---------------------------------------------------------------------


def _rebuild(description: tuple[Any, ...]) -> BaseException:
    """The exception a worker described, to be raised here."""
    if description[0] == "telbill":
        _, name, key, params, problems = description
        cls: Any = getattr(errors, name, TelbillError)
        made: BaseException = cls(key, problems, **params) if problems is not None else cls(key, **params)
        return made
    _, name, message = description
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        with contextlib.suppress(TypeError):  # not one made of a message (UnicodeEncodeError takes five values)
            return builtin(message)
    other: BaseException = type(name, (Exception,), {})(message)
    return other


class Remote:
    """A worker as seen from here: forked at once to do ``job``, and one of ``team``'s from the
    instant it is (a Ctrl-C is held back until then: :func:`~telbill.processes.fork_kept`)."""

    def __init__(self, job: Job, team: Team) -> None:
        self.waker = team.waker
        self.pid = 0
        self.finished = True
        to_worker, self.outbox = open_pipe()
        self.inbox, from_worker = open_pipe()
        parent = os.getpid()

        def child() -> NoReturn:
            self.outbox.close()
            self.inbox.close()
            _child(job, parent, to_worker, from_worker)

        def keep(pid: int) -> None:
            self.pid = pid
            self.finished = False
            team.remotes.append(self)

        try:
            fork_kept(child, keep)
        finally:
            to_worker.close()
            from_worker.close()

    def receive(self, expected: str) -> Any:
        kind, value = self.message()
        if kind != expected:
            raise self._died()
        return value

    def _recv(self) -> tuple[str, Any]:
        """The worker's next message as sent; a Ctrl-C while waiting for it is raised at once."""
        self.waker.wait([self.inbox])
        kind, value = self.inbox.recv()
        return kind, value

    def message(self) -> tuple[str, Any]:
        """The worker's next message; the worker's own error, or that it died, is raised here."""
        try:
            kind, value = self._recv()
        except (EOFError, OSError):
            raise self._died() from None
        if kind == "error":
            self.wait_ended()
            raise _rebuild(value)
        return kind, value

    def wait_ended(self) -> None:
        """The worker said its last word: wait for it to end (it is then not stopped again)."""
        self.finished = self._reap() is not None

    def anomaly_chunks(self) -> AnomalyChunks:
        while True:
            try:
                kind, value = self._recv()
            except (EOFError, OSError):
                raise self._died() from None
            if kind == "end":
                return
            if kind == "error":
                raise _rebuild(value)
            yield value

    def _reap(self, block: bool = True) -> int | None:
        """The worker's wait status once it has ended (``None`` if still running)."""
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return 0
        return status if pid else None

    def _died(self) -> WorkerError:
        """The error to raise when the worker is gone without a word."""
        status = self._reap()
        self.finished = True
        if status is not None and os.WIFSIGNALED(status):
            return WorkerError("batch.worker_killed", signal=os.WTERMSIG(status))
        return WorkerError("batch.worker_died",
                           status=os.waitstatus_to_exitcode(status) if status is not None else "?")

    def stop(self) -> None:
        """Make sure the worker has ended and been waited for."""
        if not self.finished and self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()
            self.finished = True
        for conn in (self.inbox, self.outbox):
            with contextlib.suppress(OSError):
                conn.close()


class Team:
    """This process and the workers it forks on entering, one per job of :meth:`jobs`; a
    context manager: leaving it (normally, on an error or on Ctrl-C) stops every worker that
    has not finished and waits for it."""

    def __init__(self) -> None:
        self.remotes: list[Remote] = []
        self.waker = Waker()
        """What wakes a wait for a worker at Ctrl-C (open while the team is entered)."""

    def jobs(self) -> list[Job]:
        """What each worker is to do."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.waker.open()
            for job in self.jobs():
                Remote(job, self)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        for remote in self.remotes:
            remote.stop()
        self.waker.close()

    def ready(self, remotes: Sequence[Remote]) -> list[Remote]:
        """Those of ``remotes`` that have said something (or ended), once one has: whichever it is."""
        inboxes = self.waker.wait([remote.inbox for remote in remotes])
        return [remote for remote in remotes if remote.inbox in inboxes]

