"""Item 13 (menu/items/backup.py): backing up the data files, restoring a backup, undoing the last
change."""

from __future__ import annotations

import re
from pathlib import Path

from on_disk import audit, users_file
from plain import after, plain_session
from smalldata import USERS


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


def test_the_restore_list_shows_the_change_it_takes_back(data: Path) -> None:
    """After a user's name is changed, the backup that takes it back says old → new."""
    code, screen = plain_session("5\n1\n83470001\nZhang\n=\n=\n13\n2\n0\n0\n")
    assert code == 0
    assert "modified a user: 83470001  张强  25.00  6.50 → 83470001  Zhang  25.00  6.50" in screen
