"""The anomalies file of a run in partitions written by all its processes at once, a range of line
numbers each (telbill/batch/ranges.py): the same bytes as a run in memory wherever the ranges are
cut, and a failure, Ctrl-C or kill -9 in either process while it is written keeps the old outputs,
leaves no temporary file (kill -9: at most the one beside its target) and no worker behind."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import telbill.batch.partition
import telbill.batch.partitioned
import telbill.batch.ranges
import telbill.batch.run
import telbill.files.behind
from telbill.batch.budget import Sizing
from telbill.batch.partition import Billed
from telbill.batch.plan import Tally
from telbill.batch.ranges import between, bytes_before, cuts
from telbill.batch.run import BatchOptions, run_batch
from telbill.batch.spill import read_chunks, write_chunks
from telbill.cli import main
from telbill.files.dataset import DataPaths
from telbill.text.i18n import Translator

import faults
from faults import ENOSPC, leftovers
from smalldata import EVERY_KIND_CALLS, interleaved_calls

NOW = datetime(2026, 1, 2, 3, 4, 5)
FORKS = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the batch runs in one process")
USERS = 64
"""Subscribers 83470100 on; the last 16 make only calls billed as they are (:func:`write_data`)."""


@pytest.fixture(autouse=True)
def _no_tmpdir(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spill folders go beside the outputs (inside the test's folder)."""
    monkeypatch.delenv("TMPDIR", raising=False)


def write_data(folder: Path) -> None:
    """users.txt and calls.txt in ``folder``: lines of every kind, most set aside, of 48 subscribers
    whose lines interleave, then calls billed as they are of 16 more (partitions with no set-aside
    line)."""
    (folder / "u.txt").write_text("".join(f"{83470100 + k}  User {k}  25.00  6.00\n" for k in range(USERS)), "utf-8")
    clean = "".join(f"{83470100 + k}  83471111  2021-01-{d:02} 10:00:00  2021-01-{d:02} 10:05:00\n"
                    for k in range(48, USERS) for d in range(1, 13))
    (folder / "c.txt").write_text(EVERY_KIND_CALLS + interleaved_calls(48, 24) + clean, "utf-8")


def shared(monkeypatch: pytest.MonkeyPatch, chunk: int = 5, records: int = 60, least: int = 0) -> list[Billed]:
    """Runs that follow write their anomalies in ranges from ``least`` set-aside lines on, from
    partitions of at most ``records`` records whose set-aside lines are kept ``chunk`` at a time;
    what every run that does billed is recorded in the list returned."""
    monkeypatch.setattr(telbill.batch.ranges, "SHARED_LINES", least)
    monkeypatch.setattr(telbill.batch.ranges, "PARTITION_LINES", 0)
    monkeypatch.setattr(telbill.batch.partition, "ANOMALY_CHUNK", chunk)
    monkeypatch.setattr(telbill.batch.run, "sizing", lambda budget, estimate, processes: Sizing(
        budget, estimate, records))
    # the tiny budgets that make partitions here would leave no room for a chunk of each file in
    # each process (tests/batch/test_merge_within_budget.py): room is made for them
    monkeypatch.setattr(telbill.batch.partitioned.Partitioned, "merge_room", lambda self: 1 << 40)
    seen: list[Billed] = []
    real = telbill.batch.ranges.SharedAnomalies.__init__

    def made(self: telbill.batch.ranges.SharedAnomalies, team: object, billed: list[Billed], head: bytes,
             starts: list[int]) -> None:
        seen.extend(billed)
        real(self, team, billed, head, starts)  # type: ignore[arg-type]

    monkeypatch.setattr(telbill.batch.ranges.SharedAnomalies, "__init__", made)
    return seen


def bill(folder: Path, processes: int, memory: int | None = None) -> dict[str, bytes]:
    out = folder / f"out-{processes}-{memory}"
    shutil.rmtree(out, ignore_errors=True)
    run_batch(BatchOptions(paths=DataPaths(folder / "u.txt", folder / "c.txt", None), out=out / "bills.txt",
                           anomalies=out / "anomalies.txt", csv=out / "bills.csv", processes=processes,
                           memory=memory), Translator("en"), now=NOW)
    assert not list(folder.rglob(".telbill-spill*"))
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--lang", "en", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# -- a partition's lines in ranges --------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 400), unique=True, max_size=120), st.integers(1, 9), st.booleans(),
       st.sampled_from([b"", b"x" * 40]))
def test_a_partitions_lines_cut_anywhere_meet_end_to_end(numbers: list[int], chunk: int, apart: bool,
                                                          longer: bytes) -> None:
    """A partition's set-aside lines (in chunks of any size, a chunk's lines in one piece or apart,
    of any length), cut at any line number: the lines below it, then those from it on, are the
    whole, each part only its own numbers, and the bytes below are what the index counts."""
    numbers.sort()
    lines = {n: b"line %d %s\n" % (n, longer[:n % 41]) for n in numbers}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.anomalies"
        mine = [numbers[at:at + chunk] for at in range(0, len(numbers), chunk)]
        index = write_chunks(path, ((some, [lines[n] for n in some] if apart else [b"".join(lines[n] for n in some)])
                                    for some in mine))
        billed = Billed(0, Tally(), {}, path if numbers else None, index if numbers else None)
        whole = b"".join(map(lines.__getitem__, numbers))
        for cut in range(1, 403):
            below = [(n, b"".join(pieces)) for n, pieces in between(billed, 1, cut)]
            above = [(n, b"".join(pieces)) for n, pieces in between(billed, cut, None)]
            assert all(n[-1] < cut for n, _ in below) and all(n[0] >= cut for n, _ in above)
            assert b"".join(text for _, text in below + above) == whole
            assert [m for n, _ in below + above for m in n] == numbers
            assert bytes_before(billed, cut) == sum(len(text) for _, text in below)
            assert not list(between(billed, cut, cut))


def test_the_ranges_hold_about_as_many_lines() -> None:
    """The cuts share the set-aside lines of every partition out about evenly (off by at most a
    chunk a partition), increasing; a partition with none counts for nothing."""
    with tempfile.TemporaryDirectory() as folder:
        billed = [Billed(0, Tally(), {}, None)]
        for k in range(1, 6):
            path = Path(folder) / f"p{k}"
            mine = list(range(k, 30_000, 7 * k))
            index = write_chunks(path, ((mine[at:at + 100], [b"x\n" * len(mine[at:at + 100])])
                                        for at in range(0, len(mine), 100)))
            billed.append(Billed(k, Tally(), {}, path, index))
        total = sum(index.lines[-1] for index in (b.chunks for b in billed) if index is not None)
        for ranges in (2, 3, 4):
            found = cuts(billed, ranges)
            assert len(found) == ranges - 1 and found == sorted(set(found))
            for k, cut in enumerate(found, 1):
                below = sum(len(n) for b in billed for n, _ in between(b, 1, cut))
                assert abs(below - total * k // ranges) <= 100 * 5
        assert cuts(billed, 1) == []
        assert cuts(billed[:1], 2) == []


# -- whole runs ---------------------------------------------------------------------------------


def cut_at(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """The ranges of the runs that follow are cut where the test says, from what was billed."""

    def chosen(billed: list[Billed], ranges: int) -> list[int]:
        full = [b for b in billed if b.chunks is not None and len(b.chunks.firsts) > 2]
        b = full[len(full) // 2]
        assert b.anomalies is not None and b.chunks is not None
        at = len(b.chunks.firsts) // 2
        numbers, _ = next(read_chunks(b.anomalies, b.chunks.offsets[at]))
        inside = numbers[len(numbers) // 2]
        assert numbers[0] < inside  # a line of the chunk on either side
        return {"inside a chunk": [inside], "a chunk's first line": [numbers[0]],
                "before every line": [1], "after every line": [10 ** 9],
                "three ranges": [numbers[0], inside + 40]}[where]

    monkeypatch.setattr(telbill.batch.ranges, "cuts", chosen)


@FORKS
@pytest.mark.parametrize("where", ["inside a chunk", "a chunk's first line", "before every line", "after every line",
                                   "three ranges"])
def test_the_anomalies_are_the_same_wherever_the_ranges_are_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                where: str) -> None:
    """Cut inside a partition's chunk, at a chunk's first line, before or after every set-aside
    line (one process writes them all), into three ranges (three processes): the three files of a
    run in memory, byte for byte, with partitions that set nothing aside among them."""
    write_data(tmp_path)
    one = bill(tmp_path, 1)
    assert one["anomalies.txt"].count(b"\n") > 1000
    seen = shared(monkeypatch)
    cut_at(monkeypatch, where)
    processes = 3 if where == "three ranges" else 2
    assert bill(tmp_path, processes, 1 << 20) == one
    assert len(seen) > 10 and any(b.anomalies is None for b in seen)


@FORKS
def test_the_anomalies_of_a_generated_set_are_the_same_in_ranges(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's dense shape (a third of its records set aside), its ranges cut as a run cuts
    them, in two processes and three: the files of a run in memory."""
    from benchmarks.generate import Shape, generate

    data = generate(tmp_path / "data", 20_000, 40, seed=5, shape=Shape.STARTS)
    (tmp_path / "u.txt").write_bytes(data.users.read_bytes())
    (tmp_path / "c.txt").write_bytes(data.calls.read_bytes())
    one = bill(tmp_path, 1)
    seen = shared(monkeypatch, chunk=200, records=2_000)
    for processes in (2, 3):
        assert bill(tmp_path, processes, 1 << 20) == one
    assert seen


@FORKS
def test_a_small_run_writes_its_anomalies_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer set-aside lines than the least worth sharing, or a partition, one process, or every
    set-aside line in one partition: this process writes the whole file, as before (the same bytes
    either way)."""
    write_data(tmp_path)
    one = bill(tmp_path, 1)
    lines = one["anomalies.txt"].count(b"\n") - one["anomalies.txt"].count(b"\n#") - 1  # less the header
    seen = shared(monkeypatch, least=lines + 1)
    assert bill(tmp_path, 2, 1 << 20) == one
    assert seen == []
    seen = shared(monkeypatch, least=lines)
    assert bill(tmp_path, 1, 1 << 20) == one
    assert seen == []
    assert bill(tmp_path, 2, 1 << 20) == one
    setting = sum(b.anomalies is not None for b in seen)  # the partitions that set lines aside
    assert setting > 1
    for least, sharing in ((lines // setting + 1, False), (lines // setting, True)):
        seen.clear()
        monkeypatch.setattr(telbill.batch.ranges, "PARTITION_LINES", least)
        assert bill(tmp_path, 2, 1 << 20) == one
        assert bool(seen) == sharing
    # as many set-aside lines, all in one partition: the same call of one subscriber, over and over
    (tmp_path / "c.txt").write_text(f"{83470100 + USERS - 1}  83471111  2021-02-01 10:00:00  2021-02-01 10:05:00\n"
                                    * lines, "utf-8")
    one = bill(tmp_path, 1)
    seen.clear()
    monkeypatch.setattr(telbill.batch.ranges, "PARTITION_LINES", 0)
    assert bill(tmp_path, 2, 1 << 20) == one
    assert seen == []
    assert one["anomalies.txt"].count(b"overlap") > lines


def the_old_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], dict[str, bytes]]:
    """A first run's outputs in tmp_path/o (the working folder), and the command of the next."""
    monkeypatch.chdir(tmp_path)
    write_data(tmp_path)
    argv = ["bill", "--users", "u.txt", "--calls", "c.txt", "--out", "o/bills.txt", "--anomalies", "o/anomalies.txt"]
    assert run(*argv)[0] == 0
    return argv, {path.name: path.read_bytes() for path in (tmp_path / "o").iterdir()}


def in_the_worker(monkeypatch: pytest.MonkeyPatch, fault: str) -> None:
    """The worker writing a range fails (its disk full after its first write, an error of its
    own) or is killed; this process never calls ``os.pwrite``."""
    parent = os.getpid()
    real = os.pwrite
    writes = [0]

    def pwrite(fd: int, data: bytes, offset: int) -> int:
        assert os.getpid() != parent
        writes[0] += 1
        if fault == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        if fault == "error":
            raise RuntimeError("boom")
        if writes[0] > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)


@FORKS
@pytest.mark.parametrize(("fault", "code", "said"), [
    ("disk full", 2, "error: o/anomalies.txt: cannot be written (No space left on device)\n"),
    ("error", 2, "internal error, please report it (set TELBILL_DEBUG=1 for details): RuntimeError: boom\n"),
    ("killed", 2, "error: a worker process of the batch was killed (signal 9); no file was written\n"),
])
def test_a_failing_worker_of_a_range_keeps_the_old_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           forked: Callable[[int], list[int]], fault: str, code: int,
                                                           said: str) -> None:
    """The worker writing the anomalies' second range fails or dies: the one line a failure of
    that kind gives in one process, the old outputs as they were, no temporary file, no spill
    folder, no worker left."""
    monkeypatch.delenv("TELBILL_DEBUG", raising=False)
    monkeypatch.setenv("TELBILL_WORKERS", "2")
    argv, before = the_old_outputs(tmp_path, monkeypatch)
    shared(monkeypatch)
    monkeypatch.setattr(telbill.files.behind, "BATCH_BYTES", 200)  # many writes: the disk fills half way
    in_the_worker(monkeypatch, fault)
    assert run(*argv, "--memory", "1M", "--force") == (code, "", said)
    assert {path.name: path.read_bytes() for path in (tmp_path / "o").iterdir()} == before
    assert leftovers(tmp_path) == [] and not list(tmp_path.rglob(".telbill-spill*"))
    assert forked(os.getpid()) == []


@FORKS
@pytest.mark.parametrize("fault", [ENOSPC, KeyboardInterrupt()], ids=["disk-full", "ctrl-c"])
def test_a_fault_in_the_first_range_stops_the_worker_and_keeps_the_old_outputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: Callable[[int], list[int]],
        fault: BaseException) -> None:
    """The disk fills (or Ctrl-C) while this process writes its range and the worker its own: the
    one line, the old outputs as they were, no temporary file, no worker left."""
    monkeypatch.setenv("TELBILL_WORKERS", "2")
    argv, before = the_old_outputs(tmp_path, monkeypatch)
    seen = shared(monkeypatch)
    monkeypatch.setattr(telbill.files.behind, "BATCH_BYTES", 200)
    faults.fail_mid_write(monkeypatch, fault, after=1)  # the anomalies file
    said = ("error: o/anomalies.txt: cannot be written (No space left on device)\n" if isinstance(fault, OSError)
            else "interrupted; no partial file was left behind\n")
    assert run(*argv, "--memory", "1M", "--force") == (
        2 if isinstance(fault, OSError) else 130, "", said)
    assert seen
    assert {path.name: path.read_bytes() for path in (tmp_path / "o").iterdir()} == before
    assert leftovers(tmp_path) == [] and not list(tmp_path.rglob(".telbill-spill*"))
    assert forked(os.getpid()) == []


# The batch in its own process, its worker stopped while it writes its range of the anomalies (in
# short sleeps: see tests/batch/test_parallel.py), once this process has written its own.
STOPPED = textwrap.dedent("""
    import os, sys, time
    import telbill.batch.partition, telbill.batch.partitioned, telbill.batch.ranges, telbill.cli
    telbill.batch.ranges.SHARED_LINES = telbill.batch.ranges.PARTITION_LINES = 0
    telbill.batch.partitioned.Partitioned.merge_room = lambda self: 1 << 40
    telbill.batch.partition.ANOMALY_CHUNK = 5
    real = telbill.batch.ranges.write_at
    def stopped(path, fd, offset, chunks):
        real(path, fd, offset, [next(iter(chunks))])
        open(f"writing-{os.getpid()}", "w").close()
        for _ in range(600):
            time.sleep(0.1)
    telbill.batch.ranges.write_at = stopped
    telbill.cli.entry(["--lang", "en", "bill", "--users", "u.txt", "--calls", "c.txt", "--out", "o/bills.txt",
                       "--anomalies", "o/anomalies.txt", "--memory", "1", "--force"])
""")


@FORKS
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find the worker")
@pytest.mark.parametrize("how", ["ctrl-c", "kill -9"])
def test_a_run_stopped_while_its_worker_writes_a_range_keeps_the_old_outputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: Callable[[int], list[int]], how: str) -> None:
    """Ctrl-C (SIGINT to the process group) while the worker writes its range: exit 130, the one
    line, the old outputs, no temporary file, no spill folder, the worker gone. kill -9 of the run
    alone: its worker dies with it, the old outputs stay, and what is left is at most a temporary
    file beside each output, the outputs' empty locks (the next run takes and removes them) and the
    spill folder (for the next run to remove), as in one process."""
    _, before = the_old_outputs(tmp_path, monkeypatch)
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
    proc = subprocess.Popen([sys.executable, "-c", STOPPED], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, env={**env, "TELBILL_WORKERS": "2"})
    try:
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("writing-*")):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        workers = forked(proc.pid)
        assert [int(path.name.split("-")[1]) for path in tmp_path.glob("writing-*")] == workers
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        faults.wait_gone(workers)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert {path.name: path.read_bytes() for path in (tmp_path / "o").iterdir()  # a killed run's locks: empty
            if path.is_file() and path.suffix not in (".tmp", ".lock")} == before
    assert all(path.stat().st_size == 0 for path in (tmp_path / "o").glob(".*.lock"))
    if how == "ctrl-c":
        assert (proc.returncode, out, err) == (130, "", "interrupted; no partial file was left behind\n")
        assert leftovers(tmp_path) == [] and not list(tmp_path.rglob(".telbill-spill*"))
    else:
        assert proc.returncode == -signal.SIGKILL
        left = leftovers(tmp_path)  # the files staged before the rename (the bills' is complete)
        assert all(name.startswith((".bills.txt.", ".anomalies.txt.")) for name in left)
        assert len({name.split(".txt.")[0] for name in left}) == len(left) <= 2



@FORKS
def test_a_calls_file_named_with_a_newline_keeps_a_set_aside_line_a_line(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every note names the calls file; a newline in its name (escaped, as printed) no longer cuts
    each set-aside line in two, which the merges of a run in parts and the ranges cut at newlines:
    lines were lost (a run in memory in two processes, a run in partitions) or the run failed ("the
    anomalies' first range ended at byte …"). Every run writes the bytes of a run in one process."""
    write_data(tmp_path)
    (tmp_path / "c.txt").rename(tmp_path / "c\nx.txt")

    def bill_named(processes: int, memory: int | None = None) -> dict[str, bytes]:
        out = tmp_path / f"out-{processes}-{memory}"
        run_batch(BatchOptions(paths=DataPaths(tmp_path / "u.txt", tmp_path / "c\nx.txt", None),
                               out=out / "bills.txt", anomalies=out / "anomalies.txt", csv=None,
                               processes=processes, memory=memory), Translator("en"), now=NOW)
        return {path.name: path.read_bytes() for path in sorted(out.iterdir())}

    one = bill_named(1)
    assert b"is not in users.txt (c\\nx.txt line 3)\n" in one["anomalies.txt"]
    assert bill_named(2) == one
    shared(monkeypatch)
    cut_at(monkeypatch, "inside a chunk")
    assert bill_named(2, 1 << 20) == one
