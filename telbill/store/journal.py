"""The intent of a save, written before any data file is touched, and its recovery.

A save writes a journal (``.NAME.journal`` beside each data file it changes,
fsynced) saying what it is about to do: which temporary file replaces which
data file (and where the replaced file is linked meanwhile), or which bytes are
appended or cut, and which lines go into the audit log. The change counts as
made once those audit lines are in the log. When telbill starts (or before it
saves) and finds a journal, a save was cut short: if its audit lines are in the
log, it is completed; if not, everything it did is undone. Either way the files
and the audit log agree, and the operator is told.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from telbill.errors import Notice, OutputError
from telbill.files.access import data_file, fsync_folder
from telbill.store import audit
from telbill.store.disk import leftover_pattern
from telbill.store.history import copy_pattern, record_pattern

JOURNAL_VERSION = 1


def journal_path(data_path: Path) -> Path:
    """Where the journal of a save of ``data_path`` is: ``.NAME.journal`` beside it (where it
    really is: :func:`telbill.files.access.data_file`)."""
    real = data_file(data_path)
    return real.parent / f".{real.name}.journal"


def absolute(path: Path) -> Path:
    """``path`` from the root, without resolving the file itself (a link stays a link)."""
    return Path(os.path.abspath(path))


@dataclass(slots=True)
class FileStep:
    """What a save does to one data file."""

    path: str
    how: str
    """``replace`` (a new file renamed over it), ``append`` or ``truncate``."""
    tmp: str | None = None
    """The new file (replace)."""
    tmp_ino: int | None = None
    old: str | None = None
    """A hard link to the file being replaced, made before the rename (replace)."""
    old_ino: int | None = None
    keep_old: str | None = None
    """Where the replaced file is kept as a full copy, if it is."""
    offset: int | None = None
    """The file's size before the bytes are added, or after they are cut (append, truncate)."""
    data: str | None = None
    """Those bytes, as hex."""


@dataclass(slots=True)
class Journal:
    """One save's intent."""

    tx: str
    audit_log: str
    audit_offset: int
    audit_text: str
    files: list[FileStep]
    records: list[tuple[str, str]] = field(default_factory=list)
    """Undo records to write once the change is made: (path, text)."""
    drop: list[str] = field(default_factory=list)
    """Undo records to delete once the change is made (the change undone)."""

    def to_text(self) -> str:
        body = asdict(self)
        body["version"] = JOURNAL_VERSION
        return json.dumps(body, ensure_ascii=True)

    @classmethod
    def from_text(cls, text: str) -> Journal:
        body: dict[str, Any] = json.loads(text)
        if body.get("version") != JOURNAL_VERSION:
            raise ValueError("not a telbill journal")
        return cls(str(body["tx"]), str(body["audit_log"]), int(body["audit_offset"]), str(body["audit_text"]),
                   [FileStep(**step) for step in body["files"]],
                   [(str(p), str(t)) for p, t in body.get("records", [])],
                   [str(p) for p in body.get("drop", [])])

    def copies(self) -> list[Path]:
        """The journal's paths: one beside each file it changes."""
        return [journal_path(Path(step.path)) for step in self.files]

    def summary(self) -> str:
        """What the change was, from its audit lines (escaped)."""
        entries = [audit.parse_line(line) for line in self.audit_text.split("\n") if line]
        parts = [e.summary() for e in entries if e is not None]
        if len(parts) > 3:
            parts = parts[:3] + [f"… (+{len(parts) - 3})"]
        return "; ".join(parts)

    def write(self) -> None:
        """Write every copy and make it durable. Each is a new file: a name already taken (a link
        planted there, say) is never followed or overwritten: OutputError, and the copies made
        so far are removed."""
        text = self.to_text().encode("ascii")
        made: list[Path] = []
        try:
            for path in self.copies():
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
                except OSError as exc:
                    raise OutputError("output.unwritable", path=str(path), reason=exc.strerror or str(exc)) from None
                made.append(path)
                try:
                    if os.write(fd, text) != len(text):
                        raise OutputError("output.unwritable", path=str(path), reason=os.strerror(errno.EFBIG))
                    os.fsync(fd)
                except OSError as exc:
                    raise OutputError("output.unwritable", path=str(path), reason=exc.strerror or str(exc)) from None
                finally:
                    os.close(fd)
                fsync_folder(path.parent)
        except BaseException:
            for path in made:
                with contextlib.suppress(OSError):
                    path.unlink()
            raise

    def remove(self) -> None:
        for path in self.copies():
            with contextlib.suppress(OSError):
                path.unlink()
        for folder in {p.parent for p in self.copies()}:
            fsync_folder(folder)


# -- recovery ---------------------------------------------------------------------------


def pending(data_paths: Iterable[Path]) -> list[Path]:
    """Journals left beside these data files."""
    return [j for j in (journal_path(p) for p in data_paths) if j.is_file()]


@dataclass(frozen=True, slots=True)
class Scope:
    """What a recovery may touch: these data files, our temporary files beside them, and our
    copies and undo records in these backup folders; the audit log it may take a cut-short
    write back from. A journal naming anything else is not ours and is left alone."""

    data: dict[Path, str]
    """Where each data file really is → the name it is given (its backups are named after it)."""
    backups: tuple[Path, ...]
    audit_log: Path

    @classmethod
    def of(cls, data: Iterable[Path], backups: Iterable[Path], audit_log: Path) -> Scope:
        return cls({data_file(p): p.name for p in data}, tuple(map(absolute, backups)), absolute(audit_log))

    def allows(self, journal: Journal) -> bool:
        names = set()
        for step in journal.files:
            path = Path(step.path)
            if path not in self.data or step.how not in ("replace", "append", "truncate"):
                return False
            name = self.data[path]
            names.add(name)
            ours = leftover_pattern(path.name)
            for extra in (step.tmp, step.old):
                if extra is not None and (Path(extra).parent != path.parent or not ours.fullmatch(Path(extra).name)):
                    return False
            if step.keep_old is not None and not self._in_backups(Path(step.keep_old), copy_pattern(name)):
                return False
        kept = [Path(p) for p, _ in journal.records] + [Path(p) for p in journal.drop]
        return all(any(self._in_backups(p, record_pattern(name)) for name in names) for p in kept)

    def _in_backups(self, path: Path, pattern: re.Pattern[str]) -> bool:
        return path.parent in self.backups and pattern.fullmatch(path.name) is not None


def recover(scope: Scope) -> list[Notice]:
    """Complete or undo every save cut short on the scope's data files; say what was done.

    Never raises: what cannot be done is told, and a journal whose data file could
    not be brought to one version or the other stays, to be tried again (while it
    is there, that file is not changed). The caller holds the files' locks.
    """
    notices: list[Notice] = []
    done: set[str] = set()
    for path in pending(scope.data):
        try:
            journal = Journal.from_text(path.read_text("ascii"))
        except FileNotFoundError:  # a copy of a journal already finished
            continue
        except OSError as exc:
            notices.append(Notice("recovery.unreadable", {"path": str(path), "reason": exc.strerror or str(exc)}))
            continue
        except (ValueError, KeyError, TypeError):
            # Cut short while being written: nothing had been touched yet.
            with contextlib.suppress(OSError):
                path.unlink()
            notices.append(Notice("recovery.discarded", {"path": str(path)}))
            continue
        if journal.tx in done:
            continue
        if not scope.allows(journal):
            notices.append(Notice("recovery.refused", {"path": str(path)}))
            continue
        done.add(journal.tx)
        notices.append(finish(journal, scope))
    return notices


def finish(journal: Journal, scope: Scope) -> Notice:
    """Complete ``journal``'s save if its audit lines are in the log, else undo it."""
    log = Path(journal.audit_log)
    made = audit.committed(log, journal.audit_offset, journal.audit_text, take_back=log == scope.audit_log)
    trouble: list[str] = []
    settled = True
    for step in journal.files:
        try:
            if made:
                _forward(step, trouble)
            else:
                _back(step, trouble)
        except OSError as exc:
            trouble.append(f"{step.path}: {exc.strerror or exc}")
            settled = False
    if made and settled:
        for record, text in journal.records:
            trouble.extend(_write_record(Path(record), text))
        for record in journal.drop:
            with contextlib.suppress(OSError):
                Path(record).unlink()
    for step in journal.files:
        fsync_folder(Path(step.path).parent)
    files = ", ".join(step.path for step in journal.files)
    params: dict[str, object] = {"files": files, "what": journal.summary(), "trouble": "; ".join(trouble)}
    if not settled:
        return Notice("recovery.unfinished", params)
    journal.remove()
    key = "recovery.completed" if made else "recovery.rolled_back"
    if trouble:
        key += "_with_trouble"
    return Notice(key, params)


def named_by(journals: Iterable[Path]) -> set[Path]:
    """Our files beside the data files that these journals name (kept while they are pending)."""
    found: set[Path] = set()
    for path in journals:
        try:
            journal = Journal.from_text(path.read_text("ascii"))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for step in journal.files:
            found.update(absolute(Path(p)) for p in (step.tmp, step.old) if p is not None)
    return found


def _ino(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _own_ino(path: Path) -> int | None:
    """The inode of one of our own files (never through a symbolic link)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_ino if stat.S_ISREG(st.st_mode) else None


def _forward(step: FileStep, trouble: list[str]) -> None:
    path = Path(step.path)
    if step.how == "replace":
        assert step.tmp is not None
        tmp, old = Path(step.tmp), Path(step.old) if step.old else None
        if _own_ino(tmp) == step.tmp_ino:
            now = _ino(path)
            if now is None or now == step.old_ino:
                os.replace(tmp, path)
            else:  # replaced by someone else since the crash: theirs stays
                trouble.append(f"{path} was replaced by another program since; this save's new version "
                               "was not put in its place")
        if old is not None and _own_ino(old) == step.old_ino:
            keep = Path(step.keep_old) if step.keep_old is not None else None
            where, reason = keep_replaced(old, keep)
            if reason is not None:
                assert keep is not None
                trouble.append(f"the previous version of {path} could not be kept in {keep.parent} ({reason}); "
                               f"it is kept as {where}")
        return
    data = bytes.fromhex(step.data or "")
    offset = step.offset or 0
    current = _read_from(path, offset)
    if step.how == "append":
        if current is not None and current[: len(data)] == data:
            return
        if current == b"":
            _append(path, data)
        else:
            trouble.append(f"{path}: changed since; could not add {len(data)} bytes")
    else:  # truncate
        if current == data:
            os.truncate(path, offset)
        elif current != b"":
            trouble.append(f"{path}: changed since; left as it is")


def _back(step: FileStep, trouble: list[str]) -> None:
    path = Path(step.path)
    if step.how == "replace":
        tmp, old = Path(step.tmp or ""), Path(step.old) if step.old else None
        now = _ino(path)
        if step.tmp_ino is not None and now == step.tmp_ino:
            if old is not None and _own_ino(old) == step.old_ino:
                os.replace(old, path)
            else:
                trouble.append(f"{path}: the replaced file is missing")
        elif now is None and old is not None and _own_ino(old) == step.old_ino:  # renamed aside (no hard links)
            os.replace(old, path)
            with contextlib.suppress(OSError):
                tmp.unlink()
        else:
            if _own_ino(tmp) == step.tmp_ino:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            if old is not None and _own_ino(old) == step.old_ino:
                with contextlib.suppress(OSError):
                    old.unlink()
        return
    data = bytes.fromhex(step.data or "")
    offset = step.offset or 0
    current = _read_from(path, offset)
    if step.how == "append":
        if current and data.startswith(current):
            os.truncate(path, offset)
        elif current:
            trouble.append(f"{path}: changed since; left as it is")
    else:  # truncate: put the cut bytes back
        if current == b"":
            _append(path, data)


def _read_from(path: Path, offset: int) -> bytes | None:
    """The file's bytes from ``offset`` (``None`` if it is gone or shorter)."""
    try:
        with path.open("rb") as fh:
            if os.fstat(fh.fileno()).st_size < offset:
                return None
            fh.seek(offset)
            return fh.read()
    except OSError:
        return None


def _append(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def keep_replaced(old: Path, keep: Path | None) -> tuple[Path | None, str | None]:
    """The replaced file (``old``, our name for it beside the data file): moved into the backup
    folder as the full copy ``keep``, or let go when ``keep`` is ``None``.

    Never raises. Returns where the copy is and, when it could not go to ``keep``,
    why: it is then renamed beside the data file to the copy's name (``NAME.STAMP``,
    not a name of ours that a later start would clean up), or, when even that
    fails, left as ``old``.
    """
    if keep is None:
        with contextlib.suppress(OSError):
            old.unlink()
        return None, None
    try:
        if os.path.lexists(keep.parent) and not keep.parent.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        keep.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(old, keep)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            _copy_across(old, keep)
        fsync_folder(keep.parent)
        return keep, None
    except OSError as exc:
        reason = exc.strerror or str(exc)
    except OutputError as exc:
        reason = str(exc)
    aside = old.parent / keep.name
    try:
        if os.path.lexists(aside):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST))
        os.rename(old, aside)
        fsync_folder(old.parent)
        return aside, reason
    except OSError:
        return old, reason


def _copy_across(old: Path, keep: Path) -> None:
    """``old`` copied to ``keep`` on another file system (all at once: no half copy is ever listed), then let go."""
    from telbill.files.access import atomic_write

    def blocks() -> Iterable[bytes]:
        with old.open("rb") as fh:
            while block := fh.read(1 << 20):
                yield block

    atomic_write(keep, blocks())
    with contextlib.suppress(OSError):
        old.unlink()


def _write_record(path: Path, text: str) -> list[str]:
    """Write an undo record left to write; what went wrong, if anything."""
    from telbill.files.access import atomic_write

    if path.exists():
        return []
    try:
        atomic_write(path, text.encode("ascii"))
    except OutputError as exc:
        return [f"{exc}; that change cannot be undone"]
    return []
