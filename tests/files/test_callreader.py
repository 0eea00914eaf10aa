"""The one reader of calls.txt lines (telbill.files.callreader) and what the menu makes of it as it reads."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.cli import main
from telbill.files.callreader import CallReader
from telbill.files.dataset import DataPaths
from telbill.files.layouts import STANDARD
from telbill.files.loader import load_calls
from telbill.rules.fields import split_fields, strip_comment
from telbill.rules.records import Call, parse_call_fields
from telbill.rules.screening import AnomalyCode, SetAside, screen_as_read, screen_by_caller
from telbill.session.facade import Session
from telbill.text.i18n import Translator

from strategies import PHONES, files

EN = Translator("en")


def set_aside(records: dict[int, SetAside]) -> dict[int, tuple[object, ...]]:
    return {key: (a.code, a.line_no, a.key, a.params) for key, a in records.items()}


@settings(max_examples=150, deadline=None)
@given(files)
def test_the_menu_screens_as_read_what_screening_every_caller_finds(lines: list[str]) -> None:
    """Records grouped and checked as they are read, then screened only where needed,
    give exactly the anomalies of screening every caller's records."""
    loaded = load_calls(lines, "calls.txt")
    groups: dict[str, list[Call]] = {}
    for call in loaded.calls:
        groups.setdefault(call.caller, []).append(call)
    assert {caller: [id(c) for c in calls] for caller, calls in loaded.by_caller.items()} == {
        caller: [id(c) for c in calls] for caller, calls in groups.items()}
    fast = screen_as_read(loaded.by_caller, PHONES, loaded.set_aside_alone, loaded.unordered)
    assert set_aside(fast) == set_aside(screen_by_caller(groups, PHONES))


@settings(max_examples=150, deadline=None)
@given(files)
def test_the_menu_and_the_batch_read_the_same_records(lines: list[str]) -> None:
    """Keeping every line (the menu) or only those not in the standard layout (the batch),
    the reader gives the same records, malformed lines and count; the texts kept are
    exactly the record lines that are not written as a record is written back."""
    made: dict[bool, list[tuple[str, str, int, int, int, str]]] = {True: [], False: []}
    readers = {}
    for keep in (True, False):
        def build(callers: list[str], callees: object, starts: object, ends: object, numbers: object,
                  texts: object, into: list[tuple[str, str, int, int, int, str]] = made[keep]) -> None:
            into.extend(zip(callers, callees, starts, ends, numbers, texts))  # type: ignore[call-overload]
        readers[keep] = CallReader(build, keep_texts=keep)
        readers[keep].read(lines)
    assert made[True] == made[False]
    full, lean = readers[True], readers[False]
    assert (full.records, full.malformed) == (lean.records, lean.malformed)
    assert len(full.texts) == 0
    fields = {number: (c, e, *moment_text(s).split(" "), *moment_text(t).split(" "))
              for c, e, s, t, number, _ in made[True]}
    assert len(lean.texts) == sum(lines[number - 1] != STANDARD % row for number, row in fields.items())
    assert [lean.texts.text(number, row) for number, row in fields.items()] == [lines[n - 1] for n in fields]
    assert [line for *_, line in made[True]] == [lines[number - 1] for *_, number, _ in made[True]]


def moment_text(seconds: int) -> str:
    day, secs = divmod(seconds, 86_400)
    return (datetime.fromordinal(day) + timedelta(seconds=secs)).strftime("%Y-%m-%d %H:%M:%S")


def test_one_caller_out_of_start_order_is_the_only_one_screened_closely() -> None:
    """A subscriber whose records come in start order needs no closer look; one whose
    record starts before the previous one ended does, and a too-long record is noted."""
    loaded = load_calls([
        "83470000  110  2021-01-01 10:00:00  2021-01-01 10:05:00",
        "83470001  110  2021-01-01 10:00:00  2021-01-01 10:05:00",
        "83470000  110  2021-01-01 10:05:00  2021-01-01 10:06:00",  # touches: fine
        "83470001  110  2021-01-01 10:04:00  2021-01-01 10:07:00",  # overlaps the one before
        "83470002  110  2021-01-01 10:00:00  2021-01-05 10:00:00",  # four days
        "83470002  110  2021-01-01 10:01:00  2021-01-01 10:02:00",  # in order once that one is left out
    ], "calls.txt")
    assert loaded.unordered == {"83470001"}
    assert [c.line_no for c in loaded.set_aside_alone] == [5]
    aside = screen_as_read(loaded.by_caller, PHONES, loaded.set_aside_alone, loaded.unordered)
    assert sorted((a.line_no, a.code.value) for a in aside.values()) == [
        (2, "overlap"), (4, "overlap"), (5, "too-long")]


def test_split_only_is_every_space_of_str_split_that_separates_no_fields() -> None:
    """Where none of SPLIT_ONLY is in a text, str.split splits it where telbill does."""
    import sys

    from telbill.rules.fields import BLANKS, SPLIT_ONLY

    spaces = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    assert set(SPLIT_ONLY) == spaces - set(BLANKS)
    assert set(BLANKS) <= spaces


SPLIT_BY_PYTHON_ONLY = ["\x0b", "\x1c", "\x85"]
"""Characters ``str.split`` takes for spaces, but that are not field separators (SPEC §10)."""


@pytest.mark.parametrize("ch", SPLIT_BY_PYTHON_ONLY, ids=["VT", "FS", "NEL"])
def test_a_control_character_between_fields_makes_the_record_malformed_in_the_menu_and_the_batch(
        data: Path, ch: str) -> None:
    """``CALLEE<ch>DATE``: fields are separated by spaces and tabs only, so the record has 5 fields and
    is set aside as malformed, by the menu as by ``telbill bill`` (were the character taken for a
    space it would be a valid call of 6 fields)."""
    line = f"83470000  02584561234{ch}2021-01-05 10:00:00  2021-01-05 10:01:00"
    Path("data/calls.txt").write_text(f"{line}\n{line.replace(ch, '  ')}\n", "utf-8")
    reason = "expected 6 fields (CALLER CALLEE DATE TIME DATE TIME), found 5"
    s = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), audit_log=Path("output/audit.log"),
                operator="tester")
    [anomaly] = s.screening().set_aside
    assert (anomaly.code, anomaly.line_no, EN(anomaly.key, **anomaly.params)) == (AnomalyCode.MALFORMED, 1, reason)
    assert len(s.screening().valid) == 1
    assert main(["--lang", "en", "bill"], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    written = Path("output/anomalies.txt").read_text("utf-8").split("\n")  # not splitlines: it splits at ch
    records = [r for r in written if r and not r.startswith("# ")]
    assert records == [f"{line}  # malformed: {reason} (calls.txt line 1)"]


# Fields at each edge of rule 1 (malformed), among good ones: the reader's column path (a run of
# lines together) must accept exactly the lines parse_call_fields accepts, with the same fields.
_PHONE_EDGES = ["12", "123", "1" * 20, "1" * 21, "8347000x", "\u0661\u0662\u0663\u0664",
                "\uff18\uff13\uff14\uff17", "\u00b2\u00b3\u2074", "+8347000"]
_DATE_EDGES = ["2020-02-29", "2021-02-29", "2021-13-01", "2021-00-10", "2021-01-32", "2021-1-01",
               "2021/01/01", "0000-01-01", "0001-01-01", "9999-12-31", "2021-01-01x",
               "\uff12021-01-01", "2021-01-\u0660\u0661"]
_CLOCK_EDGES = ["00:00:00", "23:59:59", "24:00:00", "23:60:00", "23:59:60", "1:00:00", "01:00:0",
                "01:00:000", "0100:00", "01:00", "\u0661\u0660:00:00", "10:00:\u0660\u0660", "10.00.00"]


def _edge(good: st.SearchStrategy[str], edges: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(good, good, good, good, good, good, good, st.sampled_from(edges))


_edge_line = st.builds(
    lambda fields, sep, cut, tail: sep.join(fields[:cut]) + tail,
    st.tuples(_edge(st.sampled_from(sorted(PHONES)), _PHONE_EDGES),
              _edge(st.sampled_from(["8346123", "02584561234"]), _PHONE_EDGES),
              _edge(st.sampled_from(["2021-01-01", "2021-03-15"]), _DATE_EDGES),
              _edge(st.sampled_from(["10:00:00", "00:59:07"]), _CLOCK_EDGES),
              _edge(st.sampled_from(["2021-01-01", "2021-03-15"]), _DATE_EDGES),
              _edge(st.sampled_from(["10:05:00", "23:00:59"]), _CLOCK_EDGES),
              _edge(st.just("x"), ["x"])),
    st.sampled_from([" ", "  ", "\t"]),
    st.sampled_from([6, 6, 6, 6, 6, 6, 5, 7]),
    st.sampled_from(["", "", "", "  # note"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_edge_line, min_size=1, max_size=2 * 128))
def test_a_run_of_lines_read_together_gives_what_each_line_parsed_alone_gives(lines: list[str]) -> None:
    """Rule 1 has one home, parse_call_fields: the reader's column path (the date and clock
    tables, the callers and callees checked a column at a time, a block sorted out) makes a
    record of exactly the lines it accepts, with the same caller, callee, start and end, and
    sets the others aside with its reason."""
    made: dict[int, tuple[str, str, int, int]] = {}

    def build(callers: list[str], callees: Sequence[str], starts: list[int], ends: list[int],
              numbers: Sequence[int], texts: Sequence[str]) -> None:
        made.update(zip(numbers, zip(callers, callees, starts, ends)))

    reader = CallReader(build, keep_texts=True)
    reader.read(lines)
    aside = {a.line_no: a.key for a in reader.malformed}
    for number, line in enumerate(lines, 1):
        fields, key, _ = parse_call_fields(split_fields(strip_comment(line)))
        if fields is None:
            assert (number, aside.get(number)) == (number, key)
        else:
            assert (number, made.get(number)) == (number, fields)
    assert reader.records == len(made) + len(aside) == len(lines)
