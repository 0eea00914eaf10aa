"""Anomalous records (SPEC §3): each rule at its boundaries, one reason per record."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from telbill.batch.run import BatchOptions, run_batch
from telbill.cli import main
from telbill.files.dataset import DataPaths
from telbill.files.loader import load_calls
from telbill.rules.fields import format_moment, split_fields
from telbill.rules.records import Call, parse_call_fields
from telbill.rules.screening import (
    AnomalyCode,
    StartOrder,
    detail,
    held_bounds,
    lasts_well,
    reason_alone,
    screen,
    screen_calls,
    suspects,
    sweep,
)
from telbill.session.facade import Session
from telbill.text.i18n import Phrase, Translator

from oracle import reference
from smalldata import CALLS
from smalldata import at as seconds_of

PHONES = {"83470000", "83470001"}


def run(lines: list[str]) -> dict[int, str]:
    """Line number → code for every record set aside ('' for billed ones)."""
    loaded = load_calls(io.StringIO("\n".join(lines) + "\n"), "calls.txt")
    result = screen_calls(loaded.calls, PHONES, loaded.malformed)
    assert loaded.records == len(result.valid) + len(result.set_aside)
    codes = {a.line_no: a.code.value for a in result.set_aside}
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


def _clash(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Rule 5 for two records (start, end): the same start, or each starts before the other ends."""
    return a[0] == b[0] or (a[0] < b[1] and b[0] < a[1])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 8)), max_size=40), st.randoms(use_true_random=False),
       st.sampled_from(["any", "by end", "by start, a few moved"]))
def test_sweeping_only_the_suspects_finds_every_clash_and_partner(rows: list[tuple[int, int]], rng: Any,
                                                                  shape: str) -> None:
    """Records in any order (shuffled, written as they end, or in start order with a few moved;
    shared starts, zero-length and identical records among them): every record that clashes with
    another, pairwise, is a suspect, and the sweep (of the suspects alone) gives each record that
    clashes with another, in stable start order, with the first record in that order it clashes
    with: pair for pair what pairwise checks give, and what :func:`clashing` of every record gives."""
    from telbill.rules.screening import clashing, suspects, sweep

    records = [(start, start + length) for start, length in rows]
    if shape == "any":
        rng.shuffle(records)
    elif shape == "by end":
        records.sort(key=lambda record: record[1])
    else:
        records.sort()
        for _ in range(len(records) // 5):
            records.insert(rng.randrange(len(records) + 1), records.pop(rng.randrange(len(records))))
    starts, ends = [start for start, _ in records], [end for _, end in records]
    order = sorted(range(len(records)), key=starts.__getitem__)
    partners = [[j for j in order if j != i and _clash(records[i], records[j])] for i in range(len(records))]
    every = [(i, partners[i][0]) for i in order if partners[i]]
    assert list(sweep(starts, ends)) == every
    assert [(order[i], order[p]) for i, p in clashing([starts[j] for j in order], [ends[j] for j in order])] == every
    found = suspects(starts, ends)
    assert found == sorted(set(found))
    assert {i for i, _ in every} <= set(found)


def test_of_calls_written_as_they_end_only_those_around_a_clash_are_suspects() -> None:
    """Calls written as they end, touching ones, zero-length ones and one long call that ends
    after two short ones it overlaps: only those three are suspects, and a zero-length record
    sharing a start with another is one too."""
    from telbill.rules.screening import suspects

    starts = [0, 10, 20, 21, 40, 45, 30, 60, 70, 70]
    ends = [10, 20, 20, 30, 42, 50, 55, 60, 70, 80]
    assert suspects(starts, ends) == [4, 5, 6, 8, 9]


# -- the rules on columns, as every engine calls them -----------------------------------------

DAY = 86_400
BASE = 738_000 * DAY


@pytest.mark.parametrize(
    ("seconds", "known", "code"),
    [
        (-1, True, AnomalyCode.END_BEFORE_START),
        (-1, False, AnomalyCode.END_BEFORE_START),  # rule 2 comes before rule 3
        (0, False, AnomalyCode.UNKNOWN_CALLER),
        (3 * DAY + 1, False, AnomalyCode.UNKNOWN_CALLER),  # rule 3 comes before rule 4
        (3 * DAY + 1, True, AnomalyCode.TOO_LONG),
        (3 * DAY, True, None),
        (0, True, None),
    ],
)
def test_the_first_rule_a_record_breaks_alone_is_its_reason(seconds: int, known: bool,
                                                             code: AnomalyCode | None) -> None:
    """Rules 2 to 4 in their order: end before start, then unknown caller, then over three days."""
    assert reason_alone(seconds, known) is code


def test_a_caller_whose_records_follow_one_another_needs_no_sweep() -> None:
    """The start-order test: touching records follow; one starting before the last one ended, or with
    the same start as a zero-length one, makes its caller unordered."""
    order = StartOrder({"1000", "2000", "3000"})
    aside, held = order.follow(
        ["1000", "1000", "2000", "2000", "3000", "3000", "4000", "1000"],
        [0, 60, 0, 0, 100, 50, 0, 200],
        [60, 90, 0, 0, 200, 60, 10, 100],
    )
    assert aside == [(6, AnomalyCode.UNKNOWN_CALLER), (7, AnomalyCode.END_BEFORE_START)]
    assert held == [3, 5]
    assert order.unordered == {"2000", "3000"}


def test_only_a_callers_records_out_of_start_order_are_held() -> None:
    """A record is held when it starts before the latest threshold of its caller's records before
    it (a running maximum: a record after the last one's threshold but before an earlier one's is
    held too, and a held record's threshold counts), in this run of records and the next; the
    records after them that start at or after it are followed again. Rules 2 to 4 still set a
    record aside first."""
    order = StartOrder({"1000", "2000"})
    aside, held = order.follow(["1000", "1000", "2000", "1000", "1000", "1000"], [100, 50, 0, 150, 200, 400],
                               [200, 60, 10, 160, 400, 410])
    assert (aside, held) == ([], [1, 3])  # 150 is after 50's threshold (60), before 100's (200)
    aside, held = order.follow(["2000", "1000", "1000", "1000"], [20, 350, 410, 400],
                               [30, 360, 420, 3 * DAY + 401])
    assert (aside, held) == ([(3, AnomalyCode.TOO_LONG)], [1])  # 350: before 410, the threshold of 400
    assert order.unordered == {"1000"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "3"]), st.integers(0, 60), st.integers(0, 12)), max_size=40),
       st.integers(1, 8))
@example([("1", 10, 5), ("1", 15, 12), ("1", 16, 1), ("1", 12, 1)], 4)  # the bound: 12, not the next held's 16
@example([("1", 5, 0), ("2", 0, 9), ("1", 5, 3)], 1)  # a held record sharing a zero-length one's start
def test_the_held_records_and_those_before_them_past_their_bound_are_the_suspects(
        rows: list[tuple[str, int, int]], run: int) -> None:
    """Of callers' records mixed, in any order: those :class:`StartOrder` holds (fed ``run`` at a time),
    and those not held whose threshold is after their caller's bound where they lie
    (:func:`held_bounds`, as :meth:`Part._suspects <telbill.batch.part.Part._suspects>` walks them),
    are each caller's :func:`suspects`; and :func:`sweep` over them alone finds what it finds over
    every record of the caller."""
    order = StartOrder({"1", "2", "3"})
    held: list[int] = []
    for at in range(0, len(rows), run):
        part = rows[at:at + run]
        aside, more = order.follow([c for c, _, _ in part], [s for _, s, _ in part], [s + n for _, s, n in part])
        assert aside == []
        held += [at + i for i in more]
    assert order.unordered == {rows[i][0] for i in held}
    bound, later = held_bounds([rows[i][0] for i in held], [rows[i][1] for i in held])
    assert set(bound) == order.unordered
    found: set[int] = set()
    events = iter(zip(held, later))
    at, after = next(events, (-1, None))
    for i, (caller, start, length) in enumerate(rows):
        if i == at:
            found.add(i)
            if after is None:
                del bound[caller]
            else:
                bound[caller] = after
            at, after = next(events, (-1, None))
        elif caller in bound and max(start + length, start + 1) > bound[caller]:
            found.add(i)
    for caller in "123":
        mine = [i for i, row in enumerate(rows) if row[0] == caller]
        starts = [rows[i][1] for i in mine]
        ends = [rows[i][1] + rows[i][2] for i in mine]
        picked = [i for i in mine if i in found]
        assert [mine[i] for i in suspects(starts, ends)] == picked
        over_picked = [(picked[i], picked[p]) for i, p in sweep([rows[i][1] for i in picked],
                                                                 [rows[i][1] + rows[i][2] for i in picked])]
        assert over_picked == [(mine[i], mine[p]) for i, p in sweep(starts, ends)]


def test_without_the_subscribers_the_start_order_leaves_rule_3_for_later() -> None:
    """A StartOrder that does not know the subscribers follows every caller (rules 2 and 4 only)."""
    order = StartOrder()
    assert order.follow(["9", "9", "9"], [0, 10, 20], [5, 3 * DAY + 11, 25]) == ([(1, AnomalyCode.TOO_LONG)], [])
    assert order.unordered == set()


spans = st.lists(st.tuples(st.integers(0, 40), st.integers(-3, 12)), max_size=14)


@settings(max_examples=300, deadline=None)
@given(spans, st.booleans())
def test_screening_one_callers_columns_agrees_with_pairwise_checks(rows: list[tuple[int, int]], known: bool) -> None:
    """screen() on one caller's columns sets aside exactly what the slow pairwise reference does,
    and names as partner a record the overlapping one really clashes with."""
    starts = [BASE + s for s, _ in rows]
    ends = [BASE + s + n for s, n in rows]
    calls = [Call("1000", "8346", s, e, i + 1) for i, (s, e) in enumerate(zip(starts, ends))]
    reasons, _ = reference(calls, {"1000"} if known else set())
    verdicts = screen(starts, ends, known)
    assert {i: code.value for i, code, _ in verdicts} == {i: reasons[id(c)] for i, c in enumerate(calls)
                                                         if id(c) in reasons}
    assert [i for i, _, _ in verdicts] == sorted(i for i, _, _ in verdicts)
    for i, code, partner in verdicts:
        if code is AnomalyCode.OVERLAP:
            a, b = (starts[i], ends[i]), (starts[partner], ends[partner])
            assert partner != i and (a[0] == b[0] or (a[0] < b[1] and b[0] < a[1]))
        else:
            assert partner == -1


def test_each_anomaly_detail_names_what_broke_the_rule() -> None:
    """The detail of each code: the times, the caller, the length, or the partner's line and times."""
    start = 738_000 * DAY + 3600
    assert detail(AnomalyCode.END_BEFORE_START, "8347", start, start - 1) == (
        "anomaly.end_before_start", {"start": format_moment(start), "end": format_moment(start - 1)})
    assert detail(AnomalyCode.UNKNOWN_CALLER, "8347", start, start) == ("anomaly.unknown_caller", {"caller": "8347"})
    assert detail(AnomalyCode.TOO_LONG, "8347", start, start + 3 * DAY + 1) == (
        "anomaly.too_long", {"duration": "72:00:01", "seconds": 3 * DAY + 1, "limit": Phrase("limit.days", 3)})
    assert detail(AnomalyCode.OVERLAP, "8347", start, start + 9, (None, start, start + 5)) == (
        "anomaly.overlap", {"line": "-", "start": format_moment(start), "end": format_moment(start + 5)})


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029"])
def test_a_control_character_inside_a_field_is_malformed_in_the_batch_and_the_menu(
        data: Path, char: str) -> None:
    """A calls line with a character ``str.split`` would take as a space inside its caller field: that
    character separates no fields, so the caller is no number (the field rules), and both engines set
    the line aside as malformed with that reason."""
    line = f"8347{char}0000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01"
    fields, key, params = parse_call_fields(split_fields(line))
    assert fields is None and key == "calls.caller"
    (data / "data/calls.txt").write_text(line + "\n" + CALLS, "utf-8")

    code = main(["--lang", "en", "bill"], stdout=io.StringIO(), stderr=io.StringIO())
    written = (data / "output/anomalies.txt").read_text("utf-8").split("\n")
    assert code == 0 and f"{line}  # malformed: {Translator('en')(key, **params)} (calls.txt line 1)" in written
    menu = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), audit_log=Path("output/audit.log"))
    first = menu.screening().set_aside[0]
    assert (first.line_no, first.raw, first.code, first.key, first.params) == (
        1, line, AnomalyCode.MALFORMED, key, params)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code", [c for c in AnomalyCode if c is not AnomalyCode.MALFORMED])
def test_a_note_made_from_its_pattern_says_what_detail_says(code: AnomalyCode, lang: str) -> None:
    """``detail_pattern`` filled with a record's values gives the very text of ``detail``, in
    both languages (the anomalies file of a batch run writes overlaps so)."""
    from telbill.files.report import detail_pattern, line_label, line_pattern
    from telbill.text.i18n import Translator

    tr = Translator(lang)
    start, end = 63_745_000_000, 63_745_000_000 + 300_000
    key, params = detail(code, "83470000", start, end, (41, start - 60, end + 5))
    pattern, names = detail_pattern(tr, code)
    assert pattern % tuple(params[name] for name in names) == tr(key, **params)
    where = line_pattern("/some/dir/c%d.txt")
    assert where % 7 == line_label("/some/dir/c%d.txt")(7) == "c%d.txt line 7"  # the same in both languages


def test_an_overlaps_values_for_a_column_of_partners_are_each_partners_detail() -> None:
    """``overlap_values`` given columns of partners (as the batch gives them) holds, partner by
    partner, the values ``detail`` gives an overlapping record's note."""
    from telbill.rules.fields import moment_texts
    from telbill.rules.screening import overlap_values

    start = 63_745_000_000
    partners = [(41, start - 60, start + 5), (7, start, start + 86_400), (2**40, start + 1, start + 2)]
    lines, starts, ends = (list(column) for column in zip(*partners))
    columns = overlap_values(lines, starts, ends, moment_texts)
    for i, partner in enumerate(partners):
        _, params = detail(AnomalyCode.OVERLAP, "8347", start, start + 9, partner)
        assert {name: column[i] for name, column in columns.items()} == params


def test_a_percent_sign_in_an_overlap_message_is_written_as_it_stands() -> None:
    """A ``%`` in the overlap message (a translation may hold one) stays as it is in the note's
    pattern, and its values go into their slots, in the message's order."""
    from telbill.files.report import detail_pattern

    message = "100% {end} then {start}, line {line} %s %%"

    def tr(key: str, **params: object) -> str:
        assert key == "anomaly.overlap"
        return message.format(**params)

    pattern, names = detail_pattern(tr, AnomalyCode.OVERLAP)
    values = {"line": 41, "start": "a", "end": "b"}
    assert pattern % tuple(values[name] for name in names) == message.format(**values)


def test_a_caller_held_whole_has_every_later_record_held_but_rules_2_and_4_come_first() -> None:
    """A caller held whole (:meth:`StartOrder.hold_whole`) has every later record held, in start
    order or not; a run whose callers are all held whole or no subscriber (where calls are dense, most
    runs) is held whole over its columns (:meth:`StartOrder.whole_run`, which says so of no other run),
    but for its records that break rules 2 to 4: those are set aside, as :meth:`StartOrder.follow` does."""
    order = StartOrder({"1000", "2000"})
    assert order.follow(["1000", "1000", "2000", "2000"], [100, 50, 100, 50], [200, 60, 200, 60]) == ([], [1, 3])
    order.hold_whole("1000")
    assert order.whole_run(["2000", "1000", "1000"], [300, 400, 500], [310, 410, 510]) is None
    assert order.follow(["2000", "1000", "1000"], [300, 400, 500], [310, 410, 510]) == ([], [1, 2])
    order.hold_whole("2000")
    assert order.whole_run(["2000", "1000", "1000"], [600, 700, 800], [610, 710, 810]) == []
    assert order.follow(["2000", "1000", "1000"], [600, 700, 800], [610, 710, 810]) == ([], [0, 1, 2])
    assert order.whole_run(["2000", "1000", "1000"], [600, 700, 800], [3 * DAY + 601, 710, 790]) == [
        (0, AnomalyCode.TOO_LONG), (2, AnomalyCode.END_BEFORE_START)]
    assert order.follow(["2000", "1000", "1000"], [600, 700, 800], [3 * DAY + 601, 710, 790]) == (
        [(0, AnomalyCode.TOO_LONG), (2, AnomalyCode.END_BEFORE_START)], [1])
    assert order.whole_run(["1000", "3000"], [900, 900], [910, 910]) == [(1, AnomalyCode.UNKNOWN_CALLER)]
    assert order.follow(["1000", "3000"], [900, 900], [910, 910]) == ([(1, AnomalyCode.UNKNOWN_CALLER)], [0])
    assert order.unordered == {"1000", "2000"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "3", "9"]), st.integers(0, 50), st.sampled_from([-1, 0, 3, 9, 3 * DAY + 1])),
                max_size=40), st.lists(st.integers(1, 8), min_size=1, max_size=10))
def test_following_records_run_by_run_sets_aside_and_holds_as_one_record_at_a_time(
        rows: list[tuple[str, int, int]], cuts: list[int]) -> None:
    """:meth:`StartOrder.follow` fed runs of any lengths sets aside and holds what a plain walk over
    the records, one at a time, does: rules 2 to 4 first, then each caller's start-order test, a
    record held when it starts before the latest threshold of its caller's records before it."""
    phones = {"1", "2", "3"}
    expected_aside, expected_held, threshold, held_callers = [], [], {}, set()
    for i, (caller, start, length) in enumerate(rows):
        code = reason_alone(length, caller in phones)
        if code is not None:
            expected_aside.append((i, code))
        else:
            if start < threshold.get(caller, 0):
                expected_held.append(i)
                held_callers.add(caller)
            threshold[caller] = max(threshold.get(caller, 0), start + length, start + 1)
    order = StartOrder(phones)
    aside: list[tuple[int, AnomalyCode]] = []
    held: list[int] = []
    at, k = 0, 0
    while at < len(rows):
        run = rows[at:at + cuts[k % len(cuts)]]
        more_aside, more_held = order.follow([c for c, _, _ in run], [s for _, s, _ in run],
                                             [s + n for _, s, n in run])
        aside += [(at + i, code) for i, code in more_aside]
        held += [at + i for i in more_held]
        at, k = at + len(run), k + 1
    assert (aside, held) == (expected_aside, expected_held)
    assert order.unordered == held_callers


_AROUND_BOUNDS = [-3 * DAY, -1, 0, 1, 3 * DAY - 1, 3 * DAY, 3 * DAY + 1, 30 * DAY]
"""Durations around rule 2's bound (0) and rule 4's (three days), and far beyond each."""


def _codes_written(anomalies: str) -> dict[int, str]:
    """Line number → code of each record of an anomalies file."""
    codes: dict[int, str] = {}
    for line in anomalies.splitlines():
        if line and not line.startswith("#"):
            code = line.split("  # ", 1)[1].split(":", 1)[0]
            codes[int(line.rsplit(" line ", 1)[1].rstrip(")"))] = code
    return codes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["83470000", "83470001", "83479999"]), st.integers(0, 20),
                          st.sampled_from(_AROUND_BOUNDS)), min_size=1, max_size=60))
def test_the_bounds_of_rules_2_and_4_are_reason_alones_in_the_menu_and_the_batch(
        tmp_path: Path, rows: list[tuple[str, int, int]]) -> None:
    """Every gate that lets records through unscreened agrees with :func:`reason_alone` (and
    :func:`lasts_well`, which it calls) around each bound: records of every duration around 0 and
    three days, of two subscribers and an unknown caller, in any start order, set aside for the
    reason it gives (or billed when it gives none) by the screening of held records, the menu's
    loader, the batch in memory and the batch in partitions. Each record has four days of its own, so only rules 2 to 4 apply."""
    base = seconds_of("2021-01-01 00:00:00")
    lines, expected = [], {}
    for number, (caller, week, seconds) in enumerate(rows, 1):
        start = base + (week * 61 + number) * 4 * DAY  # 4 days each, in any order: no two billable ones clash
        lines.append(f"{caller}  02584561234  {format_moment(start)}  {format_moment(start + seconds)}")
        code = reason_alone(seconds, caller in PHONES)
        assert (code is None) == (caller in PHONES and lasts_well(seconds))
        expected[number] = "" if code is None else code.value
    assert run(lines) == expected, "screening held records (screen_calls: the menu after a change)"
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "data").mkdir()
    (folder / "data/users.txt").write_text("83470000  Zhang  25  6\n83470001  Li  25  6\n", "utf-8")
    (folder / "data/calls.txt").write_text("\n".join(lines) + "\n", "utf-8")
    menu = Session(DataPaths(folder / "data/users.txt", folder / "data/calls.txt"),
                   audit_log=folder / "output/audit.log", operator="tester")
    screened = menu.screening()
    found = {a.line_no: a.code.value for a in screened.set_aside} | {c.line_no: "" for c in screened.valid}
    assert found == expected, "the menu"
    for memory in (None, 1):  # in memory, then every caller in a partition of its own
        out = folder / f"out-{memory}"
        run_batch(BatchOptions(paths=DataPaths(folder / "data/users.txt", folder / "data/calls.txt", None),
                               month=None, out=out / "bills.txt", anomalies=out / "anomalies.txt", csv=None,
                               processes=1, memory=memory), Translator("en"))
        written = _codes_written((out / "anomalies.txt").read_text("utf-8"))
        assert written == {n: code for n, code in expected.items() if code}, f"the batch, memory={memory}"
