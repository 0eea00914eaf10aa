"""The batch bill run: load, screen, rate, write; timed phase by phase."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from telbill.billing import Bills, compute_bills
from telbill.constants import DEFAULT_ANOMALIES, DEFAULT_OUT
from telbill.dataset import DataPaths, Dataset, LoadProgress, load_dataset
from telbill.decoding import encode
from telbill.display import quote
from telbill.errors import DataError, InputFileError, UsageError
from telbill.fields import parse_month
from telbill.i18n import Tr
from telbill.loader import paused_gc
from telbill.outputs import check_outputs, same_file
from telbill.records import AnomalyCode
from telbill.report import RunInfo, bills_file_chunks, csv_chunks, format_anomalies
from telbill.screening import Screening
from telbill.storage import write_together

PhaseFn = Callable[[str], None]
"""Told the name of each phase after reading as it begins: screen, rate, write."""


@dataclass(frozen=True, slots=True)
class BatchOptions:
    """What ``telbill bill`` was asked to do."""

    paths: DataPaths = DataPaths()
    month: str | None = None
    out: Path = DEFAULT_OUT
    anomalies: Path = DEFAULT_ANOMALIES
    csv: Path | None = None
    force: bool = False
    """Replace existing outputs that telbill did not write (never an input)."""


@dataclass(slots=True)
class BatchResult:
    """What the run did, for the summary."""

    dataset: Dataset
    screening: Screening
    bills: Bills
    written: list[Path]
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per phase: read, screen, rate, write."""

    @property
    def records(self) -> int:
        return self.dataset.calls_file.records

    @property
    def counts(self) -> dict[AnomalyCode, int]:
        return self.screening.counts()


def _refuse_outputs(opts: BatchOptions) -> None:
    """Before anything is read or written: no output over an input or a file not telbill's own."""
    if same_file(opts.paths.users, opts.paths.calls):
        raise InputFileError("input.same", path=str(opts.paths.calls))
    outputs = [p for p in (opts.out, opts.anomalies, opts.csv) if p is not None]
    check_outputs(outputs, opts.paths.protected(), force=opts.force)


def run_batch(
    opts: BatchOptions,
    tr: Tr,
    progress: LoadProgress | None = None,
    now: datetime | None = None,
    on_phase: PhaseFn | None = None,
) -> BatchResult:
    """Bill everything and write the files; raises TelbillError subclasses.

    ``progress`` follows the reading of calls.txt line by line; ``on_phase`` is
    told when each later phase (``screen``, ``rate``, ``write``) begins.
    """
    if opts.month is not None and parse_month(opts.month) is None:
        raise UsageError("usage.month", value=quote(opts.month))
    _refuse_outputs(opts)
    with paused_gc():
        return _run(opts, tr, progress, now, on_phase or _no_phase)


def _no_phase(name: str) -> None:
    """The default phase listener: nothing to show."""


def _run(opts: BatchOptions, tr: Tr, progress: LoadProgress | None, now: datetime | None,
         on_phase: PhaseFn) -> BatchResult:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    # lean: a batch run never saves calls.txt, so it keeps no copy of its lines.
    dataset = load_dataset(opts.paths, progress, lean=True)
    users_file = dataset.users_file
    if users_file.problems:
        raise DataError("users.stop", users_file.problems, source=str(opts.paths.users),
                        count=len(users_file.problems))
    t1 = time.perf_counter()
    timings["read"] = t1 - t0
    on_phase("screen")
    screening = dataset.screen(lean=True)
    t2 = time.perf_counter()
    timings["screen"] = t2 - t1
    on_phase("rate")
    bills = compute_bills(users_file.users, screening.iter_valid(), dataset.tariff, opts.month)
    t3 = time.perf_counter()
    timings["rate"] = t3 - t2
    on_phase("write")
    info = RunInfo(
        users_source=str(opts.paths.users), users=len(users_file.users),
        calls_source=str(opts.paths.calls), records=dataset.calls_file.records,
        billed=screening.billed, set_aside=len(screening.anomalies),
        tariff_source=dataset.tariff_source,
        generated=(now or datetime.now()).strftime("%Y-%m-%d %H:%M:%S"),
    )
    # Every file is formatted and written to a temporary file before any is
    # renamed into place: a failure or Ctrl-C leaves all the old outputs as they were.
    # The bill file and the CSV are made a month at a time while they are being
    # written, so their text is never held whole.
    files: list[tuple[Path, bytes | Iterable[bytes]]] = [
        (opts.out, bills_file_chunks(bills, info, tr)),
        (opts.anomalies, encode(format_anomalies(screening, info, tr))),
    ]
    if opts.csv is not None:
        files.append((opts.csv, (chunk.encode("utf-8", "surrogateescape") for chunk in csv_chunks(bills))))
    write_together(files)
    written = [path for path, _ in files]
    timings["write"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    return BatchResult(dataset, screening, bills, written, timings)
