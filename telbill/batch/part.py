"""One part of a batch run: the call records of some subscribers, read, screened and rated.

A batch run splits the subscribers into parts (:class:`Plan`), one per process
(:mod:`telbill.batch.workers`). Every rule of SPEC §3 and §4 looks at one caller at a
time, so a part can do all of its work alone: it reads every line of calls.txt,
keeps the records whose caller it owns (a line whose first field is no
subscriber's number belongs to part 0) as :class:`LeanCall` records in its own
:class:`~telbill.lists.linked.IntrusiveList`, screens and rates them, and
afterwards writes its share of each output file: its subscribers' bill rows and
CSV rows (a range of users.txt) and its set-aside lines (which the parts'
outputs merge by line number). A partition of a run bigger than its memory budget
(:mod:`telbill.batch.partition`) is a part too, its lines read back from spill files.

While a block of lines is read, its records are screened against the first
four rules and rated at once; a caller whose records do not come in start order
without a clash is noted, and after the last line only those callers' records
are sorted (with the linked list's own merge sort) and swept for overlaps. The
fees of records found to overlap are then taken off again.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, count, islice, repeat
from multiprocessing.connection import Connection
from operator import (
    add,
    and_,
    attrgetter,
    eq,
    floordiv,
    is_not,
    le,
    not_,
    rshift,
)
from pathlib import Path
from typing import Any, Protocol

from telbill.batch.route import line_owners
from telbill.files.callreader import BLOCK, MAX_LINE_CHARS, BadCall, CallReader, Records
from telbill.files.layouts import LineTexts
from telbill.files.report import TextCache, csv_lines, row_text, user_columns
from telbill.files.stream import EncodingChanged, LineBlocks
from telbill.lists.linked import Linked, LinkedList
from telbill.rules.fields import SECONDS_PER_DAY
from telbill.rules.records import AnomalyCode, User, format_duration, format_moment, month_of
from telbill.rules.screening import MAX_SECONDS, clashing, clean_ends
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
    number is kept while its caller's records are screened (8 bytes), then only
    if it is set aside; its text only when it is not the standard layout.
    """

    __slots__ = ("caller", "callee", "moment")

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


_MOMENT = attrgetter("moment")


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
    counts: list[int] = field(default_factory=lambda: [0] * len(AnomalyCode))
    """Records set aside per code, in :class:`AnomalyCode` order."""
    months: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Each month with a billed call of this part → (local fen, long-distance fen) of its users."""
    encoding: str = "utf-8"
    """calls.txt's encoding family, for the notices."""
    month_calls: dict[str, int] = field(default_factory=dict)
    """Each billed month → how many billed calls start in it."""

    @property
    def set_aside(self) -> int:
        return sum(self.counts)

    @property
    def billed(self) -> int:
        return self.records - self.set_aside

    def add(self, other: Tally) -> None:
        """Add another part's tally to this one."""
        self.records += other.records
        self.counts = list(map(add, self.counts, other.counts))
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


# -- anomaly codes as the screening uses them ------------------------------------------------

_CODES = list(AnomalyCode)
_MALFORMED, _END_BEFORE_START, _UNKNOWN, _TOO_LONG, _OVERLAP = range(5)


class _Fees(dict[int, int]):
    """seconds → fee of one rate, each duration computed once."""

    def __init__(self, fee: Callable[[int], int]) -> None:
        super().__init__()
        self.fee = fee

    def __missing__(self, seconds: int) -> int:
        value = self[seconds] = self.fee(seconds)
        return value


_KIND = {f"{d}{e}": (2 if f"{d}{e}" == "00" else 1) if d == 0 else 0 for d in range(10) for e in range(10)}
"""A callee's first two digits → its class: 0 local, 1 domestic, 2 international."""


class _Days(dict[int, "list[Any] | None"]):
    """Day number → its month's ``[caller → local fen, caller → long-distance fen, billed
    calls]``, or ``None`` when its month is not billed (another month than ``--month``);
    each day's month is found once."""

    def __init__(self, by_month: dict[str, list[Any]], only: str | None) -> None:
        super().__init__()
        self.by_month, self.only = by_month, only

    def __missing__(self, day: int) -> list[Any] | None:
        month = month_of(day * SECONDS_PER_DAY)
        usage = None
        if self.only is None or month == self.only:
            usage = self.by_month.get(month)
            if usage is None:
                usage = self.by_month[month] = [{}, {}, 0]
        self[day] = usage
        return usage


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
        """The records of this part's callers, in file order."""
        self.marks: dict[LeanCall, int | LeanCall] = {}
        """A record set aside → its code (rules 2 to 4), or the record it overlaps."""
        self.lines_of: dict[LeanCall, int] = {}
        """A record set aside, or overlapped by one → its line number."""
        # Per caller: the earliest start its next record may have for the caller's
        # records to be in start order without a clash so far (see _screen).
        self.state: dict[str, int] = dict.fromkeys((u.phone for u in self.users), 0)
        self.line_numbers = array("q")
        """The line number of each record of :attr:`calls`, in the same order."""
        self.unsorted: set[str] = set()
        rates = plan.tariff
        self.fees = (_Fees(rates.local.fee), _Fees(rates.domestic.fee), _Fees(rates.international.fee))
        self.by_month: dict[str, list[Any]] = {}
        """Month → [caller → local fen, caller → long-distance fen, billed calls]."""
        if plan.only_month is not None:
            self.by_month[plan.only_month] = [{}, {}, 0]
        self.by_day = _Days(self.by_month, plan.only_month)

    # -- reading ----------------------------------------------------------------------------

    @property
    def records(self) -> int:
        """This part's record lines, readable or not."""
        return self.reader.records

    @property
    def malformed(self) -> list[BadCall]:
        """This part's record lines that could not be read, in file order."""
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
        spill files (:class:`telbill.batch.spill.SpillFeed`), and read them."""
        self._reset(set())
        block = self.reader.block
        while True:
            kind, value = source.recv()
            if kind == "end":
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
                mine = list(map(not_, owners))
                numbers, lines = list(compress(count(first), mine)), list(compress(lines, mine))
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
        """Make and link the records of a run the reader gives, then screen and rate them."""
        records = list(map(LeanCall, callers, callees, map(add, map(int.__lshift__, starts, repeat(_END_BITS)), ends)))
        self.calls.link(records)
        self.line_numbers.extend(numbers)
        self._screen(records, callers, callees, starts, ends, numbers)

    def _screen(self, records: list[LeanCall], callers: Sequence[str], callees: Sequence[str],
                starts: list[int], ends: list[int], numbers: Sequence[int]) -> None:
        """Rules 2 to 4, the start-order test of rule 5, and each billed record's fee added
        to its caller's sums of its month.

        A caller's records need no sweep for overlaps as long as each starts at or
        after the previous one ended and after the previous one started: its
        threshold is then ``max(end, start + 1)`` of its last record.
        """
        by_day = self.by_day
        month = by_day[min(starts) // SECONDS_PER_DAY]
        if month is not None and month is by_day[max(starts) // SECONDS_PER_DAY]:
            self._screen_month(records, callers, callees, starts, ends, numbers, month)
            return
        # Records of several months, or of one not billed: each stretch of one month on its
        # own (the fees of a month not billed go to sums that are thrown away).
        months = list(map(by_day.__getitem__, map(floordiv, starts, repeat(SECONDS_PER_DAY))))
        cuts = [0, *compress(count(1), map(is_not, islice(months, 1, None), months)), len(months)]
        for a, b in zip(cuts, islice(cuts, 1, None)):
            stretch = months[a]
            self._screen_month(records[a:b], callers[a:b], callees[a:b], starts[a:b], ends[a:b], numbers[a:b],
                               stretch if stretch is not None else [{}, {}, 0])

    def _screen_month(self, records: list[LeanCall], callers: Sequence[str], callees: Sequence[str],
                      starts: list[int], ends: list[int], numbers: Sequence[int], month: list[Any]) -> None:
        """:meth:`_screen` for records that all start in ``month`` (its sums and count)."""
        state, unsorted = self.state, self.unsorted
        local_fees, domestic_fees, international_fees = self.fees
        local, far = month[0], month[1]
        billed = 0
        for record, caller, callee, start, end, number in zip(records, callers, callees, starts, ends, numbers):
            seconds = end - start
            t = state.get(caller)
            if t is None or seconds < 0 or seconds > MAX_SECONDS:
                self._set_aside(record, number, t is None, seconds)
                continue
            if start >= t:
                state[caller] = end if seconds else start + 1
            else:
                unsorted.add(caller)
            if callee[0] == "0":
                fee = (international_fees if callee[1] == "0" else domestic_fees)[seconds]
                sums = far
            else:
                fee = local_fees[seconds]
                sums = local
            sums[caller] = sums.get(caller, 0) + fee
            billed += 1
        month[2] += billed

    def _set_aside(self, record: LeanCall, number: int, unknown: bool, seconds: int) -> None:
        """Rules 2, 3 and 4, in that order."""
        self.lines_of[record] = number
        if seconds < 0:
            self.marks[record] = _END_BEFORE_START
        elif unknown:
            self.marks[record] = _UNKNOWN
        else:
            self.marks[record] = _TOO_LONG

    # -- overlaps -------------------------------------------------------------------------

    def sweep(self) -> None:
        """Sort and sweep the records of each caller not found in start order (rule 5;
        only those between its clean ends, see :func:`~telbill.rules.screening.clean_ends`),
        then take the fees of the records that overlap off the sums."""
        marks, lines_of, unsorted = self.marks, self.lines_of, self.unsorted
        if not unsorted:
            self.line_numbers = array("q")
            return
        # Their records left after rules 2 to 4, with their line numbers, in file order.
        # The list is walked cell by cell beside the column of line numbers (no iterator).
        groups: dict[str, tuple[list[LeanCall], array[int]]] = {caller: ([], array("q")) for caller in unsorted}
        group_of = groups.get
        record: Any = self.calls.head
        for number in self.line_numbers:
            group = group_of(record.caller)
            if group is not None and record not in marks:
                group[0].append(record)
                group[1].append(number)
            record = record.next
        while groups:
            _, (records, numbers) = groups.popitem()  # each group goes once swept
            moments = list(map(_MOMENT, records))
            starts = list(map(rshift, moments, repeat(_END_BITS)))
            k, m = clean_ends(starts, list(map(and_, moments, repeat(_MASK))))
            if m - k < 2:
                continue
            records, numbers, starts = records[k:m], numbers[k:m], starts[k:m]
            if not all(map(le, starts, islice(starts, 1, None))):
                start_of = dict(zip(records, starts))
                line_of = dict(zip(records, numbers))
                linked = LinkedList(records)
                linked.sort(key=start_of.__getitem__)  # stable: records with one start stay in file order
                records = list(linked)
                starts = list(map(start_of.__getitem__, records))
                numbers = array("q", map(line_of.__getitem__, records))
                del start_of, line_of, linked
            ends = list(map(and_, map(_MOMENT, records), repeat(_MASK)))
            for i, partner in clashing(starts, ends):
                record, other = records[i], records[partner]
                marks[record] = other
                lines_of[record] = numbers[i]
                lines_of[other] = numbers[partner]
                self._unrate(record, starts[i], ends[i])
        self.line_numbers = array("q")  # not needed any more

    def _unrate(self, record: LeanCall, start: int, end: int) -> None:
        """Take an overlapping record's fee off its caller's sums."""
        usage = self.by_day[start // SECONDS_PER_DAY]
        if usage is None:
            return
        kind = _KIND[record.callee[:2]]
        usage[kind > 0][record.caller] -= self.fees[kind][end - start]
        usage[2] -= 1

    def close(self) -> None:
        """Let go of the reader's hold on this part (a partition billed, its results taken): it
        calls back into the part, the one reference cycle of a part, so without it the records
        are freed as soon as the part is dropped, without the collector (held back during a run)."""
        self.reader.build = _ignore

    # -- what the part found ------------------------------------------------------------------

    def tally(self) -> Tally:
        tally = Tally(self.records, encoding=self.lines.format.family)
        counts = tally.counts
        counts[_MALFORMED] = len(self.malformed)
        for mark in self.marks.values():
            counts[_OVERLAP if isinstance(mark, LeanCall) else mark] += 1
        for month, (local, far, calls) in self.by_month.items():
            if calls or month == self.plan.only_month:
                tally.months[month] = (sum(local.values()), sum(far.values()))
                tally.month_calls[month] = calls
        return tally

    # -- its share of the files ---------------------------------------------------------------

    def amounts(self, month: str) -> tuple[list[int], list[int]]:
        """Each of this part's subscribers' local and long-distance fees of ``month``, in fen."""
        usage = self.by_month.get(month)
        local: dict[str, int] = usage[0] if usage is not None else {}
        far: dict[str, int] = usage[1] if usage is not None else {}
        phones = self.columns[0]
        return list(map(local.get, phones, repeat(0))), list(map(far.get, phones, repeat(0)))

    def bill_rows(self, layout: Layout, i: int, texts: TextCache) -> bytes:
        """This part's rows of the ``i``-th month of the bill-detail file, as bytes."""
        if not self.users:
            return b""
        locals_, longs = self.amounts(layout.months[i])
        return row_text(texts, layout.widths[i], self.columns, locals_, longs).encode("utf-8", "surrogateescape")

    def csv_rows(self, layout: Layout, i: int, texts: TextCache) -> bytes:
        """This part's rows of the ``i``-th month of the CSV file, as bytes."""
        if not self.users:
            return b""
        month = layout.months[i]
        locals_, longs = self.amounts(month)
        return csv_lines(texts, month, self.columns, locals_, longs).encode("utf-8", "surrogateescape")

    def anomaly_chunks(self, chunk: int = 10_000) -> Iterator[tuple[list[int], list[bytes]]]:
        """This part's lines of the anomalies file, in line order: (their line numbers, the
        bytes of the lines, each line ended), about ``chunk`` lines at a time. A line
        longer than any record comes alone, its text not copied into a bigger one."""
        numbers: list[int] = []
        texts: list[str] = []
        for number, text, detail in self._anomaly_lines():
            if len(text) > MAX_LINE_CHARS:
                if numbers:
                    yield numbers, [("\n".join(texts) + "\n").encode("utf-8", "surrogateescape")]
                    numbers, texts = [], []
                yield [number], [text.encode("utf-8", "surrogateescape"), (detail + "\n").encode("utf-8")]
                continue
            numbers.append(number)
            texts.append(text + detail)
            if len(numbers) >= chunk:
                yield numbers, [("\n".join(texts) + "\n").encode("utf-8", "surrogateescape")]
                numbers, texts = [], []
        if numbers:
            yield numbers, [("\n".join(texts) + "\n").encode("utf-8", "surrogateescape")]

    def _anomaly_lines(self) -> Iterator[tuple[int, str, str]]:
        """(line, record text, ``  # code: detail (calls.txt line N)``) of each record set
        aside, in line order."""
        tr = self.plan.tr
        calls = self.plan.calls
        where = f"{os.path.basename(str(calls)) or str(calls)} line "
        lines_of, marks = self.lines_of, self.marks
        details = _Details(tr, lines_of)
        texts = _RecordTexts(self.reader.texts)
        bad = iter(self.malformed)
        next_bad = next(bad, None)
        ordered = LinkedList(marks)  # set aside by rule: in file order, overlaps by caller
        ordered.sort(key=lines_of.__getitem__)
        for record in ordered:
            number = lines_of[record]
            while next_bad is not None and next_bad.line_no < number:
                yield next_bad.line_no, next_bad.raw, _bad_detail(next_bad, tr, where)
                next_bad = next(bad, None)
            mark = marks[record]
            if isinstance(mark, LeanCall):
                code, detail = "overlap", details.overlap(mark)
            else:
                code, detail = _CODES[mark].value, details.of(mark, record)
            yield number, texts.of(record, number), f"  # {code}: {detail} ({where}{number})"
        while next_bad is not None:
            yield next_bad.line_no, next_bad.raw, _bad_detail(next_bad, tr, where)
            next_bad = next(bad, None)


def _ignore(*columns: object) -> None:
    """A closed part's reader builds nothing."""


def _bad_detail(bad: BadCall, tr: Tr, where: str) -> str:
    return f"  # malformed: {tr(bad.key, **bad.params)} ({where}{bad.line_no})"


class _Moments(dict[int, str]):
    """seconds → ``YYYY-MM-DD HH:MM:SS``, each moment formatted once."""

    def __missing__(self, moment: int) -> str:
        text = self[moment] = format_moment(moment)
        return text


class _RecordTexts:
    """The text of a record in the anomalies file: its line as read."""

    def __init__(self, raws: LineTexts) -> None:
        self.raws = raws
        self.moments = _Moments()

    def of(self, record: LeanCall, number: int) -> str:
        moment = record.moment
        moments = self.moments
        d1, _, t1 = moments[moment >> _END_BITS].partition(" ")
        d2, _, t2 = moments[moment & _MASK].partition(" ")
        return self.raws.text(number, (record.caller, record.callee, d1, t1, d2, t2))



class _Details:
    """The detail of each anomaly, in the interface language; an overlap's detail is
    made once per partner (a thousand copies of one record share one)."""

    def __init__(self, tr: Tr, partners: dict[LeanCall, int]) -> None:
        self.tr = tr
        self.moments = _Moments()
        self.lines = partners
        self.partners: dict[LeanCall, str] = {}

    def overlap(self, partner: LeanCall) -> str:
        text = self.partners.get(partner)
        if text is None:
            moments = self.moments
            text = self.partners[partner] = self.tr(
                "anomaly.overlap", line=self.lines[partner], start=moments[partner.start],
                end=moments[partner.end])
        return text

    def of(self, code: int, record: LeanCall) -> str:
        start, end = record.start, record.end
        if code == _END_BEFORE_START:
            return self.tr("anomaly.end_before_start", start=self.moments[start], end=self.moments[end])
        if code == _UNKNOWN:
            return self.tr("anomaly.unknown_caller", caller=record.caller)
        seconds = end - start
        return self.tr("anomaly.too_long", duration=format_duration(seconds), seconds=seconds)
