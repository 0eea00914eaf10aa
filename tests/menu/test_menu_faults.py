"""Faults while the menu saves, and two writers on one file, as the operator sees them."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from telbill.files.dataset import DataPaths
from telbill.text.i18n import Translator

from faults import full_disk

menu = pytest.importorskip("telbill.menu")
session_mod = pytest.importorskip("telbill.session.facade")

EN = Translator("en")
OLD = b"# old data\n83470000  A  1  1\n"
ADD_B = "3\n83470001\nB\n1\n0\n"  # item 3: phone, name, rent, feature
MODIFY_NAME = "5\n1\n83470000\nRenamed\n=\n=\n"  # item 5, a user: phone, new name, keep rent and feature (=)


class Script(io.StringIO):
    """Typed answers; ``before_line[n]`` runs just before the n-th answer (1-based) is read."""

    def __init__(self, text: str, before_line: dict[int, Any] | None = None) -> None:
        super().__init__(text)
        self.count = 0
        self.before_line = before_line or {}

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        self.count += 1
        action = self.before_line.get(self.count)
        if action is not None:
            action()
        return super().readline()


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/users.txt").write_bytes(OLD)
    (tmp_path / "data/calls.txt").write_bytes(b"83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_menu(script: Script) -> tuple[int, str]:
    out = io.StringIO()
    code = menu.run_menu(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), EN, plain=True, stdout=out,
                         stdin=script, audit_log=Path("output/audit.log"), operator="tester")
    return code, out.getvalue()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def test_disk_full_while_the_menu_saves(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk is full when a new user is appended: one error line, file as it was, the menu goes on."""
    real = full_disk(monkeypatch, "/data/users.txt")
    code, out = run_menu(Script(ADD_B + "1\n0\n"))
    assert code == 0
    reason = EN("output.unwritable", path="data/users.txt", reason="No space left on device")
    assert EN("menu.error", message=reason) in out.splitlines()
    assert (data / "data/users.txt").read_bytes() == OLD
    assert "83470001" not in out.split(reason)[1]  # item 1 afterwards shows only the old user
    assert leftovers(data) == []
    assert not (data / "output/audit.log").exists()  # nothing was changed, nothing logged

    monkeypatch.setattr(os, "write", real)  # the disk has room again
    code, out = run_menu(Script(ADD_B + "0\n"))
    assert code == 0
    assert (data / "data/users.txt").read_bytes() == OLD + b"83470001  B  1.00  0.00\n"


def test_ctrl_c_while_the_menu_saves(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C half way through writing the new users.txt (a changed name): back to the menu, file whole, no temp file."""
    real = os.fdopen
    calls = [0]

    class Interrupted:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> Interrupted:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def writelines(self, chunks: list[bytes]) -> None:
            self.fh.write(b"".join(chunks)[:5])
            raise KeyboardInterrupt

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        fh = real(fd, *args, **kwargs)
        if "w" not in str(args[0] if args else kwargs.get("mode", "r")):
            return fh  # a file opened for reading
        calls[0] += 1
        return Interrupted(fh) if calls[0] == 1 else fh  # the new users.txt

    monkeypatch.setattr(os, "fdopen", fdopen)
    code, out = run_menu(Script(MODIFY_NAME + "0\n"))
    assert code == 0
    assert EN("menu.interrupted") in out
    assert (data / "data/users.txt").read_bytes() == OLD
    assert leftovers(data) == []
    assert not (data / "data/backup").exists() and not (data / "output/audit.log").exists()


def test_another_writer_during_an_edit_is_not_overwritten(data: Path) -> None:
    """Another telbill saves users.txt while this one is asking: refused, reloaded, told; redo works."""

    def other_writer() -> None:
        other = session_mod.Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")),
                                    audit_log=Path("output/audit.log"), operator="other")
        other.add_user("83470002", "Other", 500, 0)

    code, out = run_menu(Script(ADD_B + ADD_B + "0\n", before_line={5: other_writer}))
    assert code == 0
    assert EN("conflict.changed", path="data/users.txt") in out.splitlines()
    assert (data / "data/users.txt").read_bytes() == (
        OLD + b"83470002  Other  5.00  0.00\n" + b"83470001  B  1.00  0.00\n")
    audit = (data / "output/audit.log").read_text("utf-8").splitlines()
    assert [line.split("\t")[1:3] for line in audit] == [["other", "add-user"], ["tester", "add-user"]]


def test_file_changed_while_at_the_main_menu_is_reloaded_and_told(data: Path) -> None:
    """An edit made while the menu waits is read before the next item, with a notice."""

    def edit() -> None:
        (data / "data/users.txt").write_bytes(OLD + b"83470009  Edited  1  1\n")

    code, out = run_menu(Script("1\n1\n0\n", before_line={1: edit}))
    assert code == 0
    notice = EN("menu.reloaded", path="data/users.txt")
    assert notice in out.splitlines()
    assert "Edited" in out.split(notice)[1]


def test_file_changed_while_waiting_at_the_main_prompt_is_read_before_the_chosen_item(data: Path) -> None:
    """An edit made while the menu waits for a choice is seen by the item chosen (told first), not one item later."""

    calls = (data / "data/calls.txt").read_bytes()

    def edit() -> None:
        (data / "data/users.txt").write_bytes(OLD + b"83470009  Edited  1  1\n")
        (data / "data/calls.txt").write_bytes(calls + b"83470009  110  2021-05-01 10:00:00  2021-05-01 10:01:00\n")

    code, out = run_menu(Script("1\n0\n", before_line={1: edit}))
    assert code == 0
    notice = EN("menu.reloaded", path="data/users.txt")
    assert notice in out.splitlines()
    assert "Edited" in out.split(notice)[1].split("== telbill")[0]  # in the same item's listing

    (data / "data/users.txt").write_bytes(OLD)
    (data / "data/calls.txt").write_bytes(calls)
    code, out = run_menu(Script("9\n1\n=\n0\n", before_line={1: edit}))
    assert code == 0
    assert EN("menu.reloaded", path="data/calls.txt") in out.splitlines()
    bills = (data / "output/bills.txt").read_text("utf-8")
    assert "== 2021-05 ==" in bills and "Edited" in bills
