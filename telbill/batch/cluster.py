"""``telbill bill --cluster``: a run in partitions on a Dask distributed cluster.

The same two passes as a run in partitions on one machine
(:mod:`telbill.batch.partitioned`), each a set of Dask tasks, on files every worker
can read (a shared filesystem: calls.txt, and the spill folder beside the bill file):

1. **split**: a task per byte range of calls.txt (cut at line feeds) routes its lines by
   caller into the buckets' spill files (:func:`telbill.batch.pieces.split_piece`), its
   lines numbered from 1; the partitions add the lines of the ranges before it. The
   encoding is the whole file's (:func:`telbill.batch.pieces.choose`); a file valid
   neither as UTF-8 nor as GB18030 as a whole, or UTF-16, is split by one task
   (:func:`telbill.batch.pieces.split_whole`).
2. **bill**: a task per partition bills it with telbill's rules
   (:func:`telbill.batch.partition.bill_partition`), biggest first; what it gives
   (:class:`~telbill.batch.partition.Billed`: a tally, its subscribers' fees per month,
   the file of its set-aside lines) comes back to this process.

This process (the client) then writes the three files from the partitions' results
(:class:`~telbill.batch.merged.Merged`), byte for byte as ``telbill bill`` on one
machine. A task whose worker dies is run again by Dask (each writes its files whole
again); a scheduler that cannot be reached or goes away is :class:`~telbill.errors.ClusterError`;
Ctrl-C cancels the run's tasks (:class:`~telbill.errors.ClusterCancelled`).

Dask is an optional extra (``pip install 'telbill[cluster]'``); it is imported only here,
and only when a run asks for a cluster.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import logging
import os
import pickle
import secrets
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from telbill.batch.budget import PARTITION_RECORDS, PROCESS_BYTES, RECORD_BYTES
from telbill.batch.merged import Merged
from telbill.batch.partition import (
    Billed,
    Partition,
    Split,
    bill_partition,
    bucket_count,
    open_files,
    partition_plan,
    partitions,
)
from telbill.batch.pieces import choose, split_piece, split_whole
from telbill.batch.plan import Plan
from telbill.batch.scheduler import check_scheduler
from telbill.errors import ClusterCancelled, ClusterError, InternalError, OutputError, UsageError
from telbill.files.stream import LineBlocks
from telbill.interrupts import STOP_SIGNALS
from telbill.speed import paused_gc
from telbill.text.display import quote

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

Progress = Callable[[int, int], None]
"""Told how much of a pass is done, and of how much."""
LOCAL = "local"
"""``--cluster local`` (or ``local:N``): a cluster of N worker processes on this machine."""
CONNECT_SECONDS = 10.0
"""How long the scheduler may take to answer (and, once lost, to come back) before the run ends."""
PIECE_BYTES = 128 << 20
"""A byte range of calls.txt split by one task is at most about this big (and there are at least
two per worker thread, so that the workers end the pass together)."""
MAX_PIECES = 9_999
"""At most this many byte ranges (a spill file's name has four digits for its range)."""
INSTALL = "pip install 'telbill[cluster]'"
"""How to install the cluster extra (Dask distributed)."""


@dataclass(frozen=True, slots=True)
class Address:
    """Where ``--cluster`` points: a scheduler's address, or a local cluster of ``workers`` processes."""

    scheduler: str | None
    workers: int = 0

    @classmethod
    def parse(cls, text: str) -> Address:
        """``tcp://host:8786`` (any address Dask's ``Client`` takes), ``local`` or ``local:N``."""
        name, colon, count = text.strip().partition(":")
        if name != LOCAL:
            if not text.strip():
                raise UsageError("usage.cluster", value=quote(text))
            return cls(text.strip())
        if not colon:
            return cls(None, os.cpu_count() or 1)
        if not count.isascii() or not count.isdigit() or not 0 < int(count) <= 1024:
            raise UsageError("usage.cluster", value=quote(text))
        return cls(None, int(count))

    def __str__(self) -> str:
        return self.scheduler if self.scheduler is not None else f"{LOCAL}:{self.workers}"


@dataclass(frozen=True, slots=True)
class Workers:
    """What the cluster has to work with."""

    count: int
    threads: int
    """Worker threads in all (each bills one partition at a time)."""
    memory: int
    """The smallest memory limit of a worker (0: none set)."""


class Clustered(Merged):
    """A run in partitions on a Dask cluster (see the module); a context manager that connects
    on entering, and on leaving cancels whatever of its tasks is left and disconnects."""

    def __init__(self, plan: Plan, address: Address, records: int, folder: Path) -> None:
        self.plan = plan
        self.address = address
        self.records = records
        """About how many records calls.txt holds."""
        self.folder = folder
        self.token = secrets.token_hex(4)
        """In every task's name, so that two runs on one cluster never share a task."""
        self.client: Client | None = None
        self.local: LocalCluster | None = None
        self.pending: dict[str, Future[Any]] = {}
        """The run's tasks not finished yet, by name."""
        self.workers = Workers(0, 0, 0)
        self.splits: list[Split] = []
        self.encoding = "utf-8"
        self.made: list[Partition] = []
        self.billed: list[Billed] = []
        self.buckets = plan
        self.open_files = 1 << 20
        """How many files a task may hold open on the most crowded worker (its soft limit over its threads)."""

    # -- connecting ---------------------------------------------------------------------

    def __enter__(self) -> Self:
        try:
            import dask
            import distributed
        except ImportError:
            raise UsageError("usage.cluster_missing", install=INSTALL) from None
        try:
            with _lost(self.address):
                # Its notes, and its errors, are not the user's: what goes wrong reaches the run as an
                # exception, said in one line. Its error lines come with tracebacks, from this process
                # and from a local cluster's workers (a worker whose scheduler closed as a Ctrl-C
                # ended the run: 'Failed to communicate with scheduler during heartbeat').
                _dask_quiet()
                if self.address.scheduler is None:  # all its scratch space in the run's spill folder
                    scratch = str(self.folder / "dask")
                    with dask.config.set({"temporary-directory": scratch}), _workers_deaf():  # the scheduler's too
                        self.local = distributed.LocalCluster(
                            n_workers=self.address.workers, threads_per_worker=1, processes=True,
                            dashboard_address=":0", silence_logs=logging.CRITICAL, local_directory=scratch)
                    self.client = distributed.Client(self.local, timeout=CONNECT_SECONDS)
                else:  # asked first: a peer that is not Dask would hang or break Dask's Client
                    check_scheduler(self.address.scheduler, CONNECT_SECONDS)
                    self.client = distributed.Client(self.address.scheduler, timeout=CONNECT_SECONDS)
                self.client.wait_for_workers(1, timeout=CONNECT_SECONDS)
                self.workers = self._workers()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        cancelled = bool(self.pending) and isinstance(exc, KeyboardInterrupt)
        self.close()
        if cancelled and not isinstance(exc, ClusterCancelled):
            raise ClusterCancelled from exc

    def close(self) -> None:
        """Cancel the run's tasks not finished yet and disconnect (and stop a local cluster)."""
        client, self.client = self.client, None
        pending, self.pending = list(self.pending.values()), {}
        with contextlib.suppress(Exception):
            if client is not None:
                if pending:
                    client.cancel(pending, force=True)
                client.close(timeout=CONNECT_SECONDS)
        local, self.local = self.local, None
        with contextlib.suppress(Exception):
            if local is not None:
                local.close(timeout=CONNECT_SECONDS)

    def _workers(self) -> Workers:
        workers = self._client().scheduler_info(n_workers=-1)["workers"].values()
        limits = [int(w.get("memory_limit") or 0) for w in workers]
        return Workers(len(limits), sum(int(w.get("nthreads") or 1) for w in workers),
                       min((m for m in limits if m), default=0))

    def _client(self) -> Client:
        if self.client is None:  # pragma: no cover - a method called outside the context
            raise InternalError("not connected")
        return self.client

    def dashboard(self) -> str | None:
        """The link to the cluster's dashboard, when one is running."""
        client = self._client()
        with contextlib.suppress(Exception):
            if "dashboard" in client.scheduler_info(n_workers=0).get("services", {}):
                return str(client.dashboard_link)
        return None

    def check_shared(self) -> None:
        """Refuse a cluster whose workers cannot read calls.txt as this process sees it, or
        write to the spill folder (they need a shared filesystem); note how many files a task may
        hold open (a split task holds one per bucket)."""
        calls = self.plan.calls
        size = calls.stat().st_size
        with _lost(self.address):
            client = self._client()
            seen = client.run(_sees, str(calls), size, str(self.folder))
            threads = {w: int(info.get("nthreads") or 1)
                       for w, info in client.scheduler_info(n_workers=-1)["workers"].items()}
        self.open_files = min((files // threads.get(w, 1) for w, (_, files) in seen.items()), default=1 << 20)
        for worker, (problem, _) in sorted(seen.items()):
            if problem is not None:
                raise ClusterError(f"cluster.{problem}", worker=worker, path=str(calls if problem == "calls" else
                                                                                  self.folder))

    # -- pass 1: splitting calls.txt ------------------------------------------------------

    def split(self, progress: Progress | None = None) -> None:
        """Split calls.txt into the buckets' spill files (``progress``: lines, of about how many)."""
        users = len(self.plan.users)
        most = self._partition_records()
        buckets = min(bucket_count(users, self.records, most, max(1, self.workers.threads)),
                      max(1, self.open_files // 2))  # a split task holds a file per bucket open
        self.buckets = Plan.make(self.plan.users, self.plan.calls, self.plan.tariff, self.plan.only_month,
                                 self.plan.tr, bounds=[users * k // buckets for k in range(buckets + 1)])
        size = self.plan.calls.stat().st_size
        wanted = min(MAX_PIECES, max(2 * self.workers.threads, -(-size // PIECE_BYTES)))
        pieces = list(itertools.pairwise(LineBlocks(self.plan.calls).cuts(wanted)))
        with _lost(self.address):
            buckets_f = self._keep(self.buckets, "buckets")
            chosen = choose(lambda encoding: self._split_all(buckets_f, pieces, encoding, progress)) if pieces else None
            if chosen is None:
                [(_, (found, self.encoding))] = list(self._run(
                    [(f"telbill-split-{self.token}-whole", split_whole, (buckets_f, self.folder))], progress,
                    lambda result: 0))
                self.splits = [found]
            else:
                self.splits, self.encoding = chosen
        if progress is not None:
            lines = sum(piece.lines for piece in self.splits)
            progress(lines, lines)

    def _split_all(self, buckets: str, pieces: list[tuple[int, int]], encoding: str,
                   progress: Progress | None) -> list[Split] | None:
        """A task per piece, split as ``encoding``; ``None`` if one is not valid in it (all are
        waited for: none is still writing when the pieces are split again)."""
        tasks = [(f"telbill-split-{self.token}-{encoding}-{k}", split_piece, (buckets, self.folder, k, start, stop,
                                                                              encoding))
                 for k, (start, stop) in enumerate(pieces)]
        found: dict[int, Split | None] = dict(self._run(tasks, progress, lambda result: result.lines if result else 0))
        splits = [found[k] for k in range(len(pieces))]
        return None if any(piece is None for piece in splits) else [p for p in splits if p is not None]

    def _partition_records(self) -> int:
        """How many records a partition may hold: what a worker thread can hold beside the process
        (half its worker's memory limit, shared by its threads), at most :data:`PARTITION_RECORDS`."""
        memory, threads = self.workers.memory, max(1, self.workers.threads // max(1, self.workers.count))
        if not memory:
            return PARTITION_RECORDS
        return max(1, min(PARTITION_RECORDS, (memory // 2 - PROCESS_BYTES) // (RECORD_BYTES * threads)))

    # -- pass 2: billing the partitions -------------------------------------------------

    def bill(self, progress: Progress | None = None) -> None:
        """Bill every partition, a task each, biggest first (``progress``: records, of all)."""
        self.made = made = partitions(self.folder, self.buckets.bounds, self.splits, self._partition_records(),
                                      max(1, self.workers.threads))
        with _lost(self.address):
            plan_f = self._keep(partition_plan(self.plan, made), "partitions")
            tasks = [(f"telbill-bill-{self.token}-{p.index}", bill_partition, (plan_f, p)) for p in made]
            billed: dict[int, Billed] = {}
            done, total = 0, sum(p.records for p in made)
            if progress is not None:
                progress(0, total)
            for _, result in self._run(tasks, None, lambda result: 0, [p.records for p in made]):
                billed[result.index] = result
                done += made[result.index].records
                if progress is not None:
                    progress(done, total)
        self.billed = [billed[p.index] for p in made]

    # -- tasks ----------------------------------------------------------------------------

    def _keep(self, plan: Plan, name: str) -> str:
        """``plan`` pickled into the spill folder, for the tasks to read (:func:`_task`): not
        scattered into the workers' memory, where Dask keeps one copy of it, which a worker that
        dies takes with it, and with it every task that needs it."""
        path = self.folder / f"{name}-{self.token}.plan"
        with open(path.with_suffix(".making"), "xb") as out:
            pickle.dump(plan, out, pickle.HIGHEST_PROTOCOL)
        os.replace(path.with_suffix(".making"), path)
        return str(path)

    def _run(self, tasks: list[tuple[str, Callable[..., Any], tuple[Any, ...]]], progress: Progress | None,
             lines: Callable[[Any], int], priorities: list[int] | None = None) -> Iterator[tuple[int, Any]]:
        """Run ``tasks`` (name, function, arguments) on the cluster: each one's number and result as
        it finishes (``progress``: the ``lines`` of the results so far, of the estimate)."""
        import distributed

        client = self._client()
        futures = {}
        for k, (name, function, args) in enumerate(tasks):
            futures[name] = k
            self.pending[name] = client.submit(_task, function, *args, key=name, pure=False, retries=0,
                                               priority=priorities[k] if priorities else 0)
        done = 0
        for future in distributed.as_completed(list(self.pending.values())):
            result = future.result()  # raises the task's error, or that it was cancelled (the scheduler lost)
            self.pending.pop(future.key, None)
            done += lines(result)
            if progress is not None:
                progress(done, max(done, self.records))
            yield futures[future.key], result
        self.pending.clear()


_plans: dict[str, Plan] = {}
_plans_lock = threading.Lock()
"""In a worker: the plans its tasks read (:meth:`Clustered._keep`), the last two (a run's)."""


def _task(function: Callable[..., Any], plan: str, *args: Any) -> Any:
    """On a worker: ``function(the plan kept at plan, *args)`` with the garbage collector held back,
    as a forked worker of one machine has it (:func:`telbill.speed.paused_gc`): a task builds a
    partition's records."""
    with paused_gc():
        with _plans_lock:  # a worker of several threads runs tasks side by side
            held = _plans.get(plan)
            if held is None:
                with open(plan, "rb") as fh:
                    held = pickle.load(fh)
                while len(_plans) >= 2:
                    del _plans[next(iter(_plans))]
                _plans[plan] = held
        return function(held, *args)


def _sees(calls: str, size: int, folder: str) -> tuple[str | None, int]:
    """On a worker: ``calls`` if it cannot read calls.txt as the client does (``size`` bytes),
    ``folder`` if it cannot write to the spill folder, else ``None``; and how many files the worker
    may hold open."""
    files = open_files()
    try:
        with open(calls, "rb") as fh:
            if os.fstat(fh.fileno()).st_size != size:
                return "calls", files
    except OSError:
        return "calls", files
    if not os.access(folder, os.W_OK | os.X_OK):
        return "folder", files
    return None, files


def _dask_quiet() -> None:
    """Dask's loggers in this process say nothing below CRITICAL: ``distributed`` and each of its
    own that Dask's configuration gives a level and a handler of its own (``distributed.client``,
    at WARNING: a scheduler gone mid-run printed 'Failed to reconnect to scheduler' and a
    traceback, above the run's one line)."""
    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logger = logging.getLogger(name)
            if name == "distributed" or logger.level != logging.NOTSET:
                logger.setLevel(logging.CRITICAL)


@contextlib.contextmanager
def _workers_deaf() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP blocked in this thread while a local cluster starts: the threads
    Dask starts meanwhile (its event loop, the watchers of its processes) keep them blocked, and so
    do the worker processes they spawn. A Ctrl-C at the terminal, which goes to every process of
    the foreground group, or ``timeout``'s SIGTERM to the group, then reaches this process alone,
    which stops the cluster (:meth:`Clustered.close`): no worker prints its own traceback. One
    that comes while the cluster starts acts once it has started (a few seconds). A worker still
    ends when this process does, even killed outright: Dask's workers watch a pipe from it.

    multiprocessing's resource tracker is started first: starting it unblocks SIGINT and SIGTERM
    in the thread that starts it (Dask's event loop, before its first worker, if not here)."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *STOP_SIGNALS})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


@contextlib.contextmanager
def spill_said() -> Iterator[None]:
    """A spill folder or file that cannot be made or written, said as a cluster's (its folder is
    beside the bill file, for every worker; no budget or ``$TMPDIR`` has a part in it)."""
    try:
        yield
    except OutputError as exc:
        if exc.key != "output.spill":
            raise
        raise OutputError("output.cluster_spill", **exc.params) from None


@contextlib.contextmanager
def _lost(address: Address) -> Iterator[None]:
    """The scheduler unreachable, gone, or a task that killed its workers: one line (:class:`ClusterError`);
    a spill file a task could not write, said as a cluster's (:func:`spill_said`)."""
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker

    try:
        with spill_said():
            yield
    except KilledWorker as exc:
        raise ClusterError("cluster.killed", address=str(address), task=str(exc.args[0] if exc.args else "")) from None
    except (TimeoutError, asyncio.CancelledError, concurrent.futures.CancelledError, FutureCancelledError):
        raise ClusterError("cluster.lost", address=str(address)) from None
    except OSError as exc:
        if not _comm_error(exc):
            raise
        raise ClusterError("cluster.lost", address=str(address)) from None


def _comm_error(exc: OSError) -> bool:
    """Whether ``exc`` is Dask failing to reach the scheduler (not a file's error)."""
    from distributed.comm.core import CommClosedError

    return isinstance(exc, CommClosedError) or exc.filename is None and type(exc) is OSError

