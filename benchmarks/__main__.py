"""``python -m benchmarks``: check ``telbill bill`` against a reference, then time it.

Modes (figures and how to read them: benchmarks/README.md):

- default: the reference check (3,000 calls), then ``--runs`` timed runs of
  ``telbill bill`` on ``--calls`` calls and ``--users`` subscribers;
- ``--scaling``: the same at 250k, 500k and 1M calls (or the sizes of ``--sizes``);
- ``--vs duckdb``: telbill and the DuckDB job give the same bill rows and anomaly
  codes on a 50,000-call check set (exit 1 at the first difference), then both
  are timed in alternation and the ratios printed;
- ``--pathological``: 1,000,000 identical records (all set aside as overlaps) and
  one 51 MB line;
- ``--menu``: the main menu as a process (:mod:`benchmarks.menu`): opening it
  and four edits;
- ``--edits``: the menu's edits through the session, sorted and not (:mod:`benchmarks.edits`);
- ``--menu-steps``: the menu's heavy steps in the process (:mod:`benchmarks.steps`):
  every sort of item 7, finding subscribers, the first page of every call.

Every timed run is a fresh process; its memory is the peak of the sum of the
resident sets of its processes (:mod:`benchmarks.timing`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.generate import DataSet, ensure_data, identical_records, long_line
from benchmarks.reference import Mismatch, verify
from benchmarks.timing import Run, machine, median_run, run_telbill

NOTE = ("wall = process start to exit; memory = peak of the summed RSS of the job's processes "
        "(sampled every 4 ms), Σ peaks = sum of each process's own peak RSS")


def _run_line(name: str, i: int, run: Run) -> str:
    phases = ", ".join(f"{p} {s:.2f}" for p, s in run.phases.items() if p != "total")
    return (f"  {name} run {i}: wall {run.wall:.2f} s, memory {run.rss_mib:.0f} MiB "
            f"(Σ peaks {run.hwm_mib:.0f} MiB, {run.processes} process{'es' if run.processes > 1 else ''})"
            + (f"; {phases}" if phases else ""))


def _table(rows: list[tuple[str, str, Run]], runs: int) -> str:
    phases = list(rows[0][2].phases) if rows[0][2].phases else []
    head = ["calls", "users", *phases, "wall", "calls/s", "memory", "Σ peaks"]
    body = []
    for calls, users, r in rows:
        rate = f"{r.records / r.wall:,.0f}" if r.records else "-"
        body.append([calls, users, *(f"{r.phases.get(p, 0):.2f} s" for p in phases), f"{r.wall:.2f} s", rate,
                     f"{r.rss_mib:.0f} MiB", f"{r.hwm_mib:.0f} MiB"])
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in body]
    lines.append(f"(median of {runs} run(s); {NOTE})")
    return "\n".join(lines)


def _verify(scratch: Path) -> bool:
    t0 = time.perf_counter()
    try:
        ref = verify(scratch / "verify")
    except Mismatch as exc:
        print(f"FAILED: telbill bill differs from the reference implementation:\n{exc}", file=sys.stderr)
        return False
    print(f"reference check: OK (3,000 calls, 60 users: {len(ref.bills)} months' bills and "
          f"{len(ref.anomalies)} anomaly lines identical; {time.perf_counter() - t0:.1f} s)")
    return True


def _data(base: Path, n_calls: int, n_users: int, seed: int) -> DataSet:
    folder = base / f"calls{n_calls}-users{n_users}-seed{seed}"
    t0 = time.perf_counter()
    data = ensure_data(folder, n_calls, n_users, seed)
    print(f"data: {n_calls:,} calls, {n_users:,} users in {folder} "
          f"({data.calls.stat().st_size / 1e6:.0f} MB; ready in {time.perf_counter() - t0:.1f} s)")
    return data


def _timed(data: DataSet, out: Path, runs: int) -> Run:
    timed = []
    for i in range(runs):
        run = run_telbill(data, out)
        timed.append(run)
        print(_run_line("telbill", i + 1, run))
    return median_run(timed)


def _vs_duckdb(args: argparse.Namespace, scratch: Path, base: Path) -> int:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        print("--vs duckdb needs DuckDB: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    from benchmarks.versus import CHECK_CALLS, CHECK_USERS, compare, side_by_side

    t0 = time.perf_counter()
    try:
        rows, anomalies = compare(scratch / "check")
    except Mismatch as exc:
        print(f"FAILED: telbill and the DuckDB job differ:\n{exc}", file=sys.stderr)
        return 1
    print(f"DuckDB check: OK ({CHECK_CALLS:,} calls, {CHECK_USERS} users: {rows:,} bill rows and "
          f"{anomalies} anomaly codes identical; {time.perf_counter() - t0:.1f} s)")
    data = _data(base, args.calls, args.users or 10_000, args.seed)
    ours, theirs = side_by_side(data, scratch / "out", args.runs, args.threads,
                                lambda name, i, run: print(_run_line(name, i, run)))
    print()
    print(f"{'job':<28}{'wall':>9}{'memory':>11}{'Σ peaks':>11}")
    for name, r in (("telbill bill", ours), (f"DuckDB SQL ({args.threads} threads)", theirs)):
        print(f"{name:<28}{r.wall:>7.2f} s{r.rss_mib:>7.0f} MiB{r.hwm_mib:>7.0f} MiB")
    print(f"{'telbill / DuckDB':<28}{ours.wall / theirs.wall:>9.2f}{ours.rss_mib / theirs.rss_mib:>11.2f}"
          f"{ours.hwm_mib / theirs.hwm_mib:>11.2f}")
    print(f"(median of {args.runs} alternating run(s) each; {NOTE})")
    return 0


def _pathological(args: argparse.Namespace, scratch: Path, base: Path) -> int:
    rows: list[tuple[str, str, Run]] = []
    for label, name in (("1,000,000 identical records", "identical"), ("one 51 MB line", "longline")):
        data = identical_records(base / name) if name == "identical" else long_line(base / name)
        print(f"data: {label} ({data.calls.stat().st_size / 1e6:.0f} MB)")
        rows.append((label, "2", _timed(data, scratch / "out", args.runs)))
    print()
    for label, _, r in rows:
        print(f"{label:<30} wall {r.wall:.2f} s, memory {r.rss_mib:.0f} MiB (Σ peaks {r.hwm_mib:.0f} MiB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Verify against the reference, then time ``telbill bill`` (or compare it with DuckDB)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="call records (default 1,000,000)")
    parser.add_argument("--users", type=int, default=None,
                        help="subscribers (default 10,000; with --scaling, calls/100)")
    parser.add_argument("--runs", type=int, default=None,
                        help="timed runs (median; default 3, with --menu 1, with --menu-steps 5)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed of the data set (default 2024)")
    parser.add_argument("--scaling", action="store_true", help="run 250k, 500k and 1M calls (or --sizes)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                        metavar="N,N,...", help="the call counts of --scaling")
    parser.add_argument("--vs", choices=["duckdb"], default=None,
                        help="compare with the DuckDB job (needs the bench extra)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB's threads (default 2)")
    parser.add_argument("--pathological", action="store_true",
                        help="time 1,000,000 identical records and one 51 MB line")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="generate into DIR and keep it (reused when it matches)")
    parser.add_argument("--no-verify", action="store_true", help="skip the reference comparison")
    parser.add_argument("--menu", action="store_true",
                        help="time the main menu instead: open it, add a user, add, modify and delete a call "
                             "(--runs sessions, default 1)")
    parser.add_argument("--menu-steps", action="store_true",
                        help="time the menu's sorts, finding and listing in the process instead "
                             "(--runs each, default 5; sorted() of the same keys beside each sort)")
    parser.add_argument("--edits", action="store_true",
                        help="time the menu's edits through the session, in file order and sorted, and an "
                             "undo of a user deleted with their calls (--runs each, default 3)")
    parser.add_argument("--no-plain-lists", action="store_true",
                        help="with --menu-steps: skip LinkedList.sort of plain integers and strings")
    args = parser.parse_args(argv)
    if args.menu_steps:
        from benchmarks.steps import run_steps

        return run_steps(calls=args.calls, users=args.users or 10_000, seed=args.seed, runs=args.runs or 5,
                         keep=args.keep, plain_lists=not args.no_plain_lists)
    if args.edits:
        from benchmarks.edits import run_edits

        return run_edits(calls=args.calls, users=args.users or 10_000, seed=args.seed, runs=args.runs or 3,
                         keep=args.keep)
    if args.menu:
        from benchmarks.menu import run_bench

        return run_bench(calls=args.calls, users=args.users or 10_000, seed=args.seed,
                         runs=args.runs or 1, keep=args.keep)
    if args.runs is None:
        args.runs = 3

    print(f"machine: {machine()}")
    scratch = Path(tempfile.mkdtemp(prefix="telbill-bench-"))
    base = args.keep if args.keep is not None else scratch
    try:
        if not args.no_verify and not _verify(scratch):
            return 1
        if args.vs == "duckdb":
            return _vs_duckdb(args, scratch, base)
        if args.pathological:
            return _pathological(args, scratch, base)
        if args.scaling:
            sizes = [(n, args.users or n // 100) for n in (args.sizes or (250_000, 500_000, 1_000_000))]
        else:
            sizes = [(args.calls, args.users or 10_000)]
        rows: list[tuple[str, str, Run]] = []
        for n_calls, n_users in sizes:
            data = _data(base, n_calls, n_users, args.seed)
            rows.append((f"{n_calls:,}", f"{n_users:,}", _timed(data, scratch / "out", args.runs)))
        print()
        print(_table(rows, args.runs))
        for (n0, _, r0), (n1, _, r1) in zip(rows, rows[1:]):
            a, b = int(n0.replace(",", "")), int(n1.replace(",", ""))
            print(f"{n0} -> {n1} calls (x{b / a:.1f}): wall x{r1.wall / r0.wall:.2f}, "
                  f"memory x{r1.rss_mib / r0.rss_mib:.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
