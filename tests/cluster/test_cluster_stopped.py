"""Ctrl-C at the terminal (SIGINT to every process of the foreground group) during a ``--cluster
local:2`` run, in a process of its own: only telbill's own line shows (no worker's traceback, no
Dask error, no leaked semaphore), exit 130, no spill folder, no partial file, and no process of
the run is left."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest

from benchmarks.generate import generate

import faults

pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install -e '.[test,cluster]'")

# Imported by the workers (on PYTHONPATH): a partition's task that says it has begun, then waits in
# sleeps of 0.1 s.
TASK = textwrap.dedent("""
    import os, time
    def stopped(plan, partition):
        open(os.path.join(os.environ["READY"], f"billing-{os.getpid()}"), "w").close()
        for _ in range(600):
            time.sleep(0.1)
""")
RUN = textwrap.dedent("""
    import sys
    import slowtask, telbill.batch.cluster, telbill.cli
    telbill.batch.cluster.bill_partition = slowtask.stopped
    telbill.cli.entry(["--lang", "en", "bill", "--users", "data/users.txt", "--calls", "data/calls.txt",
                       "--cluster", "local:2"])
""")


def left_in_group(pgid: int) -> list[str]:
    """The processes of group ``pgid`` still running (not zombies), by their command line."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc to find the run's processes")
def test_ctrl_c_to_the_group_ends_a_cluster_run_with_telbills_line_alone(tmp_path: Path) -> None:
    """SIGINT to the whole group, as a terminal sends it, while a partition is billed (one cluster
    start: the suite stays short; SIGTERM takes the same way, its signal blocked in the workers
    by the same call, and ends a run as Ctrl-C does: tests/batch/test_stopped_by_a_signal.py):
    the line, exit 130, nothing left on disk, and every process of the run gone within 10 s."""
    generate(tmp_path / "data", 2_000, 30, seed=3)
    (tmp_path / "slowtask.py").write_text(TASK)
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    with faults.run_in_a_group([sys.executable, "-c", RUN], tmp_path, "billing-*", seconds=60,
                               env={"PYTHONPATH": path, "READY": str(tmp_path)}) as proc:
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (
        130, "", "interrupted; the run's tasks on the cluster were cancelled and no partial file was left behind\n")
    assert not (tmp_path / "output").exists() and not list(tmp_path.rglob(".telbill-spill*"))
    deadline = time.monotonic() + 10
    while left := left_in_group(proc.pid):
        assert time.monotonic() < deadline, left
        time.sleep(0.05)
