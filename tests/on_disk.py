"""What a test reads back from its working folder after telbill ran: the data files, their
backups, the audit log's lines."""

from __future__ import annotations

from pathlib import Path

from telbill.store import history


def users_file(folder: Path = Path()) -> str:
    """``folder``/data/users.txt as text."""
    return (folder / "data/users.txt").read_text("utf-8")


def calls_file(folder: Path = Path()) -> str:
    """``folder``/data/calls.txt as text."""
    return (folder / "data/calls.txt").read_text("utf-8")


def data_files(folder: Path = Path()) -> tuple[bytes, bytes]:
    """``folder``/data/users.txt and calls.txt, byte for byte."""
    return (folder / "data/users.txt").read_bytes(), (folder / "data/calls.txt").read_bytes()


def backups(folder: Path, name: str) -> list[bytes]:
    """The full copies of data file ``name`` kept in ``folder``/data/backup, newest first."""
    return [p.read_bytes() for p in history.list_copies(folder / "data/backup", name)]


def audit(folder: Path = Path()) -> list[list[str]]:
    """The lines of ``folder``/output/audit.log, each split into its fields (time, operator, action,
    before, after); none when there is no log."""
    path = folder / "output/audit.log"
    return [line.split("\t") for line in path.read_text("utf-8").splitlines()] if path.exists() else []


def actions(folder: Path = Path()) -> list[str]:
    """The action of each line of ``folder``/output/audit.log (``add-user``, ``delete-call``…)."""
    return [line[2] for line in audit(folder)]
