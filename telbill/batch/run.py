"""The batch bill run: load, screen, rate, write; timed phase by phase.

The subscribers are split into parts, one per process (:mod:`telbill.batch.workers`;
one process for a small file, where ``fork`` is missing or on one core): each
part reads calls.txt for its own callers, screens and rates their records
(:mod:`telbill.batch.part`) and tells this process its totals; this process decides
the months and the column widths, and writes the three files, each part
formatting its own subscribers' rows and set-aside lines. The files are the
same, byte for byte, whatever the number of parts.

A calls file whose records do not fit in the run's memory budget
(:mod:`telbill.batch.budget`) is billed in partitions on disk instead
(:mod:`telbill.batch.partitioned`): a first pass splits its lines by caller into
spill files, a second bills the partitions one at a time in each process; the
files are the same, byte for byte, as a run in memory writes.

A run on a Dask cluster (``--cluster``, :mod:`telbill.batch.cluster`) is a run in
partitions whose two passes are the cluster's tasks; this process writes the files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from telbill.batch.budget import Sizing, default_budget, estimated_records, sizing
from telbill.batch.partitioned import Partitioned
from telbill.batch.plan import Layout, Plan, Tally
from telbill.batch.spill import SpillFolder, spill_base
from telbill.batch.workers import Workers
from telbill.constants import DEFAULT_ANOMALIES, DEFAULT_OUT
from telbill.errors import DataError, InputFileError, SaveCutShortError, UsageError
from telbill.files import access
from telbill.files.access import input_error, write_together
from telbill.files.dataset import DataPaths, LoadProgress, load_tariff, load_users_file
from telbill.files.decoding import encode
from telbill.files.outputs import check_outputs, same_file
from telbill.files.report import (
    CSV_HEAD,
    RunInfo,
    TextCache,
    anomalies_head,
    bills_head,
    column_widths,
    month_section,
    totals_cells,
    user_columns,
)
from telbill.files.stream import LineBlocks
from telbill.processes import process_count
from telbill.rules.billing import grand_total
from telbill.rules.fields import parse_month
from telbill.rules.screening import AnomalyCode
from telbill.speed import paused_gc
from telbill.text.display import quote
from telbill.text.i18n import Tr

if TYPE_CHECKING:
    from telbill.batch.cluster import Address

PhaseFn = Callable[[str], None]
"""Told the name of each phase after reading as it begins: screen, rate, write (in a run in
partitions: split, before its first pass, then bill and write; on a cluster, cluster first, while
it starts or is reached)."""


class Shares(Protocol):
    """The parts of a run as the files are written from them (:class:`Workers`, :class:`Partitioned`)."""

    def tally(self) -> Tally: ...

    def send(self, layout: Layout) -> None: ...

    def bill_rows(self, layout: Layout, i: int, texts: TextCache) -> Iterator[bytes]: ...

    def csv_rows(self, layout: Layout, i: int, texts: TextCache) -> Iterator[bytes]: ...

    def anomalies(self, head: bytes) -> Iterable[bytes]: ...

    def finish(self) -> None: ...


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """What ``telbill bill`` was asked to do."""

    paths: DataPaths = field(default_factory=DataPaths)
    month: str | None = None
    out: Path = DEFAULT_OUT
    anomalies: Path = DEFAULT_ANOMALIES
    csv: Path | None = None
    force: bool = False
    """Replace existing outputs that telbill did not write (never an input)."""
    processes: int | None = None
    """How many processes share the work; ``None``: as many as pay on this machine
    (see :func:`telbill.processes.process_count`)."""
    memory: int | None = None
    """The memory budget in bytes (``--memory``); ``None``: a share of the available memory
    (see :func:`telbill.batch.budget.default_budget`)."""
    cluster: str | None = None
    """Bill on this Dask cluster (``--cluster``: a scheduler's address, ``local`` or ``local:N``)."""


@dataclass(slots=True)
class BatchResult:
    """What the run did, for the summary."""

    calls: Path
    records: int
    billed: int
    counts: dict[AnomalyCode, int]
    """Records set aside per code (every code present, maybe 0)."""
    months: list[str]
    """The billed months, oldest first."""
    grand_total: int
    """Every row of every month, in fen."""
    written: list[Path]
    encodings: dict[str, str]
    """Path text → ``utf-8``, ``gb18030``, ``utf-16`` or ``mixed``."""
    processes: int = 1
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per phase: read, screen, rate, write (and total)."""
    month_calls: dict[str, int] = field(default_factory=dict)
    """Each billed month → how many billed calls start in it (0 for a month named with none)."""
    partitions: int = 0
    """How many partitions on disk the records were billed in (0: all in memory)."""
    budget: int = 0
    """The memory budget, in bytes."""
    cluster: str = ""
    """The Dask cluster the partitions were billed on (empty: this machine)."""
    workers: tuple[int, int] = (0, 0)
    """The cluster's workers and worker threads."""

    @property
    def set_aside(self) -> int:
        return sum(self.counts.values())


def _refuse_outputs(opts: BatchOptions) -> BatchOptions:
    """Before anything is read or written: no output over an input or a file not telbill's own.
    Returns ``opts`` with each output where it will be written (through its links,
    :func:`~telbill.files.access.output_file`)."""
    if same_file(opts.paths.users, opts.paths.calls):
        raise InputFileError("input.same", path=str(opts.paths.calls))
    targets = dataclasses.replace(opts, out=access.output_file(opts.out), anomalies=access.output_file(opts.anomalies),
                                  csv=None if opts.csv is None else access.output_file(opts.csv))
    outputs = [p for p in (opts.out, opts.anomalies, opts.csv) if p is not None]
    check_outputs(outputs, opts.paths.protected(), force=opts.force)
    return targets


def run_batch(
    opts: BatchOptions,
    tr: Tr,
    progress: LoadProgress | None = None,
    now: datetime | None = None,
    on_phase: PhaseFn | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> BatchResult:
    """Bill everything and write the files; raises TelbillError subclasses.

    ``progress`` follows the reading of calls.txt line by line; ``on_phase`` is
    told when each later phase (``screen``, ``rate``, ``write``) begins;
    ``on_dashboard``, the link to a Dask cluster's dashboard when one is running.
    """
    if opts.month is not None and parse_month(opts.month) is None:
        raise UsageError("usage.month", value=quote(opts.month))
    address = None
    if opts.cluster is not None:
        from telbill.batch.cluster import Address

        address = Address.parse(opts.cluster)
    targets = _refuse_outputs(opts)
    outputs = [p for p in (targets.out, targets.anomalies, targets.csv) if p is not None]
    with access.writing(outputs), paused_gc():  # another run writing the same files: one waits for the other
        result = _run(targets, tr, progress, now, on_phase or _no_phase, on_dashboard, address)
    result.written = [p for p in (opts.out, opts.anomalies, opts.csv) if p is not None]  # as the user named them
    return result


def _no_phase(name: str) -> None:
    """The default phase listener: nothing to show."""


def _plan(opts: BatchOptions, tr: Tr) -> tuple[Plan, str | None, dict[str, str], Sizing]:
    """Read the tariff and users.txt (stopping at a bad users line), split the work, and
    size it to the memory budget."""
    tariff, tariff_source = load_tariff(opts.paths.tariff_path())
    paths = opts.paths
    if paths.users == paths.calls:
        raise InputFileError("input.same", path=str(paths.users))
    users_file, users_format = load_users_file(paths.users)
    if users_file.problems:
        raise DataError("users.stop", users_file.problems, encodings={str(paths.users): users_format.family},
                        source=str(paths.users),
                        count=len(users_file.problems))
    try:
        size = paths.calls.stat().st_size
    except OSError as exc:
        raise input_error(paths.calls, exc) from None
    processes = process_count(size, opts.processes)
    plan = Plan.make(list(users_file.users), paths.calls, tariff, opts.month, tr, processes)
    budget = opts.memory if opts.memory is not None else default_budget()
    return plan, tariff_source, {str(paths.users): users_format.family}, sizing(
        budget, estimated_records(paths.calls, size), processes)


def _run(opts: BatchOptions, tr: Tr, progress: LoadProgress | None, now: datetime | None,
         on_phase: PhaseFn, on_dashboard: Callable[[str], None] | None, address: Address | None) -> BatchResult:
    """The steps of a run: lock the inputs, plan the parts, read and screen (or split and bill) them
    with one of three engines, rate, write the files."""
    t0 = time.perf_counter()
    with contextlib.ExitStack() as held:
        run = _Run(opts, progress, on_phase, held, t0)
        run.lock_inputs()
        plan, tariff_source, encodings, sized = _plan(opts, tr)
        if address is not None:
            engine = run.on_cluster(plan, sized, address, on_dashboard)
        elif sized.partitioned:
            engine = run.in_partitions(plan, sized)
        else:
            engine = run.in_memory(plan)
        parts = engine.parts
        tally = parts.tally()  # waits for the workers
        layout = _layout(plan, tally, opts.csv is not None)
        parts.send(layout)
        t3 = time.perf_counter()
        run.timings["rate"] = t3 - engine.ready
        on_phase("write")
        info = RunInfo(
            users_source=str(opts.paths.users), users=len(plan.users),
            calls_source=str(opts.paths.calls), records=tally.records,
            billed=tally.billed, set_aside=tally.set_aside,
            tariff_source=tariff_source,
            generated=now or datetime.now(),
        )
        grand_total = _grand_total(plan, tally, layout)
        written = _write(opts, tr, plan, parts, layout, tally, info, grand_total)
        parts.finish()
    timings = run.timings
    timings["write"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    encodings[str(opts.paths.calls)] = tally.encoding
    return BatchResult(opts.paths.calls, tally.records, tally.billed, dict(tally.counts), layout.months, grand_total,
                       written, encodings, plan.parts, timings, dict(tally.month_calls), engine.partitions,
                       sized.budget, engine.cluster, engine.workers)


@dataclass(frozen=True, slots=True)
class _Engine:
    """The parts of a run once an engine has read and screened them (or split and billed them):
    the files are written from them."""

    parts: Shares
    ready: float
    """When they were (:func:`time.perf_counter`): the rate phase is timed from here."""
    partitions: int = 0
    """How many partitions on disk the records were billed in (0: all in memory)."""
    cluster: str = ""
    """The Dask cluster they were billed on (empty: this machine)."""
    workers: tuple[int, int] = (0, 0)
    """The cluster's workers and worker threads."""


class _Run:
    """What the steps of one run share: its options and listeners, what it holds open until it ends
    (``held``: its processes, its spill folder, the read locks), and its timings from ``t0``.

    Each engine starts here: :meth:`on_cluster` (a Dask cluster's tasks), :meth:`in_partitions`
    (partitions on disk, forked workers), :meth:`in_memory` (parts in forked workers)."""

    def __init__(self, opts: BatchOptions, progress: LoadProgress | None, on_phase: PhaseFn,
                 held: contextlib.ExitStack, t0: float) -> None:
        self.opts, self.progress, self.on_phase, self.held, self.t0 = opts, progress, on_phase, held, t0
        self.timings: dict[str, float] = {}
        self.reading = contextlib.ExitStack()
        """The data files' read locks, let go once calls.txt is read (or split)."""
        held.callback(self.reading.close)

    def lock_inputs(self) -> None:
        """Read both data files under shared locks, let go once calls.txt is read: never one of
        them before a menu save and the other after it."""
        paths = self.opts.paths
        self.reading.enter_context(access.reading([paths.users, paths.calls]))
        for path in (paths.users, paths.calls):
            if access.journals_left([path]):  # a save that held the files while this run waited was killed half way
                raise SaveCutShortError("batch.save_cut_short", path=str(path))

    def on_cluster(self, plan: Plan, sized: Sizing, address: Address,
                   on_dashboard: Callable[[str], None] | None) -> _Engine:
        """Start or reach the Dask cluster (timed apart: not reading time), then split and bill on its
        tasks, which read the files by their absolute paths."""
        from telbill.batch.cluster import Clustered, spill_said

        plan = dataclasses.replace(plan, calls=Path(os.path.abspath(plan.calls)))
        with spill_said():
            folder = self.held.enter_context(SpillFolder(spill_base(self.opts.out, shared=True)))
        self.on_phase("cluster")
        started = time.perf_counter()
        clustered = self.held.enter_context(Clustered(plan, address, sized.records, folder.path))
        link = clustered.dashboard()
        if link is not None and on_dashboard is not None:
            on_dashboard(link)
        clustered.check_shared()
        self.timings["cluster"] = time.perf_counter() - started  # told apart: not reading time
        progress = self.progress
        ready = self._split_then_bill(lambda: clustered.split(progress), lambda: clustered.bill(progress),
                                      started + self.timings["cluster"])
        return _Engine(clustered, ready, len(clustered.made), str(address),
                       (clustered.workers.count, clustered.workers.threads))

    def in_partitions(self, plan: Plan, sized: Sizing) -> _Engine:
        """Split calls.txt's lines by caller into spill files, then bill the partitions, on forked workers."""
        total = self._lines()
        folder = self.held.enter_context(SpillFolder(spill_base(self.opts.out)))
        partitioned = self.held.enter_context(Partitioned(plan, sized, folder.path))
        progress = self.progress
        ready = self._split_then_bill(lambda: partitioned.split(progress, total), lambda: partitioned.bill(progress),
                                      self.t0)
        return _Engine(partitioned, ready, len(partitioned.made))

    def in_memory(self, plan: Plan) -> _Engine:
        """Read calls.txt into the parts, one per forked worker, then sweep each part for overlaps."""
        total = self._lines()
        report = None
        if self.progress is not None:
            reporting = self.progress

            def report(done: int) -> None:
                reporting(done, total)

        workers = self.held.enter_context(Workers(plan))
        workers.read(report)
        self.reading.close()
        t1 = time.perf_counter()
        self.timings["read"] = t1 - self.t0
        self.on_phase("screen")
        workers.sweep()
        t2 = time.perf_counter()
        self.timings["screen"] = t2 - t1
        self.on_phase("rate")
        return _Engine(workers, t2)

    def _lines(self) -> int:
        """How many lines calls.txt has, for the progress shown (0: none is shown)."""
        return LineBlocks(self.opts.paths.calls).count_lines() if self.progress is not None else 0

    def _split_then_bill(self, split: Callable[[], None], bill: Callable[[], None], t0: float) -> float:
        """A run in partitions (on this machine or on a cluster): the split pass, then calls.txt's read
        locks let go, then the bill pass; each timed (the split from ``t0``). Returns when the bill
        pass ended."""
        self.on_phase("split")
        split()
        self.reading.close()
        t1 = time.perf_counter()
        self.timings["split"] = t1 - t0
        self.on_phase("bill")
        bill()
        t2 = time.perf_counter()
        self.timings["bill"] = t2 - t1
        return t2


def _write(opts: BatchOptions, tr: Tr, plan: Plan, parts: Shares, layout: Layout, tally: Tally, info: RunInfo,
           grand_total: int) -> list[Path]:
    """Write the files, all or none: each to a temporary file before any is renamed into place, so a
    failure or Ctrl-C leaves all the old outputs as they were. Each file is made a chunk at a time
    while it is being written, so no text is held whole. Returns the files written."""
    files: list[tuple[Path, Iterable[bytes]]] = [
        (opts.out, _bill_chunks(plan, parts, layout, tally, info, grand_total)),
        (opts.anomalies, parts.anomalies(encode(anomalies_head(info, tr, tally.counts)))),
    ]
    if opts.csv is not None:
        files.append((opts.csv, _csv_chunks(parts, layout)))
    write_together(files)
    return [path for path, _ in files]


def _sums(plan: Plan) -> tuple[int, int]:
    """All subscribers' rent and feature fee, in fen."""
    return sum(u.rent for u in plan.users), sum(u.feature for u in plan.users)


def _layout(plan: Plan, tally: Tally, csv: bool) -> Layout:
    """The billed months and each month's column widths, from every part's totals."""
    months = sorted(tally.months)
    rent, feature = _sums(plan)
    fixed = TextCache().fixed_widths(user_columns(plan.users)) if plan.users else [0, 0, 0, 0]
    widths = [column_widths(plan.tr, totals_cells(plan.tr, rent, feature, *tally.months[m]), fixed)
              for m in months]
    return Layout(months, widths, csv)


def _grand_total(plan: Plan, tally: Tally, layout: Layout) -> int:
    rent, feature = _sums(plan)
    return grand_total(rent, feature, map(tally.months.__getitem__, layout.months))


def _bill_chunks(plan: Plan, parts: Shares, layout: Layout, tally: Tally, info: RunInfo,
                 grand_total: int) -> Iterator[bytes]:
    """The bill-detail file, a month at a time (each part's rows in users.txt order)."""
    tr = plan.tr
    yield encode(bills_head(info, tr, len(layout.months), grand_total))
    rent, feature = _sums(plan)
    texts = TextCache()
    for i, month in enumerate(layout.months):
        totals = totals_cells(tr, rent, feature, *tally.months[month])
        yield from month_section(tr, month, layout.widths[i], parts.bill_rows(layout, i, texts), totals)


def _csv_chunks(parts: Shares, layout: Layout) -> Iterator[bytes]:
    yield CSV_HEAD.encode()
    texts = TextCache()
    for i in range(len(layout.months)):
        yield from parts.csv_rows(layout, i, texts)
