"""The interactive main menu (SPEC §6): ``telbill`` with no subcommand.

A room per part: :mod:`~telbill.menu.ask` (the :class:`~telbill.menu.ask.Asker`
interface and the one way back), :mod:`~telbill.menu.plain` and
:mod:`~telbill.menu.terminal` (the two askers), :mod:`~telbill.menu.layout`
(fitting tables and text to a width, pure), :mod:`~telbill.menu.view` (what
reaches the screen), :mod:`~telbill.menu.context` (the item numbers and what
items work with), :mod:`~telbill.menu.items` (the items, a module per group),
:mod:`~telbill.menu.main` (the loop). The data work is done by
:class:`telbill.session.facade.Session`; this package only asks and shows.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from telbill.console import make_console as telbill_console
from telbill.constants import DEFAULT_AUDIT_LOG
from telbill.errors import OpeningInterrupted
from telbill.files.access import start_empty
from telbill.files.dataset import DataPaths
from telbill.files.waiting import waits_told
from telbill.interrupts import keeping_unraised
from telbill.menu.ask import Asker, BackToMenu
from telbill.menu.busy import Timer, thread_timer
from telbill.menu.context import Ctx
from telbill.menu.keys import KeepKeys, TerminalKeys
from telbill.menu.main import MainMenu
from telbill.menu.plain import PlainAsker
from telbill.menu.progress import LoadingBar
from telbill.menu.terminal import TerminalAsker
from telbill.menu.view import View
from telbill.session.facade import Session
from telbill.text.i18n import Tr

__all__ = ["PLAIN_WIDTH", "make_console", "offer_empty_files", "run_menu"]

PLAIN_WIDTH = 250
"""Plain output is not wrapped to a terminal; tables take the width they need."""


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def make_console(stdout: TextIO | None, *, plain: bool) -> Console:
    """The console the menu prints on: plain text (no colour, no wrapping) or rich."""
    if plain:
        return telbill_console(file=stdout or sys.stdout, width=PLAIN_WIDTH, no_color=True,
                               force_terminal=False, force_interactive=False)
    return telbill_console(file=stdout)


def offer_empty_files(paths: DataPaths, asker: Asker, view: View, tr: Tr) -> None:
    """Data files named that do not exist yet, in folders that do (an instructor starting from
    nothing): a yes makes them empty, and the menu opens on them; a no, or the way back, leaves
    the error with its hint for the command to say (exit 2)."""
    missing = [path for path in (paths.users, paths.calls) if not os.path.lexists(path)]
    if not missing or not all(path.parent.is_dir() for path in missing):
        return
    files = tr("menu.list_sep").join(str(path) for path in missing)
    try:
        if not asker.confirm(tr("menu.start_empty", files=files)):
            return
    except (BackToMenu, EOFError):
        return
    for path in missing:
        start_empty(path)
    view.ok(tr("menu.started_empty", files=files))


def run_menu(
    paths: DataPaths,
    tr: Tr,
    *,
    plain: bool = False,
    stdout: TextIO | None = None,
    stdin: TextIO | None = None,
    console: Console | None = None,
    interactive: bool | None = None,
    audit_log: Path = DEFAULT_AUDIT_LOG,
    backup_dir: Path | None = None,
    operator: str | None = None,
    pt_input: Any = None,
    pt_output: Any = None,
    timer: Timer = thread_timer,
) -> int:
    """Open the menu on the data files; return the exit code (0 when the operator leaves).

    ``interactive`` forces the questionary prompts (True) or plain lines (False)
    instead of looking at ``stdin``; ``pt_input`` / ``pt_output`` are passed to
    prompt_toolkit, ``console`` replaces the output console and ``timer`` the clock that
    decides when a step has run long enough for a spinner (tests).
    Missing or unreadable data files raise TelbillError (the command prints it); a script (``stdin``
    not a terminal) whose item ended with an error (a save refused) raises ScriptNotDone at once.
    """
    stream = stdin if stdin is not None else sys.stdin
    tty = _isatty(stream)
    use_plain = (plain or not tty) if interactive is None else not interactive
    if console is None:
        console = make_console(stdout, plain=use_plain)
    asker: Asker
    keys: TerminalKeys | KeepKeys = KeepKeys()
    if use_plain:
        asker = PlainAsker(tr, console, stream, echo=not tty)
    else:
        if pt_input is None and tty:
            keys = TerminalKeys(stream.fileno())
        asker = TerminalAsker(tr, console, pt_input, pt_output, keys=keys)
    view = View(console, tr, asker, plain=use_plain, timer=timer)
    with keys, keeping_unraised():
        if not use_plain or tty:  # a person, not a script: one who starts from nothing is offered empty files
            offer_empty_files(paths, asker, view, tr)
        try:
            with (LoadingBar(console, tr, show=not use_plain and console.is_terminal, timer=timer) as bar,
                  waits_told(functools.partial(view.waiting, bar.opening))):
                session = Session(paths, audit_log=audit_log, backup_dir=backup_dir, operator=operator,
                                  progress=bar.update, long_lived=True)
        except OpeningInterrupted:
            raise
        except KeyboardInterrupt:  # said as such, not as a batch's "no partial file was left behind"
            raise OpeningInterrupted from None
        try:
            return MainMenu(Ctx(session, view, asker, tr), plain=use_plain, script=use_plain and not tty).run()
        finally:
            session.close()
