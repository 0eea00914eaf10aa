"""A calls file bigger than the memory budget: billed in partitions on disk, with the same files
byte for byte as a run in memory, and no spill file left behind, whatever happens."""

from __future__ import annotations

import contextlib
import gc
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import telbill.batch.partition
import telbill.batch.partitioned
import telbill.batch.pieces
import telbill.batch.run
import telbill.files.behind
from benchmarks.generate import DataSet, Shape, generate
from telbill.batch.anomaly_merge import merge_anomalies
from telbill.batch.budget import Sizing
from telbill.batch.run import BatchOptions, run_batch
from telbill.batch.spill import FEED_LINES, SPILL_PREFIX, SpillFeed, SpillFolder, SpillWriter, bucket_path, frame_lines
from telbill.cli import main
from telbill.errors import InternalError
from telbill.files.dataset import DataPaths
from telbill.text.i18n import Translator

import faults
from faults import ENOSPC, leftovers
from smalldata import EVERY_KIND_CALLS as CALLS
from smalldata import EVERY_KIND_USERS as USERS
from smalldata import every_kind_calls, interleaved_calls, only_malformed
from strategies import HOSTILE, files

NOW = datetime(2026, 1, 2, 3, 4, 5)
FORKS = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the batch runs in one process")


@pytest.fixture(autouse=True)
def _no_tmpdir(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spill folders go beside the outputs (inside the test's folder) unless a test sets TMPDIR."""
    monkeypatch.delenv("TMPDIR", raising=False)


def bill(folder: Path, users: Path, calls: Path, memory: int | None = None, processes: int | None = 1,
         month: str | None = None, lang: str = "en") -> dict[str, object]:
    """The three files a run writes and how it read calls.txt (``memory=1``: every caller in a
    partition of its own), or the error it ended with."""
    out = folder / f"out-{memory}-{processes}-{month}-{lang}"
    shutil.rmtree(out, ignore_errors=True)
    try:
        result = run_batch(BatchOptions(paths=DataPaths(users, calls, None), month=month, out=out / "bills.txt",
                                        anomalies=out / "anomalies.txt", csv=out / "bills.csv", processes=processes,
                                        memory=memory), Translator(lang), now=NOW)
    except Exception as exc:  # noqa: BLE001 - the same error in memory and in partitions
        assert not spill_folders(folder)
        return {"error": f"{type(exc).__name__}: {exc}"}
    assert (result.partitions > 0) == (memory is not None)
    assert not spill_folders(folder)
    files = {path.name: path.read_bytes() for path in sorted(out.iterdir())}
    return {"encoding": result.encodings[str(calls)], **files}


def spill_folders(folder: Path) -> list[Path]:
    return [path for path in folder.rglob(".telbill-spill*")]


def partition_size(monkeypatch: pytest.MonkeyPatch, records: int) -> None:
    """Runs with a budget plan partitions of at most ``records`` records (several callers each)."""
    monkeypatch.setattr(telbill.batch.run, "sizing", lambda budget, estimate, processes: Sizing(
        budget, estimate, records))


@pytest.mark.parametrize("month", [None, "2021-01", "1999-01"])
@pytest.mark.parametrize(("encoding", "ending", "bom"), [
    ("utf-8", "\n", False), ("utf-8", "\r\n", True), ("utf-8", "\r", False), ("gb18030", "\n", False),
    ("utf-16", "\r\n", True), ("mixed", "\n", False),
])
def test_partitions_write_the_files_a_run_in_memory_writes(tmp_path: Path, encoding: str, ending: str, bom: bool,
                                                           month: str | None) -> None:
    """Every anomaly kind, huge lines, control characters, CRLF, CR, a BOM, GB18030, UTF-16, a
    line valid in no encoding, --month: in partitions, in one process or three, the same bytes."""
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_bytes(every_kind_calls(encoding, ending, bom))
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", month=month)
    assert b"overlap" in one["anomalies.txt"] and b"a line of" in one["anomalies.txt"]  # type: ignore[operator]
    assert one["encoding"] == {"utf-16": "utf-16"}.get(encoding, encoding)
    for processes in (1, 3) if hasattr(os, "fork") else (1,):
        assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", 1, processes, month) == one


@pytest.mark.parametrize(("comment", "encoding"), [("郑爽", "gb18030+utf-8"), ("张强", "utf-8"),
                                                  ("Ωμέγα", "utf-8+gb18030")])
def test_a_file_valid_both_ways_is_weighed_whole_in_partitions(tmp_path: Path, comment: str, encoding: str) -> None:
    """A calls file valid as UTF-8 and as GB18030, cut into pieces, is read the way the whole file
    reads best (郑爽 written in GB18030 is valid UTF-8 too), as a run in memory reads it."""
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    codec = "gb18030" if encoding.startswith("gb18030") else "utf-8"
    lines = CALLS.splitlines()[:14]
    (tmp_path / "c.txt").write_bytes("".join(f"{line}  # {comment}\n" if i == 12 else f"{line}\n"
                                             for i, line in enumerate(lines * 40)).encode(codec))
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt")
    assert one["encoding"] == encoding
    for processes in (1, 3) if hasattr(os, "fork") else (1,):
        assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", 1, processes) == one


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataSet, dict[str, object]]:
    """3,000 generated calls of 40 subscribers and the files a run in memory writes of them, made
    once for the six tests below that bill them in partitions (each made both again before)."""
    folder = tmp_path_factory.mktemp("generated")
    data = generate(folder / "data", 3_000, 40, seed=9)
    return data, bill(folder, data.users, data.calls)


@pytest.mark.parametrize("records", [1, 3, 8, 1000])
def test_partitions_of_several_buckets_from_several_pieces_bill_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated: tuple[DataSet, dict[str, object]],
        records: int) -> None:
    """Partitions holding several buckets of subscribers, from several pieces of calls.txt, give
    the same files (each caller's lines in file order, the buckets' one after another)."""
    data, one = generated
    partition_size(monkeypatch, records)
    for processes in (1, 2, 3) if hasattr(os, "fork") else (1,):
        assert bill(tmp_path, data.users, data.calls, 1 << 20, processes) == one


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_partitions_of_several_buckets_whose_lines_interleave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              ending: str) -> None:
    """Partitions of several buckets each, read one bucket after another: the malformed lines and
    the lines not in the standard layout of every bucket are set aside in line order, with their
    text as written, as a run in memory writes them."""
    users = "".join(f"{83470100 + k}  User {k}  25.00  6.00\n" for k in range(48))
    (tmp_path / "u.txt").write_text(users, "utf-8")
    (tmp_path / "c.txt").write_bytes((CALLS + interleaved_calls(48, 24)).replace("\n", ending).encode())
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt")
    anomalies = one["anomalies.txt"]
    assert anomalies.count(b"malformed") > 200 and anomalies.count(b"overlap") > 200  # type: ignore[attr-defined]
    partition_size(monkeypatch, 300)
    monkeypatch.setattr(telbill.batch.partition, "ANOMALY_CHUNK", 7)  # each chunk's texts asked apart
    for processes in (1, 2) if hasattr(os, "fork") else (1,):
        assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", 1 << 20, processes) == one


@pytest.mark.parametrize("month", [None, "2021-01"])
def test_a_billed_partition_leaves_nothing_for_the_collector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             month: str | None) -> None:
    """A run holds the cyclic collector back from start to end: whatever of a partition is caught
    in a reference cycle stays until the run ends, partition after partition (its rating's fees
    and its usage were: 0.4 MiB a partition of 20,000 records, the 10M benchmark's 512 partitions
    at --memory 110M grew the run to 331 MiB). After each partition the collector finds nothing."""
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text(CALLS + interleaved_calls(48, 24), "utf-8")
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", month=month)
    billed = telbill.batch.partitioned.bill_partition
    found: list[tuple[bool, int]] = []

    def bill_partition(*args: Any) -> telbill.batch.partition.Billed:
        gc.collect()  # what the run left before it
        result = billed(*args)
        found.append((gc.isenabled(), gc.collect()))
        return result

    monkeypatch.setattr(telbill.batch.partitioned, "bill_partition", bill_partition)
    gc.collect()
    gc.freeze()  # what was there before the run is left out of each collection: 0.1 s a collection less
    try:
        assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", 1, 1, month) == one
    finally:
        gc.unfreeze()
    assert len(found) > 3 and found == [(False, 0)] * len(found)


def recorded_partitions(monkeypatch: pytest.MonkeyPatch) -> list[telbill.batch.partition.Partition]:
    """The partitions the runs that follow make (so a test can check it made the ones it means)."""
    made: list[telbill.batch.partition.Partition] = []
    drawn = telbill.batch.partitioned.partitions

    def partitions(*args: object, **kwargs: object) -> list[telbill.batch.partition.Partition]:
        found = drawn(*args, **kwargs)  # type: ignore[arg-type]
        made.extend(found)
        return found

    monkeypatch.setattr(telbill.batch.partitioned, "partitions", partitions)
    return made


@pytest.mark.parametrize("month", [None, "2021-01"])
@pytest.mark.parametrize(("encoding", "ending", "bom"), [
    ("utf-8", "\n", False), ("utf-8", "\r\n", True), ("utf-8", "\r", False), ("gb18030", "\n", False),
    ("utf-16", "\r\n", True), ("mixed", "\n", False),
])
def test_every_kind_in_partitions_of_several_buckets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str,
                                                     ending: str, bom: bool, month: str | None) -> None:
    """Every anomaly kind, lines valid in no encoding, huge lines, control characters, a BOM,
    GB18030, UTF-16 (split whole), --month, of subscribers in several buckets of one partition
    (read one bucket after another) whose lines interleave: the bytes of a run in memory."""
    # Every subscriber four times (8347k00n), each line of every kind four times in a row, for k
    # up and down in turn: the lines of a partition's buckets interleave both ways.
    (tmp_path / "u.txt").write_text("".join(line.replace("834700", f"8347{k}0") for line in USERS.splitlines(True)
                                            for k in range(4)), "utf-8")
    codec = {"utf-16": "utf-16", "gb18030": "gb18030"}.get(encoding, "utf-8")
    lines = every_kind_calls(encoding).decode(codec, "surrogateescape").split("\n")[:-1]
    text = "".join(line.replace("834700", f"8347{k}0") + ending for i, line in enumerate(lines)
                   for k in (range(4) if i % 2 else range(3, -1, -1)))
    (tmp_path / "c.txt").write_bytes((b"\xef\xbb\xbf" if bom and encoding == "utf-8" else b"")
                                     + text.encode(codec, "surrogateescape"))
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", month=month)
    if encoding == "mixed":
        assert one["anomalies.txt"].count(b"unreadable bytes") == 4  # type: ignore[attr-defined]
    made = recorded_partitions(monkeypatch)
    partition_size(monkeypatch, 40)
    monkeypatch.setattr(telbill.batch.partition, "ANOMALY_CHUNK", 3)  # the malformed lines placed apart
    for processes in (1, 2) if hasattr(os, "fork") else (1,):
        assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", 1 << 20, processes, month) == one
    several = [partition for partition in made if len(partition.pieces[0][1]) > 1]
    assert len(made) > 4 and len(several) * 2 > len(made)  # most partitions of several buckets


def test_partitions_of_several_buckets_holding_only_malformed_lines(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Partitions of several buckets whose lines are all malformed (no record to place them among):
    set aside in line order, as a run in memory sets them aside (anomaly chunks of the default size)."""
    users, calls = only_malformed(16, 3)
    (tmp_path / "u.txt").write_text(users, "utf-8")
    (tmp_path / "c.txt").write_text(calls, "utf-8")
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt")
    assert one["anomalies.txt"].count(b"malformed") == 49  # type: ignore[attr-defined]
    made = recorded_partitions(monkeypatch)
    partition_size(monkeypatch, 12)
    for processes in (1, 2) if hasattr(os, "fork") else (1,):
        assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", 1 << 20, processes) == one
    assert made and all(len(partition.pieces[0][1]) > 1 for partition in made)


@pytest.mark.parametrize("shape", [Shape.ENDS, Shape.STARTS, Shape.IDENTICAL])
def test_every_shape_of_the_benchmark_bills_the_same_in_partitions(tmp_path: Path, shape: Shape) -> None:
    """The benchmark's shapes (as calls end, sparse callers; in start order, dense callers with a
    shared prefix, one space between fields; one record repeated) bill the same in partitions."""
    data = generate(tmp_path / "data", 5_000, 60, seed=4, shape=shape)
    one = bill(tmp_path, data.users, data.calls, processes=None)
    assert bill(tmp_path, data.users, data.calls, 1, processes=None) == one


def test_the_sample_data_in_partitions_is_golden(workdir: Path) -> None:
    """The sample data billed in partitions gives the files a run in memory gives, in both languages."""
    for lang in ("en", "zh"):
        one = bill(workdir, workdir / "data/users.txt", workdir / "data/calls.txt", lang=lang)
        assert bill(workdir, workdir / "data/users.txt", workdir / "data/calls.txt", 1, 2, lang=lang) == one
    code, out, err = run("bill", "--memory", "1")
    golden = Path(__file__).parents[1] / "golden"
    assert (code, err) == (0, "")
    assert out.splitlines()[-2] == "Billed in 33 partitions on disk, within the memory budget of 1 B."
    for name, gold in (("bills.txt", "sample_bills_en.txt"), ("anomalies.txt", "sample_anomalies_en.txt")):
        kept = [line for line in (workdir / "output" / name).read_text("utf-8").splitlines(keepends=True)
                if not line.startswith("# generated:")]
        assert "".join(kept) == (golden / gold).read_text("utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.lists(st.one_of(files.map(lambda lines: "\n".join(lines).encode()), HOSTILE), max_size=6),
       st.sampled_from([b"\n", b"\r\n", b"\r"]), st.integers(1, 3))
def test_any_calls_file_bills_the_same_in_partitions(tmp_path: Path, pieces: list[bytes], ending: bytes,
                                                     processes: int) -> None:
    """Random records of every kind mixed with hostile bytes (no encoding, NUL, a BOM inside,
    huge lines, damaged UTF-16), any line ending: partitions give the same bytes as memory (or
    end in the same error)."""
    folder = Path(os.path.join(tmp_path, f"any-{time.monotonic_ns()}"))
    folder.mkdir()
    (folder / "u.txt").write_text(USERS, "utf-8")
    (folder / "c.txt").write_bytes(ending.join(b"\n".join(pieces).split(b"\n")))
    one = bill(folder, folder / "u.txt", folder / "c.txt")
    assert bill(folder, folder / "u.txt", folder / "c.txt", 1, processes if hasattr(os, "fork") else 1) == one
    shutil.rmtree(folder)


# -- the budget -------------------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--lang", "en", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("value", "size"), [("2G", 2 << 30), ("512M", 512 << 20), ("1.5GiB", 3 << 29),
                                              ("800000", 800_000), ("64kb", 64 << 10), ("1t", 1 << 40)])
def test_memory_sizes_read_as_powers_of_1024(value: str, size: int) -> None:
    """--memory takes a number of bytes with an optional K, M, G or T (powers of 1024), B or iB."""
    from telbill.batch.budget import parse_size

    assert parse_size(value) == size


@pytest.mark.parametrize("value", ["2X", "-1", "0", "", "G", "1.5.2", "2 GG", "2iB", "0.1"])
def test_a_memory_that_is_no_size_is_refused(data: Path, value: str) -> None:
    """--memory that is no size: exit 2, one line naming the value, nothing written."""
    assert run("bill", "--memory", value) == (
        2, "", f"error: --memory '{value}' is not a size like 2G, 512M or 1.5GiB\n")
    assert not (data / "output").exists()


def test_without_memory_the_budget_is_half_the_available_memory(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No --memory: half the memory the machine has available; a file that does not fit in it
    is billed in partitions, and the summary says so."""
    import telbill.batch.budget

    monkeypatch.setattr(telbill.batch.budget, "available_memory", lambda: 1 << 30)
    code, out, _ = run("bill")
    assert code == 0 and "partitions" not in out
    monkeypatch.setattr(telbill.batch.budget, "available_memory", lambda: 200 << 20)
    monkeypatch.setattr(telbill.batch.budget, "RECORD_BYTES", 20 << 20)
    code, out, _ = run("bill")
    assert (code, out.splitlines()[-2]) == (0, "Billed in 3 partitions on disk, within the memory budget of 100 MiB.")


def test_more_records_than_a_process_holds_are_billed_in_partitions(workdir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the budget too, a file of more records than PARTITION_RECORDS per process is billed
    in partitions of at most that many, at least four per process (they bill faster than two big
    parts); one of fewer records is billed in memory."""
    import telbill.batch.budget

    monkeypatch.setenv("TELBILL_WORKERS", "1")
    monkeypatch.setattr(telbill.batch.budget, "PARTITION_RECORDS", 300)
    code, out, _ = run("bill", "--memory", "1G")
    assert code == 0 and "partitions" not in out
    monkeypatch.setattr(telbill.batch.budget, "PARTITION_RECORDS", 100)
    code, out, _ = run("bill", "--memory", "1G")
    assert (code, out.splitlines()[-2]) == (0, "Billed in 4 partitions on disk, within the memory budget of 1.0 GiB.")


# -- the spill folder -------------------------------------------------------------------------


def test_the_spill_folder_goes_where_tmpdir_says(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With TMPDIR set, the partitions are spilled there (and removed); a TMPDIR that cannot hold
    them is one line, exit 2, nothing written."""
    made: list[Path] = []
    real = SpillFolder.__init__

    def spy(self: SpillFolder, base: Path) -> None:
        real(self, base)
        made.append(self.path)

    monkeypatch.setattr(SpillFolder, "__init__", spy)
    (data / "scratch").mkdir()
    monkeypatch.setenv("TMPDIR", str(data / "scratch"))
    assert run("bill", "--memory", "1")[0] == 0
    assert [path.parent for path in made] == [data / "scratch"] and not list((data / "scratch").iterdir())
    monkeypatch.setenv("TMPDIR", str(data / "none"))
    shutil.rmtree(data / "output")
    assert run("bill", "--memory", "1") == (2, "", (
        f"error: {data / 'none'}: cannot hold the partitions of a calls file bigger than the memory budget (No such "
        "file or directory); free some space, set TMPDIR to a folder with room, or give --memory more\n"))
    assert not (data / "output").exists()


@pytest.mark.parametrize("processes", [1, 2])
def test_each_partitions_spill_files_go_once_it_is_billed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          generated: tuple[DataSet, dict[str, object]],
                                                          processes: int) -> None:
    """The process that bills a partition removes its spill files (not left to the write phase):
    when the files are written only the partitions' results and set-aside lines are left, and
    the files are those of a run in memory."""
    if processes > 1 and not hasattr(os, "fork"):
        pytest.skip("no fork here")
    data, one = generated
    partition_size(monkeypatch, 300)
    left: list[list[str]] = []
    real = telbill.batch.partitioned.Partitioned.anomalies

    def spy(self: telbill.batch.partitioned.Partitioned, head: bytes) -> object:
        left.append(sorted(path.name for path in self.folder.iterdir()))
        return real(self, head)

    monkeypatch.setattr(telbill.batch.partitioned.Partitioned, "anomalies", spy)
    assert bill(tmp_path, data.users, data.calls, 1 << 20, processes) == one
    [names] = left
    assert names and all(name.startswith("p") and name.endswith((".billed", ".anomalies")) for name in names), names


@FORKS
@pytest.mark.parametrize("where", ["split", "partition_plan"])
@pytest.mark.parametrize("whose", ["parent", "worker"])
def test_an_error_in_either_pass_leaves_no_spill_file(data: Path, monkeypatch: pytest.MonkeyPatch, where: str,
                                                      whose: str, forked: Callable[[int], list[int]]) -> None:
    """A failure while splitting or billing, here or in a worker: the same one line, exit 2, no
    output file, no spill folder, no worker left."""
    monkeypatch.setenv("TELBILL_WORKERS", "2")
    monkeypatch.delenv("TELBILL_DEBUG", raising=False)
    parent = os.getpid()
    module = telbill.batch.pieces if where == "split" else telbill.batch.partitioned
    real = getattr(module, where)

    def failing(*args: object, **kwargs: object) -> object:
        if (os.getpid() == parent) == (whose == "parent"):
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, where, failing)
    assert run("bill", "--memory", "1") == (
        2, "", "internal error, please report it (set TELBILL_DEBUG=1 for details): RuntimeError: boom\n")
    assert not (data / "output").exists() and not spill_folders(data)
    assert forked(os.getpid()) == []


@pytest.mark.parametrize("processes", [1, 2])
def test_a_spill_file_gone_is_an_error_not_a_partition_billed_without_its_lines(
        data: Path, monkeypatch: pytest.MonkeyPatch, processes: int, forked: Callable[[int], list[int]]) -> None:
    """A partition lists only the spill files of buckets that have lines (a subscriber without
    calls has none), and a listed file that is gone when the partition is billed (billed a second
    time on one machine, after its files were removed; a cleaner of $TMPDIR) is an error of
    telbill's own: one line, exit 2, the outputs as they were, no spill folder or worker left.
    It was skipped, and its callers' records were neither billed nor set aside."""
    if processes > 1 and not hasattr(os, "fork"):
        pytest.skip("no fork here")
    monkeypatch.setenv("TELBILL_WORKERS", str(processes))
    monkeypatch.delenv("TELBILL_DEBUG", raising=False)
    users = data / "data/users.txt"
    users.write_text(users.read_text("utf-8") + "83470009  Idle  10.00  0\n", "utf-8")  # no calls: an empty bucket
    def written() -> dict[str, list[bytes]]:  # but when (the runs may be a second apart)
        return {path.name: [line for line in path.read_bytes().splitlines() if not line.startswith(b"# generated: ")]
                for path in (data / "output").iterdir()}

    assert run("bill")[0] == 0
    in_memory = written()
    assert run("bill", "--memory", "1")[0] == 0
    assert written() == in_memory
    before = {path.name: path.read_bytes() for path in (data / "output").iterdir()}
    real = telbill.batch.partitioned.bill_partition

    def gone(plan: object, partition: telbill.batch.partition.Partition) -> object:
        if partition.index == 0:
            next(path for _, paths in partition.pieces for path in paths if path.exists()).unlink()
        return real(plan, partition)  # type: ignore[arg-type]

    monkeypatch.setattr(telbill.batch.partitioned, "bill_partition", gone)
    code, out, err = run("bill", "--memory", "1")
    assert code == 2 and out == "", err
    assert err.startswith(f"error: {data}/output/{SPILL_PREFIX}") and err.count("\n") == 1, err
    assert err.endswith(": a spill file of this run (some of calls.txt's lines, split by caller) is gone; no file "
                        "was written: run it again\n"), err
    assert {path.name: path.read_bytes() for path in (data / "output").iterdir()} == before
    assert not spill_folders(data) and forked(os.getpid()) == []


# The batch in its own process, stopped while each process bills a partition (Ctrl-C meanwhile:
# tests/batch/test_parallel.py).
STOPPED = textwrap.dedent("""
    import os, sys, time
    import telbill.batch.partitioned, telbill.cli
    def stopped(plan, partition):
        open(f"billing-{os.getpid()}", "w").close()
        time.sleep(60)
    telbill.batch.partitioned.bill_partition = stopped
    telbill.cli.entry(["--lang", "en", "bill", "--memory", "1"])
""")


def stopped_run(folder: Path) -> subprocess.Popen[str]:
    """A run in two processes, waiting (for a minute) in its second pass."""
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
    proc = subprocess.Popen([sys.executable, "-c", STOPPED], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**env, "TELBILL_WORKERS": "2"})
    deadline = time.monotonic() + 30
    while len(list(folder.glob("billing-*"))) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return proc


@FORKS
@pytest.mark.parametrize("whom", ["group", "parent"])
def test_a_run_killed_outright_leaves_its_spill_folder_to_the_next_run(data: Path, whom: str,
                                                                       forked: Callable[[int], list[int]]) -> None:
    """kill -9 in the second pass (of every process, or of the first alone: its worker dies with
    it) leaves the spill folder; the next run removes it (its lock died with the run) but not
    the folder of a run still going."""
    proc = stopped_run(data)
    workers = forked(proc.pid)
    try:
        if whom == "group":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        faults.wait_gone(workers)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    left = spill_folders(data)
    assert len(left) == 1 and list(left[0].iterdir())
    with SpillFolder(data) as alive:
        assert run("bill", "--memory", "1")[0] == 0
        assert spill_folders(data) == [alive.path]
    assert not spill_folders(data)
    assert alive.path.name.startswith(SPILL_PREFIX)


# -- progress ---------------------------------------------------------------------------------


def test_progress_follows_both_passes(tmp_path: Path) -> None:
    """A run in partitions tells how far each pass is: lines split, then records billed, of all."""
    data = generate(tmp_path / "data", 2_000, 30, seed=2)
    told: list[tuple[str, int, int]] = []
    phase = ["?"]

    def on_phase(name: str) -> None:
        phase[0] = name

    out = tmp_path / "out"
    run_batch(BatchOptions(paths=DataPaths(data.users, data.calls, None), out=out / "b.txt", anomalies=out / "a.txt",
                           memory=1), Translator("en"), lambda done, total: told.append((phase[0], done, total)),
              on_phase=on_phase)
    lines = data.calls.read_bytes().count(b"\n")
    split = [(done, total) for name, done, total in told if name == "split"]
    billed = [(done, total) for name, done, total in told if name == "bill"]
    assert split[-1] == (lines, lines)
    assert [name for name, _, _ in told] == ["split"] * len(split) + ["bill"] * len(billed)
    assert billed[0] == (0, lines) and billed[-1] == (lines, lines)
    assert [done for done, _ in billed] == sorted(done for done, _ in billed)


@pytest.mark.parametrize(("sizes", "most", "processes", "expected"), [
    # the 10M bench set: 40 buckets of about 250,000 lines, partitions of at most a million
    ([249_467, 249_669, 249_392, 250_170] * 10, 1_000_000, 2, [998_698] * 10),
    ([100] * 40, 1_000, 1, [1_000] * 4),
    ([100] * 40, 1_000, 3, [300, 400, 300] * 4),
    ([100] * 40, 250, 2, [200] * 20),  # the cap makes more runs than the average asks
    ([5_000, 100, 100, 100], 1_000, 1, [5_000, 100, 100, 100]),  # a bucket of more is one alone
])
def test_partitions_are_as_many_for_each_process_and_of_about_one_size(sizes: list[int], most: int, processes: int,
                                                                      expected: list[int]) -> None:
    """Partitions end at the bucket boundaries nearest equal shares of the lines, never above
    ``most``, as many for each process: none left over, billed by one process while the others wait."""
    split = telbill.batch.partition.Split(sum(sizes), sizes)
    made = telbill.batch.partition.partitions(Path("spill"), list(range(len(sizes) + 1)), [split], most, processes)
    assert [p.records for p in made] == expected
    assert [b for p in made for b in range(p.first, p.stop)] == list(range(len(sizes)))


@FORKS
def test_few_open_files_allowed_make_fewer_buckets(tmp_path: Path) -> None:
    """A process allowed only 64 open files splits 300 subscribers' calls into at most 32 buckets
    (a file open per bucket while splitting) and bills them the same."""
    import resource

    data = generate(tmp_path / "data", 3_000, 300, seed=6)
    one = bill(tmp_path, data.users, data.calls)
    out = tmp_path / "limited"
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
    proc = subprocess.run(
        [sys.executable, "-m", "telbill", "--lang", "en", "bill", "--users", str(data.users), "--calls",
         str(data.calls), "--out", str(out / "bills.txt"), "--anomalies", str(out / "anomalies.txt"), "--csv",
         str(out / "bills.csv"), "--memory", "1"], capture_output=True, text=True, check=False,
        env={**env, "TELBILL_WORKERS": "2"},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(
            resource.RLIMIT_NOFILE)[1])))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "Billed in 32 partitions on disk" in proc.stdout
    for name in ("bills.txt", "anomalies.txt", "bills.csv"):
        assert without_generated((out / name).read_bytes()) == without_generated(one[name])  # type: ignore[arg-type]


def without_generated(data: bytes) -> bytes:
    return b"".join(line for line in data.splitlines(keepends=True) if not line.startswith(b"# generated:"))


def test_only_this_users_unlocked_spill_folders_are_removed(tmp_path: Path) -> None:
    """A run removes the spill folders that killed runs left (and never follows a link in or to
    one); it leaves a link named like one, a folder of another user, one being made, and one a
    living run holds."""
    from telbill.batch.spill import remove_stale

    (tmp_path / "precious").mkdir()
    (tmp_path / "precious/gold").write_text("gold")
    (tmp_path / ".telbill-spill-link").symlink_to(tmp_path / "precious")
    stale = tmp_path / ".telbill-spill-stale"
    stale.mkdir()
    (stale / "b00000-r0000").write_bytes(b"x")
    (stale / "link").symlink_to(tmp_path / "precious")
    (tmp_path / ".telbill-spill-making-young").mkdir()  # its run is about to lock it
    other = tmp_path / ".telbill-spill-other"
    other.mkdir()
    if os.geteuid() == 0:
        os.chown(other, 65534, 65534)
    kept = {".telbill-spill-link", ".telbill-spill-making-young", "precious"} | (
        {".telbill-spill-other"} if os.geteuid() == 0 else set())
    with SpillFolder(tmp_path) as alive:  # a run starting here removes what killed runs left
        assert {p.name for p in tmp_path.iterdir()} == kept | {alive.path.name}
        assert remove_stale(tmp_path) == []  # and another run leaves this one's alone
    assert {p.name for p in tmp_path.iterdir()} == kept
    assert (tmp_path / "precious/gold").read_text() == "gold"


def test_a_bucket_of_many_small_frames_is_read_back_in_blocks(tmp_path: Path) -> None:
    """Hundreds of buckets make frames of a few lines each: a spill file's frames are handed on
    joined, at least FEED_LINES lines at a time, the same lines with the same numbers."""
    writer = SpillWriter(tmp_path, 0)
    for first in range(1, 3001, 3):  # a thousand frames of three lines
        numbers = array("q", range(first, first + 3))
        text = "\n".join(f"line {n}" for n in numbers).encode()
        writer.write(0, frame_lines(numbers, text, [first] if first % 300 == 1 else []))
    writer.close()
    sent = []
    feed = SpillFeed([(10, [bucket_path(tmp_path, 0, 0)])])
    while (message := feed.recv())[0] == "lines":
        raw, text, bad = message[1]
        numbers = array("q")
        numbers.frombytes(raw)
        sent.append((list(numbers), text.decode().split("\n"), bad))
    assert [len(numbers) for numbers, _, _ in sent] == [FEED_LINES + 2] * 2 + [3000 - 2 * (FEED_LINES + 2)]
    assert [n for numbers, _, _ in sent for n in numbers] == list(range(11, 3011))
    assert [line for _, lines, _ in sent for line in lines] == [f"line {n}" for n in range(1, 3001)]
    assert [n for _, _, bad in sent for n in bad] == list(range(11, 3011, 300))


def test_set_aside_lines_out_of_line_order_are_an_error_not_an_endless_loop() -> None:
    """Should a part's set-aside lines ever come out of line order (a fault of telbill's), merging
    the parts' lines stops with an internal error instead of waiting for ever."""
    out_of_order = iter([([2, 9, 1], [b"a\n", b"b\n", b"c\n"])])
    other = iter([([5], [b"x\n"])])
    with pytest.raises(InternalError, match="out of line order"):
        list(merge_anomalies([out_of_order, other]))


@given(st.lists(st.tuples(st.integers(1, 5_000), st.integers(0, 7)), unique_by=lambda owned: owned[0], max_size=300),
       st.integers(1, 9), st.booleans())
def test_the_set_aside_lines_of_many_parts_are_merged_in_line_order(owned: list[tuple[int, int]], chunk: int,
                                                                    apart: bool) -> None:
    """Eight parts whose set-aside lines interleave any way (a part with none, one with all, each
    in chunks of any size, a chunk's lines in one piece or apart): every line once, in line
    order, each ended."""
    numbers = [sorted(number for number, part in owned if part == k) for k in range(8)]

    def chunks(mine: list[int]) -> Iterator[tuple[list[int], list[bytes]]]:
        for at in range(0, len(mine), chunk):
            lines = [b"line %d\n" % number for number in mine[at:at + chunk]]
            yield mine[at:at + chunk], lines if apart else [b"".join(lines)]

    merged = b"".join(merge_anomalies([chunks(mine) for mine in numbers]))
    assert merged == b"".join(b"line %d\n" % number for number, _ in sorted(owned))


@pytest.mark.parametrize("fault", [ENOSPC, KeyboardInterrupt()], ids=["disk-full", "ctrl-c"])
def test_a_fault_while_the_anomalies_of_many_partitions_are_written_keeps_the_old_outputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: BaseException) -> None:
    """The disk fills (or Ctrl-C) in the writer thread while the set-aside lines of many
    partitions are merged into the anomalies file: the one line of a full disk (or of Ctrl-C),
    the old outputs as they were, no temporary file, no spill folder, no writer thread left."""
    monkeypatch.chdir(tmp_path)
    users = "".join(f"{83470100 + k}  User {k}  25.00  6.00\n" for k in range(48))
    (tmp_path / "u.txt").write_text(users, "utf-8")
    (tmp_path / "c.txt").write_text(CALLS + interleaved_calls(48, 24), "utf-8")
    argv = ["bill", "--users", "u.txt", "--calls", "c.txt", "--out", "o/bills.txt", "--anomalies", "o/anomalies.txt"]
    assert run(*argv)[0] == 0
    before = {path.name: path.read_bytes() for path in (tmp_path / "o").iterdir()}
    partition_size(monkeypatch, 60)
    made = recorded_partitions(monkeypatch)
    monkeypatch.setattr(telbill.batch.partition, "ANOMALY_CHUNK", 5)
    monkeypatch.setattr(telbill.files.behind, "BATCH_BYTES", 200)  # many batches: the fault comes half way
    faults.fail_mid_write(monkeypatch, fault, after=1)  # the anomalies file
    said = ("error: o/anomalies.txt: cannot be written (No space left on device)\n" if isinstance(fault, OSError)
            else "interrupted; no partial file was left behind\n")
    assert run(*argv, "--memory", "1M", "--force") == (2 if isinstance(fault, OSError) else 130, "", said)
    assert len(made) > 10
    assert {path.name: path.read_bytes() for path in (tmp_path / "o").iterdir()} == before
    assert leftovers(tmp_path) == [] and not spill_folders(tmp_path)
    assert [thread for thread in threading.enumerate() if thread.name == "telbill-writer"] == []
