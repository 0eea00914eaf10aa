"""The numbered main menu (SPEC §6): ``telbill`` with no subcommand.

On a terminal the operator types an item's number (or moves with the arrow
keys) in questionary prompts and sees rich tables; when standard input is not a
terminal, or with ``--plain``, the same menu reads plain numbered answers line
by line and prints plain text. Ctrl-C backs out of an item; at the menu, Ctrl-C,
0 or the end of input ends the program. The data work is done by
:class:`telbill.session.Session`; this module only asks and shows.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from telbill.console import make_console as telbill_console
from telbill.constants import DEFAULT_AUDIT_LOG, EXIT_OK
from telbill.dataset import DataPaths
from telbill.errors import ConflictError, TelbillError
from telbill.i18n import Tr
from telbill.menu_io import (
    Asker,
    BackToMenu,
    Ctx,
    Option,
    PlainAsker,
    TerminalAsker,
    View,
)
from telbill.menu_items import (
    item_add_call,
    item_add_user,
    item_delete,
    item_modify,
    item_search,
    item_show_calls,
    item_show_users,
    item_sort,
    show_problems,
)
from telbill.menu_reports import (
    item_anomalies,
    item_backup,
    item_billing,
    item_statement,
    item_statistics,
)
from telbill.session import Session

PLAIN_WIDTH = 250
"""Plain output is not wrapped to a terminal; tables take the width they need."""

ITEMS: dict[int, Callable[[Ctx], None]] = {
    1: item_show_users,
    2: item_show_calls,
    3: item_add_user,
    4: item_add_call,
    5: item_modify,
    6: item_delete,
    7: item_sort,
    8: item_search,
    9: item_billing,
    10: item_anomalies,
    11: item_statement,
    12: item_statistics,
    13: item_backup,
}


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def make_console(stdout: TextIO | None, plain: bool) -> Console:
    """The console the menu prints on: plain text (no colour, no wrapping) or rich."""
    if plain:
        return telbill_console(file=stdout or sys.stdout, width=PLAIN_WIDTH, no_color=True,
                               force_terminal=False, force_interactive=False)
    return telbill_console(file=stdout)


def run_menu(
    paths: DataPaths,
    tr: Tr,
    plain: bool,
    stdout: TextIO | None,
    *,
    stdin: TextIO | None = None,
    console: Console | None = None,
    interactive: bool | None = None,
    audit_log: Path = DEFAULT_AUDIT_LOG,
    backup_dir: Path | None = None,
    operator: str | None = None,
    pt_input: Any = None,
    pt_output: Any = None,
) -> int:
    """Open the menu on the data files; return the exit code (0 when the operator leaves).

    ``interactive`` forces the questionary prompts (True) or plain lines (False)
    instead of looking at ``stdin``; ``pt_input`` / ``pt_output`` are passed to
    prompt_toolkit, and ``console`` replaces the output console (tests).
    Missing or unreadable data files raise TelbillError (the command prints it).
    """
    stream = stdin if stdin is not None else sys.stdin
    tty = _isatty(stream)
    use_plain = (plain or not tty) if interactive is None else not interactive
    if console is None:
        console = make_console(stdout, use_plain)
    asker: Asker
    if use_plain:
        asker = PlainAsker(tr, console, stream, echo=not tty)
    else:
        asker = TerminalAsker(tr, console, pt_input, pt_output)
    view = View(console, tr, asker, use_plain)
    session = Session(paths, audit_log=audit_log, backup_dir=backup_dir, operator=operator)
    return MainMenu(Ctx(session, view, asker, tr), plain=use_plain).run()


class MainMenu:
    """The loop: heading, the numbered items, run the one chosen."""

    def __init__(self, ctx: Ctx, plain: bool) -> None:
        self.ctx = ctx
        self.plain = plain

    def options(self) -> list[Option[int]]:
        tr = self.ctx.tr
        return [Option(str(n), tr(f"menu.item.{n}"), n) for n in ITEMS] + [Option("0", tr("menu.item.0"), 0)]

    def run(self) -> int:
        ctx = self.ctx
        self.notices()
        show_problems(ctx)
        while True:
            try:
                self.reload_if_changed()
                self.heading()
                choice = ctx.ask.select(ctx.tr("menu.ask.item"), self.options(), ctx.tr("menu.hint.main"))
            except (KeyboardInterrupt, EOFError):
                return self.bye()
            if choice == 0:
                return self.bye()
            try:
                self.reload_if_changed()  # a file edited while the menu waited: the item sees it
                ITEMS[choice](ctx)
                ctx.ask.pause()
            except BackToMenu:
                pass
            except KeyboardInterrupt:
                ctx.view.say("")
                ctx.view.warn(ctx.tr("menu.interrupted"))
            except EOFError:
                if self.plain:
                    return self.bye()
                ctx.view.warn(ctx.tr("menu.interrupted"))
            except ConflictError as exc:
                ctx.view.error(exc.render(ctx.tr))
                ctx.ask.pause()
            except TelbillError as exc:
                ctx.view.error(ctx.tr("menu.error", message=exc.render(ctx.tr)))
                ctx.ask.pause()
            except BrokenPipeError:
                raise
            except Exception as exc:  # a bug: one line, back to the menu, never a traceback
                if os.environ.get("TELBILL_DEBUG"):
                    raise
                ctx.view.error(ctx.tr("menu.error.internal", error=f"{type(exc).__name__}: {exc}"))

    def bye(self) -> int:
        self.ctx.view.say(self.ctx.tr("menu.bye"))
        return EXIT_OK

    def notices(self) -> None:
        """Files read as GB18030 or with mixed encodings; saves cut short and finished or taken back."""
        ctx = self.ctx
        for path, encoding in ctx.session.dataset.encodings.items():
            if encoding != "utf-8":
                ctx.view.warn(ctx.tr(f"notice.encoding.{encoding}", path=path))
        self.session_notices()

    def session_notices(self) -> None:
        """What the session has to tell (told once)."""
        ctx = self.ctx
        while ctx.session.notices:
            ctx.view.warn(ctx.session.notices.pop(0).render(ctx.tr))

    def reload_if_changed(self) -> None:
        ctx = self.ctx
        try:
            changed = ctx.session.refresh()
        except TelbillError as exc:
            ctx.view.error(ctx.tr("menu.error", message=exc.render(ctx.tr)))
            return
        for path in changed:
            ctx.view.warn(ctx.tr("menu.reloaded", path=str(path)))
        if changed:
            self.notices()
            show_problems(ctx)
        self.session_notices()

    def heading(self) -> None:
        """What is loaded: users, call records, how many are set aside, which files."""
        ctx = self.ctx
        s, tr = ctx.session, ctx.tr
        billed, set_aside = s.counts()
        lines = [
            tr("menu.heading.users", count=len(s.users), path=str(s.paths.users)),
            tr("menu.heading.calls", count=s.records, path=str(s.paths.calls), billed=billed, set_aside=set_aside),
            tr("menu.heading.tariff", source=s.dataset.tariff_source or tr("menu.heading.tariff_default")),
        ]
        if s.problems:
            lines.append(tr("menu.heading.problems", count=len(s.problems), path=str(s.paths.users)))
        title = tr("menu.heading.title")
        if self.plain:
            ctx.view.say("")
            ctx.view.say(f"== {title} ==")
            for line in lines:
                ctx.view.say(line)
        else:
            body = Text("\n".join(lines))
            ctx.view.say("")
            ctx.view.console.print(Panel(body, title=title, title_align="left", border_style="cyan", expand=False))
