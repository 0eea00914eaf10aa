"""Keeping what the session holds equal to the files: each change saved, then applied to what is held.

A change is saved as one transaction with its audit lines (:class:`telbill.store.Keeper`),
and then, while Ctrl-C is still held back, the same line edit is applied to
what is held (:mod:`telbill.session.held`): nothing is read again, and only the
callers the change touches are screened again. A file that changed on disk
since it was loaded is never overwritten: it is read again and the change
refused (:class:`~telbill.errors.ConflictError`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from telbill.constants import DataKind
from telbill.errors import AfterSaveError, Notice, TelbillError
from telbill.rules.records import Call
from telbill.rules.screening import SetAside
from telbill.session._change import Change, Record
from telbill.session._loaded import CALLS, USERS, Loaded
from telbill.session._sorts import Sorts
from telbill.store.audit import Action, AuditEntry
from telbill.store.keeper import Changed, Saved, SavePlan
from telbill.store.lines import LineEdit
from telbill.store.watch import MAX_WATCHED, Replaced
from telbill.text.display import shown


class Keeping:
    """Saves changes and brings what is held in step with the files saved; finds what another
    program wrote into a file a save had replaced."""

    def __init__(self, loaded: Loaded, sorts: Sorts) -> None:
        self.loaded = loaded
        self.sorts = sorts
        self.written: dict[int, Call | SetAside] = {}
        """The records the last save of calls.txt wrote, by their line numbers."""
        self._watched: list[Replaced] = []
        """Files saves replaced, kept open: a program still appending to one is found (:meth:`take_found`)."""
        self._found: dict[DataKind, list[str]] = {}
        """Lines found in replaced files and not added yet (the last try failed)."""

    def save(self, edits: dict[DataKind, LineEdit], entries: list[AuditEntry]) -> dict[DataKind, Saved]:
        """Save the edits as one transaction, and apply them to what is held before Ctrl-C can land."""
        loaded = self.loaded
        plans = [SavePlan(kind, loaded.states[kind], loaded.lines(kind), edit=edit) for kind, edit in edits.items()]
        with self.saving(plans, entries) as saved:
            self.update_all(saved, dict(edits))
        return saved

    @contextlib.contextmanager
    def saving(self, plans: list[SavePlan], entries: list[AuditEntry], *, drop: Sequence[Path] = (),
               record: bool = True) -> Iterator[dict[DataKind, Saved]]:
        """The change saved; the ``with`` block, run while Ctrl-C is still held, updates what is held.
        A file the save replaced is kept open, to be looked at before each item (:meth:`take_found`)."""
        loaded = self.loaded
        try:
            with loaded.keeper.saving(plans, entries, drop=drop, record=record) as outcome:
                loaded.notices.extend(outcome.notices)
                self.written = {}
                for done in outcome.saved.values():
                    if done.replaced is not None:
                        self._watch(done.replaced)
                yield outcome.saved
        except Changed as exc:  # the ConflictError the operator is told, once the file is read again
            loaded.reload(exc.kind)  # a file deleted meanwhile raises its own error
            raise

    def update_all(self, saved: dict[DataKind, Saved], edits: dict[DataKind, LineEdit | None]) -> None:
        """:meth:`update_held` for each file changed (users first: the calls are screened against
        them); one that fails does not keep the other from being updated."""
        failed: AfterSaveError | None = None
        for kind in (USERS, CALLS):  # users first
            if kind in edits:
                try:
                    self.update_held(kind, saved[kind], edits[kind])
                except AfterSaveError as exc:
                    failed = failed or exc
        if failed is not None:
            raise failed

    def update_held(self, kind: DataKind, saved: Saved, edit: LineEdit | None) -> None:
        """Make what is held of file ``kind`` equal to the file just saved: apply ``edit`` to it
        (``None``: read the file again), then hold its new fingerprint.

        Should that fail, the file is read again, and AfterSaveError says that the
        change was saved; if even that fails, the old fingerprint stays, so the file
        is read again before the next item.
        """
        loaded = self.loaded
        try:
            if edit is None or (saved.raced and saved.copy is None):  # another program appended too
                loaded.reload(kind)
                return
            if kind == USERS:
                changed = loaded.held_users.apply(edit)
                loaded.held_calls.rescreen(changed, loaded.held_users.by_phone)  # a calls order follows itself
                self.sorts.after_users_change(loaded.held_users.added)
            else:
                self.written = loaded.held_calls.apply(edit, loaded.held_users.by_phone)
                self.sorts.follow_users([])
        except BaseException as exc:
            self.written = {}
            with contextlib.suppress(Exception):
                loaded.reload(kind, whole=True)
            if isinstance(exc, Exception):
                raise AfterSaveError("save.held_failed", path=str(loaded.path(kind)),
                                     error=f"{type(exc).__name__}: {exc}") from exc
            raise
        loaded.states[kind] = saved.state
        loaded.sync_dataset()

    def written_call(self, number: int) -> Call | None:
        """The call record the last save of calls.txt wrote at line ``number``, as now held."""
        record = self.written.get(number)
        return record if isinstance(record, Call) else None

    def change(self, action: Action, before: str | None, after: str | None, saved: Saved,
               record: Record | None = None) -> Change:
        """The :class:`Change` of one audit entry of a save."""
        return Change(action, before, after, self.loaded.path(saved.kind), saved.copy,
                      record if after is not None else None, saved.undo, saved.raced)

    # -- what another program appends to a replaced file ------------------------------------

    def _watch(self, replaced: Replaced) -> None:
        """Keep a file a save replaced open (the newest :data:`MAX_WATCHED` per data file)."""
        mine = [w for w in self._watched if w.kind is replaced.kind]
        if len(mine) >= MAX_WATCHED:
            mine[0].close()
            self._watched.remove(mine[0])
        self._watched.append(replaced)

    def take_found(self, *, final: bool = False) -> None:
        """Lines another program wrote into a data file after a save had replaced it (it kept the
        old file open, appending) are added at the end of the file as it is now: one change
        (audit action ``found-line``), and the operator is told. If they cannot be added now,
        they wait for the next try; never raises."""
        loaded = self.loaded
        for kind in DataKind:
            found = self._found.setdefault(kind, [])
            for replaced in self._watched:
                if replaced.kind is kind:
                    found += replaced.found(final=final)
            if not found:
                continue
            try:
                self.save({kind: LineEdit.append(len(loaded.lines(kind)), *found)},
                          [AuditEntry(Action.FOUND_LINE, None, line) for line in found])
            except TelbillError as exc:
                loaded.notices.append(Notice("watch.failed", {"path": str(loaded.path(kind)), "reason": exc}))
                continue
            shown_lines = "; ".join(shown(line) for line in found[:3]) + (" …" if len(found) > 3 else "")
            loaded.notices.append(Notice("watch.found", {"count": len(found), "path": str(loaded.path(kind)),
                                                         "lines": shown_lines}))
            found.clear()

    def close(self) -> None:
        """Done with the data: the lines written into replaced files are added a last time (a
        last line without its line end too), and those files let go. Never raises."""
        self.take_found(final=True)
        for replaced in self._watched:
            replaced.close()
        self._watched.clear()
