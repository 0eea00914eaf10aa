"""Setting anomalous call records aside (异常话单), in the order of SPEC §3."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field

from telbill.linkedlist import LinkedList
from telbill.loader import BadCall, paused_gc
from telbill.records import AnomalyCode, Call, format_duration, format_moment

MAX_SECONDS = 3 * 86_400


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
class CheckResult:
    """Every record, either valid (to be billed) or set aside."""

    valid: LinkedList[Call]
    """The calls to bill, in file order."""
    anomalies: list[Anomaly]
    """The records set aside, in file order."""

    def counts(self) -> dict[AnomalyCode, int]:
        """How many records each code set aside (every code present, maybe 0)."""
        counts = {code: 0 for code in AnomalyCode}
        for anomaly in self.anomalies:
            counts[anomaly.code] += 1
        return counts


def find_overlaps(calls: Iterable[Call]) -> dict[int, Call]:
    """Records of one caller "at one time" (same start or overlapping intervals).

    Returns ``id(call) -> partner`` for every such record, ``partner`` being the
    record it clashes with that starts first (of equal starts, the one that
    comes first in ``calls``). Calls are grouped per caller in one pass; each
    group is sorted by start with our linked list's natural merge sort and swept
    once, so the whole check is O(n log n).
    """
    groups: dict[str, LinkedList[Call]] = {}
    for call in calls:
        group = groups.get(call.caller)
        if group is None:
            group = groups[call.caller] = LinkedList()
        group.append(call)
    clashes: dict[int, Call] = {}
    for group in groups.values():
        if len(group) > 1:
            _sweep(group, clashes)
    return clashes


def _sweep(group: LinkedList[Call], clashes: dict[int, Call]) -> None:
    """Sort one caller's records by start and note each clash with its partner.

    The partner of a record is the first record, in start order, that it clashes
    with. Of the records before it, that is the first whose end is after its
    start (found by bisecting the running maximum of the ends) or the first
    with the same start; if none clashes, it is the next record, if that one
    clashes (no later one can when the next does not).
    """
    group.sort(key=_start)
    items = list(group)
    last = len(items) - 1
    ends: list[int] = []  # the running maximum of the ends, each time it grows
    owners: list[int] = []  # the index of the record that made it grow
    block = 0  # index of the first record with the current start
    prev_start = None
    for i, call in enumerate(items):
        start = call.start
        if start != prev_start:
            block = i
            prev_start = start
        partner = block if block < i else -1
        if ends and ends[-1] > start:
            first = owners[bisect_right(ends, start)]
            if partner < 0 or first < partner:
                partner = first
        if partner >= 0:
            clashes[id(call)] = items[partner]
        elif i < last:
            after = items[i + 1]
            if after.start == start or after.start < call.end:
                clashes[id(call)] = after
        if not ends or call.end > ends[-1]:
            ends.append(call.end)
            owners.append(i)


def _start(call: Call) -> int:
    return call.start


def check_calls(
    calls: LinkedList[Call],
    phones: Container[str],
    malformed: Iterable[BadCall] = (),
) -> CheckResult:
    """Split records into valid calls and anomalies; each record gets one reason.

    One pass gives the first four reasons and follows each caller's records in
    list order: as long as each starts after the previous one started and after
    every earlier one ended, that caller has no overlap and its records need no
    sorting. Only the callers where that fails (records out of start order, or a
    clash) are grouped, sorted with the linked list's merge sort and swept
    (:func:`_sweep`). A last pass puts the valid calls and the anomalies in list
    order, with the malformed records among them by line number.
    """
    with paused_gc():
        flagged: dict[int, Anomaly] = {}
        latest: dict[str, list[int]] = {}  # caller -> [previous start, latest end]
        unsorted: set[str] = set()  # callers whose records need the full sweep
        for call in calls:
            start = call.start
            end = call.end
            duration = end - start
            caller = call.caller
            if duration < 0:
                flagged[id(call)] = Anomaly(
                    AnomalyCode.END_BEFORE_START, call.line_no, call.text(), "anomaly.end_before_start",
                    {"start": format_moment(start), "end": format_moment(end)}, call)
            elif caller not in phones:
                flagged[id(call)] = Anomaly(
                    AnomalyCode.UNKNOWN_CALLER, call.line_no, call.text(), "anomaly.unknown_caller",
                    {"caller": caller}, call)
            elif duration > MAX_SECONDS:
                flagged[id(call)] = Anomaly(
                    AnomalyCode.TOO_LONG, call.line_no, call.text(), "anomaly.too_long",
                    {"duration": format_duration(duration), "seconds": duration}, call)
            else:
                seen = latest.get(caller)
                if seen is None:
                    latest[caller] = [start, end]
                elif start > seen[0] and start >= seen[1]:
                    seen[0] = start
                    seen[1] = end  # end >= start >= every earlier end
                else:
                    unsorted.add(caller)
        del latest
        if unsorted:
            groups: dict[str, LinkedList[Call]] = {caller: LinkedList() for caller in unsorted}
            for call in calls:
                group = groups.get(call.caller)
                if group is not None and id(call) not in flagged:
                    group.append(call)
            clashes: dict[int, Call] = {}
            for group in groups.values():
                _sweep(group, clashes)
            del groups
            for key, partner in clashes.items():
                flagged[key] = Anomaly(AnomalyCode.OVERLAP, None, "", "anomaly.overlap",
                                       {"line": partner.line_no if partner.line_no is not None else "-",
                                        "start": format_moment(partner.start),
                                        "end": format_moment(partner.end)})
        valid: LinkedList[Call] = LinkedList()
        anomalies: list[Anomaly] = []
        valid.extend(_in_order(calls, flagged, malformed, anomalies))
    return CheckResult(valid, anomalies)


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
            continue
        if anomaly.call is None:  # an overlap: fill in the record itself
            anomaly.call, anomaly.line_no, anomaly.raw = call, call.line_no, call.text()
        anomalies.append(anomaly)
    while next_bad is not None:
        anomalies.append(_from_bad(next_bad))
        next_bad = next(bad, None)


def _from_bad(bad: BadCall) -> Anomaly:
    return Anomaly(AnomalyCode.MALFORMED, bad.line_no, bad.raw, bad.key, bad.params)
