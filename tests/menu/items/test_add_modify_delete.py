"""Items 3 to 6 (menu/items/edit.py): adding a user or a call record, changing one, deleting one;
every field checked as it is typed, every change saved at once and logged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from telbill.text.i18n import Translator

from on_disk import audit, calls_file, users_file
from plain import after, plain_session
from smalldata import CALLS, FEW_CALLS, FEW_USERS, USERS
from terminal import EN, ENTER, KEY, ZH, typed_session


def test_add_user_asks_again_until_each_field_is_right(data: Path) -> None:
    """Bad digits, a taken phone, negative and three-decimal money are each refused with the reason."""
    script = "3\n8347x\n83470001\n83470099\n Wang   Xiao Er \n-5\n25.555\n25.5\n6.5\n0\n"
    code, screen = plain_session(script)
    assert code == 0
    item = after(screen, "== Add a user ==")
    assert "phone '8347x' is not 3 to 20 digits" in item
    assert "phone 83470001 already belongs to 张强" in item
    assert "rent '-5' is negative" in item
    assert "rent '25.555' has more than two decimals" in item
    assert "Added: 83470099  Wang Xiao Er  25.50  6.50" in item
    assert "Saved data/users.txt (item 13 can undo it)." in item
    assert users_file(data) == USERS + "83470099  Wang Xiao Er  25.50  6.50\n"
    assert audit(data)[0][1:] == ["tester", "add-user", "before: -", "after: 83470099  Wang Xiao Er  25.50  6.50"]
    (record,) = (data / "data/backup").iterdir()  # an undo record, not a copy of the file
    assert re.fullmatch(r"users\.txt\.\d{8}-\d{6}-\d{6}\.undo", record.name)


def test_a_rent_above_ten_thousand_yuan_asks_are_you_sure(data: Path) -> None:
    """A rent over 10,000 yuan needs a yes; a no asks for the amount again."""
    _code, screen = plain_session("3\n83470099\nBig\n25000\nn\n25\n10000.01\ny\n0\n")
    assert "A monthly rent of 25,000.00 yuan is more than 10,000.00 yuan. Is that right? (y/N): n" in screen
    assert "A monthly feature fee of 10,000.01 yuan is more than 10,000.00 yuan. Is that right? (y/N): y" in screen
    assert users_file(data).endswith("83470099  Big  25.00  10000.01\n")


def test_a_hash_inside_a_name_is_fine(data: Path) -> None:
    """``Li#Na`` is a name (a # inside a word is not a comment): kept with Enter, typed, saved;
    only a # that starts a word is refused."""
    (data / "data/users.txt").write_text(USERS + "83470003  Li#Na  1  1\n", "utf-8")
    code, screen = plain_session("5\n1\n83470003\n=\n=\n=\n=\n3\n83470004\nWang #2\nWang#2\n0\n0\n0\n")
    assert code == 0
    assert "Name [= Li#Na]: =" in screen
    assert "Nothing changed." in after(screen, "== Modify")
    assert "name 'Wang #2' has a word starting with #" in screen
    assert users_file(data) == USERS + "83470003  Li#Na  1  1\n83470004  Wang#2  0.00  0.00\n"
    assert "Wang#2" in plain_session("1\n0\n")[1]


def test_add_a_user_by_typing(few: Path) -> None:
    """Item 3 through questionary: a bad rent is refused in place, then the user is saved and logged."""
    typed = "3" + ENTER + "83470099" + ENTER + "Wu Song" + ENTER + "1.234" + ENTER + "\x7f" * 5 + "25" + ENTER
    typed += "6" + ENTER + KEY + "0" + ENTER
    code, screen, _ = typed_session(typed, height=40, width=100)
    assert code == 0
    assert "Added: 83470099  Wu Song  25.00  6.00" in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS + "83470099  Wu Song  25.00  6.00\n"
    log = (few / "output/audit.log").read_text("utf-8")
    assert "\ttester\tadd-user\tbefore: -\tafter: 83470099  Wu Song  25.00  6.00\n" in log


def test_add_call_checks_every_field(data: Path) -> None:
    """Unknown caller, bad callee, impossible date, end before start: asked again; the call is saved."""
    script = ("4\n83479999\n83470002\n12\n0105551234\n2021-02-30 10:00:00\n2021-02-28 10:00:00\n"
              "09:00:00\n2021-02-28 10:00:59\n0\n")
    _code, screen = plain_session(script)
    item = after(screen, "== Add a call record ==")
    assert "no subscriber's phone, name or pinyin matches '83479999'" in item
    assert "Found: 83470002  Li Na" in item
    assert "callee '12' is not 3 to 20 digits" in item
    assert "impossible date '2021-02-30'" in item
    assert "the end 2021-02-28 09:00:00 is before the start 2021-02-28 10:00:00" in item
    assert "Class: long distance; duration 0:00:59; fee 0.70 yuan." in item
    assert calls_file(data) == CALLS + "83470002  0105551234  2021-02-28 10:00:00  2021-02-28 10:00:59\n"
    assert audit(data)[0][2] == "add-call"


def test_date_and_time_may_come_on_separate_lines(data: Path) -> None:
    """A date alone is followed by a question for the time."""
    _code, screen = plain_session("4\n83470002\n83475555\n2021-02-03\n08:00:00\n2021-02-03\n08:01:00\n0\n")
    assert "Time on 2021-02-03 (e.g. 08:00:00): 08:00:00" in screen
    assert calls_file(data).endswith("83470002  83475555  2021-02-03 08:00:00  2021-02-03 08:01:00\n")


def test_a_time_alone_is_checked_as_a_time(data: Path) -> None:
    """At the question for a time, 9:00 is refused as "not a time", not as a date and time."""
    _code, screen = plain_session("4\n83470002\n83475555\n2021-02-03\n9:00\n09:00:00\n09:01:00\n0\n")
    assert "'9:00' is not a time like 08:00:00 (q or an empty answer goes back to the menu)" in screen
    assert calls_file(data).endswith("83470002  83475555  2021-02-03 09:00:00  2021-02-03 09:01:00\n")


def test_a_call_breaking_a_rule_is_saved_only_after_a_yes(data: Path) -> None:
    """An overlapping call: warned; 'n' saves nothing, 'y' saves it and it is set aside."""
    add = "4\n83470000\n83475555\n2021-01-05 10:02:00\n10:03:00\n"
    _code, screen = plain_session(add + "n\n" + add + "y\n10\n0\n")
    warning = ("This call record would be set aside at billing (same time as another call): same caller at "
               "the same time as line 3 (2021-01-05 10:00:00 to 2021-01-05 10:04:01)")
    assert screen.count(warning) == 2
    assert "Not saved." in screen
    assert calls_file(data) == CALLS + "83470000  83475555  2021-01-05 10:02:00  2021-01-05 10:03:00\n"
    assert "Same time as another call: 2" in after(screen, "== Anomalies")
    assert [line[2] for line in audit(data)] == ["add-call"]


def test_modify_user_keeps_a_value_with_equals(data: Path) -> None:
    """``=`` takes the value shown after it; a user with calls keeps their phone."""
    _code, screen = plain_session("5\n1\n83470001\n张 强\n=\n7\n0\n")
    item = after(screen, "== Modify a user or a call record ==")
    assert "Found: 83470001  张强" in item
    assert "83470001 has call records (2), so its phone stays as it is." in item
    assert "Name [= 张强]: 张 强" in item
    assert "Monthly rent, yuan (e.g. 25.00) [= 25.00]: =" in item
    assert "Before: 83470001  张强  25.00  6.50" in item
    assert "After:  83470001  张 强  25.00  7.00" in item
    assert "83470001  张 强  25.00  7.00  # moved in 2021\n" in users_file(data)
    assert audit(data)[0][2:] == ["modify-user", "before: 83470001  张强  25.00  6.50",
                                  "after: 83470001  张 强  25.00  7.00"]


def test_modify_call(data: Path) -> None:
    """Pick the caller, then the record by its number; change the end only."""
    _code, screen = plain_session("5\n2\n83470001\n3\n1\n=\n=\n=\n2021-01-06 09:02:00\n0\n")
    item = after(screen, "== Modify a user or a call record ==")
    assert "Call records from 83470001 (2)" in item
    assert "Number of the call record (1-2, 0 goes back): 3" in item
    assert "'3' is not one of the numbers (1-2, 0 goes back)" in item
    assert "Class: international; duration 0:02:00; fee 16.00 yuan." in item
    assert "After:  83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:02:00" in item
    assert "83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:02:00  # abroad\n" in calls_file(data)


@pytest.mark.parametrize(("tr", "question"), [
    (EN, "Start (08:00:00 keeps the day, or a date and time) [= 2021-01-06 09:00:00]: 08:59:30"),
    (ZH, "开始时间（日期不变可只写 08:00:00） [= 2021-01-06 09:00:00]：08:59:30"),
])
def test_modify_call_start_by_a_time_alone_keeps_its_day(data: Path, tr: Translator, question: str) -> None:
    """Changing a call's start, a time alone keeps the day (as the end question already did); it was
    refused as "not a date and time"."""
    _code, screen = plain_session("5\n2\n83470001\n1\n=\n=\n08:59:30\n=\n0\n", tr)
    item = after(screen, f"== {tr('menu.item.5')} ==")
    assert question in item
    assert tr("menu.change.after", record="83470001  0044207946000  2021-01-06 08:59:30  2021-01-06 09:01:00") in item
    assert "83470001  0044207946000  2021-01-06 08:59:30  2021-01-06 09:01:00  # abroad\n" in calls_file(data)


def test_delete_user_with_calls_says_how_many_and_asks(data: Path) -> None:
    """The count is shown first; after the choice a yes/no with the counts; deleting the calls too
    logs every record."""
    _code, screen = plain_session("6\n1\n83470000\n2\ny\n0\n")
    item = after(screen, "== Delete a user or a call record ==")
    assert "83470000  Zhang Qiang has call records: 2." in item
    assert "1  Delete the user, keep the call records (they will be set aside as unknown caller)" in item
    assert "Choose 0-2: 2" in item
    assert "Delete user 83470000  Zhang Qiang and their 2 call records? (y/N): y" in item
    assert "Call records deleted: 2 (each is in the audit log)." in item
    assert "Zhang Qiang" not in users_file(data)
    assert "83470000" not in calls_file(data)
    assert [line[2] for line in audit(data)] == ["delete-call", "delete-call", "delete-user"]


def test_delete_choices_default_to_going_back(data: Path) -> None:
    """An empty answer to "delete the user, and their calls?" deletes nothing; so does one to a yes/no."""
    code, screen = plain_session("6\n1\n83470000\n\n6\n1\n83470000\n2\n\n6\n2\n83470002\n1\n\n0\n")
    assert code == 0
    assert "What should happen to those call records?" in screen
    assert "Choose 0-2: \nBack to the menu; nothing saved." in screen
    assert "Delete user 83470000  Zhang Qiang and their 2 call records? (y/N): \nNothing was deleted." in screen
    assert "Delete call record 83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:00:59? (y/N): " in screen
    assert "Nothing was deleted." in screen
    assert users_file(data) == USERS and calls_file(data) == CALLS
    assert not (data / "output/audit.log").exists()


def test_delete_user_keeping_calls_and_a_no(data: Path) -> None:
    """Keeping the calls leaves calls.txt alone; a user without calls is deleted only after a yes."""
    (data / "data/users.txt").write_text(USERS + "83470009  Nobody  1  1\n", "utf-8")
    _code, screen = plain_session("6\n1\n83470002\n1\ny\n6\n1\n83470009\nn\n6\n1\n83470009\ny\n0\n")
    assert "Delete user 83470002  Li Na and keep their 1 call records (set aside as unknown caller)? (y/N): y" \
        in screen
    assert "Call records kept: 1; they will be set aside as unknown caller." in screen
    assert calls_file(data) == CALLS
    assert "Nothing was deleted." in screen
    assert users_file(data) == USERS.replace("83470002\tLi Na\t18.00\t0\n", "")
    assert [line[2] for line in audit(data)] == ["delete-user", "delete-user"]


def test_delete_call(data: Path) -> None:
    """A call record goes only after a yes."""
    _code, screen = plain_session("6\n2\n83470002\n1\ny\n0\n")
    assert "Delete call record 83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:00:59? (y/N): y" in screen
    assert "83473333" not in calls_file(data)
    assert audit(data)[0][2:] == ["delete-call", ("before: 83470002  83473333  2021-02-01 08:00:00  "
                                   "2021-02-01 08:00:59"), "after: -"]


def test_confirm_with_y_and_n(few: Path) -> None:
    """Deleting a user without calls asks yes/no: n keeps them, y deletes."""
    typed = ("6" + ENTER + "1" + ENTER + "83470001" + ENTER + "n" + KEY
             + "6" + ENTER + "1" + ENTER + "83470001" + ENTER + "y" + KEY + "0" + ENTER)
    _code, screen, _ = typed_session(typed, height=40, width=100)
    assert "Nothing was deleted." in screen
    assert "Deleted: 83470001  张强  25.00  6.50" in screen
    assert "张强" not in (few / "data/users.txt").read_text("utf-8")


def test_deleting_a_user_with_calls_starts_on_back(few: Path) -> None:
    """The "what about their call records" list starts on "Back": Enter alone deletes nothing."""
    typed = "6" + ENTER + "1" + ENTER + "83470000" + ENTER + ENTER + "0" + ENTER
    code, screen, _ = typed_session(typed, height=40, width=100)
    assert code == 0
    assert "83470000  Zhang Qiang has call records: 1." in screen
    assert "Back to the menu; nothing saved." in screen
    assert "Deleted" not in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS
    assert (few / "data/calls.txt").read_text("utf-8") == FEW_CALLS
    assert not (few / "output/audit.log").exists()


def test_deleting_a_user_with_calls_asks_yes_after_the_choice(few: Path) -> None:
    """After choosing to delete the calls too, a yes/no with the counts; n deletes nothing."""
    typed = "6" + ENTER + "1" + ENTER + "83470000" + ENTER + "2" + ENTER + "n" + KEY + "0" + ENTER
    code, screen, drawn = typed_session(typed, height=40, width=100)
    assert code == 0
    assert "? Delete user 83470000  Zhang Qiang and their 1 call records? n  No" in drawn
    assert "Nothing was deleted." in screen
    assert (few / "data/users.txt").read_text("utf-8") == FEW_USERS


def test_deleting_a_user_with_calls_says_their_unreadable_lines_stay(data: Path) -> None:
    """A line that starts with the user's phone but is no call record (callee '12') is not one of
    their call records: the question says, before the yes, that it stays in calls.txt, and it does."""
    bad = "83470000  12  2021-01-05 10:00:00  2021-01-05 10:01:00\n"
    (data / "data/calls.txt").write_text(CALLS + bad, "utf-8")
    _code, screen = plain_session("6\n1\n83470000\n2\ny\n0\n")
    item = after(screen, "== Delete a user or a call record ==")
    said = ("1 lines of data/calls.txt that start with 83470000 could not be read as call records: they are not "
            "deleted with them and stay in the file as they are (item 10 lists them).")
    assert said in item and item.index(said) < item.index("and their 2 call records? (y/N): y")
    assert "Call records deleted: 2 (each is in the audit log)." in item
    assert calls_file(data).endswith(bad)


def test_an_end_date_alone_before_the_start_is_refused_at_once(data: Path) -> None:
    """An end given as a date alone on a day before the start's is refused before the time is asked,
    as validate_end refuses it (even the day's last second is before the start)."""
    _code, screen = plain_session("4\n83470002\n83475555\n2021-02-03\n08:00:00\n2021-02-02\n2021-02-03\n08:01:00\n0\n")
    assert "the end 2021-02-02 23:59:59 is before the start 2021-02-03 08:00:00" in screen
    assert "Time on 2021-02-02" not in screen
    assert calls_file(data).endswith("83470002  83475555  2021-02-03 08:00:00  2021-02-03 08:01:00\n")
