"""What the menu shows: messages, tables and bars on a rich Console, paged on a terminal.

Every text that reaches the screen passes through here, and here it is escaped
(:func:`telbill.text.display.shown`): table cells, titles with paths, messages with
data, in both modes. On a terminal:

- long messages fold only where :func:`telbill.menu.layout.wrap` allows;
- a table takes the column widths of the whole list (every page looks the same),
  and shows a row on one line: a name or reason too long for its column is
  shortened with ``…`` (``w`` at the pager shows the page's values whole);
- a list longer than the screen is a pager (:mod:`telbill.menu.pages`): the next
  page, the one before, the first, the last or any page by its number, each
  under the list's title ("rows X-Y of N") and column heads; ``q`` or Esc leaves
  that list only (what the item shows after it still comes);
- nothing is printed over what the operator has not seen yet: output that would
  push unseen lines off the screen waits for a key first ("more");
- a step that may take a while shows a spinner (:meth:`View.busy`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, TypeVar, overload

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from telbill.menu.ask import Asker, LeftItem, PageMove
from telbill.menu.busy import Busy, NoBusy, Timer, thread_timer
from telbill.menu.layout import BAR_MAX, Bar, Cell, Column, Fit, Layout, cell_text, clip, wrap
from telbill.menu.pages import Entry, Pages
from telbill.menu.progress import NoBar, StepBar
from telbill.text.display import ljust, rjust, shown, width
from telbill.text.i18n import Tr

KEY_SEP = " · "
"""Between the keys of the pager's line (its short form), in both languages."""


T = TypeVar("T")

PLAIN_GAP = "   "
MEASURE_ALL = 20_000
"""Lists up to this long are measured row by row; longer ones need a measure of their own."""
SPARE_LINES = 2
"""Screen lines a page leaves free: the pager's own line and one more."""
LEAST_ROWS = 3
"""Rows a page shows however short the screen."""

Measure = Callable[[Fit], None]
"""Widens a :class:`Fit` for every row of a list without making the rows."""


@dataclass(slots=True)
class Part:
    """One table of a list: its columns, rows and title."""

    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    """The rows (a :class:`LazyRows` makes only those shown)."""
    title: str | Text | None = None
    measure: Measure | None = None
    """Column widths for a list longer than :data:`MEASURE_ALL` (it is not read row by row)."""
    totals: int = 0
    """The last rows sum up the others: shown under the last page, not counted in "rows 1-18 of 33"."""
    groups: Sequence[tuple[int, str]] = field(default_factory=tuple)
    """``(first row, title)`` of each group the rows fall into, in order."""
    fold: bool = True
    """A list that fits on the screen with its long values folded is shown so; else (and always
    without ``fold``) a row is a line, long values shortened."""


class View:
    """Tables, messages and bar charts on a rich Console (no markup: data prints as it is)."""

    def __init__(self, console: Console, tr: Tr, asker: Asker, *, plain: bool,
                 timer: Timer = thread_timer) -> None:
        self.console = console
        self.tr = tr
        self.asker = asker
        self.plain = plain
        self.timer = timer
        self.used = 0
        """Screen lines printed since the operator last pressed a key (a terminal), under the
        question answered then."""
        self._table_from: int | None = None
        """Where, among those lines, the first table begins: from there on nothing may scroll
        off unseen (a title or a line above a table may)."""
        self._seen = -1
        """``asker.prompts`` when :attr:`used` was last counted from a key."""

    # -- what the screen holds ----------------------------------------------------------

    @property
    def paged(self) -> bool:
        return not self.plain and self.asker.paged

    def height(self) -> int:
        return self.console.size.height

    def unseen(self) -> int:
        """Lines printed since the operator's last key (under the question answered)."""
        if self.asker.prompts != self._seen:
            self._seen = self.asker.prompts
            self.used, self._table_from = 0, None
        return self.used

    def _room(self, lines: int, *, table: bool = False) -> None:
        """Before printing ``lines`` lines (a table's, with ``table``): if they would push a table
        the operator has not seen whole yet off the screen, wait for a key first (q or Esc there
        leaves the item)."""
        if not self.paged:
            return
        self.unseen()
        if self._table_from is not None and self.used - self._table_from + lines > self.height() - 2:
            move = self.asker.page(self.tr("menu.more"), jump=False)
            self._keyed()
            if move is PageMove.STOP:
                raise LeftItem
        if table and self._table_from is None:
            self._table_from = self.used
        self.used += lines

    def _keyed(self) -> None:
        """A key was pressed at the pager (whose line is gone): the screen is all seen."""
        self._seen = self.asker.prompts
        self.used, self._table_from = 0, None

    def busy(self, text: str) -> Busy | NoBusy:
        """``with view.busy(...)``: a spinner saying ``text`` if the step is still running after a
        moment (a terminal only)."""
        if self.plain or not self.console.is_terminal:
            return NoBusy()
        return Busy(self.console, text, timer=self.timer)

    def step_bar(self) -> StepBar | NoBar:
        """``with view.step_bar() as bar:`` a bar saying what a step of a known size does and how far
        along it is, if it is still running after a moment (a terminal only; see :class:`StepBar`)."""
        if self.plain or not self.console.is_terminal:
            return NoBar()
        return StepBar(self.console, timer=self.timer)

    def waiting(self, sign: Busy | NoBusy | None, lock: Path, seconds: float) -> None:
        """A step waits for ``lock``, held by another program, ``seconds`` at most: ``sign``, its
        spinner, says so at once, or a line where there is none (plain mode)."""
        text = self.tr("lock.waiting", lock=str(lock), seconds=f"{seconds:g}")
        if isinstance(sign, Busy):
            sign.retell(text)
        else:
            self.warn(text)

    # -- text -------------------------------------------------------------------------

    def say(self, text: str | Text = "", style: str | None = None) -> None:
        """One line (or block) of text, escaped, folded to the screen only where a reader expects it."""
        if isinstance(text, Text):
            if not text.plain.isprintable():
                text = Text(shown(text.plain), style=text.style)
            self._room(max(1, len(wrap(text.plain, self.console.width))))
            self.console.print(text, style=style, markup=False, highlight=False, emoji=False)
            return
        safe = shown(text)
        lines = [safe] if self.plain else wrap(safe, self.console.width)
        self._room(len(lines))
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

    # -- lists --------------------------------------------------------------------------

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], title: str | Text | None = None,
              *, measure: Measure | None = None, totals: int = 0,
              groups: Sequence[tuple[int, str]] = (), fold: bool = True) -> bool:
        """Print rows as a table; on a terminal a page at a time. False if the operator left it
        before its end. See :class:`Part` for the arguments."""
        return self.tables([Part(columns, rows, title, measure, totals, groups, fold)])

    def tables(self, parts: Sequence[Part]) -> bool:
        """Several tables as one list (statistics): on a terminal, paged together when they do not
        fit on one screen, each page under its own table's title and heads. False if left early."""
        if self.plain:
            for part in parts:
                self._plain_part(part)
            return True
        with self.busy(self.tr("menu.busy.list")):  # a million rows are measured for their widths
            sheets = [_Sheet(self, part) for part in parts]
            pages = _PagesOf(sheets)
        narrow = [sheet.layout.needed for sheet in sheets if not sheet.layout.fits]
        if narrow:  # the stated rule: values folded at their columns' edges, and the width that avoids it
            self.warn(self.tr("menu.narrow", width=self.console.width, needed=max(narrow)))
        if not self.asker.paged:
            for sheet in sheets:
                self._print(sheet.render_all())
            return True
        if len(pages) == len(sheets):  # one screen, with every value whole if it can
            for whole in (True, False) if all(part.fold for part in parts) else (False,):
                heights = [sheet.lines(0, whole=whole) for sheet in sheets]
                if not whole and any(sheet.shortens() for sheet in sheets):
                    break  # values shortened: the pager, whose w shows them whole
                if sum(heights) <= self.height() - SPARE_LINES:
                    for sheet, lines in zip(sheets, heights):
                        self._room(lines, table=True)
                        self._print(sheet.render(0, whole=whole, counted=False))
                    return True
        return self._browse(pages)

    def first_page(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]],
                   title: str | Text | None = None) -> int:
        """How many of ``rows`` the first page of their table holds, a row a line (all of them when
        the list is not paged): for a list of only its first rows, cut where the screen ends rather
        than a page and a few rows."""
        if self.plain or not self.asker.paged:
            return len(rows)
        pages = _Sheet(self, Part(columns, rows, title)).pages
        if pages.count == 1:
            return len(rows)
        first, last = pages.span(0)
        return last - first + 1

    def _browse(self, pages: _PagesOf) -> bool:
        """The pager: show a page, then do what the operator's key says (see the module's text).
        True if the list was left at its last page, False if before."""
        index, whole, shown_now = 0, False, False
        while True:
            sheet, page = pages[index]
            if not shown_now:
                self._room(sheet.lines(page, whole=whole), table=True)
                self._print(sheet.render(page, whole=whole, counted=sheet.pages.count > 1))
                shown_now = True
            last = index == len(pages) - 1
            key = "menu.page.one" if len(pages) == 1 else "menu.page.end" if last else "menu.page.moves"
            move = self.asker.page(self._fitted(key, page=f"{index + 1:,}", pages=f"{len(pages):,}"), jump=True)
            self._keyed()
            if move is PageMove.STOP or (move is PageMove.NEXT and last):
                return last
            if move is PageMove.WHOLE:
                whole, shown_now = not whole, False
                continue
            target = self._target(move, index, len(pages))
            if target != index:
                index, shown_now = target, False

    @staticmethod
    def _target(move: PageMove | int, index: int, count: int) -> int:
        """The page a key leads to (pages from 0; a number typed counts from 1)."""
        if isinstance(move, int):
            return min(max(move, 1), count) - 1
        if move is PageMove.NEXT:
            return min(index + 1, count - 1)
        if move is PageMove.BACK:
            return max(index - 1, 0)
        if move is PageMove.FIRST:
            return 0
        if move is PageMove.LAST:
            return count - 1
        return index

    def _fitted(self, key: str, **params: object) -> str:
        """The pager's line, or its short form when the whole does not fit on the screen's width;
        where even that does not fit, whole keys are left out (by display width: a Chinese
        character takes two columns), the page and the way out (the last key) kept longest."""
        text = self.tr(key, **params)
        if width(text) < self.console.width:
            return text
        keys = self.tr(key + "_short", **params).split(KEY_SEP)
        while len(keys) > 1 and width(KEY_SEP.join(keys)) >= self.console.width:
            del keys[-2 if len(keys) > 2 else -1]
        return KEY_SEP.join(keys)

    # -- drawing on a terminal ----------------------------------------------------------

    def _print(self, drawn: tuple[str | Text | None, Table]) -> None:
        heading, table = drawn
        if isinstance(heading, Text):
            if not heading.plain.isprintable():
                heading = Text(shown(heading.plain), style=heading.style)
            self.console.print(heading, markup=False, highlight=False, emoji=False)
        elif heading is not None:
            for line in wrap(shown(heading), self.console.width):
                self.console.print(line, style="bold", markup=False, highlight=False, emoji=False, soft_wrap=True)
        self.console.print(table)

    def bar(self, bar: Bar, columns: int) -> Text:
        """``bar`` drawn ``columns`` wide at its top value; a part above zero gets at least one column."""
        scale = columns / bar.top if bar.top > 0 else 0.0
        text = Text()
        total = drawn = 0
        for value, char, style in bar.parts:
            total += value
            n = round(total * scale) - drawn
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
                widths[i] = max(widths[i], width(self._plain_text(cell)))
        return widths

    def _plain_part(self, part: Part) -> None:
        """A table as aligned plain text; a grouped one as a table per group, all as wide."""
        if not part.groups:
            self._plain_table(part.columns, part.rows, part.title)
            return
        widths = self._plain_widths(part.columns, part.rows)
        ends = [start for start, _ in part.groups[1:]] + [len(part.rows)]
        for (start, title), end in zip(part.groups, ends):
            self._plain_table(part.columns, part.rows[start:end], title, widths)

    def _plain_table(self, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], title: str | Text | None,
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
            head.insert(0, shown(title.plain if isinstance(title, Text) else title))
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


class _Sheet:
    """One table of a list laid out for the screen: its column widths and its pages."""

    def __init__(self, view: View, part: Part) -> None:
        self.view = view
        self.part = part
        fit = Fit(list(part.columns))
        rows = part.rows
        if part.measure is not None:
            part.measure(fit)
        else:
            fit.see(rows if len(rows) <= MEASURE_ALL else rows[:MEASURE_ALL])
        self.fit = fit
        self.layout = fit.layout(view.console.width)
        self.folded = fit.layout(view.console.width, first=False)
        """The layout for every value whole (``w``): the name and reason columns share the room."""
        self.head = max((len(wrap(shown(fit.columns[i].header), self.layout.widths[i])) for i in self.layout.kept),
                        default=1)
        self.above = self._title_lines(len(rows)) + self.head + 1  # the title, the heads, their rule
        room = view.height() - SPARE_LINES - self.above - part.totals
        per = room if self.layout.fits and not self.layout.split else room // 2  # most rows take two lines
        self.pages = Pages(len(rows) - part.totals, max(LEAST_ROWS, per), [start for start, _ in part.groups])
        texts = [i for i in self.layout.kept if part.columns[i].wrap]
        self.group_column = max(texts, key=lambda i: self.layout.widths[i]) if texts else self.layout.kept[0]
        """Where a group's title is written (the widest column that holds text, the first of equals)."""

    def shortens(self) -> bool:
        """Whether a row a line shortens some name, reason or record text with ``…``."""
        return self.layout.fits and not self.fit.whole(self.layout)

    def _title_lines(self, rows: int) -> int:
        """Lines the title takes on the widest screen of the list ("rows 999,981-1,000,000 of …")."""
        title = self.part.title
        if title is None:
            return 0
        plain = shown(title.plain if isinstance(title, Text) else title)
        counted = self.view.tr("menu.page", title=plain, first=rows, last=rows, count=rows)
        return max(len(wrap(text, self.view.console.width)) for text in (plain, counted))

    def _entries(self, page: int) -> list[Entry | int]:
        """The page's lines, and the totals rows (by index) under the last page."""
        lines: list[Entry | int] = list(self.pages.entries(page))
        if page == self.pages.count - 1:
            lines += range(len(self.part.rows) - self.part.totals, len(self.part.rows))
        return lines

    def lines(self, page: int, *, whole: bool) -> int:
        """Screen lines ``page`` takes with its title and heads."""
        entries = self._entries(page)
        if not whole or not self.folded.fits:
            return self.above + len(entries) * (2 if self.layout.split else 1)
        return self.above + sum(self._height(self._cells(e)) for e in entries)

    def _height(self, row: Sequence[Cell]) -> int:
        columns, widths = self.fit.columns, self.folded.widths
        return max((len(wrap(cell_text(row[i]), widths[i])) for i in self.folded.kept if columns[i].wrap),
                   default=2 if self.folded.split else 1)

    def _cells(self, entry: Entry | int) -> Sequence[Cell]:
        if isinstance(entry, int):
            return self.part.rows[entry]
        if entry.row is not None:
            return self.part.rows[entry.row]
        assert entry.group is not None
        title = self.part.groups[entry.group][1]
        if entry.continued:
            title = self.view.tr("menu.continued", title=title)
        cells: list[Cell] = [""] * len(self.part.columns)
        cells[self.group_column] = Text(title, style="bold")
        return cells

    def heading(self, page: int, *, counted: bool) -> str | Text | None:
        title = self.part.title
        if not counted or title is None:
            return title
        first, last = self.pages.span(page)
        if isinstance(title, Text):  # the title keeps its colours (the statistics' legend)
            text = title.copy()
            text.append(self.view.tr("menu.page", title="", first=first, last=last, count=self.pages.rows))
            return text
        return self.view.tr("menu.page", title=title, first=first, last=last, count=self.pages.rows).strip()

    def render(self, page: int, *, whole: bool, counted: bool) -> tuple[str | Text | None, Table]:
        """The page's heading ("rows X-Y of N" when ``counted``) and its table; with ``whole``
        long values fold onto more lines instead of being shortened."""
        rows = [self._cells(e) for e in self._entries(page)]
        return self.heading(page, counted=counted), self._table(rows, whole=whole)

    def render_all(self) -> tuple[str | Text | None, Table]:
        """The whole list in one table (a terminal that does not page), long values folded."""
        lines: list[Entry | int] = list(self.pages.everything())
        lines += range(len(self.part.rows) - self.part.totals, len(self.part.rows))
        return self.part.title, self._table([self._cells(e) for e in lines], whole=True)

    def _table(self, rows: Sequence[Sequence[Cell]], *, whole: bool) -> Table:
        layout: Layout = self.folded if whole else self.layout
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, collapse_padding=True, pad_edge=False,
                      padding=(0, layout.gap - 1), header_style="bold cyan")
        columns = self.fit.columns
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
                cell, col, w = row[i], columns[i], layout.widths[i]
                if isinstance(cell, Bar):
                    cells.append(self.view.bar(cell, w))
                    continue
                text = cell_text(cell)
                style = cell.style if isinstance(cell, Text) else ""
                if layout.short and col.short is not None and text in col.short:
                    text = col.short[text]
                if col.wrap and layout.fits:
                    text = "\n".join(wrap(text, w)) if whole else clip(text, w)
                elif col.split and layout.split:
                    text = text.replace(" ", "\n", 1)  # the date above its time
                cells.append(Text(text, style=style))
            table.add_row(*cells)
        return table


class _PagesOf:
    """The pages of several tables shown as one list, numbered on: ``pages[i]`` is ``(sheet, its
    page)``, found when asked for (a list of them all was 40,000 pairs at a million rows, 75 ms
    and a pause of the garbage collector before the first page)."""

    def __init__(self, sheets: Sequence[_Sheet]) -> None:
        self.sheets = sheets
        self.firsts = list(accumulate((sheet.pages.count for sheet in sheets), initial=0))
        """The list's number of each sheet's first page, then the count of them all."""

    def __len__(self) -> int:
        return self.firsts[-1]

    def __getitem__(self, index: int) -> tuple[_Sheet, int]:
        i = bisect_right(self.firsts, index) - 1
        return self.sheets[i], index - self.firsts[i]


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
