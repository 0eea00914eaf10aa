"""``telbill bill --cluster`` when things go wrong: a worker killed mid-run, a scheduler that
cannot be reached or goes away, Ctrl-C, workers that cannot see the files."""

from __future__ import annotations

import _thread
import contextlib
import errno
import logging
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import telbill.batch.cluster
import telbill.batch.run
from telbill.batch.partition import Billed, Partition, bill_partition
from telbill.batch.plan import Plan
from telbill.batch.spill import spill_error
from telbill.errors import ClusterError

from clusterrun import bill, spill_folders
from command import run

dask = pytest.importorskip("dask", reason="the cluster extra is not installed: pip install -e '.[test,cluster]'")
distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed: "
                                                        "pip install -e '.[test,cluster]'")


def telbill_tasks(cluster: Any) -> list[str]:
    """The names of the telbill tasks the scheduler still knows."""
    with distributed.Client(cluster.scheduler_address, timeout=10) as client:
        return sorted(str(k) for k in client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.tasks)) if "telbill" in str(k))


def no_telbill_tasks(cluster: Any, within: float = 20.0) -> bool:
    """Whether the scheduler holds no telbill task within ``within`` seconds (a cancel the client
    sent as it closed may still be on its way to the scheduler when the run returns)."""
    deadline = time.monotonic() + within
    while telbill_tasks(cluster):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_worker_killed_mid_run_gives_the_same_files(workdir: Path, cluster: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker process killed as it ends billing a partition, its set-aside lines written (once: a
    marker file says so): Dask runs its tasks again on the other worker, the partition's file is
    written again, and the files are those of one machine, byte for byte."""
    users, calls = workdir / "data/users.txt", workdir / "data/calls.txt"
    one = bill(workdir, users, calls)
    marker = workdir / "killed-once"

    def dying(plan: Plan, partition: Partition) -> Billed:
        billed = bill_partition(plan, partition)
        if billed.anomalies is not None and not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)
        return billed

    monkeypatch.setattr(telbill.batch.cluster, "bill_partition", dying)
    assert bill(workdir, users, calls, cluster.scheduler_address) == one
    assert marker.exists()
    with distributed.Client(cluster.scheduler_address, timeout=10) as client:  # the next tests have two again
        client.wait_for_workers(2, timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_an_unreachable_scheduler_is_one_line(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler nobody listens for: one line naming it, exit 2, no output, no spill folder."""
    monkeypatch.setattr(telbill.batch.cluster, "CONNECT_SECONDS", 0.5)
    address = f"tcp://127.0.0.1:{free_port()}"
    assert run("bill", "--cluster", address) == (2, "", (
        f"error: the Dask scheduler at {address} cannot be reached or went away; no output file was written\n"))
    assert not (data / "output").exists() and not spill_folders(data)


@contextlib.contextmanager
def serving(answer: Callable[[socket.socket], None]) -> Iterator[str]:
    """A server on 127.0.0.1 (a free port) that ``answer``s every connection; its ``tcp://`` address."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                answer(conn)

    server = threading.Thread(target=serve)
    server.start()
    try:
        yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        server.join()
        listener.close()


def http_like(conn: socket.socket) -> None:
    """An HTTP server's way (the dashboard's port): it waits for a request line, which Dask never sends."""
    conn.settimeout(5)
    with contextlib.suppress(OSError):
        while (got := conn.recv(4096)) and b"\r\n" not in got:
            pass


@pytest.mark.parametrize(("answer", "why"), [
    (http_like, "an HTTP server: no answer to Dask's handshake"),
    (lambda conn: conn.sendall(b"\xff" * 64), "bytes that are no Dask frame (OverflowError)"),
    (lambda conn: conn.sendall(struct.pack("<Q", 1) + struct.pack("<Q", 1 << 60) + b"\0" * 48),
     "a frame of 2**60 bytes (MemoryError)"),
])
def test_a_peer_that_is_no_dask_scheduler_is_one_line(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                      answer: Callable[[socket.socket], None], why: str) -> None:
    """--cluster pointed at something that accepts the connection but is no Dask scheduler: one line naming
    the address, exit 2, within the time allowed (it hung with no end, or was an internal error)."""
    monkeypatch.setattr(telbill.batch.cluster, "CONNECT_SECONDS", 2.0)
    with serving(answer) as address:
        started = time.monotonic()
        assert run("bill", "--cluster", address) == (2, "", (
            f"error: {address} does not answer as a Dask scheduler (its usual port is 8786; 8787 is its "
            "dashboard's); no output file was written\n")), why
        assert time.monotonic() - started < 2.0 + 1.5
    assert not (data / "output").exists() and not spill_folders(data)


@pytest.mark.parametrize("value", ["bogus", "tcp://127.0.0.1", "http://127.0.0.1:8787"])
def test_an_address_dask_cannot_take_is_refused(data: Path, value: str) -> None:
    """An address with no port, or of a scheme Dask has not: the usage line (it was an internal error)."""
    assert run("bill", "--cluster", value) == (2, "", (
        f"error: --cluster '{value}' is not a Dask scheduler's address (tcp://host:8786), local or local:N\n"))
    assert not (data / "output").exists() and not spill_folders(data)


def test_a_scheduler_that_goes_away_mid_run_is_one_line(data: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The scheduler stopped while the partitions are billed: one line, exit 2, and the bill files
    of an earlier run left as they were (no half-written output)."""
    assert run("bill")[0] == 0
    before = (data / "output/bills.txt").read_bytes()
    monkeypatch.setattr(telbill.batch.cluster, "CONNECT_SECONDS", 2.0)  # then the run waits that long for it
    started = tmp_path / "billing"

    def slow(plan: Plan, partition: Partition) -> Billed:
        started.touch()
        time.sleep(1)
        return bill_partition(plan, partition)

    monkeypatch.setattr(telbill.batch.cluster, "bill_partition", slow)
    with dask.config.set({"temporary-directory": str(tmp_path / "dask")}):  # the scheduler's scratch space too
        local = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                                         dashboard_address=":0", silence_logs=logging.ERROR,
                                         local_directory=str(tmp_path / "dask"))
    address, link = local.scheduler_address, local.dashboard_link

    def stop() -> None:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        local.close()

    stopper = threading.Thread(target=stop)
    stopper.start()
    try:
        assert run("bill", "--cluster", address) == (2, "", (
            f"The Dask dashboard of this run: {link}\n"
            f"error: the Dask scheduler at {address} cannot be reached or went away; no output file was written\n"))
    finally:
        stopper.join()
    assert (data / "output/bills.txt").read_bytes() == before
    assert sorted(p.name for p in (data / "output").iterdir()) == ["anomalies.txt", "bills.txt"]
    assert not spill_folders(data)


def test_ctrl_c_cancels_the_tasks_and_says_so(data: Path, cluster: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the cluster bills: the run's tasks are cancelled (the scheduler holds none of
    them), it says so in one line, exit 130, nothing written, no spill folder."""
    release, billing = data / "release", data / "billing"

    def waiting(plan: Plan, partition: Partition) -> Billed:
        billing.touch()  # on a worker (the cluster's workers share this machine's files)
        deadline = time.monotonic() + 20
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return bill_partition(plan, partition)

    monkeypatch.setattr(telbill.batch.cluster, "bill_partition", waiting)

    def interrupt() -> None:  # once a partition is being billed (no client of its own meanwhile)
        deadline = time.monotonic() + 30
        while not billing.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    try:
        assert run("bill", "--cluster", cluster.scheduler_address) == (
            130, "", (f"The Dask dashboard of this run: {cluster.dashboard_link}\n"
                      "interrupted; the run's tasks on the cluster were cancelled and no partial file was left behind\n"))
        assert no_telbill_tasks(cluster)
    finally:
        release.touch()
    assert not (data / "output").exists() and not spill_folders(data)


def test_workers_that_cannot_see_the_calls_file_are_refused(data: Path, cluster: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers on machines where calls.txt is not (no shared filesystem): one line naming the file
    and a worker, exit 2, nothing written."""
    real = telbill.batch.cluster._sees
    monkeypatch.setattr(telbill.batch.cluster, "_sees",
                        lambda calls, size, folder: real(calls + ".elsewhere", size, folder))
    code, out, err = run("bill", "--cluster", cluster.scheduler_address)
    workers = sorted(cluster.scheduler_info["workers"])
    assert (code, out) == (2, "")
    assert err == (f"The Dask dashboard of this run: {cluster.dashboard_link}\n"
                   f"error: {data / 'data/calls.txt'}: the Dask worker {workers[0]} cannot read this file as this "
                   "machine sees it; every worker needs the inputs and outputs on a shared filesystem\n")
    assert not (data / "output").exists() and not spill_folders(data)


def test_a_spill_folder_that_cannot_be_made_is_said_as_a_clusters(data: Path, cluster: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The bill file's folder cannot hold the spill files: one line saying where they go on a
    cluster (not the memory budget or $TMPDIR of one machine), exit 2, nothing written."""
    monkeypatch.setattr(telbill.batch.run, "spill_base", lambda near, shared=False: data / "none")
    assert run("bill", "--cluster", cluster.scheduler_address) == (2, "", (
        f"error: {data / 'none'}: cannot hold the spill files of a run on a cluster (No such file or directory); "
        "they go beside the bill file, on a filesystem every worker shares: give --out a folder with room that the "
        "workers can write to\n"))
    assert not (data / "output").exists()


def test_a_full_disk_in_a_task_is_said_as_a_clusters(data: Path, cluster: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A split task that finds the shared filesystem full: the same one line, exit 2, nothing
    written, no spill folder."""

    def full(buckets: Plan, folder: Path, *args: object) -> None:
        raise spill_error(folder, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(telbill.batch.cluster, "split_piece", full)
    code, out, err = run("bill", "--cluster", cluster.scheduler_address)
    assert (code, out) == (2, "")
    assert err.endswith(": cannot hold the spill files of a run on a cluster (No space left on device); they go "
                        "beside the bill file, on a filesystem every worker shares: give --out a folder with room "
                        "that the workers can write to\n")
    assert not (data / "output").exists() and not spill_folders(data)


def test_dask_logs_no_error_of_its_own(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a run on a cluster begins, none of Dask's loggers prints an error: the client's has a
    level and a handler of its own (WARNING), and a scheduler killed mid-run printed 'Failed to
    reconnect to scheduler' with a traceback above the run's one line."""
    levels = {name: logging.getLogger(name).level for name in ("distributed", "distributed.client")}

    def refused(address: str, seconds: float) -> None:
        raise ClusterError("cluster.lost", address=address)

    monkeypatch.setattr(telbill.batch.cluster, "check_scheduler", refused)
    try:
        assert run("bill", "--cluster", "tcp://127.0.0.1:9")[0] == 2
        assert not [name for name in levels if logging.getLogger(name).isEnabledFor(logging.ERROR)]
    finally:
        for name, level in levels.items():  # as they were
            logging.getLogger(name).setLevel(level)
