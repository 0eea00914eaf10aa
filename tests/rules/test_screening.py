"""Anomalous records (SPEC §3): each rule at its boundaries, one reason per record."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.files.loader import load_calls
from telbill.rules.records import AnomalyCode
from telbill.rules.screening import screen_calls

PHONES = {"83470000", "83470001"}


def run(lines: list[str]) -> dict[int, str]:
    """Line number → code for every record set aside ('' for billed ones)."""
    loaded = load_calls(io.StringIO("\n".join(lines) + "\n"), "calls.txt")
    result = screen_calls(loaded.calls, PHONES, loaded.malformed)
    assert loaded.records == len(result.valid) + len(result.anomalies)
    codes = {a.line_no: a.code.value for a in result.anomalies}
    for call in result.valid:
        assert call.line_no is not None
        codes[call.line_no] = ""
    return dict(sorted(codes.items()))  # type: ignore[arg-type]


def test_exactly_three_days_is_fine_one_second_more_is_too_long() -> None:
    """259 200 s is billed; 259 201 s is too-long."""
    assert run([
        "83470000  8346  2021-01-01 00:00:00  2021-01-04 00:00:00",
        "83470001  8346  2021-01-01 00:00:00  2021-01-04 00:00:01",
    ]) == {1: "", 2: "too-long"}


def test_touching_calls_are_fine() -> None:
    """One call ends the second the next starts: both billed."""
    assert run([
        "83470000  8346  2021-01-01 10:00:00  2021-01-01 10:05:00",
        "83470000  8347  2021-01-01 10:05:00  2021-01-01 10:06:00",
    ]) == {1: "", 2: ""}


def test_same_start_sets_both_aside() -> None:
    """Two records of one caller with the same START are both overlap, even zero-length."""
    assert run([
        "83470000  8346  2021-01-01 10:00:00  2021-01-01 10:00:00",
        "83470000  8347  2021-01-01 10:00:00  2021-01-01 10:00:00",
        "83470001  8347  2021-01-01 10:00:00  2021-01-01 10:00:00",
    ]) == {1: "overlap", 2: "overlap", 3: ""}


def test_zero_length_inside_another_is_overlap() -> None:
    """A zero-length record strictly inside another record of the caller: both set aside."""
    assert run([
        "83470000  8346  2021-01-01 10:00:00  2021-01-01 10:30:00",
        "83470000  8347  2021-01-01 10:10:00  2021-01-01 10:10:00",
    ]) == {1: "overlap", 2: "overlap"}


def test_zero_length_at_the_end_only_touches() -> None:
    """A zero-length record at the very end of another only touches it."""
    assert run([
        "83470000  8346  2021-01-01 10:00:00  2021-01-01 10:30:00",
        "83470000  8347  2021-01-01 10:30:00  2021-01-01 10:30:00",
    ]) == {1: "", 2: ""}


def test_a_group_of_overlaps_is_set_aside_whole_other_callers_untouched() -> None:
    """A chain A–B–C of overlaps sets all three aside, in file order."""
    assert run([
        "83470000  8346  2021-01-01 10:20:00  2021-01-01 10:40:00",
        "83470001  8346  2021-01-01 10:00:00  2021-01-01 12:00:00",
        "83470000  8346  2021-01-01 10:00:00  2021-01-01 10:30:00",
        "83470000  8346  2021-01-01 10:35:00  2021-01-01 10:50:00",
        "83470000  8346  2021-01-01 11:00:00  2021-01-01 11:01:00",
    ]) == {1: "overlap", 2: "", 3: "overlap", 4: "overlap", 5: ""}


def test_a_long_call_with_a_short_one_far_inside() -> None:
    """A long call overlaps a short one that starts after several others ended."""
    assert run([
        "83470000  8346  2021-01-01 09:00:00  2021-01-01 18:00:00",
        "83470001  8346  2021-01-01 10:00:00  2021-01-01 10:01:00",
        "83470001  8346  2021-01-01 11:00:00  2021-01-01 11:01:00",
        "83470000  8346  2021-01-01 17:00:00  2021-01-01 17:01:00",
    ]) == {1: "overlap", 2: "", 3: "", 4: "overlap"}


def test_too_long_record_does_not_knock_out_the_calls_it_spans() -> None:
    """A too-long record is set aside first, so the normal calls inside it are billed."""
    assert run([
        "83470000  8346  2021-01-01 00:00:00  2021-01-09 00:00:00",
        "83470000  8346  2021-01-02 10:00:00  2021-01-02 10:01:00",
        "83470000  8346  2021-01-03 10:00:00  2021-01-03 10:01:00",
    ]) == {1: "too-long", 2: "", 3: ""}


def test_first_reason_wins_in_spec_order() -> None:
    """malformed, then end-before-start, then unknown-caller, then too-long, then overlap."""
    assert run([
        "83479999  8346  2021-01-05 00:00:00  2021-01-01 00:00:00",
        "83479999  8346  2021-01-01 00:00:00  2021-01-09 00:00:00",
        "83470000  8346  2021-01-05 00:00:00  2021-01-01 00:00:00",
        "83470000  8346  2021-01-01 00:00:00",
    ]) == {1: "end-before-start", 2: "unknown-caller", 3: "end-before-start", 4: "malformed"}


def test_end_before_start_and_overlaps_excluded_from_sweep() -> None:
    """Records set aside for an earlier reason do not cause overlaps with valid ones."""
    assert run([
        "83470000  8346  2021-01-01 10:05:00  2021-01-01 10:00:00",
        "83470000  8346  2021-01-01 10:00:00  2021-01-01 10:10:00",
    ]) == {1: "end-before-start", 2: ""}


def test_counts_per_code() -> None:
    """counts() lists every code, zero or not."""
    loaded = load_calls(io.StringIO("83479999  8346  2021-01-01 00:00:00  2021-01-01 00:00:01\n"), "c")
    result = screen_calls(loaded.calls, PHONES, loaded.malformed)
    assert result.counts() == {AnomalyCode.MALFORMED: 0, AnomalyCode.END_BEFORE_START: 0,
                               AnomalyCode.UNKNOWN_CALLER: 1, AnomalyCode.TOO_LONG: 0,
                               AnomalyCode.OVERLAP: 0}


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), min_size=0, max_size=40))
def test_only_the_records_between_clean_ends_need_a_sweep(rows: list[tuple[int, int]]) -> None:
    """Records before and after the ones clean_ends finds clash with none, and sweeping
    only those between finds every clash, with its partner, that sweeping all finds."""
    from itertools import accumulate

    from telbill.rules.screening import clashing, clean_ends

    starts = list(accumulate(start for start, _ in rows))  # mostly in order, as calls are written
    starts = [s - 7 * (i % 5 == 4) for i, s in enumerate(starts)]  # ... with some out of order
    ends = [s + length for s, (_, length) in zip(starts, rows)]
    order = sorted(range(len(starts)), key=starts.__getitem__)
    everything = {(order[i], order[p]) for i, p in clashing([starts[j] for j in order], [ends[j] for j in order])}
    k, m = clean_ends(starts, ends)
    assert 0 <= k <= m <= len(starts)
    middle = sorted(range(k, m), key=starts.__getitem__)
    between = {(middle[i], middle[p]) for i, p in clashing([starts[j] for j in middle], [ends[j] for j in middle])}
    assert between == everything
    assert all(k <= i < m for clash in everything for i in clash)
