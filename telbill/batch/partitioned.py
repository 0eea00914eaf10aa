"""A batch run in partitions: its processes, pass by pass (see :mod:`telbill.batch.partition`).

This process and the forked workers (:class:`~telbill.batch.team.Remote`)
share both passes:

1. each splits one piece of calls.txt (cut at line feeds,
   :meth:`~telbill.files.stream.LineBlocks.cuts`) into the buckets' spill files, the
   pieces decoded as UTF-8, or else as GB18030, as the whole file is (SPEC §1); a
   file that is neither as a whole, or UTF-16, is split by this process alone,
   read as an in-memory run reads it;
2. each bills partitions one at a time, taking the next from a queue (a pipe
   holding their numbers, the biggest first) until none is left, and removes each
   partition's spill files once it is billed; a worker keeps what each gave
   (:class:`~telbill.batch.partition.Billed`) in the spill folder.

Only this process writes the output files, from every partition's result
(:class:`~telbill.batch.merged.Merged`), with the methods :class:`~telbill.batch.workers.Workers`
has for a run in memory, so
:mod:`telbill.batch.run` writes both kinds of run alike. Workers fail, die and are
stopped as in a run in memory.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import struct
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from telbill.batch.budget import PROCESS_BYTES, Sizing
from telbill.batch.merged import Merged, merge_width
from telbill.batch.partition import (
    Billed,
    Partition,
    Split,
    bill_partition,
    bucket_count,
    load_billed,
    partition_plan,
    partitions,
    save_billed,
)
from telbill.batch.pieces import choose, split_piece, split_whole
from telbill.batch.plan import PROGRESS_EVERY, Plan
from telbill.batch.ranges import shared_anomalies
from telbill.batch.spill import SpillWriter, remove_spilled
from telbill.batch.team import Job, Remote, Team
from telbill.files.stream import LineBlocks

Progress = Callable[[int, int], None]
"""Told how much of a pass is done, and of how much."""
_TASK = struct.Struct("<i")


class Partitioned(Team, Merged):
    """All the processes of a run in partitions (this one and its workers); a context manager."""

    def __init__(self, plan: Plan, sizing: Sizing, folder: Path) -> None:
        super().__init__()
        self.plan = plan
        self.sizing = sizing
        self.folder = folder
        users = len(plan.users)
        buckets = bucket_count(users, sizing.records, sizing.partition_records, plan.parts)
        self.buckets = Plan.make(plan.users, plan.calls, plan.tariff, plan.only_month, plan.tr,
                                 bounds=[users * k // buckets for k in range(buckets + 1)])
        """The subscribers in buckets: the parts of this plan."""
        self.queue, self.tasks = os.pipe()
        """The queue of partitions to bill (read end, write end)."""
        self.splits: list[Split] = []
        self.encoding = "utf-8"
        self.made: list[Partition] = []
        self.billed: list[Billed] = []

    def jobs(self) -> list[Job]:
        return [self._job] * (self.plan.parts - 1)

    def stop(self) -> None:
        super().stop()
        for fd in (self.queue, self.tasks):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.queue = self.tasks = -1

    # -- in a worker --------------------------------------------------------------------

    def _job(self, inbox: Connection, outbox: Connection) -> None:
        """A worker's part of both passes, as this process asks."""
        os.close(self.tasks)
        self.tasks = -1
        while True:
            kind, value = inbox.recv()
            if kind == "split":
                piece, start, stop, encoding = value
                reports = _Every(lambda n: outbox.send(("progress", n)))
                outbox.send(self._split_piece(piece, start, stop, encoding, reports))
            elif kind == "bill":
                self.made = value
                plan = partition_plan(self.plan, self.made)
                while (index := self._take()) is not None:
                    save_billed(bill_partition(plan, self.made[index]), self.made[index])
                    remove_spilled(self.made[index].pieces)
                    outbox.send(("billed", index))
                outbox.send(("done", None))
                return

    def _split_piece(self, piece: int, start: int, stop: int, encoding: str,
                     progress: Callable[[int], None]) -> tuple[str, Split | None]:
        found = split_piece(self.buckets, self.folder, piece, start, stop, encoding, progress)
        return ("split", found) if found is not None else ("undecodable", None)

    def _take(self) -> int | None:
        """The next partition to bill (``None``: none is left)."""
        data = os.read(self.queue, _TASK.size)
        return _TASK.unpack(data)[0] if len(data) == _TASK.size else None

    # -- pass 1: splitting calls.txt ----------------------------------------------------------

    def split(self, progress: Progress | None = None, total: int = 0) -> None:
        """Split calls.txt into the buckets' spill files (``progress``: lines, of ``total``)."""
        cuts = LineBlocks(self.plan.calls).cuts(self.plan.parts)
        pieces = list(itertools.pairwise(cuts))
        chosen = choose(lambda encoding: self._split_pieces(pieces, encoding, progress, total)) if pieces else None
        if chosen is None:
            self._split_alone(progress, total)
            return
        self.splits, self.encoding = chosen
        if progress is not None:
            progress(sum(piece.lines for piece in self.splits), total)

    def _split_pieces(self, pieces: list[tuple[int, int]], encoding: str, progress: Progress | None,
                      total: int) -> list[Split] | None:
        """Every process splits a piece; ``None`` if one is not valid in ``encoding``."""
        asked = self.remotes[:len(pieces) - 1]
        for k, remote in enumerate(asked, 1):
            remote.outbox.send(("split", (k, *pieces[k], encoding)))
        done = [0] * len(pieces)
        pending: dict[int, tuple[str, Any]] = {}

        def report(n: int) -> None:
            done[0] = n
            for k, remote in enumerate(asked, 1):
                while k not in pending and remote.inbox.poll():
                    kind, value = remote.message()
                    if kind == "progress":
                        done[k] = value
                    else:
                        pending[k] = (kind, value)
            if progress is not None:
                progress(sum(done), total)

        results = [self._split_piece(0, *pieces[0], encoding, _Every(report))]
        for k, remote in enumerate(asked, 1):
            result = pending.pop(k, None)
            while result is None:
                kind, value = remote.message()
                if kind == "progress":
                    done[k] = value
                    if progress is not None:
                        progress(sum(done), total)
                else:
                    result = kind, value
            results.append(result)
        splits = [value for kind, value in results if kind == "split" and value is not None]
        return splits if len(splits) == len(results) else None

    def _split_alone(self, progress: Progress | None, total: int) -> None:
        """Split the whole file here, decoded as :class:`LineBlocks` decides (a mixed or UTF-16 file)."""
        for k in range(1, len(self.remotes) + 1):
            SpillWriter(self.folder, k).discard()
        report = _Every(lambda n: progress(n, total)) if progress is not None else None
        found, self.encoding = split_whole(self.buckets, self.folder, report)
        self.splits = [found]

    # -- pass 2: billing the partitions -----------------------------------------------------

    def bill(self, progress: Progress | None = None) -> None:
        """Bill every partition, here and in the workers (``progress``: records, of all)."""
        self.made = made = partitions(self.folder, self.buckets.bounds, self.splits, self.sizing.partition_records,
                                      self.plan.parts)
        plan = partition_plan(self.plan, made)
        for remote in self.remotes:
            remote.outbox.send(("bill", made))
        biggest_first = sorted(range(len(made)), key=lambda i: -made[i].records)
        os.write(self.tasks, b"".join(map(_TASK.pack, biggest_first)))
        os.close(self.tasks)
        self.tasks = -1
        total = sum(p.records for p in made)
        done = 0

        def note(index: int) -> None:
            nonlocal done
            done += made[index].records
            if progress is not None:
                progress(done, total)

        if progress is not None:
            progress(0, total)
        billed: dict[int, Billed] = {}
        ended: set[int] = set()

        def heard(k: int, remote: Remote) -> None:
            kind, value = remote.message()
            if kind == "billed":
                note(value)
            elif kind == "done":
                ended.add(k)
                remote.wait_ended()
            else:
                raise remote._died()

        while (index := self._take()) is not None:
            billed[index] = bill_partition(plan, made[index])
            remove_spilled(made[index].pieces)
            note(index)
            for k, remote in enumerate(self.remotes):
                while k not in ended and remote.inbox.poll():
                    heard(k, remote)
        for k, remote in enumerate(self.remotes):
            while k not in ended:
                heard(k, remote)
        self.billed = [billed[i] if i in billed else load_billed(made[i]) for i in range(len(made))]

    # -- writing the files ----------------------------------------------------------------

    def merge_room(self) -> int:
        """The budget, less what the processes cost before they hold any record."""
        return self.sizing.budget - PROCESS_BYTES * self.plan.parts

    def anomalies(self, head: bytes) -> Iterable[bytes]:
        """The anomalies file (as :meth:`Merged.anomalies`), its line ranges written by every process
        at once where it is worth it (:mod:`telbill.batch.ranges`) and fits in :meth:`merge_room`:
        each of them holds a chunk of every partition's file, as one merge of them all does."""
        files = sum(billed.anomalies is not None for billed in self.billed)
        if files * self.plan.parts <= merge_width(self.merge_room()):
            shared = shared_anomalies(self, self.billed, head, self.plan.parts)
            if shared is not None:
                return shared
        return super().anomalies(head)


class _Every:
    """A progress callback passed on once every :data:`PROGRESS_EVERY` lines (and at the end)."""

    def __init__(self, tell: Callable[[int], None]) -> None:
        self.tell = tell
        self.next = PROGRESS_EVERY

    def __call__(self, done: int) -> None:
        if done >= self.next:
            self.tell(done)
            self.next = done + PROGRESS_EVERY
