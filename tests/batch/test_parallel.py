"""The batch split over worker processes: the same files byte for byte as one process,
a worker's failure as the same one line, Ctrl-C with no partial file and no worker left."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

import telbill.batch.part
import telbill.batch.plan
import telbill.errors
from benchmarks.generate import generate
from telbill.batch.run import BatchOptions, run_batch
from telbill.files.dataset import DataPaths
from telbill.text.i18n import Translator

import faults
from command import run
from smalldata import EVERY_KIND_CALLS as CALLS
from smalldata import EVERY_KIND_USERS as USERS
from smalldata import write_data

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the batch runs in one process")

NOW = datetime(2026, 1, 2, 3, 4, 5)


def bill(folder: Path, users: Path, calls: Path, processes: int, month: str | None = None) -> dict[str, bytes]:
    out = folder / f"out-{processes}-{month}"
    run_batch(BatchOptions(paths=DataPaths(users, calls, None), month=month, out=out / "bills.txt",
                           anomalies=out / "anomalies.txt", csv=out / "bills.csv", processes=processes),
              Translator("en"), now=NOW)
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


@pytest.mark.parametrize("month", [None, "2021-01", "2021-03", "1999-01"])
@pytest.mark.parametrize(("calls", "encoding", "ending"), [
    (CALLS, "utf-8", "\n"),
    (CALLS, "utf-8", "\r\n"),
    (CALLS.replace("\x1c", ""), "gb18030", "\n"),
])
def test_workers_write_the_same_files_as_one_process(tmp_path: Path, calls: str, encoding: str, ending: str,
                                                     month: str | None) -> None:
    """Every anomaly kind, callers of every part, cross-month calls, CRLF, GB18030, --month:
    two, three and six processes write the files one process writes, byte for byte."""
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_bytes(calls.replace("\n", ending).encode(encoding))
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", 1, month)
    assert b"overlap" in one["anomalies.txt"] and b"a line of" in one["anomalies.txt"]
    for processes in (2, 3, 6):  # six parts for five users: one part has none
        assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", processes, month) == one


def test_a_generated_set_is_the_same_with_workers(tmp_path: Path) -> None:
    """The benchmark's generated set (skewed callers, every anomaly kind, two years) too."""
    data = generate(tmp_path / "data", 4_000, 40, seed=5)
    one = bill(tmp_path, data.users, data.calls, 1)
    assert bill(tmp_path, data.users, data.calls, 2) == one


@pytest.fixture()
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with this file's users and calls of every kind, billed by two processes."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELBILL_WORKERS", "2")
    return write_data(tmp_path, USERS, CALLS)


def in_worker_only(error: BaseException) -> object:
    """A Part.tally that fails in the worker (part 1) only."""
    real = telbill.batch.part.Part.tally

    def tally(self: telbill.batch.part.Part) -> telbill.batch.plan.Tally:
        if self.index == 1:
            raise error
        return real(self)

    return tally


@pytest.mark.parametrize(("error", "message"), [
    (RuntimeError("boom"), "internal error, please report it (set TELBILL_DEBUG=1 for details): RuntimeError: boom"),
    (telbill.errors.InternalError("a fault"),
     "internal error, please report it (set TELBILL_DEBUG=1 for details): InternalError: a fault"),
    (MemoryError(), "internal error, please report it (set TELBILL_DEBUG=1 for details): MemoryError: "),
    (UnicodeEncodeError("utf-8", "\udc0a", 0, 1, "surrogates not allowed"),  # not made of one message
     ("internal error, please report it (set TELBILL_DEBUG=1 for details): UnicodeEncodeError: 'utf-8' codec can't "
      "encode character '\\udc0a' in position 0: surrogates not allowed")),
    (telbill.errors.InputFileError("input.unreadable", path="data/calls.txt", reason="Input/output error"),
     "error: data/calls.txt: cannot be read (Input/output error)"),
])
def test_a_failing_worker_is_the_same_one_line(small: Path, monkeypatch: pytest.MonkeyPatch,
                                              error: BaseException, message: str) -> None:
    """An error in a worker process is told as the same one line as in one process; exit 2, no file."""
    monkeypatch.delenv("TELBILL_DEBUG", raising=False)
    monkeypatch.setattr(telbill.batch.part.Part, "tally", in_worker_only(error))
    assert run("bill") == (2, "", message + "\n")
    assert not (small / "output").exists()
    monkeypatch.setenv("TELBILL_WORKERS", "1")
    monkeypatch.setattr(telbill.batch.part.Part, "tally", lambda self: (_ for _ in ()).throw(error))
    assert run("bill") == (2, "", message + "\n")


def test_a_killed_worker_is_one_line(small: Path, monkeypatch: pytest.MonkeyPatch,
                                     forked: Callable[[int], list[int]]) -> None:
    """A worker that dies without a word (killed) is named as such; exit 2, no file, no worker left."""
    real = telbill.batch.part.Part.tally

    def tally(self: telbill.batch.part.Part) -> telbill.batch.plan.Tally:
        if self.index == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self)

    monkeypatch.setattr(telbill.batch.part.Part, "tally", tally)
    assert run("bill") == (2, "", ("error: a worker process of the batch was killed (signal 9); "
                                   "no file was written\n"))
    assert not (small / "output").exists()
    assert forked(os.getpid()) == []


# The batch in its own process, stopped while both parts are reading (in memory), or while each
# process reads the lines of a partition (in partitions, with --memory 1). It waits in short sleeps:
# Python acts on a signal between two steps of its own, so a SIGINT that comes after the ready
# file is made but before a sleep has begun is acted on only when that sleep ends. One sleep of a
# minute then outlasted the test's 30 s (a run of the suite in parallel; 10 in 300 with a SIGINT
# sent as soon as the file appears, none in 300 with sleeps of 0.1 s).
STOPPED = textwrap.dedent("""
    import os, sys, time
    import telbill.batch.part, telbill.cli
    def stopped(real):
        def read(self, *args):
            real(self, *args)
            open(f"ready-{os.getpid()}", "w").close()
            for _ in range(600):
                time.sleep(0.1)
        return read
    telbill.batch.part.Part.read = stopped(telbill.batch.part.Part.read)
    telbill.batch.part.Part.read_fed = stopped(telbill.batch.part.Part.read_fed)
    telbill.cli.entry(["--lang", "en", "bill", "--csv", "output/bills.csv", *sys.argv[1:]])
""")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find the worker")
@pytest.mark.parametrize("memory", [[], ["--memory", "1"]], ids=["in memory", "in partitions"])
@pytest.mark.parametrize("whom", ["group", "parent"])
def test_ctrl_c_leaves_no_partial_file_and_no_worker(small: Path, whom: str, memory: list[str],
                                                     forked: Callable[[int], list[int]]) -> None:
    """SIGINT to the process group (Ctrl-C) or to the parent alone, in a run in memory or in
    partitions: exit 130, the one line, no output file, no spill folder, and the worker is gone."""
    with faults.run_in_a_group([sys.executable, "-c", STOPPED, *memory], small, "ready-*", 2,
                               env={"TELBILL_WORKERS": "2"}) as proc:
        workers = forked(proc.pid)
        assert len(workers) == 1
        if whom == "group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (130, "", "interrupted; no partial file was left behind\n")
    assert not (small / "output").exists() and not list(small.rglob(".telbill-spill*"))
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" not in Path(f"/proc/{pid}/status").read_text()
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.parametrize("processes", [1, 2])
def test_a_long_line_is_set_aside_whole_by_the_batch(tmp_path: Path, processes: int) -> None:
    """The batch sets a 70 KiB line aside as malformed with its text kept, as the menu's loader does."""
    long = "83470001  " + "7 " * 35_000
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text(f"83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n{long}\n"
                                    f"# {'x' * 70_000}\n", "utf-8")
    files = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", processes)
    body = [line for line in files["anomalies.txt"].decode().splitlines() if not line.startswith("#")]
    assert body == [(f"{long}  # malformed: a line of {len(long)} characters, longer than any record can be "
                     "(at most 65536) (c.txt line 2)")]


@pytest.mark.parametrize("lines", [1, 60_000])
def test_a_worker_dying_while_fed_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: int,
                                              forked: Callable[[int], list[int]]) -> None:
    """A worker killed while this process still sends it lines (more than a pipe holds, or
    fewer): the same one line, exit 2, no file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELBILL_WORKERS", "2")
    (tmp_path / "data").mkdir()
    (tmp_path / "data/users.txt").write_text(USERS, "utf-8")
    (tmp_path / "data/calls.txt").write_text(
        "83470004  83463333  2021-01-12 09:00:00  2021-01-12 09:02:00\n" * lines, "utf-8")

    def killed(self: telbill.batch.part.Part, source: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(telbill.batch.part.Part, "read_fed", killed)
    assert run("bill") == (2, "", ("error: a worker process of the batch was killed (signal 9); "
                                   "no file was written\n"))
    assert not (tmp_path / "output").exists()
    assert forked(os.getpid()) == []


@pytest.mark.parametrize(("value", "expected"), [
    ("2", 2), ("100000", "capped"), ("9" * 5000, "capped"), ("0", "default"), ("²", "default"), ("-3", "default"),
    ("", "default"),
])
def test_telbill_workers_is_capped_and_odd_values_ignored(monkeypatch: pytest.MonkeyPatch, value: str,
                                                         expected: int | str) -> None:
    """``TELBILL_WORKERS`` asks for processes, at most the cores (or 4 on a smaller machine); a value
    that is not a count gives the default, and never an error."""
    from telbill.processes import MAX_WORKERS, process_count

    cores = len(os.sched_getaffinity(0))
    monkeypatch.delenv("TELBILL_WORKERS", raising=False)
    default = process_count(64 << 20)
    monkeypatch.setenv("TELBILL_WORKERS", value)
    got = process_count(64 << 20)
    if expected == "capped":
        assert got == max(cores, MAX_WORKERS)
    elif expected == "default":
        assert got == default
    else:
        assert got == expected
