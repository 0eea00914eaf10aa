"""Reading users.txt and calls.txt per SPEC §1."""

from __future__ import annotations

import gc
import io

import pytest

from telbill.files.decoding import decode, encode
from telbill.files.loader import load_calls, load_users
from telbill.rules.fields import format_moment
from telbill.speed import MANY_MADE, keep_frozen, paused_gc, stop_keeping_frozen
from telbill.text.i18n import Translator

EN = Translator("en")


def test_users_fields_names_and_comments() -> None:
    """Whitespace fields, names of several words in any script, comments ignored."""
    text = io.StringIO(
        "# phone name rent feature\n"
        "\n"
        "83470000  Zhang   Qiang  25.00  6.00\n"
        "83470001\t张强\t25\t6.5   # trailing comment\n"
        "   # indented comment\n"
        "83470002  Li#Na  0  0\r\n"
    )
    loaded = load_users(text, "users.txt")
    assert loaded.problems == []
    users = list(loaded.users)
    assert [(u.phone, u.name, u.rent, u.feature, u.line_no) for u in users] == [
        ("83470000", "Zhang Qiang", 2500, 600, 3),
        ("83470001", "张强", 2500, 650, 4),
        ("83470002", "Li#Na", 0, 0, 6),
    ]
    assert users[1].raw == "83470001\t张强\t25\t6.5   # trailing comment"
    assert loaded.lines[0] == "# phone name rent feature"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("8347abc  Zhang  25  6", "users.txt line 1: phone '8347abc' is not 3 to 20 digits"),
        ("83  Zhang  25  6", "users.txt line 1: phone '83' is not 3 to 20 digits"),
        ("83470000  25  6", "users.txt line 1: expected PHONE NAME RENT FEATURE, found 3 fields in '83470000  25  6'"),
        ("83470000  Zhang  -25  6", "users.txt line 1: rent '-25' is negative"),
        ("83470000  Zhang  25.001  6", "users.txt line 1: rent '25.001' has more than two decimals"),
        ("83470000  Zhang  25  6,5", "users.txt line 1: feature fee '6,5' is not an amount of yuan"),
        ("83470000  Zh\x00ang  25  6", "users.txt line 1: name 'Zh\\x00ang' holds a control character (U+0000): an instruction to a terminal or a printer, not a letter"),
    ],
)
def test_bad_user_lines_name_file_line_and_value(line: str, message: str) -> None:
    """Each bad users line is a problem naming the file, the line and the bad value."""
    loaded = load_users(io.StringIO(line + "\n"), "users.txt")
    assert [p.render(EN) for p in loaded.problems] == [message]
    assert len(loaded.users) == 0


def test_duplicate_phone_names_both_lines() -> None:
    """A repeated phone is a problem on the repeat that names the first line."""
    loaded = load_users(io.StringIO("111  A  1  1\n222  B  1  1\n111  C  1  1\n"), "u.txt")
    assert [p.render(EN) for p in loaded.problems] == [("u.txt line 3: phone '111' repeats line 1 (this line reads "
                                                       "'111  C  1  1')")]
    assert [u.name for u in loaded.users] == ["A", "B"]


def test_a_repeated_phone_quotes_the_repeats_text_as_other_values_are() -> None:
    """The repeat's text is quoted as every value of a message is: without its line end, cut at 40
    characters, so that a long name does not fill the terminal (and escaped: nothing from a file
    reaches the terminal raw)."""
    name = "Duplicate " + "N" * 50
    loaded = load_users(io.StringIO(f"111  A  1  1\r\n111  {name}  1  1\r\n"), "u.txt")
    [problem] = loaded.problems
    assert problem.render(EN) == f"u.txt line 2: phone '111' repeats line 1 (this line reads '{f'111  {name}'[:40]}…')"


def test_calls_are_parsed_strictly() -> None:
    """Six fields, digits only, real dates and times; times kept as integer seconds."""
    loaded = load_calls(io.StringIO(
        "# c\n"
        "83470000  02584561234  2020-12-31 23:58:10  2021-01-01 00:03:05\n"
        "83470000  0258456123x  2020-12-31 23:58:10  2021-01-01 00:03:05\n"
        "83470000  025  2021-02-29 10:00:00  2021-03-01 00:00:00\n"
        "83470000  025  2021-02-28 24:00:00  2021-03-01 00:00:00\n"
        "83470000  025  2021-2-28 10:00:00  2021-03-01 00:00:00\n"
        "83470000  025  2021-02-28 10:00:00\n"
        "８３４７００００  025  2021-02-28 10:00:00  2021-03-01 00:00:00\n"
    ), "calls.txt")
    calls = list(loaded.calls)
    assert len(calls) == 1 and loaded.records == 7
    call = calls[0]
    assert call.duration == 295
    assert format_moment(call.start) == "2020-12-31 23:58:10"
    assert call.month == "2020-12"
    reasons = [(b.line_no, EN(b.key, **b.params)) for b in loaded.malformed]
    assert reasons == [
        (3, "callee '0258456123x' is not 3 to 20 digits"),
        (4, "impossible date '2021-02-29'"),
        (5, "impossible time '24:00:00'"),
        (6, "date '2021-2-28' is not like 2021-01-31"),
        (7, "expected 6 fields (CALLER CALLEE DATE TIME DATE TIME), found 4"),
        (8, "caller '８３４７００００' is not 3 to 20 digits: '８' is a full-width digit (write 0-9)"),
    ]


@pytest.mark.parametrize(("start", "en", "zh"), [
    ("2021-02-29 10:00:00", "impossible date '2021-02-29'", "日期 '2021-02-29' 不存在"),
    ("2021/02/28 10:00:00", "date '2021/02/28' is not like 2021-01-31",
     "日期 '2021/02/28' 不是 2021-01-31 这样的格式"),
    ("2021-02-28 24:00:00", "impossible time '24:00:00'", "时间 '24:00:00' 不存在"),
    ("2021-02-28 9:00:00", "time '9:00:00' is not like 08:00:00", "时间 '9:00:00' 不是 08:00:00 这样的格式"),
])
def test_a_bad_date_or_time_says_whether_it_is_impossible_or_misshapen(start: str, en: str, zh: str) -> None:
    """A malformed record's reason tells an impossible date or time from one written another way, in
    both languages (the Chinese said 不存在或格式有误 for both)."""
    loaded = load_calls(io.StringIO(f"83470000  025  {start}  2021-03-01 00:00:00\n"), "calls.txt")
    (bad,) = loaded.malformed
    assert (EN(bad.key, **bad.params), Translator("zh")(bad.key, **bad.params)) == (en, zh)


def test_decode_utf8_bom_crlf() -> None:
    """A UTF-8 BOM is dropped and CRLF endings are accepted."""
    decoded = decode("\ufeff83470001  张强  25  6\r\n".encode("utf-8"))
    assert decoded.encoding == "utf-8"
    assert decoded.lines == ["83470001  张强  25  6"]


def test_decode_falls_back_to_gb18030() -> None:
    """A file that is not UTF-8 is read as GB18030 and says so."""
    decoded = decode("83470001  张强  25  6\n".encode("gb18030"))
    assert decoded.encoding == "gb18030"
    assert decoded.lines == ["83470001  张强  25  6"]


def test_undecodable_line_is_a_bad_line_and_its_bytes_survive() -> None:
    """Bytes valid in neither encoding make that line unreadable; saving writes them back."""
    data = "111  张强  1  1\n".encode() + "222  李四  1  1\n".encode("gb18030") + b"333 \xff\xfe 1 1\n"
    decoded = decode(data)
    assert decoded.encoding == "mixed"
    assert decoded.unreadable == frozenset({3})
    loaded = load_users(decoded.lines, "u.txt", decoded.unreadable)
    assert [u.name for u in loaded.users] == ["张强", "李四"]
    assert [p.line_no for p in loaded.problems] == [3]
    assert encode(decoded.lines).endswith(b"333 \xff\xfe 1 1\n")


LONG = "83470000  " + "1 " * 35_000  # 70 KiB of one-digit tokens


@pytest.mark.parametrize(("line", "records"), [
    (LONG, 1),
    ("   # " + "x" * 70_000, 0),
    (" " * 70_000, 0),
    ("83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00  # " + "x" * 70_000, 1),
])
def test_a_line_longer_than_any_record_is_set_aside_whole(line: str, records: int) -> None:
    """A line over 64 KiB is one malformed record, its text kept, never split into fields;
    a blank or comment line of that length is still skipped."""
    loaded = load_calls([line, "83470001  110  2021-01-01 10:00:00  2021-01-01 10:01:00"], "calls.txt")
    assert loaded.records == records + 1
    assert len(loaded.calls) == 1
    if records:
        (bad,) = loaded.malformed
        assert (bad.line_no, bad.raw, bad.key) == (1, line, "calls.line_long")
        assert EN(bad.key, **bad.params) == (f"a line of {len(line)} characters, longer than any record "
                                             "can be (at most 65536)")
    else:
        assert loaded.malformed == []


def test_paused_collection_keeps_frozen_objects_frozen_and_freezes_only_a_load() -> None:
    """With objects kept frozen (the menu's records), a pause of the collector leaves them frozen;
    a few objects made meanwhile (an edit) stay collectable, a load's many join the frozen ones."""
    keep_frozen()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            few = [[i] for i in range(10)]
        assert gc.get_freeze_count() == frozen
        assert all(any(o is made for o in gc.get_objects(generation=0)) for made in few)
        with paused_gc():
            many = [[i] for i in range(2 * MANY_MADE)]
        assert gc.get_freeze_count() > frozen + len(many)
        assert not any(o is many[0] for o in gc.get_objects())
    finally:
        stop_keeping_frozen()


def test_a_pause_of_the_collector_never_counts_the_frozen_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """gc.get_freeze_count walks every frozen object (20 ms at a million records): a pause of the
    collector, which every edit makes, does not ask it."""
    def counted() -> int:
        raise AssertionError("the frozen objects were counted")

    keep_frozen()
    try:
        monkeypatch.setattr(gc, "get_freeze_count", counted)
        with paused_gc():
            made = [[i] for i in range(10)]
        assert any(o is made[0] for o in gc.get_objects(generation=0))
    finally:
        monkeypatch.undo()
        stop_keeping_frozen()


def test_paused_collection_freezes_nothing_when_nothing_was_frozen() -> None:
    """Outside the menu, a pause of the collector leaves nothing frozen: what was made is in the oldest generation."""
    assert gc.get_freeze_count() == 0
    with paused_gc():
        made = [[i] for i in range(1000)]
    assert gc.get_freeze_count() == 0
    assert any(o is made[0] for o in gc.get_objects(generation=2))
