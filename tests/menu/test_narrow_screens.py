"""Lists on narrow screens (docs/menu.md, "What the screen shows"; newuser7 finding 4: at 60
columns item 2 cut dates and phones over three lines). A phone, date or time is never cut: a call
list leaves out columns first (the end, the row number, then the class and the reason), then puts
each date above its time (a row takes two lines); on a screen too narrow even for that, the list
says how wide the screen must be. Item 2 at 80, 60 and 40 columns in English and Chinese, and the
lists of items 1, 6 and 10 at 60."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from terminal import EN, ENTER, ZH, typed_session

DATE, TIME = re.compile(r"\b\d{4}-\d\d-\d\d\b"), re.compile(r"\b\d\d:\d\d:\d\d\b")
PIECE_OF_A_DATE = re.compile(r"\d{4}-")
PIECE_OF_A_TIME = re.compile(r"\S*\d:\d\S*")


def _phones(folder: Path) -> set[str]:
    """Every caller and callee of calls.txt, and every phone of users.txt."""
    phones = set()
    for name in ("calls.txt", "users.txt"):
        for line in (folder / "data" / name).read_text("utf-8").splitlines():
            fields = line.split()
            phones.update(f for f in fields[:2] if f.isdigit())
    return phones


def _table(screen: str) -> list[str]:
    """The lines of the first table on the screen: from the rule under its heads to the first line
    that is blank or does not start as a row (with a digit or a space)."""
    lines = screen.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("──"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip() or lines[i][0] not in " 0123456789"),
               len(lines))
    return lines[start + 1:end]


def _nothing_cut(rows: list[str], phones: set[str]) -> None:
    for line in rows:
        assert len(PIECE_OF_A_DATE.findall(line)) == len(DATE.findall(line)), line  # a date whole
        for clock in PIECE_OF_A_TIME.findall(line):
            assert re.fullmatch(r"-?\d+:\d\d:\d\d", clock), line  # a time or duration whole
        for number in re.findall(r"\b\d{7,}\b", line):
            assert number in phones, line  # a phone whole, never a piece of one


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
@pytest.mark.parametrize("columns", [80, 60])
def test_item_2_keeps_every_phone_date_and_time_whole(workdir: Path, tr: object, columns: int) -> None:
    """Item 2 at 80 and 60 columns: every phone, date and time whole (at 60 the time under its date)."""
    run = typed_session("2" + ENTER, width=columns, height=40, tr=tr)  # type: ignore[arg-type]
    rows = _table(run.screen)
    assert len(rows) > 5
    assert all(len(line) <= columns for line in rows)
    _nothing_cut(rows, _phones(workdir))
    dates = sum(len(DATE.findall(line)) for line in rows)
    assert dates >= len([line for line in rows if line[:1].isdigit()])  # a date for each row shown
    if columns == 60:  # a row takes two lines: the date, and its time under it
        assert TIME.match(rows[1].strip())
    else:
        assert all(TIME.search(line) for line in rows)


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
def test_item_2_says_how_wide_the_screen_must_be_when_nothing_fits(workdir: Path, tr: object) -> None:
    """Item 2 at 40 columns says how many columns it needs to show every value whole."""
    run = typed_session("2" + ENTER, width=40, height=40, tr=tr)  # type: ignore[arg-type]
    needed = "needs 53 to show" if tr is EN else "需要 53 列"
    assert needed in run.screen.replace("\n", " ")


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
@pytest.mark.parametrize("keys", ["1" + ENTER, "6" + ENTER + "2" + ENTER + "83470001" + ENTER, "10" + ENTER],
                         ids=["item1", "item6", "item10"])
def test_other_lists_keep_every_phone_and_date_whole_at_60_columns(workdir: Path, tr: object, keys: str) -> None:
    """Items 1, 6 and 10 at 60 columns: every phone and date whole, and no word of a screen too narrow."""
    run = typed_session(keys, width=60, height=40, tr=tr)  # type: ignore[arg-type]
    rows = _table(run.screen)
    assert rows
    assert all(len(line) <= 60 for line in rows)
    assert "needs" not in run.screen and "需要" not in run.screen
    _nothing_cut([line for line in rows if "…" not in line], _phones(workdir))


def test_the_chinese_heading_folds_between_phrases_at_40_columns(data: Path) -> None:
    """The heading in Chinese on a 40-column terminal folds by the menu's one rule: a count stays
    with its measure word and its 计费 (rich broke it as 计费 991,286 / 条)."""
    screen = typed_session("0" + ENTER, width=40, tr=ZH).screen
    body = [line.strip("│ ") for line in screen.split("╮")[1].split("╰")[0].splitlines() if line.strip()]
    assert body == ["用户：3 个（data/users.txt）", "话单：7 条（data/calls.txt）：", "计费 5 条，异常 2 条",
                    "资费：默认标准资费"]


def test_a_long_count_stays_with_its_chinese_words() -> None:
    """A number of any length, thousands separators and all, is not parted from the Chinese on
    either side of it (a short word or number never was: 第 235 行)."""
    from telbill.menu.layout import wrap

    assert wrap("话单：1,000,000 条（data/calls.txt）：计费 991,286 条，异常 8,546 条", 24) == [
        "话单：1,000,000 条", "（data/calls.txt）：", "计费 991,286 条，", "异常 8,546 条"]


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
def test_item_2_at_60_columns_keeps_the_class_and_never_shows_a_cut_reason(workdir: Path, tr: object) -> None:
    """Item 2 at 60 columns (G: its last page, with calls set aside): the class stays (SPEC §6: the
    list shows class, duration, fee); the reason goes before it, whole or not at all (the fee
    ``-`` marks the call; item 10 gives why), never cut to ``时间…``."""
    run = typed_session("2" + ENTER + "G" + "q" + "0" + ENTER, width=60, height=30, tr=tr)  # type: ignore[arg-type]
    lines = run.screen.split("Call records (data" if tr is EN else "话单（data")[-2].splitlines()  # the last page
    rule = max(i for i, line in enumerate(lines) if line.startswith("──"))
    assert ("Class" if tr is EN else "类别") in lines[rule - 1]
    rows = [line for line in lines[rule:] if re.search(r"\d:\d\d:\d\d +(-|\d+\.\d\d)", line)]
    assert rows and all("…" not in line for line in rows)
    assert all(re.search(r" (local|long|intl|市内|长途|国际) ", line) for line in rows)
