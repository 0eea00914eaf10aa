"""telbill against the DuckDB job: the same rows and codes (the timings are in :mod:`benchmarks.__main__`)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from benchmarks.duckdb_job import run as run_duckdb_job
from benchmarks.generate import ensure_data
from benchmarks.reference import Mismatch

CHECK_CALLS, CHECK_USERS, CHECK_SEED = 50_000, 500, 11
"""The check set: every anomaly kind, calls across month and year ends, tabs, comments."""
_WHERE = re.compile(r"  # ([a-z-]+)\b.* \((\S+) line ([0-9]+)\)")


def _anomaly_codes(path: Path) -> list[tuple[int, str, str]]:
    """(line number, code, record text) of each line of an anomalies file."""
    found = []
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("#"):
            continue
        m = _WHERE.search(line)
        if m is None:
            raise Mismatch(f"{path.name}: a line without its code and line number: {line!r}")
        found.append((int(m[3]), m[1], line[:m.start()]))
    return found


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _compare(what: str, got: Sequence[object], want: Sequence[object]) -> None:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            raise Mismatch(f"{what}, item {i + 1} differs:\n  telbill: {g!r}\n  DuckDB:  {w!r}")
    if len(got) != len(want):
        raise Mismatch(f"{what}: telbill has {len(got)} items, DuckDB {len(want)}")


def compare(folder: Path, n_calls: int = CHECK_CALLS, n_users: int = CHECK_USERS,
            seed: int = CHECK_SEED) -> tuple[int, int]:
    """Bill a generated set with telbill and with the DuckDB job; raise :class:`Mismatch`
    at the first CSV row or anomaly (line, code, text) that differs.

    Returns (bill rows, anomaly lines) compared.
    """
    from telbill.cli import main

    data = ensure_data(folder / "data", n_calls, n_users, seed)
    ours, theirs = folder / "telbill", folder / "duckdb"
    argv = ["--lang", "en", "bill", "--users", str(data.users), "--calls", str(data.calls),
            "--tariff", str(data.tariff), "--out", str(ours / "bills.txt"),
            "--anomalies", str(ours / "anomalies.txt"), "--csv", str(ours / "bills.csv")]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(argv, stdout=stdout, stderr=stderr)
    if code != 0:
        raise Mismatch(f"telbill bill exited {code}: {stderr.getvalue().strip()}")
    run_duckdb_job(data.users, data.calls, data.tariff, theirs)
    rows = _csv_rows(ours / "bills.csv")
    _compare("bills.csv rows", rows, _csv_rows(theirs / "bills.csv"))
    anomalies = _anomaly_codes(ours / "anomalies.txt")
    _compare("anomalies (line, code, text)", anomalies, _anomaly_codes(theirs / "anomalies.txt"))
    return len(rows) - 1, len(anomalies)
