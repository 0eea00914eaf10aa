"""Setting anomalous call records aside (异常话单), in the order of SPEC §3."""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from telbill.linkedlist import LinkedList
from telbill.loader import BadCall
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

    Returns ``id(call) -> partner`` for every such record, ``partner`` being one
    record it clashes with. Calls are grouped per caller in one pass; each group is
    sorted by start with our linked list's natural merge sort (close to linear when
    the file is in time order) and swept once, so the whole check is O(n log n).
    """
    groups: dict[str, LinkedList[Call]] = {}
    for call in calls:
        group = groups.get(call.caller)
        if group is None:
            group = groups[call.caller] = LinkedList()
        group.append(call)
    return _sweep(groups)


def _sweep(groups: dict[str, LinkedList[Call]]) -> dict[int, Call]:
    """Sort each caller's records by start and find the clashes in one pass."""
    clashes: dict[int, Call] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=_start)
        node = group.head
        assert node is not None
        prev = node.item
        holder = prev  # the record with the latest end so far
        node = node.next
        while node is not None:
            call = node.item
            if call.start == prev.start:
                clashes.setdefault(id(call), prev)
                clashes.setdefault(id(prev), call)
            if holder.end > call.start:
                clashes.setdefault(id(call), holder)
                clashes.setdefault(id(holder), call)
            if call.end > holder.end:
                holder = call
            prev = call
            node = node.next
    return clashes


def _start(call: Call) -> int:
    return call.start


def check_calls(
    calls: LinkedList[Call],
    phones: Container[str],
    malformed: Iterable[BadCall] = (),
) -> CheckResult:
    """Split records into valid calls and anomalies; each record gets one reason."""
    flagged: dict[int, Anomaly] = {}
    groups: dict[str, LinkedList[Call]] = {}
    for call in calls:
        duration = call.end - call.start
        if duration < 0:
            flagged[id(call)] = Anomaly(
                AnomalyCode.END_BEFORE_START, call.line_no, call.text(), "anomaly.end_before_start",
                {"start": format_moment(call.start), "end": format_moment(call.end)}, call)
        elif call.caller not in phones:
            flagged[id(call)] = Anomaly(
                AnomalyCode.UNKNOWN_CALLER, call.line_no, call.text(), "anomaly.unknown_caller",
                {"caller": call.caller}, call)
        elif duration > MAX_SECONDS:
            flagged[id(call)] = Anomaly(
                AnomalyCode.TOO_LONG, call.line_no, call.text(), "anomaly.too_long",
                {"duration": format_duration(duration), "seconds": duration}, call)
        else:
            group = groups.get(call.caller)
            if group is None:
                group = groups[call.caller] = LinkedList()
            group.append(call)
    for key, partner in _sweep(groups).items():
        flagged[key] = Anomaly(AnomalyCode.OVERLAP, None, "", "anomaly.overlap",
                               {"line": partner.line_no if partner.line_no is not None else "-",
                                "start": format_moment(partner.start), "end": format_moment(partner.end)})
    valid: LinkedList[Call] = LinkedList()
    anomalies: list[Anomaly] = []
    bad = iter(malformed)
    next_bad = next(bad, None)
    for call in calls:
        position = call.line_no
        while next_bad is not None and position is not None and next_bad.line_no < position:
            anomalies.append(_from_bad(next_bad))
            next_bad = next(bad, None)
        anomaly = flagged.get(id(call))
        if anomaly is None:
            valid.append(call)
            continue
        if anomaly.call is None:  # an overlap: fill in the record itself
            anomaly.call, anomaly.line_no, anomaly.raw = call, call.line_no, call.text()
        anomalies.append(anomaly)
    while next_bad is not None:
        anomalies.append(_from_bad(next_bad))
        next_bad = next(bad, None)
    return CheckResult(valid, anomalies)


def _from_bad(bad: BadCall) -> Anomaly:
    return Anomaly(AnomalyCode.MALFORMED, bad.line_no, bad.raw, bad.key, bad.params)
