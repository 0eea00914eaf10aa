"""An outside edit that keeps the file's size is still caught (a gap the mutation test found; SPEC §7)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from telbill.errors import ConflictError
from telbill.session.facade import Session

from smalldata import USERS, open_session


def edit_in_place(old: str, new: str) -> str:
    """users.txt rewritten elsewhere with ``old`` → ``new`` (same size), its modification time a second on."""
    path = Path("data/users.txt")
    before = os.stat(path)
    text = path.read_text("utf-8").replace(old, new)
    assert len(text.encode()) == before.st_size
    path.write_text(text, "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    return text


def test_a_same_size_outside_edit_is_reported_before_the_next_item(data: Path) -> None:
    """Li Na → Li Ma in users.txt, outside telbill: the look before the next item reports the file and
    reads it (the size alone does not say the bytes are the same)."""
    s = open_session()
    edit_in_place("Li Na", "Li Ma")
    assert s.refresh() == [Path("data/users.txt")]
    assert s.user("83470002").name == "Li Ma"  # type: ignore[union-attr]


@pytest.mark.parametrize("change", [lambda s: s.modify_user("83470000", name="Someone"),
                                    lambda s: s.add_user("83470099", "New One", 0, 0)], ids=["replace", "append"])
def test_a_save_over_a_same_size_outside_edit_is_refused_and_the_edit_survives(
        data: Path, change: Callable[[Session], object]) -> None:
    """The same edit made while the menu holds the file: a save is refused (ConflictError), the outside
    edit stays in the file, and what is held is read again."""
    s = open_session()
    edited = edit_in_place("Li Na", "Li Ma")
    with pytest.raises(ConflictError) as info:
        change(s)
    assert str(info.value) == ("data/users.txt changed on disk since it was loaded; it was not overwritten. "
                               "Reloaded it: please redo the change.")
    assert Path("data/users.txt").read_text("utf-8") == edited != USERS
    assert s.user("83470002").name == "Li Ma"  # type: ignore[union-attr]
