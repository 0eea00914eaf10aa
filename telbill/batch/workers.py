"""The parts of a batch run, one per process: part 0 here, the others in forked workers.

Each worker is forked before anything is read (so it shares the program's pages
with this process and starts at once). This process reads calls.txt, finds the
part of each line (by its caller) and sends each worker its lines a block at a
time through a pipe. A worker reads and screens its part of the records
(:class:`telbill.batch.part.Part`), sends back its :class:`~telbill.batch.plan.Tally`,
waits for the :class:`~telbill.batch.plan.Layout`, then sends its share of each
output file in the order the files are written: its bill rows month by month,
its set-aside lines, its CSV rows. Only this process writes files.

The forking, the pipes and a worker's failing, dying or being stopped are
:mod:`telbill.batch.team`'s (:class:`Workers` is a :class:`~telbill.batch.team.Team`):
a worker's error is raised here as the same one line as without workers, and
leaving :class:`Workers` (normally, on an error or on Ctrl-C) stops every worker
that has not finished and waits for it, so none is left behind.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection

from telbill.batch.anomaly_lines import anomaly_chunks
from telbill.batch.anomaly_merge import merge_anomalies
from telbill.batch.part import Part
from telbill.batch.plan import Layout, Plan, ProgressFn, Tally
from telbill.batch.team import Job, Team
from telbill.files.report import TextCache


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
