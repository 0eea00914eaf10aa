"""Faults while the menu saves, and two writers on one file, as the operator sees them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from telbill.files.dataset import DataPaths

from faults import full_disk, leftovers
from plain import EN, Typed, plain_session
from smalldata import ONE_USER

session_mod = pytest.importorskip("telbill.session.facade")

OLD = ONE_USER.encode()
ADD_B = "3\n83470001\nB\n1\n0\n"  # item 3: phone, name, rent, feature
MODIFY_NAME = "5\n1\n83470000\nRenamed\n=\n=\n"  # item 5, a user: phone, new name, keep rent and feature (=)


def test_disk_full_while_the_menu_saves(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk is full when a new user is appended: one error line, file as it was, the menu goes on."""
    real = full_disk(monkeypatch, "/data/users.txt")
    code, out = plain_session(Typed(ADD_B + "1\n0\n"))
    assert code == 0
    reason = EN("output.unwritable", path="data/users.txt", reason="No space left on device")
    assert EN("menu.error", message=reason) in out.splitlines()
    assert (small / "data/users.txt").read_bytes() == OLD
    assert "83470001" not in out.split(reason)[1]  # item 1 afterwards shows only the old user
    assert leftovers(small) == []
    assert not (small / "output/audit.log").exists()  # nothing was changed, nothing logged

    monkeypatch.setattr(os, "write", real)  # the disk has room again
    code, out = plain_session(Typed(ADD_B + "0\n"))
    assert code == 0
    assert (small / "data/users.txt").read_bytes() == OLD + b"83470001  B  1.00  0.00\n"


def test_ctrl_c_while_the_menu_saves(small: Path, fail_mid_write: Callable[..., None]) -> None:
    """Ctrl-C half way through writing the new users.txt (a changed name): back to the menu, file whole, no temp file."""
    fail_mid_write(KeyboardInterrupt())  # the new users.txt
    code, out = plain_session(Typed(MODIFY_NAME + "0\n"))
    assert code == 0
    assert EN("menu.interrupted") in out
    assert (small / "data/users.txt").read_bytes() == OLD
    assert leftovers(small) == []
    assert not (small / "data/backup").exists() and not (small / "output/audit.log").exists()


def test_another_writer_during_an_edit_is_not_overwritten(small: Path) -> None:
    """Another telbill saves users.txt while this one is asking: refused, reloaded, told; redo works."""

    def other_writer() -> None:
        other = session_mod.Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")),
                                    audit_log=Path("output/audit.log"), operator="other")
        other.add_user("83470002", "Other", 500, 0)

    code, out = plain_session(Typed(ADD_B + ADD_B + "0\n", before_line={5: other_writer}))
    assert code == 0
    assert EN("conflict.changed", path="data/users.txt") in out.splitlines()
    assert (small / "data/users.txt").read_bytes() == (
        OLD + b"83470002  Other  5.00  0.00\n" + b"83470001  B  1.00  0.00\n")
    audit = (small / "output/audit.log").read_text("utf-8").splitlines()
    assert [line.split("\t")[1:3] for line in audit] == [["other", "add-user"], ["tester", "add-user"]]


def test_file_changed_while_at_the_main_menu_is_reloaded_and_told(small: Path) -> None:
    """An edit made while the menu waits is read before the next item, with a notice."""

    def edit() -> None:
        (small / "data/users.txt").write_bytes(OLD + b"83470009  Edited  1  1\n")

    code, out = plain_session(Typed("1\n1\n0\n", before_line={1: edit}))
    assert code == 0
    notice = EN("menu.reloaded", path="data/users.txt")
    assert notice in out.splitlines()
    assert "Edited" in out.split(notice)[1]


def test_file_changed_while_waiting_at_the_main_prompt_is_read_before_the_chosen_item(small: Path) -> None:
    """An edit made while the menu waits for a choice is seen by the item chosen (told first), not one item later."""

    calls = (small / "data/calls.txt").read_bytes()

    def edit() -> None:
        (small / "data/users.txt").write_bytes(OLD + b"83470009  Edited  1  1\n")
        (small / "data/calls.txt").write_bytes(calls + b"83470009  110  2021-05-01 10:00:00  2021-05-01 10:01:00\n")

    code, out = plain_session(Typed("1\n0\n", before_line={1: edit}))
    assert code == 0
    notice = EN("menu.reloaded", path="data/users.txt")
    assert notice in out.splitlines()
    assert "Edited" in out.split(notice)[1].split("== telbill")[0]  # in the same item's listing

    (small / "data/users.txt").write_bytes(OLD)
    (small / "data/calls.txt").write_bytes(calls)
    code, out = plain_session(Typed("9\n1\n=\n0\n", before_line={1: edit}))
    assert code == 0
    assert EN("menu.reloaded", path="data/calls.txt") in out.splitlines()
    bills = (small / "output/bills.txt").read_text("utf-8")
    assert "== 2021-05 ==" in bills and "Edited" in bills
