"""``python -m benchmarks``: check ``telbill bill`` against a reference, then time it.

Modes (figures and how to read them: benchmarks/README.md):

- default: the reference check (3,000 calls), then ``--runs`` timed runs of
  ``telbill bill`` on ``--calls`` calls and ``--users`` subscribers of each
  ``--shape`` (see :class:`benchmarks.generate.Shape`: ``ends``, as each call ends,
  sparse callers; ``starts``, in start order, dense callers sharing a prefix;
  ``identical``, one record repeated);
- ``--scaling``: the same at 250k, 500k and 1M calls (or the sizes of ``--sizes``),
  with how much wall time and memory each tenfold costs;
- ``--vs duckdb``: telbill and the DuckDB job give the same bill rows and anomaly
  codes on a 50,000-call check set (exit 1 at the first difference), then both
  are timed in alternation on every set (every shape, every size) and the
  ratios printed;
- ``--memory SIZE``: telbill's memory budget (``telbill bill --memory``);
- ``--pathological``: 1,000,000 identical records (all set aside as overlaps) and
  one 51 MB line;
- ``--menu``: the main menu as a process (:mod:`benchmarks.menu`): opening it
  and four edits;
- ``--edits``: the menu's edits through the session, sorted and not (:mod:`benchmarks.edits`);
- ``--menu-steps``: the menu's heavy steps in the process (:mod:`benchmarks.steps`):
  every sort of item 7, finding subscribers, the first page of every call.

Every timed run is a fresh process; its memory is the peak of the sum of the
proportional set sizes of its processes (:mod:`benchmarks.timing`). The host's
load average is printed before and after, and with every run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import PATHOLOGICAL_USERS, DataSet, Shape, ensure_data, long_line
from benchmarks.reference import Mismatch, verify
from benchmarks.timing import Run, compile_jobs, machine, median_run, run_duckdb, run_telbill

NOTE = ("wall = process start to exit; CPU = user + system seconds of the job's processes; memory = peak "
        "of the summed PSS of the job's processes (shared pages once); Σ RSS = peak of the summed resident "
        "sets; B/call = memory per call record")


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _run_line(name: str, i: int, run: Run) -> str:
    phases = ", ".join(f"{p} {s:.2f}" for p, s in run.phases.items() if p != "total")
    return (f"  {name} run {i}: wall {run.wall:.2f} s, CPU {run.cpu:.2f} s (busiest process {run.busiest:.2f} s), "
            f"memory {run.pss_mib:.0f} MiB "
            f"(Σ RSS {run.rss_mib:.0f} MiB, {run.processes} process{'es' if run.processes > 1 else ''})"
            + (f"; {phases}" if phases else "") + f"  [{_load()}]")


@dataclass(slots=True)
class Measured:
    """One data set's median runs: telbill's, and the DuckDB job's when compared."""

    shape: Shape
    calls: int
    users: int
    ours: Run
    theirs: Run | None
    cluster: Run | None = None
    """telbill bill --cluster's median run (with ``--cluster``)."""


def _table(rows: list[Measured], runs: int) -> str:
    phases = list(dict.fromkeys(p for m in rows for p in m.ours.phases))
    vs = any(r.theirs is not None for r in rows)
    head = ["shape", "calls", "users", *phases, "wall", "CPU", "memory", "Σ RSS", "B/call"]
    if vs:
        head += ["DuckDB wall", "CPU", "memory", "wall ×", "CPU ×", "memory ×"]
    body = []
    for m in rows:
        r = m.ours
        row = [m.shape.value, f"{m.calls:,}", f"{m.users:,}",
               *(f"{r.phases[p]:.2f} s" if p in r.phases else "-" for p in phases),
               f"{r.wall:.2f} s", f"{r.cpu:.2f} s", f"{r.pss_mib:,.0f} MiB", f"{r.rss_mib:,.0f} MiB",
               f"{r.pss_mib * 1024 * 1024 / max(m.calls, 1):.0f}"]
        if vs:
            t = m.theirs
            row += ([f"{t.wall:.2f} s", f"{t.cpu:.2f} s", f"{t.pss_mib:,.0f} MiB", f"{r.wall / t.wall:.2f}",
                     f"{r.cpu / t.cpu:.2f}", f"{r.pss_mib / t.pss_mib:.2f}"] if t is not None else ["-"] * 6)
        body.append(row)
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in body]
    lines.append(f"(median of {runs} run(s){', alternating with DuckDB' if vs else ''}; {NOTE})")
    clustered = [m for m in rows if m.cluster is not None]
    if clustered:
        lines += ["", "telbill bill --cluster, beside telbill on one machine:"]
        head = ["shape", "calls", "split", "bill", "write", "wall", "CPU", "memory", "client peak",
                "biggest worker peak", "wall × one machine"]
        body = []
        for m in clustered:
            c = m.cluster
            assert c is not None
            body.append([m.shape.value, f"{m.calls:,}",
                         *(f"{c.phases[p]:.2f} s" if p in c.phases else "-" for p in ("split", "bill", "write")),
                         f"{c.wall:.2f} s", f"{c.cpu:.2f} s", f"{c.pss_mib:,.0f} MiB", f"{c.first_mib:,.0f} MiB",
                         f"{c.others_mib[0] if c.others_mib else 0:,.0f} MiB", f"{c.wall / m.ours.wall:.2f}"])
        widths = [max(len(x) for x in col) for col in zip(head, *body)]
        lines.append("  ".join(h.rjust(w) for h, w in zip(head, widths)))
        lines += ["  ".join(x.rjust(w) for x, w in zip(row, widths)) for row in body]
        lines.append("(memory: the whole tree, client, scheduler, nannies and workers; peaks: each process's VmHWM)")
    return "\n".join(lines)


def _growth(rows: list[Measured]) -> list[str]:
    """How wall time and memory grow from one size to the next, per shape."""
    out = []
    for a, b in itertools.pairwise(rows):
        if a.shape is not b.shape or a.calls >= b.calls:
            continue
        line = (f"{a.shape.value}: {a.calls:,} -> {b.calls:,} calls (x{b.calls / a.calls:.1f}): "
                f"telbill wall x{b.ours.wall / a.ours.wall:.2f}, memory x{b.ours.pss_mib / a.ours.pss_mib:.2f}")
        if a.theirs is not None and b.theirs is not None:
            line += (f"; DuckDB wall x{b.theirs.wall / a.theirs.wall:.2f}, "
                     f"memory x{b.theirs.pss_mib / a.theirs.pss_mib:.2f}")
        out.append(line)
    return out


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


def _check_duckdb(scratch: Path) -> bool:
    """The DuckDB job gives telbill's rows and codes on the check set (False, said, if not)."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        print("--vs duckdb needs DuckDB: pip install -e '.[bench]'", file=sys.stderr)
        return False
    from benchmarks.versus import CHECK_CALLS, CHECK_USERS, compare

    t0 = time.perf_counter()
    try:
        rows, anomalies = compare(scratch / "check")
    except Mismatch as exc:
        print(f"FAILED: telbill and the DuckDB job differ:\n{exc}", file=sys.stderr)
        return False
    print(f"DuckDB check: OK ({CHECK_CALLS:,} calls, {CHECK_USERS} users: {rows:,} bill rows and "
          f"{anomalies} anomaly codes identical; {time.perf_counter() - t0:.1f} s)")
    return True


def _data(base: Path, shape: Shape, n_calls: int, n_users: int, seed: int) -> DataSet:
    if shape is Shape.IDENTICAL:
        n_users = len(PATHOLOGICAL_USERS.splitlines())
    folder = base / f"{shape.value}-calls{n_calls}-users{n_users}-seed{seed}"
    t0 = time.perf_counter()
    data = ensure_data(folder, n_calls, n_users, seed, shape)
    print(f"data: {shape.value}, {n_calls:,} calls, {data.n_users:,} users in {folder} "
          f"({data.calls.stat().st_size / 1e6:,.0f} MB; ready in {time.perf_counter() - t0:.1f} s)")
    return data


def _same_files(one: Path, other: Path) -> None:
    """The three files of two telbill runs are the same bytes but for the time they were made."""
    for name in ("bills.txt", "anomalies.txt", "bills.csv"):
        texts = [[line for line in (folder / name).read_bytes().splitlines(keepends=True)
                  if not line.startswith(b"# generated:")] for folder in (one, other)]
        if texts[0] != texts[1]:
            raise SystemExit(f"FAILED: {name} of telbill bill --cluster differs from one machine's")


def _measure(data: DataSet, out: Path, args: argparse.Namespace) -> tuple[Run, Run | None, Run | None]:
    """``--runs`` runs of telbill (alternating with telbill on a cluster with ``--cluster`` and with
    the DuckDB job with ``--vs``); the medians."""
    ours: list[Run] = []
    theirs: list[Run] = []
    clustered: list[Run] = []
    extra = ["--memory", args.memory] if args.memory else []
    for i in range(args.runs):
        run = run_telbill(data, out / "telbill", extra=extra)
        ours.append(run)
        print(_run_line("telbill", i + 1, run), flush=True)
        if args.cluster:
            run = run_telbill(data, out / "cluster", extra=[*extra, "--cluster", args.cluster])
            _same_files(out / "telbill", out / "cluster")
            clustered.append(run)
            print(_run_line("cluster", i + 1, run) + f"; client peak {run.first_mib:,.0f} MiB, others' peaks "
                  + ", ".join(f"{m:,.0f}" for m in run.others_mib) + " MiB; files identical", flush=True)
        if args.vs == "duckdb":
            run = run_duckdb(data, out / "duckdb", args.threads, args.duckdb_memory)
            theirs.append(run)
            print(_run_line("duckdb ", i + 1, run), flush=True)
    return median_run(ours), median_run(theirs) if theirs else None, median_run(clustered) if clustered else None


def _pathological(args: argparse.Namespace, scratch: Path, base: Path) -> int:
    rows: list[tuple[str, Run]] = []
    for label, name in (("1,000,000 identical records", "identical"), ("one 51 MB line", "longline")):
        data = ensure_data(base / name, 1_000_000, 2, 0, Shape.IDENTICAL) if name == "identical" else \
            long_line(base / name)
        print(f"data: {label} ({data.calls.stat().st_size / 1e6:.0f} MB)")
        rows.append((label, _measure(data, scratch / "out", args)[0]))
    print()
    for label, r in rows:
        print(f"{label:<30} wall {r.wall:.2f} s, memory {r.pss_mib:.0f} MiB (Σ RSS {r.rss_mib:.0f} MiB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Verify against the reference, then time ``telbill bill`` (or compare it with DuckDB)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="call records (default 1,000,000)")
    parser.add_argument("--users", type=int, default=None, help="subscribers (default 10,000)")
    parser.add_argument("--runs", type=int, default=None,
                        help="timed runs (median; default 3, with --menu 1, with --menu-steps 5)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed of the data set (default 2024)")
    parser.add_argument("--shape", type=_shapes, default=[Shape.ENDS], metavar="SHAPE,...",
                        help="the data sets' shapes: ends (as each call ends, sparse callers; the default), "
                             "starts (in start order, dense callers sharing a prefix), identical (one record "
                             "repeated)")
    parser.add_argument("--memory", default=None, metavar="SIZE",
                        help="telbill's memory budget (telbill bill --memory SIZE, e.g. 2G)")
    parser.add_argument("--scaling", action="store_true", help="run 250k, 500k and 1M calls (or --sizes)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None,
                        metavar="N,N,...", help="the call counts of --scaling")
    parser.add_argument("--vs", choices=["duckdb"], default=None,
                        help="compare with the DuckDB job (needs the bench extra)")
    parser.add_argument("--cluster", default=None, metavar="ADDRESS",
                        help="also time telbill bill --cluster ADDRESS (local:2: two worker processes on this "
                             "machine; needs the cluster extra), its files checked against one machine's")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB's threads (default 2)")
    parser.add_argument("--duckdb-memory", default=None, metavar="LIMIT",
                        help="DuckDB's memory_limit, such as 2GiB (default: its own, 80%% of the RAM; it spills "
                             "to disk beyond it)")
    parser.add_argument("--pathological", action="store_true",
                        help="time 1,000,000 identical records and one 51 MB line")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="generate into DIR and keep it (reused when it matches; 100M calls are about 6 GB)")
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
    compile_jobs()  # no timed process compiles its modules (see the function)
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

    print(f"machine: {machine()}; {_load()}")
    scratch = Path(tempfile.mkdtemp(prefix="telbill-bench-"))
    base = args.keep if args.keep is not None else scratch
    try:
        if not args.no_verify and not _verify(scratch):
            return 1
        if args.vs == "duckdb" and not _check_duckdb(scratch):
            return 1
        if args.pathological:
            return _pathological(args, scratch, base)
        sizes = (args.sizes or [250_000, 500_000, 1_000_000]) if args.scaling else [args.calls]
        rows: list[Measured] = []
        for shape in args.shape:
            for n_calls in sizes:
                data = _data(base, shape, n_calls, args.users or 10_000, args.seed)
                ours, theirs, clustered = _measure(data, scratch / "out", args)
                rows.append(Measured(shape, n_calls, data.n_users, ours, theirs, clustered))
                shutil.rmtree(scratch / "out", ignore_errors=True)
        print()
        print(_table(rows, args.runs))
        for line in _growth(rows):
            print(line)
        print(_load())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _shapes(text: str) -> list[Shape]:
    try:
        return [Shape(name) for name in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"shapes are {', '.join(s.value for s in Shape)}: {text!r}") from None


if __name__ == "__main__":
    raise SystemExit(main())
