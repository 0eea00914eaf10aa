"""The menu on a terminal, as tests drive it: keystrokes through a prompt_toolkit pipe, the screen
recorded by rich, and what prompt_toolkit drew (the questions and the pager's lines)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output
from rich.console import Console

from telbill.files.dataset import DataPaths
from telbill.menu import run_menu
from telbill.menu.busy import Cancel, Timer, thread_timer
from telbill.text.i18n import Translator

ENTER, ESC, BACKSPACE, DOWN = "\r", "\x1b", "\x7f", "\x1b[B"
EN, ZH = Translator("en"), Translator("zh")


@dataclass(frozen=True)
class Session:
    """What one run of the menu left."""

    code: int
    screen: str
    """What rich printed (tables, messages), as plain text."""
    drawn: str
    """What prompt_toolkit drew (questions as answered, the pager's lines), without escape sequences."""


def typed_session(typed: str, *, height: int = 24, width: int = 80, tr: Translator = EN,
                  timer: Timer = thread_timer, terminal: bool = False) -> Session:
    """Run the menu in the current folder on ``typed`` keys (they end there: a menu that asks for
    more exits). ``terminal``: rich's console is a terminal (spinners are drawn)."""
    drawn = io.StringIO()
    output = Vt100_Output(drawn, lambda: Size(rows=height, columns=width), term="xterm")
    console = Console(file=io.StringIO(), width=width, height=height, record=True, color_system=None,
                      force_terminal=terminal)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
        pipe.send_text(typed)
        pipe.close()
        code = run_menu(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), tr, console=console,
                        interactive=True, operator="tester", timer=timer)
    return Session(code, console.export_text(), re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", drawn.getvalue()))


class Done:
    """A timer that has fired or was cancelled."""

    def cancel(self) -> None:
        """Nothing left to cancel."""


def at_once(seconds: float, action: Callable[[], None]) -> Cancel:
    """A clock on which every step is slow: the spinner of each appears as it starts."""
    action()
    return Done()


class FakeClock:
    """A clock that moves only when told: ``timer`` for :class:`telbill.menu.busy.Busy`."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pending: list[tuple[float, Callable[[], None], Pending]] = []

    def timer(self, seconds: float, action: Callable[[], None]) -> Cancel:
        pending = Pending()
        self.pending.append((self.now + seconds, action, pending))
        return pending

    def advance(self, seconds: float) -> None:
        """Time passes (a slow step works): what was due runs."""
        self.now += seconds
        for due, action, pending in list(self.pending):
            if due <= self.now and not pending.cancelled:
                self.pending.remove((due, action, pending))
                action()


class Pending:
    """A timer not yet fired."""

    cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
