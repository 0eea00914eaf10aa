"""The menu's session adds, modifies and deletes users and call records (SPEC §6-7): each change
saved at once in the file's own layout, the lines it did not touch kept byte for byte, logged."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from telbill.errors import NotFoundError, ValidationError
from telbill.rules.records import Call
from telbill.rules.screening import AnomalyCode
from telbill.session.facade import AnomalyError

from on_disk import audit
from plain import EN
from smalldata import CALLS, USERS, at, open_session

NOW = datetime(2026, 1, 2, 3, 4, 5)


def test_add_user_appends_a_line_keeps_the_rest_and_logs_it(data: Path) -> None:
    """The new record goes at the end; comments, blank lines and tabbed lines stay byte for byte.

    It is appended to the file itself (same inode): no copy of the file is made,
    only a small undo record.
    """
    s = open_session(clock=lambda: NOW)
    inode = (data / "data/users.txt").stat().st_ino
    change = s.add_user("83470099", "Wang  Xiao Er", 2550, 650)
    assert (data / "data/users.txt").read_text("utf-8") == USERS + "83470099  Wang Xiao Er  25.50  6.50\n"
    assert (data / "data/users.txt").stat().st_ino == inode
    assert change.record is s.user("83470099")
    assert change.backup is None
    assert change.undo is not None and change.undo.parent == Path("data/backup")
    assert change.undo.name == "users.txt.20260102-030405-000000.undo"
    assert audit() == [["2026-01-02T03:04:05", "tester", "add-user", "before: -",
                        "after: 83470099  Wang Xiao Er  25.50  6.50"]]


def test_duplicate_phone_is_refused(data: Path) -> None:
    """A phone already taken names its owner; nothing is written."""
    s = open_session()
    with pytest.raises(ValidationError) as info:
        s.add_user("83470001", "Other", 0, 0)
    assert info.value.render(EN) == "phone 83470001 already belongs to 张强"
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert not (data / "output/audit.log").exists()


def test_modify_user_keeps_its_line_and_trailing_comment(data: Path) -> None:
    """A changed record is rewritten in place in the standard layout, its comment kept."""
    s = open_session()
    change = s.modify_user("83470001", name="张 强", rent=3000)
    assert change is not None
    text = (data / "data/users.txt").read_text("utf-8")
    assert text == USERS.replace("83470001  张强  25  6.5   # moved in 2021",
                                 "83470001  张 强  30.00  6.50  # moved in 2021")
    assert audit()[0][2:] == ["modify-user", "before: 83470001  张强  25.00  6.50",
                              "after: 83470001  张 强  30.00  6.50"]
    assert s.modify_user("83470001", name="张 强") is None  # nothing differs: no save, no log
    assert len(audit()) == 1


def test_phone_of_a_user_with_calls_cannot_change(data: Path) -> None:
    """The records would no longer be theirs; a user without calls may change phone."""
    s = open_session()
    with pytest.raises(ValidationError) as info:
        s.modify_user("83470000", new_phone="83470050")
    assert info.value.render(EN).startswith("83470000 has call records (2); its phone cannot change")
    (data / "data/users.txt").write_text(USERS + "83470007  New  1  1\n", "utf-8")
    s = open_session()
    s.modify_user("83470007", new_phone="83470008")
    assert s.user("83470008") is not None and s.user("83470007") is None


def test_delete_user_keeping_calls_sets_them_aside(data: Path) -> None:
    """The user goes; their calls stay in calls.txt and become unknown-caller anomalies."""
    s = open_session()
    changes = s.delete_user("83470000")
    assert [c.action for c in changes] == ["delete-user"]
    assert "Zhang Qiang" not in (data / "data/users.txt").read_text("utf-8")
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS
    codes = [a.code for a in s.screening().set_aside if a.call is not None and a.call.caller == "83470000"]
    assert codes == [AnomalyCode.UNKNOWN_CALLER] * 2


def test_delete_user_with_calls_logs_every_call(data: Path) -> None:
    """Deleting the calls too: both files rewritten, one audit line per record."""
    s = open_session()
    changes = s.delete_user("83470000", with_calls=True)
    assert [c.action for c in changes] == ["delete-call", "delete-call", "delete-user"]
    calls = (data / "data/calls.txt").read_text("utf-8")
    assert "83470000" not in calls and "# test calls" in calls and "8346000x" in calls
    assert [line[2] for line in audit()] == ["delete-call", "delete-call", "delete-user"]
    assert audit()[0][3] == "before: 83470000  02584561234  2020-12-31 23:58:10  2021-01-01 00:03:05"


def test_unknown_user(data: Path) -> None:
    """Asking for a phone nobody has is NotFoundError."""
    with pytest.raises(NotFoundError) as info:
        open_session().delete_user("83479999")
    assert info.value.render(EN) == "no user has phone 83479999"


def test_add_call_and_its_fee(data: Path) -> None:
    """A new call is appended in the standard layout and billed in the month it starts."""
    s = open_session()
    change = s.add_call("83470002", "0105551234", at("2021-02-28 23:59:00"), at("2021-03-01 00:00:01"))
    assert (data / "data/calls.txt").read_text("utf-8").endswith(
        "83470002  0105551234  2021-02-28 23:59:00  2021-03-01 00:00:01\n")
    assert isinstance(change.record, Call)
    assert s.fee(change.record) == 77  # 61 s domestic: 0.07 + 10 × 0.07
    february = s.bills("2021-02").month("2021-02")
    assert february is not None and february.rows[2].long_distance == 77


def test_a_call_that_would_be_set_aside_needs_consent(data: Path) -> None:
    """Overlap and too-long are refused unless accepted; accepted ones are set aside at billing."""
    s = open_session()
    start, end = at("2021-01-05 10:02:00"), at("2021-01-05 10:03:00")
    with pytest.raises(AnomalyError) as info:
        s.add_call("83470000", "83475555", start, end)
    assert info.value.render(EN) == (
        "this call record would be set aside (same time as another call): same caller at the same time "
        "as line 3 (2021-01-05 10:00:00 to 2021-01-05 10:04:01)")
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS
    change = s.add_call("83470000", "83475555", start, end, accept_anomaly=True)
    assert isinstance(change.record, Call)
    overlap = s.anomaly_of(change.record)
    assert overlap is not None and overlap.code is AnomalyCode.OVERLAP
    long_call = (at("2021-01-20 00:00:00"), at("2021-01-23 00:00:01"))
    too_long = s.anomaly_for(Call("83470002", "110", *long_call))
    assert too_long is not None and too_long.code is AnomalyCode.TOO_LONG


def test_modify_and_delete_a_call(data: Path) -> None:
    """Modify rewrites the line in place (comment kept); delete drops it; both are logged."""
    s = open_session()
    abroad = next(c for c in s.calls if c.callee.startswith("00"))
    s.modify_call(abroad, end=at("2021-01-06 09:02:00"))
    text = (data / "data/calls.txt").read_text("utf-8")
    assert "83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:02:00  # abroad\n" in text
    local = next(c for c in s.calls if c.callee == "83472222")
    s.delete_call(local)
    assert "83472222" not in (data / "data/calls.txt").read_text("utf-8")
    assert [line[2] for line in audit()] == ["modify-call", "delete-call"]
    with pytest.raises(NotFoundError):
        s.delete_call(local)  # no longer held


def test_unparseable_lines_survive_every_save(data: Path) -> None:
    """Bad lines in both files stay where they are through adds, edits and deletes."""
    (data / "data/users.txt").write_text(USERS + "not a user line\n83470000  Twin  1  1\n", "utf-8")
    s = open_session()
    assert len(s.problems) == 2
    s.add_user("83470010", "New", 100, 0)
    s.delete_user("83470002")
    s.delete_call(next(iter(s.calls)))
    users = (data / "data/users.txt").read_text("utf-8")
    assert "not a user line\n83470000  Twin  1  1\n" in users
    assert "8346000x" in (data / "data/calls.txt").read_text("utf-8")
