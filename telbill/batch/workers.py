"""The parts of a batch run, one per process: part 0 here, the others in forked workers.

Each worker is forked before anything is read (so it shares the program's pages
with this process and starts at once). This process reads calls.txt, finds the
part of each line (by its caller) and sends each worker its lines a block at a
time through a pipe. A worker reads and screens its part of the records
(:class:`telbill.batch.part.Part`), sends back its :class:`~telbill.batch.plan.Tally`,
waits for the :class:`~telbill.batch.plan.Layout`, then sends its share of each
output file in the order the files are written: its bill rows month by month,
its set-aside lines, its CSV rows. Only this process writes files.

A worker ignores Ctrl-C (this process stops it); one that fails sends its error
back, and this process raises the same error, so the user sees the same one
line as without workers; one that dies without a word becomes
:class:`~telbill.errors.WorkerError`. Leaving :class:`Workers` (normally, on an
error or on Ctrl-C) stops every worker that has not finished and waits for it,
so none is left behind.
"""

from __future__ import annotations

import builtins
import contextlib
import itertools
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, NoReturn, Self

from telbill import errors
from telbill.batch.anomaly_lines import anomaly_chunks
from telbill.batch.anomaly_merge import AnomalyChunks, merge_anomalies
from telbill.batch.part import Part
from telbill.batch.plan import Layout, Plan, ProgressFn, Tally
from telbill.errors import TelbillError, WorkerError
from telbill.files.report import TextCache
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


def _part_job(plan: Plan, index: int) -> Job:
    """The job of a worker of a run in memory: its part, sent back piece by piece."""

    def job(inbox: Connection, outbox: Connection) -> None:
        part = Part(plan, index)
        part.read_fed(inbox)
        part.sweep()
        outbox.send(("tally", part.tally()))
        layout: Layout = inbox.recv()
        texts = TextCache()
        for i in range(len(layout.months)):
            outbox.send(("rows", part.bill_rows(layout, i, texts)))
        for chunk in anomaly_chunks(part):
            outbox.send(("anomalies", chunk))
        outbox.send(("end", None))
        if layout.csv:
            for i in range(len(layout.months)):
                outbox.send(("rows", part.csv_rows(layout, i, texts)))
        outbox.send(("done", None))

    return job


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


class Workers(Team):
    """All the parts of one batch run held in memory (part 0 in this process)."""

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.local = Part(plan, 0)

    def jobs(self) -> list[Job]:
        return [_part_job(self.plan, index) for index in range(1, self.plan.parts)]

    def read(self, progress: ProgressFn | None = None) -> None:
        """Read calls.txt: this process's part, while each worker gets its lines and reads them."""
        try:
            self.local.read(progress, [remote.outbox for remote in self.remotes])
        except (BrokenPipeError, ConnectionResetError):  # a worker is gone: say why
            for remote in self.remotes:
                remote.receive("tally")
            raise

    def sweep(self) -> None:
        self.local.sweep()

    def tally(self) -> Tally:
        """Every part's tally, added up."""
        total = self.local.tally()
        for remote in self.remotes:
            total.add(remote.receive("tally"))
        return total

    def send(self, layout: Layout) -> None:
        for remote in self.remotes:
            try:
                remote.outbox.send(layout)
            except OSError:
                remote.receive("layout")  # the worker's own error, or that it died

    def bill_rows(self, layout: Layout, i: int, texts: TextCache) -> Iterator[bytes]:
        """Every part's rows of month ``i``, in part order (users.txt order)."""
        yield self.local.bill_rows(layout, i, texts)
        for remote in self.remotes:
            yield remote.receive("rows")

    def csv_rows(self, layout: Layout, i: int, texts: TextCache) -> Iterator[bytes]:
        yield self.local.csv_rows(layout, i, texts)
        for remote in self.remotes:
            yield remote.receive("rows")

    def anomalies(self, head: bytes) -> Iterable[bytes]:
        """The anomalies file: ``head``, then every part's set-aside lines, merged in line order, a
        chunk at a time."""
        return itertools.chain([head], merge_anomalies([anomaly_chunks(self.local),
                                                        *(remote.anomaly_chunks() for remote in self.remotes)]))

    def finish(self) -> None:
        """Wait for every worker to say it is done, and for it to end."""
        for remote in self.remotes:
            remote.receive("done")
            remote.wait_ended()
