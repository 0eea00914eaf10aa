"""What the menu says (SPEC §9, issue 17 §4): the whole menu in English or in Chinese, and each thing
said one way everywhere (the call classes, ranges, amounts, the system's reasons)."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest

from telbill.errors import Notice, OutputError
from telbill.text.i18n import Translator

from faults import full_disk
from plain import CJK, plain_session
from smalldata import USERS, write_data
from terminal import EN, ENTER, ZH, typed_session


def test_english_session_shows_no_chinese_but_names(data: Path) -> None:
    """Every item in English: no Chinese text apart from the data's names."""
    script = "1\n2\n7\n2\n1\n1\n8\n3\n2021-01\n0\n9\n1\n=\n10\n11\n83470001\n2021-01\n12\n13\n1\n0\n"
    code, screen = plain_session(script)
    assert code == 0
    assert not CJK.search(screen.replace("张强", ""))
    # counts read without "(s)" (the bill summary line comes from the batch command's texts)
    assert [line for line in screen.splitlines() if "(s)" in line and "billed, grand total" not in line] == []


def test_chinese_session_uses_chinese_texts(data: Path) -> None:
    """The same session in Chinese shows the Chinese menu and none of the English texts."""
    script = "1\n2\n7\n2\n1\n1\n8\n3\n2021-01\n0\n9\n1\n=\n10\n11\n83470001\n2021-01\n12\n13\n1\n0\n"
    code, screen = plain_session(script, ZH)
    assert code == 0
    assert "主菜单" in screen and "显示所有用户" in screen and "再见。" in screen
    for key in ("menu.item.1", "menu.users.count", "menu.calls.title", "menu.bill.months_title",
                "menu.stats.revenue", "menu.ask.phone", "menu.class.local", "menu.bye"):
        assert EN(key, count=0, path="", phone="", local="", long="", a="", b="").split("(")[0].strip() \
            not in screen, key
    assert "请选择 0-13：" in screen


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
    """After adding a call, "Class: international" (the list's intl written out), in plain mode too."""
    code, screen = plain_session("4\n83470000\n0044201234567\n2021-01-20 10:00:00\n10:01:00\n0\n")
    assert code == 0
    assert "Class: international; duration 0:01:00; fee 8.00 yuan." in screen


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


def test_money_totals_have_thousands_separators_on_screen_never_in_files(workdir: Path) -> None:
    """The sample's grand total on the screen is 6,651.77 (as counts are written), in the
    statistics and after billing; the bill file says 6651.77."""
    code, screen = plain_session("12\n9\n1\n=\n0\n", ZH)
    assert code == 0
    assert screen.count("共 5 个月，总计 6,651.77 元。") == 2
    bills = (workdir / "output/bills.txt").read_text("utf-8")
    assert "6651.77" in bills and "6,651.77" not in bills


def test_what_the_system_says_is_said_in_chinese(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while a user is added, in the Chinese menu: a Chinese sentence with the path,
    no English from the system."""
    full_disk(monkeypatch, "/data/users.txt")
    code, screen = plain_session("3\n83470099\n王五\n1\n1\n0\n", ZH)
    assert code == 1  # the save refused stops the script (newuser11 finding 1)
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
