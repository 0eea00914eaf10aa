"""``telbill bill --cluster``: on a Dask cluster of two worker processes, the same three files,
byte for byte, as ``telbill bill`` on one machine, whatever the data."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import telbill.batch.cluster
from benchmarks.generate import generate
from telbill.batch.cluster import Address
from telbill.batch.partition import ANOMALY_CHUNK
from telbill.batch.run import BatchOptions, run_batch
from telbill.errors import UsageError
from telbill.files.dataset import DataPaths
from telbill.text.i18n import Translator

from clusterrun import bill, spill_folders
from command import run
from smalldata import EVERY_KIND_CALLS as CALLS
from smalldata import EVERY_KIND_USERS as USERS
from smalldata import every_kind_calls, only_malformed
from strategies import HOSTILE, files

pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install -e '.[test,cluster]'")
GOLDEN = Path(__file__).parents[1] / "golden"


def test_the_sample_data_on_a_cluster_is_golden(workdir: Path, cluster: Any) -> None:
    """The sample data billed on the cluster: the golden bill and anomalies files, the summary
    saying where it was billed and the dashboard's link, in both languages the same bytes as on one
    machine."""
    code, out, err = run("bill", "--cluster", cluster.scheduler_address)
    assert (code, err) == (0, f"The Dask dashboard of this run: {cluster.dashboard_link}\n")
    assert re.fullmatch(f"Billed in 8 partitions on the Dask cluster at {re.escape(cluster.scheduler_address)} "
                        r"\(workers: 2, threads: 2\); it took \d+\.\d\d s to reach, not counted in the time above\.",
                        out.splitlines()[-2]), out
    for name, gold in (("bills.txt", "sample_bills_en.txt"), ("anomalies.txt", "sample_anomalies_en.txt")):
        kept = [line for line in (workdir / "output" / name).read_text("utf-8").splitlines(keepends=True)
                if not line.startswith("# generated:")]
        assert "".join(kept) == (GOLDEN / gold).read_text("utf-8")
    users, calls = workdir / "data/users.txt", workdir / "data/calls.txt"
    for lang in ("en", "zh"):
        assert bill(workdir, users, calls, cluster.scheduler_address, lang=lang) == bill(workdir, users, calls,
                                                                                         lang=lang)


def test_quiet_on_a_cluster_prints_nothing(workdir: Path, cluster: Any) -> None:
    """--quiet on a cluster: no summary, no dashboard's link (a cron job's mail stays empty)."""
    assert run("bill", "-q", "--cluster", cluster.scheduler_address) == (0, "", "")
    assert (workdir / "output/bills.txt").exists()


def test_a_local_clusters_link_is_not_printed_into_a_log(workdir: Path) -> None:
    """--cluster local:1 with stderr not a terminal: the dashboard ends with the run, so its link
    (which would lead nowhere once read in a log) is not printed; the summary is."""
    code, out, err = run("bill", "--cluster", "local:1")
    assert (code, err) == (0, "")
    assert "on the Dask cluster at local:1 (workers: 1, threads: 1); it took " in out
    started = float(out.split("; it took ")[1].split(" s to start")[0])
    assert started > 0  # a local cluster's start (a second or more) is told apart from the reading


@pytest.mark.parametrize(("encoding", "ending", "bom", "month"), [
    ("utf-8", "\r\n", True, None), ("utf-8", "\r", False, "2021-01"), ("gb18030", "\n", False, None),
    ("utf-16", "\r\n", True, None), ("mixed", "\n", False, "1999-01"),
])
def test_every_kind_of_record_and_encoding_bills_the_same(tmp_path: Path, cluster: Any, encoding: str, ending: str,
                                                          bom: bool, month: str | None) -> None:
    """Every anomaly kind, huge lines, control characters, CRLF, CR, a BOM, GB18030, UTF-16 (split
    whole by one task), a line valid in no encoding (the file split whole), --month: the same bytes."""
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_bytes(every_kind_calls(encoding, ending, bom))
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", month=month)
    assert one["encoding"] == {"utf-16": "utf-16"}.get(encoding, encoding)
    assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", cluster.scheduler_address, month) == one


def test_a_file_valid_both_ways_is_weighed_whole_on_a_cluster(tmp_path: Path, cluster: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A file valid as UTF-8 and as GB18030, cut into many byte ranges, is read as GB18030 as the
    whole file reads best (郑爽 written in GB18030 is valid UTF-8 too), as on one machine."""
    monkeypatch.setattr(telbill.batch.cluster, "PIECE_BYTES", 1_000)
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    lines = CALLS.splitlines()[:14]
    (tmp_path / "c.txt").write_bytes("".join(f"{line}  # 郑爽\n" if i == 12 else f"{line}\n"
                                             for i, line in enumerate(lines * 40)).encode("gb18030"))
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt")
    assert one["encoding"] == "gb18030+utf-8"
    assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", cluster.scheduler_address) == one


def test_callers_spread_over_many_partitions_and_byte_ranges(tmp_path: Path, cluster: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 calls of 120 callers in partitions of at most 40 records, from byte ranges of 8 KB
    (each finding its first line number from the ranges before it): the same bytes."""
    data = generate(tmp_path / "data", 2_000, 120, seed=9)
    one = bill(tmp_path, data.users, data.calls)
    monkeypatch.setattr(telbill.batch.cluster, "PIECE_BYTES", 8_192)
    monkeypatch.setattr(telbill.batch.cluster.Clustered, "_partition_records", lambda self: 40)
    made: list[int] = []
    real = telbill.batch.cluster.partitions
    monkeypatch.setattr(telbill.batch.cluster, "partitions", lambda *a: made.append(len(p := real(*a))) or p)
    assert bill(tmp_path, data.users, data.calls, cluster.scheduler_address) == one
    assert made[0] >= 40 and (data.calls.stat().st_size // 8_192) >= 10


def test_partitions_of_several_buckets_holding_only_malformed_lines(tmp_path: Path, cluster: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Partitions of two buckets whose lines are all malformed, each round of them from the last
    subscriber to the first, more of them than a chunk of a partition's anomalies file holds: set
    aside in line order, as on one machine."""
    users, calls = only_malformed(16, 1_100)
    (tmp_path / "u.txt").write_text(users, "utf-8")
    (tmp_path / "c.txt").write_text(calls, "utf-8")
    one = bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt")
    monkeypatch.setattr(telbill.batch.cluster.Clustered, "_partition_records", lambda self: 4_400)
    made: list[Any] = []
    real = telbill.batch.cluster.partitions
    monkeypatch.setattr(telbill.batch.cluster, "partitions", lambda *a: made.extend(found := real(*a)) or found)
    assert bill(tmp_path, tmp_path / "u.txt", tmp_path / "c.txt", cluster.scheduler_address) == one
    assert made and all(len(partition.pieces[0][1]) > 1 and partition.records > ANOMALY_CHUNK for partition in made)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                HealthCheck.too_slow])
@given(st.lists(st.one_of(files.map(lambda lines: "\n".join(lines).encode()), HOSTILE), max_size=6),
       st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_any_calls_file_bills_the_same_on_a_cluster(tmp_path: Path, cluster: Any, pieces: list[bytes],
                                                    ending: bytes) -> None:
    """Random records of every kind mixed with hostile bytes (no encoding, NUL, a BOM inside, huge
    lines, damaged UTF-16), any line ending: the same bytes as one machine (or the same error)."""
    folder = Path(os.path.join(tmp_path, f"any-{time.monotonic_ns()}"))
    folder.mkdir()
    (folder / "u.txt").write_text(USERS, "utf-8")
    (folder / "c.txt").write_bytes(ending.join(b"\n".join(pieces).split(b"\n")))
    one = bill(folder, folder / "u.txt", folder / "c.txt")
    assert bill(folder, folder / "u.txt", folder / "c.txt", cluster.scheduler_address) == one
    shutil.rmtree(folder)


@pytest.mark.parametrize(("text", "address"), [
    ("tcp://10.0.0.5:8786", Address("tcp://10.0.0.5:8786")), ("local", Address(None, os.cpu_count() or 1)),
    ("local:3", Address(None, 3)), (" local:1 ", Address(None, 1)),
])
def test_cluster_addresses(text: str, address: Address) -> None:
    """--cluster takes a scheduler's address as Dask does, ``local`` (a worker per core) or ``local:N``."""
    assert Address.parse(text) == address


@pytest.mark.parametrize("value", ["local:0", "local:x", "local:", "", "local:١"])
def test_a_cluster_that_is_no_address_is_refused(data: Path, value: str) -> None:
    """--cluster local:0, local:x, an empty address: exit 2, one line naming the value, nothing written."""
    with pytest.raises(UsageError):
        Address.parse(value)
    assert run("bill", "--cluster", value) == (2, "", (
        f"error: --cluster '{value}' is not a Dask scheduler's address (tcp://host:8786), local or local:N\n"))
    assert not (data / "output").exists() and not spill_folders(data)


def test_the_progress_is_fed_as_the_tasks_end(workdir: Path, cluster: Any) -> None:
    """The progress bar's callbacks on a cluster: the lines split as each range's task ends, then
    the lines billed as each partition's task ends, from 0 to all 243 of calls.txt."""
    seen: list[tuple[str, int, int]] = []
    phase = ["read"]

    def progress(done: int, total: int) -> None:
        seen.append((phase[0], done, total))

    def on_phase(name: str) -> None:
        phase[0] = name

    result = run_batch(BatchOptions(paths=DataPaths(workdir / "data/users.txt", workdir / "data/calls.txt"),
                                    out=workdir / "o/bills.txt", anomalies=workdir / "o/anomalies.txt",
                                    cluster=cluster.scheduler_address), Translator("en"), progress, on_phase=on_phase)
    split = [(done, total) for name, done, total in seen if name == "split"]
    billed = [(done, total) for name, done, total in seen if name == "bill"]
    assert len(split) == 4 + 1 and split[-1] == (243, 243)
    assert [d for d, _ in split[:-1]] == sorted(d for d, _ in split[:-1])
    assert len(billed) == result.partitions + 1 and billed[0] == (0, 243) and billed[-1] == (243, 243)
    assert [d for d, _ in billed] == sorted(d for d, _ in billed) and {t for _, t in billed} == {243}


def test_workers_allowed_few_open_files_get_fewer_buckets(tmp_path: Path, cluster: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers allowed only 64 open files each (a split task holds a file per bucket open): the
    subscribers go into at most 32 buckets, and the files are the same."""
    data = generate(tmp_path / "data", 2_000, 120, seed=9)
    one = bill(tmp_path, data.users, data.calls)
    real = telbill.batch.cluster._sees
    monkeypatch.setattr(telbill.batch.cluster, "_sees", lambda calls, size, folder: (real(calls, size, folder)[0], 64))
    monkeypatch.setattr(telbill.batch.cluster.Clustered, "_partition_records", lambda self: 40)
    made: list[int] = []
    real_partitions = telbill.batch.cluster.partitions
    monkeypatch.setattr(telbill.batch.cluster, "partitions",
                        lambda folder, bounds, *a: made.append(len(bounds) - 1) or real_partitions(folder, bounds, *a))
    assert bill(tmp_path, data.users, data.calls, cluster.scheduler_address) == one
    assert made == [32]
