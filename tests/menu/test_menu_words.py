"""Words and details (issue 17 §4): what the menu says, the same way everywhere, in both languages."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest

from telbill.errors import Notice, OutputError
from telbill.menu.layout import wrap
from telbill.text.i18n import Translator

from faults import full_disk
from plain import plain_session
from smalldata import USERS, write_data
from terminal import EN, ENTER, ZH, typed_session


@pytest.mark.parametrize(("tr", "said"), [(EN, "'2021-13' is not a month: there is no month 13"),
                                          (ZH, "'2021-13' 不是有效的月份：没有 13 月")], ids=["en", "zh"])
def test_month_13_is_no_month_13(data: Path, tr: Translator, said: str) -> None:
    """2021-13 is refused as a month that does not exist, not as a badly written one; 2021-1 is
    still "not a month like 2021-01"."""
    code, screen = plain_session("11\n83470001\n2021-13\n2021-1\n\n0\n", tr)
    assert code == 0
    assert said in screen
    assert tr("menu.error.month", value="'2021-1'") in screen


NAMES = {EN: ("local", "long", "intl"), ZH: ("市内", "长途", "国际")}
OTHER_NAMES = ("long distance", "international", "国内长途", "国际长途")


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
@pytest.mark.parametrize("width", [80, 120, 200])
def test_one_name_per_call_class_at_every_width(workdir: Path, tr: Translator, width: int) -> None:
    """The calls list and a statement name each class the same way at 80, 120 and 200 columns,
    in English and Chinese, and never by another name."""
    run = typed_session("2" + ENTER + "q" + "11" + ENTER + "83470002" + ENTER + "2020-11" + ENTER + " "
                        + "0" + ENTER, height=60, width=width, tr=tr)
    assert run.code == 0
    local, long, intl = NAMES[tr]
    calls = run.screen.split(tr("menu.item.2"))[1].split(tr("menu.item.11"))[0]
    statement = run.screen.split(tr("menu.item.11"))[1]
    assert re.search(rf"0108513046 .* {long} ", calls) and re.search(rf"008164123528 .* {intl} ", calls)
    assert re.search(rf"83477490 .* {local} ", calls)
    assert re.search(rf"008164123528 +{intl} ", statement)
    assert not [name for name in OTHER_NAMES if name in run.screen]


def test_a_saved_call_names_its_class_as_the_lists_do(data: Path) -> None:
    """After adding a call, "Class: intl" (the list's word), in plain mode too."""
    code, screen = plain_session("4\n83470000\n0044201234567\n2021-01-20 10:00:00\n10:01:00\n0\n")
    assert code == 0
    assert "Class: intl; duration 0:01:00; fee 8.00 yuan." in screen


MANY = "".join(f"83470000  8347{2000 + i % 1000}  2021-03-{1 + i // 50:02d} {i % 50 // 4 + 8:02d}:{i % 4 * 15:02d}:00  "
               f"2021-03-{1 + i // 50:02d} {i % 50 // 4 + 8:02d}:{i % 4 * 15 + 1:02d}:00\n" for i in range(1200))


@pytest.mark.parametrize(("tr", "asked", "refused"), [
    (EN, "Number of the call record to act on (1-1200, 0 goes back): x8",
     "'x8' is not one of the numbers (1-1200, 0 goes back)"),
    (ZH, "要处理的话单编号（1-1200，0 返回）：x8", "'x8' 不是可选的编号（1-1200，0 返回）"),
], ids=["en", "zh"])
def test_a_range_is_said_the_same_way_and_without_a_thousands_separator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       tr: Translator, asked: str,
                                                                       refused: str) -> None:
    """1,200 calls found: the question and the refusal give the same range, 1-1200 (the count
    itself keeps its separator: 1,200)."""
    monkeypatch.chdir(tmp_path)
    write_data(tmp_path, USERS, MANY)
    code, screen = plain_session("8\n3\n2021-03\nx8\n\n0\n", tr)
    assert code == 0
    assert asked in screen and refused in screen
    assert "1,200" in screen and "1-1,200" not in screen


def test_what_the_system_says_is_said_in_chinese(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while a user is added, in the Chinese menu: a Chinese sentence with the path,
    no English from the system."""
    full_disk(monkeypatch, "/data/users.txt")
    code, screen = plain_session("3\n83470099\n王五\n1\n1\n0\n", ZH)
    assert code == 0
    assert "错误：data/users.txt：无法写入（磁盘空间不足）" in screen
    assert "No space left" not in screen


@pytest.mark.parametrize(("reason", "en", "zh"), [
    (os.strerror(errno.EACCES), "Permission denied", "没有权限"),
    (OSError(errno.EROFS, os.strerror(errno.EROFS)), "Read-only file system", "文件系统是只读的"),
    (OSError(errno.ECHILD, os.strerror(errno.ECHILD)), "system error ECHILD", "系统错误 ECHILD"),
], ids=["text", "error", "unknown"])
def test_a_system_reason_in_both_languages(reason: object, en: str, zh: str) -> None:
    """The reason of an error or a notice, given as the system's text or as the error itself,
    is said in the interface's language (English as Linux says it)."""
    error = OutputError("output.unwritable", path="out/b.txt", reason=reason)
    assert error.render(ZH) == f"out/b.txt：无法写入（{zh}）"
    assert error.render(EN) == f"out/b.txt: cannot be written ({en})"
    notice = Notice("save.not_pruned", {"folder": "data/backup", "reason": reason})
    assert notice.render(ZH) == f"已保存；但无法删除 data/backup 中较早的备份（{zh}）。"


def test_money_totals_have_thousands_separators_on_screen_never_in_files(workdir: Path) -> None:
    """The sample's grand total on the screen is 6,651.77 (as counts are written), in the
    statistics and after billing; the bill file says 6651.77."""
    code, screen = plain_session("12\n9\n1\n=\n0\n", ZH)
    assert code == 0
    assert screen.count("共 5 个月，总计 6,651.77 元。") == 2
    bills = (workdir / "output/bills.txt").read_text("utf-8")
    assert "6651.77" in bills and "6,651.77" not in bills


def test_the_restore_list_shows_the_change_it_takes_back(data: Path) -> None:
    """After a user's name is changed, the backup that takes it back says old → new."""
    code, screen = plain_session("5\n1\n83470001\nZhang\n=\n=\n13\n2\n0\n0\n")
    assert code == 0
    assert "modified a user: 83470001  张强  25.00  6.50 → 83470001  Zhang  25.00  6.50" in screen


def test_a_refused_answer_is_replaced_by_what_is_typed_next(data: Path) -> None:
    """x8 at the subscriber question is refused; it stays in the line, selected: typing
    83470000 replaces it (it made x883470000, refused again)."""
    run = typed_session("11" + ENTER + "x8" + ENTER + "83470000" + ENTER + ENTER + " " + "0" + ENTER,
                        height=40, width=100)
    assert "Statement of 83470000 Zhang Qiang for" in run.screen
    assert "x883470000" not in run.screen + run.drawn


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
