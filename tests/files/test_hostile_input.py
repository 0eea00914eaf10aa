"""Hostile data files: any bytes in, a clear result out, and nothing silently lost.

The Hypothesis tests build files line by line, knowing what each line is meant to
be, and check the laws of SPEC §3 against an independent (quadratic) model: every
record is billed or set aside exactly once with the expected code, the money adds
up, the anomalies file holds every set-aside record, and every bad users line is
named with its file, line and value.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import random
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telbill.batch.run import BatchOptions, BatchResult, run_batch
from telbill.files.dataset import DataPaths
from telbill.files.decoding import decode
from telbill.files.loader import load_calls
from telbill.rules.classes import classify
from telbill.rules.fields import month_of, validate_moment
from telbill.rules.screening import AnomalyCode
from telbill.rules.tariff import DEFAULT_TARIFF
from telbill.text.i18n import Translator

from command import run

EN = Translator("en")
PHONES = ["83470000", "83470001", "83470002"]
USERS_TEXT = "".join(f"{p}  User {i}  25.00  6.00\n" for i, p in enumerate(PHONES))
RENT_FEATURE = 3100 * len(PHONES)  # fen per billed month
BASE = datetime(2021, 1, 31, 23, 0, 0)  # calls straddle a month end
FMT = "%Y-%m-%d %H:%M:%S"
HOSTILE_SETTINGS = settings(max_examples=60, deadline=None,
                            suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                   HealthCheck.too_slow])


def bill(users: Path, calls: Path, month: str | None = None) -> BatchResult:
    opts = BatchOptions(paths=DataPaths(users, calls), month=month, out=Path("out/bills.txt"),
                        anomalies=Path("out/anomalies.txt"), csv=Path("out/bills.csv"))
    return run_batch(opts, EN)


def set_aside() -> dict[int, str]:
    """Line number → code of each record in out/anomalies.txt."""
    found = {}
    for line in decode(Path("out/anomalies.txt").read_bytes()).lines:
        if not line.startswith("#"):
            m = re.search(r"  # ([a-z-]+): .* \([^()]* line ([0-9]+)\)$", line)
            assert m is not None, line
            found[int(m[2])] = m[1]
    return found


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""SPEC §10: a CSV cell starting so is written with a leading ``'``."""


def billed_names() -> list[str]:
    """The names of the first month's rows of out/bills.csv."""
    rows = list(csv.reader(io.StringIO(Path("out/bills.csv").read_text("utf-8"))))[1:]
    return [row[2] for row in rows if row[0] == rows[0][0]]


# -- building calls files line by line -----------------------------------------


@dataclass(frozen=True)
class Line:
    """One generated line: its bytes and what the model expects of it."""

    data: bytes
    expect: str
    """``comment``, ``candidate`` (valid unless it overlaps) or an AnomalyCode value."""
    caller: str = ""
    start: int = 0
    end: int = 0
    callee: str = ""


def _record(caller: str, callee: str, start: datetime, end: datetime, expect: str, tail: str = "") -> Line:
    text = f"{caller}  {callee}  {start.strftime(FMT)}  {end.strftime(FMT)}{tail}"
    s = validate_moment(start.strftime(FMT))
    e = validate_moment(end.strftime(FMT))
    return Line(text.encode(), expect, caller, s, e, callee)


callees = st.sampled_from(["83471234", "110", "02584561234", "0044207946000", "010", "00852123"])
starts = st.integers(0, 3 * 86_400).map(lambda s: BASE + timedelta(seconds=s))


@st.composite
def candidate(draw: st.DrawFn) -> Line:
    start = draw(starts)
    seconds = draw(st.one_of(st.integers(0, 900), st.sampled_from([0, 1, 180, 181, 259_200])))
    tail = draw(st.sampled_from(["", "  # a note", "\t#"]))
    return _record(draw(st.sampled_from(PHONES)), draw(callees), start, start + timedelta(seconds=seconds),
                   "candidate", tail)


@st.composite
def too_long(draw: st.DrawFn) -> Line:
    start = draw(starts)
    seconds = draw(st.integers(259_201, 400_000))
    return _record(draw(st.sampled_from(PHONES)), draw(callees), start, start + timedelta(seconds=seconds),
                   AnomalyCode.TOO_LONG.value)


@st.composite
def end_before_start(draw: st.DrawFn) -> Line:
    start = draw(starts)
    caller = draw(st.sampled_from([*PHONES, "83479999"]))
    back = draw(st.integers(1, 500_000))
    return _record(caller, draw(callees), start, start - timedelta(seconds=back),
                   AnomalyCode.END_BEFORE_START.value)


@st.composite
def unknown_caller(draw: st.DrawFn) -> Line:
    start = draw(starts)
    caller = draw(st.sampled_from(["83479999", "999", "12345678901234567890"]))
    seconds = draw(st.integers(0, 400_000))
    return _record(caller, draw(callees), start, start + timedelta(seconds=seconds),
                   AnomalyCode.UNKNOWN_CALLER.value)


MALFORMED_TEXTS = [
    "83470000  110  0000-00-00 10:00:00  2021-01-01 10:00:01",
    "83470000  110  2021-02-29 10:00:00  2021-03-01 10:00:01",
    "83470000  110  2021-01-01 24:00:00  2021-01-02 00:00:01",
    "83470000  110  2021-01-01 23:60:00  2021-01-02 00:00:01",
    "83470000  110  2021-13-01 10:00:00  2021-01-02 00:00:01",
    "83470000  110  2021-1-01 10:00:00  2021-01-02 00:00:01",
    "83470000  110  2021-01-01 10:00  2021-01-02 00:00:01",
    "83470000  110  2021-01-01 10:00:00",
    "83470000  110  2021-01-01 10:00:00  2021-01-01 10:00:01  extra",
    "83470000",
    "８３４７００００  110  2021-01-01 10:00:00  2021-01-01 10:00:01",
    "83470000  12  2021-01-01 10:00:00  2021-01-01 10:00:01",
    "83470000  123456789012345678901  2021-01-01 10:00:00  2021-01-01 10:00:01",
    "8347\x000000  110  2021-01-01 10:00:00  2021-01-01 10:00:01",
    "83470000  110  2021-01-01 10:00:00  2021-01-01 10:00:01\x00",
    "83470000  99999999999.99  2021-01-01 10:00:00  2021-01-01 10:00:01",
    "83470000#  110  2021-01-01 10:00:00  2021-01-01 10:00:01",
]


@st.composite
def malformed(draw: st.DrawFn) -> Line:
    """A fixed bad record, or garbage bytes behind a letter (so it is surely a record)."""
    if draw(st.booleans()):
        return Line(draw(st.sampled_from(MALFORMED_TEXTS)).encode(), AnomalyCode.MALFORMED.value)
    junk = draw(st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")))
    return Line(b"X" + junk, AnomalyCode.MALFORMED.value)


non_record = st.one_of(
    st.sampled_from([b"", b"   ", b"\t \t", b"# comment", b"   # indented comment",
                     "# 注释 GB18030".encode("gb18030"), "# 注释 UTF-8".encode(), b"# \xff\xfe\x00 junk"]),
    st.binary(max_size=40).map(lambda b: b"#" + b.replace(b"\r", b"").replace(b"\n", b"")),
).map(lambda b: Line(b, "comment"))

any_line = st.one_of(candidate(), candidate(), candidate(), too_long(), end_before_start(),
                     unknown_caller(), malformed(), non_record)


@st.composite
def calls_file(draw: st.DrawFn) -> tuple[bytes, list[Line]]:
    lines = draw(st.lists(any_line, max_size=40))
    endings = draw(st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=len(lines), max_size=len(lines)))
    data = b"".join(line.data + end for line, end in zip(lines, endings))
    if lines and draw(st.booleans()):
        data = data[: -len(endings[-1])]  # no newline at the end
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data, lines


def model(lines: list[Line]) -> dict[int, str]:
    """Line number → expected code (``valid`` for billed), by the rules of SPEC §3."""
    expected: dict[int, str] = {}
    candidates: list[tuple[int, Line]] = []
    for number, line in enumerate(lines, 1):
        if line.expect == "candidate":
            candidates.append((number, line))
        elif line.expect != "comment":
            expected[number] = line.expect
    for number, a in candidates:
        clash = any(other != number and a.caller == b.caller
                    and (a.start == b.start or (a.start < b.end and b.start < a.end))
                    for other, b in candidates)
        expected[number] = AnomalyCode.OVERLAP.value if clash else "valid"
    return expected


@HOSTILE_SETTINGS
@given(calls_file())
def test_every_calls_line_is_billed_or_set_aside_with_its_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated: tuple[bytes, list[Line]]) -> None:
    """Any calls file: each record billed or set aside once, with the code the rules give."""
    monkeypatch.chdir(tempfile.mkdtemp(dir=tmp_path))  # a fresh folder for each example
    data, lines = generated
    Path("users.txt").write_text(USERS_TEXT, "utf-8")
    Path("calls.txt").write_bytes(data)
    result = bill(Path("users.txt"), Path("calls.txt"))
    expected = model(lines)

    # Conservation: every record is in exactly one place.
    assert result.records == result.billed + result.set_aside == len(expected)
    codes = set_aside()
    assert codes == {n: code for n, code in expected.items() if code != "valid"}
    assert result.billed == sum(code == "valid" for code in expected.values())

    # The money adds up: rents and fees of the billed calls, nothing else.
    valid = [lines[n - 1] for n, code in expected.items() if code == "valid"]
    fees = sum(DEFAULT_TARIFF.fee(classify(v.callee), v.end - v.start) for v in valid)
    months = {month_of(v.start) for v in valid}
    assert result.grand_total == fees + RENT_FEATURE * len(months)

    # The anomalies file holds every set-aside record, with its code, and loads back.
    # telbill writes its outputs in UTF-8; read back as such (a file valid both as UTF-8 and as
    # GB18030 would otherwise be weighed, and may be taken as GB18030).
    written = decode(codecs.BOM_UTF8 + Path("out/anomalies.txt").read_bytes())
    body = [line for line in written.lines if not line.startswith("#")]
    assert len(body) == result.set_aside
    original = decode(data).lines
    for line, (number, code) in zip(body, sorted(codes.items())):
        assert line.startswith(original[number - 1] + f"  # {code}: ")
        assert line.endswith(f"(calls.txt line {number})")
    assert load_calls(written.lines, "anomalies.txt", written.unreadable).records == len(body)
    header = f"({result.records} records: {len(valid)} billed, {len(body)} set aside)"
    assert header in Path("out/bills.txt").read_text("utf-8")

    # The command itself: exit 0, the same counts, no traceback.
    code, out, err = run("bill", "--users", "users.txt", "--calls", "calls.txt",
                         "--out", "out/b.txt", "--anomalies", "out/a.txt")
    assert code == 0
    assert f"Billed {len(valid)}; set aside {len(body)} " in out
    assert "Traceback" not in out + err
    notices = ("(a save keeps it GB18030)", "(a save keeps it UTF-8)", "keeps such lines byte for byte)")
    if not valid:  # nothing billed: the warning that no caller is in users.txt may come too
        notices += ("is it the users file that goes with these calls?",)
    assert all(line.endswith(notices) for line in err.splitlines())


# -- users files ------------------------------------------------------------------


@dataclass(frozen=True)
class UserLine:
    data: bytes
    expect: str
    """``comment``, ``user`` (with ``name``) or ``bad``."""
    name: str = ""


name_words = st.lists(
    st.text(st.characters(categories=("L", "N"), exclude_characters="\x85\u2028\u2029") | st.sampled_from("·-.'#"),
            min_size=1, max_size=8).filter(lambda w: w.split() == [w] and not w.startswith("#")),
    min_size=1, max_size=4)
amounts = st.sampled_from(["0", "25", "25.5", "25.50", "0.01", "99999999999.99", "999999999999999.99"])
BAD_USER_TEXTS = [
    "8347abc  Zhang  25  6", "83  Zhang  25  6", "123456789012345678901  Zhang  25  6",
    "83479000  25  6", "83479000", "83479000  Zhang  -25  6", "83479000  Zhang  25.001  6",
    "83479000  Zhang  25  6,5", "83479000  Zhang  1e3  6", "83479000  Zhang  1234567890123456  6",
    "83479000  Zh\x00ang  25  6", "83479000  Zh\x1bang  25  6", "83479000  Zh\x9bang  25  6",
    "83479000  " + "名" * 65 + "  25  6",
]


@st.composite
def users_file(draw: st.DrawFn) -> tuple[bytes, list[UserLine]]:
    out: list[UserLine] = []
    phones: list[str] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["user", "user", "user", "dup", "bad", "junk", "comment"]))
        if kind == "user" or (kind == "dup" and not phones):
            phone = f"8348{len(phones):04d}"
            phones.append(phone)
            words = draw(name_words)
            sep = draw(st.sampled_from(["  ", "\t", " \t "]))
            text = sep.join([phone, " ".join(words), draw(amounts), draw(amounts)])
            out.append(UserLine(text.encode(), "user", " ".join(words)))
        elif kind == "dup":
            out.append(UserLine(f"{draw(st.sampled_from(phones))}  Again  1  1".encode(), "bad"))
        elif kind == "bad":
            out.append(UserLine(draw(st.sampled_from(BAD_USER_TEXTS)).encode(), "bad"))
        elif kind == "junk":
            junk = draw(st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")))
            # \xff is no byte of GB18030 either: the file is never read as GB18030 as a whole,
            # where a line this model calls bad (a name with a C1 control character, in UTF-8)
            # can be a good one (Hypothesis found X\x81@ beside Zh\xc2\x9bang).
            out.append(UserLine(b"X" + junk + b"\xff", "bad"))
        else:
            out.append(UserLine(draw(st.sampled_from([b"", b"  ", b"# c", b"  # \xff\xfe", b"#\x00"])), "comment"))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    data = b"".join(line.data + ending for line in out)
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data, out


@HOSTILE_SETTINGS
@given(users_file())
def test_every_bad_users_line_is_named_with_file_line_and_value(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated: tuple[bytes, list[UserLine]]) -> None:
    """Any users file: good lines become users; each bad line is one message; bad lines stop the bill."""
    monkeypatch.chdir(tempfile.mkdtemp(dir=tmp_path))  # a fresh folder for each example
    data, lines = generated
    Path("users.txt").write_bytes(data)
    Path("calls.txt").write_text(f"{PHONES[0]}  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n", "utf-8")
    code, out, err = run("bill", "--users", "users.txt", "--calls", "calls.txt",
                         "--out", "out/b.txt", "--anomalies", "out/a.txt")
    assert "Traceback" not in out + err
    bad = [n for n, line in enumerate(lines, 1) if line.expect == "bad"]
    if not bad:
        assert code == 0
        bill(Path("users.txt"), Path("calls.txt"), month="2021-01")  # every user gets a row
        names = [line.name for line in lines if line.expect == "user"]
        assert billed_names() == [f"'{n}" if n.startswith(FORMULA_STARTS) else n for n in names]
        return
    assert (code, out) == (2, "")
    messages = [m for m in err.splitlines() if not m.startswith("users.txt: ") and " as a whole" not in m
                and "read it as GB18030" not in m]  # the encoding notice comes first
    assert messages[-1] == f"bad lines in users.txt: {len(bad)}; no bills were written"
    assert len(messages) == len(bad) + 1
    for number, message in zip(bad, messages):
        assert message.startswith(f"users.txt line {number}: ")
        assert re.search(r"'.*'", message), message  # the value, quoted
        assert len(message) < 200  # long values are cut
    assert not Path("out").exists()


# -- particular files -----------------------------------------------------------


def _write(tmp_path: Path, users: bytes, calls: bytes) -> tuple[Path, Path]:
    (tmp_path / "u.txt").write_bytes(users)
    (tmp_path / "c.txt").write_bytes(calls)
    return tmp_path / "u.txt", tmp_path / "c.txt"


ONE_CALL = b"83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n"


@pytest.mark.parametrize(
    ("calls", "records"),
    [
        (b"", 0),
        (b"\xef\xbb\xbf", 0),
        (b"\xef\xbb\xbf\r\n", 0),
        (b"# only\n   # comments\n\n#\n", 0),
        (b"\x00\x00\x00\n", 1),
        (b"\x00" * 1000, 1),
        (ONE_CALL.replace(b"\n", b"\r\n") * 3, 3),
        (ONE_CALL + b"\xef\xbb\xbf" + ONE_CALL, 2),
        (ONE_CALL + "# 注释\n".encode("gb18030") + ONE_CALL, 2),
    ],
    ids=["empty", "bom-only", "bom-newline", "comments-only", "nul-line", "nul-no-newline", "crlf",
         "bom-inside", "gb18030-comment"],
)
def test_odd_calls_files_bill_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      calls: bytes, records: int) -> None:
    """Empty, BOM-only, comment-only, NUL and binary files: exit 0 and the counts add up."""
    monkeypatch.chdir(tmp_path)
    users, calls_path = _write(tmp_path, b"83470000  A  1  1\n", calls)
    result = bill(users, calls_path)
    assert result.records == result.billed + result.set_aside == records
    code, _out, err = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 0 and "Traceback" not in err


def test_random_binary_files_never_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random bytes as calls.txt and as users.txt: exit 0 or 2 with messages, never a traceback."""
    monkeypatch.chdir(tmp_path)
    rng = random.Random(6)
    for _ in range(5):
        garbage = bytes(rng.randrange(256) for _ in range(20_000))
        _write(tmp_path, b"83470000  A  1  1\n", garbage)
        code, out, err = run("bill", "--users", "u.txt", "--calls", "c.txt")
        assert code == 0 and "Traceback" not in out + err
        _write(tmp_path, garbage, ONE_CALL)
        code, out, err = run("bill", "--users", "u.txt", "--calls", "c.txt")
        assert code == 2 and out == "" and "Traceback" not in err
        assert err.splitlines()[-1].startswith("bad lines in u.txt: ")


def test_a_single_4mb_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 4 MB calls line is set aside whole, as too long to be a record; a 4 MB users line is
    named with its value cut short."""
    monkeypatch.chdir(tmp_path)
    huge = b"83470000  " + b"7" * 4_000_000 + b"  2021-01-01 10:00:00  2021-01-01 10:01:00"
    _write(tmp_path, b"83470000  A  1  1\n", ONE_CALL + huge + b"\n")
    code, out, _ = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 0 and "Billed 1; set aside 1 (malformed 1," in out
    anomalies = Path("output/anomalies.txt").read_bytes()
    assert anomalies.endswith(huge + b"  # malformed: a line of 4000052 characters, longer than any record "
                                     b"can be (at most 65536) (c.txt line 2)\n")

    _write(tmp_path, b"83470000  " + b"Z" * 4_000_000 + b"  1  1\n", ONE_CALL)
    code, out, err = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == f"u.txt line 1: name '{'Z' * 40}…' is longer than 64 characters"


def test_huge_amounts_and_long_names_are_billed_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """99999999999.99 yuan adds up to the fen; a 64-character name is fine, 65 is named."""
    monkeypatch.chdir(tmp_path)
    long_name = "名" * 64
    users = f"83470000  {long_name}  99999999999.99  99999999999.99\n83470001  B  0  0.01\n"
    _write(tmp_path, users.encode(), ONE_CALL)
    code, out, _ = run("bill", "--users", "u.txt", "--calls", "c.txt", "--csv", "output/b.csv")
    assert code == 0
    assert "grand total 200,000,000,000.21 yuan" in out  # 2 × 99999999999.99 + 0.22 + 0.01
    assert f"2021-01,83470000,{long_name},99999999999.99,99999999999.99,0.22,0.00,200000000000.20" in (
        Path("output/b.csv").read_text("utf-8"))
    _write(tmp_path, f"83470000  {long_name}名  1  1\n83470001  B  1234567890123456  0\n".encode(), ONE_CALL)
    code, _, err = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 2
    assert err.splitlines() == [
        f"u.txt line 1: name '{'名' * 40}…' is longer than 64 characters",
        "u.txt line 2: rent '1234567890123456' is too large (at most 15 digits before the point)",
        "bad lines in u.txt: 2; no bills were written",
    ]


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("0000-00-00 10:00:00", "impossible date '0000-00-00'"),
        ("2021-02-29 10:00:00", "impossible date '2021-02-29'"),
        ("2021-01-01 24:00:00", "impossible time '24:00:00'"),
        ("9999-12-31 23:59:60", "impossible time '23:59:60'"),
    ],
)
def test_impossible_dates_are_set_aside_with_the_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       field: str, reason: str) -> None:
    """0000-00-00, 2021-02-29, 24:00:00: malformed, and the anomalies line quotes the value."""
    monkeypatch.chdir(tmp_path)
    record = f"83470000  110  {field}  2021-03-01 00:00:00"
    _write(tmp_path, b"83470000  A  1  1\n", (record + "\n").encode())
    code, out, _ = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 0 and "Billed 0; set aside 1 (malformed 1," in out
    lines = Path("output/anomalies.txt").read_text("utf-8").splitlines()
    assert lines[-1] == f"{record}  # malformed: {reason} (c.txt line 1)"


def test_last_second_of_9999_is_billed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The far edge of the calendar is a real date, billed in 9999-12."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, b"83470000  A  1  1\n", b"83470000  110  9999-12-31 23:59:00  9999-12-31 23:59:59\n")
    code, out, _ = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 0 and "Months billed: 1 (9999-12)" in out


def test_mixed_encodings_keep_every_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file valid in neither encoding as a whole is read line by line: UTF-8 and GB18030
    lines both read right (the unreadable comment aside); the operator is told."""
    monkeypatch.chdir(tmp_path)
    users = ("83470000  张强  1  1\n".encode() + "83470001  李四  1  1\n".encode("gb18030")
             + "83470002  王五  1  1\n".encode() + b"# \x80\xff unreadable\n")
    _write(tmp_path, users, ONE_CALL)
    bill(Path("u.txt"), Path("c.txt"))
    assert billed_names() == ["张强", "李四", "王五"]
    code, _, err = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 0
    assert err == ("u.txt: neither UTF-8 nor GB18030 as a whole; each line was read as UTF-8 or GB18030 "
                   "where possible, and a line valid in neither is a bad line (a save writes the file as "
                   "UTF-8 and keeps such lines byte for byte)\n")


def test_unreadable_users_line_is_named_but_unreadable_comment_is_a_comment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes valid in no encoding: a problem on a record line, nothing on a comment line."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, b"# \xff\xfe notes\n83470000  A  1  1\n83470001  B\xff  1  1\n", ONE_CALL)
    code, _, err = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 2
    assert err.splitlines() == [
        ("u.txt: neither UTF-8 nor GB18030 as a whole; each line was read as UTF-8 or GB18030 where possible, and "
         "a line valid in neither is a bad line (a save writes the file as UTF-8 and keeps such lines byte for byte)"),
        "u.txt line 3: unreadable bytes (neither UTF-8 nor GB18030): '83470001  B\\xff  1  1'",
        "bad lines in u.txt: 1; no bills were written",
    ]


def test_terminal_control_bytes_are_escaped_in_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ESC and C1 control characters in a name are refused and shown escaped, never sent raw."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "83470000  A\x1b[2J  1  1\n83470001  B\x9b31m  1  1\n".encode(), ONE_CALL)
    code, _, err = run("bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 2
    assert "\x1b" not in err and "\x9b" not in err
    assert err.splitlines()[:2] == [
        "u.txt line 1: name 'A\\x1b[2J' holds a control character (U+001B): an instruction to a terminal or a printer, not a letter",
        "u.txt line 2: name 'B\\x9b31m' holds a control character (U+009B): an instruction to a terminal or a printer, not a letter",
    ]


def test_file_names_with_brackets_and_colons_print_as_they_are(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A path like ``x[red]y:smile:.txt`` is printed literally (no console markup or emoji)."""
    monkeypatch.chdir(tmp_path)
    name = "x[red]y:smile:.txt"
    (tmp_path / name).write_bytes(ONE_CALL)
    (tmp_path / "u.txt").write_bytes(b"83470000  A  1  1\n")
    code, out, _ = run("bill", "--users", "u.txt", "--calls", name)
    assert code == 0 and out.startswith(f"Call records read from {name}: 1, in ")
    code, _, err = run("bill", "--users", "u.txt", "--calls", "[bold]missing.txt")
    assert (code, err) == (2, (f"error: [bold]missing.txt: no such file (looked for in {tmp_path}; name your files "
                              "with --users and --calls, or start from empty files)\n"))


@pytest.mark.skipif(os.name != "posix", reason="bytes file names")
def test_non_utf8_file_name_does_not_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file name that is not UTF-8 is billed; the summary and the file header name it."""
    monkeypatch.chdir(tmp_path)
    raw = os.fsdecode(b"calls-\xff.txt")
    (tmp_path / raw).write_bytes(ONE_CALL)
    (tmp_path / "u.txt").write_bytes(b"83470000  A  1  1\n")
    code, _out, err = run("bill", "--users", "u.txt", "--calls", raw)
    assert code == 0 and "Traceback" not in err
    assert b"# calls: calls-\xff.txt (1 records" in Path("output/bills.txt").read_bytes()


@pytest.mark.parametrize(
    ("tariff", "message"),
    [
        (b"\xff\xfe[\x00l\x00", "error: t.toml: not UTF-8 text"),
        (b"\x00\x01\x02", "error: t.toml line 1: not valid TOML: '\\x00\\x01\\x02'"),
        (b"[local]\nfirst_price = 1e999\n",
         "error: t.toml [local] first_price must be yuan ≥ 0 with at most two decimals, got 1e999"),
        (b"[local]\nfirst_price = nan\n",
         "error: t.toml [local] first_price must be yuan ≥ 0 with at most two decimals, got nan"),
        (b"[local]\nfirst_seconds = 1" + b"0" * 5000 + b"\n", "error: t.toml line 2: not valid TOML: 'first_seconds = 1000"),
        (b"[local]\nstep_seconds = 0\n",
         "error: t.toml [local] step_seconds must be a whole number of seconds ≥ 1, got 0"),
    ],
    ids=["utf16", "binary", "huge-price", "nan", "5000-digits", "zero-step"],
)
def test_hostile_tariff_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    tariff: bytes, message: str) -> None:
    """Garbage or absurd numbers in the tariff: one line naming it, exit 2, nothing written."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, b"83470000  A  1  1\n", ONE_CALL)
    (tmp_path / "t.toml").write_bytes(tariff)
    code, out, err = run("bill", "--users", "u.txt", "--calls", "c.txt", "--tariff", "t.toml")
    assert (code, out) == (2, "")
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "output").exists()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(users_file())
def test_a_save_from_the_menu_keeps_every_line_it_did_not_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, generated: tuple[bytes, list[UserLine]]) -> None:
    """Comments, bad lines and unreadable bytes survive a save; only the new line is added."""
    session_mod = pytest.importorskip("telbill.session.facade")
    monkeypatch.chdir(tempfile.mkdtemp(dir=tmp_path))
    data, _ = generated
    Path("users.txt").write_bytes(data)
    Path("calls.txt").write_bytes(ONE_CALL)
    session = session_mod.Session(DataPaths(Path("users.txt"), Path("calls.txt")),
                                  audit_log=Path("audit.log"), operator="t")
    session.add_user("83999999", "New", 100, 0)
    before, after = decode(data), decode(Path("users.txt").read_bytes())
    assert after.lines == [*before.lines, "83999999  New  1.00  0.00"]
    assert after.format == before.format or not before.lines
    session.undo()
    assert Path("users.txt").read_bytes() == data
