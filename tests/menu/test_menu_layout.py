"""Fitting tables and text to a width, without a console (telbill.menu.layout)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.menu.layout import Column, Fit, units, wrap
from telbill.text.display import width

VALUE = re.compile(r"[A-Za-z0-9./'-]+")


@pytest.mark.parametrize(
    ("text", "columns", "lines"),
    [
        ("与第 235 行同一时间（2021-03-11 10:01:00 至 2021-03-11 10:05:00）", 30,
         ["与第 235 行同一时间", "（2021-03-11 10:01:00 至", "2021-03-11 10:05:00）"]),
        ("the end 2021-02-28 08:59:00 is before the start [2021-03-11 10:01:01]", 30,
         ["the end 2021-02-28 08:59:00 is", "before the start", "[2021-03-11 10:01:01]"]),
        ("the end 2021-02-28 08:59:00 is before", 12,
         ["the end", "2021-02-28", "08:59:00 is", "before"]),           # a date and time apart only if they must
        ("已保存 data/users.txt（原文件已备份为 data/backup/users.txt.20261125-124739-711750）。", 50,
         ["已保存 data/users.txt（原文件已备份为", "data/backup/users.txt.20261125-124739-711750）。"]),
        ("电话号码 83470001 已属于 张强", 12, ["电话号码", "83470001", "已属于 张强"]),
        ("短", 10, ["短"]),
        ("", 10, [""]),
    ],
)
def test_text_folds_only_where_a_reader_expects(text: str, columns: int, lines: list[str]) -> None:
    """Between words and between Chinese characters; never inside a number, date, time or path,
    not between a date and its time when they fit, not inside 第 235 行."""
    assert wrap(text, columns) == lines


def test_a_piece_wider_than_the_line_is_cut_as_the_last_resort() -> None:
    """A path wider than the whole line is cut by columns (nothing else would fit)."""
    assert wrap("data/backup/users.txt.20261125", 12) == ["data/backup/", "users.txt.20", "261125"]


def test_closing_marks_stay_with_what_they_close() -> None:
    """No line starts with a closing mark or ends with an opening one."""
    assert [piece for _, piece in units("金额（元）。好")] == ["金", "额", "（元）。", "好"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["第", "行", "时间", "至", "（", "）", "，", "the", "start"]),
                          st.from_regex(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", fullmatch=True),
                          st.from_regex(r"[0-9]{1,12}", fullmatch=True),
                          st.from_regex(r"data/[a-z]{1,8}\.txt", fullmatch=True)), max_size=12),
       st.integers(20, 120))
def test_no_value_is_broken_and_no_line_is_too_wide(parts: list[str], columns: int) -> None:
    """Any message made of words, dates, times, numbers and paths: every line fits, the text is kept
    (but for spaces), and every value shorter than the line is whole on one line."""
    text = " ".join(parts)
    lines = wrap(text, columns)
    assert all(width(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for value in VALUE.findall(text):
        if width(value) <= columns and " " not in value:
            assert any(value in line for line in lines), (value, lines)


def test_widths_come_from_the_whole_list() -> None:
    """Column widths are set by every row (or a measure of the whole list), not by one page."""
    columns = [Column("No.", "right"), Column("Name", wrap=True), Column("Fee", "right")]
    fit = Fit(columns)
    fit.see([["1", "Li", "0.22"], ["200000", "Ouyang Xiaoming", "1234.56"]])
    assert fit.full == [6, 15, 7]
    fit.widen(2, 9)
    assert fit.layout(80).widths == {0: 6, 1: 15, 2: 9}


@pytest.mark.parametrize(
    ("total", "kept", "gap"),
    [
        (80, [0, 1, 2, 3], 2),
        (43, [0, 1, 2, 3], 2),
        (42, [1, 2, 3], 2),      # the column that may go goes first
        (36, [1, 2, 3], 1),      # then the gap tightens
        (32, [1, 2, 3], 1),      # then the name gets less room (it folds)
    ],
)
def test_a_narrow_screen_drops_then_tightens(total: int, kept: list[int], gap: int) -> None:
    """Data columns keep their full width; droppable columns go, the gap tightens, names fold."""
    columns = [Column("No.", drop=1), Column("Phone"), Column("Start"), Column("Name", wrap=True)]
    fit = Fit(columns)
    fit.see([["1", "83470000", "2021-01-01 10:00", "Zhang Qiang"]])
    layout = fit.layout(total)
    assert (layout.kept, layout.gap) == (kept, gap)
    assert layout.total() <= total
    assert layout.widths[1] == 8 and layout.widths[2] == 16
