"""What every menu item works with, and the items' numbers (written here only)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from telbill.files.waiting import waits_told
from telbill.menu.ask import Asker
from telbill.menu.busy import Busy, NoBusy
from telbill.menu.progress import NoBar, StepBar
from telbill.menu.view import View
from telbill.session.facade import Session
from telbill.text.i18n import Tr


class Item(IntEnum):
    """The main menu's items, by the number the operator types (SPEC §6)."""

    EXIT = 0
    SHOW_USERS = 1
    SHOW_CALLS = 2
    ADD_USER = 3
    ADD_CALL = 4
    MODIFY = 5
    DELETE = 6
    SORT = 7
    SEARCH = 8
    BILLING = 9
    ANOMALIES = 10
    STATEMENT = 11
    STATISTICS = 12
    BACKUP = 13

    def label(self, tr: Tr) -> str:
        """The item's name in the menu and as the title of its screen."""
        return tr(f"menu.item.{self.value}")


@dataclass(slots=True)
class Ctx:
    """What every menu item works with."""

    session: Session
    """The data being worked on."""
    view: View
    ask: Asker
    tr: Tr

    @contextlib.contextmanager
    def busy(self, key: str, /, **params: object) -> Iterator[Busy | NoBusy]:
        """``with ctx.busy("menu.busy.sort")``: a spinner with that message while a step that may
        take a while runs (see :meth:`telbill.menu.view.View.busy`). Should the step wait for a
        lock another program holds, the spinner says so at once, in its place (a line, where
        there is no spinner: plain mode)."""
        with self.view.busy(self.tr(key, **params)) as sign, waits_told(functools.partial(self.view.waiting, sign)):
            yield sign

    def bar(self) -> StepBar | NoBar:
        """``with ctx.bar() as bar:`` a bar of work done, for a step of a known size that may take a
        while: ``bar.phase(ctx.tr(key), total)``, then ``bar.advance(n)`` (see
        :class:`~telbill.menu.progress.StepBar`)."""
        return self.view.step_bar()

    def saved(self) -> None:
        """A change was saved: what was typed before it is no longer "unsaved"."""
        self.ask.answered = 0
