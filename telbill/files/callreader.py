"""Reading calls.txt lines into call records: the one fast reader of the menu and the batch.

A :class:`CallReader` takes the lines a block at a time (:meth:`CallReader.block`).
In a block, the lines of exactly six fields (before a trailing comment, if any)
are taken together, column by column with ``map``: each distinct date text is
parsed once, when first met, and then looked up; a clock is looked up as its
``HH:MM`` and ``:SS`` parts (two small tables that stay in the CPU cache: a table
of every clock would not, and costs more); the callers are interned (one string per caller, shared by all of its records) and the callees
checked, all with the field rules of :mod:`telbill.rules.fields` in column form.
Blank and comment lines are passed over. Any other line, and each line
of a run where some field is not right, is read on its own
(:meth:`CallReader.line`), which gives a record that cannot be read its exact
reason. So SPEC §1–§3 hold whichever way a line goes:

- the fields are those :func:`telbill.rules.fields.split_fields` separates: a block
  holding a control character that ``str.split`` would take as a space
  (:data:`~telbill.rules.fields.SPLIT_ONLY`) is read line by line, where that character
  stays inside a field, which then is not valid;
- a line longer than :data:`MAX_LINE_CHARS` is set aside whole, never split;
- a line valid in no encoding (its number in ``unreadable``) is a malformed record;
- every record line is counted once (:attr:`CallReader.records`) and becomes
  either a record or a malformed one set aside (:attr:`CallReader.malformed`).

What is made of a run of good records is the caller's: :class:`CallReader` hands
it to its ``build`` function as columns (callers, callees, starts, ends, line
numbers, lines). The menu makes full :class:`~telbill.rules.records.Call` records that
keep their line (:mod:`telbill.files.loader`), a batch part lean ones
(:mod:`telbill.batch.part`) that keep their text only when it is not the standard
layout: with ``keep_texts=False`` the reader keeps those texts, compactly, in
:attr:`CallReader.texts` (see :mod:`telbill.files.layouts`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from itertools import compress, islice, repeat
from operator import attrgetter
from typing import TypeVar, cast

from telbill.files.layouts import Fields, LineTexts
from telbill.lists.linked import IntrusiveList, Linked
from telbill.rules.fields import (
    BLANKS,
    CLOCK_HEAD,
    CLOCK_MINUTES,
    CLOCK_SECONDS,
    CLOCK_TAIL,
    SPLIT_ONLY,
    all_phones,
    is_phone,
    moment_at,
    parse_date,
    split_fields,
    strip_comment,
)
from telbill.rules.records import parse_call_fields
from telbill.rules.screening import AnomalyCode, SetAside
from telbill.text.display import quote

MAX_LINE_CHARS = 65_536
"""A calls line longer than this is no record (one with ordinary spacing is under 100
characters): unless it is blank or a comment, it is set aside as malformed as it is,
without being split into fields (a line of 50 million one-digit tokens would otherwise
become 25 million strings)."""
BLOCK = 128
"""Lines read and split at a time (small enough for their fields to stay in the CPU cache)."""

_FIRST_NON_BLANK = re.compile(f"[^{BLANKS}]")
_LINE_NO = attrgetter("line_no")


def malformed(number: int, line: str, key: str, params: dict[str, object]) -> SetAside:
    """A record line that cannot be read, set aside (code ``malformed``)."""
    return SetAside(number, line, key, params, code=AnomalyCode.MALFORMED)


def long_line(line: str) -> tuple[str, dict[str, object]] | None:
    """``(key, params)`` of the malformed record that a line longer than
    :data:`MAX_LINE_CHARS` is; ``None`` for a shorter line, or a blank or comment one."""
    if len(line) <= MAX_LINE_CHARS:
        return None
    first = _FIRST_NON_BLANK.search(line)
    if first is None or first[0] == "#":
        return None
    return "calls.line_long", {"length": len(line), "limit": MAX_LINE_CHARS}


Build = Callable[[list[str], Sequence[str], list[int], list[int], Sequence[int], Sequence[str]], None]
"""Makes records of a run of good lines, given as columns: callers (interned),
callees, starts, ends (seconds), line numbers and the lines themselves."""

class CallReader:
    """Reads calls.txt lines a block at a time; ``build`` makes the records (see the module).

    ``unreadable`` holds the numbers of lines valid in no encoding (it may grow
    while lines are read: a streamed file learns them block by block).
    """

    def __init__(self, build: Build, *, keep_texts: bool, unreadable: Collection[int] = frozenset()) -> None:
        self.build = build
        self.keep_texts = keep_texts
        """True: ``build`` gets every line and keeps what it wants; False: the lines not
        in the standard layout are kept in :attr:`texts`."""
        self.unreadable = unreadable
        self.records = 0
        """Record lines read, readable or not: the conservation total."""
        self.malformed: list[SetAside] = []
        """Record lines that could not be read, in the order read (in line order once
        :meth:`sort`-ed)."""
        self.texts = LineTexts()
        """The texts of the records not in the standard layout (with ``keep_texts=False`` only)."""
        self.dates: dict[str, int] = {}
        """Date text → the second its day starts (only real dates, as they are met)."""
        self.callers: dict[str, str] = {}
        """Caller text → the one string every record of that caller holds."""

    def sort(self) -> None:
        """Put what was kept in line order (the malformed records, :attr:`texts`) after lines were
        read as several runs of increasing numbers each (a partition's buckets one after another)."""
        self.malformed.sort(key=_LINE_NO)  # every record the reader sets aside has its line
        self.texts.sort()

    # -- blocks ---------------------------------------------------------------------------

    def read(self, lines: Iterable[str], progress: Callable[[int], None] | None = None,
             every: int = 50_000, keep: Callable[[list[str]], object] | None = None, first: int = 1) -> int:
        """Read lines numbered from ``first`` (their line ends dropped); return how many.

        ``keep`` gets each block of lines as read; ``progress`` hears each multiple of
        ``every`` among the numbers of the lines read, and the last number at the end.
        """
        it = iter(lines)
        number = first - 1
        next_report = (number // every + 1) * every
        while True:
            block = list(map(str.rstrip, islice(it, BLOCK), repeat("\r\n")))
            if not block:
                break
            if keep is not None:
                keep(block)
            self.block(block, range(number + 1, number + 1 + len(block)))
            number += len(block)
            if progress is not None:
                while next_report <= number:
                    progress(next_report)
                    next_report += every
        if progress is not None:
            progress(number)
        return number - first + 1

    def block(self, block: list[str], numbers: Sequence[int], may_be_long: bool = True) -> None:
        """Some lines (without their line ends) and their numbers: those of six fields
        without a comment together, any other one on its own. ``may_be_long=False``
        says that no line is longer than :data:`MAX_LINE_CHARS`."""
        if not block:
            return
        unreadable = self.unreadable
        if (may_be_long and max(map(len, block)) > MAX_LINE_CHARS) or (
                unreadable and not _disjoint(unreadable, numbers)):
            for line, number in zip(block, numbers):
                self.line(line, number)
            return
        joined = "".join(block)
        if any(map(joined.__contains__, SPLIT_ONLY)):
            # control characters that str.split would take as spaces: line by line,
            # with the fields as telbill separates them (looked for one by one, 7 ns a
            # line: a first ``joined.isprintable()`` cost 40 times that, timeit)
            for line, number in zip(block, numbers):
                self.line(line, number)
            return
        parts = list(map(str.split, block))
        if "#" in joined:  # the fields of a line with a comment are those before it
            for i in [i for i, line in enumerate(block) if "#" in line]:
                parts[i] = strip_comment(block[i]).split()
        sizes = list(map(len, parts))
        if min(sizes) == 6 == max(sizes):
            self._run(block, parts, numbers)
            return
        # Records of six fields go together; a blank or comment line (no field) is no
        # record; any other line is read on its own, in its place.
        six = [size == 6 for size in sizes]
        done, n = 0, len(block)
        for i in [i for i, size in enumerate(sizes) if size and size != 6]:
            if i > done:
                self._take(block, parts, numbers, six, done, i)
            self.line(block[i], numbers[i])
            done = i + 1
        if done < n:
            self._take(block, parts, numbers, six, done, n)

    def _take(self, block: list[str], parts: list[list[str]], numbers: Sequence[int], six: list[bool],
              a: int, b: int) -> None:
        """Lines ``a`` to ``b`` of a block, those of six fields (the others hold none)."""
        if all(six[a:b]):
            self._run(block[a:b], parts[a:b], numbers[a:b])
            return
        keep = six[a:b]
        lines = list(compress(block[a:b], keep))
        if lines:
            self._run(lines, list(compress(parts[a:b], keep)), list(compress(numbers[a:b], keep)))

    def _run(self, lines: list[str], rows: list[list[str]], numbers: Sequence[int]) -> None:
        """Records of six fields (``rows``), each on its line (its comment, if any, left out)."""
        callers, callees, d1, t1, d2, t2 = zip(*rows)
        days, minutes, seconds, head, tail = self.dates, CLOCK_MINUTES, CLOCK_SECONDS, CLOCK_HEAD, CLOCK_TAIL
        # A clock is its "HH:MM" part and its ":SS" part, each looked up in a small
        # table of :mod:`telbill.rules.fields` (1440 and 60 entries, which stay in the
        # CPU cache); both found means the text was exactly HH:MM:SS with a real time.
        while True:
            try:
                starts = [days[d] + minutes[t[head]] + seconds[t[tail]] for d, t in zip(d1, t1)]
                ends = [days[d] + minutes[t[head]] + seconds[t[tail]] for d, t in zip(d2, t2)]
                break
            except KeyError:  # a date not seen before (learnt, then again), or something wrong
                if not self._learn(d1, d2):
                    return self._sort_out(lines, rows, numbers)
        known = self.callers
        try:
            shared = list(map(known.__getitem__, callers))
        except KeyError:  # callers not seen before
            for caller in set(callers).difference(known):
                if not is_phone(caller):
                    return self._sort_out(lines, rows, numbers)
                known[caller] = caller
            shared = list(map(known.__getitem__, callers))
        if not all_phones(callees):
            return self._sort_out(lines, rows, numbers)
        if not self.keep_texts:
            self.texts.add(numbers, lines, zip(callers, callees, d1, t1, d2, t2))
        self.records += len(lines)
        self.build(shared, callees, starts, ends, numbers, lines)

    def _learn(self, d1: Iterable[str], d2: Iterable[str]) -> bool:
        """Add the run's new date texts to the table; False if it has none (what was not
        found is something else) or one of them is no real date."""
        new = set(d1).union(d2).difference(self.dates)
        for text in new:
            parsed = parse_date(text)
            if parsed is None:
                return False
            self.dates[text] = moment_at(parsed, 0)  # a clock is added to it (_run)
        return bool(new)

    def _sort_out(self, lines: list[str], rows: list[list[str]], numbers: Sequence[int]) -> None:
        """A run with a field not right: the lines that are right (rule 1,
        :func:`~telbill.rules.records.parse_call_fields`) together, the others one by one.
        (9 % of the blocks of the 1M sets; 1.3 against 0.85 µs a line for the same tests
        written here again over the reader's tables, timeit: 0.04 s a million records.)"""
        wrong = [i for i, row in enumerate(rows) if parse_call_fields(row)[0] is None]
        done, n = 0, len(lines)
        for i in wrong:
            if i > done:
                self._run(lines[done:i], rows[done:i], numbers[done:i])
            self.line(lines[i], numbers[i], rows[i])
            done = i + 1
        if done < n:
            self._run(lines[done:], rows[done:], numbers[done:])

    # -- one line -------------------------------------------------------------------------

    def line(self, line: str, number: int, parts: list[str] | None = None) -> None:
        """One line on its own: a record, a malformed record, or nothing (blank,
        comment). ``parts`` is ``line.split()`` when that gives the fields as telbill
        separates them (no control character in the line), else ``None``."""
        if len(line) > MAX_LINE_CHARS:
            long = long_line(line)
            if long is not None:
                self.records += 1
                self.malformed.append(malformed(number, line, *long))
            return
        if "#" in line:
            parts = split_fields(strip_comment(line))
        elif parts is None:
            parts = split_fields(line)
        if not parts:
            return
        self.records += 1
        if number in self.unreadable:
            self.malformed.append(malformed(number, line, "line.unreadable", {"value": quote(line)}))
            return
        fields, key, params = parse_call_fields(parts)
        if fields is None:
            self.malformed.append(malformed(number, line, key, params))
            return
        caller, callee, start, end = fields
        caller = self.callers.setdefault(caller, caller)
        if not self.keep_texts:
            self.texts.add((number,), (line,), (cast(Fields, tuple(parts)),))
        self.build([caller], [callee], [start], [end], [number], [line])


def _disjoint(unreadable: Collection[int], numbers: Sequence[int]) -> bool:
    if isinstance(unreadable, (set, frozenset)):
        return unreadable.isdisjoint(numbers)
    return not any(map(unreadable.__contains__, numbers))


# -- what the builders share ---------------------------------------------------------------

L = TypeVar("L", bound=Linked)


class Records(IntrusiveList[L]):
    """Records read from a file, each its own cell; new ones are linked a run at a time."""

    __slots__ = ()

    def link(self, records: list[L]) -> None:
        """Append fresh records (never linked in a list before). By a plain loop: 22 ns a record
        against 33 for ``map(setattr, …)`` (timeit)."""
        if not records:
            return
        for record, after in zip(records, islice(records, 1, None)):
            record.next = after
        records[-1].next = None
        if self.tail is None:
            self.head = records[0]  # type: ignore[assignment]
        else:
            self.tail.next = records[0]  # type: ignore[assignment]
        self.tail = records[-1]  # type: ignore[assignment]
        self._len += len(records)
