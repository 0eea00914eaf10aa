"""When a save cannot be made, as the operator sees it (SPEC §7): a full disk, Ctrl-C while saving,
another writer on the same file, a file changed while the menu waits, a data file that cannot be
written."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from telbill import interrupts
from telbill.store import keeper

from faults import full_disk, leftovers
from plain import EN, Typed, plain_session
from smalldata import ONE_USER, open_session

OLD = ONE_USER.encode()
ADD_B = "3\n83470001\nB\n1\n0\n"  # item 3: phone, name, rent, feature
MODIFY_NAME = "5\n1\n83470000\nRenamed\n=\n=\n"  # item 5, a user: phone, new name, keep rent and feature (=)


def test_disk_full_while_the_menu_saves(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk is full when a new user is appended: one error line, file as it was; a script stops
    there, with exit 1 (newuser11 finding 1)."""
    real = full_disk(monkeypatch, "/data/users.txt")
    code, out = plain_session(Typed(ADD_B + "1\n0\n"))
    assert code == 1
    reason = EN("output.unwritable", path="data/users.txt", reason="No space left on device")
    assert EN("menu.error", message=reason) in out.splitlines()
    assert (small / "data/users.txt").read_bytes() == OLD
    assert out.split(reason)[1] == "\nGoodbye.\n"  # item 1 was not opened by the script's next line
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
        other = open_session(operator="other")
        other.add_user("83470002", "Other", 500, 0)

    code, out = plain_session(Typed(ADD_B + ADD_B + "0\n", before_line={5: other_writer}))
    assert code == 1  # an item not done: exit 1, the script stopped (newuser11 finding 1)
    assert EN("conflict.changed", path="data/users.txt") in out.splitlines()
    assert (small / "data/users.txt").read_bytes() == OLD + b"83470002  Other  5.00  0.00\n"
    assert plain_session(Typed(ADD_B + "0\n")).code == 0  # the script run again: redone
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


def test_ctrl_c_just_as_a_save_ends_still_shows_what_was_saved(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C comes the instant the save's own hold on Ctrl-C ends (the change made, the menu's
    lists updated): the operator still sees the change and ``Saved …``; the Ctrl-C is dropped, as
    one that comes while the save is made (it cut the item off before those lines)."""
    real = interrupts.held

    @contextlib.contextmanager
    def then_ctrl_c(*, reraise: bool) -> Iterator[None]:
        with real(reraise=reraise):
            yield
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(keeper.interrupts, "held", then_ctrl_c)
    code, out = plain_session(Typed(ADD_B + "0\n"))
    assert code == 0
    assert (small / "data/users.txt").read_bytes() == OLD + b"83470001  B  1.00  0.00\n"
    assert "Added: 83470001  B  1.00  0.00" in out.splitlines()
    assert "Saved data/users.txt (item 13 can undo it)." in out.splitlines()
    assert EN("menu.interrupted") not in out


def test_ctrl_c_after_an_item_wrote_a_file_still_stops_it(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 9 saves nothing: Ctrl-C once its bill file is written (its renames' own hold ended) stops
    it at once, as before any save (it was handed on as a save's and dropped: the item went on)."""
    from telbill.menu.view import View

    real = View.table

    def ctrl_c_then_table(self: View, *args: object, **kwargs: object) -> bool:
        signal.raise_signal(signal.SIGINT)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(View, "table", ctrl_c_then_table)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in telbill
    try:
        code, out = plain_session(Typed("9\n1\nout/bills.txt\n0\n"))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert code == 0
    assert (small / "out/bills.txt").exists()
    assert EN("menu.interrupted") in out.splitlines()
    assert EN("menu.wrote", path="out/bills.txt") not in out
    assert signal.getsignal(signal.SIGINT) is previous
