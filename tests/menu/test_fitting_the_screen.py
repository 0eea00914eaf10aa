"""Fitting tables and text to the screen's width (menu/layout.py, pure, tested without a console; then
the items at 80 columns): no value cut, Chinese folded where a reader expects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from telbill.files.dataset import DataPaths
from telbill.menu.layout import Column, Fit, clip, units, wrap
from telbill.rules.fields import format_fen, format_moment
from telbill.session.facade import Session
from telbill.text.display import width
from telbill.text.i18n import Translator

from terminal import EN, ENTER, ESC, KEY, ZH, typed_session

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


@pytest.mark.parametrize(("text", "columns", "lines"), [
    ("异常话单共 16 条（格式错误 4，结束早于开始 2，未知主叫 2，时长超过三天 2，时间重叠 6）。", 80,
     ["异常话单共 16 条（格式错误 4，结束早于开始 2，未知主叫 2，时长超过三天 2，", "时间重叠 6）。"]),
    ("该话单计费时将被列为异常（时间重叠）：与第 235 行同一号码同一时间", 40,
     ["该话单计费时将被列为异常（时间重叠）：", "与第 235 行同一号码同一时间"]),
    ("对 data/users.txt 的修改无法保存：它是只读的，或当前用户无权写入它", 40,
     ["对 data/users.txt 的修改无法保存：", "它是只读的，或当前用户无权写入它"]),
    ("没有标点也没有空格的一长串中文字符需要折行", 12, ["没有标点也没", "有空格的一长", "串中文字符需", "要折行"]),
])
def test_chinese_breaks_between_words_or_after_punctuation(text: str, columns: int, lines: list[str]) -> None:
    """A line ends after a comma, a closing mark or at a space when one is on it, not inside a
    word (时间重 / 叠); a run with neither breaks between characters, as it must."""
    assert wrap(text, columns) == lines


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


def whole(value: str, screen: str) -> bool:
    """``value`` is on the screen with no digit, dot or dash glued to it (not cut, not part of another)."""
    return re.search(rf"(?<![\d.-]){re.escape(value)}(?![\d.-])", screen) is not None


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
def test_tables_at_80_columns_cut_no_data(workdir: Path, tr: Translator) -> None:
    """At 80 columns, item 2 shows every caller, callee, start and fee whole and the set-aside column;
    item 12 every month and amount, bars shrunk to fit; no line is wider than the screen."""
    typed = "2" + ENTER + KEY + "12" + ENTER + KEY + "0" + ENTER
    code, screen, _ = typed_session(typed, height=1000, width=80, tr=tr)
    assert code == 0
    assert max(cell_len(line.rstrip()) for line in screen.splitlines()) <= 80
    s = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")))
    calls = screen.split(tr("menu.item.12"))[0]
    assert tr("menu.col.note") in calls
    for call in s.calls:
        fen = s.fee(call)
        for value in (call.caller, call.callee, format_moment(call.start), "-" if fen is None else format_fen(fen)):
            assert whole(value, calls), value
    for code in ("unknown-caller", "too-long"):  # the reason whole, in the short form of a narrow list
        assert tr(f"menu.note_short.{code}") in calls
    stats = screen.split(tr("menu.item.12"))[1]
    for r in s.statistics(10).revenue:
        for value in (r.month, format_fen(r.local), format_fen(r.long_distance), format_fen(r.local + r.long_distance)):
            assert whole(value, stats), value
    assert "█" * 20 in stats and "█" * 41 not in stats


@pytest.mark.parametrize("tr", [EN, ZH])
def test_a_refusal_too_long_for_one_line_puts_the_way_back_on_its_own(few: Path,
                                                                   tr: Translator) -> None:
    """At 80 columns a refusal that does not fit with its way back shows the reason, then the way
    back whole on the next line; one that fits keeps both on one line."""
    typed = "4" + ENTER + "83470000" + ENTER + "83471111" + ENTER + "2021-01-05 10:00:00" + ENTER
    typed += "2021-01-05 09:00:00" + ENTER + ESC + "0" + ENTER
    code, screen, _ = typed_session(typed, width=80, tr=tr, height=40)
    assert code == 0
    hint = tr("menu.error.way_out", reason="").strip()
    lines = [line.rstrip() for line in screen.splitlines()]
    assert hint in lines  # a line of its own, whole
    reason = lines[lines.index(hint) - 1]
    assert "2021-01-05 09:00:00" in reason and "2021-01-05 10:00:00" in reason


@pytest.mark.parametrize("tr", [EN, ZH])
def test_a_question_too_long_for_its_keys_shows_them_on_the_next_line(workdir: Path, tr: Translator) -> None:
    """At 60 columns item 13's question and its keys do not fit on one line: the keys (a number or
    the arrows, Enter, Esc) are shown whole on the line under the question, not dropped."""
    code, _, drawn = typed_session("13" + ENTER + ESC + "0" + ENTER, width=60, tr=tr)
    assert code == 0
    question, hint = tr("menu.ask.backup_what"), tr("menu.hint.select")
    lines = [line.strip() for line in drawn.splitlines()]
    at = next(i for i, line in enumerate(lines) if line.startswith(f"? {question}"))
    assert hint not in lines[at]
    assert hint in lines[at + 1:at + 3]


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from(list("李娜。，（）ab 1")), max_size=12), st.integers(-1, 4))
def test_any_text_folds_at_the_narrowest_screens_without_an_error(text: str, columns: int) -> None:
    """A question folded for a terminal of 3 columns or fewer (``columns - 2``): no error (an
    IndexError at 1 column, found in review); from 2 columns on, where a Chinese character fits,
    every line fits and the text is kept (but for the spaces at the breaks)."""
    lines = wrap(text, columns)
    if columns >= 2:
        assert all(width(line) <= columns for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize(("text", "columns", "shown_as"), [
    ("13800138000 0085212345678 2021-02-12 20:00:00", 30, "13800138000 0085212345678…"),
    ("83470005 8346000x 2021-01-05 10:00:00 2021-01-05 10:01:00", 30, "83470005 8346000x…"),
    ("ends 2021-01-10 10:00:00, before it starts 2021-01-10 10:05:00", 58, "ends 2021-01-10 10:00:00, before it starts…"),
    ("13800138000 0085212345678", 12, "13800138000…"),
    ("13800138000 0085212345678", 8, "1380013…"),  # the first value alone does not fit: cut, the last resort
    ("short", 8, "short"),
])
def test_a_shortened_value_ends_between_values(text: str, columns: int, shown_as: str) -> None:
    """A row a line shortens a record or reason with ``…`` only where a line may break: a phone, a
    date or a time is whole or left out, never cut (``138001380…``, ``2021-01-…``)."""
    assert clip(text, columns) == shown_as
    assert width(clip(text, columns)) <= columns
