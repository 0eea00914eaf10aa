"""The anomalies file of a run in partitions, written by all its processes at once: a range of line numbers each.

Once every partition is billed, a run's workers would wait while this process writes the
files, and most of that time goes to the anomalies file (some 30M set-aside lines at 100M
calls: merging every partition's lines in line order, then the write calls). So its line
numbers are cut into as many ranges as the run has processes, each holding about as many
set-aside lines (:func:`cuts`). This process writes the file's header and merges and writes
the first range; a worker forked for each other range merges it and writes it into the same
temporary file, from the byte where the range begins: the header and every partition's
lines before the range's first number, which each partition's
:class:`~telbill.batch.spill.ChunkIndex` tells but for one chunk, read (:func:`bytes_before`).
The file is complete once every worker has said where its range ended, each where the next
begins; it is then fsynced and renamed as any other (:class:`telbill.files.shared.SharedFile`):
an error or Ctrl-C in any process replaces no output and leaves no temporary file.

Each process holds a chunk of each partition at a time, as one merging the whole file does.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from telbill.batch.anomaly_merge import AnomalyChunks, merge_anomalies
from telbill.batch.partition import Billed
from telbill.batch.spill import read_chunks
from telbill.batch.team import Job, Remote, Team
from telbill.errors import InternalError
from telbill.files.access import write_at

SHARED_LINES = 200_000
"""Fewer set-aside lines than this are all written by this process: forking a worker costs a few
milliseconds and waiting for it some tens, merging and writing a line about half a microsecond
(benchmarks/history/round-7b-write-phase-shared.md)."""
PARTITION_LINES = 25_000
"""Nor are they shared when the partitions that set lines aside hold fewer than this each, on
average: each partition costs about a millisecond more per process (where its range begins, a
chunk read and cut at each end of a range), and each process holds a chunk of each, some 1.7 MiB
(at 256 and 512 partitions of 15,000 and 7,500 lines, sharing gained a fifth of the wall on a
quiet host for a fifth more CPU, lost on a busy one, and doubled a merge's memory of 460-890 MiB)."""


def between(billed: Billed, first: int, stop: int | None) -> AnomalyChunks:
    """A partition's set-aside lines numbered from ``first`` up to ``stop`` (``None``: to the end),
    a chunk at a time, read from the chunk that holds ``first``."""
    index = billed.chunks
    if billed.anomalies is None or index is None:
        return
    at = max(0, bisect_left(index.firsts, first) - 1)
    for numbers, pieces in read_chunks(billed.anomalies, index.offsets[at]):
        if stop is not None and numbers[0] >= stop:
            return
        if numbers[0] >= first and (stop is None or numbers[-1] < stop):
            yield numbers, pieces
            continue
        begin = bisect_left(numbers, first)
        end = len(numbers) if stop is None else bisect_left(numbers, stop)
        if begin < end:  # a chunk the range begins or ends in
            lines = b"".join(pieces).split(b"\n")
            yield numbers[begin:end], [b"\n".join([*lines[begin:end], b""])]


def bytes_before(billed: Billed, number: int) -> int:
    """How many bytes of the anomalies file a partition's set-aside lines numbered below ``number`` make."""
    index = billed.chunks
    if billed.anomalies is None or index is None:
        return 0
    at = bisect_left(index.firsts, number) - 1  # the last chunk that starts below it
    if at < 0:
        return 0
    numbers, pieces = next(read_chunks(billed.anomalies, index.offsets[at]))
    text = b"".join(pieces)
    rest = text.split(b"\n", bisect_left(numbers, number))[-1]  # what follows the lines below it
    return index.sizes[at] + len(text) - len(rest)


def cuts(billed: Sequence[Billed], ranges: int) -> list[int]:
    """The first line numbers of the ranges after the first, at most ``ranges - 1`` of them,
    increasing: each range about as many set-aside lines (counted by whole chunks: off by at
    most a chunk a partition)."""
    starts = sorted((index.firsts[k], index.lines[k + 1] - index.lines[k])
                    for index in (b.chunks for b in billed) if index is not None for k in range(len(index.firsts)))
    total = sum(count for _, count in starts)
    found: list[int] = []
    taken = 0
    for first, count in starts:
        if len(found) == ranges - 1:
            break
        if taken * ranges >= total * (len(found) + 1) and (not found or first > found[-1]):
            found.append(first)
        taken += count
    return found


class SharedAnomalies:
    """The anomalies file of a run in partitions, its line ranges after the first written by
    workers forked into ``team`` (a :class:`~telbill.files.shared.SharedFile`; see the module)."""

    def __init__(self, team: Team, billed: list[Billed], head: bytes, starts: list[int]) -> None:
        self.team = team
        self.billed = billed
        self.head = head
        self.ranges: list[tuple[int, int | None]] = list(zip([1, *starts], [*starts, None], strict=True))
        """Each range's first line number and the first after it (``None``: the end)."""
        self.offsets = [len(head) + sum(bytes_before(b, number) for b in billed) for number in starts]
        """The byte each range after the first begins at."""
        self.end = len(head) + sum(b.chunks.sizes[-1] for b in billed if b.chunks is not None)
        self.writers: list[Remote] = []

    def _lines(self, first: int, stop: int | None) -> Iterator[bytes]:
        return merge_anomalies([between(b, first, stop) for b in self.billed])

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield from self._lines(*self.ranges[0])

    def start(self, fd: int, path: Path) -> None:
        for (first, stop), offset in zip(self.ranges[1:], self.offsets):
            # one of the team's from the instant it is forked: stopped with it too, whatever happens
            self.writers.append(Remote(self._job(fd, path, first, stop, offset), self.team))

    def _job(self, fd: int, path: Path, first: int, stop: int | None, offset: int) -> Job:
        """What the worker of one range does: merge it and write it, then say where it ended."""

        def job(inbox: Connection, outbox: Connection) -> None:
            outbox.send(("written", write_at(path, fd, offset, self._lines(first, stop))))

        return job

    def wait(self, written: int) -> None:
        ends = [*self.offsets, self.end]
        if written != ends[0]:
            raise InternalError(f"the anomalies' first range ended at byte {written}, not {ends[0]}")
        waiting = dict(zip(self.writers, ends[1:]))
        while waiting:  # whichever ends first: a later range's error is said without waiting for the others
            for writer in self.team.ready(list(waiting)):
                at, end = writer.receive("written"), waiting.pop(writer)
                writer.wait_ended()
                if at != end:
                    raise InternalError(f"a range of the anomalies ended at byte {at}, not {end}")

    def stop(self) -> None:
        for writer in self.writers:
            writer.stop()


def shared_anomalies(team: Team, billed: list[Billed], head: bytes, processes: int) -> SharedAnomalies | None:
    """The anomalies file written by ``processes`` processes (:class:`SharedAnomalies`), or ``None``
    when it is not worth it: one process, fewer than :data:`SHARED_LINES` set-aside lines or
    :data:`PARTITION_LINES` a partition, or all of them in one partition (nothing to merge: its
    chunks are written as they are)."""
    indexes = [b.chunks for b in billed if b.chunks is not None]
    lines = sum(index.lines[-1] for index in indexes)
    if processes < 2 or len(indexes) < 2 or lines < SHARED_LINES or lines < PARTITION_LINES * len(indexes):
        return None
    starts = cuts(billed, processes)
    return SharedAnomalies(team, billed, head, starts) if starts else None
