"""How the menu asks and shows: plain numbered lines, or questionary and rich.

Two askers share one interface. :class:`PlainAsker` reads answers line by line
from a text stream (a script, a pipe, ``--plain``) and never pauses;
:class:`TerminalAsker` uses questionary prompts, where the operator types an
item's number (two digits too) or moves with the arrow keys. :class:`View`
prints tables, messages and bar charts on a rich Console and pages long lists
on a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar, Union, overload

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from telbill.display import ljust, rjust, width
from telbill.errors import TelbillError
from telbill.i18n import Tr

if TYPE_CHECKING:
    from telbill.session import Session

T = TypeVar("T")

PLAIN_GAP = "   "
YES_WORDS = {"y", "yes", "是", "是的", "好", "确认", "1"}
NO_WORDS = {"n", "no", "否", "不", "不是", "取消", "0"}
BACK_WORDS = {"q", "返回"}
"""Typed at a question that shows a value in brackets, these go back to the menu
(there an empty answer takes the value shown; elsewhere an empty answer goes back)."""

GAP, TIGHT_GAP = 2, 1
"""Columns between two table columns on a terminal; the tight gap only when nothing else fits."""
FLEX_COMFORT, FLEX_FLOOR = 10, 6
"""Widths a name or reason column is given before other columns are shortened or dropped,
and the least it is given at all (it folds onto more lines)."""
BAR_MIN, BAR_MAX = 8, 40
"""Bar-chart bars shrink to fit the screen, down to BAR_MIN; plain text draws BAR_MAX."""


class BackToMenu(Exception):
    """The operator chose to go back (0, or an empty answer) from inside an item."""


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

    def select(self, message: str, options: Sequence[Option[T]], hint: str | None = None, *,
               empty: int | None = None, pointer: int = 0) -> T:
        """The value of the option chosen; ``hint`` replaces the usual key help on a terminal.

        ``empty``: the option an empty answer picks in plain mode (else it is refused);
        ``pointer``: the option a terminal list starts on (Enter alone picks it).
        """
        raise NotImplementedError

    def text(self, message: str, parse: Callable[[str], T], default: str | None = None) -> T:
        """Text typed, as ``parse`` makes it (it raises TelbillError to ask again).

        ``default`` is shown in brackets and taken when the answer is empty, and
        then ``q`` goes back to the menu; without one an empty answer goes back.
        Either way BackToMenu is raised.
        """
        raise NotImplementedError

    def _answer(self, answer: str, parse: Callable[[str], T], default: str | None) -> T:
        """What an answer means: the parsed value, or BackToMenu (the way out)."""
        if not answer.strip():
            if default is None:
                raise BackToMenu
            return parse(default)
        if default is not None and answer.strip().casefold() in BACK_WORDS:
            raise BackToMenu
        return parse(answer)

    def _refused(self, exc: TelbillError, default: str | None) -> str:
        """Why an answer was refused, and how to go back instead."""
        key = "menu.error.way_out_word" if default is not None else "menu.error.way_out_empty"
        return self.tr(key, reason=self._why(exc))

    def confirm(self, message: str, default: bool = False) -> bool:
        """Yes or no."""
        raise NotImplementedError

    def more(self) -> bool:
        """After a page of a long list: go on (True) or stop."""
        return True

    def pause(self) -> None:
        """After an item, before the menu comes back (a terminal waits for a key)."""

    def choose(self, message: str, items: Sequence[tuple[str, T]], back: bool = True, *, safe: bool = False) -> T:
        """Choose among numbered items; ``0`` (or an empty answer) goes back to the menu (BackToMenu).

        ``safe``: a destructive choice; on a terminal the list starts on "Back",
        so Enter alone changes nothing.
        """
        options = numbered(items, self.tr("menu.back") if back else None)
        last = len(options) - 1
        value = self.select(message, options, empty=last if back else None, pointer=last if safe and back else 0)
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

    def select(self, message: str, options: Sequence[Option[T]], hint: str | None = None, *,
               empty: int | None = None, pointer: int = 0) -> T:
        width = max(len(o.number) for o in options)
        self.console.print(message, style="bold", markup=False, highlight=False, soft_wrap=True)
        for o in options:
            self.console.print(f"  {o.number:>{width}}  {o.label}", markup=False, highlight=False, soft_wrap=True)
        numbers = [o.number for o in options]
        span = self._span(numbers)
        prompt = self.tr("menu.ask.number", span=span) if empty is None else \
            self.tr("menu.ask.number_default", span=span, default=options[empty].number)
        while True:
            answer = self._read(prompt)
            if not answer and empty is not None:
                return options[empty].value
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
            try:
                return self._answer(answer, parse, default)
            except TelbillError as exc:
                self._error(self._refused(exc, default))

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

    def select(self, message: str, options: Sequence[Option[T]], hint: str | None = None, *,
               empty: int | None = None, pointer: int = 0) -> T:
        return self._select(message, options, {}, hint or self.tr("menu.hint.select"), pointer)

    def _select(self, message: str, options: Sequence[Option[T]], hotkeys: dict[str, int], hint: str,
                pointer: int = 0) -> T:
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
        control.pointed_at = pointer
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
                self._answer(answer, parse, default)
            except BackToMenu:
                return True
            except TelbillError as exc:
                return self._refused(exc, default)
            return True

        # A suggestion is shown in the question, not put in the line to edit: what is typed replaces it.
        shown = message if default is None else self.tr("menu.ask.with_value", message=message, value=default)
        answer = questionary.text(shown, validate=validate, **self._io).unsafe_ask()
        if answer is None:  # pragma: no cover
            raise KeyboardInterrupt
        return self._answer(answer, parse, default)

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
    """A table column: its heading, which side the values hug, and how it may give way."""

    header: str
    justify: str = "left"
    wrap: bool = False
    """Whether long values may fold onto more lines (names, reasons, record text); the
    others (numbers, phones, times, months) are always shown whole."""
    drop: int = 0
    """0: always shown; otherwise left out on a narrow screen, the highest number first."""
    short: Mapping[str, str] | None = None
    """Shorter texts for some values (``国际长途`` → ``国际``), used on a narrow screen."""
    bar: bool = False
    """A bar-chart column: its cells are :class:`Bar`, drawn as wide as the screen allows."""


@dataclass(frozen=True, slots=True)
class Bar:
    """A bar of several parts ``(value, plain char, style)``; ``top`` fills the whole bar."""

    parts: tuple[tuple[int, str, str], ...]
    top: int


Cell = Union[str, Text, Bar]


def _text_of(cell: Cell) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, Bar):
        return ""
    return cell


@dataclass(frozen=True, slots=True)
class Layout:
    """Which columns are shown, how wide, and whether the short texts are used."""

    kept: list[int]
    widths: dict[int, int]
    short: bool
    gap: int = GAP
    fits: bool = True
    """False on a screen too narrow for even the least arrangement: then every column may fold."""

    def total(self) -> int:
        return sum(self.widths.values()) + self.gap * (len(self.kept) - 1)


class Fit:
    """Column widths for a screen: data is never cut, only name/reason columns fold.

    :meth:`see` the rows (the widths only grow, so the pages of a list stay alike),
    then :meth:`layout` for the screen width. When everything does not fit, the
    columns with short texts use them and the columns that may be dropped are,
    least important first; as a last resort the columns stand one space apart.
    """

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self.full = [cell_len(c.header) for c in self.columns]
        self.short = list(self.full)

    def see(self, rows: Sequence[Sequence[Cell]]) -> None:
        full, short, columns = self.full, self.short, self.columns
        for row in rows:
            for i, cell in enumerate(row):
                text = _text_of(cell)
                w = cell_len(text)
                if w > full[i]:
                    full[i] = w
                mapping = columns[i].short
                if mapping is not None:
                    w = cell_len(mapping.get(text, text))
                if w > short[i]:
                    short[i] = w

    def natural(self, i: int, short: bool) -> int:
        col = self.columns[i]
        if col.bar:
            return BAR_MAX
        return self.short[i] if short and col.short is not None else self.full[i]

    def layout(self, total: int) -> Layout:
        """The first arrangement that fits ``total`` columns (or the narrowest one)."""
        levels = [0] + sorted({c.drop for c in self.columns if c.drop})
        has_short = any(c.short is not None for c in self.columns)
        configs = [(d, s) for d in levels for s in ((False, True) if has_short else (False,))]
        for floor in (FLEX_COMFORT, FLEX_FLOOR):
            for gap in (GAP, TIGHT_GAP):
                for drop, short in configs:
                    layout = self._least(drop, short, floor, gap)
                    if layout.total() <= total:
                        return self._grow(layout, total)
        drop, short = configs[-1]
        least = self._least(drop, short, FLEX_FLOOR, TIGHT_GAP)
        return Layout(least.kept, least.widths, least.short, least.gap, fits=False)

    def _least(self, drop: int, short: bool, floor: int, gap: int) -> Layout:
        kept = [i for i, c in enumerate(self.columns) if not (c.drop and c.drop <= drop)]
        widths = {}
        for i in kept:
            col = self.columns[i]
            if col.bar:
                widths[i] = BAR_MIN
            elif col.wrap:
                widths[i] = min(self.natural(i, short), floor)
            else:
                widths[i] = self.natural(i, short)
        return Layout(kept, widths, short, gap)

    def _grow(self, layout: Layout, total: int) -> Layout:
        """Share the room left: name/reason columns up to their width, then the bars."""
        spare = total - layout.total()
        widths = dict(layout.widths)
        flex = sorted((i for i in layout.kept if self.columns[i].wrap),
                      key=lambda i: self.natural(i, layout.short) - widths[i])
        for n, i in enumerate(flex):
            if spare <= 0:
                break
            give = min(self.natural(i, layout.short) - widths[i], spare // (len(flex) - n))
            widths[i] += give
            spare -= give
        for i in layout.kept:
            if self.columns[i].bar and spare > 0:
                give = min(BAR_MAX - widths[i], spare)
                widths[i] += give
                spare -= give
        return Layout(layout.kept, widths, layout.short, layout.gap)


class View:
    """Tables, messages and bar charts on a rich Console (no markup: data prints as it is)."""

    def __init__(self, console: Console, tr: Tr, asker: Asker, plain: bool) -> None:
        self.console = console
        self.tr = tr
        self.asker = asker
        self.plain = plain
        self.pages = 0
        """Screens the last :meth:`table` took (more than 1: it was paged)."""

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

    def page_size(self) -> int:
        """Lines of rows that fit on one screen under a title and the column heads."""
        return max(5, self.console.size.height - 8)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], title: str | None = None) -> bool:
        """Print rows as a table; on a terminal a screenful at a time. False if stopped early.

        ``rows`` may be a :class:`LazyRows`: only the rows shown are made.
        """
        self.pages = 1
        if self.plain:
            self._plain_table(columns, rows, title)
            return True
        fit = Fit(columns)
        width = self.console.width
        if not self.asker.paged:
            fit.see(rows)
            self._print(fit, fit.layout(width), rows, title)
            return True
        size, count, pos = self.page_size(), len(rows), 0
        while True:
            chunk = rows[pos:pos + size]
            fit.see(chunk)
            layout = fit.layout(width)
            take = self._fill(fit, layout, chunk, size)
            if pos == 0 and take == count:
                self._print(fit, layout, chunk, title)
                return True
            head = self.tr("menu.page", title=title or "", first=pos + 1, last=pos + take, count=count)
            self._print(fit, layout, chunk[:take], head.strip())
            pos += take
            if pos >= count:
                return True
            if not self.asker.more():
                return False
            self.pages += 1

    def sections(self, columns: Sequence[Column], sections: Sequence[tuple[str, Sequence[Sequence[Cell]]]]) -> bool:
        """One table per group (same columns, same widths), paged together. False if stopped early."""
        if self.plain:
            widths = self._plain_widths(columns, [row for _, rows in sections for row in rows])
            for title, rows in sections:
                self._plain_table(columns, rows, title, widths)
            return True
        fit = Fit(columns)
        for _, rows in sections:
            fit.see(rows)
        layout = fit.layout(self.console.width)
        head = self._head_height(fit, layout) + 3  # a blank line, the title, the heads, the rule
        screen = max(8, self.console.size.height - 2)
        used = 0
        for title, rows in sections:
            pos = 0
            while pos < len(rows):
                rest = rows[pos:]
                room = screen - used - head
                if self.asker.paged and used and room < self._height(fit, layout, rest[0]):
                    if not self.asker.more():
                        return False
                    used = 0
                    continue
                take = self._fill(fit, layout, rest, room) if self.asker.paged else len(rest)
                self.say("")
                self._print(fit, layout, rest[:take], title if pos == 0 else self.tr("menu.continued", title=title))
                used += head + sum(self._height(fit, layout, row) for row in rest[:take])
                pos += take
        return True

    # -- drawing on a terminal ----------------------------------------------------------

    def _print(self, fit: Fit, layout: Layout, rows: Sequence[Sequence[Cell]], title: str | None) -> None:
        if title:
            self.say(title, style="bold")
        self.console.print(self._rich_table(fit, layout, rows))

    def _rich_table(self, fit: Fit, layout: Layout, rows: Sequence[Sequence[Cell]]) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, pad_edge=False,
                      padding=(0, layout.gap - 1), header_style="bold cyan")
        columns = fit.columns
        for i in layout.kept:
            col, w = columns[i], layout.widths[i]
            if not layout.fits:  # folded onto more lines rather than cut
                table.add_column(col.header, justify=col.justify, overflow="fold")  # type: ignore[arg-type]
            elif col.wrap:
                table.add_column(col.header, justify=col.justify, width=w,  # type: ignore[arg-type]
                                 overflow="fold")
            else:
                table.add_column(col.header, justify=col.justify, width=w, min_width=w,  # type: ignore[arg-type]
                                 no_wrap=True, overflow="fold")
        for row in rows:
            cells: list[Text] = []
            for i in layout.kept:
                cell, col = row[i], columns[i]
                if isinstance(cell, Bar):
                    cells.append(self.bar(cell, layout.widths[i]))
                    continue
                text = cell if isinstance(cell, Text) else Text(cell)
                if layout.short and col.short is not None and text.plain in col.short:
                    text = Text(col.short[text.plain], style=text.style)
                cells.append(text)
            table.add_row(*cells)
        return table

    def _lines(self, text: str, width: int) -> int:
        if cell_len(text) <= width:
            return 1
        return len(Text(text).wrap(self.console, width, overflow="fold"))

    def _height(self, fit: Fit, layout: Layout, row: Sequence[Cell]) -> int:
        """Screen lines a row takes (names and reasons may fold)."""
        if not layout.fits:
            return 2  # a guess: on so narrow a screen most rows fold once
        return max((self._lines(_text_of(row[i]), layout.widths[i]) for i in layout.kept
                    if fit.columns[i].wrap), default=1)

    def _head_height(self, fit: Fit, layout: Layout) -> int:
        return max((self._lines(fit.columns[i].header, layout.widths[i]) for i in layout.kept), default=1)

    def _fill(self, fit: Fit, layout: Layout, rows: Sequence[Sequence[Cell]], lines: int) -> int:
        """How many of ``rows`` fit in ``lines`` screen lines (at least one)."""
        used = self._head_height(fit, layout) - 1
        for n, row in enumerate(rows):
            used += self._height(fit, layout, row)
            if used > lines and n > 0:
                return n
        return len(rows)

    def bar(self, bar: Bar, columns: int) -> Text:
        """``bar`` drawn ``columns`` wide at its top value; a part above zero gets at least one column."""
        scale = columns / bar.top if bar.top > 0 else 0.0
        text = Text()
        total = drawn = 0
        for value, char, style in bar.parts:
            total += value
            n = int(round(total * scale)) - drawn
            if value > 0 and n <= 0:
                n = 1
            n = max(0, min(n, columns - drawn))
            text.append((char if self.plain else "█") * n, style=None if self.plain else style)
            drawn += n
        return text

    # -- plain text ---------------------------------------------------------------------

    def _plain_text(self, cell: Cell) -> str:
        if isinstance(cell, Bar):
            return self.bar(cell, BAR_MAX).plain
        return _text_of(cell)

    def _plain_widths(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> list[int]:
        widths = [width(c.header) for c in columns]
        for row in rows:
            for i, cell in enumerate(row):
                w = width(self._plain_text(cell))
                if w > widths[i]:
                    widths[i] = w
        return widths

    def _plain_table(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], title: str | None,
                     widths: list[int] | None = None) -> None:
        """Aligned plain text (CJK counts two columns); two passes, so no row is held twice."""
        if widths is None:
            widths = self._plain_widths(columns, rows)

        def line(cells: Sequence[Cell]) -> str:
            parts = []
            for col, w, cell in zip(columns, widths, cells):
                text = self._plain_text(cell)
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


class LazyRows(Sequence[Sequence[Cell]]):
    """Table rows made on demand from records (numbered from 1), so long lists cost little."""

    def __init__(self, items: Sequence[T], cells: Callable[[int, T], Sequence[Cell]]) -> None:
        self.items: Sequence[Any] = items
        self.cells: Callable[[int, Any], Sequence[Cell]] = cells

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Sequence[Cell]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Sequence[Cell]]: ...

    def __getitem__(self, index: int | slice) -> Sequence[Cell] | Sequence[Sequence[Cell]]:
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
