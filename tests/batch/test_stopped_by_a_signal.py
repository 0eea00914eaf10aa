"""SIGTERM (``timeout``, systemd, a cron wrapper's kill) and SIGHUP (a closed terminal) end a
batch run in its own process as Ctrl-C does: the one line, no partial file, no spill folder, no
worker left, and exit 128 + the signal's number. (Ctrl-C itself: tests/batch/test_parallel.py;
on a Dask cluster: tests/cluster/test_cluster_stopped.py.)"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from telbill.interrupts import Stopped, exit_code, held, stops_as_ctrl_c

import faults

# Each process waits, once it has read its share of calls.txt (in memory) or begun to bill a
# partition (in partitions), in sleeps of 0.1 s (a signal is acted on between two of Python's
# steps: a sleep of a minute would hold it back that long).
STOPPED = textwrap.dedent("""
    import os, sys, time
    import telbill.batch.part, telbill.batch.partitioned, telbill.cli
    def wait():
        open(f"ready-{os.getpid()}", "w").close()
        for _ in range(600):
            time.sleep(0.1)
    def stopped(real):
        def read(self, *args):
            real(self, *args)
            wait()
        return read
    telbill.batch.part.Part.read = stopped(telbill.batch.part.Part.read)
    telbill.batch.part.Part.read_fed = stopped(telbill.batch.part.Part.read_fed)
    telbill.batch.partitioned.bill_partition = lambda plan, partition: wait()
    telbill.cli.entry(["--lang", "en", "bill", "--csv", "output/bills.csv", *sys.argv[1:]])
""")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find the worker")
@pytest.mark.parametrize("memory", [[], ["--memory", "1"]], ids=["in memory", "in partitions"])
@pytest.mark.parametrize(("signum", "whom"), [(signal.SIGTERM, "group"), (signal.SIGHUP, "parent")],
                         ids=["SIGTERM to the group", "SIGHUP to the parent"])
def test_a_stop_signal_ends_a_run_as_ctrl_c_does(data: Path, signum: int, whom: str, memory: list[str],
                                                 forked: Callable[[int], list[int]]) -> None:
    """SIGTERM to the process group (as ``timeout`` sends it) or SIGHUP to the parent alone, in a
    run in memory or in partitions (two processes each): exit 143 or 129, the one line naming the
    signal, no output file, no spill folder, and the worker is gone."""
    with faults.run_in_a_group([sys.executable, "-c", STOPPED, *memory], data, "ready-*", 2,
                               env={"TELBILL_WORKERS": "2"}) as proc:
        workers = forked(proc.pid)
        assert len(workers) == 1
        if whom == "group":
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        out, err = proc.communicate(timeout=30)
    name = signal.Signals(signum).name
    assert (proc.returncode, out, err) == (128 + signum, "", f"interrupted by {name}; no partial file was left behind\n")
    assert not (data / "output").exists() and not list(data.rglob(".telbill-spill*"))
    faults.wait_gone(workers)


def test_a_stop_signal_while_held_comes_once_the_block_is_done() -> None:
    """SIGTERM while the outputs are renamed (a hold) waits for the renames, then ends the run as
    one that came just after them (exit 143); outside ``telbill bill`` it is left as it was."""
    before = signal.getsignal(signal.SIGTERM)
    done = []
    with stops_as_ctrl_c(), pytest.raises(Stopped) as raised, held(reraise=True):
        os.kill(os.getpid(), signal.SIGTERM)
        done.append("renamed")
    assert done == ["renamed"] and exit_code(raised.value) == 143
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_signal_ignored_before_the_run_stays_ignored() -> None:
    """Under ``nohup`` SIGHUP is ignored: the run leaves it so (it does not end when the terminal closes)."""
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with stops_as_ctrl_c():
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
    finally:
        signal.signal(signal.SIGHUP, before)


def test_a_second_stop_signal_does_not_cut_the_clean_up_short() -> None:
    """systemd or ``timeout -k`` may send SIGTERM again: while the run cleans up after the first,
    another is ignored (and after the run the handlers are as they were)."""
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    cleaned = []
    with stops_as_ctrl_c(), pytest.raises(Stopped):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # pragma: no cover - the signal raises first
        finally:
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGHUP)
            cleaned.append("spill folder removed")
    assert cleaned == ["spill folder removed"]
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before


def test_a_second_stop_signal_after_one_held_does_not_cut_the_clean_up_short() -> None:
    """A SIGTERM that came while the outputs were renamed (or a worker forked) is raised once they
    are done; one more then, as the run cleans up (its spill folder, its workers), is ignored too,
    as after one that raised at once."""
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    cleaned = []
    with stops_as_ctrl_c(), pytest.raises(Stopped) as raised:
        try:
            with held(reraise=True):
                os.kill(os.getpid(), signal.SIGTERM)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGHUP)
            cleaned.append("spill folder removed")
    assert cleaned == ["spill folder removed"] and exit_code(raised.value) == 143
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before
