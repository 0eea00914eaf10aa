"""How the menu asks and shows: plain numbered lines, or questionary and rich.

Two askers share one interface. :class:`PlainAsker` reads answers line by line
from a text stream (a script, a pipe, ``--plain``) and never pauses;
:class:`TerminalAsker` uses questionary prompts, where the operator types an
item's number (two digits too) or moves with the arrow keys. :class:`View`
prints tables, messages and bar charts on a rich Console and pages long lists
on a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar, Union, overload

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from telbill.errors import TelbillError
from telbill.textwidth import ljust, rjust, width

if TYPE_CHECKING:
    from telbill.session import Session

T = TypeVar("T")
Tr = Callable[..., str]

PLAIN_GAP = "   "
YES_WORDS = {"y", "yes", "是", "是的", "好", "确认", "1"}
NO_WORDS = {"n", "no", "否", "不", "不是", "取消", "0"}


class BackToMenu(Exception):
    """The operator chose to go back (0) from inside an item."""


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


# -- askers --------------------------------------------------------------------------


class Asker:
    """Asks the operator; every answer is checked, and a bad one asked again with the reason."""

    paged = False
    """Whether long lists stop after each screenful."""

    def __init__(self, tr: Tr, console: Console) -> None:
        self.tr = tr
        self.console = console

    def select(self, message: str, options: Sequence[Option[T]], hint: str | None = None) -> T:
        """The value of the option chosen; ``hint`` replaces the usual key help on a terminal."""
        raise NotImplementedError

    def text(self, message: str, parse: Callable[[str], T], default: str | None = None) -> T:
        """Text typed, as ``parse`` makes it (it raises TelbillError to ask again)."""
        raise NotImplementedError

    def confirm(self, message: str, default: bool = False) -> bool:
        """Yes or no."""
        raise NotImplementedError

    def more(self) -> bool:
        """After a page of a long list: go on (True) or stop."""
        return True

    def pause(self) -> None:
        """After an item, before the menu comes back (a terminal waits for a key)."""

    def choose(self, message: str, items: Sequence[tuple[str, T]], back: bool = True) -> T:
        """Choose among numbered items; ``0`` goes back to the menu (BackToMenu)."""
        options = numbered(items, self.tr("menu.back") if back else None)
        value = self.select(message, options)
        if value is None:
            raise BackToMenu
        return value

    def _why(self, exc: TelbillError) -> str:
        return exc.render(self.tr)


class PlainAsker(Asker):
    """Reads numbered answers line by line; end of input raises EOFError."""

    def __init__(self, tr: Tr, console: Console, stream: TextIO, echo: bool) -> None:
        super().__init__(tr, console)
        self.stream = stream
        self.echo = echo
        """Print each answer after its prompt (input that is not a terminal is not seen otherwise)."""

    def _read(self, prompt: str) -> str:
        self.console.print(prompt, end="", markup=False, highlight=False, soft_wrap=True)
        self.console.file.flush()
        line = self.stream.readline()
        if not line:
            self.console.print()
            raise EOFError
        answer = line.rstrip("\r\n")
        if self.echo:
            self.console.print(answer, markup=False, highlight=False, soft_wrap=True)
        return answer.strip()

    def _error(self, text: str) -> None:
        self.console.print(text, style="red", markup=False, highlight=False, soft_wrap=True)

    def select(self, message: str, options: Sequence[Option[T]], hint: str | None = None) -> T:
        width = max(len(o.number) for o in options)
        self.console.print(message, style="bold", markup=False, highlight=False, soft_wrap=True)
        for o in options:
            self.console.print(f"  {o.number:>{width}}  {o.label}", markup=False, highlight=False, soft_wrap=True)
        numbers = [o.number for o in options]
        span = self._span(numbers)
        while True:
            answer = self._read(self.tr("menu.ask.number", span=span))
            answer = answer.lstrip("0") or ("0" if answer else "")
            if answer in numbers:
                return options[numbers.index(answer)].value
            self._error(self.tr("menu.error.not_item", value=answer, span=span))

    @staticmethod
    def _span(numbers: Sequence[str]) -> str:
        values = sorted(int(n) for n in numbers)
        if values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
            return f"{values[0]}-{values[-1]}"
        return "/".join(str(v) for v in values)

    def text(self, message: str, parse: Callable[[str], T], default: str | None = None) -> T:
        prompt = self.tr("menu.prompt.default", message=message, default=default) if default else \
            self.tr("menu.prompt", message=message)
        while True:
            answer = self._read(prompt)
            if not answer and default is not None:
                answer = default
            try:
                return parse(answer)
            except TelbillError as exc:
                self._error(self._why(exc))

    def confirm(self, message: str, default: bool = False) -> bool:
        hint = self.tr("menu.yes_no_default_yes" if default else "menu.yes_no_default_no")
        while True:
            answer = self._read(self.tr("menu.prompt.confirm", message=message, hint=hint)).casefold()
            if not answer:
                return default
            if answer in YES_WORDS:
                return True
            if answer in NO_WORDS:
                return False
            self._error(self.tr("menu.error.yes_no", value=answer))


class TerminalAsker(Asker):
    """questionary prompts: type a number (then Enter) or use the arrow keys; Ctrl-C backs out."""

    paged = True

    def __init__(self, tr: Tr, console: Console, pt_input: Any = None, pt_output: Any = None) -> None:
        super().__init__(tr, console)
        self._io: dict[str, Any] = {}
        if pt_input is not None:
            self._io["input"] = pt_input
        if pt_output is not None:
            self._io["output"] = pt_output

    def select(self, message: str, options: Sequence[Option[T]], hint: str | None = None) -> T:
        return self._select(message, options, {}, hint or self.tr("menu.hint.select"))

    def _select(self, message: str, options: Sequence[Option[T]], hotkeys: dict[str, int], hint: str) -> T:
        import questionary
        from questionary.prompts.common import InquirerControl

        width = max(len(o.number) for o in options)
        choices = [questionary.Choice(title=f"{o.number:>{width}}  {o.label}", value=i)
                   for i, o in enumerate(options)]
        question = questionary.select(
            message, choices=choices, instruction=hint,
            use_jk_keys=False, use_shortcuts=False, **self._io,
        )
        app = question.application
        control = next(w.content for w in app.layout.find_all_windows()
                       if isinstance(w.content, InquirerControl))
        numbers = [o.number for o in options]
        typed = [""]

        def on_digit(event: Any) -> None:
            digit = event.key_sequence[0].key
            buffer = typed[0] + digit
            if not any(n.startswith(buffer) for n in numbers):
                buffer = digit
            typed[0] = buffer
            if buffer in numbers:
                control.pointed_at = numbers.index(buffer)

        def on_hotkey(event: Any) -> None:
            control.pointed_at = hotkeys[event.key_sequence[0].key]
            control.is_answered = True
            event.app.exit(result=control.get_pointed_at().value)

        bindings = app.key_bindings
        assert bindings is not None
        for digit in "0123456789":
            bindings.add(digit, eager=True)(on_digit)  # type: ignore[attr-defined]
        for key in hotkeys:
            bindings.add(key, eager=True)(on_hotkey)  # type: ignore[attr-defined]
        index = question.unsafe_ask()
        if not isinstance(index, int):  # pragma: no cover - questionary gives None only when aborted
            raise KeyboardInterrupt
        return options[index].value

    def text(self, message: str, parse: Callable[[str], T], default: str | None = None) -> T:
        import questionary

        def validate(answer: str) -> bool | str:
            try:
                parse(answer)
            except TelbillError as exc:
                return self._why(exc)
            return True

        answer = questionary.text(message, default=default or "", validate=validate,
                                  **self._io).unsafe_ask()
        if answer is None:  # pragma: no cover
            raise KeyboardInterrupt
        return parse(answer)

    def confirm(self, message: str, default: bool = False) -> bool:
        options = [Option("y", self.tr("menu.yes"), True), Option("n", self.tr("menu.no"), False)]
        if not default:
            options.reverse()
        hotkeys = {"y": 0 if default else 1, "n": 1 if default else 0}
        hotkeys.update({k.upper(): v for k, v in hotkeys.items()})
        return self._select(message, options, hotkeys, self.tr("menu.hint.yes_no"))

    def pause(self) -> None:
        import questionary

        try:
            questionary.press_any_key_to_continue(self.tr("menu.pause"), **self._io).unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            pass

    def more(self) -> bool:
        import questionary

        answer = questionary.text(self.tr("menu.more"), qmark="…", **self._io).unsafe_ask()
        return not (answer or "").strip().casefold().startswith(("q", "0", "退"))


# -- output --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its heading and which side the values hug."""

    header: str
    justify: str = "left"
    wrap: bool = False
    """Whether long values may wrap onto more lines (names, reasons); numbers and times never do."""


class View:
    """Tables, messages and bar charts on a rich Console (no markup: data prints as it is)."""

    def __init__(self, console: Console, tr: Tr, asker: Asker, plain: bool) -> None:
        self.console = console
        self.tr = tr
        self.asker = asker
        self.plain = plain

    def say(self, text: str | Text = "", style: str | None = None) -> None:
        """One line (or block) of text."""
        self.console.print(text, style=style, markup=False, highlight=False, emoji=False)

    def title(self, text: str) -> None:
        """An item's title."""
        self.say("")
        self.say(f"== {text} ==" if self.plain else text, style="bold cyan")

    def ok(self, text: str) -> None:
        self.say(text, style="green")

    def warn(self, text: str) -> None:
        self.say(text, style="yellow")

    def error(self, text: str) -> None:
        self.say(text, style="bold red")

    def _table(self, columns: Sequence[Column], title: str | None) -> Table:
        table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", collapse_padding=True,
                      title_style="bold", header_style="bold cyan", pad_edge=False)
        for col in columns:
            table.add_column(col.header, justify=col.justify,  # type: ignore[arg-type]
                             overflow="fold", no_wrap=not col.wrap)
        return table

    def page_size(self) -> int:
        """Rows that fit on one screen."""
        return max(5, self.console.size.height - 8)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str | Text]], title: str | None = None) -> bool:
        """Print rows as a table; on a terminal a screenful at a time. False if stopped early.

        ``rows`` may be a :class:`LazyRows`: only the rows shown are made.
        """
        if self.plain:
            self._plain_table(columns, rows, title)
            return True
        size = self.page_size()
        if not self.asker.paged or len(rows) <= size:
            self.console.print(self._rich_table(columns, rows, title))
            return True
        pages = (len(rows) + size - 1) // size
        for page in range(pages):
            head = self.tr("menu.page", title=title or "", page=page + 1, pages=pages)
            self.console.print(self._rich_table(columns, rows[page * size:(page + 1) * size], head))
            if page + 1 < pages and not self.asker.more():
                return False
        return True

    def _rich_table(self, columns: Sequence[Column], rows: Sequence[Sequence[str | Text]], title: str | None) -> Table:
        table = self._table(columns, title)
        for row in rows:
            table.add_row(*(c if isinstance(c, Text) else Text(c) for c in row))
        return table

    def _plain_table(self, columns: Sequence[Column], rows: Sequence[Sequence[str | Text]], title: str | None) -> None:
        """Aligned plain text (CJK counts two columns); two passes, so no row is held twice."""
        widths = [width(c.header) for c in columns]
        for row in rows:
            for i, cell in enumerate(row):
                w = width(cell.plain if isinstance(cell, Text) else cell)
                if w > widths[i]:
                    widths[i] = w

        def line(cells: Sequence[str | Text]) -> str:
            parts = []
            for col, w, cell in zip(columns, widths, cells):
                text = cell.plain if isinstance(cell, Text) else cell
                parts.append(rjust(text, w) if col.justify == "right" else ljust(text, w))
            return PLAIN_GAP.join(parts).rstrip()

        head = [line([c.header for c in columns]), "-" * (sum(widths) + len(PLAIN_GAP) * (len(widths) - 1))]
        if title:
            head.insert(0, title)
        self._out(head)
        chunk: list[str] = []
        for row in rows:
            chunk.append(line(row))
            if len(chunk) >= 1000:
                self._out(chunk)
                chunk = []
        if chunk:
            self._out(chunk)

    def _out(self, lines: list[str]) -> None:
        self.console.out("\n".join(lines), highlight=False)

    def bar(self, parts: Sequence[tuple[int, str, str]], scale: float) -> Text:
        """A bar of several parts ``(value, plain char, style)``, ``scale`` columns per unit."""
        text = Text()
        for value, char, style in parts:
            n = int(round(value * scale))
            if value > 0 and n == 0:
                n = 1
            text.append(char * n if self.plain else "█" * n, style=None if self.plain else style)
        return text


class LazyRows(Sequence[Sequence[Union[str, Text]]]):
    """Table rows made on demand from records (numbered from 1), so long lists cost little."""

    def __init__(self, items: Sequence[T], cells: Callable[[int, T], Sequence[str | Text]]) -> None:
        self.items: Sequence[Any] = items
        self.cells: Callable[[int, Any], Sequence[str | Text]] = cells

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Sequence[str | Text]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Sequence[str | Text]]: ...

    def __getitem__(self, index: int | slice) -> Sequence[str | Text] | Sequence[Sequence[str | Text]]:
        if isinstance(index, slice):
            return [self.cells(i + 1, self.items[i]) for i in range(*index.indices(len(self.items)))]
        if index < 0:
            index += len(self.items)
        return self.cells(index + 1, self.items[index])


@dataclass(slots=True)
class Ctx:
    """What every menu item works with."""

    session: Session
    """The data being worked on."""
    view: View
    ask: Asker
    tr: Tr
