"""How the menu asks: one interface (:class:`Asker`), one way back, two ways of typing.

:class:`~telbill.menu.plain.PlainAsker` reads numbered answers line by line (a
script, a pipe, ``--plain``); :class:`~telbill.menu.terminal.TerminalAsker` uses
questionary and prompt_toolkit on a terminal. Both follow the same rules:

- every answer is checked at once, and a wrong one is refused with the reason
  and asked again;
- the way back is the same at every question: an empty answer or ``q`` (and
  Esc on a terminal) leaves the item (:class:`BackToMenu`);
- a question about a value that exists (the current name in a modify, a month
  suggested) offers it: on a terminal it stands ready in the line (Enter takes
  it, typing replaces it), in plain mode it is shown as ``[= value]`` and ``=``
  takes it;
- a yes/no question is no unless the answer is yes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Generic, Protocol, TypeVar

from telbill.text.i18n import Tr

T = TypeVar("T")

BACK_WORDS = frozenset({"q", "返回", "\x1b"})
"""Typed as a whole answer, these leave the item, like an empty answer."""
KEEP_WORD = "="
"""Typed at a question that offers a value, this takes the value (plain mode)."""
YES_WORDS = frozenset({"y", "yes", "是", "是的", "好", "确认", "1"})
NO_WORDS = frozenset({"n", "no", "否", "不", "不是", "取消", "0"})


class BackToMenu(Exception):
    """The operator took the way back (an empty answer, ``q``, Esc or ``0``) inside an item."""


class LeftItem(BackToMenu):
    """The operator left the item at a "more" prompt (nothing was being typed: nothing to say)."""


class PageMove(str, Enum):
    """What the operator wants after a page of a long list (a page number is an ``int``)."""

    NEXT = "next"
    BACK = "back"
    FIRST = "first"
    LAST = "last"
    WHOLE = "whole"
    """Show the page again with every value whole (long names and reasons fold)."""
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class Option(Generic[T]):
    """One numbered choice."""

    number: str
    """What the operator types: ``"1"``, ``"13"``, ``"0"``."""
    label: str
    value: T


def numbered(items: Sequence[tuple[str, T]], back: str | None = None) -> list[Option[T | None]]:
    """Options numbered 1, 2, …; with ``back``, a last option ``0`` whose value is ``None``."""
    options: list[Option[T | None]] = [Option(str(i), label, value) for i, (label, value) in enumerate(items, 1)]
    if back is not None:
        options.append(Option("0", back, None))
    return options


class Asker(Protocol):
    """Asks the operator; every answer is checked, and a bad one asked again with the reason."""

    paged: bool
    """Whether long lists stop after each screenful (a terminal) or run on (plain)."""
    answered: int
    """Answers typed since the item began, taken or refused (to say "nothing saved" on the way back)."""
    prompts: int
    """Questions and pager prompts shown so far (each one means a key was pressed after it)."""
    pick_limit: int
    """The most matches offered as a numbered list; more ask for a closer name."""

    def select(self, message: str, options: Sequence[Option[T]], *, hint: str | None = None,
               pointer: int = 0, back: bool = True) -> T:
        """The value of the option chosen. ``back``: the way back leaves the item (else it is
        refused, as at the main menu); ``pointer``: the option a terminal list starts on."""
        ...

    def choose(self, message: str, items: Sequence[tuple[str, T]], *, safe: bool = False) -> T:
        """Choose among numbered items; ``0`` or the way back leaves the item.
        ``safe``: a choice that destroys something starts on "Back" on a terminal."""
        ...

    def text(self, message: str, parse: Callable[[str], T], *, offer: str | None = None,
             complete: Callable[[str], Sequence[tuple[str, str]]] | None = None) -> T:
        """Text typed, as ``parse`` makes it (it raises TelbillError to ask again).

        ``offer``: a value the answer may simply take (see the module's rules);
        ``complete``: suggestions ``(text, label)`` for what has been typed (terminal).
        """
        ...

    def confirm(self, message: str) -> bool:
        """Yes or no; anything but yes is no."""
        ...

    def refuse(self, reason: str) -> None:
        """An answer refused after it was taken (a file that cannot be written, or one the operator
        would not replace): ``reason`` and the way back, as under a question, before it is asked again."""
        ...

    def page(self, where: str, *, jump: bool = True) -> PageMove | int:
        """A key after a page of a long list (``where`` says which keys do what); with ``jump``
        a page number may be typed (the ``int`` returned)."""
        ...

    def pause(self) -> None:
        """After an item, before the menu comes back (a terminal waits for a key)."""
        ...


class BaseAsker:
    """What both askers share: the meaning of an answer, the reasons, numbered choices."""

    paged = False
    pick_limit = 20
    way_out = "menu.error.way_out_plain"
    """How the reason for a refused answer names the way back (a terminal has Esc too)."""

    def __init__(self, tr: Tr) -> None:
        self.tr = tr
        self.answered = 0
        self.prompts = 0

    def select(self, message: str, options: Sequence[Option[T]], *, hint: str | None = None,
               pointer: int = 0, back: bool = True) -> T:
        raise NotImplementedError

    def choose(self, message: str, items: Sequence[tuple[str, T]], *, safe: bool = False) -> T:
        options = numbered(items, self.tr("menu.back"))
        value = self.select(message, options, pointer=len(options) - 1 if safe else 0)
        if value is None:
            raise BackToMenu
        return value

    def meaning(self, answer: str, parse: Callable[[str], T], offer: str | None) -> T:
        """What an answer means: the way back (BackToMenu), the value offered, or ``parse``'s value."""
        value = answer.strip()
        if not value or value.casefold() in BACK_WORDS:
            raise BackToMenu
        if offer is not None and value == KEEP_WORD:
            return parse(offer)
        return parse(answer)

    def refused(self, reason: str) -> str:
        """Why an answer was refused, and the way back."""
        return self.tr(self.way_out, reason=reason)

    def typed(self) -> None:
        """An answer was typed (whether it was taken or refused)."""
        self.answered += 1

    def page(self, where: str, *, jump: bool = True) -> PageMove | int:
        return PageMove.NEXT

    def pause(self) -> None:
        """Plain mode never waits."""


def span(numbers: Sequence[str]) -> str:
    """``0-13`` for a run of numbers, else ``1/3/5``."""
    values = sorted(int(n) for n in numbers)
    if values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
        return f"{values[0]}-{values[-1]}"
    return "/".join(str(v) for v in values)
