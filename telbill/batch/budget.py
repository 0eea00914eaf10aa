"""How much memory a batch run may use, and whether calls.txt is billed in memory or in partitions.

``telbill bill --memory SIZE`` sets the budget: the most the run's processes may
hold together (their proportional set sizes summed, so pages a forked worker
shares with this process count once). Without it the budget is
:data:`DEFAULT_SHARE` of the memory the machine has available when the run starts.

The run's need is estimated before anything is billed: the calls file's size
over the mean length of its first lines gives the records, and each record held
costs about :data:`RECORD_BYTES` (measured: a record read, screened and rated is
about 220 bytes, and some 50 more until its part is swept, its start, end and
callee's class kept in columns for the sweep; one set aside as an overlap about
440; the figure covers the usual mix with room to spare). A file whose records fit, at most
:data:`PARTITION_RECORDS` per process, is billed in memory; a bigger one in
partitions on disk (:mod:`telbill.batch.partition`), each small enough for every
process to bill one at a time within the budget, and none over
:data:`PARTITION_RECORDS` (bigger ones bill slower).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from telbill.errors import UsageError
from telbill.files.access import input_error, open_input
from telbill.text.display import quote

DEFAULT_SHARE = 0.5
"""The share of the machine's available memory a run may use when no ``--memory`` is given."""
RECORD_BYTES = 320
"""What a call record costs a run that holds it (see the module)."""
PROCESS_BYTES = 48 << 20
"""What a process of the run costs before it holds any record (the interpreter, telbill, the users)."""
PARTITION_RECORDS = 1_000_000
"""The most records a process holds at a time, even where the budget allows more. Measured
(2 processes, python -m benchmarks, both shapes): at 1M calls a run in memory (a part per
process) is the fastest; at 3M, partitions of about 400,000 records are as fast in a third
of the memory; at 10M, partitions of 1.25M records are 15 % faster than two parts of 5M (the
busiest process 44.6 s against 52.3 s of CPU) in 665 MiB against 2,421: the processes take
the partitions one at a time and end together, and each partition's tables stay small."""
SAMPLE_BYTES = 1 << 20
"""How much of the calls file is read to tell the mean length of its lines."""
FALLBACK_AVAILABLE = 4 << 30
"""The available memory assumed where the system does not tell it."""

_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(i?b?)\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes of a size such as ``2G``, ``512M``, ``1.5GiB`` or ``800000000`` (units are powers of 1024)."""
    m = _SIZE.fullmatch(text)
    if m is None or (m[3] and not m[2] and m[3].lower() != "b"):
        raise UsageError("usage.memory", value=quote(text))
    size = math.floor(float(m[1]) * _UNITS[m[2].lower()])
    if size < 1:
        raise UsageError("usage.memory", value=quote(text))
    return size


def available_memory() -> int:
    """Bytes of memory the machine can give without swapping (``MemAvailable`` on Linux)."""
    try:
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return FALLBACK_AVAILABLE


def default_budget() -> int:
    """The budget of a run without ``--memory``: :data:`DEFAULT_SHARE` of the available memory."""
    return int(available_memory() * DEFAULT_SHARE)


def estimated_records(path: Path, size: int) -> int:
    """About how many lines a calls file of ``size`` bytes holds, from the mean length of its
    first :data:`SAMPLE_BYTES` (at least one line)."""
    with open_input(path) as fh:
        try:
            sample = fh.read(SAMPLE_BYTES)
        except OSError as exc:
            raise input_error(path, exc) from None
    if not sample:
        return 1
    lines = sample.count(b"\n") or sample.count(b"\r") or 1
    return max(1, math.ceil(size * lines / len(sample)))


@dataclass(frozen=True, slots=True)
class Sizing:
    """How a run holds its records within its budget."""

    budget: int
    records: int
    """About how many records calls.txt holds."""
    partition_records: int
    """How many records a partition may hold (each process bills one at a time); 0: all in memory."""

    @property
    def partitioned(self) -> bool:
        return self.partition_records > 0


def sizing(budget: int, records: int, processes: int) -> Sizing:
    """In memory (a part per process) when every record fits in ``budget`` beside the processes
    themselves and no process would hold more than :data:`PARTITION_RECORDS`; else the records a
    partition may hold for ``processes`` processes to bill one each at a time."""
    room = budget - PROCESS_BYTES * processes
    if records <= PARTITION_RECORDS * processes and records * RECORD_BYTES <= room:
        return Sizing(budget, records, 0)
    return Sizing(budget, records, max(1, min(PARTITION_RECORDS, room // (RECORD_BYTES * processes))))


def format_size(size: int) -> str:
    """``2.0 GiB``, ``512 MiB``: a budget as the operator reads it."""
    for unit, name in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= unit:
            value = size / unit
            return f"{value:.1f} {name}" if value < 100 else f"{value:.0f} {name}"
    return f"{size} B"
