"""A progress bar while a large calls file is read for the menu (on a terminal only)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from telbill.text.i18n import Tr

PROGRESS_MIN_LINES = 100_000
"""Files shorter than this are read too fast for a bar to help."""


class LoadingBar:
    """Lines of calls.txt read so far, as a bar that disappears when the menu opens."""

    def __init__(self, console: Console, tr: Tr, *, show: bool) -> None:
        self.tr = tr
        self.show = show
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
                            TimeRemainingColumn(), console=console, transient=True)
        self.task: TaskID | None = None

    def update(self, done: int, total: int) -> None:
        """``done`` of ``total`` lines read; the bar appears only for large files."""
        if not self.show or total < PROGRESS_MIN_LINES:
            return
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task(self.tr("menu.loading"), total=total)
        self.bar.update(self.task, completed=done)

    def __enter__(self) -> LoadingBar:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.task is not None:
            self.bar.stop()
