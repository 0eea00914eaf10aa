"""One part of a batch run: the call records of some subscribers, read, screened and rated.

A batch run splits the subscribers into parts (:class:`~telbill.batch.plan.Plan`), one per process
(:mod:`telbill.batch.workers`). Every rule of SPEC §3 and §4 looks at one caller at a
time, so a part can do all of its work alone: it reads every line of calls.txt,
keeps the records whose caller it owns (a line whose first field is no
subscriber's number belongs to part 0) as :class:`LeanCall` records in its own
:class:`~telbill.lists.linked.IntrusiveList`, screens and rates them with the rules
of :mod:`telbill.rules`, and afterwards writes its share of each output file: its
subscribers' bill rows and CSV rows (a range of users.txt) and, made from its records
(:mod:`telbill.batch.anomaly_lines`), its lines of the anomalies file (which the parts'
outputs merge by line number). A partition of a run bigger than its
memory budget (:mod:`telbill.batch.partition`) is a part too, its lines read back from
spill files.

While a block of lines is read, its records are followed in their callers' start
order (:class:`~telbill.rules.screening.StartOrder`: rules 2 to 4 at once) and billed
(:class:`~telbill.rules.billing.Usage`), but for those that start before the latest
threshold of their caller's records before them: those are held. After the last line
the held records, and the records before them that may clash with one (their thresholds
after its start), are swept for overlaps, each caller's together
(:func:`~telbill.rules.screening.sweep`): the held records that overlap none are
billed then, and the fees of those billed as read that overlap are taken off again.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import compress, count, repeat
from multiprocessing.connection import Connection
from operator import and_, eq, rshift
from typing import Any, Protocol

from telbill.batch.plan import PROGRESS_EVERY, Layout, Plan, ProgressFn, Tally
from telbill.batch.route import line_owners
from telbill.files import report
from telbill.files.callreader import BLOCK, MAX_LINE_CHARS, CallReader, Records
from telbill.files.report import TextCache, user_columns
from telbill.files.stream import EncodingChanged, LineBlocks
from telbill.lists.linked import Linked
from telbill.rules.billing import Usage
from telbill.rules.rating import Rated, Rating
from telbill.rules.screening import (
    AnomalyCode,
    SetAside,
    StartOrder,
    held_bounds,
    sweep,
)

_END_BITS = 40
_MASK = (1 << _END_BITS) - 1


class LeanCall(Linked):
    """A call record as a batch run holds it: its own cell of a part's list.

    The caller's number (one string shared by all of that caller's records), the
    callee's, and one integer for start and end (``start << 40 | end``, seconds):
    three slots and two objects of its own, about 180 bytes a record. Its line
    number, start, end and callee's class are kept in columns until the part is
    swept (32 bytes), then its line number only if it is set aside; its text only
    when it is not the standard layout.
    """

    __slots__ = ("callee", "caller", "moment")

    caller: str
    callee: str
    moment: int

    def __init__(self, caller: str, callee: str, moment: int) -> None:
        self.caller = caller
        self.callee = callee
        self.moment = moment

    @property
    def start(self) -> int:
        return self.moment >> _END_BITS

    @property
    def end(self) -> int:
        return self.moment & _MASK


def starts_and_ends(records: Iterable[LeanCall]) -> tuple[list[int], list[int]]:
    """The starts and ends of ``records``, a column each: their moments unpacked a column at a time,
    not a record's :attr:`~LeanCall.start` and :attr:`~LeanCall.end` at a time."""
    moments = [record.moment for record in records]
    return list(map(rshift, moments, repeat(_END_BITS))), list(map(and_, moments, repeat(_MASK)))


_Suspects = tuple[list[LeanCall], "array[int]", "array[int]", "array[int]", list[Rated], "array[int]"]
"""One caller's records that may clash with another: the records, their line numbers, starts, ends,
callees' classes, and the positions among them of those held out of order (not billed yet)."""
WHOLE_AFTER = 64
"""How many of a caller's records a part holds out of order before it holds every later one
(:meth:`StartOrder.hold_whole <telbill.rules.screening.StartOrder.hold_whole>`), where over
1/:data:`WHOLE_SHARE` of the records it has read are held. Where calls are dense a quarter of a
caller's records are out of order and half of them clash: sweeping them all costs less than
billing most as read and taking many off again, and a run whose callers are all held whole is
held with no step of Python a record. Where calls are written as they end, under 1 % of a
partition's records are out of order (a 10M `ends` partition: 9,033 among 721 callers, but 31
of them with 64 or more)."""
WHOLE_SHARE = 8
"""A part holds callers whole (:data:`WHOLE_AFTER`) only where over 1/``WHOLE_SHARE`` of the records
it has read are held out of order (those held because their caller is held whole do not count):
not where calls are written as they end (0.87 % held), where calls are dense (25 %)."""
_NO_EVENT = (-1, "", None)
"""What :meth:`Part._suspects` takes for the next held record once there is none."""


class Feed(Protocol):
    """Where :meth:`Part.read_fed` takes its lines: ``("lines", (line numbers as ``array("q")``
    bytes, the lines joined by ``\\n`` as UTF-8 with ``surrogatepass`` (any text comes back as
    it was: an unreadable line's bytes kept as surrogates), unreadable line numbers))`` messages, a
    ``("restart", None)`` when the lines sent so far must be forgotten, and ``("end", None)``."""

    def recv(self) -> Any: ...



class Part:
    """The records of the callers one part owns, and what it makes of them."""

    def __init__(self, plan: Plan, index: int = 0) -> None:
        self.plan = plan
        self.index = index
        self.users = plan.users[plan.bounds[index]:plan.bounds[index + 1]]
        self.columns = user_columns(self.users)
        self.lines = LineBlocks(plan.calls)
        self._reset(self.lines.unreadable)

    def _reset(self, unreadable: set[int]) -> None:
        plan = self.plan
        self.unreadable = unreadable
        """Numbers of this part's lines valid in no encoding (see :class:`LineBlocks`)."""
        self.reader = CallReader(self._add, keep_texts=False, unreadable=unreadable)
        """Reads the lines; keeps the texts not in the standard layout and the malformed records."""
        self.calls: Records[LeanCall] = Records()
        """The records of this part's callers, each caller's in file order (see :meth:`read_fed`)."""
        self.set_aside: dict[LeanCall, AnomalyCode | LeanCall] = {}
        """A record set aside → its code (rules 2 to 4), or the record it overlaps."""
        self.aside_lines = array("q")
        """The line number of each record of :attr:`set_aside`, in the same order."""
        self.codes: dict[AnomalyCode, int] = {}
        """How many records of :attr:`set_aside` each of rules 2 to 4 set aside (the others overlap one)."""
        self.lines_of: dict[LeanCall, int] = {}
        """A record another one overlaps → its line number (an overlap's note names it)."""
        self.order = StartOrder(u.phone for u in self.users)
        """This part's callers' records in start order so far (a caller not among them is unknown)."""
        self.line_numbers = array("q")
        """The line number of each record of :attr:`calls`, in the same order (until swept)."""
        self.starts, self.ends = array("q"), array("q")
        """The start and end of each record of :attr:`calls`, in the same order (until swept)."""
        self.rated: list[Rated] = []
        """Each record's callee's class (:data:`~telbill.rules.rating.Rated`), in the same order (until swept)."""
        self.held = array("q")
        """The position in :attr:`calls` of each record held out of order (see :class:`StartOrder`; of a
        caller held whole, those before), ascending (until swept)."""
        self.held_callers: list[str] = []
        """The caller of each record held, in the same order (until swept)."""
        self.held_counts: dict[str, int] = {}
        """How many records of each caller are in :attr:`held`."""
        self.whole: dict[str, int] = {}
        """A caller held whole (see :data:`WHOLE_AFTER`) → the line number from which its records are
        all held, none of them in :attr:`held`."""
        self.usage = Usage(Rating(plan.tariff), plan.only_month)
        """The billed records' fees, per month and caller."""

    # -- reading ----------------------------------------------------------------------------

    @property
    def records(self) -> int:
        """This part's record lines, readable or not."""
        return self.reader.records

    @property
    def malformed(self) -> list[SetAside]:
        """This part's record lines that could not be read, in file order (once read)."""
        return self.reader.malformed

    def read(self, progress: ProgressFn | None = None, feeds: Sequence[Connection] = ()) -> None:
        """Read calls.txt: this part's records are screened against rules 2 to 4 and
        rated; the lines of part ``k`` go to ``feeds[k - 1]`` (the other parts)."""
        while True:
            try:
                self._read(progress, feeds)
                return
            except EncodingChanged:  # the file is not UTF-8 after all: again, as it really is
                self._reset(self.lines.unreadable)
                for feed in feeds:
                    feed.send(("restart", None))

    def read_fed(self, source: Feed) -> None:
        """Take this part's lines from part 0 (see :meth:`read`), or from a partition's
        spill files (:class:`telbill.batch.spill.SpillFeed`), and read them.

        Each caller's lines come in file order, those of different callers need not (a
        partition's buckets come one after another): each rule looks at one caller's records
        at a time, and :attr:`calls` is only walked a caller at a time (:meth:`sweep`); what is
        kept by line number is put in line order at the end (:meth:`CallReader.sort
        <telbill.files.callreader.CallReader.sort>`), and what is set aside is sorted by line
        number anyway (:func:`~telbill.batch.anomaly_lines.anomaly_chunks`)."""
        self._reset(set())
        block = self.reader.block
        while True:
            kind, value = source.recv()
            if kind == "end":
                self.reader.sort()
                return
            if kind == "restart":
                self._reset(set())
                block = self.reader.block
                continue
            raw, text, unreadable = value
            numbers = array("q")
            numbers.frombytes(raw)
            lines = text.decode("utf-8", "surrogatepass").split("\n")
            self.unreadable.update(unreadable)
            huge = max(map(len, lines)) > MAX_LINE_CHARS  # only in a partition: part 0 reads its huge lines
            for at in range(0, len(lines), BLOCK):
                block(lines[at:at + BLOCK], numbers[at:at + BLOCK], huge)

    def _read(self, progress: ProgressFn | None, feeds: Sequence[Connection]) -> None:
        number = 0
        next_report = PROGRESS_EVERY
        numbers: Sequence[int]
        for lines in self.lines.blocks():
            first = number + 1
            number += len(lines)
            huge = max(map(len, lines), default=0) > MAX_LINE_CHARS
            if feeds:
                owners = line_owners(self.plan, lines, huge)
                unreadable = self.lines.unreadable
                for k, feed in enumerate(feeds, 1):
                    theirs = owners if len(feeds) == 1 else list(map(eq, owners, repeat(k)))  # 1 is part 1's
                    if any(theirs):
                        sent = array("q", compress(count(first), theirs))
                        text = "\n".join(compress(lines, theirs)).encode("utf-8", "surrogatepass")
                        feed.send(("lines", (sent.tobytes(), text, [n for n in sent if n in unreadable]
                                             if unreadable else [])))
                # This part's own lines, by a plain loop: 40-41 ns a line against 47-49 for
                # map(not_) and two compress (timeit, process time)
                numbers, mine = [], []
                for n, line, owner in zip(count(first), lines, owners):
                    if not owner:
                        numbers.append(n)
                        mine.append(line)
                lines = mine
            else:
                numbers = range(first, number + 1)
            block = self.reader.block
            for at in range(0, len(lines), BLOCK):
                block(lines[at:at + BLOCK], numbers[at:at + BLOCK], huge)
            if progress is not None:
                while next_report <= number:
                    progress(next_report)
                    next_report += PROGRESS_EVERY
        for feed in feeds:
            feed.send(("end", None))
        if progress is not None:
            progress(number)

    def _add(self, callers: list[str], callees: Sequence[str], starts: list[int], ends: list[int],
             numbers: Sequence[int], lines: Sequence[str]) -> None:
        """Make and link the records of a run the reader gives; set aside those that break rules
        2 to 4, follow the others in their callers' start order and bill them."""
        records = [LeanCall(caller, callee, start << _END_BITS | end)
                   for caller, callee, start, end in zip(callers, callees, starts, ends)]
        self.calls.link(records)
        rated = self.usage.rating.classes(callees)
        # What the sweep needs of each record, kept in columns while the run is in the cache.
        first = len(self.starts)  # the position of the run's first record in self.calls
        self.line_numbers.extend(numbers)
        self.starts.fromlist(starts)  # 19 ns a number against extend's 35 (timeit)
        self.ends.fromlist(ends)
        self.rated += rated
        if self.whole:
            aside_whole = self.order.whole_run(callers, starts, ends)
            if aside_whole is not None:  # every caller held whole: each record held, but those set aside
                self._put_aside(aside_whole, records, numbers)
                return
        aside, held = self.order.follow(callers, starts, ends)
        if held:
            whole = self.whole
            out_of_order = [i for i in held if callers[i] not in whole] if whole else held
            if out_of_order:
                self._hold(out_of_order, first, callers, numbers)
            if len(held) == len(records):  # all held: billed once swept, if kept
                return
        if aside or held:
            billed = [True] * len(records)
            self._put_aside(aside, records, numbers)
            for i, _ in aside:
                billed[i] = False
            for i in held:  # billed once swept, if kept
                billed[i] = False
            self.usage.add_rated(list(compress(callers, billed)), list(compress(rated, billed)),
                                 list(compress(starts, billed)), list(compress(ends, billed)))
        else:
            self.usage.add_rated(callers, rated, starts, ends)

    def _put_aside(self, aside: list[tuple[int, AnomalyCode]], records: list[LeanCall], numbers: Sequence[int]) -> None:
        """Set aside the records of a run that rules 2 to 4 set aside (their positions and codes)."""
        codes = self.codes
        for i, code in aside:
            self.set_aside[records[i]] = code
            self.aside_lines.append(numbers[i])
            codes[code] = codes.get(code, 0) + 1

    def _hold(self, out_of_order: list[int], first: int, callers: list[str], numbers: Sequence[int]) -> None:
        """Keep the positions and callers of a run's records held out of order (the run's first at
        ``first``); a caller with :data:`WHOLE_AFTER` of them, in a part where many are, is held
        whole from the next run on."""
        mine = [callers[i] for i in out_of_order]
        self.held.extend([first + i for i in out_of_order])
        self.held_callers += mine
        dense = len(self.held) * WHOLE_SHARE > len(self.starts)
        counts, whole = self.held_counts, self.whole
        for caller in mine:
            counts[caller] = so_far = counts.get(caller, 0) + 1
            if so_far >= WHOLE_AFTER and dense and caller not in whole:  # from the next run on (this one's counted)
                self.order.hold_whole(caller)
                whole[caller] = numbers[len(callers) - 1 - callers[::-1].index(caller)] + 1

    # -- overlaps -------------------------------------------------------------------------

    def sweep(self) -> None:
        """Sweep the held records for overlaps (rule 5, :func:`~telbill.rules.screening.sweep`), each
        caller's with those of its records before them that may clash with one, then bill the held
        records that overlap none and take the fees of the records billed as read that overlap off
        the sums."""
        if self.held:
            self._sweep_suspects(self._suspects())
        self._swept()

    def _suspects(self) -> dict[str, _Suspects]:
        """Each caller's records that may clash with another (:func:`~telbill.rules.screening.suspects`),
        in file order: the held ones, and those before one whose threshold is after its caller's
        bound there (:func:`~telbill.rules.screening.held_bounds`).

        The list is walked cell by cell beside the columns (no iterator), only each record's caller
        looked at (its other fields are objects of their own, which would each cost a miss of the
        cache), up to the last held record (to the part's end once a caller is held whole: its
        records are gathered to the last); the starts and ends found go into arrays (ints made
        here would lie as scattered as the records). A record passes when ``end > limit or start >=
        limit``: :func:`~telbill.rules.screening.thresholds`' ``max(end, start + 1) > limit`` written
        out (the walk is a loop over every record of the part; the tests comparing the batch with
        the menu's plain sweep of every record catch a difference)."""
        bound, later = held_bounds(self.held_callers, [self.starts[i] for i in self.held], self.whole)
        found: dict[str, _Suspects] = {caller: ([], array("q"), array("q"), array("q"), [], array("q"))
                                       for caller in bound}
        # Each caller's bound and group in one dict: one lookup a record (the walk over the dense
        # partition 0.467/0.493 against 0.504/0.509 s for two dicts, timeit).
        slots = {caller: (limit, found[caller]) for caller, limit in bound.items()}
        get, set_aside = slots.get, self.set_aside
        events = zip(self.held, self.held_callers, later)
        at, held_caller, after = next(events, _NO_EVENT)
        last = False  # past every caller's last held record
        record: Any = self.calls.head
        for i, number, start, end, rated in zip(count(), self.line_numbers, self.starts, self.ends, self.rated):
            if i == at:  # a held record: from here on its caller's bound is the next one's
                group = found[held_caller]
                group[5].append(len(group[0]))
                if after is None:
                    del slots[held_caller]
                    last = not slots
                else:
                    slots[held_caller] = (after, group)
                at, held_caller, after = next(events, _NO_EVENT)
            else:
                slot = get(record.caller)
                if slot is None:
                    record = record.next
                    continue
                limit, group = slot
                if (end <= limit and start < limit) or record in set_aside:
                    record = record.next
                    continue
            group[0].append(record)
            group[1].append(number)
            group[2].append(start)
            group[3].append(end)
            group[4].append(rated)
            if last:
                break
            record = record.next
        return found

    def _sweep_suspects(self, found: dict[str, _Suspects]) -> None:
        """Set aside the overlapping records among each caller's suspects (:meth:`_suspects`), take
        those billed as read off the sums and bill the held ones that overlap none."""
        set_aside, lines_of, aside_lines = self.set_aside, self.lines_of, self.aside_lines
        take_off, add_rated, whole = self.usage.take_off, self.usage.add_rated, self.whole
        while found:
            caller, (records, numbers, start_column, end_column, rated, held_at) = found.popitem()  # each goes once
            held = [False] * len(records)
            for i in held_at:
                held[i] = True
            if caller in whole:  # its records from that line on are all held
                at = bisect_left(numbers, whole[caller])
                held[at:] = repeat(True, len(held) - at)
            starts, ends = start_column.tolist(), end_column.tolist()
            clean = held.copy()  # the held records that overlap none
            for i, partner in sweep(starts, ends):
                other = records[partner]
                set_aside[records[i]] = other
                aside_lines.append(numbers[i])
                lines_of[other] = numbers[partner]
                if held[i]:
                    clean[i] = False
                else:
                    take_off(caller, rated[i], starts[i], ends[i])
            kept = list(compress(rated, clean))
            add_rated(list(repeat(caller, len(kept))), kept, list(compress(starts, clean)), list(compress(ends, clean)))

    def _swept(self) -> None:
        """Let go of the columns only the sweep needs."""
        self.line_numbers, self.starts, self.ends, self.rated = array("q"), array("q"), array("q"), []
        self.held, self.held_callers = array("q"), []

    def close(self) -> None:
        """Let go of the reader's hold on this part (a partition billed, its results taken): it
        calls back into the part, the one reference cycle of a part, so without it the records
        are freed as soon as the part is dropped, without the collector (held back during a run)."""
        self.reader.build = _ignore

    # -- what the part found ------------------------------------------------------------------

    def tally(self) -> Tally:
        tally = Tally(self.records, encoding=self.lines.format.family)
        counts = tally.counts
        counts[AnomalyCode.MALFORMED] = len(self.malformed)
        counts.update(self.codes)
        # Those that overlap are the others: counted without a step of Python each (where calls are
        # dense, a loop over them all: 0.105-0.113 s a part of a million records, their partners scattered in
        # memory; timeit, min of 7, CPU, the dense 1M set, load 4.6).
        counts[AnomalyCode.OVERLAP] = len(self.set_aside) - sum(self.codes.values())
        usage = self.usage
        for month in usage.billed():
            local, far = usage.months[month].sums
            tally.months[month] = (sum(local.values()), sum(far.values()))
            tally.month_calls[month] = usage.months[month].calls
        return tally

    # -- its share of the files ---------------------------------------------------------------

    def amounts(self, month: str) -> tuple[list[int], list[int]]:
        """Each of this part's subscribers' local and long-distance fees of ``month``, in fen."""
        return self.usage.fees(month, self.columns[0])

    def bill_rows(self, layout: Layout, i: int, texts: TextCache) -> bytes:
        """This part's rows of the ``i``-th month of the bill-detail file, as bytes."""
        if not self.users:
            return b""
        locals_, longs = self.amounts(layout.months[i])
        return report.bill_rows(texts, layout.widths[i], self.columns, locals_, longs)

    def csv_rows(self, layout: Layout, i: int, texts: TextCache) -> bytes:
        """This part's rows of the ``i``-th month of the CSV file, as bytes."""
        if not self.users:
            return b""
        month = layout.months[i]
        locals_, longs = self.amounts(month)
        return report.csv_rows(texts, month, self.columns, locals_, longs)


def _ignore(*columns: object) -> None:
    """A closed part's reader builds nothing."""
