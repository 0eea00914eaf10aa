"""One part's lines of the anomalies file: its records set aside and its malformed lines, in line order.

Once a part is swept (:class:`~telbill.batch.part.Part`), :func:`anomaly_chunks` writes each record it
set aside as it was read, followed by its note (why, and for an overlap the line and moments of the
record it overlaps), and puts the lines that could not be read in their places, a chunk of lines at a
time. The parts' chunks are merged by line number (:func:`telbill.batch.anomaly_merge.merge_anomalies`,
:mod:`telbill.batch.merged`, :mod:`telbill.batch.ranges`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from heapq import merge
from itertools import compress, count, repeat
from operator import is_
from typing import Any

from telbill.batch.part import LeanCall, Part, starts_and_ends
from telbill.files.callreader import MAX_LINE_CHARS
from telbill.files.decoding import KEPT
from telbill.files.report import detail_pattern, line_pattern, set_aside_note
from telbill.rules.fields import joined_moments, moment_fields
from telbill.rules.screening import AnomalyCode, SetAside, detail, overlap_values
from telbill.text.i18n import Tr


def anomaly_chunks(part: Part, chunk: int = 10_000) -> Iterator[tuple[list[int], list[bytes]]]:
    """``part``'s lines of the anomalies file (once swept), in line order: (their line numbers, the
    bytes of the lines, each line ended), about ``chunk`` lines at a time. A line
    longer than any record comes alone, its text not copied into a bigger one.

    The records set aside are written a run of ``chunk`` at a time, column by column
    (:class:`_Notes`); the malformed lines among them are put in their places."""
    records, numbers, whys = _in_line_order(part)
    notes = _Notes(part)
    malformed = part.malformed
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


def _in_line_order(part: Part) -> tuple[list[LeanCall], list[int], list[AnomalyCode | LeanCall]]:
    """The records set aside, their line numbers and why each was set aside (a code, or the
    record it overlaps), in line order. Their positions are sorted by line number, as the
    parts' lines are merged (:func:`telbill.batch.anomaly_merge.merge_anomalies`): the records of
    rules 2 to 4 and each caller's overlapping ones are runs already in order, which the sort
    merges (the radix sort of :func:`~telbill.lists.sorting.stable_order` took 1.5 times as
    long)."""
    numbers = part.aside_lines
    placed = sorted(range(len(numbers)), key=numbers.__getitem__)
    records, whys = list(part.set_aside), list(part.set_aside.values())
    return [records[i] for i in placed], [numbers[i] for i in placed], [whys[i] for i in placed]


def _chunked(lines: Iterable[tuple[int, str, str]], chunk: int) -> Iterator[tuple[list[int], list[bytes]]]:
    """Anomaly lines (number, text, what follows it), in chunks of ``chunk`` as
    :func:`anomaly_chunks` yields them; a line longer than any record alone."""
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
        starts, ends = starts_and_ends(records)
        start_dates, start_clocks = moment_fields(starts)
        end_dates, end_clocks = moment_fields(ends)
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
        starts, ends = starts_and_ends(others)
        start_dates, start_clocks = moment_fields(starts)
        end_dates, end_clocks = moment_fields(ends)
        return _Own([*self.records, *others], [*self.numbers, *map(lines_of.__getitem__, others)],
                    self.start_dates + start_dates, self.start_clocks + start_clocks,
                    self.end_dates + end_dates, self.end_clocks + end_clocks)
