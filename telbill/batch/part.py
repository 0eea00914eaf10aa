"""One part of a batch run: the call records of some subscribers, read, screened and rated.

A batch run splits the subscribers into parts (:class:`Plan`), one per process
(:mod:`telbill.batch.workers`). Every rule of SPEC §3 and §4 looks at one caller at a
time, so a part can do all of its work alone: it reads every line of calls.txt,
keeps the records whose caller it owns (a line whose first field is no
subscriber's number belongs to part 0) as :class:`LeanCall` records in its own
:class:`~telbill.lists.linked.IntrusiveList`, screens and rates them with the rules
of :mod:`telbill.rules`, and afterwards writes its share of each output file: its
subscribers' bill rows and CSV rows (a range of users.txt) and its set-aside lines
(which the parts' outputs merge by line number). A partition of a run bigger than its
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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from heapq import merge
from itertools import compress, count, repeat
from multiprocessing.connection import Connection
from operator import and_, eq, is_, rshift
from pathlib import Path
from typing import Any, Protocol

from telbill.batch.route import line_owners
from telbill.files import report
from telbill.files.callreader import BLOCK, MAX_LINE_CHARS, CallReader, Records
from telbill.files.decoding import KEPT
from telbill.files.report import (
    TextCache,
    detail_pattern,
    line_pattern,
    set_aside_note,
    user_columns,
)
from telbill.files.stream import EncodingChanged, LineBlocks
from telbill.lists.linked import Linked
from telbill.rules.billing import Usage
from telbill.rules.fields import joined_moments, moment_fields
from telbill.rules.rating import Rated, Rating
from telbill.rules.records import User
from telbill.rules.screening import (
    AnomalyCode,
    SetAside,
    StartOrder,
    detail,
    held_bounds,
    overlap_values,
    sweep,
)
from telbill.rules.tariff import Tariff
from telbill.text.i18n import Tr

ProgressFn = Callable[[int], None]
"""Told how many lines of calls.txt have been read."""
PROGRESS_EVERY = 50_000

FIRST_SHARE = 0.65
"""Part 0's share of the subscribers, against 1 for each other part: it also reads
calls.txt, finds each line's part and sends the other parts theirs."""
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


@dataclass(frozen=True, slots=True)
class Plan:
    """What every part knows before it starts: the subscribers, who owns whom, the rules."""

    users: list[User]
    """In users.txt order."""
    bounds: list[int]
    """Part ``k`` owns ``users[bounds[k]:bounds[k + 1]]``."""
    owner: dict[str, int]
    """Each subscriber's number → the part that owns it."""
    calls: Path
    tariff: Tariff
    only_month: str | None
    tr: Tr
    leads: dict[str, int] = field(default_factory=dict)
    """The first :attr:`lead` characters of a subscriber's number → the part that owns
    every subscriber whose number starts so, or -1 when several parts own some."""
    lead: int = 0
    """How many characters a line's lead has (about the length of most numbers)."""

    @property
    def parts(self) -> int:
        return len(self.bounds) - 1

    @classmethod
    def make(cls, users: list[User], calls: Path, tariff: Tariff, only_month: str | None, tr: Tr,
             parts: int = 1, bounds: list[int] | None = None) -> Plan:
        """Split ``users`` into ``parts`` ranges. Part 0 reads the file and hands the
        others their lines besides its own share, so it gets fewer subscribers
        (:data:`FIRST_SHARE` of what each other part gets). ``bounds``, when given,
        are the ranges (``parts`` is then their number)."""
        n = len(users)
        if bounds is None:
            shares = [FIRST_SHARE] + [1.0] * (parts - 1)
            total, bounds, acc = sum(shares), [0], 0.0
            for share in shares:
                acc += share
                bounds.append(round(n * acc / total))
        parts = len(bounds) - 1
        owner = {u.phone: k for k in range(parts) for u in users[bounds[k]:bounds[k + 1]]}
        n = min(8, sorted(map(len, owner))[len(owner) // 2]) if owner else 0
        leads: dict[str, int] = {}
        for phone, k in owner.items():
            if len(phone) >= n:
                lead = phone[:n]
                leads[lead] = k if leads.get(lead, k) == k else -1
        return cls(users, bounds, owner, calls, tariff, only_month, tr, leads, n)


@dataclass(slots=True)
class Tally:
    """What a part found, as far as the others need to know it (small)."""

    records: int = 0
    counts: dict[AnomalyCode, int] = field(default_factory=lambda: dict.fromkeys(AnomalyCode, 0))
    """Records set aside per code (every code present, maybe 0)."""
    months: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Each month with a billed call of this part → (local fen, long-distance fen) of its users."""
    encoding: str = "utf-8"
    """calls.txt's encoding family, for the notices."""
    month_calls: dict[str, int] = field(default_factory=dict)
    """Each billed month → how many billed calls start in it."""

    @property
    def set_aside(self) -> int:
        return sum(self.counts.values())

    @property
    def billed(self) -> int:
        return self.records - self.set_aside

    def add(self, other: Tally) -> None:
        """Add another part's tally to this one."""
        self.records += other.records
        for code, n in other.counts.items():
            self.counts[code] += n
        for month, (local, far) in other.months.items():
            mine = self.months.get(month, (0, 0))
            self.months[month] = (mine[0] + local, mine[1] + far)
        for month, calls in other.month_calls.items():
            self.month_calls[month] = self.month_calls.get(month, 0) + calls


@dataclass(frozen=True, slots=True)
class Layout:
    """How the parts write their share of the files, decided once every tally is in."""

    months: list[str]
    """The billed months, oldest first."""
    widths: list[list[int]]
    """Each month's seven column widths."""
    csv: bool
    """Whether a CSV file is written."""


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
        number anyway (:meth:`_in_line_order`)."""
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

    def anomaly_chunks(self, chunk: int = 10_000) -> Iterator[tuple[list[int], list[bytes]]]:
        """This part's lines of the anomalies file, in line order: (their line numbers, the
        bytes of the lines, each line ended), about ``chunk`` lines at a time. A line
        longer than any record comes alone, its text not copied into a bigger one.

        The records set aside are written a run of ``chunk`` at a time, column by column
        (:class:`_Notes`); the malformed lines among them are put in their places."""
        records, numbers, whys = self._in_line_order()
        notes = _Notes(self)
        malformed = self.malformed
        taken = 0
        for at in range(0, len(records), chunk):
            run_numbers = numbers[at:at + chunk]
            lines = notes.lines(records[at:at + chunk], run_numbers, whys[at:at + chunk])
            stop = taken
            if at + chunk >= len(records):
                stop = len(malformed)
            else:
                last = run_numbers[-1]
                while stop < len(malformed) and (malformed[stop].line_no or 0) < last:
                    stop += 1
            between = malformed[taken:stop]
            taken = stop
            if len(between) > chunk or any(len(record.raw) > MAX_LINE_CHARS for record in between):
                # many lines, or one longer than any record: their notes made as they are written
                noted = (_malformed_line(record, notes.tr, notes.label) for record in between)
                yield from _chunked(merge(zip(run_numbers, lines, repeat("")), noted), chunk)
                continue
            if between:  # a few lines put in their places
                bad = [_malformed_line(record, notes.tr, notes.label) for record in between]
                placed = sorted([*zip(run_numbers, lines), *((number, text + note) for number, text, note in bad)])
                run_numbers = [number for number, _ in placed]
                lines = [line for _, line in placed]
            yield run_numbers, [("\n".join(lines) + "\n").encode("utf-8", KEPT)]
        if taken < len(malformed):
            yield from _chunked((_malformed_line(record, notes.tr, notes.label) for record in malformed[taken:]),
                                chunk)

    def _in_line_order(self) -> tuple[list[LeanCall], list[int], list[AnomalyCode | LeanCall]]:
        """The records set aside, their line numbers and why each was set aside (a code, or the
        record it overlaps), in line order. Their positions are sorted by line number, as the
        parts' lines are merged (:func:`telbill.batch.workers.merge_anomalies`): the records of
        rules 2 to 4 and each caller's overlapping ones are runs already in order, which the sort
        merges (the radix sort of :func:`~telbill.lists.sorting.stable_order` took 1.5 times as
        long)."""
        numbers = self.aside_lines
        placed = sorted(range(len(numbers)), key=numbers.__getitem__)
        records, whys = list(self.set_aside), list(self.set_aside.values())
        return [records[i] for i in placed], [numbers[i] for i in placed], [whys[i] for i in placed]


def _chunked(lines: Iterable[tuple[int, str, str]], chunk: int) -> Iterator[tuple[list[int], list[bytes]]]:
    """Anomaly lines (number, text, what follows it), in chunks of ``chunk`` as
    :meth:`Part.anomaly_chunks` yields them; a line longer than any record alone."""
    numbers: list[int] = []
    texts: list[str] = []
    for number, text, note in lines:
        if len(text) > MAX_LINE_CHARS:
            if numbers:
                yield numbers, [("\n".join(texts) + "\n").encode("utf-8", KEPT)]
                numbers, texts = [], []
            yield [number], [text.encode("utf-8", KEPT), (note + "\n").encode("utf-8")]
            continue
        numbers.append(number)
        texts.append(text + note)
        if len(numbers) >= chunk:
            yield numbers, [("\n".join(texts) + "\n").encode("utf-8", KEPT)]
            numbers, texts = [], []
    if numbers:
        yield numbers, [("\n".join(texts) + "\n").encode("utf-8", KEPT)]


def _malformed_line(record: SetAside, tr: Tr, label: Callable[[int], str]) -> tuple[int, str, str]:
    number = record.line_no or 0
    return number, record.raw, set_aside_note(record.code, record.reason(tr), label(number))


class _Notes:
    """The lines of a part's records set aside, a run at a time, column by column: each record's
    text as it was read (:meth:`LineTexts.texts <telbill.files.layouts.LineTexts.texts>` of its
    fields) and its note. An overlap's note (most of them, where calls are dense) is one ``%`` of
    the note's pattern (:func:`~telbill.files.report.detail_pattern`) with its partner's line and
    moments; the others are said one at a time (:func:`~telbill.rules.screening.detail`)."""

    def __init__(self, part: Part) -> None:
        self.tr = tr = part.plan.tr
        where = line_pattern(str(part.plan.calls))
        self.label = where.__mod__
        self.lines_of, self.texts = part.lines_of, part.reader.texts
        pattern, self.names = detail_pattern(tr, AnomalyCode.OVERLAP)
        self.overlap = set_aside_note(AnomalyCode.OVERLAP, pattern, where)
        """The whole note of an overlap: its detail's values, then the line number."""

    def lines(self, records: list[LeanCall], numbers: list[int], whys: list[Any]) -> list[str]:
        """The lines of ``records`` (in line order, their ``numbers``, why each was set aside: a code
        or the record it overlaps), without their ends: each record's text, then its note."""
        moments = [record.moment for record in records]
        start_dates, start_clocks = moment_fields(list(map(rshift, moments, repeat(_END_BITS))))
        end_dates, end_clocks = moment_fields(list(map(and_, moments, repeat(_MASK))))
        callers = [record.caller for record in records]
        callees = [record.callee for record in records]
        texts = self.texts.texts(numbers, zip(callers, callees, start_dates, start_clocks, end_dates, end_clocks),
                                 added=True)
        own = _Own(records, numbers, start_dates, start_clocks, end_dates, end_clocks)
        overlap = [isinstance(why, LeanCall) for why in whys]
        if all(overlap):
            return [text + note for text, note in zip(texts, self._overlaps(whys, numbers, own))]
        # the overlaps' notes made together, the others one by one, then each line takes the next of its kind
        overlaps = iter(self._overlaps([why for why, o in zip(whys, overlap) if o],
                                       [number for number, o in zip(numbers, overlap) if o], own))
        others = iter([self._note(why, record, number)
                       for why, record, number, o in zip(whys, records, numbers, overlap) if not o])
        return [text + (next(overlaps) if o else next(others)) for text, o in zip(texts, overlap)]

    def _overlaps(self, partners: list[Any], numbers: list[int], own: _Own) -> list[str]:
        """The notes of records that overlap ``partners`` (their lines ``numbers``), of a run whose
        records and fields are ``own``. A partner is set aside too (of two records that overlap,
        each is), nearly always in the same run: its line and moments are then taken from the
        run's columns, its moments joined from their fields (:func:`~telbill.rules.fields.joined_moments`),
        not formatted again. The few in another run (next to its ends) are looked up
        (:attr:`lines_of`) and formatted (:func:`~telbill.rules.fields.moment_fields`)."""
        position = {record: i for i, record in enumerate(own.records)}
        found = list(map(position.get, partners))
        if None in found:  # partners in another run: their fields put after the run's
            # (their positions added to the run's, not all found again: the dense 1M set's 39 runs
            # 0.337-0.362 against 0.405-0.497 s, timeit, min of 7, CPU, load 8)
            others = list(dict.fromkeys(compress(partners, map(is_, found, repeat(None)))))
            position.update(zip(others, count(len(own.records))))
            own = own.with_others(others, self.lines_of)
        at = list(map(position.__getitem__, partners))
        starts = joined_moments(map(own.start_dates.__getitem__, at), map(own.start_clocks.__getitem__, at))
        ends = joined_moments(map(own.end_dates.__getitem__, at), map(own.end_clocks.__getitem__, at))
        values = overlap_values(list(map(own.numbers.__getitem__, at)), starts, ends, _as_written)
        columns = [*(values[name] for name in self.names), numbers]
        return [self.overlap % row for row in zip(*columns)]

    def _note(self, code: AnomalyCode, record: LeanCall, number: int) -> str:
        """The note of a record set aside by rules 2 to 4."""
        key, params = detail(code, record.caller, record.start, record.end)
        return set_aside_note(code, self.tr(key, **params), self.label(number))


def _as_written(texts: list[str]) -> list[str]:
    """Moments written already (:func:`~telbill.rules.screening.overlap_values`' ``moment``)."""
    return texts


@dataclass(frozen=True, slots=True)
class _Own:
    """A run of records set aside, with their line numbers and their moments' fields (columns)."""

    records: list[LeanCall]
    numbers: list[int]
    start_dates: list[str]
    start_clocks: list[str]
    end_dates: list[str]
    end_clocks: list[str]

    def with_others(self, others: list[LeanCall], lines_of: dict[LeanCall, int]) -> _Own:
        """These columns with ``others`` (records of another run) after them."""
        moments = [record.moment for record in others]
        start_dates, start_clocks = moment_fields(list(map(rshift, moments, repeat(_END_BITS))))
        end_dates, end_clocks = moment_fields(list(map(and_, moments, repeat(_MASK))))
        return _Own([*self.records, *others], [*self.numbers, *map(lines_of.__getitem__, others)],
                    self.start_dates + start_dates, self.start_clocks + start_clocks,
                    self.end_dates + end_dates, self.end_clocks + end_clocks)


def _ignore(*columns: object) -> None:
    """A closed part's reader builds nothing."""
