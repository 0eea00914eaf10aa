"""Item 13 (menu/items/backup.py): backing up the data files, restoring a backup, undoing the last
change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from telbill.text.i18n import Translator

from on_disk import audit, data_files, users_file
from plain import EN, after, plain_session
from smalldata import CALLS, USERS, write_data


def test_backup_then_restore(data: Path) -> None:
    """13 backs up both files; a later restore puts the chosen copy back and logs it."""
    _code, screen = plain_session("13\n1\n3\n83470099\nX\n0\n0\n13\n2\n3\ny\n0\n")
    assert "Backed up data/users.txt as data/backup/users.txt." in screen
    item = after(screen, "== Back up / restore the data files ==")
    listing = item.split("Number of the backup")[0]
    assert len(re.findall(r"^ +\d +[0-9-]+ [0-9:]+ +users\.txt ", listing, re.MULTILINE)) == 2
    assert users_file(data) == USERS  # the oldest users backup (3rd, newest first) is the original
    assert "Restored data/users.txt.\nThe file it replaced is saved as data/backup/users.txt." in item
    assert ("Restoring it also takes back 1 later change(s), newest first:\n  added a user: 83470099  X  0.00  0.00\n"
            "Restore data/users.txt as in the full copy of ") in item
    assert [line[2] for line in audit(data)] == ["backup", "backup", "add-user", "restore"]


def test_the_restore_list_shows_the_change_it_takes_back(data: Path) -> None:
    """After a user's name is changed, the backup that takes it back says old → new."""
    code, screen = plain_session("5\n1\n83470001\nZhang\n=\n=\n13\n2\n0\n0\n")
    assert code == 0
    assert "modified a user: 83470001  张强  25.00  6.50 → 83470001  Zhang  25.00  6.50" in screen


def restore_rows(screen: str) -> list[tuple[str, str]]:
    """(files, what it takes back) of each row of the restore list on ``screen``."""
    listing = screen.split("== Back up / restore the data files ==")[1].split("Number of the backup")[0]
    return re.findall(r"^ +\d +[0-9-]+ [0-9:]+ +((?:users|calls)\.txt(?:, (?:users|calls)\.txt)?) +(.*)$", listing,
                      re.MULTILINE)


def test_a_user_deleted_with_calls_is_one_row_and_restoring_it_brings_back_both_files(data: Path) -> None:
    """A user deleted with their two calls (one transaction) is one row naming both files; restoring it
    puts both files back as they were, in one transaction (an audit line each), and undo takes the
    restore back whole (it was one row for users.txt, one for calls.txt, each restoring one file)."""
    before = data_files(data)
    plain_session("6\n1\n83470000\n2\ny\n0\n")
    deleted = data_files(data)
    screen = plain_session("13\n2\n1\ny\n0\n").screen
    assert restore_rows(screen) == [("users.txt, calls.txt",
                                     "deleted a user: 83470000  Zhang Qiang  25.00  6.00 (and 2 more)")]
    assert "Restore data/users.txt and data/calls.txt as before the change of " in screen
    assert ".undo" not in screen.split("Number of the backup")[1]
    assert "Restored data/users.txt.\n" in screen and "Restored data/calls.txt.\n" in screen
    assert data_files(data) == before
    assert [line[2] for line in audit(data)][-2:] == ["restore", "restore"]
    assert len({line[0] for line in audit(data)[-2:]}) == 1  # one transaction, one moment
    plain_session("13\n3\ny\n0\n")
    assert data_files(data) == deleted


def test_restoring_an_older_change_says_and_takes_back_the_later_ones_whole(data: Path) -> None:
    """A user added, then another deleted with their calls: restoring the add takes the deletion back
    too, both of its files (not users.txt alone, which would bring the user back without their calls);
    the list names the files it restores, and it and the question say which later change it takes back."""
    before = data_files(data)
    plain_session("3\n83470099\nNew\n1\n0\n6\n1\n83470000\n2\ny\n0\n")
    screen = plain_session("13\n2\n2\ny\n0\n").screen
    assert restore_rows(screen) == [
        ("users.txt, calls.txt", "deleted a user: 83470000  Zhang Qiang  25.00  6.00 (and 2 more)"),
        ("users.txt, calls.txt", "added a user: 83470099  New  1.00  0.00; and 1 later change(s)")]
    assert ("Restoring it also takes back 1 later change(s), newest first:\n"
            "  deleted a user: 83470000  Zhang Qiang  25.00  6.00 (and 2 more)\n") in screen
    assert "Restore data/users.txt as before the change of " in screen
    assert " and data/calls.txt as before the change of " in screen
    assert data_files(data) == before


def test_a_full_copy_restored_takes_back_a_later_change_to_both_files_whole(data: Path) -> None:
    """Back up now, then a user deleted with their calls: restoring the users.txt copy puts calls.txt
    back as before the deletion too."""
    before = data_files(data)
    plain_session("13\n1\n6\n1\n83470000\n2\ny\n0\n")
    rows = restore_rows(plain_session("13\n2\n0\n0\n").screen)
    assert sorted(rows[1:]) == [("calls.txt, users.txt", "full copy; and 1 later change(s)"),
                                ("users.txt, calls.txt", "full copy; and 1 later change(s)")]
    number = 2 + rows[1:].index(("users.txt, calls.txt", "full copy; and 1 later change(s)"))
    screen = plain_session(f"13\n2\n{number}\ny\n0\n").screen
    assert "Restore data/users.txt as in the full copy of " in screen
    assert data_files(data) == before


def test_the_backup_list_says_what_each_backup_takes_back(data: Path) -> None:
    """Item 13, restore: each backup with what restoring it takes back; restoring one gives the
    file before that change."""
    screen = plain_session("3\n83470099\nNew\n1\n0\n3\n83470098\nOther\n1\n0\n13\n2\n2\ny\n0\n").screen
    listing = screen.split("== Back up / restore the data files ==")[1].split("Number of the backup")[0]
    assert "Restoring it takes back" in listing
    assert "added a user: 83470098  Other  1.00  0.00" in listing and "added a user: 83470099  New  1.00  0.00" in listing
    assert (data / "data/users.txt").read_text("utf-8") == USERS


def test_the_menu_undoes_the_last_change_after_showing_it(data: Path) -> None:
    """Item 13, choice 3: the last change is shown, a yes takes it back (both files); no changes nothing."""
    plain_session("6\n1\n83470000\n2\ny\n0\n")  # delete the user and their two calls
    screen = plain_session("13\n3\nn\n13\n3\ny\n13\n3\n0\n").screen
    assert "The last change that can be undone:" in screen
    assert "  deleted a user\n    before: 83470000  Zhang Qiang  25.00  6.00\n" in screen
    assert "Nothing was undone." in screen
    assert "Records undone: 3 (each undo is in the audit log)." in screen
    assert "There is no change to undo." in screen
    assert data_files(data) == (USERS.encode(), CALLS.encode())


@pytest.mark.parametrize(("tr", "group", "more"), [
    (EN, "  deleted 5 call records\n", "    … and 2 more\n"),
    (Translator("zh"), "  删除话单（共 5 条）\n", "    ……另有 2 条\n"),
])
def test_the_undo_preview_of_a_user_deleted_with_many_calls_fits_a_screen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tr: Translator, group: str, more: str) -> None:
    """Item 13, undo: a user deleted with their calls is shown as one line per kind of change, the
    first three records of each and how many more, not one block per call scrolling off the screen."""
    monkeypatch.chdir(tmp_path)
    calls = "".join(f"83470002  8347111{n}  2021-01-0{n + 1} 10:00:00  2021-01-0{n + 1} 10:01:00\n"
                    for n in range(4))
    write_data(tmp_path, calls=CALLS + calls)
    screen = plain_session("6\n1\n83470002\n2\ny\n13\n3\nn\n0\n", tr).screen
    preview = screen.split(tr("menu.undo.last"))[1].split(tr("menu.undo.confirm"))[0]
    before = tr("menu.undo.before", record="")
    assert preview.count(before) == 4  # three calls and the user
    assert group in preview and more in preview
    assert preview.endswith(f"  {tr('action.delete-user')}\n{before}83470002  Li Na  18.00  0.00\n")
