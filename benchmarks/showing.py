"""What the menu shows, timed as the operator meets it (issue 17 §2): the first page of each list,
a statement, the statistics, the anomalies, each through the menu's own item on a scripted
80×24 screen that stops every list after its first page.

Part of ``python -m benchmarks --menu-steps``. First the indexes the menu makes in a
background thread while its main menu waits for a key (:mod:`telbill.menu.warm`) are made
and timed. Then each step is timed from a question answered to the first page shown: once
as its first use (judged against the target too: it is what the operator waits for), then
``runs`` times (a different subscriber each run where one is named),
then once more after an edit (a call added: what the session holds changed), so a cache
that an edit throws away shows. Wall clock and this process's CPU time are printed. Item 10 writes ``output/anomalies.txt`` relative to
the current folder: :func:`shown_steps` runs inside the benchmark's scratch folder.
"""

from __future__ import annotations

import io
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from rich.console import Console

from telbill.menu.ask import BackToMenu, PageMove
from telbill.menu.context import Ctx
from telbill.menu.items.bills import item_anomalies
from telbill.menu.items.search import item_search
from telbill.menu.items.show import item_show_calls, item_show_users
from telbill.menu.items.statement import item_statement, item_statistics
from telbill.menu.plain import PlainAsker
from telbill.menu.view import View
from telbill.rules.fields import SECONDS_PER_DAY
from telbill.rules.records import User
from telbill.session.facade import Session
from telbill.text.i18n import Translator

WIDTH, HEIGHT = 80, 24
"""The screen of the trial (issue 17)."""


class FirstPage(PlainAsker):
    """Plain answers from a script; every list stops after its first page (``q``)."""

    paged = True

    def page(self, where: str, *, jump: bool = True) -> PageMove:
        return PageMove.STOP


def menu_on(session: Session, answers: list[str]) -> Ctx:
    """The menu's context on an 80×24 screen that is thrown away, reading ``answers``."""
    tr = Translator("en")
    console = Console(file=io.StringIO(), width=WIDTH, height=HEIGHT)
    asker = FirstPage(tr, console, io.StringIO("".join(a + "\n" for a in answers)), echo=False)
    return Ctx(session, View(console, tr, asker, plain=False), asker, tr)


def run_item(item: Callable[[Ctx], None], session: Session, answers: list[str]) -> None:
    """An item up to where its script ends (the question after the list, when the list is all)."""
    try:
        item(menu_on(session, answers))
    except (EOFError, BackToMenu):
        pass


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    target: float
    """Seconds (issue 17 §2, at 1,000,000 calls)."""
    run: Callable[[int], object]
    """One run; the argument says which (a different subscriber each)."""


def steps(session: Session, users: list[User]) -> list[Step]:
    """The steps of issue 17 §2, each as the menu does it."""

    def who(i: int) -> User:
        return users[(i * 7919) % len(users)]

    every_day = first_and_last_day(session)

    return [
        Step("statement (item 11, subscriber typed)", 0.1,
             lambda i: run_item(item_statement, session, [who(i).phone, "="])),
        Step("search -> statement (item 8)", 0.1,
             lambda i: run_item(item_search, session, ["1", who(i).phone, "1", "="])),
        Step("statistics, first page (item 12)", 0.3, lambda i: run_item(item_statistics, session, [])),
        Step("anomalies, first page (item 10)", 0.3, lambda i: run_item(item_anomalies, session, [])),
        Step("all users, first page (item 1)", 0.3, lambda i: run_item(item_show_users, session, [])),
        Step("all calls, first page (item 2)", 0.3, lambda i: run_item(item_show_calls, session, [])),
        Step("a month's calls, first page (item 8)", 0.3,
             lambda i: run_item(item_search, session, ["3", session.billed_months()[-1 - i % 3]])),
        Step("a subscriber's calls, first page (item 8)", 0.3,
             lambda i: run_item(item_search, session, ["1", who(i).phone, "2"])),
        Step("every call by dates, first page (item 8)", 1.0,
             lambda i: run_item(item_search, session, ["4", *every_day])),
    ]


def first_and_last_day(session: Session) -> tuple[str, str]:
    """The first and the last day of every call record held: item 8's dates that find them all."""
    days = [c.start // SECONDS_PER_DAY for c in session.calls]
    return date.fromordinal(min(days)).isoformat(), date.fromordinal(max(days)).isoformat()


def timed(step: Callable[[], object]) -> tuple[float, float]:
    """Seconds ``step`` takes: wall clock, and this process's CPU time (less disturbed by other jobs)."""
    start, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - start, time.process_time() - cpu


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    """The current folder is ``folder`` (item 10 writes ``output/anomalies.txt`` there)."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def shown_steps(session: Session, folder: Path, runs: int, out: Callable[[str], None]) -> list[tuple[str, float, float]]:
    """Time each step once as the first use (what the session makes at first use, an index, is
    made then), then ``runs`` times, then once after a call is added; print and return (label,
    median seconds, target) of the runs and of the run after an edit."""
    users = sorted(session.users, key=lambda u: u.line_no or 0)
    results: list[tuple[str, float, float]] = []
    folder.mkdir(parents=True, exist_ok=True)
    with inside(folder):
        # What the menu makes in a background thread while its main menu waits for a key.
        made, made_cpu = timed(session.prepare)
        out(f"  made while the main menu waits for a key (menu/warm.py): {made:.3f} s (CPU {made_cpu:.3f} s); "
            "an item chosen sooner waits for the rest")
        for step in steps(session, users):
            first, _ = timed(partial(step.run, runs))
            times = [timed(partial(step.run, i)) for i in range(runs)]
            median = statistics.median(wall for wall, _ in times)
            cpu = statistics.median(cpu for _, cpu in times)
            out(f"  {step.label:<45} first {first:6.3f} s, then median {median:6.3f} s (CPU {cpu:6.3f} s), "
                f"slowest {max(wall for wall, _ in times):6.3f} s   (target <= {step.target:.1f} s)")
            results.append((step.label + ", first use", first, step.target))
            results.append((step.label, median, step.target))
        out("After an edit (a call added, as item 4 does), once each:")
        for n, step in enumerate(steps(session, users)):
            first = users[(n * 31) % len(users)]
            moment = max(c.start for c in session.calls_of(first.phone)) + 3_600 if session.calls_of(first.phone) \
                else 739_000 * 86_400
            session.add_call(first.phone, "110", moment, moment + 61, accept_anomaly=True)
            seconds, cpu = timed(partial(step.run, runs + 1 + n))
            out(f"  {step.label:<45} {seconds:6.3f} s (CPU {cpu:6.3f} s)   (target <= {step.target:.1f} s)")
            results.append((step.label + ", after an edit", seconds, step.target))
    return results
