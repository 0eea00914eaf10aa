"""The text of a call record as it was written, kept in a few bytes a line.

The anomalies file gives each record set aside its line as read (SPEC §3). A
record written in the standard layout (``CALLER  CALLEE  START_DATE START_TIME
END_DATE END_TIME``, two spaces between the parts) is written back from its
fields, so nothing of it is kept. Any other line is its six fields in a *frame*:
what surrounds them (leading blanks, the five separators, what follows the last
field, a trailing comment included), written as a ``%`` format with a ``%s`` per
field. Most files write every line one way (one space, or tabs), so the lines
share a handful of frames, and a line costs a line number and a frame number
(12 bytes) instead of its text (a dict entry and a string, some 200 bytes).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import compress, count, repeat
from operator import eq, not_

STANDARD = "%s  %s  %s %s  %s %s"
"""The standard layout of a record's six fields (how a record is written back)."""
_STANDARD = STANDARD.__mod__

Fields = tuple[str, str, str, str, str, str]
"""A record's fields as read: caller, callee, start date and time, end date and time."""


def standard_lines(fields: Iterable[Fields]) -> list[str]:
    """Each record's fields in the standard layout: ``STANDARD % row`` for each row, made
    by an f-string (130 ns a line against the ``%``'s 225: every line read is checked
    against it)."""
    return [f"{caller}  {callee}  {day1} {time1}  {day2} {time2}"
            for caller, callee, day1, time1, day2, time2 in fields]


def pieces_of(line: str, fields: Sequence[str]) -> tuple[str, ...]:
    """What surrounds ``line``'s ``fields`` (each a run of non-blanks, found in order): the text
    before the first, between each two, after the last."""
    pieces: list[str] = []
    at = 0
    for field in fields:
        found = line.find(field, at)  # only blanks lie before the field: its first match is the field
        pieces.append(line[at:found])
        at = found + len(field)
    pieces.append(line[at:])
    return tuple(pieces)


def frame_of(line: str, fields: Sequence[str]) -> str:
    """The frame of ``line`` around its ``fields``: its pieces (:func:`pieces_of`) around a ``%s`` each."""
    return _frame(pieces_of(line, fields))


def _frame(pieces: tuple[str, ...]) -> str:
    return "%s".join(piece.replace("%", "%%") for piece in pieces)


def framed_lines(pieces: tuple[str, ...], fields: Iterable[Fields]) -> list[str]:
    """Each record's fields in the frame of these seven ``pieces``: what the frame's ``%`` gives
    for each row, made faster (one separator throughout, as one space or a tab: a ``join``, 90 ns
    a line; else an f-string, 155 ns; the ``%``, 225 ns: every line read is checked against it)."""
    lead, sep1, sep2, sep3, sep4, sep5, tail = pieces
    if not lead and not tail and sep1 == sep2 == sep3 == sep4 == sep5:
        return list(map(sep1.join, fields))
    return [f"{lead}{caller}{sep1}{callee}{sep2}{day1}{sep3}{time1}{sep4}{day2}{sep5}{time2}{tail}"
            for caller, callee, day1, time1, day2, time2 in fields]


_ONE_SPACE = ("", " ", " ", " ", " ", " ", "")
"""The pieces of the frame of six fields one space apart (``sep.join``), as the ``starts`` and
``ends`` benchmark files write every line."""


def one_space_apart(lines: list[str]) -> bool:
    """Whether each of these lines, of six fields each (as ``str.split`` separates them), is its
    fields one space apart: true when the lines are ASCII with no tab and hold five spaces a line.

    Each line holds at least five blanks (between its fields); in ASCII text a blank is a space or
    a tab (the reader reads a line holding another character that ``str.split`` takes as a space
    on its own, and then it is no record); a comment follows a blank. So with no tab, five spaces
    a line is five in each line exactly, one between each two fields, none before or after, and
    no comment. 33-38 ns a line against 194 for making each line from its fields and comparing
    (timeit, process time, 128-line blocks of the ``starts`` 1M set)."""
    text = "".join(lines)
    return text.isascii() and "\t" not in text and text.count(" ") == 5 * len(lines)


class LineTexts:
    """The lines not in the standard layout, by line number, as frames (see the module).

    Lines are added in increasing line order (as a reader reads them), or as runs of increasing
    line numbers each (a partition's buckets one after another) and then :meth:`sort`-ed.
    """

    def __init__(self) -> None:
        self.numbers = array("q")
        """The line numbers kept, increasing (once sorted)."""
        self.ids = array("I")
        """Each one's frame, an index in :attr:`frames`."""
        self.frames: list[str] = []
        self.pieces: list[tuple[str, ...]] = []
        """Each frame's seven pieces, unescaped (:func:`pieces_of`)."""
        self.index: dict[str, int] = {}
        """Frame → its index."""
        self.raws: dict[int, str] = {}
        """Line number → text of a line no frame gives back (none is known; kept as a safeguard)."""
        self._last = -1
        """The frame of the last line (-1: the standard layout)."""
        self._at = 0
        """Where the last :meth:`text` found its line."""
        self._in_order = True
        """Whether :attr:`numbers` are increasing (they are not once a run starts below the last kept)."""
        self._all_framed = True
        """Whether every line added was kept in a frame (none in the standard layout, none in :attr:`raws`)."""

    def __len__(self) -> int:
        return len(self.numbers) + len(self.raws)

    def add(self, numbers: Iterable[int], lines: Iterable[str], fields: Iterable[Fields]) -> None:
        """Keep lines with their numbers and fields (those in the standard layout are passed over).

        Most often a line is in the frame of the line before (the standard layout or another):
        every line of the block is checked against the frame the last block ended in, one ``%``
        a line, as checking the standard layout alone would cost, and only the lines not in it
        are looked at one by one.
        """
        lines = list(lines)
        if not lines:
            return
        last = self._last
        if last >= 0 and self.pieces[last] == _ONE_SPACE and one_space_apart(lines):
            self._keep(list(numbers), last)  # the frame of a file written with single spaces
            return
        numbers, fields = list(numbers), list(fields)
        same = list(map(eq, lines, framed_lines(self.pieces[last], fields) if last >= 0 else standard_lines(fields)))
        done = 0
        for i in compress(count(), map(not_, same)):
            self._keep(numbers[done:i], last)
            at = self._frame_of(numbers[i], lines[i], fields[i])
            self._keep(numbers[i:i + 1], at)
            done = i + 1
        self._keep(numbers[done:], last)
        if not same[-1]:
            self._last = max(at, -1)

    def sort(self) -> None:
        """Put the lines kept in line order, when they were added as several runs of increasing
        numbers (a bucket's lines after another's: the sort merges the runs). Where every line
        kept is in one frame (a file written one way), only the numbers are sorted (70 ms a
        million lines; with their frames, 280). Lines added in line order are left as they are."""
        if self._in_order:
            return
        numbers, ids = self.numbers, self.ids
        if len(self.frames) == 1:
            self.numbers = array("q", sorted(numbers))
        else:
            order = sorted(range(len(numbers)), key=numbers.__getitem__)
            self.numbers = array("q", map(numbers.__getitem__, order))
            self.ids = array("I", map(ids.__getitem__, order))
        self._in_order = True
        self._at = 0

    def _keep(self, numbers: list[int], at: int) -> None:
        """Keep these lines, all in frame ``at`` (nothing to keep for the standard layout)."""
        if at < 0 and numbers:
            self._all_framed = False
        if at >= 0 and numbers:
            if self.numbers and numbers[0] < self.numbers[-1]:
                self._in_order = False
            self.numbers.extend(numbers)
            self.ids.extend(repeat(at, len(numbers)))

    def _frame_of(self, number: int, line: str, row: Fields) -> int:
        """The index of ``line``'s frame (made if new); -1 for the standard layout, -2 for a line
        kept whole in :attr:`raws`."""
        if _STANDARD(row) == line:
            return -1
        pieces = pieces_of(line, row)
        frame = _frame(pieces)
        if frame % row != line:
            self.raws[number] = line
            return -2
        at = self.index.get(frame)
        if at is None:
            at = self.index[frame] = len(self.frames)
            self.frames.append(frame)
            self.pieces.append(pieces)
        return at

    def text(self, number: int, fields: Fields) -> str:
        """Line ``number`` as it was written, given its fields (the standard layout if not kept).

        Asked in increasing line order (as the anomalies file is written), each search starts
        where the last one ended and gallops forward: it stays among numbers near one another
        in memory (a bisection of ten million numbers misses the CPU caches at every step, some
        5 µs a line; galloping, 0.5 µs).
        """
        raw = self.raws.get(number)
        if raw is not None:
            return raw
        numbers = self.numbers
        n = len(numbers)
        at = self._at
        if at < n and numbers[at] <= number:
            step, high = 1, at + 1
            while high < n and numbers[high] <= number:
                at, step = high, step * 2
                high = at + step
            at = bisect_left(numbers, number, at, min(high, n))
        else:
            at = bisect_left(numbers, number)
        self._at = at
        if at < len(numbers) and numbers[at] == number:
            return self.frames[self.ids[at]] % fields
        return _STANDARD(fields)

    def texts(self, numbers: Sequence[int], fields: Iterable[Fields], added: bool = False) -> list[str]:
        """Lines ``numbers`` (increasing) as they were written, given their fields: what :meth:`text`
        gives for each. The kept lines between the first and the last of ``numbers`` are put in a
        dict (number → frame) and each line looked up in it; where they are many more than the
        lines asked, each line is found with :meth:`text` instead.

        ``added``: every line asked was added (a reader's records). Then, where every line added
        was kept in one frame (a file written one way, as the ``starts`` files' single spaces),
        all are written by that frame's formatter (:func:`framed_lines`) with no lookup; and where
        no line between the first and the last asked was kept (the standard layout), by
        :func:`standard_lines`: the 382,549 lines set aside of the dense 1M set (one frame) in
        0.06 s against 0.29 s."""
        if not numbers:
            return []
        if added and self._all_framed and len(self.frames) == 1:
            return framed_lines(self.pieces[0], fields)
        kept = self.numbers
        low = bisect_left(kept, numbers[0])
        high = bisect_right(kept, numbers[-1], low)
        if low == high:
            texts = standard_lines(fields)
            return [self.raws.get(number, text) for number, text in zip(numbers, texts)] if self.raws else texts
        if high - low > 16 * len(numbers) + 64:  # a dict entry costs about a 20th of a text()
            return list(map(self.text, numbers, fields))
        frame_at = dict(zip(kept[low:high], self.ids[low:high]))
        frames = self.frames
        texts = [frames[frame_at[number]] % row if number in frame_at else STANDARD % row
                 for number, row in zip(numbers, fields)]
        if self.raws:
            texts = [self.raws.get(number, text) for number, text in zip(numbers, texts)]
        return texts
