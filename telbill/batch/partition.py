"""Partitions: a batch run bigger than its memory budget, billed a part of the subscribers at a time.

Every rule of SPEC §3 and §4 looks at one caller at a time, so the subscribers can
be billed a group at a time, each group with only its own records in memory:

1. **Splitting** (:func:`split`): the lines of calls.txt (or of one piece of it)
   are routed by caller (:func:`telbill.batch.route.line_owners`) into spill files,
   one per *bucket* (a range of users.txt), each line with its line number.
2. **Partitions** (:func:`partitions`): runs of neighbouring buckets, each holding
   no more records than the budget allows a process (a bucket bigger than that,
   one caller's records, is a partition alone).
3. **Billing a partition** (:func:`bill_partition`): its lines are read, screened,
   rated and swept for overlaps by the same :class:`~telbill.batch.part.Part` as
   an in-memory run; what it gives (:class:`Billed`: its tally, its subscribers'
   fees per month, its set-aside lines in a file) is all that is kept.

The files are then written from every partition's result, in users.txt order
(bills) and line order (anomalies), byte for byte as an in-memory run writes them.
A :class:`Partition` is a plain unit of work (a range of subscribers, the files of
their lines, where its results go): steps 1 and 3 can run in any process that has
the :class:`~telbill.batch.plan.Plan`.
"""

from __future__ import annotations

import os
import pickle
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from telbill.batch.anomaly_lines import anomaly_chunks
from telbill.batch.part import Part
from telbill.batch.plan import Plan, Tally
from telbill.batch.route import line_owners
from telbill.batch.spill import (
    ChunkIndex,
    SpillFeed,
    SpillWriter,
    bucket_path,
    frame_lines,
    read_chunks,
    write_chunks,
)
from telbill.files.callreader import MAX_LINE_CHARS
from telbill.files.decoding import Readings

SplitProgress = Callable[[int], None]
"""Told how many lines of the piece have been split so far."""
MIN_BUCKETS_PER_PARTITION = 4
"""Buckets are made this many times finer than the partitions the estimate asks for, so that
partitions can be drawn to size once the true number of each bucket's lines is known."""
ANOMALY_CHUNK = 2_000
"""Set-aside lines per chunk of a partition's file: the files are merged holding a chunk of each
partition at once (a hundred partitions of chunks of 10,000 lines held some 240 MB)."""
PARTITIONS_PER_PROCESS = 4
"""At least this many partitions per process (smaller ones if the budget allows bigger): taken
one at a time, the biggest first, they leave the processes at most a small one apart at the
end (with one or two each, a process could bill twice what the other does)."""
MAX_BUCKETS = 512
"""At most this many buckets (each piece of calls.txt keeps a file open per bucket)."""


def bucket_count(users: int, records: int, partition_records: int, processes: int = 1) -> int:
    """How many buckets to split calls.txt into (see :data:`MIN_BUCKETS_PER_PARTITION` and
    :data:`PARTITIONS_PER_PROCESS`): at most :data:`MAX_BUCKETS`, and half the files a process
    may have open."""
    partitions = max(-(-records // max(1, partition_records)), PARTITIONS_PER_PROCESS * processes)
    wanted = partitions * MIN_BUCKETS_PER_PARTITION
    return max(1, min(users, wanted, MAX_BUCKETS, open_files() // 2))


def open_files() -> int:
    """How many files a process may have open (its soft limit; unknown: plenty)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return 1 << 20
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


@dataclass(frozen=True, slots=True)
class Split:
    """What splitting a piece of calls.txt found."""

    lines: int
    """Lines of the piece (the line numbers of the next piece start after them)."""
    bucket_lines: list[int]
    """Lines written per bucket."""
    bom: bool = False
    """Whether the piece starts with a byte-order mark (only the first piece can)."""
    readings: Readings | None = None
    """Read as UTF-8: the piece weighed as GB18030 too (see :func:`telbill.files.stream.decided`)."""


def split(plan: Plan, blocks: Iterator[list[str]], writer: SpillWriter, unreadable: set[int] | None = None,
          progress: SplitProgress | None = None) -> Split:
    """Route the lines of ``blocks`` by caller into ``writer``'s files, one per part of ``plan``
    (a bucket), numbered from 1; ``unreadable``: the numbers of lines valid in no encoding."""
    per_bucket = [0] * plan.parts
    number = 0
    for lines in blocks:
        huge = max(map(len, lines), default=0) > MAX_LINE_CHARS
        owners = line_owners(plan, lines, huge)
        texts: list[list[str]] = [[] for _ in range(plan.parts)]
        numbers: list[list[int]] = [[] for _ in range(plan.parts)]
        add_text = [bucket.append for bucket in texts]
        add_number = [bucket.append for bucket in numbers]
        for owner, line, n in zip(owners, lines, range(number + 1, number + 1 + len(lines))):
            add_text[owner](line)
            add_number[owner](n)
        number += len(lines)
        for bucket, (mine, theirs) in enumerate(zip(numbers, texts)):
            if mine:
                bad = [n for n in mine if n in unreadable] if unreadable else []
                text = "\n".join(theirs).encode("utf-8", "surrogatepass")
                writer.write(bucket, frame_lines(array("q", mine), text, bad))
                per_bucket[bucket] += len(mine)
        if progress is not None:
            progress(number)
    writer.close()
    return Split(number, per_bucket)


@dataclass(frozen=True, slots=True)
class Partition:
    """A plain unit of work: some subscribers, the files of their lines, where its results go."""

    index: int
    first: int
    """Its subscribers are ``users[first:stop]`` (users.txt order)."""
    stop: int
    pieces: tuple[tuple[int, tuple[Path, ...]], ...]
    """Its lines: for each piece of calls.txt, in file order, the lines before the piece and the
    spill files of the partition's buckets from it, only those that have lines (a bucket without
    any has no file; see :class:`telbill.batch.spill.SpillFeed`)."""
    records: int
    """How many lines its files hold."""
    folder: Path
    """Where its results go."""


def partitions(folder: Path, bucket_bounds: Sequence[int], splits: Sequence[Split],
               most: int, processes: int = 1) -> list[Partition]:
    """Runs of neighbouring buckets of at most ``most`` lines each (a bucket of more is one
    alone), from what splitting every piece of calls.txt found (``splits``, in file order);
    at least :data:`PARTITIONS_PER_PROCESS` per process where the buckets allow, as many for
    each process, all of about the same size, so that the processes taking them one by one end
    together: run ``r`` ends at the bucket boundary nearest ``r`` ``wanted``-ths of the lines
    (unless it would pass ``most``). Filling each run up to the average instead left a small
    run over (at 10M calls, 40 buckets of 250,000 lines: 13 runs of three and one of one, not
    ten of four), and one process billed its last run alone (1.3–1.6 s of a run of 100 s on a
    busy host; benchmarks/history/round-8-critical-path.md)."""
    offsets = [0]
    for piece in splits[:-1]:
        offsets.append(offsets[-1] + piece.lines)
    sizes = [sum(piece.bucket_lines[b] for piece in splits) for b in range(len(bucket_bounds) - 1)]
    total = sum(sizes)
    wanted = max(-(-total // max(1, most)), PARTITIONS_PER_PROCESS * processes)
    wanted = -(-wanted // processes) * processes
    runs: list[list[int]] = []
    held = done = 0
    for bucket, size in enumerate(sizes):
        # past the run's end if more of this bucket lies beyond the end than before it
        past = len(runs) < wanted and (2 * done + size) * wanted > 2 * total * len(runs)
        if not runs or held + size > most or past:
            runs.append([])
            held = 0
        runs[-1].append(bucket)
        held += size
        done += size
    made = []
    for index, run in enumerate(runs):
        pieces = tuple((offsets[k], tuple(bucket_path(folder, b, k) for b in run if piece.bucket_lines[b]))
                       for k, piece in enumerate(splits))
        made.append(Partition(index, bucket_bounds[run[0]], bucket_bounds[run[-1] + 1], pieces,
                              sum(sizes[b] for b in run), folder))
    return made


def partition_plan(plan: Plan, made: Sequence[Partition]) -> Plan:
    """``plan`` with the partitions as its parts (partition ``k`` is part ``k``)."""
    bounds = [p.first for p in made] + [made[-1].stop] if made else [0, len(plan.users)]
    return Plan.make(plan.users, plan.calls, plan.tariff, plan.only_month, plan.tr, bounds=bounds)


@dataclass(slots=True)
class Billed:
    """What billing one partition gives (small: all that is kept of it)."""

    index: int
    tally: Tally
    amounts: dict[str, tuple[array[int], array[int]]]
    """Each month with a billed call of its subscribers → their local and long-distance fen, in
    users.txt order (a month not here: none of them has a call in it)."""
    anomalies: Path | None
    """Its set-aside lines (see :func:`telbill.batch.spill.write_chunks`), if any."""
    chunks: ChunkIndex | None = None
    """Where each chunk of :attr:`anomalies` starts (there is one when there are set-aside lines)."""

    def amounts_of(self, month: str, users: int) -> tuple[Sequence[int], Sequence[int]]:
        """Its subscribers' local and long-distance fen in ``month``."""
        found = self.amounts.get(month)
        if found is None:
            zeros = [0] * users
            return zeros, zeros
        return found

    def anomaly_chunks(self) -> Iterator[tuple[list[int], list[bytes]]]:
        """Its lines of the anomalies file, a chunk at a time (as :func:`~telbill.batch.anomaly_lines.anomaly_chunks`)."""
        if self.anomalies is not None:
            yield from read_chunks(self.anomalies)


def bill_partition(plan: Plan, partition: Partition) -> Billed:
    """Bill one partition with the rules of an in-memory run; ``plan``: :func:`partition_plan`'s."""
    part = Part(plan, partition.index)
    part.read_fed(SpillFeed(partition.pieces))
    part.sweep()
    tally = part.tally()
    amounts = {month: (array("q", local), array("q", far))
               for month, (local, far) in ((m, part.amounts(m)) for m in tally.months)}
    anomalies = chunks = None
    if tally.set_aside:
        # Written under a name of this process's, then renamed: a partition billed again (its
        # task run a second time on a cluster) replaces the file whole.
        anomalies = partition.folder / f"p{partition.index:05d}.anomalies"
        making = partition.folder / f"p{partition.index:05d}.anomalies-{os.getpid()}"
        making.unlink(missing_ok=True)
        chunks = write_chunks(making, anomaly_chunks(part, ANOMALY_CHUNK))
        os.replace(making, anomalies)
    part.close()  # its records are freed on return
    return Billed(partition.index, tally, amounts, anomalies, chunks)


def save_billed(billed: Billed, partition: Partition) -> Path:
    """Keep a partition's result in its folder (for the process that writes the files)."""
    path = partition.folder / f"p{partition.index:05d}.billed"
    with open(path, "xb") as out:
        pickle.dump(billed, out, pickle.HIGHEST_PROTOCOL)
    return path


def load_billed(partition: Partition) -> Billed:
    """A partition's result that :func:`save_billed` kept."""
    with open(partition.folder / f"p{partition.index:05d}.billed", "rb") as fh:
        billed: Billed = pickle.load(fh)
    return billed
