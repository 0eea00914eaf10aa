"""Fitting tables and text to a screen width: pure functions, no console.

:class:`Fit` decides which columns a table shows and how wide, from the widths
of all its rows (measured once for the whole list, so every page of a long list
looks the same). Values are never cut: only the columns marked ``wrap`` (names,
reasons, record text) fold onto more lines, and :func:`wrap` folds them, and
long messages, only where a reader expects a break: between words, between two
Chinese characters, never inside a number, a date, a time, a phone or a path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

from rich.text import Text

from telbill.text.display import shown, width

GAP, TIGHT_GAP = 2, 1
"""Columns between two table columns on a terminal; the tight gap only when nothing else fits."""
FLEX_COMFORT, FLEX_FLOOR = 10, 6
"""Widths a name or reason column is given before other columns are shortened or dropped,
and the least it is given at all (it folds onto more lines)."""
LAST_RESORT = 3
"""Columns whose ``drop`` is this or more are left out only when no gap and no width of the name
and reason columns lets a row fit on a line (the class of a call, its reason for being set aside)."""
BAR_MIN, BAR_MAX = 8, 40
"""Bar-chart bars shrink to fit the screen, down to BAR_MIN; plain text draws BAR_MAX."""


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its heading, which side the values hug, and how it may give way."""

    header: str
    justify: str = "left"
    wrap: bool = False
    """Whether long values may fold onto more lines (names, reasons, record text); the
    others (numbers, phones, times, months) are always shown whole."""
    drop: int = 0
    """0: always shown; otherwise left out on a narrow screen, the lowest number first (from
    :data:`LAST_RESORT` on, only when nothing else lets a row fit on a line)."""
    short: Mapping[str, str] | None = None
    """Shorter texts for some values (``国际长途`` → ``国际``), used on a narrow screen."""
    bar: bool = False
    """A bar-chart column: its cells are :class:`Bar`, drawn as wide as the screen allows."""
    first: bool = False
    """A name or reason column that gets its whole width before the others share what is left
    (the record text of the anomalies list, whose reason is shortened instead)."""
    split: bool = False
    """A date and time that stand over two lines, the date above its time, on a screen too narrow
    for every row on one line (:attr:`Layout.split`)."""
    least: int = 0
    """The least width of a name or reason column, when it is more than the usual floor: the
    anomalies list's record keeps its caller whole (``13800138000…``)."""


@dataclass(frozen=True, slots=True)
class Bar:
    """A bar of several parts ``(value, plain char, style)``; ``top`` fills the whole bar."""

    parts: tuple[tuple[int, str, str], ...]
    top: int


Cell = str | Text | Bar


def cell_text(cell: Cell) -> str:
    """What a cell shows, escaped (a bar shows no text)."""
    if isinstance(cell, Text):
        return shown(cell.plain)
    if isinstance(cell, Bar):
        return ""
    return shown(cell)


@dataclass(frozen=True, slots=True)
class Layout:
    """Which columns are shown, how wide, and whether the short texts are used."""

    kept: list[int]
    widths: dict[int, int]
    short: bool
    gap: int = GAP
    fits: bool = True
    """False on a screen too narrow for even the least arrangement: then every column may fold."""
    split: bool = False
    """The least arrangement fits only with the ``split`` columns' dates above their times: a row
    takes two lines, and every value is still whole."""
    needed: int = 0
    """When it does not fit: the least width on which every value would be whole."""

    def total(self) -> int:
        """Columns the table takes."""
        return sum(self.widths.values()) + self.gap * (len(self.kept) - 1)


@dataclass(slots=True)
class Fit:
    """Column widths for a screen: data is never cut, only name/reason columns fold.

    :meth:`see` the rows (or :meth:`widen` from a measure of the whole list), then
    :meth:`layout` for the screen width. When everything does not fit, the columns
    with short texts use them and the columns that may be dropped are, least
    important first; as a last resort the columns stand one space apart.
    """

    columns: list[Column]
    full: list[int] = field(default_factory=list)
    short: list[int] = field(default_factory=list)
    parts: list[int] = field(default_factory=list)
    """The widest part (date or time) of a ``split`` column's values."""

    def __post_init__(self) -> None:
        self.full = [width(c.header) for c in self.columns]
        self.short = list(self.full)
        self.parts = list(self.full)

    def see(self, rows: Sequence[Sequence[Cell]]) -> None:
        """Make room for every value of ``rows``."""
        full, short, columns = self.full, self.short, self.columns
        for row in rows:
            for i, cell in enumerate(row):
                text = cell_text(cell)
                w = width(text)
                full[i] = max(full[i], w)
                if columns[i].split:
                    self.parts[i] = max(self.parts[i], *(width(part) for part in text.split(" ")))
                mapping = columns[i].short
                if mapping is not None:
                    w = width(mapping.get(text, text))
                short[i] = max(short[i], w)

    def widen(self, i: int, full: int, short: int | None = None, part: int | None = None) -> None:
        """Make column ``i`` at least ``full`` wide (``short`` with short texts, ``part`` with its
        date above its time)."""
        self.full[i] = max(self.full[i], full)
        self.short[i] = max(self.short[i], full if short is None else short)
        self.parts[i] = max(self.parts[i], full if part is None else part)

    def natural(self, i: int, short: bool) -> int:
        """The width column ``i`` needs to show every value whole."""
        col = self.columns[i]
        if col.bar:
            return BAR_MAX
        return self.short[i] if short and col.short is not None else self.full[i]

    def layout(self, total: int, *, first: bool = True) -> Layout:
        """The first arrangement that fits ``total`` columns (or the narrowest one). Without
        ``first`` the name/reason columns share the room evenly (every value folded whole).
        Columns dropped from :data:`LAST_RESORT` on go only when no gap or width of the name and
        reason columns fits; then the ``split`` columns' dates go above their times."""
        levels = sorted({c.drop for c in self.columns if c.drop})
        early = [0] + [d for d in levels if d < LAST_RESORT]
        late = [d for d in levels if d >= LAST_RESORT]
        has_short = any(c.short is not None for c in self.columns)
        shorts = (False, True) if has_short else (False,)
        for stage in (early, late):
            configs = list(product(stage, shorts))
            for floor, gap, (drop, short) in product((FLEX_COMFORT, FLEX_FLOOR), (GAP, TIGHT_GAP), configs):
                least = self._least(drop, short, floor, gap)
                if least.total() > total:
                    continue
                grown = self._grow(least, total, first)
                if has_short and not short and not self.whole(grown):
                    shorter = self._grow(self._least(drop, True, floor, gap), total, first)
                    if shorter.total() <= total and self.whole(shorter):
                        return shorter  # the short texts show every value whole: better than cut
                return grown
            # The date above its time before a column of the late stage goes (the class, the reason).
            split = self._split(configs, total, first)
            if split is not None:
                return split
        drop, short = (late or early)[-1], shorts[-1]  # the tightest of all
        least = self._least(drop, short, FLEX_FLOOR, TIGHT_GAP)
        widths = {i: min(self.parts[i], w) if self.columns[i].split else w for i, w in least.widths.items()}
        needed = min(least.total(), Layout(least.kept, widths, short, TIGHT_GAP).total())
        return Layout(least.kept, least.widths, least.short, least.gap, fits=False, needed=needed)

    def _split(self, configs: list[tuple[int, bool]], total: int, first: bool) -> Layout | None:
        """The first of ``configs`` that fits ``total`` with the dates above their times; of a drop
        level, its short texts when they show every value whole and the long ones do not."""
        fitting = []
        for drop, short in configs:
            least = self._least(drop, short, FLEX_FLOOR, TIGHT_GAP)
            widths = {i: min(self.parts[i], w) if self.columns[i].split else w for i, w in least.widths.items()}
            split = Layout(least.kept, widths, short, TIGHT_GAP, split=True)
            if split.widths != least.widths and split.total() <= total:
                fitting.append((drop, self._grow(split, total, first)))
        for drop, split in fitting:
            if self.whole(split) or not any(d == drop and self.whole(other) for d, other in fitting):
                return split
        return None

    def whole(self, layout: Layout) -> bool:
        """Whether every name and reason column is as wide as its longest value."""
        return all(layout.widths[i] >= self.natural(i, layout.short) for i in layout.kept if self.columns[i].wrap)

    def _least(self, drop: int, short: bool, floor: int, gap: int) -> Layout:
        kept = [i for i, c in enumerate(self.columns) if not (c.drop and c.drop <= drop)]
        widths = {}
        for i in kept:
            col = self.columns[i]
            if col.bar:
                widths[i] = BAR_MIN
            elif col.wrap:
                widths[i] = min(self.natural(i, short), max(floor, col.least))
            else:
                widths[i] = self.natural(i, short)
        return Layout(kept, widths, short, gap)

    def _grow(self, layout: Layout, total: int, first: bool = True) -> Layout:
        """Share the room left: name/reason columns up to their width (a ``first`` one before the
        others, with ``first``), then the bars."""
        spare = total - layout.total()
        widths = dict(layout.widths)
        flex = sorted((i for i in layout.kept if self.columns[i].wrap),
                      key=lambda i: self.natural(i, layout.short) - widths[i])
        if first:
            flex.sort(key=lambda i: not self.columns[i].first)
        for n, i in enumerate(flex):
            if spare <= 0:
                break
            share = spare if first and self.columns[i].first else spare // (len(flex) - n)
            give = min(self.natural(i, layout.short) - widths[i], share)
            widths[i] += give
            spare -= give
        for i in layout.kept:
            if self.columns[i].bar and spare > 0:
                give = min(BAR_MAX - widths[i], spare)
                widths[i] += give
                spare -= give
        return Layout(layout.kept, widths, layout.short, layout.gap, split=layout.split)


# -- folding text ------------------------------------------------------------------------

_WIDE = r"\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_TOKEN = re.compile(rf"(\s+)|([{_WIDE}])|([^\s{_WIDE}]+)")
_CLOSING = set("，。、；：？！）」』】》〉”’…%,.;:?!)]}")
"""Never at the start of a line."""
_OPENING = set("（「『【《〈“‘([{")
"""Never at the end of a line."""
_DATE = re.compile(r".*\d{4}-\d\d-\d\d$")
_CLOCK = re.compile(r"\d\d:\d\d:\d\d")


def _wide(ch: str) -> bool:
    return bool(re.match(f"[{_WIDE}]", ch))


SHORT_WORD = 6
"""A number or word this short stays on the line of the Chinese text it stands in (``第 235 行``)."""


def _glued(before: str, after: str) -> bool:
    """Whether the space between ``before`` and ``after`` must not become a line break."""
    if _DATE.match(before) and _CLOCK.match(after):
        return True
    wide_before, wide_after = _wide(before[-1]), _wide(after[0])
    if wide_before and not wide_after:
        return _short(re.split(f"[{_WIDE}]", after, maxsplit=1)[0])
    if wide_after and not wide_before:
        return _short(re.split(f"[{_WIDE}\\s]", before)[-1])
    return False


_NUMBER = re.compile(r"[\d,.]+")


def _short(word: str) -> bool:
    """A word that stays with the Chinese beside it: a short one, or a number of any length
    (``计费 991,286 条``)."""
    return len(word) <= SHORT_WORD or bool(_NUMBER.fullmatch(word))


def units(text: str) -> list[tuple[str, str]]:
    """``text`` as the pieces a line may not break inside, each with what separates it from
    the one before (the spaces between them, or ``''``).

    A line may break at a space between two words, or between two Chinese characters;
    not inside a word, number, date, path or phone; not between a date and its time;
    not at a space between a Chinese character and a short number or word (``第 235 行``
    stays whole); not before a closing mark nor after an opening one.
    """
    out: list[list[str]] = []  # [separator, text]
    space = ""
    for m in _TOKEN.finditer(text):
        token = m.group()
        if m.group(1):
            space = token
            continue
        if out:
            prev = out[-1][1]
            if space:
                if _glued(prev, token):
                    out[-1][1] = prev + space + token
                else:
                    out.append([space, token])
            elif token[0] in _CLOSING or prev[-1] in _OPENING or not (_wide(prev[-1]) or _wide(token[0])):
                out[-1][1] = prev + token
            else:
                out.append(["", token])
        else:
            out.append(["", token])
        space = ""
    return [(sep, piece) for sep, piece in out]


def _strong(before: str, sep: str, after: str) -> bool:
    """Whether a break between ``before`` and ``after`` falls between words or at punctuation
    (a space, after a closing mark, before an opening one), not inside a run of Chinese."""
    return bool(sep) or before[-1] in _CLOSING or after[0] in _OPENING


def _carry(parts: list[tuple[str, str]], sep: str, piece: str, columns: int) -> int | None:
    """Where to end a line that ``piece`` no longer fits on, when its own break would fall inside
    a run of Chinese: the last break between words or at punctuation in the line, if what
    follows it and ``piece`` fit on the next line."""
    if _strong(parts[-1][1], sep, piece):
        return None
    tail = width(piece) + len(sep)
    for k in range(len(parts) - 1, 0, -1):
        tail += width(parts[k][1])
        if tail > columns:
            return None
        if _strong(parts[k - 1][1], parts[k][0], parts[k][1]):
            return k
        tail += len(parts[k][0])
    return None


def wrap(text: str, columns: int) -> list[str]:
    """``text`` folded into lines at most ``columns`` wide, breaking only where :func:`units`
    allows, and inside a run of Chinese only when no break between words or at punctuation
    (``，`` ``。`` ``（``) is on the line. A piece wider than a whole line is broken at its own
    spaces first (a date from its time), and cut only as the last resort. Below 2 columns (where
    a Chinese character cannot fit) ``text`` is one line, left to the terminal."""
    if width(text) <= columns or columns < 2:
        return [text]
    lines: list[str] = []
    parts: list[tuple[str, str]] = []  # the line being filled, as (separator, piece)
    used = 0
    pending = units(text)
    pending.reverse()
    while pending:
        sep, piece = pending.pop()
        w = width(piece)
        if parts and used + len(sep) + w <= columns:
            parts.append((sep, piece))
            used += len(sep) + w
            continue
        if w > columns and " " in piece:
            first, *rest = re.split(r"(\s+)", piece)
            pending.extend((rest[i], rest[i + 1]) for i in range(len(rest) - 2, -1, -2))
            pending.append((sep, first))
            continue
        if parts:
            k = _carry(parts, sep, piece, columns)
            if k is not None:  # end the line at that break; what follows it starts the next
                pending.append((sep, piece))
                pending.extend(reversed(parts[k:]))
                parts = parts[:k]
            lines.append(_joined(parts))
            if k is not None:
                parts, used = [], 0
                continue
        while w > columns:  # a piece wider than a line: cut it by columns
            head, piece = _cut(piece, columns)
            lines.append(head)
            w = width(piece)
        parts, used = [("", piece)], w
    if parts or not lines:
        lines.append(_joined(parts))
    return lines


def _joined(parts: list[tuple[str, str]]) -> str:
    """A line from its pieces (the first one's separator is the break before the line)."""
    if not parts:
        return ""
    return parts[0][1] + "".join(sep + piece for sep, piece in parts[1:])


def shorten(text: str, columns: int) -> str:
    """``text`` on one line of at most ``columns``: whole if it fits, else cut with ``…``."""
    if width(text) <= columns:
        return text
    kept, used = [], 1
    for ch in text:
        used += width(ch)
        if used > columns:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + "…"


def clip(text: str, columns: int) -> str:
    """``text`` on one line of at most ``columns``: whole if it fits, else ended with ``…`` where
    :func:`wrap` would end its first line, so that a number, phone, date or time is never cut
    (``13800138000 0105551234 2021-01-…`` is ``13800138000 0105551234…``); cut by columns
    (:func:`shorten`) only when even its first piece does not fit."""
    if width(text) <= columns:
        return text
    pieces = units(text)
    if not pieces or columns < 2 or width(pieces[0][1]) > columns - 1:
        return shorten(text, columns)
    return wrap(text, columns - 1)[0].rstrip() + "…"


def _cut(text: str, columns: int) -> tuple[str, str]:
    used = 0
    for i, ch in enumerate(text):
        w = width(ch)
        if used + w > columns and i:
            return text[:i], text[i:]
        used += w
    return text, ""
