"""Asking line by line: a script, a pipe or ``--plain`` (SPEC §6, "When standard input is not a terminal")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO, TypeVar

from rich.console import Console

from telbill.errors import TelbillError
from telbill.menu.ask import (
    BACK_WORDS,
    NO_WORDS,
    YES_WORDS,
    BackToMenu,
    BaseAsker,
    Option,
    span,
)
from telbill.rules.fields import halfwidth
from telbill.text.display import quote, shown
from telbill.text.i18n import Tr

T = TypeVar("T")


class PlainAsker(BaseAsker):
    """Reads one answer a line and prints plain text; end of input raises EOFError."""

    pick_limit = 50

    def __init__(self, tr: Tr, console: Console, stream: TextIO, *, echo: bool) -> None:
        super().__init__(tr)
        self.console = console
        self.stream = stream
        self.echo = echo
        """Print each answer after its question (input that is not a terminal is not seen otherwise)."""

    def _print(self, text: str, *, style: str | None = None, end: str = "\n") -> None:
        self.console.print(shown(text), style=style, end=end, markup=False, highlight=False, soft_wrap=True)

    def _read(self, prompt: str) -> str:
        self._print(prompt, end="")
        self.console.file.flush()
        line = self.stream.readline()
        if not line:
            self.console.print()
            raise EOFError
        answer = line.rstrip("\r\n")
        if self.echo:
            self._print(answer)
        return answer.strip()

    def _error(self, text: str) -> None:
        self._print(text, style="red")

    def select(self, message: str, options: Sequence[Option[T]], *, hint: str | None = None,
               pointer: int = 0, back: bool = True) -> T:
        width = max(len(o.number) for o in options)
        self._print(message, style="bold")
        for o in options:
            self._print(f"  {o.number:>{width}}  {o.label}")
        numbers = [o.number for o in options]
        choices = span(numbers)
        while True:
            answer = halfwidth(self._read(self.tr("menu.ask.number", span=choices))).strip()
            if back and (not answer or answer.casefold() in BACK_WORDS):
                raise BackToMenu
            if not answer:  # the main menu: nothing to go back to, the question again
                continue
            number = answer.lstrip("0") or "0"
            if number in numbers:
                self.typed()
                return options[numbers.index(number)].value
            self._error(self.tr("menu.error.not_item", value=quote(answer), span=choices))

    def text(self, message: str, parse: Callable[[str], T], *, offer: str | None = None,
             complete: Callable[[str], Sequence[tuple[str, str]]] | None = None) -> T:
        prompt = self.tr("menu.prompt.offer", message=message, offer=offer) if offer is not None else \
            self.tr("menu.prompt", message=message)
        while True:
            answer = self._read(prompt)
            try:
                value = self.meaning(answer, parse, offer)
            except TelbillError as exc:
                self.refuse(exc.render(self.tr))
                continue
            self.typed()
            return value

    def refuse(self, reason: str) -> None:
        self.typed()  # typed, though refused
        self._error(self.refused(reason))

    def confirm(self, message: str) -> bool:
        prompt = self.tr("menu.prompt.confirm", message=message, hint=self.tr("menu.yes_no"))
        while True:
            answer = halfwidth(self._read(prompt)).strip().casefold()
            if answer in BACK_WORDS:
                raise BackToMenu
            if not answer or answer in NO_WORDS:
                return False
            if answer in YES_WORDS:
                self.typed()
                return True
            self._error(self.tr("menu.error.yes_no", value=quote(answer)))

