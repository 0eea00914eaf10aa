"""Splitting calls.txt into the buckets' spill files a piece (a byte range) at a time, in any process.

A piece is a byte range of calls.txt cut at line feeds
(:meth:`~telbill.files.stream.LineBlocks.cuts`); its lines are numbered from 1, and
the partitions add the lines of the pieces before it (:func:`telbill.batch.partition.partitions`).
The encoding is the whole file's (SPEC §1), decided as :class:`~telbill.files.stream.LineBlocks`
decides it (:func:`choose`): every piece is split as UTF-8; if one is not valid UTF-8 they are
all split again as GB18030; pieces valid both ways are read as the weighing of all of them
together says. A file valid in neither as a whole, or UTF-16 (its line feeds are two bytes),
is split whole, as one piece, read as an in-memory run reads it (:func:`split_whole`).

Both the forked workers (:mod:`telbill.batch.partitioned`) and a Dask cluster's
(:mod:`telbill.batch.cluster`) call these; a piece split again (its task run a second time)
first removes what it wrote before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from telbill.batch.partition import Split, SplitProgress, split
from telbill.batch.plan import Plan
from telbill.batch.spill import SpillWriter
from telbill.files.decoding import FileFormat
from telbill.files.stream import STREAMED, EncodingChanged, LineBlocks, Undecodable, decided

SplitAll = Callable[[str], "list[Split] | None"]
"""Splits every piece as the encoding it is given; ``None`` if one piece is not valid in it."""


def split_piece(buckets: Plan, folder: Path, piece: int, start: int, stop: int, encoding: str,
                progress: SplitProgress | None = None) -> Split | None:
    """Split bytes ``start`` to ``stop`` of calls.txt (piece number ``piece``) decoded as ``encoding``
    into ``folder``'s spill files, one per part of ``buckets``; ``None`` (and nothing written) when
    the piece is not valid in ``encoding``."""
    writer = SpillWriter(folder, piece)
    writer.discard()
    lines = LineBlocks(buckets.calls)
    try:
        found = split(buckets, lines.piece(start, stop, encoding), writer, progress=progress)
    except Undecodable:
        writer.discard()
        return None
    return dataclasses.replace(found, bom=lines.format.bom, readings=lines.readings)


def split_whole(buckets: Plan, folder: Path, progress: SplitProgress | None = None) -> tuple[Split, str]:
    """Split the whole of calls.txt as piece 0, decoded as :class:`LineBlocks` decides (a mixed or
    UTF-16 file); with the encoding family it was read in."""
    lines = LineBlocks(buckets.calls)
    writer = SpillWriter(folder, 0)
    writer.discard()
    while True:
        try:
            found = split(buckets, lines.blocks(), writer, lines.unreadable, progress)
            return found, lines.format.family
        except EncodingChanged:  # the file is not UTF-8 after all: again, as it really is
            writer.discard()


def choose(split_all: SplitAll) -> tuple[list[Split], str] | None:
    """Split every piece as the whole file is read (see the module): the pieces' splits and the
    encoding family; ``None`` when the file is valid neither as UTF-8 nor as GB18030 (then it is
    split whole, :func:`split_whole`)."""
    also = None  # read as GB18030 after UTF-8 was weighed: the other reading it had
    for encoding in STREAMED:
        splits = split_all(encoding)
        if splits is None:  # a piece is not valid in this encoding: neither is the file
            continue
        if encoding == "utf-8":
            chosen, also = decided(splits[0].bom, [piece.readings for piece in splits])
            if chosen != encoding:  # valid both ways, and GB18030 reads better: again as that
                continue
        return splits, FileFormat(encoding, splits[0].bom, also=also).family
    return None
