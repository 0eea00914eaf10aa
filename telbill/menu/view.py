"""What the menu shows: messages, tables and bars on a rich Console, paged on a terminal.

Every text that reaches the screen passes through here, and here it is escaped
(:func:`telbill.text.display.shown`): table cells, titles with paths, messages with
data, in both modes. On a terminal, long messages and table cells fold only
where :func:`telbill.menu.layout.wrap` allows, tables take the column widths of
the whole list (every page looks the same), and a long list stops after each
screenful: the next page, the page before, or stop (that list only: what the
item shows after it still comes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, overload

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from telbill.menu.ask import Asker, PageMove
from telbill.menu.layout import BAR_MAX, Bar, Cell, Column, Fit, Layout, cell_text, wrap
from telbill.text.display import ljust, rjust, shown, width
from telbill.text.i18n import Tr

T = TypeVar("T")

PLAIN_GAP = "   "
PAGE_MARGIN = 6
"""Screen lines a page of a table leaves for its title, heads, rule and the paging line."""
MEASURE_ALL = 20_000
"""Lists up to this long are measured row by row; longer ones need a measure of their own."""

Measure = Callable[[Fit], None]
"""Widens a :class:`Fit` for every row of a list without making the rows."""


class View:
    """Tables, messages and bar charts on a rich Console (no markup: data prints as it is)."""

    def __init__(self, console: Console, tr: Tr, asker: Asker, *, plain: bool) -> None:
        self.console = console
        self.tr = tr
        self.asker = asker
        self.plain = plain

    # -- text -------------------------------------------------------------------------

    def say(self, text: str | Text = "", style: str | None = None) -> None:
        """One line (or block) of text, escaped, folded to the screen only where a reader expects it."""
        if isinstance(text, Text):
            if not text.plain.isprintable():
                text = Text(shown(text.plain), style=text.style)
            self.console.print(text, style=style, markup=False, highlight=False, emoji=False)
            return
        safe = shown(text)
        lines = [safe] if self.plain else wrap(safe, self.console.width)
        for line in lines:
            self.console.print(line, style=style, markup=False, highlight=False, emoji=False, soft_wrap=True)

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

    # -- tables -----------------------------------------------------------------------

    def page_size(self) -> int:
        """Lines of rows that fit on one screen under a title and the column heads."""
        return max(5, self.console.size.height - PAGE_MARGIN)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], title: str | None = None,
              *, measure: Measure | None = None, totals: int = 0) -> bool:
        """Print rows as a table; on a terminal a screenful at a time. False if the operator stopped.

        ``rows`` may be a :class:`LazyRows`: only the rows shown are made; a list
        longer than :data:`MEASURE_ALL` then needs ``measure`` for its column widths.
        The last ``totals`` rows sum up the others: shown, but not counted in "rows 1-18 of 33".
        """
        if self.plain:
            self._plain_table(columns, rows, title)
            return True
        fit = Fit(list(columns))
        if measure is not None:
            measure(fit)
        else:
            fit.see(rows if len(rows) <= MEASURE_ALL else rows[:MEASURE_ALL])
        layout = fit.layout(self.console.width)
        count = len(rows)
        if not self.asker.paged:
            self._print(fit, layout, rows, title)
            return True
        size = self.page_size()

        def show(pos: int) -> int | None:
            chunk = rows[pos:pos + size]
            take = self._fill(fit, layout, chunk, size)
            if pos == 0 and take == count:
                self._print(fit, layout, chunk, title)
                return None
            counted = count - totals
            head = self.tr("menu.page", title=title or "", first=min(pos + 1, counted),
                           last=min(pos + take, counted), count=counted)
            self._print(fit, layout, chunk[:take], head.strip())
            return pos + take if pos + take < count else None

        return self._browse(0, show)

    def sections(self, columns: Sequence[Column], sections: Sequence[tuple[str, Sequence[Sequence[Cell]]]]) -> bool:
        """One table per group (same columns, same widths), paged together. False if the operator stopped."""
        if self.plain:
            widths = self._plain_widths(columns, [row for _, rows in sections for row in rows])
            for title, rows in sections:
                self._plain_table(columns, rows, title, widths)
            return True
        fit = Fit(list(columns))
        for _, rows in sections:
            fit.see(rows)
        layout = fit.layout(self.console.width)
        pages = self._section_pages(fit, layout, sections)

        def show(index: int) -> int | None:
            for title, rows in pages[index]:
                self.say("")
                self._print(fit, layout, rows, title)
            return index + 1 if index + 1 < len(pages) else None

        return self._browse(0, show)

    def _section_pages(self, fit: Fit, layout: Layout, sections: Sequence[tuple[str, Sequence[Sequence[Cell]]]],
                       ) -> list[list[tuple[str, Sequence[Sequence[Cell]]]]]:
        """The groups cut into screenfuls: each page a list of (title, rows)."""
        head = self._head_height(fit, layout) + 3  # a blank line, the title, the heads, the rule
        screen = max(8, self.console.size.height - 2) if self.asker.paged else 10 ** 9
        pages: list[list[tuple[str, Sequence[Sequence[Cell]]]]] = [[]]
        used = 0
        for title, rows in sections:
            pos = 0
            while pos < len(rows):
                room = screen - used - head
                if used and room < self._height(fit, layout, rows[pos]):
                    pages.append([])
                    used = 0
                    continue
                take = self._fill(fit, layout, rows[pos:], room)
                part = title if pos == 0 else self.tr("menu.continued", title=title)
                pages[-1].append((part, rows[pos:pos + take]))
                used += head + sum(self._height(fit, layout, row) for row in rows[pos:pos + take])
                pos += take
        return pages

    def _browse(self, first: int, show: Callable[[int], int | None]) -> bool:
        """Show pages from ``first``: ``show(page)`` prints one and gives the next (``None``: the last).

        After each page the operator moves on, back, or stops this list (what the
        item shows after it still comes); after the last page of a list that took
        several, they may still go back. False if stopped before the end.
        """
        history: list[int] = []
        page = first
        while True:
            following = show(page)
            if following is None and not history:
                return True
            while True:
                last = following is None
                move = self.asker.page(self.tr("menu.page.end" if last else "menu.page.moves"))
                if move is PageMove.BACK and history:
                    page = history.pop()
                    break
                if move is PageMove.STOP:
                    return last
                if move is PageMove.NEXT:
                    if following is None:
                        return True
                    history.append(page)
                    page = following
                    break


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
            justify: Any = col.justify
            if not layout.fits:  # folded onto more lines rather than cut
                table.add_column(shown(col.header), justify=justify, overflow="fold")
            elif col.wrap:
                table.add_column(shown(col.header), justify=justify, width=w, overflow="fold")
            else:
                table.add_column(shown(col.header), justify=justify, width=w, min_width=w, no_wrap=True,
                                 overflow="fold")
        for row in rows:
            cells: list[Text] = []
            for i in layout.kept:
                cell, col = row[i], columns[i]
                if isinstance(cell, Bar):
                    cells.append(self.bar(cell, layout.widths[i]))
                    continue
                text = cell_text(cell)
                style = cell.style if isinstance(cell, Text) else ""
                if layout.short and col.short is not None and text in col.short:
                    text = col.short[text]
                if col.wrap and layout.fits:
                    text = "\n".join(wrap(text, layout.widths[i]))
                cells.append(Text(text, style=style))
            table.add_row(*cells)
        return table

    def _height(self, fit: Fit, layout: Layout, row: Sequence[Cell]) -> int:
        """Screen lines a row takes (names and reasons may fold)."""
        if not layout.fits:
            return 2  # a guess: on so narrow a screen most rows fold once
        return max((len(wrap(cell_text(row[i]), layout.widths[i])) for i in layout.kept
                    if fit.columns[i].wrap), default=1)

    def _head_height(self, fit: Fit, layout: Layout) -> int:
        return max((len(wrap(shown(fit.columns[i].header), layout.widths[i])) for i in layout.kept), default=1)

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
        return cell_text(cell)

    def _plain_widths(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> list[int]:
        widths = [width(shown(c.header)) for c in columns]
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
            head.insert(0, shown(title))
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
