"""The audit log: one tab-separated line per change, appended as one write.

A line is ``TIME<TAB>OPERATOR<TAB>ACTION<TAB>before: RECORD<TAB>after: RECORD``
(``-`` for no record). The lines of one change are written with a single
``write`` on a file opened for appending and then fsynced: once they are in the
log the change counts as made (see :mod:`telbill.store.keeper`).

The log is one of telbill's own files: never opened through a link, and only a
regular file of the user running telbill. A log that does not exist yet is made
with its first lines in it (written beside it, then linked into place), so a
kill never leaves an empty log behind. Its own lock (``.NAME.lock`` beside it) is
held meanwhile: the data sets of several menus may share one log (the default
``output/audit.log`` of one working folder), and what a kill left while making it
is removed only under that lock (:func:`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from telbill.constants import DataKind
from telbill.errors import OutputError, OwnFileError
from telbill.files.access import fsync_folder, log_lock_path, open_own, refuse_foreign_link
from telbill.files.waiting import HAS_FLOCK, flock_within
from telbill.store import disk
from telbill.text.display import shown

_NO_LINKS = {errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}
"""Why a hard link may not be made where a new file can (FAT, some network file systems)."""


class Action(StrEnum):
    """What a change did, as the audit log says it (the values are the log's words)."""

    ADD_USER = "add-user"
    MODIFY_USER = "modify-user"
    DELETE_USER = "delete-user"
    ADD_CALL = "add-call"
    MODIFY_CALL = "modify-call"
    DELETE_CALL = "delete-call"
    DELETE_LINE = "delete-line"
    """A users line repeating a deleted subscriber's phone, deleted with it."""
    COMMENT_LINE = "comment-line"
    """A users line repeating a deleted subscriber's phone, made a comment."""
    FOUND_LINE = "found-line"
    """A line another program wrote into a data file after telbill had replaced it, added to the
    new file (:mod:`telbill.store.watch`)."""
    BACKUP = "backup"
    RESTORE = "restore"
    UNDO = "undo"

    @property
    def kind(self) -> DataKind | None:
        """The data file a change of this action is about (``None``: either)."""
        if self.value.endswith("-call"):
            return DataKind.CALLS
        if self.value.endswith("-user") or self in (Action.DELETE_LINE, Action.COMMENT_LINE):
            return DataKind.USERS
        return None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change to one record, as the audit log says it."""

    action: Action
    before: str | None
    after: str | None

    def summary(self) -> str:
        """``ACTION RECORD`` for a message (the record escaped)."""
        record = self.after if self.after is not None else self.before
        return f"{self.action} {shown(record)}" if record else self.action

    def undone(self) -> AuditEntry:
        """The entry of the undo of this change."""
        return AuditEntry(Action.UNDO, self.after, self.before)


def clean_field(text: str) -> str:
    """A text fit for one tab-separated field of a line for people to read: tabs and line ends
    as one space, any other character a reader could obey or take for a line end (form feed,
    ``\x85``, U+2028, an unreadable byte…) escaped as the screen shows it."""
    return shown(re.sub(r"[\t\r\n]+", " ", text).strip())


def audit_line(when: datetime, operator: str, entry: AuditEntry) -> str:
    """The log line of ``entry`` (without its line end)."""
    return "\t".join([
        when.isoformat(timespec="seconds"),
        clean_field(operator),
        entry.action,
        "before: " + (clean_field(entry.before) if entry.before else "-"),
        "after: " + (clean_field(entry.after) if entry.after else "-"),
    ])


def parse_line(line: str) -> AuditEntry | None:
    """The entry of a log line, or ``None`` if it is not one."""
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 5 or not parts[3].startswith("before: ") or not parts[4].startswith("after: "):
        return None
    try:
        action = Action(parts[2])
    except ValueError:
        return None
    before, after = parts[3][8:], parts[4][7:]
    return AuditEntry(action, None if before == "-" else before, None if after == "-" else after)


def _unwritable(path: Path, exc: OSError) -> OutputError:
    return OutputError("audit.unwritable", path=str(path), reason=exc.strerror or str(exc))


class AuditLog:
    """The audit log, opened for appending before a change is made, written when it is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = -1

    def open(self) -> int:
        """Check that the log can be appended to; return its size. OutputError if it cannot
        (OwnFileError: it is a link, not a regular file, or another user's).

        An existing log is opened now; a missing one (and its folder) is made only
        when the lines are written, so a change that is not made leaves no trace.
        """
        refuse_foreign_link(self.path.parent, reading=False, named=self.path)
        try:
            if os.path.lexists(self.path):
                self.fd = open_own(self.path, os.O_WRONLY | os.O_APPEND)
                return os.fstat(self.fd).st_size
            folder = self.path.parent
            while not folder.exists() and folder != folder.parent:
                folder = folder.parent
            if not folder.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
            if not os.access(folder, os.W_OK | os.X_OK):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
            return 0
        except OSError as exc:
            self.close()
            raise _unwritable(self.path, exc) from None
        except OwnFileError:
            self.close()
            raise

    def write(self, text: str) -> None:
        """Append ``text`` in one write and fsync it; on failure take back what was written.
        A log that does not exist yet is made with ``text`` in it, all at once."""
        data = text.encode("utf-8", "surrogateescape")
        if self.fd < 0 and self._create(data):
            return
        start = os.fstat(self.fd).st_size
        try:
            done = os.write(self.fd, data)
            if done != len(data):
                raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))
            os.fsync(self.fd)
        except OSError as exc:
            try:
                if os.fstat(self.fd).st_size <= start + len(data):
                    os.ftruncate(self.fd, start)
            except OSError:
                pass
            raise _unwritable(self.path, exc) from None

    def _create(self, data: bytes) -> bool:
        """Make the log holding ``data``: written and fsynced beside it, then linked to its name
        (never through anything planted there). False when a log appeared meanwhile: it is
        opened (:attr:`fd`) and the lines go at its end."""
        tmp: str | None = None
        lock = -1
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = _held(log_lock_path(self.path))
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            try:
                if os.write(fd, data) != len(data):
                    raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))
                os.fchmod(fd, 0o644)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                self.fd = open_own(self.path, os.O_WRONLY | os.O_APPEND)
                return False
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
                # No hard links here (FAT, some network file systems): made as a new file,
                # never through anything planted at its name, and written at once.
                self.fd = open_own(self.path, os.O_WRONLY | os.O_APPEND, create=True)
                return False
            fsync_folder(self.path.parent)
            return True
        except OSError as exc:
            raise _unwritable(self.path, exc) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            if lock >= 0:
                os.close(lock)  # and with it the lock

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def leftover_pattern(name: str) -> re.Pattern[str]:
    """A log being made that a kill left behind: ``.NAME.XXXXXXXX.tmp`` beside it."""
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp")


LOG_LOCK_WAIT = 5.0
"""Seconds the maker of the log waits for its lock. Others hold it for a moment only (to make
the log, to remove its leftovers); anyone may hold it for longer (it is readable by all), and
the wait comes in the middle of a save, its files replaced and Ctrl-C held back."""


def _held(lock: Path) -> int:
    """The log's own lock, made when missing, held (waiting up to :data:`LOG_LOCK_WAIT` for it,
    then BlockingIOError): its descriptor, to close."""
    fd = open_own(lock, os.O_RDONLY, create=True)
    if not HAS_FLOCK:  # pragma: no cover - not on POSIX: no lock, and no leftover is removed
        return fd
    try:
        if not flock_within(fd, lock, LOG_LOCK_WAIT):
            raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
        return fd
    except BaseException:
        os.close(fd)
        raise


def remove_leftovers(log: Path, keep: set[Path]) -> list[Path]:
    """Remove what making ``log`` left when killed (:func:`leftover_pattern`), but those in ``keep``;
    return them. Only under the log's own lock, without waiting for it: whoever makes the log
    holds it, and may be a menu on another data set, logging to the same file, that the caller's
    data files' locks do not hold off. While it is held (the file beside the log is being
    written), or when it is a link or another user's, nothing is removed: what is left goes next
    time. Where a leftover lies and the lock does not (left before the log had a lock, or the
    lock deleted), the lock is made here: the log exists already, so no maker would make it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return []
    pattern = leftover_pattern(log.name)
    try:
        if not any(pattern.fullmatch(name) for name in os.listdir(log.parent)):
            return []
        fd = open_own(log_lock_path(log), os.O_RDONLY, create=True)
    except (OSError, OwnFileError):
        return []
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: the log is being made now
            return []
        return disk.remove_leftovers(log.parent, pattern, keep)
    finally:
        os.close(fd)


def committed(path: Path, offset: int, text: str, *, take_back: bool = True) -> bool:
    """Whether ``text`` is in the log at or after ``offset`` (a change's lines were logged).

    A part of it left at the very end of the log (a write cut short) is taken back
    (with ``take_back``). A log that is a link, not a regular file or another user's
    holds nothing of ours.
    """
    data = text.encode("utf-8", "surrogateescape")
    try:
        fd = open_own(path, os.O_RDWR if take_back else os.O_RDONLY)
    except (OSError, OwnFileError):
        return False
    try:
        with os.fdopen(fd, "r+b" if take_back else "rb") as fh:
            fh.seek(offset)
            tail = fh.read()
            if data in tail:
                return True
            cut = _partial_end(tail, data) if take_back else 0
            if cut:
                fh.truncate(offset + len(tail) - cut)
    except OSError:
        return False
    return False


def _partial_end(tail: bytes, data: bytes) -> int:
    """How many bytes at the end of ``tail`` are the start of ``data`` cut short (0 if none).

    Only a cut at the start of a line of ``tail`` counts: the change's lines were
    written at the end of the log in one piece.
    """
    head = data[:64]
    p = len(tail)
    while p > 0 and len(tail) - p < len(data):
        p = tail.rfind(b"\n", 0, p - 1) + 1 if p > 1 else 0
        rest = tail[p:]
        if rest and len(rest) < len(data) and head.startswith(rest[:64]) and data.startswith(rest):
            return len(rest)
        if p == 0:
            break
    return 0
