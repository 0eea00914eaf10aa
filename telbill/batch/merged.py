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
from typing import Any

from telbill.batch.part import Layout, Plan, Tally
from telbill.batch.partition import Billed, Partition
from telbill.batch.workers import merge_anomalies
from telbill.files import report
from telbill.files.report import TextCache, user_columns


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

    def anomalies(self, head: bytes) -> Iterable[bytes]:
        """The anomalies file: ``head``, then every partition's set-aside lines, merged in line
        order, a chunk at a time."""
        return itertools.chain([head], merge_anomalies([billed.anomaly_chunks() for billed in self.billed]))

    def finish(self) -> None:
        """Nothing to wait for: every partition was billed before the files are written."""
