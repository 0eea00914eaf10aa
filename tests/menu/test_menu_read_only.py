"""Data files that cannot be written: said at once, before anything is typed, never a traceback."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from plain import EN, plain_session


@pytest.mark.parametrize("item, kind", [("3", "users"), ("4", "calls"), ("6\n1\n83470000", "users"),
                                        ("5\n2\n83470000", "calls")])
def test_a_read_only_data_file_is_refused_before_any_question(data: Path, item: str, kind: str) -> None:
    """A read-only users.txt or calls.txt: the heading says so, and an add, modify or delete
    stops at once with the reason (not after the operator typed a whole record)."""
    path = data / f"data/{kind}.txt"
    before = path.read_bytes()
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    screen = plain_session(f"{item}\n0\n").screen
    assert (f"Changes to data/{kind}.txt cannot be saved: it is read-only, or this user may not write it or "
            "its folder") in screen
    message = EN("menu.error", message=EN("data.read_only", path=f"data/{kind}.txt"))
    assert message in screen
    assert "Traceback" not in screen and "Internal error" not in screen
    assert path.read_bytes() == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_writable_file_shows_no_warning(data: Path) -> None:
    """Nothing is said about files that can be written."""
    assert "cannot be saved" not in plain_session("0\n").screen
