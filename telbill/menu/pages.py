"""How a long list falls into pages: pure arithmetic, no console.

Every page of a list holds the same number of screen lines, one a row (a value
too long for its column is shortened on the screen, see :mod:`telbill.menu.view`),
so that page 30,000 of a million rows is found as fast as page 1, and the
number of pages is known before any row is made. A list may be cut into groups
(the set-aside records by reason): a group's title takes a line of its own,
and a page that starts inside a group repeats the title, marked "continued".
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a page: a row of the list, or a group's title."""

    row: int | None = None
    """The row's index in the list (from 0), for a row."""
    group: int | None = None
    """The group's index (from 0), for a group's title."""
    continued: bool = False
    """A group's title repeated at the top of a page that starts inside the group."""


class Pages:
    """A list of ``rows`` rows (groups starting at the rows ``groups``) in pages of ``per`` lines."""

    def __init__(self, rows: int, per: int, groups: Sequence[int] = ()) -> None:
        self.rows = rows
        self.starts = sorted(groups)
        self.per = max(2 if self.starts else 1, per)
        self.body = self.per - 1 if self.starts else self.per
        """Lines of a page taken from the list (one is kept for a repeated group title)."""
        self.titles = [start + g for g, start in enumerate(self.starts)]
        """Where each group's title stands among the lines of the whole list."""
        self.length = rows + len(self.starts)

    @property
    def count(self) -> int:
        """How many pages (an empty list is one empty page)."""
        return max(1, -(-self.length // self.body))

    def _entry(self, line: int) -> Entry:
        group = bisect_right(self.titles, line) - 1
        if group >= 0 and self.titles[group] == line:
            return Entry(group=group)
        return Entry(row=line - (group + 1))

    def entries(self, page: int) -> list[Entry]:
        """The lines of ``page`` (from 0), a group title first when the page starts inside a group."""
        first = page * self.body
        lines = [self._entry(i) for i in range(first, min(self.length, first + self.body))]
        if lines and lines[0].row is not None and self.starts:
            group = bisect_right(self.starts, lines[0].row) - 1
            if group >= 0:
                lines.insert(0, Entry(group=group, continued=True))
        return lines

    def everything(self) -> list[Entry]:
        """Every line of the list, as if it were one page."""
        return [self._entry(i) for i in range(self.length)]

    def span(self, page: int) -> tuple[int, int]:
        """The first and last row of ``page``, counted from 1 (``(0, 0)`` when it shows none)."""
        rows = [e.row for e in self.entries(page) if e.row is not None]
        return (rows[0] + 1, rows[-1] + 1) if rows else (0, 0)
