"""How fast the menu's heavy steps are: sorting, finding a subscriber, the first page of a long list.

    python benchmarks/menu_speed.py                   # 1,000,000 calls, 10,000 subscribers
    python benchmarks/menu_speed.py --calls 200000 --users 2000

Everything is written into a temporary folder and removed afterwards. Times are
the best of ``--runs`` runs (default 3) of each step, in seconds, on this
machine; ``sorted()`` of the same keys is printed beside the linked list's sort
as a yardstick for the machine's speed (it is not used by telbill).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console

from telbill.dataset import DataPaths
from telbill.i18n import Translator
from telbill.linkedlist import LinkedList
from telbill.menu.ask import BaseAsker
from telbill.menu.context import Ctx
from telbill.menu.rows import show_calls
from telbill.menu.view import View
from telbill.session import CallSort, Session, UserSort

SURNAMES = "张王李赵陈刘杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董欧阳司马"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
LATIN = ["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun"]


def best(runs: int, step: Callable[[], object]) -> float:
    """The shortest of ``runs`` timings of ``step``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def write_data(folder: Path, n_calls: int, n_users: int, seed: int) -> DataPaths:
    """Subscribers with Chinese and Latin names; calls over two years, written as they end."""
    rng = random.Random(seed)
    phones = [str(83_000_000 + i) for i in range(n_users)]
    with (folder / "users.txt").open("w", encoding="utf-8") as out:
        for phone in phones:
            if rng.random() < 0.6:
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            else:
                name = f"{rng.choice(LATIN)} {rng.choice(LATIN)}"
            out.write(f"{phone}  {name}  25.00  6.00\n")
    day0 = date(2023, 1, 1)
    calls = []
    for _ in range(n_calls):
        start = rng.randrange(0, 730 * 86_400)
        length = int(rng.expovariate(1 / 180))
        callee = rng.choice(["8347", "010", "0044"]) + str(rng.randrange(10**6, 10**7))
        calls.append((start + length, start, rng.choice(phones), callee))
    calls.sort()  # the generator's own order (as a switch writes them), not telbill's sort

    def moment(seconds: int) -> str:
        d, s = divmod(seconds, 86_400)
        return f"{(day0 + timedelta(days=d)).isoformat()} {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"

    with (folder / "calls.txt").open("w", encoding="utf-8") as out:
        for end, start, caller, callee in calls:
            out.write(f"{caller}  {callee}  {moment(start)}  {moment(end)}\n")
    return DataPaths(folder / "users.txt", folder / "calls.txt")


def linked_list_sorts(n: int, runs: int) -> None:
    rng = random.Random(1)
    cases = {
        "random ints": [rng.randrange(10**9) for _ in range(n)],
        "sorted ints": list(range(n)),
        "10,000 distinct strings": [str(rng.randrange(10_000)) for _ in range(n)],
    }
    print(f"LinkedList.sort, {n:,} items (best of {runs}; sorted() of the same keys as a yardstick):")
    for label, items in cases.items():
        for reverse in (False, True):
            lists = [LinkedList(items) for _ in range(runs)]
            t = best(runs, lambda: lists.pop().sort(reverse=reverse))
            ref = best(runs, lambda: sorted(items, reverse=reverse))
            print(f"  {label:24s} {'descending' if reverse else 'ascending ':10s} {t:6.2f} s   (sorted() {ref:.2f} s)")


def session_steps(paths: DataPaths, runs: int) -> None:
    start = time.perf_counter()
    session = Session(paths, audit_log=paths.users.parent / "audit.log", operator="bench")
    session.counts()
    print(f"Session opened (read, screened): {time.perf_counter() - start:.2f} s; "
          f"{len(session.users):,} users, {len(session.calls):,} calls")
    for by in CallSort:
        other = CallSort.CALLER if by is not CallSort.CALLER else CallSort.DURATION
        for reverse in (False, True):
            times = []
            for _ in range(runs):  # from another order each time (a sorted list would cost one pass)
                session.sort_calls(other)
                times.append(best(1, lambda: session.sort_calls(by, reverse)))
            print(f"  sort calls by {by.value:8s} {'descending' if reverse else 'ascending ':10s} {min(times):6.2f} s")
    for by in (UserSort.PHONE, UserSort.NAME):
        times = []
        for _ in range(runs):
            session.sort_users(UserSort.NAME if by is UserSort.PHONE else UserSort.PHONE, True)
            times.append(best(1, lambda: session.sort_users(by, False)))
        print(f"  sort users by {by.value:8s} ascending  {min(times):6.2f} s")
    for query in ("zq", "zhangqiang", "8300012", "王", "wang"):
        first = best(1, lambda: session.find_users(query))
        t = best(runs, lambda: session.find_users(query))
        found = len(session.find_users(query).users)
        print(f"  find {query!r:14s} {found:6,} found  {t * 1000:7.1f} ms (first time {first * 1000:.1f} ms)")
    tr = Translator("en")
    console = Console(file=io.StringIO(), width=100, height=40)
    asker = _OnePage(tr)
    view = View(console, tr, asker, plain=False)
    ctx = Ctx(session, view, asker, tr)
    t = best(runs, lambda: show_calls(ctx, list(session.calls), "calls"))
    print(f"  first page of all {len(session.calls):,} calls (widths of the whole list) {t:6.2f} s")


class _OnePage(BaseAsker):
    """Stops a listing after its first page, as an operator pressing q would."""

    paged = True

    def page(self, where: str) -> object:  # type: ignore[override]
        from telbill.menu.ask import PageMove

        return PageMove.STOP


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-list", action="store_true", help="skip the LinkedList.sort timings")
    args = parser.parse_args(argv)
    print(f"Load average before: {os.getloadavg()[0]:.2f} (2 cores busy elsewhere slow every figure below)")
    if not args.no_list:
        linked_list_sorts(args.calls, args.runs)
    with tempfile.TemporaryDirectory(prefix="telbill-menu-bench-") as tmp:
        start = time.perf_counter()
        paths = write_data(Path(tmp), args.calls, args.users, args.seed)
        print(f"Data written in {time.perf_counter() - start:.1f} s")
        session_steps(paths, args.runs)
    print(f"Load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
