"""Setting call records aside (SPEC §3): the rules, once, for every engine.

A record that can be read is set aside for the first of these that applies:
rule 2 ``end-before-start``, rule 3 ``unknown-caller``, rule 4 ``too-long``
(:func:`reason_alone`: what a record breaks alone), rule 5 ``overlap`` (among
the records left, two of one caller at one time: :func:`sweep`). Rule 1,
``malformed``, is the reader's (:func:`telbill.rules.records.parse_call_fields`).

No rule ever looks at two callers together, so every engine hands the rules
one caller's records at a time, as columns (starts and ends in seconds, in file
order, and whether the caller is a subscriber), and gets back which of them
are set aside and why (:func:`screen`): the batch's parts, the menu's held data,
a partition of callers on another machine. An engine that reads the records as
they come, many callers mixed, follows them with :class:`StartOrder` (rules 2
to 4 at once, and the start-order test that tells which callers need the
sweep at all).

The details of an anomaly (:func:`detail`) and the record of a call set aside
(:class:`SetAside`) are made here too. Nothing here reads or writes a file.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import compress, count, islice, repeat
from operator import add, eq, le, lt, or_, sub
from typing import TypeVar

from telbill.errors import Problem
from telbill.lists.linked import LinkedList
from telbill.lists.sorting import key_column, stable_order
from telbill.rules.fields import SECONDS_PER_DAY, SHORTEST_SECONDS, format_duration, format_moment
from telbill.rules.records import Call
from telbill.speed import paused_gc
from telbill.text.i18n import Phrase, Tr

MAX_SECONDS = 3 * SECONDS_PER_DAY
"""The longest call billed: one over three days is set aside (``too-long``); exactly three days is fine."""


class AnomalyCode(str, Enum):
    """Why a call record is set aside, in the order the rules are checked."""

    MALFORMED = "malformed"
    END_BEFORE_START = "end-before-start"
    UNKNOWN_CALLER = "unknown-caller"
    TOO_LONG = "too-long"
    OVERLAP = "overlap"


_LIMIT_UNITS = (("limit.days", SECONDS_PER_DAY), ("limit.hours", 3600), ("limit.minutes", 60))
"""The units :func:`limit_values` may say the limit in, the largest first (else seconds)."""


def limit_values() -> dict[str, Phrase]:
    """What a message says of the longest call billed, by name: ``{limit}``, :data:`MAX_SECONDS`
    in the largest unit it is a whole number of, more than one ("3 days", "3 天"; at 3 hours
    "3 hours"; a day is "24 hours"), read when asked, so every message follows the limit. Extra
    values do no harm: a message without the name leaves them out."""
    for key, seconds in _LIMIT_UNITS:
        count, rest = divmod(MAX_SECONDS, seconds)
        if rest == 0 and count > 1:
            return {"limit": Phrase(key, count)}
    return {"limit": Phrase("limit.seconds", MAX_SECONDS)}


def code_name(tr: Tr, code: AnomalyCode) -> str:
    """The name of ``code`` in ``tr``'s language (``code.*``: "longer than 3 days")."""
    return tr(f"code.{code.value}", **limit_values())


# -- the rules, on columns ----------------------------------------------------------------

Verdict = tuple[int, AnomalyCode, int]
"""Of a record set aside: its position among its caller's records, the code, and the
position of the record it overlaps (``-1`` for the other codes)."""


def lasts_well(seconds: int) -> bool:
    """Whether a record lasting ``seconds`` breaks neither rule 2 (it ends before it starts) nor
    rule 4 (it lasts over :data:`MAX_SECONDS`); rule 2's bound is
    :data:`~telbill.rules.fields.SHORTEST_SECONDS`. The one test of both bounds: :func:`reason_alone`
    and every gate that lets records through unscreened call it (:func:`all_last_well` over a
    column), but for :meth:`StartOrder.follow`'s loop, which writes it out (a call there costs
    22 %); ``tests/rules/test_screening.py -k bounds`` checks every engine agrees with it."""
    return SHORTEST_SECONDS <= seconds <= MAX_SECONDS


def all_last_well(durations: Sequence[int]) -> bool:
    """:func:`lasts_well` of every one of ``durations`` (a column), from its shortest and its longest."""
    return not durations or (lasts_well(min(durations)) and lasts_well(max(durations)))


def reason_alone(seconds: int, known: bool) -> AnomalyCode | None:
    """Rules 2 to 4, in their order: what a record lasting ``seconds`` breaks alone, if
    anything (``known``: its caller is a subscriber). Out of :func:`lasts_well`'s bounds, it
    breaks rule 2 below them and rule 4 above them."""
    if lasts_well(seconds):
        return None if known else AnomalyCode.UNKNOWN_CALLER
    if seconds < 0:
        return AnomalyCode.END_BEFORE_START
    return AnomalyCode.TOO_LONG if known else AnomalyCode.UNKNOWN_CALLER


def thresholds(starts: Sequence[int], ends: Sequence[int]) -> Iterator[int]:
    """Rule 5's start-order test: for each record (none ending before it starts), the
    earliest start a later record of the caller may have for the two not to clash:
    ``max(end, start + 1)``. A record that starts at or after the latest threshold of
    the caller's records before it clashes with none of them; a caller whose records
    each do has no overlap, in any order. (An iterator, made as it is read.)"""
    # max(end, start + 1) is end + (end == start) when none ends before it starts: over whole
    # columns, 84 ns a record against 130 for a comprehension of max and 138 for map(max, ...)
    # (timeit, min of 7, a 10M `ends` partition's swept callers).
    return map(add, ends, map(eq, ends, starts))


class StartOrder:
    """Follows each caller's records in file order as they are read, many callers mixed:
    rules 2 to 4 (:func:`reason_alone`), and rule 5's start-order test
    (:func:`thresholds`) for the records left. A record that starts before the latest
    threshold of its caller's records before it is *held* (:meth:`follow` says which), its
    caller :attr:`unordered`: only such callers' records need :func:`sweep`, and of those
    only the held records and the records before them whose thresholds are after a held
    one's start can clash (:func:`suspects`; :func:`held_bounds` finds the second kind).
    Whether a held record is billed is known once it is swept; the others are billed as
    read, and taken off again if the sweep sets them aside. A caller may also be held
    whole from some record on (:meth:`hold_whole`).

    ``phones``: the subscribers' numbers (a caller not among them breaks rule 3);
    ``None`` when they are not known yet: every caller counts as one here, and
    :func:`screen_as_read` applies rule 3 later.
    """

    __slots__ = ("next_start", "unknown", "unordered")

    def __init__(self, phones: Iterable[str] | None = None) -> None:
        self.next_start: dict[str, int] = dict.fromkeys(phones, 0) if phones is not None else {}
        """Per caller: the latest threshold of its records so far (a running maximum)."""
        self.unknown: int | None = None if phones is not None else 0
        """What :attr:`next_start` gives for a caller not in it: ``None`` means unknown."""
        self.unordered: set[str] = set()

    def hold_whole(self, caller: str) -> None:
        """Hold every later record of ``caller`` (rules 2 to 4 still set aside those that break
        them): where most of a caller's records clash, sweeping them all costs less than billing
        them as read and taking many off again. Held records beyond those out of order change
        nothing the sweep finds (:func:`held_bounds`)."""
        self.next_start[caller] = _WHOLE
        self.unordered.add(caller)

    def follow(self, callers: Sequence[str], starts: Sequence[int],
               ends: Sequence[int]) -> tuple[list[tuple[int, AnomalyCode]], list[int]]:
        """The next records, as columns; returns (position, code) of those that rules 2 to 4
        set aside, and the positions of those held (each starts before the latest threshold of
        its caller's records before it), each in order. The others are followed."""
        # Each record's duration is tested by lasts_well's expression written out in the loop below:
        # calling it costs 54 ns a record (+22 %), finding the runs it passes whole (its shortest
        # and longest, all_last_well) and testing only the others +30 ns (timeit, a 10M `ends`
        # partition's runs). tests/rules/test_screening.py -k bounds checks they agree.
        aside: list[tuple[int, AnomalyCode]] = []
        held: list[int] = []
        next_start, unordered, unknown = self.next_start, self.unordered, self.unknown
        get = next_start.get
        durations = list(map(sub, ends, starts))
        for i, caller, start, seconds, after in zip(count(), callers, starts, durations, thresholds(starts, ends)):
            earliest = get(caller, unknown)
            if earliest is None or not 0 <= seconds <= MAX_SECONDS:  # lasts_well, written out (see above)
                aside.append((i, reason_alone(seconds, earliest is not None)))  # type: ignore[arg-type]
            elif start >= earliest:
                next_start[caller] = after  # after > start >= earliest: the new latest threshold
            else:
                held.append(i)
                unordered.add(caller)
                if after > earliest:  # the running maximum (the builtin max costs a call)
                    next_start[caller] = after
        return aside, held

    def whole_run(self, callers: Sequence[str], starts: Sequence[int],
                  ends: Sequence[int]) -> list[tuple[int, AnomalyCode]] | None:
        """:meth:`follow` of a run whose callers are all held whole (:meth:`hold_whole`) or no
        subscriber, over its columns: (position, code) of the records that rules 2 to 4 set aside,
        in order, every other one held. ``None`` for any other run (:meth:`follow` it)."""
        # Where calls are dense most runs are such (962,555 of the dense 1M set's 999,028 records): their
        # callers looked up and counted over the column, rules 2 to 4 by all_last_well, a record at a
        # time only in a run with one to set aside (4 runs in 10 there: 0.2 % of the records last over
        # three days, 0.2 % have a caller who is no subscriber), where follow's loop took them all.
        # Replaying that set's 8,806 runs as Part._add reads them: 172-182 against 235-242 ns a record
        # (timeit, min of 7, CPU, load 5-6).
        marks = list(map(self.next_start.get, callers, repeat(self.unknown)))
        whole = marks.count(_WHOLE)
        if whole + marks.count(None) < len(marks):
            return None
        durations = list(map(sub, ends, starts))
        if whole == len(marks) and all_last_well(durations):
            return []
        return [(i, reason_alone(seconds, mark is not None))  # type: ignore[misc]
                for i, mark, seconds in zip(count(), marks, durations)
                if mark is None or not lasts_well(seconds)]


_WHOLE = 1 << 62
"""The latest threshold of a caller held whole (:meth:`StartOrder.hold_whole`): later than any start."""
EVERY = -1
"""The bound of a caller held whole (:func:`held_bounds`): before any start, so every record passes."""


def held_bounds(callers: Sequence[str], starts: Sequence[int],
                whole: Container[str] = ()) -> tuple[dict[str, int], list[int | None]]:
    """Where a walk over many callers' records in file order finds the records that may clash
    with a held one after them (:class:`StartOrder`; :func:`suspects`' second kind): of the held
    records (their ``callers`` and ``starts``, in file order), each caller's earliest start
    (the *bound* its records before its first held one are measured by), and for each held
    record its caller's bound from there on: the earliest start of the caller's held records
    after it (``None`` after its last: none of its later records can clash with a later one).

    A record clashes with a later one only if its threshold (:func:`thresholds`) is after the
    later one's start, and a later record that starts before it is held (it starts before the
    latest threshold before it). So a record that is not held may clash with one after it only
    if its threshold is after its caller's bound where it lies; the records that pass, with the
    held ones, are exactly :func:`suspects` of the caller's records, and :func:`sweep` over them
    alone finds the same overlaps and partners as over all of them.

    The callers in ``whole`` were held whole after these held records (:meth:`StartOrder.hold_whole`:
    their later records, all held, are not among them): their bound is :data:`EVERY` throughout,
    every record of theirs counted. A set of records holding every record that may clash, and
    only records of the caller, gives :func:`sweep` the same overlaps and partners too."""
    bound: dict[str, int] = {}
    after: list[int | None] = [None] * len(starts)
    for i in range(len(starts) - 1, -1, -1):  # a running minimum per caller, backwards
        caller, start = callers[i], starts[i]
        if caller in whole:
            after[i] = bound[caller] = EVERY
            continue
        later = after[i] = bound.get(caller)
        if later is None or start < later:
            bound[caller] = start
    return bound, after


def clashing(starts: list[int], ends: list[int]) -> Iterator[tuple[int, int]]:
    """``(i, partner)`` for each record ``i`` that clashes with another, ``i`` ascending.

    ``starts`` and ``ends`` are one caller's records in start order (records with
    the same start in file order). The partner of a record is the first record,
    in that order, that it clashes with. Of the records before it, that is the
    first whose end is after its start (found by bisecting the running maximum of
    the ends) or the first with the same start; if none of those clashes, it is
    the next record, when that one clashes (no later one can when the next does
    not). The comparisons run over whole columns (``map``), so only the records
    that clash cost a step of Python each.
    """
    n = len(starts)
    if n < 2:
        return
    top = []  # top[i]: the latest end among records 0..i (a loop: 36 against 100 ns a record for
    latest = ends[0]  # accumulate(ends, max), timeit over the dense 10M set's swept callers)
    for end in ends:
        if end > latest:  # noqa: PLR1730 - the builtin max is what costs here
            latest = end
        top.append(latest)
    same = list(map(eq, islice(starts, 1, None), starts))  # same[i-1]: record i starts with record i-1
    # Records 1.. that clash with an earlier one; records ..n-2 that clash with the next.
    earlier = compress(range(1, n), map(or_, map(lt, islice(starts, 1, None), top), same))
    following = compress(range(n - 1), map(or_, map(lt, islice(starts, 1, None), ends), same))
    e, f = next(earlier, n), next(following, n)
    partner = 0
    while e < n or f < n:
        if e <= f:
            start = starts[e]
            # The first record ending after this start is where the running maximum first passes it;
            # when that is this record or a later one, the first with the same start comes first (only
            # if the record before has it). Both lie before e and move only forward as e does (the
            # starts are in order): bisected between the last partner and e, not over the whole
            # column. Over the dense 1M set's callers 0.203-0.207 s against 0.301 s for both
            # bisections over the whole column, 0.239-0.246 s for both from the last partner
            # (timeit, min of 7, CPU, load 7).
            lo = partner
            partner = bisect_right(top, start, lo, e)
            if starts[e - 1] == start:
                partner = min(partner, bisect_left(starts, start, lo, e))
            yield e, partner
            if f == e:
                f = next(following, n)
            e = next(earlier, n)
        else:
            yield f, f + 1
            f = next(following, n)


def suspects(starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """The positions, ascending, of those of one caller's records (in any order; none ending
    before it starts) that may clash with another: every record that does, and its partner.

    Two records clash when they share a start or each starts before the other ends
    (:func:`clashing`); either way each starts before the other's threshold (:func:`thresholds`:
    ``max(end, start + 1)``). So record ``i`` can clash with an earlier record only if it starts
    before the latest threshold of those before it, and with a later one only if its threshold
    is after the earliest start of those after it: both found over whole columns (a running
    maximum and a running minimum). Of two records that clash, each is found, so a record found
    has its partner among those found, and :func:`clashing` over them alone, in start order,
    gives the same records and partners as over all of them. Where records come nearly in start
    order (calls written as they end) only the few around a clash are found.
    """
    n = len(starts)
    if n < 2:
        return []
    # Two plain loops: 157-163 against 353-355 ns a record for the running maximum and minimum over
    # whole columns (accumulate calls the builtin max or min for each record; timeit, min of 7, the
    # swept callers of a 10M `ends` partition).
    after = list(thresholds(starts, ends))
    found = [False] * n
    latest = after[0]  # the latest threshold of the records before record i
    for i in range(1, n):
        if starts[i] < latest:
            found[i] = True
        if after[i] > latest:  # noqa: PLR1730 - max() costs as accumulate's does
            latest = after[i]
    earliest = starts[-1]  # the earliest start of the records after record i
    for i in range(n - 2, -1, -1):
        if after[i] > earliest:
            found[i] = True
        if starts[i] < earliest:  # noqa: PLR1730 - min() costs as accumulate's does
            earliest = starts[i]
    return [i for i in range(n) if found[i]]


def sweep(starts: Sequence[int], ends: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Rule 5 among one caller's records (given in file order; none that rules 2 to 4
    set aside): ``(i, partner)`` for each record that overlaps another, ``partner``
    the first record in start order it clashes with (see :func:`clashing`), one at a
    time (a caller of a million identical records has a million of them).

    Records already in start order are given to :func:`clashing` as they are (finding
    the suspects would cost as much as the sweep they save). Otherwise only the records
    that may clash (:func:`suspects`) are looked at; they are put in start order with the
    linked list's stable sort (records with one start stay in file order), unless they are
    in it already: :func:`~telbill.lists.sorting.stable_order`, the sort
    :meth:`LinkedList.sort <telbill.lists.linked.LinkedList.sort>` runs, on their starts
    alone (the positions need no cells of a list of their own).
    """
    if all(map(le, starts, islice(starts, 1, None))):  # in start order already: nothing to leave out
        yield from clashing(list(starts), list(ends))
        return
    order = suspects(starts, ends)
    if len(order) < 2:
        return
    placed = stable_order(key_column(map(starts.__getitem__, order)))  # what LinkedList.sort runs, without its cells
    if placed is not None:
        order = list(map(order.__getitem__, placed))
    for i, partner in clashing(list(map(starts.__getitem__, order)), list(map(ends.__getitem__, order))):
        yield order[i], order[partner]


def screen(starts: Sequence[int], ends: Sequence[int], known: bool) -> list[Verdict]:
    """Rules 2 to 5 among one caller's records, given in file order as columns
    (``known``: the caller is a subscriber): the records set aside, by position."""
    verdicts: list[Verdict] = []
    durations = list(map(sub, ends, starts))
    if not known or not all_last_well(durations):
        for i, seconds in enumerate(durations):
            code = reason_alone(seconds, known)
            if code is not None:
                verdicts.append((i, code, -1))
    if not known:
        return verdicts
    left: Sequence[int] = range(len(starts))
    if verdicts:
        taken = {i for i, _, _ in verdicts}
        left = [i for i in left if i not in taken]
        starts, ends = [starts[i] for i in left], [ends[i] for i in left]
    clashes = list(sweep(starts, ends))
    if clashes:
        verdicts.extend((left[i], AnomalyCode.OVERLAP, left[partner]) for i, partner in clashes)
        verdicts.sort()
    return verdicts


# -- the details --------------------------------------------------------------------------

Moment = Callable[[int], str]
"""Formats seconds as ``YYYY-MM-DD HH:MM:SS`` (:func:`~telbill.rules.fields.format_moment`,
or a memo of it)."""
_Line = TypeVar("_Line")
_Moments = TypeVar("_Moments")
_Written = TypeVar("_Written")


def detail(code: AnomalyCode, caller: str, start: int, end: int,
           partner: tuple[int | None, int, int] | None = None,
           moment: Moment = format_moment) -> tuple[str, dict[str, object]]:
    """The message key and values that say why a record was set aside (all codes but
    ``malformed``, whose detail is the reader's). ``partner``: the line, start and end
    of the record an overlapping one clashes with."""
    if code is AnomalyCode.OVERLAP:
        assert partner is not None
        line, partner_start, partner_end = partner
        return "anomaly.overlap", overlap_values("-" if line is None else line, partner_start, partner_end, moment)
    if code is AnomalyCode.END_BEFORE_START:
        return "anomaly.end_before_start", {"start": moment(start), "end": moment(end)}
    if code is AnomalyCode.UNKNOWN_CALLER:
        return "anomaly.unknown_caller", {"caller": caller}
    seconds = end - start
    return "anomaly.too_long", {"duration": format_duration(seconds), "seconds": seconds, **limit_values()}


def overlap_values(line: _Line, start: _Moments, end: _Moments,
                   moment: Callable[[_Moments], _Written]) -> dict[str, _Line | _Written]:
    """What the note of an overlapping record says of the record it overlaps (rule 5): the
    values of the ``anomaly.overlap`` message by name, its line, its start and its end written
    by ``moment``. Of one partner (:func:`detail`), or of a column of partners at once (each value
    a list, ``moment`` writing a list of moments: the batch's anomalies file)."""
    return {"line": line, "start": moment(start), "end": moment(end)}


# -- the records set aside ------------------------------------------------------------------


@dataclass(slots=True)
class SetAside(Problem):
    """A call record set aside: its line, and the anomaly that is its reason (the first that applies)."""

    code: AnomalyCode = AnomalyCode.MALFORMED
    call: Call | None = None
    """The record, when it could be read."""


def set_aside(call: Call, code: AnomalyCode, partner: Call | None = None) -> SetAside:
    """The record of ``call`` set aside for ``code`` (``partner``: the record it overlaps)."""
    other = None if partner is None else (partner.line_no, partner.start, partner.end)
    key, params = detail(code, call.caller, call.start, call.end, other)
    return SetAside(call.line_no, call.text(), key, params, code=code, call=call)


@dataclass(slots=True)
class Screening:
    """Every record, either valid (to be billed) or set aside."""

    valid: LinkedList[Call]
    """The calls to bill, in list order."""
    set_aside: list[SetAside]
    """The records set aside, in file order."""

    def counts(self) -> dict[AnomalyCode, int]:
        """How many records each code set aside (every code present, maybe 0)."""
        return code_counts(self.set_aside)


def code_counts(records: Iterable[SetAside]) -> dict[AnomalyCode, int]:
    """How many of ``records`` each code set aside (every code present, maybe 0)."""
    counts = {code: 0 for code in AnomalyCode}
    for record in records:
        counts[record.code] += 1
    return counts


# -- call records held as objects ------------------------------------------------------------


def screen_caller(records: Sequence[Call], known: bool) -> list[SetAside]:
    """The records set aside among one caller's, given in file order (``known``: the caller
    is a subscriber)."""
    if not records:
        return []
    verdicts = screen([c.start for c in records], [c.end for c in records], known)
    return [set_aside(records[i], code, records[partner] if partner >= 0 else None) for i, code, partner in verdicts]


def screen_by_caller(groups: dict[str, list[Call]], phones: Container[str]) -> dict[int, SetAside]:
    """``id(record) → its record set aside`` for every record set aside, from each caller's
    records in file order."""
    aside: dict[int, SetAside] = {}
    with paused_gc():
        for caller, records in groups.items():
            aside.update((id(found.call), found) for found in screen_caller(records, caller in phones))
    return aside


def screen_as_read(groups: dict[str, list[Call]], phones: Collection[str], alone: Iterable[Call],
                   unordered: Container[str]) -> dict[int, SetAside]:
    """:func:`screen_by_caller` for records as a :class:`StartOrder` without the subscribers
    followed them (see :attr:`telbill.files.loader.CallsFile.set_aside_alone` and
    ``unordered``): only the callers who are no subscriber, and those who failed the
    start-order test, are screened whole; of every other caller, just the records
    ``alone`` (rules 2 and 4) are set aside, the others are billed."""
    aside: dict[int, SetAside] = {}
    with paused_gc():
        for caller, records in groups.items():
            known = caller in phones
            if not known or caller in unordered:
                aside.update((id(found.call), found) for found in screen_caller(records, known))
        for call in alone:
            if id(call) not in aside and call.caller in phones:
                code = reason_alone(call.end - call.start, True)
                assert code is not None
                aside[id(call)] = set_aside(call, code)
    return aside


def screen_calls(calls: LinkedList[Call], phones: Container[str], malformed: Iterable[SetAside] = ()) -> Screening:
    """Split records into valid calls and records set aside; each record gets one reason.

    ``calls`` are read records in list order (grouped by caller here, each caller's in
    that order); ``malformed`` the lines that could not be read, placed among the
    others by line number.
    """
    groups: dict[str, list[Call]] = {}
    for call in calls:
        groups.setdefault(call.caller, []).append(call)
    aside = screen_by_caller(groups, phones)
    valid: LinkedList[Call] = LinkedList()
    records: list[SetAside] = []
    valid.extend(_in_order(calls, aside, malformed, records))
    return Screening(valid, records)


def _in_order(calls: Iterable[Call], aside: dict[int, SetAside], malformed: Iterable[SetAside],
              records: list[SetAside]) -> Iterator[Call]:
    """The valid calls in list order; the records set aside go to ``records`` in the same
    order, with the malformed ones among them by line number."""
    later = iter(malformed)
    next_malformed = next(later, None)
    for call in calls:
        position = call.line_no
        while next_malformed is not None and position is not None and (next_malformed.line_no or 0) < position:
            records.append(next_malformed)
            next_malformed = next(later, None)
        found = aside.get(id(call))
        if found is None:
            yield call
        else:
            records.append(found)
    while next_malformed is not None:
        records.append(next_malformed)
        next_malformed = next(later, None)
