"""A sign of work: a spinner and what is being done, for any step that is still running
after a moment (SPEC §6: nothing takes longer than half a second without a sign of work).

A step that ends sooner shows nothing (no flicker). The spinner is rich's
:class:`~rich.status.Status`, started from a timer thread while the step runs in
the main thread, and taken off the screen when the step ends (or fails, or is
interrupted). The timer is passed in, so that tests move a fake clock instead
of waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from rich.console import Console
from rich.status import Status

from telbill.interrupts import held
from telbill.text.display import shown

SHOW_AFTER = 0.1
"""Seconds a step runs before its spinner appears (it is drawn within 0.08 s more: well
under the 0.2 s the operator may wait without a sign)."""
SPIN_RATE = 12.5
"""Spinner frames a second."""


class Cancel(Protocol):
    def cancel(self) -> None: ...


Timer = Callable[[float, Callable[[], None]], Cancel]
"""Runs a function once after so many seconds (unless cancelled first)."""


def thread_timer(seconds: float, action: Callable[[], None]) -> Cancel:
    """The real timer: a daemon thread (it never keeps the program alive)."""
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
    return timer


class Delayed:
    """A sign of work drawn only once its step has run ``after`` seconds, and taken away when the
    step ends, fails or is stopped: what :class:`Busy` and the menu's bars
    (:class:`telbill.menu.progress.StepBar`) share. A subclass draws in :meth:`_appear` and
    takes the drawing away in :meth:`_disappear`, both under ``self._lock``."""

    def __init__(self, timer: Timer, after: float) -> None:
        self.timer = timer
        self.after = after
        self._lock = threading.Lock()
        self._drawn = False
        self._done = False
        self._pending: Cancel | None = None

    def _appear(self) -> None:
        raise NotImplementedError

    def _disappear(self) -> None:
        raise NotImplementedError

    def _show(self) -> None:
        with self._lock:
            if self._done or self._drawn:
                return
            self._appear()
            self._drawn = True

    @property
    def shown(self) -> bool:
        """Whether the sign has appeared."""
        return self._drawn

    def __enter__(self) -> Self:
        try:
            self._pending = self.timer(self.after, self._show)
        except BaseException:  # Ctrl-C as the timer started: it may run all the same, and show nothing
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        """The step is over (or something else takes the screen): no sign from now on. Ctrl-C
        is held back meanwhile and raised once the sign has stopped: one that cut this in two
        left the spinner's thread drawing over the next question (found in tmux on a loaded
        machine: "Looking at the data files…" where the main menu's question should be)."""
        with held(reraise=True), self._lock:
            self._done = True
            if self._pending is not None:
                self._pending.cancel()
            if self._drawn:
                self._disappear()


class Busy(Delayed):
    """``with Busy(console, "Sorting 1,000,000 call records…"):`` around a step that may be slow."""

    def __init__(self, console: Console, text: str, *, timer: Timer = thread_timer,
                 after: float = SHOW_AFTER) -> None:
        super().__init__(timer, after)
        self.console = console
        self.text = shown(text)
        self._status: Status | None = None

    def _appear(self) -> None:
        self._status = Status(self.text, console=self.console, spinner="dots", refresh_per_second=SPIN_RATE)
        self._status.start()

    def _disappear(self) -> None:
        if self._status is not None:
            self._status.stop()

    def retell(self, text: str) -> None:
        """The step now waits for something else (a lock another program holds): say ``text`` from
        now on, at once."""
        with self._lock:
            self.text = shown(text)
            if self._status is not None:
                self._status.update(self.text)
                return
        self._show()


class NoBusy:
    """Plain mode, or a console that is no terminal: steps show nothing while they run."""

    shown = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None
