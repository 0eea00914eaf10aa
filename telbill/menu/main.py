"""The numbered main menu (SPEC §6): the loop, its heading, and leaving it.

The operator types an item's number (or moves with the arrow keys on a
terminal). Inside an item the way back is the same everywhere (an empty answer,
``q``, Esc on a terminal) and says "nothing saved" when something had been
typed; Ctrl-C backs out of an item too. At the menu, ``0``, Ctrl-C or the end of
the input ends the program.

In a script (standard input not a terminal) an item that ends with an error, such as a save
refused, stops the menu at once with exit 1 (:class:`~telbill.errors.ScriptNotDone`, said on
standard error), so the script's answers for that item are never read as menu choices. The end
of the input ends the program cleanly, as 0 does, inside an item too (SPEC §6; the item says
"nothing saved"), and a way back taken by the script is its own choice: both exit 0. A person
at a terminal (``--plain`` too) goes back to the menu after an error, as before.

After an item, a terminal waits for a key only when the menu drawn next would
push what the item showed since the operator's last key off the screen (a list
left with ``q`` at its end, or a one-line answer, goes straight back).
"""

from __future__ import annotations

import contextlib
import os

from rich.panel import Panel
from rich.text import Text

from telbill.constants import ExitCode
from telbill.errors import AfterSaveError, ConflictError, ScriptNotDone, TelbillError
from telbill.interrupts import held_until_told
from telbill.menu.ask import BackToMenu, LeftItem, Option
from telbill.menu.context import Ctx, Item
from telbill.menu.items import ACTIONS
from telbill.menu.items.show import show_problems
from telbill.menu.layout import wrap
from telbill.menu.rows import count
from telbill.menu.warm import Warmup
from telbill.text.display import shown


class MainMenu:
    """The loop: heading, the numbered items, run the one chosen."""

    def __init__(self, ctx: Ctx, *, plain: bool, script: bool = False) -> None:
        self.ctx = ctx
        self.plain = plain
        self.script = script
        """Standard input is not a terminal: an item that ends with an error ends the session with exit 1."""
        self.lines = len(self.options()) + 8
        """Screen lines the heading and the menu take (counted again as the heading is drawn)."""
        self.warming: Warmup | None = None
        """The work done while the menu waits for a key (:mod:`telbill.menu.warm`)."""

    def options(self) -> list[Option[Item]]:
        tr = self.ctx.tr
        items = [i for i in Item if i is not Item.EXIT] + [Item.EXIT]
        return [Option(str(i.value), i.label(tr), i) for i in items]

    def run(self) -> int:
        ctx = self.ctx
        self.notices()
        show_problems(ctx)
        while True:
            try:
                self.reload_if_changed()
                self.heading()
                self.warm_up()
                choice = ctx.ask.select(ctx.tr("menu.ask.item"), self.options(), back=False)
            except (KeyboardInterrupt, EOFError):
                choice = Item.EXIT
            if not self.warmed_up() and choice is not Item.EXIT:
                ctx.view.warn(ctx.tr("menu.interrupted"))  # Ctrl-C while the item waited for it
                continue
            if choice is Item.EXIT:
                return self.bye()
            try:
                failed = self.run_item(choice)
            except EOFError:  # plain input ended inside an item: the program ends, as at the menu
                if ctx.ask.answered:  # what was typed for it is not lost unsaid (as Esc says it)
                    ctx.view.warn(ctx.tr("menu.ended.nothing_saved"))
                return self.bye()
            if failed is not None and self.script:  # the script's next lines were meant for the item
                self.bye()
                raise ScriptNotDone("menu.script.stopped", item=self.named(choice), why=failed)

    def named(self, item: Item) -> str:
        """``item 3 (Add a user)``."""
        tr = self.ctx.tr
        return tr("menu.script.item", item=item.value, label=item.label(tr))

    def run_item(self, item: Item) -> TelbillError | str | None:
        """Run one item; whatever happens, come back to the menu (EOFError ends the program).
        What the item ended with when it ended with an error (said already), else None."""
        ctx = self.ctx
        ctx.ask.answered = 0
        try:
            self.reload_if_changed()  # a file edited while the menu waited: the item sees it
            with held_until_told():  # once a save is made, Ctrl-C waits until the item has said so
                ACTIONS[item](ctx)
            if ctx.view.unseen() > max(0, ctx.view.height() - self.lines):
                ctx.ask.pause()
        except LeftItem:
            pass
        except BackToMenu:
            if ctx.ask.answered:
                ctx.view.warn(ctx.tr("menu.back.nothing_saved"))
        except KeyboardInterrupt:
            ctx.view.say("")
            self.session_notices()
            ctx.view.warn(ctx.tr("menu.interrupted"))
        except EOFError:
            if self.plain:
                raise
            ctx.view.warn(ctx.tr("menu.interrupted"))
        except ConflictError as exc:
            self.session_notices()
            ctx.view.error(exc.render(ctx.tr))
            ctx.ask.pause()
            return exc
        except AfterSaveError as exc:  # the change was made; what the menu shows was read again
            ctx.saved()
            self.session_notices()
            ctx.view.warn(exc.render(ctx.tr))
            ctx.ask.pause()
        except TelbillError as exc:  # what was done before it failed (a save cut short finished) is told first
            self.session_notices()
            ctx.view.error(ctx.tr("menu.error", message=exc.render(ctx.tr)))
            ctx.ask.pause()
            return exc
        except BrokenPipeError:
            raise
        except Exception as exc:  # a bug: one line, back to the menu, never a traceback
            if os.environ.get("TELBILL_DEBUG"):
                raise
            error = ctx.tr("menu.error.internal", error=f"{type(exc).__name__}: {exc}")
            ctx.view.error(error)
            return error
        return None

    def warm_up(self) -> None:
        """On a terminal, make what the first bills or statistics need while the menu waits for a key."""
        if not self.plain and not self.ctx.session.prepared:
            self.warming = Warmup(self.ctx.session.prepare)

    def warmed_up(self) -> bool:
        """Wait for the work done while the menu waited, before the session is used again (also
        to close it). False if Ctrl-C was pressed meanwhile: the work is still waited for, as it
        ends on its own within seconds and the session is never left to it."""
        warming, self.warming = self.warming, None
        if warming is None or warming.done:
            return True
        try:
            with self.ctx.busy("menu.busy.statistics"):
                warming.wait()
            return True
        except KeyboardInterrupt:
            while not warming.done:
                with contextlib.suppress(KeyboardInterrupt):
                    warming.wait()
            return False

    def bye(self) -> int:
        self.ctx.session.close()  # lines written into a replaced file since the last item are added
        self.session_notices()
        self.ctx.view.say(self.ctx.tr("menu.bye"))
        return ExitCode.OK

    def notices(self) -> None:
        """Files read as GB18030, UTF-16 or with mixed encodings; saves cut short and finished or taken back."""
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
            with ctx.busy("menu.busy.check"):
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
            tr("menu.heading.users", count=count(len(s.users)), path=str(s.paths.users)),
            tr("menu.heading.calls", count=count(s.records), path=str(s.paths.calls), billed=count(billed),
               set_aside=count(set_aside)),
            tr("menu.heading.tariff", source=s.dataset.tariff_source or tr("menu.heading.tariff_default")),
        ]
        for path in s.unwritable():
            lines.append(tr("menu.heading.unwritable", path=str(path)))
        if s.problems:
            lines.append(tr("menu.heading.problems", count=count(len(s.problems)), path=str(s.paths.users),
                            item=Item.SHOW_USERS.value))
        title = tr("menu.heading.title")
        if not self.plain:  # folded by the one rule inside the box's borders and padding (rich breaks 计费 991,286 条)
            lines = [folded for line in lines for folded in wrap(shown(line), ctx.view.console.width - 4)]
        self.lines = len(lines) + 4 + len(self.options())  # a blank line, the box, the question
        if self.plain:
            ctx.view.say("")
            ctx.view.say(f"== {title} ==")
            for line in lines:
                ctx.view.say(line)
        else:
            body = Text("\n".join(lines))
            ctx.view.say("")
            ctx.view.console.print(Panel(body, title=title, title_align="left", border_style="cyan", expand=False))
