"""Merging the set-aside lines of many partitions within a small budget: in rounds, a few files at
a time (telbill/batch/merged.py), never a chunk of every partition's file at once (at 10M calls
and --memory 110M, 512 partitions: 523 MiB, against 332 in rounds), with the same bytes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import telbill.batch.merged
import telbill.batch.partition
import telbill.batch.ranges
import telbill.batch.run
from telbill.batch.anomaly_merge import merge_anomalies
from telbill.batch.budget import Sizing
from telbill.batch.merged import MIN_MERGED_FILES, in_rounds, merge_width
from telbill.batch.run import BatchOptions, run_batch
from telbill.batch.spill import read_chunks
from telbill.files.dataset import DataPaths
from telbill.text.i18n import Translator

from smalldata import EVERY_KIND_USERS, interleaved_calls


class Open:
    """How many files of set-aside lines are being read at once, at most."""

    def __init__(self) -> None:
        self.now = self.most = 0

    def counting(self, read: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def counted(*args: Any) -> Iterator[Any]:
            self.now += 1
            self.most = max(self.most, self.now)
            try:
                yield from read(*args)
            finally:
                self.now -= 1

        return counted


@pytest.fixture(autouse=True)
def _no_tmpdir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)


def files(folder: Path, memory: int | None, processes: int = 1) -> dict[str, bytes]:
    out = folder / f"out-{memory}-{processes}"
    result = run_batch(BatchOptions(paths=DataPaths(folder / "u.txt", folder / "c.txt", None), out=out / "bills.txt",
                                    anomalies=out / "anomalies.txt", processes=processes, memory=memory),
                       Translator("en"))
    assert (result.partitions > 0) == (memory is not None)
    return {path.name: b"\n".join(line for line in path.read_bytes().split(b"\n") if not line.startswith(b"# generated"))
            for path in out.iterdir()}


@pytest.mark.parametrize("users", [5, 48])
def test_many_partitions_are_merged_a_few_files_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            users: int) -> None:
    """A budget of 1 byte: every caller a partition (48 with set-aside lines), merged MIN_MERGED_FILES
    files at a time, in rounds; the files are those of a run in memory, and no file of a round is left."""
    (tmp_path / "u.txt").write_text(EVERY_KIND_USERS + "".join(f"{83470100 + k}  User {k}  25.00  6.00\n"
                                                               for k in range(users)), "utf-8")
    (tmp_path / "c.txt").write_text(interleaved_calls(users, 24), "utf-8")
    in_memory = files(tmp_path, None)
    opened = Open()
    monkeypatch.setattr(telbill.batch.partition, "read_chunks", opened.counting(telbill.batch.partition.read_chunks))
    monkeypatch.setattr(telbill.batch.merged, "read_chunks", opened.counting(read_chunks), raising=False)
    monkeypatch.setattr(telbill.batch.partition, "ANOMALY_CHUNK", 7)  # several chunks a file
    assert files(tmp_path, 1) == in_memory
    assert opened.most <= MIN_MERGED_FILES
    assert opened.most == min(users, MIN_MERGED_FILES)
    assert not list(tmp_path.rglob("merge*.anomalies"))


def test_merge_width_follows_the_room() -> None:
    """A chunk of each file takes 1.6 MB: a budget of 1 GiB merges the most partitions a run has
    (512) at once, with no round; none merges fewer than MIN_MERGED_FILES at once."""
    assert merge_width(-1) == MIN_MERGED_FILES
    assert merge_width(14 << 20) == 9
    assert merge_width(1 << 30) == 671  # more than the 512 partitions a run may have


@pytest.mark.parametrize(("streams", "width"), [(1, 4), (5, 4), (17, 4), (16, 4), (100, 7), (3, 2)])
@pytest.mark.parametrize("most", [1, 3, 1000])
def test_rounds_give_the_lines_of_one_merge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streams: int,
                                            width: int, most: int) -> None:
    """However many streams, however wide the rounds and whatever the size of their chunks: every
    line once, in line order, as one merge of them all gives."""
    monkeypatch.setattr(telbill.batch.merged, "ANOMALY_CHUNK", most)

    def chunks(k: int) -> Iterator[tuple[list[int], list[bytes]]]:
        mine = [n for n in range(50 * streams) if n * 7919 % (streams + 3) % streams == k]
        for at in range(0, len(mine), 4):
            yield mine[at:at + 4], [b"".join(b"line %d\n" % n for n in mine[at:at + 4])]

    rounds = in_rounds([chunks(k) for k in range(streams)], width, tmp_path)
    assert len(rounds) <= width
    assert b"".join(merge_anomalies(rounds)) == b"".join(merge_anomalies([chunks(k) for k in range(streams)]))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the batch runs in one process")
def test_anomalies_written_in_ranges_only_where_every_process_holding_a_chunk_of_each_file_fits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each process writing a range of the anomalies file (telbill/batch/ranges.py) holds a chunk of
    every partition's file, as many as one merge of them all: within a budget too small for that,
    the file is merged in rounds by this process alone, MIN_MERGED_FILES files at a time (the ranges
    held 23 at once here, of 50 partitions, at --memory 1); where it fits, in ranges, as before."""
    (tmp_path / "u.txt").write_text(EVERY_KIND_USERS + "".join(f"{83470100 + k}  User {k}  25.00  6.00\n"
                                                               for k in range(48)), "utf-8")
    (tmp_path / "c.txt").write_text(interleaved_calls(48, 24), "utf-8")
    in_memory = files(tmp_path, None)
    monkeypatch.setattr(telbill.batch.ranges, "SHARED_LINES", 0)
    monkeypatch.setattr(telbill.batch.ranges, "PARTITION_LINES", 0)
    shared: list[int] = []
    real = telbill.batch.ranges.SharedAnomalies.__init__

    def made(self: telbill.batch.ranges.SharedAnomalies, *args: Any) -> None:
        shared.append(len(args[1]))
        real(self, *args)

    monkeypatch.setattr(telbill.batch.ranges.SharedAnomalies, "__init__", made)
    opened = Open()
    monkeypatch.setattr(telbill.batch.ranges, "read_chunks", opened.counting(read_chunks))
    monkeypatch.setattr(telbill.batch.partition, "read_chunks", opened.counting(telbill.batch.partition.read_chunks))
    assert files(tmp_path, 1, processes=2) == in_memory
    assert (shared, opened.most) == ([], MIN_MERGED_FILES)
    monkeypatch.setattr(telbill.batch.run, "sizing", lambda budget, estimate, processes: Sizing(budget, estimate, 60))
    assert files(tmp_path, 1 << 30, processes=2) == in_memory  # room for every chunk in both processes
    assert shared and shared[0] > MIN_MERGED_FILES
