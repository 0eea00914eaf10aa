"""The menu on a terminal, as tests drive it: keystrokes through a prompt_toolkit pipe, the screen
recorded by rich, and what prompt_toolkit drew (the questions and the pager's lines)."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pexpect
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output
from rich.console import Console

from telbill.files.dataset import DataPaths
from telbill.menu import run_menu
from telbill.menu.busy import Cancel, Timer, thread_timer
from telbill.text.i18n import Translator

from plain import EN, ZH  # noqa: F401  (ZH for the tests that import it from here)

ENTER, ESC, BACKSPACE, DOWN, UP, CTRL_C = "\r", "\x1b", "\x7f", "\x1b[B", "\x1b[A", "\x03"
KEY = " "
"""Any key: after an item that waits for one, it brings the menu back."""


class TerminalRun(NamedTuple):
    """What one run of the menu left: ``code, screen, drawn = typed_session(…)``."""

    code: int
    screen: str
    """What rich printed (tables, messages), as plain text."""
    drawn: str
    """What prompt_toolkit drew (questions as answered, the pager's lines), without escape sequences."""


def typed_session(typed: str, *, height: int = 24, width: int = 80, tr: Translator = EN,
                  timer: Timer = thread_timer, terminal: bool = False) -> TerminalRun:
    """Run the menu in the current folder on ``typed`` keys, on a terminal of ``height`` lines and
    ``width`` columns, as the operator ``tester`` (the keys end there: a menu that asks for more
    reads the end of its input and exits, no hang). ``terminal``: rich's console is a terminal
    (spinners are drawn). The one prompt_toolkit pipe-input runner for every test."""
    drawn = io.StringIO()
    code, console = _run(typed, drawn, height=height, width=width, tr=tr, timer=timer, terminal=terminal)
    return TerminalRun(code, console.export_text(), re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", drawn.getvalue()))


def _run(typed: str, drawn: io.StringIO, *, height: int, width: int, tr: Translator, timer: Timer = thread_timer,
         terminal: bool = False) -> tuple[int, Console]:
    """The menu run on ``typed`` keys, prompt_toolkit drawing into ``drawn``; its exit code, and
    the console rich printed to."""
    output = Vt100_Output(drawn, lambda: Size(rows=height, columns=width), term="xterm")
    console = Console(file=io.StringIO(), width=width, height=height, record=True, color_system=None,
                      force_terminal=terminal)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
        pipe.send_text(typed)
        pipe.close()
        code = run_menu(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), tr, console=console,
                        interactive=True, operator="tester", timer=timer)
    return code, console


def screens(typed: str, *, width: int, height: int = 30, tr: Translator = EN) -> list[list[str]]:
    """What a terminal ``width`` columns wide showed of prompt_toolkit's drawing each time it was
    drawn (a question waiting with its choices, a number typed, the answer echoed), as a terminal
    emulator (pyte) shows it: the tables and messages rich prints are not in it. A line drawn
    wider than the screen is cut at its edge here, as on a real terminal."""
    import pyte

    screen = pyte.Screen(width, 1000)  # taller than prompt_toolkit was told: nothing scrolls away
    stream = pyte.Stream(screen)
    shown: list[list[str]] = []

    class Terminal(io.StringIO):
        def write(self, data: str) -> int:
            stream.feed(data)
            return len(data)

        def flush(self) -> None:
            shown.append(written(screen))

    _run(typed, Terminal(), height=height, width=width, tr=tr)
    return shown


def written(screen: Any) -> list[str]:
    """A pyte screen's lines as ``screen.display`` shows them, each without its trailing spaces,
    and without the empty lines below the last written: pyte's ``display`` looks up every cell of
    the screen's 1,000 lines, at each drawing (two thirds of those tests' time); here only the
    cells written are, and a wide character's second cell is skipped as pyte skips it."""
    from wcwidth import wcwidth

    lines: list[str] = []
    for y in range(max((y for y, line in screen.buffer.items() if line), default=-1) + 1):
        line, chars, wide = screen.buffer[y], [], False
        for x in range(max(line, default=-1) + 1):
            if wide:
                wide = False
                continue
            char = line[x].data
            wide = wcwidth(char[0]) == 2
            chars.append(char)
        lines.append("".join(chars).rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


QUICK_STEPS = ("import telbill.cli, telbill.menu.terminal as t; t.BUSY_AFTER = t.ENTER_AFTER_ONE_KEY = 60.0; "
               "telbill.cli.entry()")
"""``python -c`` for telbill with every step quicker than :data:`telbill.menu.terminal.BUSY_AFTER`
and :data:`telbill.menu.terminal.ENTER_AFTER_ONE_KEY`."""


SLOW_QUESTIONS = ("import pathlib, time, prompt_toolkit.application.application as a; pre_run = a.Application._pre_run; "
                  "a.Application._pre_run = lambda app, hook=None: (pre_run(app, hook), "
                  "pathlib.Path('setting-up').touch(), time.sleep(1.0))[0]; ")
"""Python run before telbill: each question takes a second more to be set up, after prompt_toolkit
took Ctrl-C as its signal and before the terminal is in raw mode (a window of a few milliseconds
that a loaded machine makes longer), and the file ``setting-up`` tells the test it is there."""


def in_a_pty(folder: Path, *, rows: int = 40, columns: int = 100, quick: bool = False,
             before: str = "") -> pexpect.spawn:
    """The real ``telbill --lang en`` started in ``folder`` in a pseudo-terminal of ``rows`` lines
    and ``columns`` columns, with no locale of the test's own; the caller closes it. ``quick``:
    every step counts as quick (under a minute), so keys typed ahead of one are kept, and an Enter
    typed with the y, n or q before it is part of that key, however slow the machine is (on a busy
    one a step of the menu can take longer than BUSY_AFTER). ``before``: Python run first (such as
    :data:`SLOW_QUESTIONS`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS=str(columns), LINES=str(rows))
    start = QUICK_STEPS if quick else "import telbill.cli; telbill.cli.entry()"
    program = ["-c", before + start] if quick or before else ["-m", "telbill"]
    return pexpect.spawn(sys.executable, [*program, "--lang", "en"], cwd=str(folder), env=env,
                         encoding="utf-8", timeout=20, dimensions=(rows, columns))


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
