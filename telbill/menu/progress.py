"""Bars of work done, on a terminal only: while the menu opens (:class:`LoadingBar`), and for a
step inside an item whose size is known (:class:`StepBar`).

While the menu opens, from the start a spinner says the data files are being opened; for a large
calls file, once its lines are being read, a bar of lines read takes its place,
and when they are all read the bar says they are being checked, its spinner
turning until the menu opens. All of it is gone when the menu appears.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from telbill.menu.busy import SHOW_AFTER, Busy, Delayed, Timer, thread_timer
from telbill.text.display import shown
from telbill.text.i18n import Tr

PROGRESS_MIN_LINES = 100_000
"""Files shorter than this are read too fast for a bar to help."""
CHECK_SHARE = 0.15
"""The checking after the last line is read, as a share of the reading: the bar is that much
longer than the lines, so that its time remaining covers the checking too (1,000,000 calls at
load 11: reading 9.1 s, checking 1.3 s; 300,000: 3.9 s and 0.3 s). It ends under a spinner."""


class LoadingBar:
    """A spinner, then lines of calls.txt read so far as a bar, while the menu opens."""

    def __init__(self, console: Console, tr: Tr, *, show: bool, timer: Timer = thread_timer) -> None:
        self.tr = tr
        self.show = show
        self.opening = Busy(console, tr("menu.busy.open"), timer=timer) if show else None
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.fields[lines]}"), TimeRemainingColumn(), console=console,
                            transient=True)
        self.task: TaskID | None = None
        self.checking = False

    def update(self, done: int, total: int) -> None:
        """``done`` of ``total`` lines read; the bar appears only for large files."""
        if not self.show or total < PROGRESS_MIN_LINES:
            return
        if self.task is None:
            if self.opening is not None:
                self.opening.stop()  # one live display at a time: the bar takes the spinner's place
            self.bar.start()
            self.task = self.bar.add_task(self.tr("menu.loading"), total=total + int(total * CHECK_SHARE), lines="")
        # lines, not records: comments and blank lines count (the menu's heading counts records)
        lines = self.tr("menu.loading.lines", done=f"{done:,}", total=f"{total:,}")
        self.bar.update(self.task, completed=done, lines=lines)
        if done >= total and not self.checking:  # read: checked next, as long as it takes (a turning spinner)
            self.checking = True
            self.bar.update(self.task, visible=False)
            self.bar.add_task(self.tr("menu.loading.check"), total=None,
                              lines=self.tr("menu.loading.lines_all", total=f"{total:,}"))

    def __enter__(self) -> Self:
        if self.opening is not None:
            self.opening.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.opening is not None:
            self.opening.stop()
        if self.task is not None:
            self.bar.stop()


class StepBar(Delayed):
    """``with StepBar(console) as bar:`` around a step whose size is known (records sorted, added
    up, measured): ``bar.phase("Sorting the calls found…", total)`` as each part of it begins,
    ``bar.advance(n)`` as each ``n`` more of that part are done.

    Like :class:`~telbill.menu.busy.Busy`, it appears only once the step has run a moment (no
    flicker for a quick one), says what is being done and how far along (``412,000/1,000,000``,
    with the time remaining), and is gone from the screen when the step ends, fails or is stopped
    with Ctrl-C.
    """

    def __init__(self, console: Console, *, timer: Timer = thread_timer, after: float = SHOW_AFTER) -> None:
        super().__init__(timer, after)
        self.total = 0
        self.done = 0
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.fields[count]}"), TimeRemainingColumn(), console=console,
                            transient=True)
        self.task = self.bar.add_task("", total=1, count="")

    def phase(self, text: str, total: int) -> None:
        """A part of the step begins: ``total`` of something, none done yet, said by ``text``."""
        self.total, self.done = total, 0
        self.bar.reset(self.task, total=max(total, 1), description=shown(text), count=self._count())
        self.bar.refresh()  # each part is said as it begins, however short (drawn only once shown)

    def advance(self, n: int) -> None:
        """``n`` more of the part's ``total`` are done."""
        self.update(self.done + n, self.total)

    def update(self, done: int, total: int) -> None:
        """``done`` of the part's ``total`` are done (a total known only once the part has begun)."""
        self.done, self.total = done, total
        self.bar.update(self.task, completed=done, total=max(total, 1), count=self._count())

    def _count(self) -> str:
        return f"{min(self.done, self.total):,}/{self.total:,}"

    def _appear(self) -> None:
        self.bar.start()

    def _disappear(self) -> None:
        self.bar.stop()


class NoBar:
    """Plain mode, or a console that is no terminal: a step of a known size shows nothing."""

    shown = False

    def phase(self, text: str, total: int) -> None:
        """Nothing is drawn."""

    def advance(self, n: int) -> None:
        """Nothing is drawn."""

    def update(self, done: int, total: int) -> None:
        """Nothing is drawn."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None
