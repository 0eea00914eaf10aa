"""Backups and undo: full copies taken now, a backup put back, the last change taken back."""

from __future__ import annotations

from telbill.constants import DataKind
from telbill.errors import ConflictError, InputFileError, NotFoundError, Notice
from telbill.session._change import Change
from telbill.session._keeping import Keeping
from telbill.session._loaded import Loaded
from telbill.store import history
from telbill.store.audit import Action, AuditEntry
from telbill.store.disk import file_digest
from telbill.store.history import Backup, CopyBack
from telbill.store.keeper import SavePlan, undo_plan
from telbill.store.lines import LineEdit


class Backups:
    """Item 13: back up now, restore a backup, undo the last change."""

    def __init__(self, loaded: Loaded, keeping: Keeping) -> None:
        self.loaded = loaded
        self.keeping = keeping
        self._told: set[tuple[str, str]] = set()
        """Notices about the backup folder already given (each is given once)."""

    # -- backups --------------------------------------------------------------------------

    def backup_now(self) -> list[Change]:
        """Copy both data files into the backup folder now (full copies, as asked); the store logs
        them. A save of another session cut short is finished or taken back first, and told (into
        :attr:`Loaded.notices` at once, whatever happens next)."""
        loaded = self.loaded
        return [Change(Action.BACKUP, str(loaded.path(kind)), str(copy), loaded.path(kind), copy)
                for kind, copy in loaded.keeper.back_up()]

    def list_backups(self) -> list[Backup]:
        """Full copies and undo records of both files, newest first.

        Each says what restoring it takes back; an undo record older than a
        change made outside telbill no longer applies (``usable`` False).
        """
        loaded = self.loaded
        return history.backups(self._records(), {
            kind: history.Kept(loaded.backup_dir(kind), loaded.path(kind).name, loaded.states[kind].digest)
            for kind in DataKind})

    def restore(self, chosen: Backup) -> list[Change]:
        """Put a backup back in place: every file it restores (:attr:`Backup.sources`: both, when a
        change it takes back changed both), in one transaction with an audit line each. The files
        being replaced are kept (the restore can be undone, both files together). An undo record
        gives its file as it was before the oldest change taken back from it."""
        loaded = self.loaded
        records = self._records()
        plans, entries = [], []
        for kind, source in ((s.kind, s.path) for s in chosen.sources):
            path, state = loaded.path(kind), loaded.states[kind]
            if not source.name.endswith(".undo"):
                digest = file_digest(source)
                if digest is None:
                    raise InputFileError("input.unreadable", path=str(source), reason="cannot be read")
                plans.append(SavePlan(kind, state, loaded.lines(kind), copy_from=source))
            else:
                version = history.version_before(records, kind, loaded.lines(kind), state.fmt, source,
                                                 loaded.backup_dir(kind)) if chosen.usable else None
                if version is None:
                    raise ConflictError("undo.changed", path=str(path))
                lines, fmt, ended, digest = version
                plans.append(SavePlan(kind, state, loaded.lines(kind), whole=lines, whole_format=fmt,
                                      whole_ended=ended))
            entries.append(AuditEntry(Action.RESTORE, f"{path} sha256:{state.digest[:12]}",
                                      f"{source} sha256:{digest[:12]}"))
        with self.keeping.saving(plans, entries) as saved:
            self.keeping.update_all(saved, {plan.kind: None for plan in plans})
        return [Change(Action.RESTORE, entry.before, entry.after, loaded.path(plan.kind), saved[plan.kind].copy,
                       None, saved[plan.kind].undo, saved[plan.kind].raced) for plan, entry in zip(plans, entries, strict=True)]

    # -- undo -----------------------------------------------------------------------------

    def _records(self) -> list[history.UndoRecord]:
        """The undo records of both files, newest first; a record file that is not as telbill
        writes it is moved aside, and the operator told (once)."""
        loaded = self.loaded
        read = history.read_records({kind: (loaded.backup_dir(kind), loaded.path(kind).name) for kind in DataKind})
        self._tell(read.notices)
        return read.records

    def _tell(self, notices: list[Notice]) -> None:
        """Add notices about the backup folder, each only once."""
        for notice in notices:
            key = (notice.key, str(notice.params.get("path")))
            if key not in self._told:
                self._told.add(key)
                self.loaded.notices.append(notice)

    def _undoable(self) -> tuple[history.UndoRecord | None, int]:
        """The newest change that can still be taken back, and how many newer ones cannot.

        A change can be taken back while every file it changed is still as the
        change left it (its fingerprint): a file changed outside telbill since
        makes that change, and every earlier one of that file, a matter for a
        full restore. Changes of the other file stay undoable. A record that names
        the files as they are but does not fit them (its sizes or line numbers) is
        not telbill's: it is moved aside and named, never used.
        """
        loaded = self.loaded
        states = loaded.states
        skipped = 0
        for record in self._records():
            if all(states[kind].digest == part.after.sha256 for kind, part in record.files.items()):
                misfits = [f"files.{kind}.{field}" for kind, part in record.files.items()
                           if (field := part.misfit(states[kind].size, len(loaded.lines(kind)))) is not None]
                if not misfits:
                    return record, skipped
                self._tell([history.set_aside_record(path, misfits[0]) for path in record.paths])
                continue
            skipped += 1
        return None, skipped

    def last_change(self) -> tuple[list[AuditEntry], int] | None:
        """What :meth:`undo` would take back (its audit entries), and how many newer
        changes can no longer be undone; ``None`` when nothing can be undone."""
        record, skipped = self._undoable()
        return (record.entries, skipped) if record is not None else None

    def undo(self) -> list[Change]:
        """Take back the newest change that can still be taken back (both files, for a
        user deleted with calls); logged as ``undo``. NotFoundError when there is none.
        """
        loaded = self.loaded
        record, _ = self._undoable()
        if record is None:
            raise NotFoundError("undo.nothing")
        plans = []
        for kind, part in record.files.items():
            plans.append(undo_plan(kind, loaded.states[kind], loaded.lines(kind), part, loaded.backup_dir(kind)))
        done = list(reversed(record.entries))
        with self.keeping.saving(plans, [e.undone() for e in done], drop=record.paths, record=False) as saved:
            edits: dict[DataKind, LineEdit | None] = {}
            for kind, taken in record.files.items():
                edits[kind] = None if isinstance(taken.undo, CopyBack) \
                    else history.held_edit(taken, len(loaded.lines(kind)))
            self.keeping.update_all(saved, edits)
        return [self.keeping.change(Action.UNDO, e.after, e.before, saved[history.kind_of(e, record)]) for e in done]
