"""Setting anomalous call records aside (异常话单), in the order of SPEC §3."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, count, islice
from operator import add, and_, attrgetter, eq, ge, gt, le, lt, not_, or_, sub
from typing import Any

from telbill.files.callreader import BadCall
from telbill.files.loader import paused_gc
from telbill.lists.linked import LinkedList
from telbill.rules.fields import MAX_SECONDS as MAX_SECONDS
from telbill.rules.records import AnomalyCode, Call, format_duration, format_moment


@dataclass(slots=True)
class Anomaly:
    """A call record that is not billed, and the first reason that applies."""

    code: AnomalyCode
    line_no: int | None
    """Line in calls.txt; ``None`` for a record not yet saved."""
    raw: str
    """The record's text."""
    key: str
    """Message key of the detail."""
    params: dict[str, object] = field(default_factory=dict)
    call: Call | None = None
    """The record, when it could be read."""


@dataclass(slots=True)
class Screening:
    """Every record, either valid (to be billed) or set aside."""

    valid: LinkedList[Call]
    """The calls to bill, in file order."""
    anomalies: list[Anomaly]
    """The records set aside, in file order."""

    def counts(self) -> dict[AnomalyCode, int]:
        """How many records each code set aside (every code present, maybe 0)."""
        return code_counts(self.anomalies)


def code_counts(anomalies: Iterable[Anomaly]) -> dict[AnomalyCode, int]:
    """How many of ``anomalies`` each code set aside (every code present, maybe 0)."""
    counts = {code: 0 for code in AnomalyCode}
    for anomaly in anomalies:
        counts[anomaly.code] += 1
    return counts


_START = attrgetter("start")
_END = attrgetter("end")


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
    top = list(accumulate(ends, max))  # top[i]: the latest end among records 0..i
    same = list(map(eq, islice(starts, 1, None), starts))  # same[i-1]: record i starts with record i-1
    # Records 1.. that clash with an earlier one; records ..n-2 that clash with the next.
    earlier = compress(range(1, n), map(or_, map(lt, islice(starts, 1, None), top), same))
    following = compress(range(n - 1), map(or_, map(lt, islice(starts, 1, None), ends), same))
    grow: list[int] = []  # where the running maximum grows (made at the first clash)
    grow_ends: list[int] = []
    e, f = next(earlier, n), next(following, n)
    while e < n or f < n:
        if e <= f:
            if not grow:
                grow = [0, *compress(range(1, n), map(gt, islice(ends, 1, None), top))]
                grow_ends = list(map(ends.__getitem__, grow))
            start = starts[e]
            partner = bisect_left(starts, start)  # the first record with this start
            j = grow[bisect_right(grow_ends, start)] if grow_ends[-1] > start else e
            yield e, j if j < partner else partner
            if f == e:
                f = next(following, n)
            e = next(earlier, n)
        else:
            yield f, f + 1
            f = next(following, n)


def clean_ends(starts: Sequence[int], ends: Sequence[int]) -> tuple[int, int]:
    """``(k, m)``: of one caller's records in file order (none ending before it starts),
    those before ``k`` and those from ``m`` on clash with no record, and come in start
    order before (after) every other: only records ``k`` to ``m - 1`` need sorting and
    sweeping (:func:`clashing` gives the same clashes among them).

    The records before ``k`` follow one another (each starts after the one before
    started and not before it ended: :class:`~telbill.files.callreader.StartOrder`) and
    every later one starts after the last of them started and ended; the records
    from ``m`` on follow one another and the first of them starts after every record
    before it started and ended. Both hold for all smaller ``k`` and all larger ``m``,
    so the largest ``k`` and the smallest ``m`` are found over whole columns.
    """
    n = len(starts)
    if n < 2:
        return n, n
    thresholds = list(map(add, ends, map(eq, ends, starts)))  # max(end, start + 1)
    follows = list(map(ge, islice(starts, 1, None), thresholds))  # follows[i]: record i + 1 follows record i
    chain = next(compress(count(1), map(not_, follows)), n)  # records [:chain] follow one another
    lows = list(accumulate(reversed(starts), min))
    lows.reverse()  # lows[j]: the earliest start from record j on
    k = next(compress(count(), map(lt, islice(lows, 1, chain), thresholds)), chain - 1) if chain < n else n
    if k == n:
        return n, n
    tail = n - next(compress(count(), map(not_, reversed(follows))), n - 1) - 1  # records [tail:] follow one another
    first = max(k, tail, 1)
    highs = list(accumulate(thresholds, max))  # highs[i]: the latest threshold of records 0 to i
    m = next(compress(count(first), map(ge, islice(starts, first, None), islice(highs, first - 1, None))), n)
    return k, m


def _sweep(group: Sequence[Call] | LinkedList[Call], clashes: dict[int, tuple[Call, Call]]) -> None:
    """Sort one caller's records by start (with the linked list's stable sort, unless they
    are in start order already); note each clash as ``id -> (record, partner)`` (see
    :func:`clashing`). Only the records between the ones :func:`clean_ends` finds
    clean are sorted and swept."""
    if len(group) < 2:
        return
    items = list(group)
    starts = list(map(_START, items))
    k, m = clean_ends(starts, list(map(_END, items)))
    if m - k < 2:
        return
    items, starts = items[k:m], starts[k:m]
    if not all(map(le, starts, islice(starts, 1, None))):
        linked = LinkedList(items)
        linked.sort(key=_START)
        items = list(linked)
        starts = list(map(_START, items))
    for i, partner in clashing(starts, list(map(_END, items))):
        call = items[i]
        clashes[id(call)] = (call, items[partner])


def screen_calls(
    calls: LinkedList[Call],
    phones: Iterable[str],
    malformed: Iterable[BadCall] = (),
) -> Screening:
    """Split records into valid calls and anomalies; each record gets one reason.

    ``phones`` are the subscribers' numbers (any iterable of them). One pass
    gives the first four reasons, groups the other records per caller, and
    follows each caller's records in list order: as long as each starts after
    the previous one started and after every earlier one ended, that caller has
    no overlap and its records need no sorting. Only the groups where that fails
    (records out of start order, or a clash) are sorted with the linked list's
    sort and swept (:func:`_sweep`). A last pass puts the valid calls and the anomalies in list
    order, with the malformed records among them by line number.
    """
    with paused_gc():
        flagged: dict[int, Anomaly] = {}
        # caller -> [previous start, latest end, its records in list order...]; a
        # subscriber's number is a key from the start, so one lookup also tells
        # whether the caller is known.
        table: dict[str, list[Any]] = {phone: [-1, -1] for phone in phones}
        unsorted: set[str] = set()  # callers whose records need the full sweep
        state_of = table.get
        longest = MAX_SECONDS
        for call in calls:
            start = call.start
            end = call.end
            duration = end - start
            if duration < 0:
                flagged[id(call)] = _end_before_start(call)
                continue
            seen = state_of(call.caller)
            if seen is None:
                flagged[id(call)] = _unknown_caller(call)
            elif duration > longest:
                flagged[id(call)] = _too_long(call)
            else:
                if start > seen[0] and start >= seen[1]:
                    seen[0] = start
                    seen[1] = end  # end >= start >= every earlier end
                else:
                    unsorted.add(call.caller)
                seen.append(call)
        if unsorted:
            clashes: dict[int, tuple[Call, Call]] = {}
            for caller in unsorted:
                _sweep(table[caller][2:], clashes)
            for key, (call, partner) in clashes.items():
                flagged[key] = _overlap(call, partner)
        del table
        valid: LinkedList[Call] = LinkedList()
        anomalies: list[Anomaly] = []
        valid.extend(_in_order(calls, flagged, malformed, anomalies))
    return Screening(valid, anomalies)


def screen_caller(records: Sequence[Call], known: bool) -> list[Anomaly]:
    """The anomalies among one caller's records, given in file order, exactly as
    :func:`screen_calls` finds them among all records (the rules never look at
    two callers together). ``known``: the caller is a subscriber."""
    flagged: dict[int, Anomaly] = {}
    _screen_group(list(records), known, flagged)
    return list(flagged.values())


def screen_by_caller(groups: dict[str, list[Call]], phones: Collection[str]) -> dict[int, Anomaly]:
    """``id(record) → anomaly`` for every record set aside, from each caller's records in file order.

    The same result as :func:`screen_calls`, one caller at a time: the columns of a
    caller's records are compared with ``map``; only a caller whose records are not
    in start order one after another is swept (:func:`_sweep`).
    """
    flagged: dict[int, Anomaly] = {}
    with paused_gc():
        for caller, records in groups.items():
            _screen_group(records, caller in phones, flagged)
    return flagged


def screen_as_read(groups: dict[str, list[Call]], phones: Collection[str], odd_lengths: Iterable[Call],
                   unordered: Container[str]) -> dict[int, Anomaly]:
    """:func:`screen_by_caller` for records as the loader found them (``groups`` in file
    order; see :attr:`telbill.files.loader.CallsFile.odd_lengths` and ``unordered``): only
    the callers who are no subscriber, and those whose records are not in start order,
    are screened record by record; of every other caller, just the records of
    ``odd_lengths`` are set aside (rule 2 or 4), the others are billed."""
    flagged: dict[int, Anomaly] = {}
    with paused_gc():
        for caller, records in groups.items():
            known = caller in phones
            if not known or caller in unordered:
                _screen_group(records, known, flagged)
        for call in odd_lengths:
            if id(call) not in flagged and call.caller in phones:
                flagged[id(call)] = _end_before_start(call) if call.end < call.start else _too_long(call)
    return flagged


def _screen_group(records: list[Call], known: bool, flagged: dict[int, Anomaly]) -> None:
    if not records:
        return
    if not known:
        for call in records:
            if call.end < call.start:
                flagged[id(call)] = _end_before_start(call)
            else:
                flagged[id(call)] = _unknown_caller(call)
        return
    starts = list(map(_START, records))
    ends = list(map(_END, records))
    durations = list(map(sub, ends, starts))
    if min(durations) < 0 or max(durations) > MAX_SECONDS:
        fine = list(map(and_, map((0).__le__, durations), map(MAX_SECONDS.__ge__, durations)))
        for i in compress(range(len(records)), map(not_, fine)):
            call, duration = records[i], durations[i]
            flagged[id(call)] = _end_before_start(call) if duration < 0 else _too_long(call)
        records = list(compress(records, fine))
        starts = list(compress(starts, fine))
        ends = list(compress(ends, fine))
    if all(map(lt, starts, islice(starts, 1, None))) and all(map(le, ends, islice(starts, 1, None))):
        return  # each starts after the previous one started and ended: no clash
    clashes: dict[int, tuple[Call, Call]] = {}
    _sweep(records, clashes)
    for key, (call, partner) in clashes.items():
        flagged[key] = _overlap(call, partner)


def _overlap(call: Call, partner: Call) -> Anomaly:
    return Anomaly(AnomalyCode.OVERLAP, call.line_no, call.text(), "anomaly.overlap",
                   {"line": partner.line_no if partner.line_no is not None else "-",
                    "start": format_moment(partner.start), "end": format_moment(partner.end)}, call)


def _end_before_start(call: Call) -> Anomaly:
    return Anomaly(AnomalyCode.END_BEFORE_START, call.line_no, call.text(), "anomaly.end_before_start",
                   {"start": format_moment(call.start), "end": format_moment(call.end)}, call)


def _unknown_caller(call: Call) -> Anomaly:
    return Anomaly(AnomalyCode.UNKNOWN_CALLER, call.line_no, call.text(), "anomaly.unknown_caller",
                   {"caller": call.caller}, call)


def _too_long(call: Call) -> Anomaly:
    duration = call.end - call.start
    return Anomaly(AnomalyCode.TOO_LONG, call.line_no, call.text(), "anomaly.too_long",
                   {"duration": format_duration(duration), "seconds": duration}, call)


def malformed_anomaly(bad: BadCall) -> Anomaly:
    """The anomaly of a record line that could not be read."""
    return _from_bad(bad)


def _in_order(
    calls: Iterable[Call],
    flagged: dict[int, Anomaly],
    malformed: Iterable[BadCall],
    anomalies: list[Anomaly],
) -> Iterator[Call]:
    """The valid calls in list order; the anomalies go to ``anomalies`` in the same order."""
    bad = iter(malformed)
    next_bad = next(bad, None)
    bad_line = next_bad.line_no if next_bad is not None else None
    get = flagged.get
    for call in calls:
        if bad_line is not None:
            position = call.line_no
            if position is not None and bad_line < position:
                while next_bad is not None and next_bad.line_no < position:
                    anomalies.append(_from_bad(next_bad))
                    next_bad = next(bad, None)
                bad_line = next_bad.line_no if next_bad is not None else None
        anomaly = get(id(call))
        if anomaly is None:
            yield call
        else:
            anomalies.append(anomaly)
    while next_bad is not None:
        anomalies.append(_from_bad(next_bad))
        next_bad = next(bad, None)


def _from_bad(bad: BadCall) -> Anomaly:
    return Anomaly(AnomalyCode.MALFORMED, bad.line_no, bad.raw, bad.key, bad.params)
