"""Data files that are not there (newuser11 finding 3): the error says where they were looked for
and what to do, in the batch and in a menu script; a person at the menu who names files that do not
exist yet is offered to start from empty ones (docs/menu.md, "Opening it")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from telbill.errors import InputFileError

from command import run
from terminal import ENTER, typed_session

HINT = "name your files with --users and --calls, or start from empty files"


def test_the_batch_in_another_folder_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``cd somewhere && telbill bill -q``: the default data/users.txt is relative to the current folder."""
    monkeypatch.chdir(tmp_path)
    assert run("bill", "-q") == (2, "", f"error: data/users.txt: no such file (looked for in {tmp_path}/data; {HINT})\n")
    assert run("bill", "--users", "u.txt", "--lang", "zh") == (
        2, "", f"错误：u.txt：文件不存在（查找位置：{tmp_path}；可用 --users 和 --calls 指定数据文件，或从空文件开始）\n")
    assert run("bill", "--users", str(tmp_path / "u.txt"), "--calls", "c.txt").err == \
        f"error: {tmp_path}/u.txt: no such file (looked for in {tmp_path}; {HINT})\n"
    assert list(tmp_path.iterdir()) == []


def test_a_missing_tariff_is_said_as_before(data: Path) -> None:
    """The hint is for the data files: a tariff named and missing is only that."""
    assert run("bill", "--tariff", "nope.toml") == (2, "", "error: nope.toml: no such file\n")


def test_a_menu_script_gets_the_hint_and_no_file_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``printf '0\\n' | telbill --users u.txt --calls c.txt``: a script is asked nothing; exit 2."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("0\n"))
    assert run("--users", "u.txt", "--calls", "c.txt") == (
        2, "", f"error: u.txt: no such file (looked for in {tmp_path}; {HINT})\n")
    assert list(tmp_path.iterdir()) == []


def test_a_person_starting_from_nothing_is_offered_empty_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a terminal, data/ there but empty: ``y`` makes both files empty, the menu opens on them,
    and item 3 adds the first user."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    add = "3" + ENTER + "83470001" + ENTER + "First" + ENTER + "25" + ENTER + "5" + ENTER
    run_ = typed_session("y" + add + "0" + ENTER, height=50, width=120)
    assert run_.code == 0
    assert "data/users.txt, data/calls.txt: no such file. Start from empty files (they are made now)?" in run_.drawn
    assert "Made data/users.txt, data/calls.txt, empty: add users with item 3 and calls with item 4." in run_.screen
    assert "Users: 0 (data/users.txt)" in run_.screen
    assert (tmp_path / "data/users.txt").read_text("utf-8") == "83470001  First  25.00  5.00\n"
    assert (tmp_path / "data/calls.txt").read_bytes() == b""


def test_a_no_leaves_the_error_and_makes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``n`` (or Enter): nothing is made, and the error with its hint is the command's to say."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    with pytest.raises(InputFileError):
        typed_session("n")
    assert list((tmp_path / "data").iterdir()) == []
