"""The parts' lines of the anomalies file merged in line order.

Each part (or partition, or range of partitions) gives its set-aside lines as a stream of chunks in
line order (:func:`telbill.batch.anomaly_lines.anomaly_chunks`): a chunk's line numbers and its
lines' bytes. :func:`merge_anomalies` merges the streams into the file's bytes (the parts of an
in-memory run, :mod:`telbill.batch.workers`; the partitions' files, :mod:`telbill.batch.merged` and
:mod:`telbill.batch.ranges`); :func:`merge_chunks` into chunks again, for a file merged again.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from telbill.errors import InternalError

AnomalyChunks = Iterator[tuple[list[int], list[bytes]]]


class _Lines:
    """A part's set-aside lines, a chunk at a time: the chunk's line numbers and its lines (without
    their ends), from :attr:`at` on."""

    def __init__(self, first: tuple[list[int], list[bytes]], rest: AnomalyChunks) -> None:
        self.rest = rest
        self.numbers: list[int] = []
        self.lines: list[bytes] = []
        self.at = 0
        self._take(first)

    def _take(self, chunk: tuple[list[int], list[bytes]] | None) -> bool:
        if chunk is None:
            return False
        self.numbers, pieces = chunk
        self.lines = b"".join(pieces).split(b"\n")
        self.lines.pop()
        self.at = 0
        return True

    def next_chunk(self) -> bool:
        """Go on to the next chunk; False at the end."""
        return self._take(next(self.rest, None))


def _runs_in_order(parts: list[_Lines]) -> Iterator[tuple[list[int], list[bytes], list[int]]]:
    """The lines of several parts in line order, a run at a time: every line up to the last of
    the chunk that ends first is taken from each part, and those are put in order together (a
    sort of a few runs already in order: one pass in C, not a step of Python a line). Each run
    as its line numbers, its lines and the order to take them in."""
    live = parts
    while live:
        cut = min(part.numbers[-1] for part in live)
        numbers: list[int] = []
        lines: list[bytes] = []
        for part in live:
            stop = bisect.bisect_right(part.numbers, cut, part.at)
            numbers += part.numbers[part.at:stop]
            lines += part.lines[part.at:stop]
            part.at = stop
        if not numbers:  # a chunk out of line order: no step would ever be made
            raise InternalError("set-aside lines of a part out of line order")
        yield numbers, lines, sorted(range(len(numbers)), key=numbers.__getitem__)
        live = [part for part in live if part.at < len(part.numbers) or part.next_chunk()]


def _merged_runs(parts: list[_Lines]) -> Iterator[bytes]:
    """The lines of several parts in line order (:func:`_runs_in_order`), a run's bytes at a time."""
    for _, lines, order in _runs_in_order(parts):
        # the last line's end joined in too: adding it after (``+ b"\n"``) copies the whole run
        # again, a third of the merge's time (benchmarks/history/round-6b-write-phase.md)
        yield b"\n".join([*map(lines.__getitem__, order), b""])


def merge_chunks(streams: list[AnomalyChunks], most: int) -> AnomalyChunks:
    """The set-aside lines of several parts merged in line order, as chunks of at most ``most``
    lines with their numbers (for a file that is merged again: :mod:`telbill.batch.merged`)."""
    parts = [_Lines(first, stream) for first, stream in ((next(stream, None), stream) for stream in streams)
             if first is not None]
    for numbers, lines, order in _runs_in_order(parts):
        for at in range(0, len(order), most):
            taken = order[at:at + most]
            yield [numbers[i] for i in taken], [b"\n".join([*map(lines.__getitem__, taken), b""])]


def merge_anomalies(streams: list[AnomalyChunks]) -> Iterator[bytes]:
    """The set-aside lines of several parts (each a stream of chunks in line order), merged
    in line order, a chunk at a time. Every stream is read to its end."""
    firsts = [next(stream, None) for stream in streams]
    live = [i for i, chunk in enumerate(firsts) if chunk is not None]
    if len(live) <= 1:  # one part set lines aside (or none did): no merging
        for i in live:
            chunk = firsts[i]
            assert chunk is not None
            yield from chunk[1]
            for _, pieces in streams[i]:
                yield from pieces
        for stream in streams:  # let every worker's stream reach its end
            for _ in stream:
                pass
        return
    yield from _merged_runs([_Lines(first, stream) for first, stream in zip(firsts, streams) if first is not None])
    for first, stream in zip(firsts, streams):
        if first is None:
            for _ in stream:
                pass
