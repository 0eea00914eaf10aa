"""A saved change as the menu reports it, and records written as data-file lines."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from telbill.rules.records import Call, User
from telbill.store.audit import Action

Record = User | Call


def record_text(record: Record) -> str:
    """A record as a data-file line in the standard layout (not as it was typed)."""
    return replace(record, raw=None).text()


@dataclass(frozen=True, slots=True)
class Change:
    """One saved change, as written to the audit log."""

    action: Action
    before: str | None
    """The record before (``None`` for an add)."""
    after: str | None
    """The record after (``None`` for a delete)."""
    path: Path
    """The data file that was changed."""
    backup: Path | None = None
    """A full copy of the file as it was, when one was kept (a restore, a race; a backup)."""
    record: Record | None = None
    """The record as now held in memory (added or modified)."""
    undo: Path | None = None
    """The undo record of the change (item 13 can undo it)."""
    raced: bool = False
    """Another program wrote to the file while it was saved: its write is kept (in
    ``backup``, or in the file, which was then read again)."""
