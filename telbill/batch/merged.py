"""The three files of a run in partitions, written from every partition's result.

Whichever processes billed the partitions (forked workers, :mod:`telbill.batch.partitioned`;
a Dask cluster, :mod:`telbill.batch.cluster`), the process that writes the files holds only
each partition's :class:`~telbill.batch.partition.Billed` (its tally, its subscribers' fees
per month, the file of its set-aside lines) and writes from them, in users.txt order (bills)
and line order (anomalies, merged a chunk of each partition at a time), byte for byte as a
run in memory writes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from telbill.batch.anomaly_merge import AnomalyChunks, merge_anomalies, merge_chunks
from telbill.batch.partition import ANOMALY_CHUNK, Billed, Partition
from telbill.batch.plan import Layout, Plan, Tally
from telbill.batch.spill import read_chunks, write_chunks
from telbill.files import report
from telbill.files.report import TextCache, user_columns

MERGED_LINE_BYTES = 800
"""What merging the set-aside lines holds for each line of the chunk it holds of each file (its
bytes, its number, the run it is sorted into; measured: 523 MiB at 512 partitions of about 1,160
set-aside lines, one chunk each, at 10M calls, where a run in memory of the same files holds 100)."""
MIN_MERGED_FILES = 4
"""Files merged at once however small the budget (each round merges this many, or more)."""


def merge_width(room: int) -> int:
    """How many files of set-aside lines may be merged at once within ``room`` bytes (a chunk of
    :data:`~telbill.batch.partition.ANOMALY_CHUNK` lines of each held)."""
    return max(MIN_MERGED_FILES, room // (ANOMALY_CHUNK * MERGED_LINE_BYTES))


def in_rounds(streams: list[AnomalyChunks], width: int, folder: Path) -> list[AnomalyChunks]:
    """``streams`` (each in line order) as at most ``width`` streams: while there are more, each
    ``width`` of them are merged into a file of ``folder`` (in chunks of ANOMALY_CHUNK lines), and
    those files are merged in the next round. Each round reads and writes every line once more;
    the files of a round are removed once the next round has read them."""
    made: list[Path] = []
    rounds = 0
    while len(streams) > width:
        groups = -(-len(streams) // width)
        files = [folder / f"merge{rounds}-{k:05d}.anomalies" for k in range(groups)]
        for k, path in enumerate(files):  # groups of about the same size
            write_chunks(path, merge_chunks(streams[k * len(streams) // groups:(k + 1) * len(streams) // groups],
                                            ANOMALY_CHUNK))
        for path in made:
            path.unlink(missing_ok=True)
        made = files
        streams = [read_chunks(path) for path in files]
        rounds += 1
    return streams


class Merged:
    """The files' rows from every partition's result (see the module); for a class that sets
    :attr:`plan`, :attr:`made`, :attr:`billed` and :attr:`encoding` (a :class:`telbill.batch.run.Shares`)."""

    plan: Plan
    made: list[Partition]
    """The partitions, in users.txt order."""
    billed: list[Billed]
    """What each gave (``billed[k]`` is ``made[k]``'s)."""
    encoding: str
    """How calls.txt was read (its encoding family)."""

    def tally(self) -> Tally:
        """Every partition's tally, added up."""
        total = Tally(encoding=self.encoding)
        for billed in self.billed:
            total.add(billed.tally)
        return total

    def send(self, layout: Layout) -> None:
        """Nothing to send: this process writes every partition's rows."""

    def _columns(self, partition: Partition) -> tuple[TextCache, tuple[Any, ...]]:
        texts: dict[int, tuple[TextCache, tuple[Any, ...]]] = self.__dict__.setdefault("_texts", {})
        kept = texts.get(partition.index)
        if kept is None:
            columns = user_columns(self.plan.users[partition.first:partition.stop])
            kept = texts[partition.index] = (TextCache(), columns)
        return kept

    def bill_rows(self, layout: Layout, i: int, texts: TextCache) -> Iterator[bytes]:
        """Every partition's rows of month ``i``, in partition order (users.txt order)."""
        month = layout.months[i]
        for partition, billed in zip(self.made, self.billed):
            cache, columns = self._columns(partition)
            locals_, longs = billed.amounts_of(month, partition.stop - partition.first)
            yield report.bill_rows(cache, layout.widths[i], columns, locals_, longs)

    def csv_rows(self, layout: Layout, i: int, texts: TextCache) -> Iterator[bytes]:
        month = layout.months[i]
        for partition, billed in zip(self.made, self.billed):
            cache, columns = self._columns(partition)
            locals_, longs = billed.amounts_of(month, partition.stop - partition.first)
            yield report.csv_rows(cache, month, columns, locals_, longs)

    def merge_room(self) -> int | None:
        """The memory merging the set-aside lines may hold (``None``: as much as a chunk of every
        partition's file takes)."""
        return None

    def anomalies(self, head: bytes) -> Iterable[bytes]:
        """The anomalies file: ``head``, then every partition's set-aside lines, merged in line
        order, a chunk at a time; in rounds where a chunk of each file at once would not fit in
        :meth:`merge_room` (:func:`in_rounds`)."""
        return itertools.chain([head], self._merged())

    def _merged(self) -> Iterator[bytes]:
        streams = [billed.anomaly_chunks() for billed in self.billed]
        room = self.merge_room()
        files = [billed.anomalies for billed in self.billed if billed.anomalies is not None]
        if room is not None and len(files) > merge_width(room):
            streams = in_rounds(streams, merge_width(room), files[0].parent)
        yield from merge_anomalies(streams)

    def finish(self) -> None:
        """Nothing to wait for: every partition was billed before the files are written."""
