"""A record's text as written, kept as a frame around its fields (telbill.files.layouts)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.files.layouts import (
    STANDARD,
    LineTexts,
    frame_of,
    framed_lines,
    one_space_apart,
    pieces_of,
    standard_lines,
)

FIELDS = ("83470000", "02584561234", "2021-01-05", "10:00:00", "2021-01-05", "10:04:01")


def test_lines_written_one_way_share_one_frame() -> None:
    """A thousand lines with one space between fields keep one frame and 12 bytes each, and
    each comes back as written; a line in the standard layout keeps nothing."""
    texts = LineTexts()
    lines = [" ".join((FIELDS[0][:-3] + f"{i:03d}", *FIELDS[1:])) for i in range(1000)]
    fields = [tuple(line.split()) for line in lines]
    texts.add(range(1, 1001), lines, fields)  # type: ignore[arg-type]
    texts.add([1001], [STANDARD % FIELDS], [FIELDS])
    assert texts.frames == ["%s %s %s %s %s %s"] and len(texts) == 1000
    assert texts.numbers.itemsize + texts.ids.itemsize == 12
    assert [texts.text(n, f) for n, f in zip(range(1, 1001), fields)] == lines  # type: ignore[arg-type]
    assert texts.text(1001, FIELDS) == STANDARD % FIELDS


@settings(max_examples=200)
@given(st.lists(st.tuples(*[st.text(st.characters(blacklist_categories=("Zs", "Cc")), min_size=1, max_size=12)] * 6),
                max_size=5))
def test_standard_lines_are_the_standard_layout(rows: list[tuple[str, str, str, str, str, str]]) -> None:
    """standard_lines gives each row as STANDARD % row does, fields holding % signs included."""
    assert standard_lines(rows) == [STANDARD % row for row in rows]


_FIELD = st.text(st.characters(blacklist_categories=("Zs", "Cc")), min_size=1, max_size=12)


@settings(max_examples=200)
@given(st.sampled_from([" ", "\t", "  ", " \t"]), st.text(" \t", max_size=2), st.text(" \t%s#", max_size=6),
       st.lists(st.tuples(*[_FIELD] * 6), min_size=1, max_size=5))
def test_framed_lines_are_what_the_frame_gives(sep: str, lead: str, tail: str,
                                              rows: list[tuple[str, str, str, str, str, str]]) -> None:
    """framed_lines gives each row as its frame's % does: one separator throughout, or blanks and a comment around."""
    for line in (sep.join(rows[0]), lead + sep.join(rows[0]) + tail, "  ".join(rows[0][:3]) + sep + " ".join(rows[0][3:])):
        pieces = pieces_of(line, rows[0])
        assert framed_lines(pieces, rows) == [frame_of(line, rows[0]) % row for row in rows]
        assert framed_lines(pieces, rows[:1]) == [line]


def test_comments_tabs_and_percent_signs_come_back_as_written() -> None:
    """Leading blanks, tabs, a trailing comment holding ``%s`` and ``%%``: each line as it was,
    asked for in any order."""
    lines = ["  83470000\t02584561234  2021-01-05 10:00:00  2021-01-05 10:04:01",
             "83470000  02584561234  2021-01-05 10:00:00  2021-01-05 10:04:01  # 100% %s %%",
             "83470000  02584561234  2021-01-05 10:00:00  2021-01-05 10:04:01\t",
             "83470000 02584561234 2021-01-05 10:00:00 2021-01-05 10:04:01 # 02584561234"]
    texts = LineTexts()
    texts.add([3, 5, 8, 9], lines, [FIELDS] * 4)
    assert len(texts.frames) == 4
    for number, line in reversed(list(zip([3, 5, 8, 9], lines))):
        assert texts.text(number, FIELDS) == line
    assert texts.text(4, FIELDS) == STANDARD % FIELDS


fields = st.tuples(*(st.text("0123456789-:", min_size=1, max_size=12) for _ in range(6)))
blanks = st.text(" \t\u3000", min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(fields, st.lists(blanks, min_size=7, max_size=7), st.sampled_from(["", "  # a%b", "\t#"])),
                max_size=20))
def test_any_spacing_is_kept_exactly(rows: list[tuple[tuple[str, ...], list[str], str]]) -> None:
    """Whatever blanks surround and separate the six fields, and whatever comment follows, the
    line comes back byte for byte from its frame and its fields."""
    lines, columns = [], []
    for row, seps, tail in rows:
        lead, *between = seps
        line = lead[:-1] + "".join(f + s for f, s in zip(row, between[:5] + [""])) + tail
        lines.append(line)
        columns.append(row)
        assert frame_of(line, row) % row == line
    texts = LineTexts()
    texts.add(range(1, len(lines) + 1), lines, columns)  # type: ignore[arg-type]
    assert [texts.text(n, row) for n, row in enumerate(columns, 1)] == lines  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(1, 400), max_size=120), st.sets(st.integers(1, 400), min_size=1, max_size=200),
       st.sets(st.integers(1, 400), max_size=3))
def test_a_column_of_lines_comes_back_as_each_line_does(kept: set[int], asked: set[int], whole: set[int]) -> None:
    """``texts`` of increasing line numbers (dense or sparse among the kept lines, some kept whole)
    gives what ``text`` gives for each."""
    texts = LineTexts()
    frames = ["%s %s %s %s %s %s", "%s\t%s\t%s %s\t%s %s", "  " + STANDARD]
    for number in sorted(kept | whole):
        if number in whole:
            texts.raws[number] = f"kept whole {number}"
        else:
            line = frames[number % 3] % FIELDS
            texts.add([number], [line], [FIELDS])
    numbers = sorted(asked)
    expected = [texts.text(n, FIELDS) for n in numbers]
    assert texts.texts(numbers, [FIELDS] * len(numbers)) == expected
    assert texts.texts([], []) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=300), st.sets(st.integers(1, 300), min_size=1, max_size=100),
       st.sampled_from([["%s %s %s %s %s %s"], ["%s %s %s %s %s %s", STANDARD],
                        ["%s %s %s %s %s %s", "%s\t%s\t%s %s\t%s %s", "  " + STANDARD, STANDARD]]))
def test_lines_added_as_runs_come_back_once_sorted(runs: list[int], asked: set[int], frames: list[str]) -> None:
    """Lines added as several runs of increasing numbers (a partition's buckets one after
    another: line ``n`` in run ``runs[n - 1]``) come back once sorted as lines added in line
    order do, one by one and as a column: written one way, with the standard layout among
    them, or several ways."""
    lines = {number: frames[number % len(frames)] % FIELDS for number in range(1, len(runs) + 1)}
    in_order, by_runs = LineTexts(), LineTexts()
    for number, line in lines.items():
        in_order.add([number], [line], [FIELDS])
    for run in range(4):
        mine = [number for number in lines if runs[number - 1] == run]
        by_runs.add(mine, [lines[number] for number in mine], [FIELDS] * len(mine))
    by_runs.sort()
    assert list(by_runs.numbers) == list(in_order.numbers)
    assert [by_runs.frames[i] for i in by_runs.ids] == [in_order.frames[i] for i in in_order.ids]
    numbers = sorted(asked)
    expected = [lines.get(n, STANDARD % FIELDS) for n in numbers]
    assert [by_runs.text(n, FIELDS) for n in numbers] == expected
    assert by_runs.texts(numbers, [FIELDS] * len(numbers)) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=40, max_size=200), st.sets(st.integers(1, 40), min_size=1, max_size=30),
       st.sampled_from([["%s %s %s %s %s %s"], ["%s %s %s %s %s %s", STANDARD], [STANDARD],
                        ["%s %s %s %s %s %s", "%s\t%s\t%s %s\t%s %s"]]), st.booleans())
def test_lines_asked_that_were_all_added_come_back_as_written(runs: list[int], asked: set[int], frames: list[str],
                                                             one_way: bool) -> None:
    """``texts(..., added=True)`` (every line asked was added: a reader's records) gives each line
    as written: where every line was added in one frame (written by that frame's formatter, with
    no lookup), and where some are in the standard layout or another frame (those must not be
    written in the first frame). Lines added as several runs, then sorted, as in a partition."""
    n = len(runs)
    frame_of_line = [frames[0] if one_way else frames[number % len(frames)] for number in range(n + 1)]
    lines = {number: frame_of_line[number] % FIELDS for number in range(1, n + 1)}
    texts = LineTexts()
    for run in range(4):
        mine = [number for number in lines if runs[number - 1] == run]
        texts.add(mine, [lines[number] for number in mine], [FIELDS] * len(mine))
    texts.sort()
    numbers = sorted(asked)
    assert texts.texts(numbers, [FIELDS] * len(numbers), added=True) == [lines[number] for number in numbers]


def _spaced(row: tuple[str, ...], seps: list[str], tail: str) -> str:
    lead, *between = seps
    return lead + "".join(f + s for f, s in zip(row, between[:5] + [""])) + tail


one_spaced = st.tuples(fields, st.just(["", " ", " ", " ", " ", " "]), st.just(""))
spaced_otherwise = st.tuples(fields, st.lists(st.sampled_from(["", " ", "  ", "\t", "\u3000", " \t"]), min_size=6,
                                               max_size=6).map(lambda seps: seps[:1] + [s or " " for s in seps[1:]]),
                             st.sampled_from(["", " ", "\t", "  # a%b"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(one_spaced, one_spaced, one_spaced, spaced_otherwise), min_size=1, max_size=6),
                min_size=1, max_size=6))
def test_runs_of_lines_one_space_apart_or_not_come_back_as_written(runs: list[list[tuple[tuple[str, ...], list[str],
                                                                                        str]]]) -> None:
    """Runs of lines added one after another, most with their fields one space apart (a run of those
    only is kept without making a line, once the run before ended in that frame), some spaced
    otherwise (a space too many before, between or after, a tab, an ideographic space, a comment):
    each line comes back as written, and one_space_apart says of a run exactly whether each of its
    lines is its fields joined by one space."""
    texts = LineTexts()
    lines: list[str] = []
    rows: list[tuple[str, ...]] = []
    for run in runs:
        made = [_spaced(row, seps, tail) for row, seps, tail in run]
        assert one_space_apart(made) == all(line == " ".join(row) for line, (row, _, _) in zip(made, run))
        texts.add(range(len(lines) + 1, len(lines) + 1 + len(made)), made, [row for row, _, _ in run])  # type: ignore[misc]
        lines += made
        rows += [row for row, _, _ in run]
    assert [texts.text(n, row) for n, row in enumerate(rows, 1)] == lines  # type: ignore[arg-type]
