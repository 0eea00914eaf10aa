"""The main menu driven by plain numbered lines (SPEC §6): every item, its screen and its files."""

from __future__ import annotations

import gc
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from telbill.cli import main
from telbill.menu.main import MainMenu
from telbill.text.i18n import Translator

from plain import ReadPastEnd, Typed, plain_session
from smalldata import CALLS, USERS, write_data

EN, ZH = Translator("en"), Translator("zh")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def after(screen: str, marker: str) -> str:
    """The screen from the last heading of item ``marker`` on."""
    return screen[screen.rindex(marker):]


def audit(data: Path) -> list[list[str]]:
    return [line.split("\t") for line in (data / "output/audit.log").read_text("utf-8").splitlines()]


def users_file(data: Path) -> str:
    return (data / "data/users.txt").read_text("utf-8")


def calls_file(data: Path) -> str:
    return (data / "data/calls.txt").read_text("utf-8")


# -- the menu itself -------------------------------------------------------------------


def test_heading_and_show_users(data: Path) -> None:
    """1 lists every user; the heading says what was loaded; 0 exits with code 0."""
    code, screen = plain_session("1\n0\n")
    assert code == 0
    assert "Users: 3 (data/users.txt)" in screen
    assert "Call records: 7 (data/calls.txt): 5 billed, 2 set aside" in screen
    assert " 10  Anomalies: list them and write the anomalies file" in screen
    shown = after(screen, "== Show all users ==")
    for line in ("1   83470000   Zhang Qiang   25.00      6.00",
                 "2   83470001   张强          25.00      6.50",
                 "3   83470002   Li Na         18.00      0.00"):
        assert line in shown
    assert "Users: 3." in shown
    assert screen.rstrip().endswith("Goodbye.")


def test_end_of_input_ends_cleanly_anywhere(data: Path) -> None:
    """At the menu or half way through an item, end of input exits 0 at once: no traceback, no
    "interrupted" notice, nothing saved, and no line asked for after the end."""
    assert plain_session("")[0] == 0
    code, screen = plain_session("3\n83470099\n")
    assert code == 0 and "Traceback" not in screen
    assert screen.endswith("Name: \nGoodbye.\n")
    assert EN("menu.interrupted") not in screen
    assert users_file(data) == USERS


def test_the_menu_keeps_its_records_frozen_while_it_runs_and_not_after(data: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The menu's session is long-lived: its records are out of the garbage collector's full
    collections while the menu runs (no second-long pause at 1M calls), and given back when it ends."""
    frozen: list[int] = []
    monkeypatch.setattr(MainMenu, "heading", lambda self: frozen.append(gc.get_freeze_count()))
    assert plain_session("1\n0\n")[0] == 0
    assert frozen and min(frozen) > 0
    assert gc.get_freeze_count() == 0


def test_reading_past_the_end_fails_fast() -> None:
    """The test stream itself: a read after the end raises at once instead of waiting for a timeout."""
    stream = Typed("1\n")
    assert stream.readline() == "1\n" and stream.readline() == ""
    with pytest.raises(ReadPastEnd):
        stream.readline()


def test_bad_menu_answers_are_asked_again(data: Path) -> None:
    """Letters, out-of-range numbers: the reason, then the question again; 010 is 10."""
    code, screen = plain_session("x\n14\n00\n")
    assert code == 0
    assert "'x' is not one of the numbers shown (0-13)" in screen
    assert "'14' is not one of the numbers shown (0-13)" in screen


def test_ctrl_c_inside_an_item_goes_back_to_the_menu(data: Path) -> None:
    """KeyboardInterrupt while an item asks: back to the menu, nothing changed; then 0 exits."""

    class Keys(io.StringIO):
        def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
            line = super().readline()
            if line == "^C\n":
                raise KeyboardInterrupt
            return line

    code, screen = plain_session(Keys("3\n83470099\n^C\n0\n"))
    assert code == 0
    assert EN("menu.interrupted") in screen
    assert users_file(data) == USERS


def test_users_file_problems_are_shown_and_kept(data: Path) -> None:
    """Bad users.txt lines: the menu opens anyway, lists them, and a save keeps them."""
    (data / "data/users.txt").write_text(USERS + "83470000  Twin  1  1\nnonsense\n", "utf-8")
    code, screen = plain_session("3\n83470010\nNew One\n1\n1\n0\n")
    assert code == 0
    assert "data/users.txt: lines that could not be read: 2; they are kept in the file as they are:" in screen
    assert "  data/users.txt line 6: phone '83470000' repeats line 2" in screen
    assert users_file(data) == USERS + "83470000  Twin  1  1\nnonsense\n83470010  New One  1.00  1.00\n"


# -- show, add, modify, delete -----------------------------------------------------------


def test_show_calls_with_class_duration_and_fee(data: Path) -> None:
    """2 shows each record's class, duration and fee; set-aside ones say why and have no fee."""
    code, screen = plain_session("2\n0\n")
    shown = after(screen, "== Show all call records ==")
    assert re.search(r"1 +83470000 +02584561234 +2020-12-31 23:58:10 +2021-01-01 00:03:05 +long"
                     r" +0:04:55 +3\.50", shown)
    assert re.search(r"83470001 +0044207946000 .* intl +0:01:00 +8\.00", shown)
    assert re.search(r"83479999 +83463333 .* local +0:02:00 +- +unknown caller", shown)
    assert ("Call records: 7 in data/calls.txt; listed above 6: billed 5, set aside 1 (no fee); "
            "1 more could not be read (below).") in shown
    # the line that is not a call record is listed too: line number, text and reason
    unreadable = shown.split("Lines of data/calls.txt that could not be read as call records (not billed): 1")[1]
    assert re.search(r"^ *8 +83470005 8346000x 2021-01-05 10:00:00 2021-01-05 10:01:00 +"
                     r"callee '8346000x' is not 3 to 20 digits$", unreadable, re.MULTILINE)


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


def test_add_call_checks_every_field(data: Path) -> None:
    """Unknown caller, bad callee, impossible date, end before start: asked again; the call is saved."""
    script = ("4\n83479999\n83470002\n12\n0105551234\n2021-02-30 10:00:00\n2021-02-28 10:00:00\n"
              "09:00:00\n2021-02-28 10:00:59\n0\n")
    code, screen = plain_session(script)
    item = after(screen, "== Add a call record ==")
    assert "no subscriber's phone, name or pinyin matches '83479999'" in item
    assert "Found: 83470002  Li Na" in item
    assert "callee '12' is not 3 to 20 digits" in item
    assert "impossible date '2021-02-30'" in item
    assert "the end 2021-02-28 09:00:00 is before the start 2021-02-28 10:00:00" in item
    assert "Class: long; duration 0:00:59; fee 0.70 yuan." in item
    assert calls_file(data) == CALLS + "83470002  0105551234  2021-02-28 10:00:00  2021-02-28 10:00:59\n"
    assert audit(data)[0][2] == "add-call"


def test_date_and_time_may_come_on_separate_lines(data: Path) -> None:
    """A date alone is followed by a question for the time."""
    code, screen = plain_session("4\n83470002\n83475555\n2021-02-03\n08:00:00\n2021-02-03\n08:01:00\n0\n")
    assert "Time on 2021-02-03 (e.g. 08:00:00): 08:00:00" in screen
    assert calls_file(data).endswith("83470002  83475555  2021-02-03 08:00:00  2021-02-03 08:01:00\n")


def test_a_call_breaking_a_rule_is_saved_only_after_a_yes(data: Path) -> None:
    """An overlapping call: warned; 'n' saves nothing, 'y' saves it and it is set aside."""
    add = "4\n83470000\n83475555\n2021-01-05 10:02:00\n10:03:00\n"
    code, screen = plain_session(add + "n\n" + add + "y\n10\n0\n")
    warning = ("This call record would be set aside at billing (same time as another call): same caller at "
               "the same time as line 3 (2021-01-05 10:00:00 to 2021-01-05 10:04:01)")
    assert screen.count(warning) == 2
    assert "Not saved." in screen
    assert calls_file(data) == CALLS + "83470000  83475555  2021-01-05 10:02:00  2021-01-05 10:03:00\n"
    assert "Same time as another call: 2" in after(screen, "== Anomalies")
    assert [line[2] for line in audit(data)] == ["add-call"]


def test_modify_user_keeps_a_value_with_equals(data: Path) -> None:
    """``=`` takes the value shown after it; a user with calls keeps their phone."""
    code, screen = plain_session("5\n1\n83470001\n张 强\n=\n7\n0\n")
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
    code, screen = plain_session("5\n2\n83470001\n3\n1\n=\n=\n=\n2021-01-06 09:02:00\n0\n")
    item = after(screen, "== Modify a user or a call record ==")
    assert "Call records from 83470001 (2)" in item
    assert "Number of the call record (1-2, 0 goes back): 3" in item
    assert "'3' is not one of the numbers (1-2, 0 goes back)" in item
    assert "Class: intl; duration 0:02:00; fee 16.00 yuan." in item
    assert "After:  83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:02:00" in item
    assert "83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:02:00  # abroad\n" in calls_file(data)


@pytest.mark.parametrize(("tr", "question"), [
    (EN, "Start (08:00:00 keeps the day, or a date and time) [= 2021-01-06 09:00:00]: 08:59:30"),
    (ZH, "开始时间（日期不变可只写 08:00:00） [= 2021-01-06 09:00:00]：08:59:30"),
])
def test_modify_call_start_by_a_time_alone_keeps_its_day(data: Path, tr: Translator, question: str) -> None:
    """Changing a call's start, a time alone keeps the day (as the end question already did); it was
    refused as "not a date and time"."""
    code, screen = plain_session("5\n2\n83470001\n1\n=\n=\n08:59:30\n=\n0\n", tr)
    item = after(screen, f"== {tr('menu.item.5')} ==")
    assert question in item
    assert tr("menu.change.after", record="83470001  0044207946000  2021-01-06 08:59:30  2021-01-06 09:01:00") in item
    assert "83470001  0044207946000  2021-01-06 08:59:30  2021-01-06 09:01:00  # abroad\n" in calls_file(data)


def test_delete_user_with_calls_says_how_many_and_asks(data: Path) -> None:
    """The count is shown first; after the choice a yes/no with the counts; deleting the calls too
    logs every record."""
    code, screen = plain_session("6\n1\n83470000\n2\ny\n0\n")
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


def test_every_question_in_an_item_has_a_way_out(data: Path) -> None:
    """A wrong line is refused once with the way out; an empty answer or q leaves the item at any
    question (also one that offers a value), saying "nothing saved" when something had been typed."""
    script = ("5\n2\n83470099\n\n"      # a caller nobody has, then Enter: back
              "3\n\n"                    # add a user: Enter at the first question: back, nothing typed
              "3\n83470099\nq\n"         # add a user: q at the name: back
              "11\n83470001\nq\n"        # a month is offered: q goes back
              "11\n83470001\n\n"         # ... and so does an empty answer
              "8\n1\n\n"                 # search: Enter: back
              "1\n0\n")
    code, screen = plain_session(script)
    assert code == 0
    refusal = ("no subscriber's phone, name or pinyin matches '83470099' "
               "(q or an empty answer goes back to the menu)")
    assert screen.count(refusal) == 1
    assert "Month (e.g. 2021-01) [= 2021-01]: q" in screen
    assert "Statement of" not in screen
    assert screen.count("Back to the menu; nothing saved.") == 5
    assert "Add a user ==\nPhone (3 to 20 digits): \n\n== telbill" in screen  # nothing typed: no notice
    assert "Users: 3." in after(screen, "== Show all users ==")
    assert screen.rstrip().endswith("Goodbye.")
    assert users_file(data) == USERS and calls_file(data) == CALLS
    assert not (data / "output/audit.log").exists()


def test_billing_file_name_that_is_an_input_is_asked_again(data: Path) -> None:
    """Naming a data file as the bill file: refused with the reason, then asked again."""
    code, screen = plain_session("9\n1\ndata/calls.txt\nout/bills.txt\n0\n")
    item = after(screen, "== Billing")
    assert "data/calls.txt is an input file" in item
    assert item.count("Write the bills to [= output/bills.txt]: ") == 2
    assert "Wrote out/bills.txt." in item
    assert calls_file(data) == CALLS
    assert "== 2021-01 ==" in (data / "out/bills.txt").read_text("utf-8")


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


def test_delete_user_keeping_calls_and_a_no(data: Path) -> None:
    """Keeping the calls leaves calls.txt alone; a user without calls is deleted only after a yes."""
    (data / "data/users.txt").write_text(USERS + "83470009  Nobody  1  1\n", "utf-8")
    code, screen = plain_session("6\n1\n83470002\n1\ny\n6\n1\n83470009\nn\n6\n1\n83470009\ny\n0\n")
    assert "Delete user 83470002  Li Na and keep their 1 call records (set aside as unknown caller)? (y/N): y" \
        in screen
    assert "Call records kept: 1; they will be set aside as unknown caller." in screen
    assert calls_file(data) == CALLS
    assert "Nothing was deleted." in screen
    assert users_file(data) == USERS.replace("83470002\tLi Na\t18.00\t0\n", "")
    assert [line[2] for line in audit(data)] == ["delete-user", "delete-user"]


def test_delete_call(data: Path) -> None:
    """A call record goes only after a yes."""
    code, screen = plain_session("6\n2\n83470002\n1\ny\n0\n")
    assert "Delete call record 83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:00:59? (y/N): y" in screen
    assert "83473333" not in calls_file(data)
    assert audit(data)[0][2:] == ["delete-call", "before: 83470002  83473333  2021-02-01 08:00:00  "
                                  "2021-02-01 08:00:59", "after: -"]


# -- sort and search ----------------------------------------------------------------------


def test_sort_users_by_a_months_total(data: Path) -> None:
    """Users by the 2021-01 total, descending, with that total shown; files untouched."""
    code, screen = plain_session("7\n1\n3\n2021-01\n2\n0\n")
    item = after(screen, "== Sort ==")
    rows = re.findall(r"^ +\d+ +(\d{8}) .* (\d+\.\d\d)$", item, re.MULTILINE)
    assert rows == [("83470001", "39.72"), ("83470000", "31.44"), ("83470002", "18.00")]
    assert users_file(data) == USERS


def test_sort_calls_by_fee(data: Path) -> None:
    """Calls by fee, ascending; set-aside records first (no fee); the order is kept for item 2."""
    code, screen = plain_session("7\n2\n4\n1\n2\n0\n")
    sorted_part = after(screen, "== Sort ==").split("== Show all call records ==")[0]
    fees = re.findall(r" (\d+\.\d\d)\s*$", sorted_part, re.MULTILINE)
    assert fees == ["0.22", "0.22", "0.44", "3.50", "8.00"]
    listing = after(screen, "== Show all call records ==")
    assert re.findall(r" (\d+\.\d\d)\s*$", listing, re.MULTILINE) == fees


@pytest.mark.parametrize(
    ("script", "expected", "absent"),
    [
        ("8\n1\n0001\n", ["83470001   张强", "Found: 1."], ["Zhang Qiang   25.00"]),
        ("8\n1\nQIANG\n", ["Zhang Qiang", "张强", "Found: 2."], ["83470002"]),
        ("8\n2\n83473333\n", ["83470002   83473333", "Found: 1; fees of the 1 billed: 0.22 yuan."], ["83471111"]),
        ("8\n3\n2020-12\n", ["02584561234", "Found: 1; fees of the 1 billed: 3.50 yuan."], ["83471111"]),
        ("8\n4\n2021-01-05\n2021-01-01\n2021-01-06\n",
         ["the last day 2021-01-01 is before the first day 2021-01-05", "Found: 2; fees of the 2 billed: 8.44 yuan."],
         ["83472222"]),
        ("8\n1\nnobody\n", ["Users matching 'nobody': none found."], []),
    ],
)
def test_search(data: Path, script: str, expected: list[str], absent: list[str]) -> None:
    """Users by any name; calls by number, month, date range, in start order with the fees' total."""
    code, screen = plain_session(script + "0\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    for text in expected:
        assert text in item
    for text in absent:
        assert text not in item


# -- reports ------------------------------------------------------------------------------


def test_billing_one_month_to_a_named_file(data: Path) -> None:
    """9 writes the bill-detail file where asked; the screen shows the month's rows and totals."""
    code, screen = plain_session("9\n2\n2021-01\nout/jan.txt\n0\n")
    item = after(screen, "== Billing")
    assert re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", item)
    assert "Wrote out/jan.txt." in item
    text = (data / "out/jan.txt").read_text("utf-8")
    assert "== 2021-01 ==" in text and "== 2021-02 ==" not in text
    assert re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", text)


def test_billing_all_months_to_the_default_file(data: Path) -> None:
    """An empty answer takes output/bills.txt; every month with calls is billed."""
    code, screen = plain_session("9\n1\n=\n0\n")
    assert "Write the bills to [= output/bills.txt]: =" in screen
    text = (data / "output/bills.txt").read_text("utf-8")
    assert [m for m in re.findall(r"== (\d{4}-\d\d) ==", text)] == ["2020-12", "2021-01", "2021-02"]
    assert "Months billed: 3; grand total" in screen


def test_anomalies_listed_by_reason_and_written(data: Path) -> None:
    """10 groups the records by reason and writes output/anomalies.txt."""
    code, screen = plain_session("10\n0\n")
    item = after(screen, "== Anomalies")
    assert item.index("Malformed: 1") < item.index("Unknown caller: 1")
    assert "callee '8346000x' is not 3 to 20 digits" in item
    text = (data / "output/anomalies.txt").read_text("utf-8")
    assert "83479999  83463333  2021-01-11 09:00:00  2021-01-11 09:02:00  # unknown-caller" in text


def test_statement_totals_equal_the_bill_row(data: Path) -> None:
    """11 itemises the month's calls; the bill row below equals the bill file's row."""
    code, screen = plain_session("11\n83470001\n2021-01\n9\n2\n2021-01\n=\n0\n")
    item = after(screen, "== One subscriber's itemised statement ==").split("== Billing")[0]
    assert re.search(r"1 +2021-01-06 09:00:00 +0044207946000 +intl +0:01:00 +8\.00", item)
    assert re.search(r"2 +2021-01-10 10:00:00 +83472222 +local +0:03:00 +0\.22", item)
    row = re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", item)
    assert row is not None
    bill = (data / "output/bills.txt").read_text("utf-8")
    assert re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", bill)


def test_a_statement_lists_the_months_set_aside_calls_after_the_billed_ones(workdir: Path) -> None:
    """11 on the sample data: 马超's billed call of 2021-03 and its bill row, then the two calls of that
    month set aside (a clash), each with its line, start, callee, duration and reason (issue 17 §4)."""
    code, screen = plain_session("11\n83470013\n2021-03\n0\n")
    item = after(screen, "== One subscriber's itemised statement ==").split("== telbill")[0]
    billed = item.index("1   2021-03-28 14:52:12   83212247   local    0:22:19   2.42")
    row = item.index("83470013   马超   40.00     15.00          2.42            0.00   57.42")
    title = item.index("Call records of this month set aside, not in the bill: 2 (item 10).")
    assert billed < row < title
    assert item[title:].splitlines()[1:5] == [
        "Line   Start                 Callee     Duration   Reason",
        "-" * 136,
        " 234   2021-03-02 10:00:00   83465555    0:10:00   same caller at the same time as line 235 "
        "(2021-03-02 10:05:00 to 2021-03-02 10:07:00)",
        " 235   2021-03-02 10:05:00   83466666    0:02:00   same caller at the same time as line 234 "
        "(2021-03-02 10:00:00 to 2021-03-02 10:10:00)"]


def test_search_then_statement_offers_the_subscribers_latest_month(workdir: Path) -> None:
    """Search → statement for Cao Yu offers 2020-12, the month of his latest call, not the last
    month anyone was billed (2021-03, where his statement is empty): the call is shown (issue 17 §4)."""
    code, screen = plain_session("8\n1\nCao Yu\n1\n=\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    assert "Month (e.g. 2021-01) [= 2020-12]: =" in item
    assert "Statement of 83470030 Cao Yu for 2020-12" in item
    assert "1   2020-12-31 08:07:23   83466915   local    0:01:00   0.22" in item


@pytest.mark.parametrize("script", ["11\n83470002\n=\n0\n", "8\n1\n83470002\n1\n=\n0\n"])
def test_item_11_and_search_offer_the_month_of_the_latest_call_billed_or_not(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch,
                                                                            script: str) -> None:
    """Li Na's latest call (2021-03) ends before it starts: item 11 and search → statement both offer
    2021-03 (not 2021-02, her last billed month), where the statement shows it set aside."""
    monkeypatch.chdir(tmp_path)
    write_data(tmp_path, calls=CALLS + "83470002  83474444  2021-03-03 09:00:00  2021-03-03 08:00:00\n")
    code, screen = plain_session(script)
    assert "Month (e.g. 2021-01) [= 2021-03]: =" in screen
    item = after(screen, "Statement of 83470002 Li Na for 2021-03")
    assert "No billed calls this month." in item
    assert "Call records of this month set aside, not in the bill: 1 (item 10)." in item
    assert re.search(r" 9 +2021-03-03 09:00:00 +83474444 +-1:00:00 +ends 2021-03-03 08:00:00, before it starts", item)


def test_statistics_draw_bars(data: Path) -> None:
    """12 shows revenue per month as bars (local #, long distance =) and the top subscribers."""
    code, screen = plain_session("12\n0\n")
    item = after(screen, "== Statistics ==")
    assert "Call revenue per month (bars: # Local calls  = Long distance)" in item
    jan = re.search(r"2021-01 +(#+)(=+) +0\.66 +8\.00 +8\.66", item)
    assert jan is not None and len(jan[1]) + len(jan[2]) == 40
    assert "Top 3 subscribers by total (months billed: 3)" in item
    assert re.search(r"1 +83470001 +张强 +#{40} +", item)


def test_backup_then_restore(data: Path) -> None:
    """13 backs up both files; a later restore puts the chosen copy back and logs it."""
    code, screen = plain_session("13\n1\n3\n83470099\nX\n0\n0\n13\n2\n3\ny\n0\n")
    assert "Backed up data/users.txt as data/backup/users.txt." in screen
    item = after(screen, "== Back up / restore the data files ==")
    listing = item.split("Number of the backup")[0]
    assert len(re.findall(r"^ +\d +[0-9-]+ [0-9:]+ +users\.txt ", listing, re.MULTILINE)) == 2
    assert users_file(data) == USERS  # the oldest users backup (3rd, newest first) is the original
    assert "Restored data/users.txt from data/backup/users.txt." in item
    assert [line[2] for line in audit(data)] == ["backup", "backup", "add-user", "restore"]


# -- languages and the command ----------------------------------------------------------------


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


def test_telbill_menu_plain_through_the_command(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``telbill --lang en menu --plain`` runs the same menu; stdin from a pipe."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n0\n"))
    out = io.StringIO()
    assert main(["--lang", "en", "menu", "--plain"], stdout=out, stderr=io.StringIO()) == 0
    assert "Li Na" in out.getvalue()


def test_printf_1_0_piped_into_telbill_lists_every_user(data: Path) -> None:
    """The instructor's script: ``printf '1\\n0\\n' | telbill`` lists every user and exits 0."""
    proc = subprocess.run([sys.executable, "-m", "telbill", "--lang", "en"], input="1\n0\n",
                          capture_output=True, text=True, encoding="utf-8", cwd=data, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    for phone, name in (("83470000", "Zhang Qiang"), ("83470001", "张强"), ("83470002", "Li Na")):
        assert re.search(rf"{phone} +{name}", proc.stdout)


# -- finding anyone, acting on what was found (issue 11) ------------------------------------

MORE_USERS = USERS + "83470003  欧阳 小明  20  0\n83470004  曾国藩  20  0\n"


def test_a_subscriber_is_found_by_pinyin_initials_and_picked_from_a_list(data: Path) -> None:
    """zq names Zhang Qiang and 张强: a numbered list to pick from; the statement is the one picked."""
    code, screen = plain_session("11\nzq\n2\n2021-01\n0\n")
    item = after(screen, "== One subscriber's itemised statement ==")
    assert "Several subscribers match (2); which one?\n  1  83470000  Zhang Qiang\n  2  83470001  张强\n" \
           "  0  Back to the menu\nChoose 0-2: 2" in item
    assert "Statement of 83470001 张强 for 2021-01" in item


@pytest.mark.parametrize(
    ("typed", "name"),
    [("欧阳小明", "欧阳 小明"), ("oyxm", "欧阳 小明"), ("XIAOMING", "欧阳 小明"), ("zeng", "曾国藩"),
     ("ceng guo fan", "曾国藩"), ("0004", "曾国藩"), ("83470003", "欧阳 小明")],
)
def test_one_match_is_taken_and_said(data: Path, typed: str, name: str) -> None:
    """A name without its spaces, pinyin, initials, a heteronym's either reading, part of a phone:
    one match is taken at once and said."""
    (data / "data/users.txt").write_text(MORE_USERS, "utf-8")
    code, screen = plain_session(f"6\n1\n{typed}\nn\n0\n")
    assert f"Found: {screen.split('Found: ')[1].splitlines()[0]}".endswith(name)
    assert f"Delete user 8347000{'3' if '小明' in name else '4'}  {name}? (y/N): n" in screen
    assert users_file(data) == MORE_USERS


def test_a_query_that_fits_nobody_or_too_many_is_asked_again(data: Path) -> None:
    """Nobody: the reason, and the question again; more matches than a list should hold: type more."""
    many = "".join(f"8348{i:04d}  User {i}  1  1\n" for i in range(60))
    (data / "data/users.txt").write_text(USERS + many, "utf-8")
    code, screen = plain_session("11\nxyz\n8348\n83470001\n2021-01\n0\n")
    assert "no subscriber's phone, name or pinyin matches 'xyz' (q or an empty answer goes back" in screen
    assert "60 subscribers match '8348'; type more of the phone or name" in screen
    assert "Statement of 83470001 张强 for 2021-01" in screen


def test_search_then_act_on_a_user(data: Path) -> None:
    """A search result leads to what can be done with it: here the user's calls, then deleting one."""
    code, screen = plain_session("8\n1\nzhang\n2\n2\n1\n2\ny\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    assert "Number of the user to act on (1-2, 0 goes back): 2" in item
    assert "What should be done with 83470001  张强?" in item
    assert "Call records from 83470001 (2)" in item
    assert "Delete call record 83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:01:00? (y/N): y" in item
    assert "0044207946000" not in calls_file(data)


def test_search_then_act_on_a_call(data: Path) -> None:
    """A call found by month is changed without typing its caller again."""
    code, screen = plain_session("8\n3\n2021-02\n1\n1\n=\n=\n=\n2021-02-01 08:02:00\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    assert "What should be done with 83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:00:59?" in item
    assert "After:  83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:02:00" in item
    assert "83470002\t83473333" not in calls_file(data)
    assert "83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:02:00\n" in calls_file(data)


def test_a_months_calls_come_in_start_order_with_their_total(data: Path) -> None:
    """Calls of a month: in start order whatever the current order, then the fees' total."""
    code, screen = plain_session("7\n2\n1\n2\n8\n3\n2021-01\n0\n0\n")
    item = after(screen, "== Search, then act on what was found ==")
    starts = re.findall(r"2021-01-\d\d \d\d:\d\d:\d\d", item)
    assert starts == sorted(starts) and len(starts) == 4
    assert "Found: 4; fees of the 3 billed: 8.66 yuan." in item


def test_chinese_names_sort_by_pinyin(data: Path) -> None:
    """Sorting by name puts Chinese and Latin names together by their letters."""
    names = ["冯小刚", "司马光明", "周杰", "唐国强", "徐丽", "Zhang Qiang", "张强", "Li Na", "曾国藩"]
    (data / "data/users.txt").write_text("".join(f"8347{i:04d}  {n}  1  1\n" for i, n in enumerate(names)), "utf-8")
    code, screen = plain_session("7\n1\n2\n1\n0\n")
    item = after(screen, "== Sort ==")
    assert "Users by name, A to Z" in item
    listed = re.findall(r"^ +\d+ +\d{8} +(.+?) +1\.00", item, re.MULTILINE)
    assert listed == ["冯小刚", "Li Na", "司马光明", "唐国强", "徐丽", "曾国藩", "Zhang Qiang", "张强", "周杰"]


# -- confirmations in proportion to harm; details (issue 11) ----------------------------------


def test_billing_a_month_without_calls_asks_first(data: Path) -> None:
    """A month with no billed calls is billed only after a yes (rent and feature fees only)."""
    code, screen = plain_session("9\n2\n2021-05\nn\n9\n2\n2021-05\ny\nout/may.txt\n0\n")
    assert "2021-05 has no billed calls; bill it anyway (rent and feature fees only)? (y/N): n" in screen
    assert "Nothing was written." in screen
    assert "== 2021-05 ==" in (data / "out/may.txt").read_text("utf-8")


def test_a_rent_above_ten_thousand_yuan_asks_are_you_sure(data: Path) -> None:
    """A rent over 10,000 yuan needs a yes; a no asks for the amount again."""
    code, screen = plain_session("3\n83470099\nBig\n25000\nn\n25\n10000.01\ny\n0\n")
    assert "A monthly rent of 25,000.00 yuan is more than 10,000.00 yuan. Is that right? (y/N): n" in screen
    assert "A monthly feature fee of 10,000.01 yuan is more than 10,000.00 yuan. Is that right? (y/N): y" in screen
    assert users_file(data).endswith("83470099  Big  25.00  10000.01\n")


def test_a_time_alone_is_checked_as_a_time(data: Path) -> None:
    """At the question for a time, 9:00 is refused as "not a time", not as a date and time."""
    code, screen = plain_session("4\n83470002\n83475555\n2021-02-03\n9:00\n09:00:00\n09:01:00\n0\n")
    assert "'9:00' is not a time like 08:00:00 (q or an empty answer goes back to the menu)" in screen
    assert calls_file(data).endswith("83470002  83475555  2021-02-03 09:00:00  2021-02-03 09:01:00\n")


def test_counts_have_thousands_separators(data: Path) -> None:
    """1,200 call records: the heading and the listing's count say 1,200."""
    calls = "".join(f"83470000  83471111  2021-01-01 {i // 60 % 24:02d}:{i % 60:02d}:00  "
                    f"2021-01-01 {i // 60 % 24:02d}:{i % 60:02d}:01\n" for i in range(1200))
    (data / "data/calls.txt").write_text(calls, "utf-8")
    code, screen = plain_session("2\n0\n")
    assert "Call records: 1,200 (data/calls.txt): 1,200 billed, 0 set aside" in screen
    assert "Call records: 1,200; billed 1,200, set aside 0 (no fee)." in screen


def test_many_bad_users_lines_are_summed_up_at_start_and_listed_by_item_1(data: Path) -> None:
    """The menu opens naming the first five bad lines and how many more; item 1 lists every one."""
    bad = "".join(f"8347x{i}  Bad {i}  1  1\n" for i in range(7))
    (data / "data/users.txt").write_text(USERS + bad, "utf-8")
    code, screen = plain_session("1\n0\n")
    start = screen.split("== telbill")[0]
    assert start.count("data/users.txt line ") == 5
    assert "  … and 2 more (item 1 lists them all)" in start
    listing = after(screen, "== Show all users ==")
    assert "data/users.txt: lines that could not be read: 7; they are kept in the file as they are:" in listing
    assert re.search(r"^ +12 +phone '8347x6' is not 3 to 20 digits$", listing, re.MULTILINE)


def test_full_width_menu_numbers_and_an_empty_main_menu_answer(data: Path) -> None:
    """１ typed with a Chinese input method opens item 1; an empty line at the main menu just asks again."""
    code, screen = plain_session("\n１\n０\n")
    assert code == 0
    assert "== Show all users ==" in screen
    assert "is not one of the numbers shown" not in screen


def test_a_huge_line_is_shown_cut_with_its_length(data: Path) -> None:
    """A 70,000-character calls line is listed by items 2 and 10 cut short with its length, so
    every other row stays a normal width (the anomalies file keeps the whole text)."""
    huge = "83470000  " + "1" * 70_000
    (data / "data/calls.txt").write_text(CALLS + huge + "\n", "utf-8")
    code, screen = plain_session("10\n2\n0\n")
    assert code == 0
    assert screen.count("… (70,010 characters in all)") == 2
    assert max(map(len, screen.splitlines())) < 400
    assert huge in (data / "output/anomalies.txt").read_text("utf-8")


def test_q_at_a_yes_no_question_leaves_the_item(data: Path) -> None:
    """The sanity question about a large rent: q leaves the item (nothing saved); an empty answer is no,
    which asks for the rent again."""
    code, screen = plain_session("3\n83470099\nWang\n20000\nq\n3\n83470099\nWang\n20000\n\n25\n0\n0\n")
    assert screen.count("Back to the menu; nothing saved.") == 1
    assert users_file(data).endswith("83470099  Wang  25.00  0.00\n")


def test_a_number_that_is_no_ascii_digit_is_refused_not_a_crash(data: Path) -> None:
    """A superscript two at 'which call' is refused with the reason (str.isdigit would take it)."""
    code, screen = plain_session("6\n2\n83470000\n²\n0\n0\n")
    assert code == 0
    assert "Internal error" not in screen and "'²' is not one of the numbers (1-2, 0 goes back)" in screen
