"""Every add, modify, delete, restore, undo and backup is in the audit log, written by the store
alone; a change that cannot be logged is not made, and a record's text never breaks its line
(SPEC §7)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import OutputError
from telbill.session.facade import RepeatAction

from faults import ours
from plain import EN, plain_session
from smalldata import CALLS, USERS, open_session, ticking, write_data


def test_a_folder_where_the_audit_log_should_be_means_no_change(data: Path) -> None:
    """The audit log cannot be written: the change is not made and the operator is told."""
    (data / "output/audit.log").mkdir(parents=True)
    message = EN("menu.error", message=EN("audit.unwritable", path="output/audit.log", reason="Is a directory"))
    for script in ("3\n83470099\nNew\n1\n0\n0\n", "5\n1\n83470000\nRenamed\n=\n=\n0\n"):
        code, screen = plain_session(script)
        assert code == 1  # the item not done stops the script (newuser11 finding 1)
        assert screen.count(message) == 1
        assert "Saved" not in screen
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert ours(data) == [] and not (data / "data/backup").exists()


FSIZE_SCRIPT = """
import resource, sys
from pathlib import Path
from telbill.files.dataset import DataPaths
from telbill.errors import OutputError
from telbill.session.facade import Session
s = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), audit_log=Path("output/audit.log"),
            operator="tester")
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
for change in (lambda: s.add_user("83470099", "New", 100, 0), lambda: s.modify_user("83470000", name="Renamed"),
               lambda: s.delete_user("83470000", with_calls=True)):
    try:
        change()
        print("made")
    except OutputError as exc:
        print(exc)
print(len(s.users), len(s.calls))
"""


AUDIT_FULL = "output/audit.log: cannot be written (File too large); the change was not made"
JOURNAL_FULL = "{data}/data/.users.txt.journal: cannot be written (File too large)"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("limit", "third"), [(16384, AUDIT_FULL), (2048, JOURNAL_FULL)],
                         ids=["audit-log", "journal"])
def test_an_audit_log_that_cannot_grow_means_no_change(data: Path, limit: int, third: str) -> None:
    """With ``ulimit -f`` reached by the audit log, an add, a modify and a two-file delete are each
    taken back after the write failed, and said so; the files are as they were. A journal that
    cannot be written whole (the two-file delete's, over 2 KiB) refuses the change too."""
    (data / "output").mkdir()
    (data / "output/audit.log").write_text("x" * (limit - 7) + "\n", "utf-8")
    proc = subprocess.run([sys.executable, "-c", FSIZE_SCRIPT, str(limit)], cwd=data, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [AUDIT_FULL, AUDIT_FULL, third.format(data=data), "3 6"]
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS
    assert (data / "output/audit.log").stat().st_size == limit - 6
    assert ours(data) == []


def test_a_change_refused_because_the_audit_log_is_a_file_in_the_way(data: Path) -> None:
    """The audit log's folder is a file: OutputError names the log; the data files are untouched."""
    (data / "output").write_text("not a folder", "utf-8")
    s = open_session()
    with pytest.raises(OutputError) as info:
        s.delete_user("83470000", with_calls=True)
    assert info.value.render(EN) == ("output/audit.log: cannot be written (Not a directory); "
                                     "the change was not made")
    assert (data / "data/users.txt").read_text("utf-8") == USERS
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS
    assert ours(data) == []


def test_an_undone_add_whose_audit_line_fails_is_put_back_whole(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Undoing an add cuts the line off; when the audit line then cannot be written, the line goes
    back where it was, and the file is as before the undo."""
    s = open_session(data)
    s.add_call("83470002", "110", 63745000000, 63745000060)
    added = (data / "data/calls.txt").read_bytes()
    real = os.write

    def full(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("/output/audit.log"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OutputError):
        s.undo()
    assert (data / "data/calls.txt").read_bytes() == added
    monkeypatch.setattr(os, "write", real)
    s.undo()
    assert (data / "data/calls.txt").read_text("utf-8") == CALLS


def test_a_backup_taken_now_is_logged_by_the_store_one_line_per_copy(tmp_path: Path) -> None:
    """Item 13 "back up now": the keeper copies both files and logs both copies, same time and operator."""
    write_data(tmp_path)
    s = open_session(tmp_path)
    changes = s.backup_now()
    assert [(c.action, c.before) for c in changes] == [("backup", str(tmp_path / "data/users.txt")),
                                                       ("backup", str(tmp_path / "data/calls.txt"))]
    assert [c.backup.read_text("utf-8") if c.backup else None for c in changes] == [USERS, CALLS]
    lines = [line.split("\t") for line in (tmp_path / "output/audit.log").read_text("utf-8").splitlines()]
    assert [line[1:] for line in lines] == [["tester", "backup", f"before: {c.before}", f"after: {c.after}"]
                                            for c in changes]
    assert lines[0][0] == lines[1][0]


def test_a_backup_is_not_taken_when_the_audit_log_cannot_be_written(tmp_path: Path) -> None:
    """An audit log that cannot be written is found before any copy is made (no copy nobody logged)."""
    write_data(tmp_path)
    s = open_session(tmp_path)
    (tmp_path / "output/audit.log").mkdir(parents=True)  # a folder where the log should be
    with pytest.raises(OutputError, match=r"audit\.log: cannot be written \(Is a directory\); the change was not made"):
        s.backup_now()
    assert not (tmp_path / "data/backup").exists()


def test_only_the_store_writes_the_audit_log() -> None:
    """The audit log is opened and its lines made only in telbill/store (issue 16: the audit log
    written only by the store; the session's backups once wrote it themselves)."""
    package = ROOT / "telbill"
    writers = sorted(str(path.relative_to(package)) for path in package.rglob("*.py")
                     if path.parent.name != "store" and any(name in path.read_text("utf-8")
                                                            for name in ("AuditLog", "audit_line")))
    assert writers == []


@pytest.mark.parametrize("odd", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"],
                         ids=lambda c: f"U+{ord(c):04X}")
def test_a_record_with_a_line_breaking_character_keeps_every_audit_line(data: Path, odd: str) -> None:
    """A line holding a character that some readers take for a line break (form feed, NEL, U+2028…):
    deleting it and undoing that log one line per record each, the character escaped, and both
    lines come back."""
    users = USERS + f"83470000  Dup  2 2  # old{odd}note\n"
    (data / "data/users.txt").write_text(users, "utf-8")
    s = open_session(clock=ticking())
    s.delete_user("83470000", repeats=RepeatAction.DELETE)
    assert len(s.undo()) == 2
    assert (data / "data/users.txt").read_text("utf-8") == users
    log = (data / "output/audit.log").read_text("utf-8")
    assert odd not in log
    lines = log.split("\n")
    assert lines[-1] == "" and [line.split("\t")[2] for line in lines[:-1]] == \
        ["delete-user", "delete-line", "undo", "undo"]
    escaped = f"83470000  Dup  2 2  # old\\{'x' if ord(odd) < 256 else 'u'}{ord(odd):0{2 if ord(odd) < 256 else 4}x}note"
    assert lines[1].split("\t")[3] == f"before: {escaped}" and lines[2].split("\t")[4] == f"after: {escaped}"
    assert all(len(line.split("\t")) == 5 for line in lines[:-1])
