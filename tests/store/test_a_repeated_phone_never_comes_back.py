"""A line that repeats a subscriber's phone (a bad line, kept as it is) never comes to life as that
subscriber (SPEC §7, issue 10 finding 2): deleting the subscriber or changing their phone asks what
to do with it, and the user and the line change together."""

from __future__ import annotations

from pathlib import Path

import pytest

from telbill.rules.screening import AnomalyCode
from telbill.session.facade import RepeatAction, RepeatedPhoneError

from command import run
from on_disk import data_files
from plain import EN, plain_session
from smalldata import USERS, open_session, ticking, write_data

IMPOSTOR = "83470000  Impostor Dup  99.00  99.00"


@pytest.fixture()
def impostor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_data(tmp_path, users=USERS + IMPOSTOR + "\n")


def test_deleting_a_user_whose_phone_is_repeated_asks_first(impostor: Path) -> None:
    """Deleting 83470000 while a later (bad) line repeats its phone: refused until told what to do,
    because that line would otherwise become subscriber 83470000."""
    s = open_session(clock=ticking())
    with pytest.raises(RepeatedPhoneError) as info:
        s.delete_user("83470000")
    assert info.value.lines == [(6, IMPOSTOR)]
    assert info.value.render(EN) == ("lines 6 of data/users.txt repeat the phone 83470000 (1); say what to do "
                                     "with them, or the first would become that subscriber")
    assert data_files(impostor)[0] == (USERS + IMPOSTOR + "\n").encode()
    assert not (impostor / "output/audit.log").exists()


@pytest.mark.parametrize(("how", "left"), [(RepeatAction.DELETE, ""), (RepeatAction.COMMENT, f"# {IMPOSTOR}\n")])
def test_the_repeated_line_is_deleted_or_commented_out_with_the_user(impostor: Path, how: RepeatAction,
                                                                     left: str) -> None:
    """Told what to do, the user and the repeated line change together (one undo takes both back);
    the kept calls are set aside as unknown caller, and the batch bills nobody for them."""
    s = open_session(clock=ticking())
    changes = s.delete_user("83470000", repeats=how)
    assert [c.action for c in changes] == ["delete-user", "delete-line" if how is RepeatAction.DELETE
                                           else "comment-line"]
    users = (impostor / "data/users.txt").read_text("utf-8")
    assert users == USERS.replace("83470000  Zhang Qiang  25.00  6.00\n", "") + left
    fresh = open_session(clock=ticking())
    assert fresh.user("83470000") is None and fresh.problems == []
    codes = {a.code for a in fresh.screening().set_aside if a.call is not None and a.call.caller == "83470000"}
    assert codes == {AnomalyCode.UNKNOWN_CALLER}
    assert run("bill").code == 0
    assert "Impostor" not in (impostor / "output/bills.txt").read_text("utf-8")
    s.undo()
    assert data_files(impostor)[0] == (USERS + IMPOSTOR + "\n").encode()


def test_changing_the_phone_of_a_user_whose_phone_is_repeated_asks_too(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A new phone for a user (no calls) whose old phone a later line repeats: the same question."""
    monkeypatch.chdir(tmp_path)
    write_data(tmp_path, users=USERS + "83470007  Solo  1  1\n83470007  Solo Twin  1  1\n")
    s = open_session(clock=ticking())
    with pytest.raises(RepeatedPhoneError):
        s.modify_user("83470007", new_phone="83470055")
    s.modify_user("83470007", new_phone="83470055", repeats=RepeatAction.COMMENT)
    fresh = open_session(clock=ticking())
    assert fresh.user("83470007") is None and fresh.user("83470055") is not None
    assert (tmp_path / "data/users.txt").read_text("utf-8").endswith(
        "83470055  Solo  1.00  1.00\n# 83470007  Solo Twin  1  1\n")


def test_the_menu_shows_the_repeated_lines_and_asks(impostor: Path) -> None:
    """Item 6: the repeated line is shown, the operator picks "comment out"; 0 there changes nothing."""
    screen = plain_session("6\n1\n83470000\n1\ny\n0\n0\n").screen
    assert "  line 6: 83470000  Impostor Dup  99.00  99.00" in screen
    assert data_files(impostor)[0] == (USERS + IMPOSTOR + "\n").encode()
    screen = plain_session("6\n1\n83470000\n1\ny\n2\n0\n").screen
    assert "Before: 83470000  Impostor Dup  99.00  99.00" in screen
    assert "After:  # 83470000  Impostor Dup  99.00  99.00" in screen
    assert f"# {IMPOSTOR}" in (impostor / "data/users.txt").read_text("utf-8")
