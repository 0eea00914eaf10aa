"""The reason a call is set aside for an unknown caller names the users file by its own name, as
the calls file is named (newuser11 finding 5): in the batch's anomalies file, whatever the engine
(in memory, in partitions), and in the menu's item 10. The sample's users.txt keeps its words."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from command import run

USERS = "83470000  A  1  1\n"
CALLS = ("83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n"
         "9999  110  2021-01-02 10:00:00  2021-01-02 10:01:00\n")
NOTE = "9999  110  2021-01-02 10:00:00  2021-01-02 10:01:00  # unknown-caller: caller 9999 is not in {users} (c.dat line 2)"


@pytest.fixture()
def mine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """users_gb.txt and c.dat in mine/, the current folder their parent."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/users_gb.txt").write_text(USERS, "utf-8")
    (tmp_path / "mine/c.dat").write_text(CALLS, "utf-8")
    return tmp_path


@pytest.mark.parametrize("memory", [[], ["--memory", "64K"]], ids=["in memory", "in partitions"])
def test_the_anomalies_file_names_the_users_file(mine: Path, memory: list[str]) -> None:
    """``telbill bill --users mine/users_gb.txt --calls mine/c.dat``: the note says users_gb.txt."""
    code, _, err = run("bill", "--users", "mine/users_gb.txt", "--calls", "mine/c.dat", *memory)
    assert (code, err) == (0, "")
    lines = (mine / "output/anomalies.txt").read_text("utf-8").splitlines()
    assert lines[-1] == NOTE.format(users="users_gb.txt")
    code, _, _ = run("bill", "--users", "mine/users_gb.txt", "--calls", "mine/c.dat", "--lang", "zh", *memory)
    assert (mine / "output/anomalies.txt").read_text("utf-8").splitlines()[-1] == \
        NOTE.replace("caller 9999 is not in {users}", "主叫号码 9999 不在用户资料 users_gb.txt 中")


def test_the_menu_names_the_users_file(mine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 10 lists the record with the same reason, and writes the same file."""
    monkeypatch.setattr("sys.stdin", io.StringIO("10\n0\n"))
    code, out, err = run("--users", "mine/users_gb.txt", "--calls", "mine/c.dat")
    assert (code, err) == (0, "")
    assert "caller 9999 is not in users_gb.txt" in out
    assert (mine / "output/anomalies.txt").read_text("utf-8").splitlines()[-1] == NOTE.format(users="users_gb.txt")
