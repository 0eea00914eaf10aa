"""The batch's fast paths (block-wise parsing, streaming lean load, the in-order shortcut
of the overlap check) give exactly what a slow, obvious reading of SPEC §1–§3 gives."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from telbill.batch import part as part_module
from telbill.batch.part import WHOLE_AFTER, WHOLE_SHARE
from telbill.batch.run import BatchOptions, run_batch
from telbill.files.callreader import BLOCK
from telbill.files.dataset import DataPaths
from telbill.rules.records import Call
from telbill.session.facade import Session
from telbill.text.i18n import Translator

from oracle import reference

PHONES = ["83470000", "83470001", "83470002"]
USERS = "".join(f"{p}  User {i}  10.00  1.00\n" for i, p in enumerate(PHONES))
BASE = datetime(2020, 12, 31, 23, 0, 0).timestamp()
LINE = re.compile(r"(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)")


def moment(offset: int) -> str:
    return datetime.fromtimestamp(BASE + offset).strftime("%Y-%m-%d %H:%M:%S")


good = st.builds(
    lambda caller, callee, start, length, sep: sep.join(
        [caller, callee, moment(start), moment(start + length)]),
    st.sampled_from(PHONES + ["83479999"]),
    st.sampled_from(["8346123", "02584561234", "0044207946000"]),
    st.integers(0, 6 * 3600),
    st.one_of(st.integers(-60, 1200), st.sampled_from([0, 259_200, 259_201])),
    st.sampled_from(["  ", "\t", " \t "]),
)
BAD_LINES = [
    "83470000  8346123  2021-02-29 10:00:00  2021-02-29 10:05:00",
    "83470000  8346123  2021-01-01 24:00:00  2021-01-01 10:05:00",
    "83470000  8346123  2021-01-01 10:00:00",
    "8347000x  8346123  2021-01-01 10:00:00  2021-01-01 10:05:00",
    "83470000  8346123  2021-1-01 10:00:00  2021-01-01 10:05:00",
    "# a comment", "", "   ",
]
bad = st.sampled_from(BAD_LINES)
lines_st = st.lists(
    st.one_of(good, good, good, bad, good.map(lambda t: t + "   # note")),
    min_size=0, max_size=300,
)


def slow_reading(lines: list[str]) -> tuple[dict[int, str], dict[tuple[str, str], Decimal], int]:
    """Line number → code of each set-aside record, fees per (month, caller), records read."""
    calls: list[Call] = []
    codes: dict[int, str] = {}
    records = 0
    for number, raw in enumerate(lines, 1):
        text = raw.split(" #")[0].split("\t#")[0].strip()
        if not text or text.startswith("#"):
            continue
        records += 1
        m = LINE.fullmatch(text)
        try:
            assert m is not None and all(f.isdigit() for f in m.group(1, 2))
            start = datetime.strptime(f"{m[3]} {m[4]}", "%Y-%m-%d %H:%M:%S")
            end = datetime.strptime(f"{m[5]} {m[6]}", "%Y-%m-%d %H:%M:%S")
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", m[3]) and re.fullmatch(r"\d{4}-\d\d-\d\d", m[5])
        except (AssertionError, ValueError):
            codes[number] = "malformed"
            continue
        to_seconds = lambda d: d.toordinal() * 86_400 + d.hour * 3600 + d.minute * 60 + d.second
        calls.append(Call(m[1], m[2], to_seconds(start), to_seconds(end), number))
    reasons, fees = reference(calls, set(PHONES))
    for call in calls:
        if id(call) in reasons:
            codes[call.line_no] = reasons[id(call)]  # type: ignore[index]
    return codes, fees, records


def batch_view(tmp_path: Path, paths: DataPaths, processes: int, memory: int | None = None,
               month: str | None = None) -> tuple[dict[int, str], dict[tuple[str, str], Decimal], int]:
    """Bill with ``processes`` processes (``memory=1``: in partitions; ``month``: ``--month``); (line →
    code of each set-aside record, fees per (month, caller) from the CSV, records read)."""
    out = tmp_path / f"out{processes}"
    result = run_batch(BatchOptions(paths=paths, out=out / "b.txt", anomalies=out / "a.txt", csv=out / "c.csv",
                                    processes=processes, memory=memory, month=month), Translator("en"))
    assert (result.partitions > 0) == (memory is not None)
    codes = {}
    for line in (out / "a.txt").read_text("utf-8").splitlines():
        if not line.startswith("#"):
            m = re.search(r"  # ([a-z-]+): .* \(c\.txt line ([0-9]+)\)$", line)
            assert m is not None, line
            codes[int(m[2])] = m[1]
    fees = {}
    for row in list(csv.reader(io.StringIO((out / "c.csv").read_text("utf-8"))))[1:]:
        month, phone, _, _rent, _feature, local, far, _ = row
        fees[month, phone] = Decimal(local) + Decimal(far)
    return codes, fees, result.records


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines_st, st.sampled_from(["\n", "\r\n"]))
def test_batch_and_menu_paths_equal_a_slow_reading(
        tmp_path: Path, lines: list[str], ending: str) -> None:
    """The batch (one process or two) and the menu's full load agree with a line-by-line reading."""
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_bytes(ending.join(lines + [""]).encode())
    paths = DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None)
    codes, fees, records = slow_reading(lines)
    wanted = {k: v for k, v in fees.items() if v}

    for processes in (1, 2):
        got_codes, got_fees, got_records = batch_view(tmp_path, paths, processes)
        assert got_records == records
        assert got_codes == codes
        assert {k: v for k, v in got_fees.items() if v} == wanted
    menu = Session(paths, backup_dir=tmp_path / "backup", audit_log=tmp_path / "audit.log", operator="t")
    assert menu.records == records
    assert {a.line_no: a.code.value for a in menu.screening().set_aside} == codes
    anomalies = [line for line in (tmp_path / "out1/a.txt").read_text("utf-8").splitlines()
                 if not line.startswith("#")]
    assert [line.rsplit("  # ", 1)[0] for line in anomalies] == [lines[n - 1] for n in sorted(codes)]


def test_long_files_across_many_blocks(tmp_path: Path) -> None:
    """Files of a thousand lines (many 128-line blocks, callers out of order) agree too."""
    import random

    rng = random.Random(7)
    lines = [rng.choice(BAD_LINES) if rng.random() < 0.05 else rng.choice(["  ", "\t"]).join([
        rng.choice(PHONES), rng.choice(["8346123", "02584561234", "0044207946000"]),
        moment(s := rng.randrange(0, 40 * 86_400)),
        moment(s + rng.choice([rng.randrange(-5, 900), 259_200, 259_201]))]) + rng.choice(["", "  # x"])
        for _ in range(1000)]
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text("\n".join(lines) + "\n", "utf-8")
    paths = DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None)
    codes, fees, records = slow_reading(lines)
    got_codes, got_fees, got_records = batch_view(tmp_path, paths, 1)
    assert got_records == records
    assert got_codes == codes
    assert len(set(codes.values())) >= 4
    assert {k: v for k, v in got_fees.items() if v} == {k: v for k, v in fees.items() if v}


@pytest.mark.parametrize("chunk", [1, 2, 7, 10_000])
def test_set_aside_lines_come_in_line_order_whatever_the_chunk(tmp_path: Path, chunk: int) -> None:
    """A part's set-aside lines (overlaps, rules 2 to 4, malformed lines among them, one of them
    longer than any record) come in line order, each once and as written, in chunks of any
    size; the long line alone."""
    from telbill.batch.anomaly_lines import anomaly_chunks
    from telbill.batch.part import Part
    from telbill.batch.plan import Plan
    from telbill.files.loader import MAX_LINE_CHARS
    from telbill.rules.records import User
    from telbill.rules.tariff import DEFAULT_TARIFF

    huge = "8" * (MAX_LINE_CHARS + 5)
    lines = ["83470000  02584561234  2021-01-01 10:10:00  2021-01-01 10:20:00",
             BAD_LINES[0],
             "83470000\t02584561234\t2021-01-01 10:00:00\t2021-01-01 10:15:00",
             "83470001  8346123  2021-01-01 10:00:00  2021-01-01 10:00:30",
             huge,
             "83470001  8346123  2021-01-01 10:00:10  2021-01-01 10:00:20  # inside the one before",
             "19999999  8346123  2021-01-01 10:00:00  2021-01-01 10:00:30",
             BAD_LINES[3],
             "83470002  8346123  2021-01-01 10:00:00  2021-01-05 10:00:30"]
    (tmp_path / "c.txt").write_text("\n".join(lines) + "\n", "utf-8")
    users = [User(phone, f"U{i}", 100, 0) for i, phone in enumerate(PHONES)]
    part = Part(Plan.make(users, tmp_path / "c.txt", DEFAULT_TARIFF, None, Translator("en"), 1))
    part.read()
    part.sweep()
    chunks = list(anomaly_chunks(part, chunk))
    numbers = [n for chunk_numbers, _ in chunks for n in chunk_numbers]
    assert numbers == list(range(1, 10))  # both records of an overlap are set aside
    written = b"".join(piece for _, pieces in chunks for piece in pieces).decode().splitlines()
    assert all(line.startswith(lines[n - 1] + "  # ") for n, line in zip(numbers, written))
    assert written[0].endswith("  # overlap: same caller at the same time as line 3 "
                               "(2021-01-01 10:00:00 to 2021-01-01 10:15:00) (c.txt line 1)")
    assert written[5].endswith("# inside the one before  # overlap: same caller at the same time as line 4 "
                               "(2021-01-01 10:00:00 to 2021-01-01 10:00:30) (c.txt line 6)")
    assert [pieces[0] for n, pieces in chunks if n == [5]] == [huge.encode()]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_batch_writes_each_note_as_the_menu_says_it(tmp_path: Path, lang: str) -> None:
    """Records overlapping one record (identical ones), chains of overlaps, rules 2 to 4 and
    malformed lines: the batch's anomalies file (one process and two) has, line for line, the
    text and note the menu's screening gives each record, in both languages."""
    from telbill.files.report import RunInfo, format_anomalies

    same = "83470000  02584561234  2021-01-05 10:00:00  2021-01-05 10:04:01"
    lines = [same, same, "83470001 8346123 2021-01-01 10:00:00 2021-01-01 10:00:30", same,
             "83470001 8346123 2021-01-01 10:00:20 2021-01-01 10:00:50", BAD_LINES[2], same,
             "83470001 8346123 2021-01-01 10:00:40 2021-01-01 10:01:10",
             "19999999  8346123  2021-01-01 10:00:00  2021-01-01 10:00:30",
             "83470002  8346123  2021-01-01 10:00:00  2021-01-01 09:00:00", same]
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text("\n".join(lines) + "\n", "utf-8")
    paths = DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None)
    tr = Translator(lang)
    menu = Session(paths, backup_dir=tmp_path / "backup", audit_log=tmp_path / "audit.log", operator="t")
    info = RunInfo(str(paths.users), 3, str(paths.calls), 0, 0, 0, None, datetime(2021, 1, 1))
    said = [line for line in format_anomalies(menu.screening().set_aside, info, tr) if not line.startswith("#")]
    assert len(said) == 11
    for processes in (1, 2):
        out = tmp_path / f"out{processes}"
        run_batch(BatchOptions(paths=paths, out=out / "b.txt", anomalies=out / "a.txt", processes=processes), tr)
        written = [line for line in (out / "a.txt").read_text("utf-8").splitlines() if not line.startswith("#")]
        assert written == said


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 10_000])
def test_an_overlaps_partner_in_another_chunk_is_noted_as_the_menu_says_it(tmp_path: Path, chunk: int) -> None:
    """A part's set-aside lines written a few at a time (``chunk``): an overlap's partner is most
    often in the same chunk (its line and moments then taken from the chunk's own fields), here
    often in the one before or after it, or both for records overlapping one record; line for
    line the text and note the menu's screening gives each record."""
    from telbill.batch.anomaly_lines import anomaly_chunks
    from telbill.batch.part import Part
    from telbill.batch.plan import Plan
    from telbill.files.report import RunInfo, format_anomalies
    from telbill.rules.records import User
    from telbill.rules.tariff import DEFAULT_TARIFF

    same = "83470000 02584561234 2021-01-05 10:00:00 2021-01-05 10:04:01"
    lines = [same, "83470001 8346123 2021-01-01 10:00:00 2021-01-01 10:00:30", same,
             "83470001 8346123 2021-01-01 10:00:20 2021-01-01 10:00:50", BAD_LINES[2],
             "83470001 8346123 2021-01-01 10:00:40 2021-01-01 10:01:10",
             "83470002 8346123 2021-01-01 10:00:00 2021-01-01 09:00:00", same,
             "83470001 8346123 2021-01-01 09:59:00 2021-01-01 10:00:05",
             "83470002 8346123 2021-02-01 23:00:00 2021-02-02 00:30:00", same,
             "83470002 8346123 2021-02-01 23:59:59 2021-02-02 00:00:00"]
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text("\n".join(lines) + "\n", "utf-8")
    paths = DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None)
    tr = Translator("en")
    menu = Session(paths, backup_dir=tmp_path / "backup", audit_log=tmp_path / "audit.log", operator="t")
    info = RunInfo(str(paths.users), 3, str(paths.calls), 0, 0, 0, None, datetime(2021, 1, 1))
    said = [line for line in format_anomalies(menu.screening().set_aside, info, tr) if not line.startswith("#")]
    users = [User(phone, f"U{i}", 100, 0) for i, phone in enumerate(PHONES)]
    part = Part(Plan.make(users, paths.calls, DEFAULT_TARIFF, None, tr, 1))
    part.read()
    part.sweep()
    written = b"".join(piece for _, pieces in anomaly_chunks(part, chunk) for piece in pieces).decode().splitlines()
    assert len(said) == 12 and written == said


def test_many_malformed_lines_after_the_last_record_set_aside_are_noted_a_chunk_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A part with one record set aside and many malformed lines after it makes the malformed
    lines' notes a chunk at a time, as it yields them (not all of them before its first chunk)."""
    from telbill.batch import anomaly_lines
    from telbill.batch.part import Part
    from telbill.batch.plan import Plan
    from telbill.rules.records import User
    from telbill.rules.tariff import DEFAULT_TARIFF

    lines = ["19999999  8346123  2021-01-01 10:00:00  2021-01-01 10:00:30", *[BAD_LINES[0]] * 50]
    (tmp_path / "c.txt").write_text("\n".join(lines) + "\n", "utf-8")
    users = [User(phone, f"U{i}", 100, 0) for i, phone in enumerate(PHONES)]
    part = Part(Plan.make(users, tmp_path / "c.txt", DEFAULT_TARIFF, None, Translator("en"), 1))
    part.read()
    part.sweep()
    made = []
    noted = anomaly_lines._malformed_line
    monkeypatch.setattr(anomaly_lines, "_malformed_line", lambda *args: made.append(1) or noted(*args))
    chunks = anomaly_lines.anomaly_chunks(part, 10)
    first = next(chunks)
    assert first[0] == list(range(1, 11)) and len(made) <= 11
    assert [n for numbers, _ in [first, *chunks] for n in numbers] == list(range(1, 52))


def menu_fees(tmp_path: Path, paths: DataPaths) -> dict[tuple[str, str], Decimal]:
    """The fees of the menu's bills per (month, caller), those above 0."""
    menu = Session(paths, backup_dir=tmp_path / "backup", audit_log=tmp_path / "audit.log", operator="t")
    return {(bill.month, row.phone): Decimal(row.local + row.long_distance) / 100
            for bill in menu.bills().months for row in bill.rows if row.local + row.long_distance}


HELD_CALLS = [  # (caller, callee, start, end); the comments say what each is for
    ("83470000", "8346123", "2021-01-31 10:00:00", "2021-01-31 10:10:00"),  # followed, kept
    ("83470002", "8346123", "2021-01-31 09:00:00", "2021-01-31 09:10:00"),
    ("83470000", "02584561234", "2021-01-31 11:00:00", "2021-01-31 11:30:00"),  # followed, billed as read: overlapped
    ("83470001", "8346123", "2021-01-31 09:00:00", "2021-01-31 09:10:00"),  # a caller in start order throughout
    ("83470000", "8346123", "2021-01-31 23:50:00", "2021-02-01 00:20:00"),  # followed across the month's end: overlapped
    ("83470000", "8346123", "2021-01-31 11:20:00", "2021-01-31 11:25:00"),  # out of start order: held; overlaps
    ("83479999", "8346123", "2021-01-31 11:20:00", "2021-01-31 11:25:00"),  # no subscriber
    ("83470002", "0044207946000", "2021-01-31 08:00:00", "2021-01-31 08:30:00"),  # held, overlaps none: billed
    ("83470000", "0044207946000", "2021-02-01 01:00:00", "2021-02-01 01:05:00"),  # after a held one: followed again, kept
    ("83470001", "02584561234", "2021-02-01 09:00:00", "2021-02-01 09:10:00"),
    ("83470000", "8346123", "2021-02-01 00:10:00", "2021-02-01 00:15:00"),  # held, overlaps across the month's end
    ("83470000", "8346123", "2021-02-01 02:00:00", "2021-01-31 02:00:00"),  # a caller with held records, end before start
    ("83470002", "8346123", "2021-01-31 23:59:00", "2021-02-01 00:01:00"),  # followed after a held one, across the month's end
    ("83470000", "02584561234", "2021-02-05 10:00:00", "2021-02-09 10:00:00"),  # a caller with held records, too long
    ("83470000", "8346123", "2021-01-31 09:00:00", "2021-01-31 09:05:00"),  # held, kept, a month billed before
    ("83470000", "02584561234", "2021-02-02 09:00:00", "2021-02-02 09:01:00"),  # followed: billed, taken off
    ("83470000", "02584561234", "2021-02-02 09:00:30", "2021-02-02 09:02:00"),  # held, overlaps the one before
    ("83470002", "8346123", "2021-02-03 09:00:00", "2021-02-03 09:10:00"),  # followed, kept
]


@pytest.mark.parametrize("memory", [None, 1])
def test_records_held_where_out_of_start_order_are_billed_once_swept(tmp_path: Path, memory: int | None) -> None:
    """A caller's records are billed as read but for those out of start order (starting before the
    latest threshold of the caller's records before them): those are held and billed once swept, if
    kept. Whichever way (records billed as read that a held one overlaps, across a month's end,
    rules 2 to 4 among a caller's with held records, followed ones after a held one, a caller
    with held records and no overlap), in one process or two, in memory or in partitions, the
    batch agrees with a slow reading, and the menu's bills with the batch's."""
    lines = ["  ".join(fields) for fields in HELD_CALLS]
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text("\n".join(lines) + "\n", "utf-8")
    paths = DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None)
    codes, fees, records = slow_reading(lines)
    assert sorted(set(codes.values())) == ["end-before-start", "overlap", "too-long", "unknown-caller"]
    assert {number for number, code in codes.items() if code == "overlap"} == {3, 5, 6, 11, 16, 17}
    wanted = {k: v for k, v in fees.items() if v}
    assert {month for month, _ in wanted} == {"2021-01", "2021-02"}
    for processes in (1, 2):
        got_codes, got_fees, got_records = batch_view(tmp_path, paths, processes, memory)
        assert (got_records, got_codes) == (records, codes)
        assert {k: v for k, v in got_fees.items() if v} == wanted
    assert menu_fees(tmp_path, paths) == wanted


dense = st.builds(  # two subscribers and a stranger calling within 70 minutes around the year's end
    lambda caller, callee, start, length: "  ".join([caller, callee, moment(start), moment(start + length)]),
    st.sampled_from(PHONES[:2] + ["83479999"]),
    st.sampled_from(["8346123", "02584561234", "0044207946000"]),
    st.integers(2000, 6000),
    st.one_of(st.integers(-5, 300), st.sampled_from([0, 259_201])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(dense, dense, dense, bad), max_size=200), st.sampled_from([None, "2020-12", "2021-01"]),
       st.sampled_from([None, 1]), st.sampled_from([1, 2]))
def test_dense_callers_held_across_the_years_end_equal_a_slow_reading(
        tmp_path: Path, lines: list[str], month: str | None, memory: int | None, processes: int) -> None:
    """Dense callers (most of their records held once they are out of start order) with calls across
    the year's end, with or without ``--month``, in memory or in partitions, in one process or two:
    the same set-aside records and fees as a line-by-line reading (300 examples passed in review)."""
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text("\n".join([*lines, ""]), "utf-8")
    codes, fees, records = slow_reading(lines)
    wanted = {k: v for k, v in fees.items() if v and month in (None, k[0])}
    got_codes, got_fees, got_records = batch_view(tmp_path, DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None),
                                                  processes, memory, month)
    assert (got_records, got_codes) == (records, codes)
    assert {k: v for k, v in got_fees.items() if v} == wanted


@st.composite
def written_as_they_end(draw: st.DrawFn) -> list[str]:
    """Records of two subscribers and a stranger written mostly as each call ends (a caller's
    records nearly in end order), some moved anywhere before or after (out of order: held), with
    long calls among them whose ends reach past many later starts (a held record's partner far
    before it) and calls sharing a start."""
    rows = draw(st.lists(st.tuples(st.sampled_from(PHONES[:2] + ["83479999"]),
                                   st.sampled_from(["8346123", "02584561234", "0044207946000"]),
                                   st.integers(40, 150).map(lambda minute: minute * 60),  # shared starts often
                                   st.one_of(st.integers(0, 400), st.integers(0, 400), st.integers(1000, 6000),
                                             st.sampled_from([-5, 0, 0, 259_201]))),
                         max_size=120))
    rows.sort(key=lambda row: row[2] + row[3])  # written as each ends
    for _ in range(draw(st.integers(0, 12))):  # some moved elsewhere
        if rows:
            row = rows.pop(draw(st.integers(0, len(rows) - 1)))
            rows.insert(draw(st.integers(0, len(rows))), row)
    return ["  ".join([caller, callee, moment(start), moment(start + length)])
            for caller, callee, start, length in rows]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(written_as_they_end(), st.sampled_from([None, 1]), st.sampled_from([1, 2]),
       st.sampled_from([(1, 1), (2, 3), (3, 7), (WHOLE_AFTER, BLOCK)]))  # (held whole after, a run's lines)
@example(["  ".join(["83470000", "8346123", moment(start), moment(end)])  # a held record's partner's bound is
          for start, end in [(600, 900), (900, 1620), (960, 1020), (720, 780)]], None, 1, (WHOLE_AFTER, BLOCK))
@example(["  ".join(["83470000", "8346123", moment(start), moment(end)])  # a held record sharing the start
          for start, end in [(600, 600), (600, 660)]], 1, 2, (WHOLE_AFTER, BLOCK))  # of a zero-length one before
@example(["  ".join(["83470000", "8346123", moment(start), moment(end)])  # held whole from the next run on:
          for start, end in [(600, 900), (700, 800), (1000, 1100), (2000, 2100)]], None, 1, (1, 3))  # not 1000
def test_records_held_only_where_out_of_order_equal_a_slow_reading(
        tmp_path: Path, lines: list[str], memory: int | None, processes: int, whole: tuple[int, int]) -> None:
    """Where calls are written as they end, only a caller's records that start before the latest
    threshold of its records before them are held, until a caller has some of them (``whole``: how
    many, :data:`~telbill.batch.part.WHOLE_AFTER`, and the lines a run of records read has; with
    fewer than :data:`WHOLE_AFTER`, in any part): then every record of it from the next run on;
    the records billed as read that a
    held one overlaps (before it, near or far) are taken off again, and the held ones that overlap
    none are billed once swept: in memory or in partitions, in one process or two, the same
    set-aside records and fees as a line-by-line reading, and the menu's bills the batch's."""
    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text("\n".join([*lines, ""]), "utf-8")
    paths = DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None)
    codes, fees, records = slow_reading(lines)
    wanted = {k: v for k, v in fees.items() if v}
    share = WHOLE_SHARE if whole[0] == WHOLE_AFTER else len(lines) + 1  # else: every part holds callers whole
    with patch.multiple(part_module, WHOLE_AFTER=whole[0], BLOCK=whole[1], WHOLE_SHARE=share):  # workers are forked
        got_codes, got_fees, got_records = batch_view(tmp_path, paths, processes, memory)
    assert (got_records, got_codes) == (records, codes)
    assert {k: v for k, v in got_fees.items() if v} == wanted
    assert menu_fees(tmp_path, paths) == wanted
