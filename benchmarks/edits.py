"""How much an edit costs while the menu's lists are sorted, and undoing a user deleted with calls.

    python -m benchmarks --edits                                 # 1,000,000 calls, 10,000 subscribers
    python -m benchmarks --edits --calls 300000 --users 3000 --runs 5

The benchmark's data set is generated into a temporary folder (removed
afterwards). Each order (file order, calls by fee, users by a month's total) gets
a fresh session on a fresh copy; then each edit is made ``--runs`` times through
the session (as the menu makes it: saved, fsynced, logged, applied to what is
held) and the median time printed, in seconds. Last, the subscriber with the most
calls is deleted with them and the deletion undone, in file order and sorted by fee.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from benchmarks.generate import ensure_data
from telbill.files.dataset import DataPaths
from telbill.session.facade import CallSort, Session, UserSort


def timed(step: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def session_on(source: Path, work: Path) -> Session:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    for name in ("users.txt", "calls.txt"):
        shutil.copy(source / name, work / name)
    return Session(DataPaths(work / "users.txt", work / "calls.txt"), backup_dir=work / "backup",
                   audit_log=work / "audit.log", operator="bench")


def edits(s: Session, runs: int) -> str:
    users = list(s.users)
    first = next(iter(s.calls))
    n = [0]

    def add_call() -> None:
        n[0] += 1
        start = first.start + 60 * n[0]
        s.add_call(users[5].phone, "110", start, start + 30, accept_anomaly=True)

    def add_user() -> None:
        n[0] += 1
        s.add_user(f"99{n[0]:06d}", "Bench User", 100, 0)

    def modify_call() -> None:
        call = next(iter(s.calls))
        s.modify_call(call, end=call.end + 1, accept_anomaly=True)

    def delete_call() -> None:
        s.delete_call(next(iter(s.calls)))

    return "  ".join(f"{name} {timed(step, runs):.3f} s" for name, step in
                     (("add a call", add_call), ("add a user", add_user), ("modify a call", modify_call),
                      ("delete a call", delete_call)))


def run_edits(*, calls: int, users: int, seed: int, runs: int, keep: Path | None) -> int:
    """Time the edits in each order, then a user deleted with their calls and undone; print medians."""
    with tempfile.TemporaryDirectory(prefix="telbill-edits-") as scratch:
        folder = Path(scratch)
        base = keep if keep is not None else folder
        data = ensure_data(base / f"calls{calls}-users{users}-seed{seed}", calls, users, seed)
        work = folder / "work"
        print(f"{calls:,} calls, {users:,} subscribers; median of {runs} edits, seconds", flush=True)
        s = session_on(data.folder, work)
        print(f"file order:           {edits(s, runs)}", flush=True)
        s = session_on(data.folder, work)
        s.sort_calls(CallSort.FEE)
        print(f"calls by fee:         {edits(s, runs)}", flush=True)
        s = session_on(data.folder, work)
        s.sort_users(UserSort.MONTH_TOTAL, month=s.billed_months()[0])
        print(f"users by month total: {edits(s, runs)}", flush=True)
        callers = Counter(c.caller for c in s.calls)
        for sort in (None, CallSort.FEE):
            s = session_on(data.folder, work)
            if sort is not None:
                s.sort_calls(sort)
            phone = next(p for p, _ in callers.most_common() if s.user(p) is not None)
            count = len(s.calls_of(phone))
            start = time.perf_counter()
            s.delete_user(phone, with_calls=True)
            deleted = time.perf_counter() - start
            start = time.perf_counter()
            s.undo()
            undone = time.perf_counter() - start
            label = "calls by fee" if sort else "file order"
            print(f"{label}: delete a user with {count:,} calls {deleted:.3f} s, undo it {undone:.3f} s", flush=True)
    return 0
