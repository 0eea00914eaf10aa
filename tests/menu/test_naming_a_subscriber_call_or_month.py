"""Naming what an item works on (SPEC §6): a subscriber by phone, name, pinyin or initials (a list to
pick from when several match), a call record by its number, a month."""

from __future__ import annotations

from pathlib import Path

import pytest

from telbill.text.i18n import Translator

from on_disk import users_file
from plain import after, plain_session
from smalldata import USERS
from terminal import DOWN, EN, ENTER, KEY, ZH, typed_session


def test_a_subscriber_is_found_by_pinyin_initials_and_picked_from_a_list(data: Path) -> None:
    """zq names Zhang Qiang and 张强: a numbered list to pick from; the statement is the one picked."""
    _code, screen = plain_session("11\nzq\n2\n2021-01\n0\n")
    item = after(screen, "== One subscriber's itemised statement ==")
    assert "Several subscribers match (2); which one?\n  1  83470000  Zhang Qiang\n  2  83470001  张强\n" \
           "  0  Back to the menu\nChoose 0-2: 2" in item
    assert "Statement of 83470001 张强 for 2021-01" in item


MORE_USERS = USERS + "83470003  欧阳 小明  20  0\n83470004  曾国藩  20  0\n"


@pytest.mark.parametrize(
    ("typed", "name"),
    [("欧阳小明", "欧阳 小明"), ("oyxm", "欧阳 小明"), ("XIAOMING", "欧阳 小明"), ("zeng", "曾国藩"),
     ("ceng guo fan", "曾国藩"), ("0004", "曾国藩"), ("83470003", "欧阳 小明")],
)
def test_one_match_is_taken_and_said(data: Path, typed: str, name: str) -> None:
    """A name without its spaces, pinyin, initials, a heteronym's either reading, part of a phone:
    one match is taken at once and said."""
    (data / "data/users.txt").write_text(MORE_USERS, "utf-8")
    _code, screen = plain_session(f"6\n1\n{typed}\nn\n0\n")
    assert f"Found: {screen.split('Found: ')[1].splitlines()[0]}".endswith(name)
    assert f"Delete user 8347000{'3' if '小明' in name else '4'}  {name}? (y/N): n" in screen
    assert users_file(data) == MORE_USERS


def test_a_query_that_fits_nobody_or_too_many_is_asked_again(data: Path) -> None:
    """Nobody: the reason, and the question again; more matches than a list should hold: type more."""
    many = "".join(f"8348{i:04d}  User {i}  1  1\n" for i in range(60))
    (data / "data/users.txt").write_text(USERS + many, "utf-8")
    _code, screen = plain_session("11\nxyz\n8348\n83470001\n2021-01\n0\n")
    assert "no subscriber's phone, name or pinyin matches 'xyz' (q or an empty answer goes back" in screen
    assert "60 subscribers match '8348'; type more of the phone or name" in screen
    assert "Statement of 83470001 张强 for 2021-01" in screen


def test_several_matches_are_a_list_to_pick_from(few: Path) -> None:
    """zq names both subscribers: a list; Down and Enter take the second."""
    code, screen, drawn = typed_session("11" + ENTER + "zq" + ENTER + DOWN + ENTER + ENTER + KEY + "0" + ENTER,
                                        height=40, width=100)
    assert code == 0
    assert "? Several subscribers match (2); which one? 2  83470001  张强" in drawn
    assert "Statement of 83470001 张强 for 2021-01" in screen


def test_a_number_that_is_no_ascii_digit_is_refused_not_a_crash(data: Path) -> None:
    """A superscript two at 'which call' is refused with the reason (str.isdigit would take it)."""
    code, screen = plain_session("6\n2\n83470000\n²\n0\n0\n")
    assert code == 0
    assert "Internal error" not in screen and "'²' is not one of the numbers (1-2, 0 goes back)" in screen


@pytest.mark.parametrize(("tr", "said"), [(EN, "'2021-13' is not a month: there is no month 13"),
                                          (ZH, "'2021-13' 不是有效的月份：没有 13 月")], ids=["en", "zh"])
def test_month_13_is_no_month_13(data: Path, tr: Translator, said: str) -> None:
    """2021-13 is refused as a month that does not exist, not as a badly written one; 2021-1 is
    still "not a month like 2021-01"."""
    code, screen = plain_session("11\n83470001\n2021-13\n2021-1\n\n0\n", tr)
    assert code == 0
    assert said in screen
    assert tr("menu.error.month", value="'2021-1'") in screen


def test_a_whole_name_is_taken_at_once(few: Path) -> None:
    """``Zhang Qiang`` typed whole is that subscriber, though ``张强`` spells the same pinyin: taken
    at once, as a whole phone is (newuser11 finding 7); ``zq`` still lists both."""
    code, screen = plain_session("11\nZhang Qiang\n=\n0\n")
    assert code == 0
    assert "Found: 83470000  Zhang Qiang\n" in screen and "Several subscribers match" not in screen
    assert "Statement of 83470000 Zhang Qiang for 2021-01" in screen
    code, screen = plain_session("11\nzhang qiang\n=\n0\n")
    assert "Found: 83470000  Zhang Qiang\n" in screen  # case and spaces aside, as names are found
    code, screen = plain_session("11\nzq\n1\n=\n0\n")
    assert "Several subscribers match (2)" in screen
