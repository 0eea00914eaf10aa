"""Saving a change to the data files as one transaction.

A save of one or both data files, with its audit lines, goes like this (the
files' locks held throughout):

1. each file is checked against what is held (one ``stat``; its bytes hashed
   only if the ``stat`` differs): changed by someone else → :class:`Changed` (a
   :class:`~telbill.errors.ConflictError`);
2. the new content is prepared: an add is the bytes of one line to append; any
   other change streams the held lines, edited, into a temporary file beside the
   data file (``.NAME.XXXXXXXX.tmp``), fsynced;
3. the audit log is opened for appending (it must be writable);
4. the journal is written and fsynced (:mod:`telbill.store.journal`);
5. the file being replaced is hard-linked beside it (``.NAME.XXXXXXXX.old``): no copy;
6. with the data files themselves ``flock``-ed (a program appending to one under
   that lock waits), right before the change one ``stat`` of each file again;
   then the renames (the folder fsynced) or the append (fsynced);
7. the audit lines are appended and fsynced: from here the change is made. If
   they cannot be written, step 6 is taken back and :class:`OutputError` says so;
8. the replaced file is let go, unless another program wrote into it in the
   meantime (it is then kept in the backup folder and reported) or it is needed
   as a full copy; either way it stays open (:class:`~telbill.store.watch.Replaced`),
   so that what a program still appending to it writes later is found; the undo
   record is written; the journal removed.

Nothing after step 7 raises: a replaced file that cannot go into the backup
folder is kept beside the data file, an undo record that cannot be written
means only that the change cannot be undone, and each is said in a
:class:`~telbill.errors.Notice`. (Both folders are checked before step 4, so
that a change needing them is refused while nothing is changed.)

Ctrl-C from step 4 on is held back until the end of the ``with`` block of
:meth:`Keeper.saving`, where the caller makes what it holds equal to the files,
and then dropped: the change is made, and the caller says so (the menu holds it
on until it has: :func:`telbill.interrupts.held_until_told`). A crash anywhere
leaves a journal that the next start finishes or takes back.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from telbill import interrupts
from telbill.constants import DEFAULT_AUDIT_LOG, DataKind
from telbill.errors import BadRecordError, ConflictError, Notice, OutputError
from telbill.files import access
from telbill.files.access import leftover_pattern
from telbill.files.decoding import FileFormat
from telbill.store import audit, history, journal
from telbill.store.audit import AuditEntry, AuditLog, audit_line
from telbill.store.disk import (
    UNKNOWN_STAT,
    FileState,
    Rendering,
    Stat,
    append_bytes,
    ends_with_line_end,
    remove_leftovers,
    spare_name,
    stat_of,
)
from telbill.store.history import CopyBack, CutBack, EditBack, FilePart, Print, UndoRecord, UndoWay
from telbill.store.journal import How
from telbill.store.lines import LineEdit, inverse
from telbill.store.watch import Replaced

STEP_HOOK: Callable[[str], None] | None = None
"""Called with the name of each step of a save as it is reached (tests stop or race a save there)."""


class Changed(ConflictError):
    """A data file changed on disk since it was loaded (it was not overwritten): ``kind`` says which,
    for the caller to read it again."""

    def __init__(self, kind: DataKind, path: Path) -> None:
        super().__init__("conflict.changed", path=str(path))
        self.kind = kind


_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}
"""Why a hard link may not be made where a rename can (FAT, some network file systems)."""


def _step(name: str) -> None:
    if STEP_HOOK is not None:
        STEP_HOOK(name)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


@dataclass(slots=True)
class SavePlan:
    """A change to one data file, as the session asks for it."""

    kind: DataKind
    state: FileState
    lines: Sequence[str]
    """The lines held now (what the file holds)."""
    edit: LineEdit | None = None
    """Lines replaced, deleted, inserted (an append when it only adds at the end)."""
    whole: Sequence[str] | None = None
    """The file's new lines, all of them (a restore)."""
    whole_format: FileFormat | None = None
    whole_ended: bool = True
    copy_from: Path | None = None
    """A full copy whose bytes become the file (a restore)."""
    truncate_to: int | None = None
    """Cut the file back to this size (the undo of an add)."""
    new_end: bool | None = None
    """Whether the new file's last line has a line end (default: as now, when its last line stays last)."""


@dataclass(slots=True)
class Saved:
    """What a save did to one file."""

    kind: DataKind
    state: FileState
    """The file as it is now."""
    copy: Path | None = None
    """A full copy of the file as it was, kept in the backup folder (or beside the file, when the
    backup folder could not take it: a notice then says so)."""
    raced: bool = False
    """Another program wrote into the file while it was saved: its write is in ``copy``,
    or (an append) in the file, which must then be read again."""
    undo: Path | None = None
    """The undo record of the change (``None``: it cannot be undone)."""
    replaced: Replaced | None = None
    """The file it replaced, still open (a program may still be appending to it); the caller
    looks at it from time to time and closes it."""


@dataclass(slots=True)
class Outcome:
    """What a save did: to each file, and what the operator should be told."""

    saved: dict[DataKind, Saved]
    """What was done to each file."""
    notices: list[Notice]
    """Anything that went wrong after the change was made (it stays made). (Saves cut short
    that were finished or taken back first are told at once: :attr:`Keeper.tell`.)"""


@dataclass(slots=True)
class _Work:
    """One file's part of a save, from preparing to finishing."""

    plan: SavePlan
    path: Path
    """Where the file really is (:func:`telbill.files.access.data_file`): what the save changes, and where
    its temporary and replaced files go."""
    given: Path
    """The file as the operator named it (messages, and the names in the backup folder)."""
    step: journal.FileStep
    staged: access.Staged | None = None
    rendering: Rendering | None = None
    exact: bool = True
    keep_old: Path | None = None
    old: Path | None = None
    linked: Stat | None = None
    data: bytes = b""
    applied: bool = False
    fd: int = -1
    undo: UndoWay = field(default_factory=lambda: CopyBack(""))
    new_print: Print | None = None
    copy_hasher: hashlib._Hash | None = None
    no_links: bool = False
    """The file system makes no hard links: the old file is renamed aside instead."""
    moved_old: bool = False


def writable_problem(path: Path, fmt: FileFormat | None = None) -> tuple[str, dict[str, object]] | None:
    """Why the data file at ``path`` cannot be changed (a message key and its values), or ``None``.

    Read-only means no write bit at all (even root is refused: renaming a new file
    over it would ignore the mode); a file or folder this user may not write is
    refused too. A file not there yet is judged by its folder. A file whose byte-order
    mark claims an encoding it does not decode in (``fmt``, as it was read) is read-only
    for telbill; run as root, so is a file reached through a link another user planted.
    """
    if fmt is not None and fmt.damaged is not None:
        return "data.damaged", {"encoding": fmt.encoding.upper().replace("-LE", "LE").replace("-BE", "BE"),
                                "offset": fmt.damaged}
    link = access.foreign_link(path)
    if link is not None:
        return "data.foreign_link", {"link": str(link), "uid": _owner(link)}
    real = access.data_file(path)
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        return "data.unwritable", {"reason": _reason(exc)}
    if mode is not None:
        if not mode & 0o222:
            return "data.read_only", {}
        if not os.access(real, os.W_OK):
            return "data.no_permission", {}
    folder = real.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        shown = path.parent if access.data_file(path.parent) == folder else folder
        return "data.folder_unwritable", {"folder": str(shown)}
    return None


def _owner(path: Path) -> int:
    try:
        return os.lstat(path).st_uid
    except OSError:
        return -1


def folder_problem(folder: Path) -> str | None:
    """Why files cannot be made in ``folder`` (made when missing, like its parents), or ``None``."""
    if access.foreign_link(folder) is not None:  # run as root, a folder another user's link leads to
        return os.strerror(errno.EPERM)
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return os.strerror(errno.ENOTDIR)
    if not os.access(existing, os.W_OK | os.X_OK):
        return os.strerror(errno.EACCES)
    return None


def recover_saves(paths: Sequence[Path], audit_log: Path = DEFAULT_AUDIT_LOG) -> list[Notice]:
    """Finish or take back saves of these data files cut short by a crash (a batch run reads
    them whole, never half changed), with the default backup folders, and remove the temporary
    files those saves left (:func:`remove_save_leftovers`), also those of a save killed before
    its journal was written. Only two ``stat`` calls and a ``listdir`` of the data folder when
    there is none. Never raises: what could not be done is a notice (``recovery.unfinished``
    when a file is still half changed)."""
    if not journal.pending(paths) and not access.leftovers_beside(paths):
        return []
    backups = [p.parent / "backup" for p in paths]
    try:
        with access.locked(list(paths)):
            notices = journal.recover(journal.Scope.of(paths, backups, audit_log))
            remove_save_leftovers(paths, backups, audit_log)
            return notices
    except OutputError as exc:  # not even a lock can be taken there
        return [Notice("recovery.not_now", {"path": str(p), "reason": exc}) for p in journal.pending(paths)]


def remove_save_leftovers(paths: Sequence[Path], backup_dirs: Sequence[Path], audit_log: Path) -> None:
    """Remove our temporary files that saves of the data files ``paths`` (each with its backup
    folder) left when killed: beside each data file, in its backup folder, beside the audit log
    (under the log's own lock: a menu on another data set may be making it,
    :func:`audit.remove_leftovers`); never one a journal still names (pending, or moved aside).
    The caller holds the files' locks, so no save of them is running."""
    kept = journal.named_by(journal.pending(paths) + journal.bad_journals(paths))
    for path, backups in zip(paths, backup_dirs, strict=True):
        real = access.data_file(path)
        remove_leftovers(real.parent, leftover_pattern(real.name), kept)
        remove_leftovers(backups, history.leftover_pattern(path.name), kept)
    audit.remove_leftovers(audit_log, kept)


class Keeper:
    """Keeps the data files on disk: saves, recovery, undo records."""

    def __init__(self, paths: dict[DataKind, Path], backup_dirs: dict[DataKind, Path], audit_log: Path,
                 operator: str, clock: Callable[[], datetime], tell: Callable[[Notice], None]) -> None:
        self.paths = paths
        self.backup_dirs = backup_dirs
        self.audit_log = audit_log
        self.operator = operator
        self.clock = clock
        self.tell = tell
        """Given each notice of a save of another session cut short and finished or taken back
        by a save or a backup, as soon as it is made: whatever happens next (the save refused,
        the copy failing, Ctrl-C), the operator is told what was recovered."""

    # -- start ------------------------------------------------------------------------

    def start(self) -> list[Notice]:
        """Finish or take back saves cut short, and remove our temporary files left behind.
        Never raises: what could not be done is told."""
        paths = list(self.paths.values())
        if not journal.pending(paths) and not self._leftovers_present():
            return []
        try:
            with access.locked(paths):
                notices = journal.recover(self._scope())
                self._remove_leftovers()
        except OutputError as exc:  # not even a lock can be taken there
            return [Notice("recovery.not_now", {"path": str(p), "reason": exc}) for p in journal.pending(paths)]
        return notices

    def _recovered_first(self, paths: Sequence[Path], refused: str) -> None:
        """The one rule for a save or a backup, its files' locks held: a save of another session
        cut short is finished or taken back first (:func:`journal.recover`), and told at once
        (:attr:`tell`); while one of ``paths`` cannot be finished, nothing is done: OutputError
        ``refused`` (its notice, told just before, says why)."""
        for notice in journal.recover(self._scope()):
            self.tell(notice)
        for path in journal.pending(paths):
            raise OutputError(refused, path=str(path))

    def _remove_leftovers(self) -> None:
        """Our temporary files that killed saves of these files left (the caller holds the locks)."""
        remove_save_leftovers(list(self.paths.values()), [self.backup_dirs[kind] for kind in self.paths], self.audit_log)

    def _changed(self, kind: DataKind) -> Changed:
        return Changed(kind, self.paths[kind])

    def _scope(self) -> journal.Scope:
        return journal.Scope.of(self.paths.values(), self.backup_dirs.values(), self.audit_log)

    def _leftovers_present(self) -> bool:
        log = (self.audit_log.parent, audit.leftover_pattern(self.audit_log.name))
        for kind, path in self.paths.items():
            real = access.data_file(path)
            for folder, pattern in ((real.parent, leftover_pattern(real.name)),
                                    (self.backup_dirs[kind], history.leftover_pattern(path.name)), log):
                try:
                    if any(pattern.fullmatch(name) for name in os.listdir(folder)):
                        return True
                except OSError:
                    continue
        return False

    # -- backups taken when asked ---------------------------------------------------------

    def back_up(self) -> list[tuple[DataKind, Path]]:
        """Copy each data file into its backup folder now (full copies, as asked) and log them in
        the audit log, one line each, with one write.

        Returns each file copied, and its copy. The files' locks are held throughout, as by a
        save, and so are the ``flock`` of the data files themselves (a program appending under it
        waits, :func:`access.appenders_out`). Under them, a save of another session cut short is finished or taken back first,
        and told, as a save does (:meth:`_recovered_first`): the copies are never half of a change
        (a new users.txt with the old calls.txt). While one cannot be finished, nothing is copied
        (OutputError). A start's
        recovery (another menu's, ``telbill bill``'s) removes our temporary files only under the
        locks, and would take a copy being written for one a killed save left.

        The log is checked next (OutputError, nothing copied); if it cannot be written after
        all, the copies just made are removed again (nothing is left of a backup that was
        refused). Old copies beyond those kept are pruned once the backup is logged.
        """
        log = AuditLog(self.audit_log)
        copies: list[tuple[DataKind, Path]] = []
        paths = list(self.paths.values())
        try:
            with access.locked(paths), access.appenders_out(paths):  # no line is copied half written
                self._recovered_first(paths, "backup.blocked")
                self._remove_leftovers()  # as a start does: this session may be the only one for days
                log.open()
                for kind, path in self.paths.items():
                    copy = history.take_copy(path, self.backup_dirs[kind], self.clock(), keep=0)
                    if copy is not None:
                        copies.append((kind, copy))
                if copies:
                    now = self.clock()
                    entries = [AuditEntry(audit.Action.BACKUP, str(self.paths[kind]), str(copy))
                               for kind, copy in copies]
                    log.write("".join(audit_line(now, self.operator, entry) + "\n" for entry in entries))
        except BaseException:
            for _, copy in copies:
                with contextlib.suppress(OSError):
                    copy.unlink()
            raise
        finally:
            log.close()
        for kind, path in self.paths.items():
            with contextlib.suppress(OSError):
                history.prune(self.backup_dirs[kind], path.name, copies=True)
        return copies

    # -- saving -----------------------------------------------------------------------

    def check_writable(self, kinds: Sequence[DataKind], formats: Mapping[DataKind, FileFormat] | None = None) -> None:
        """Raise OutputError (before anything is asked or written) when a data file of
        ``kinds`` cannot be changed: it is read-only, this user may not write it, its
        folder (where the new file, the lock and the journal go) cannot be written, or
        its backup folder (where the undo record goes) cannot be made or written; its
        format (``formats``) says it does not decode as its byte-order mark claims; or,
        run as root, it is reached through a link another user planted."""
        for kind in kinds:
            path = self.paths[kind]
            problem = writable_problem(path, (formats or {}).get(kind))
            if problem is not None:
                key, params = problem
                raise OutputError(key, path=str(path), **params)
            self._check_backups(kind)

    def _check_backups(self, kind: DataKind) -> None:
        folder = self.backup_dirs[kind]
        reason = folder_problem(folder)
        if reason is not None:
            raise OutputError("backup.unwritable", folder=str(folder), path=str(self.paths[kind]), reason=reason)

    @contextlib.contextmanager
    def saving(self, plans: Sequence[SavePlan], entries: Sequence[AuditEntry], *,
               drop: Sequence[Path] = (), record: bool = True) -> Iterator[Outcome]:
        """Make the change (see the module's description); the ``with`` block gets what it did.

        The block runs once the change is made, with Ctrl-C still held back, so that
        what the caller holds is made equal to the files before an interrupt can land.
        ``drop``: undo records to delete with it (an undo); ``record``: write an undo record.
        Raises :class:`Changed` (nothing written), OutputError (nothing changed), or
        what went wrong before the change was made (nothing changed).
        """
        paths = [self.paths[p.kind] for p in plans]
        self.check_writable([p.kind for p in plans], {p.kind: p.state.fmt for p in plans})
        with access.locked(paths), access.appenders_out(paths):
            self._recovered_first(paths, "recovery.blocked")
            notices: list[Notice] = []
            for plan in plans:
                if not plan.state.unchanged():
                    raise self._changed(plan.kind)
            now = self.clock()
            stamp = now.strftime(history.STAMP_FORMAT)
            works: list[_Work] = []
            log = AuditLog(self.audit_log)
            try:
                for plan in plans:
                    work = self._new_content(plan, stamp)
                    if record or work.keep_old is not None:
                        self._check_backups(plan.kind)  # the undo record or the full copy goes there
                    works.append(work)
                offset = log.open()
                text = "".join(audit_line(now, self.operator, e) + "\n" for e in entries)
                tx = f"{stamp}-{secrets.token_hex(4)}"
                records = self._records(works, tx, stamp, entries, now) if record else []
                intent = journal.Journal(
                    tx, str(journal.absolute(self.audit_log)), offset, text,
                    [w.step for w in works], [(str(journal.absolute(p)), t) for p, t in records],
                    [str(journal.absolute(p)) for p in drop])
                _step("prepared")
                with interrupts.held(reraise=False):
                    self._commit(works, intent, log)
                    saved = self._finish(works, records, drop, notices)
                    intent.remove()
                    _step("done")
                    yield Outcome({s.kind: s for s in saved}, notices)
            finally:
                log.close()
                for work in works:
                    self._discard(work)

    def _commit(self, works: list[_Work], intent: journal.Journal, log: AuditLog) -> None:
        intent.write()
        _step("journal")
        try:
            for work in works:
                self._link(work)
            _step("linked")
            for work in works:
                self._check(work)
            _step("checked")
            for work in works:
                self._apply(work)
                _step(f"applied:{work.plan.kind}")
            log.write(intent.audit_text)
        except BaseException:
            for work in reversed(works):
                self._take_back(work)
            intent.remove()
            raise
        _step("logged")

    def _new_content(self, plan: SavePlan, stamp: str) -> _Work:
        """Step 2 for one file: what it becomes, ready to be put in place: the bytes of an add, the
        bytes an undo cuts off, or the new file written (and fsynced) beside it; and its way back."""
        given = self.paths[plan.kind]
        path = access.data_file(given)
        state = plan.state
        lines = plan.lines
        target = str(path)
        if plan.truncate_to is not None:
            if not 0 <= plan.truncate_to <= state.size:
                raise BadRecordError("record.does_not_fit", path=str(given))
            with access.open_input(path) as fh:
                fh.seek(plan.truncate_to)
                cut = fh.read()
            step = journal.FileStep(target, How.TRUNCATE, offset=plan.truncate_to, data=cut.hex())
            work = _Work(plan, path, given, step)
            work.data = cut
            return work
        if plan.edit is not None and plan.edit.is_append(len(lines)):
            data = append_bytes([t for _, t in plan.edit.insert], state)
            work = _Work(plan, path, given, journal.FileStep(target, How.APPEND, offset=state.size, data=data.hex()))
            work.data = data
            work.undo = CutBack(state.size, len(plan.edit.insert))
            return work
        work = _Work(plan, path, given, journal.FileStep(target, How.REPLACE))
        if plan.copy_from is not None:
            chunks: Iterator[bytes] = self._copy_chunks(plan.copy_from, work)
        else:
            if plan.whole is not None:
                fmt = plan.whole_format or state.fmt
                rendering = Rendering(plan.whole, LineEdit(), fmt, old_end=plan.whole_ended, new_end=plan.whole_ended)
            else:
                edit = plan.edit or LineEdit()
                new_end = plan.new_end if plan.new_end is not None else _keeps_end(edit, len(lines), state)
                rendering = Rendering(lines, edit, state.fmt, old_end=state.final_newline, new_end=new_end,
                                      check_old=state.exact is not True)
            work.rendering = rendering
            chunks = rendering.chunks()
        staged = work.staged = access.stage(path, chunks)
        assert staged.tmp is not None
        work.step.tmp = str(journal.absolute(staged.tmp))
        work.step.tmp_ino = os.stat(staged.tmp).st_ino
        if work.rendering is not None and plan.whole is None:
            work.exact = state.exact is True or work.rendering.old_hash.hexdigest() == state.digest
        else:
            work.exact = False
        if work.exact and plan.edit is not None:
            work.undo = EditBack(inverse(plan.edit, lines))
        else:
            work.keep_old = self._copy_name(plan.kind, stamp)
            work.step.keep_old = str(journal.absolute(work.keep_old))
            work.undo = CopyBack(work.keep_old.name)
        work.old = spare_name(path.parent, path.name, "old")
        work.step.old = str(journal.absolute(work.old))
        work.step.old_ino = state.stat.inode
        return work

    def _copy_chunks(self, source: Path, work: _Work) -> Iterator[bytes]:
        hasher = hashlib.sha256()
        size = 0
        tail = b""  # the last bytes, to know whether the last line is ended
        try:
            with access.own_reader(source) as fh:
                while block := fh.read(1 << 20):
                    hasher.update(block)
                    size += len(block)
                    tail = (tail + block)[-4:]
                    yield block
        except OSError as exc:
            raise OutputError("output.unwritable", path=str(source), reason=_reason(exc)) from None
        work.new_print = Print(hasher.hexdigest(), size, ends_with_line_end(tail, work.plan.whole_format or FileFormat()))
        work.copy_hasher = hasher

    def _copy_name(self, kind: DataKind, stamp: str) -> Path:
        return history.free_name(self.backup_dirs[kind], history.copy_name(self.paths[kind].name, stamp))

    def _records(self, works: list[_Work], tx: str, stamp: str, entries: Sequence[AuditEntry],
                 now: datetime) -> list[tuple[Path, str]]:
        """The undo record (its text, and a path beside each file's backups)."""
        parts: dict[DataKind, FilePart] = {}
        for work in works:
            state = work.plan.state
            before = Print(state.digest, state.size, state.final_newline)
            after = self._after_print(work)
            parts[work.plan.kind] = FilePart(work.given.name, before, after, work.undo)
        known = history.read_records({kind: (self.backup_dirs[kind], path.name) for kind, path in self.paths.items()},
                                     set_aside=False).records
        body = UndoRecord(tx, stamp, [audit_line(now, self.operator, e) for e in entries], parts,
                          seq=1 + max((r.seq for r in known), default=0)).to_text()
        out = []
        for work in works:
            folder = self.backup_dirs[work.plan.kind]
            out.append((history.free_name(folder, history.record_name(work.given.name, stamp)), body))
        return out

    def _after_print(self, work: _Work) -> Print:
        state = work.plan.state
        if work.step.how == How.APPEND:
            hasher = state.hasher.copy()
            hasher.update(work.data)
            return Print(hasher.hexdigest(), state.size + len(work.data), True)
        if work.rendering is not None:
            r = work.rendering
            return Print(r.new_hash.hexdigest(), r.size, r.new_end)
        assert work.new_print is not None
        return work.new_print

    # -- the change itself ---------------------------------------------------------------

    def _link(self, work: _Work) -> None:
        if work.step.how != How.REPLACE:
            return
        assert work.old is not None
        try:
            os.link(work.path, work.old)
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise OutputError("output.unwritable", path=str(work.old), reason=_reason(exc)) from None
            work.no_links = True  # the old file is renamed aside just before the new one takes its name
            work.linked = work.plan.state.stat
            return
        linked = stat_of(os.lstat(work.old))
        held = work.plan.state.stat
        if linked._replace(changed_ns=held.changed_ns) != held:  # a link changes the file's ctime
            raise self._changed(work.plan.kind)
        work.linked = linked

    def _check(self, work: _Work) -> None:
        """Right before the change: is the file still the one that was checked?"""
        if work.step.how == How.REPLACE:
            now = work.plan.state.on_disk()
            if now != work.linked:
                raise self._changed(work.plan.kind)
            return
        flags = os.O_WRONLY | (os.O_APPEND if work.step.how == How.APPEND else 0)
        try:
            work.fd = os.open(work.path, flags)
        except OSError as exc:
            raise OutputError("output.unwritable", path=str(work.given), reason=_reason(exc)) from None
        if stat_of(os.fstat(work.fd)) != work.plan.state.stat:
            raise self._changed(work.plan.kind)

    def _apply(self, work: _Work) -> None:
        try:
            if work.step.how == How.REPLACE:
                assert work.staged is not None and work.staged.tmp is not None
                if work.no_links:
                    assert work.old is not None
                    os.rename(work.path, work.old)
                    work.moved_old = True
                os.replace(work.staged.tmp, work.path)
                work.staged.tmp = None
                work.applied = True
                access.fsync_folder(work.path.parent)
            elif work.step.how == How.APPEND:
                work.applied = True
                if os.write(work.fd, work.data) != len(work.data):  # a short write: the file may not grow
                    raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))
                os.fsync(work.fd)
            else:
                work.applied = True
                os.ftruncate(work.fd, work.step.offset or 0)
                os.fsync(work.fd)
        except OSError as exc:
            raise OutputError("output.unwritable", path=str(work.given), reason=_reason(exc)) from None

    def _take_back(self, work: _Work) -> None:
        """Undo step 6 for one file (the audit lines could not be written, or a fault)."""
        with contextlib.suppress(OSError):
            if work.step.how == How.REPLACE:
                if (work.applied or work.moved_old) and work.old is not None:
                    os.replace(work.old, work.path)
                    access.fsync_folder(work.path.parent)
                elif work.old is not None and os.path.lexists(work.old):
                    os.unlink(work.old)
            elif work.applied and work.fd >= 0:
                if work.step.how == How.APPEND:
                    if os.fstat(work.fd).st_size <= (work.step.offset or 0) + len(work.data):
                        os.ftruncate(work.fd, work.step.offset or 0)
                else:  # the cut bytes go back where they were
                    os.pwrite(work.fd, work.data, work.step.offset or 0)
                os.fsync(work.fd)
        work.applied = False

    def _discard(self, work: _Work) -> None:
        if work.staged is not None:
            work.staged.discard()
        if work.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(work.fd)
            work.fd = -1

    # -- after: nothing here raises -----------------------------------------------------------

    def _finish(self, works: list[_Work], records: list[tuple[Path, str]], drop: Sequence[Path],
                notices: list[Notice]) -> list[Saved]:
        """After the change is made: settle each file, write the undo record (one beside each
        file's backups), delete the records of a change undone, keep the folder within bounds.
        Nothing raises from here: what goes wrong is added to ``notices`` (the change stays made)."""
        saved = [self._result(work, notices) for work in works]
        for item, work, (path, text) in zip(saved, works, records):
            try:
                access.atomic_write(path, text.encode("ascii"))
                item.undo = path
            except OutputError as exc:
                notices.append(Notice("save.no_undo_record", {"path": str(work.given), "reason": exc}))
        for path in drop:
            with contextlib.suppress(OSError):
                path.unlink()
        for work, item in zip(works, saved):
            folder = self.backup_dirs[work.plan.kind]
            try:
                history.prune(folder, work.given.name, copies=item.copy is not None)
            except OSError as exc:
                notices.append(Notice("save.not_pruned", {"folder": str(folder), "reason": _reason(exc)}))
        _step("recorded")
        return saved

    def _result(self, work: _Work, notices: list[Notice]) -> Saved:
        """What the save did to one file (:meth:`_look_at`); one that cannot even be looked at is
        held as unknown, to be read again, and said."""
        plan = work.plan
        try:
            return self._look_at(work, notices)
        except OSError as exc:  # the file could not even be looked at: it will be read again
            notices.append(Notice("save.unsettled", {"path": str(work.given), "reason": _reason(exc)}))
            state = plan.state
            unknown = FileState(state.path, state.fmt, state.final_newline, UNKNOWN_STAT, hashlib.sha256(), None)
            return Saved(plan.kind, unknown)

    def _look_at(self, work: _Work, notices: list[Notice]) -> Saved:
        """The file's new state (its ``stat``, the hash of what was written); the replaced file let
        go, or kept when it is needed as a full copy or another program wrote into it meanwhile (a
        race, noticed here). OSError when the file cannot be looked at."""
        plan, state = work.plan, work.plan.state
        if work.step.how == How.APPEND:
            hasher = state.hasher.copy()
            hasher.update(work.data)
            now = stat_of(os.fstat(work.fd))
            raced = now.size != state.size + len(work.data)
            new = FileState(state.path, state.fmt, True, now, hasher, state.exact)
            return Saved(plan.kind, new, raced=raced)
        if work.step.how == How.TRUNCATE:
            hasher = hashlib.sha256()
            with access.open_input(work.path) as fh:
                remaining = work.step.offset or 0
                while remaining > 0 and (block := fh.read(min(remaining, 1 << 20))):
                    hasher.update(block)
                    remaining -= len(block)
            ended = plan.new_end if plan.new_end is not None else True
            return Saved(plan.kind, FileState(state.path, state.fmt, ended, stat_of(os.fstat(work.fd)), hasher,
                                              state.exact))
        assert work.old is not None and work.linked is not None
        old = os.lstat(work.old)
        raced = (old.st_size, old.st_mtime_ns) != (work.linked.size, work.linked.modified_ns)
        replaced = _kept_open(work.old, old, plan.kind, state.fmt)
        copy = None
        if raced or work.keep_old is not None:
            wanted = work.keep_old or self._copy_name(plan.kind, self.clock().strftime(history.STAMP_FORMAT))
            copy, reason = journal.keep_replaced(work.old, wanted)
            if reason is not None:
                notices.append(Notice("save.copy_aside", {"path": str(work.given), "folder": str(wanted.parent),
                                                          "reason": reason, "copy": str(copy)}))
        else:
            os.unlink(work.old)
        if work.rendering is not None:
            fmt = plan.whole_format if plan.whole is not None and plan.whole_format else state.fmt
            hasher, ended = work.rendering.new_hash, work.rendering.new_end
        else:
            assert work.new_print is not None and work.copy_hasher is not None
            fmt, ended, hasher = plan.whole_format or state.fmt, work.new_print.ended, work.copy_hasher
        exact = True if work.rendering is not None else None  # what telbill wrote is its lines' rendering
        new = FileState(state.path, fmt, ended, stat_of(os.stat(work.path)), hasher, exact)
        return Saved(plan.kind, new, copy=copy, raced=raced, replaced=replaced)


def _kept_open(old: Path, seen: os.stat_result, kind: DataKind, fmt: FileFormat) -> Replaced | None:
    """The replaced file (our link ``old`` to it, as ``seen``) opened to be looked at later; ``None``
    when it cannot be (it is then only let go or kept, as before)."""
    try:
        fd = os.open(old, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    if os.fstat(fd).st_ino != seen.st_ino:
        os.close(fd)
        return None
    return Replaced(kind, fd, seen.st_size, fmt)


def undo_plan(kind: DataKind, state: FileState, lines: Sequence[str], part: FilePart, folder: Path) -> SavePlan:
    """How to take back ``part`` of a change (its undo record): cut the add off, apply the
    inverse edit, or put the full copy back. The record must fit the file as it is now
    (:meth:`FilePart.fits`); the caller checks."""
    undo = part.undo
    if isinstance(undo, CutBack):
        return SavePlan(kind, state, lines, truncate_to=undo.size, new_end=part.before.ended)
    if isinstance(undo, EditBack):
        return SavePlan(kind, state, lines, edit=undo.edit, new_end=part.before.ended)
    return SavePlan(kind, state, lines, copy_from=folder / undo.name)


def _keeps_end(edit: LineEdit, count: int, state: FileState) -> bool:
    """A file without a line end after its last line keeps it so while that line stays last."""
    if state.final_newline or count == 0:
        return True
    return bool(count in edit.delete or any(b == count + 1 for b, _ in edit.insert))
