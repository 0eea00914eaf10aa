"""Field rules shared by the loader and the menu: names on their raw text, months, escapes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from telbill.errors import ValidationError
from telbill.files.loader import load_users
from telbill.rules.fields import (
    parse_month,
    validate_clock,
    validate_money,
    validate_month,
    validate_name,
    validate_phone,
)
from telbill.text.display import quote, shown
from telbill.text.i18n import Translator


@pytest.mark.parametrize(("ch", "key"), [
    *((ch, "users.name_control") for ch in ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\x1b", "\x7f"]),
    *((ch, "users.name_direction") for ch in ["\u202e", "\u202a", "\u200f", "\u2066", "\u2069", "\u061c"]),
    *((ch, "users.name_invisible") for ch in ["\ufeff", "\u200b", "\u2060", "\xad"]),
    ("\u2028", "users.name_line_break"), ("\u2029", "users.name_line_break"), ("\udcff", "users.name_unreadable")])
def test_control_character_in_a_name_makes_a_bad_line(ch: str, key: str) -> None:
    """str.split would take some of these as a space; telbill refuses the line instead, and says
    what the character is in words (a bidi override is not a "control character" to an operator)."""
    loaded = load_users([f"83470000  Evil{ch}Name  25  6"], "users.txt")
    assert len(loaded.users) == 0
    assert [p.key for p in loaded.problems] == [key]
    assert "\\" in str(loaded.problems[0])  # shown escaped
    with pytest.raises(ValidationError) as caught:
        validate_name(f"Evil{ch}Name")
    assert caught.value.key == key


@pytest.mark.parametrize(("ch", "en", "zh"), [
    ("\u202e", "holds an invisible mark (U+202E) that changes the direction text is shown in", "改变文字显示方向的标记（U+202E）"),
    ("\u200b", "holds an invisible character (U+200B)", "含有看不见的字符（U+200B）"),
    ("\x1b", "holds a control character (U+001B)", "含有控制字符（U+001B）"),
    ("\u2028", "holds a line break (U+2028)", "含有换行符（U+2028）")])
def test_a_refused_name_says_what_it_holds_in_words(ch: str, en: str, zh: str) -> None:
    """Both languages name the character by its code point and say what it does; a format character is
    never called a control character."""
    problem = load_users([f"83470000  Evil{ch}Name  25  6"], "users.txt").problems[0]
    assert en in problem.render(Translator("en")) and zh in problem.render(Translator("zh"))
    if ch not in "\x1b":
        assert "control" not in problem.render(Translator("en")) and "控制" not in problem.render(Translator("zh"))


def test_ideographic_space_and_tabs_separate_fields() -> None:
    """Tabs and the ideographic space are separators; the name keeps single spaces."""
    loaded = load_users(["83470000\t欧阳\u3000小明\t25\t6"], "users.txt")
    assert [u.name for u in loaded.users] == ["欧阳 小明"]


@pytest.mark.parametrize("text, month", [("2021-01", "2021-01"), ("2021-13", None), ("0000-01", None),
                                         ("2021-1", None), ("２０２１-０１", None)])
def test_one_month_rule(text: str, month: str | None) -> None:
    """The --month option and the menu use the same rule."""
    assert parse_month(text) == month


def test_time_alone_gets_an_error_about_a_time() -> None:
    """`9:00` at a time prompt: not a time like 08:00:00."""
    with pytest.raises(ValidationError) as info:
        validate_clock("9:00")
    assert str(info.value) == "'9:00' is not a time like 08:00:00"


@pytest.mark.parametrize("raw, seen", [
    ("\x1b[2J\x1b]0;PWNED\x07", "\\x1b[2J\\x1b]0;PWNED\\x07"),
    ("\ufeff83480201", "\\ufeff83480201"),
    ("a\u202eb", "a\\u202eb"),
    ("bad \udcff byte", "bad \\xff byte"),
    ("张强 Zhang\u3000Qiang", "张强 Zhang\u3000Qiang"),
])
def test_shown_escapes_what_a_terminal_would_obey_or_hide(raw: str, seen: str) -> None:
    """Escapes, BOM, bidi controls and unreadable bytes are shown escaped; any script is shown as is."""
    assert shown(raw) == seen
    assert shown(shown(raw)) == seen
    assert quote(raw) == f"'{seen}'"


@pytest.mark.parametrize("typed, value", [
    (lambda: validate_phone("８３４７０１００"), "83470100"),
    (lambda: validate_money("２５．５", "rent"), 2550),
    (lambda: validate_month("２０２１－０１"), "2021-01"),
    (lambda: validate_clock("０８：０５：００"), 8 * 3600 + 5 * 60),
])
def test_full_width_digits_typed_by_a_chinese_input_method_are_understood(typed: Any, value: object) -> None:
    """What an operator types with a Chinese input method on (full-width) is taken as ASCII."""
    assert typed() == value


def test_full_width_digits_in_a_data_file_are_still_not_digits() -> None:
    """In users.txt a full-width phone stays a bad line (the rule for typed answers does not apply)."""
    loaded = load_users(["８３４７０１００  A  1  1"], "users.txt")
    assert not loaded.users and [p.key for p in loaded.problems] == ["users.phone_wide"]


def test_moments_as_columns_are_written_as_one_by_one() -> None:
    """``moment_texts`` and ``moment_fields`` write each moment as ``format_moment`` does, from
    the first second of year 1 to the last of 9999, and ``joined_moments`` of the fields gives
    the moments back."""
    import random

    from telbill.rules.fields import SECONDS_PER_DAY, format_moment, joined_moments, moment_fields, moment_texts

    rng = random.Random(3)
    last = date(9999, 12, 31).toordinal() * SECONDS_PER_DAY + SECONDS_PER_DAY - 1
    moments = [SECONDS_PER_DAY, last, *(rng.randrange(SECONDS_PER_DAY, last) for _ in range(2000))]
    texts = list(map(format_moment, moments))
    assert moment_texts(moments) == texts
    dates, clocks = moment_fields(moments)
    assert joined_moments(dates, clocks) == texts
    assert texts[:2] == ["0001-01-01 00:00:00", "9999-12-31 23:59:59"]


def test_the_next_month_starts_on_the_day_month_of_says() -> None:
    """NEXT_MONTH_DAY of any day is the first day month_of puts in another month: at month and year
    ends, in February of leap years and not, and in December of year 9999 (no next month)."""
    from telbill.rules.fields import NEXT_MONTH_DAY, SECONDS_PER_DAY, month_of

    days = [date(y, m, d).toordinal() for y in (1, 2020, 2021, 2100, 9999) for m in (1, 2, 11, 12)
            for d in (1, 15, 28)]
    days += [date(2020, 2, 29).toordinal(), date(2021, 12, 31).toordinal(), date(9999, 12, 31).toordinal()]
    for day in days:
        following = NEXT_MONTH_DAY[day]
        assert following > day
        assert month_of((following - 1) * SECONDS_PER_DAY) == month_of(day * SECONDS_PER_DAY)
        if following <= date.max.toordinal():
            assert month_of(following * SECONDS_PER_DAY) != month_of(day * SECONDS_PER_DAY)
            assert date.fromordinal(following).day == 1
