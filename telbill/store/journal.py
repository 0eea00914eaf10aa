"""The intent of a save, written before any data file is touched, and its recovery.

A save writes a journal (``.NAME.journal`` beside each data file it changes,
fsynced, and its folder fsynced) saying what it is about to do: which temporary
file replaces which data file (and where the replaced file is linked meanwhile),
or which bytes are appended or cut, and which lines go into the audit log. The
change counts as made once those audit lines are in the log. When telbill starts
(or before it saves) and finds a journal, a save was cut short: if its audit
lines are in the log, it is completed; if not, everything it did is undone.
Either way the files and the audit log agree, and the operator is told.

A journal names its files relative to the folder it is in (the data folder), so
a data folder moved after a crash is recovered where it is now. A journal is one
of telbill's own files (never read through a link, only a regular file of this
user) and is read field by field: one that is not as telbill writes it, or that
names files this run does not keep, is moved aside (``.NAME.journal.bad``) and
named; it never stops work, and nothing it names is removed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from telbill.constants import DataKind
from telbill.errors import Notice, OutputError, OwnFileError, TelbillError
from telbill.files.access import (
    data_file,
    fsync_folder,
    journal_path,
    journals_left,
    leftover_pattern,
    open_input,
    own_reader,
    read_own,
)
from telbill.store import audit, schema
from telbill.store.history import copy_pattern, free_name, record_pattern
from telbill.text.display import shown

JOURNAL_VERSION = 2
"""2: paths relative to the journal's folder. (1, from the root, is still read.)"""
_READ_VERSIONS = (1, 2)
_TX = re.compile(r"[0-9a-z-]{1,64}")


def absolute(path: Path) -> Path:
    """``path`` from the root, without resolving the file itself (a link stays a link)."""
    return Path(os.path.abspath(path))


def _relative(path: str, base: Path) -> str:
    """``path`` (from the root) as written in a journal in folder ``base``."""
    return os.path.relpath(path, base)


def _from(text: str, base: Path) -> str:
    """A path read from a journal in folder ``base``, from the root."""
    return os.path.normpath(os.path.join(base, text))


class How(StrEnum):
    """What a save does to one data file."""

    REPLACE = "replace"
    """A new file renamed over it."""
    APPEND = "append"
    TRUNCATE = "truncate"


@dataclass(slots=True)
class FileStep:
    """What a save does to one data file (paths from the root while in memory)."""

    path: str
    how: How
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

    def to_json(self, base: Path) -> dict[str, Any]:
        def rel(p: str | None) -> str | None:
            return None if p is None else _relative(p, base)

        return {"path": rel(self.path), "how": self.how.value, "tmp": rel(self.tmp), "tmp_ino": self.tmp_ino,
                "old": rel(self.old), "old_ino": self.old_ino, "keep_old": rel(self.keep_old),
                "offset": self.offset, "data": self.data}

    @classmethod
    def from_json(cls, value: Any, base: Path, where: str) -> FileStep:
        body = schema.obj(value, where)
        schema.only(body, ("path", "how", "tmp", "tmp_ino", "old", "old_ino", "keep_old", "offset", "data"), where)
        try:
            how = How(schema.text(body, "how", where))
        except ValueError:
            raise schema.BadField(f"{where}.how") from None

        def path(key: str, needed: bool) -> str | None:
            text = schema.text(body, key, where) if needed else schema.maybe_text(body, key, where)
            if text is not None and (not text or "\0" in text):
                raise schema.BadField(f"{where}.{key}")
            return None if text is None else _from(text, base)

        step = cls(path("path", True) or "", how)
        if how is How.REPLACE:
            step.tmp, step.tmp_ino = path("tmp", True), schema.integer(body, "tmp_ino", where)
            step.old, step.old_ino = path("old", False), schema.maybe_integer(body, "old_ino", where)
            step.keep_old = path("keep_old", False)
            if (step.old is None) != (step.old_ino is None) or body.get("offset") is not None \
                    or body.get("data") is not None:
                raise schema.BadField(f"{where}.old")
        else:
            step.offset = schema.integer(body, "offset", where)
            step.data = schema.text(body, "data", where, pattern=schema.HEX)
            for key in ("tmp", "tmp_ino", "old", "old_ino", "keep_old"):
                if body.get(key) is not None:
                    raise schema.BadField(f"{where}.{key}")
        return step


@dataclass(slots=True)
class Journal:
    """One save's intent (paths from the root while in memory; relative in the file)."""

    tx: str
    audit_log: str
    audit_offset: int
    audit_text: str
    files: list[FileStep]
    records: list[tuple[str, str]] = field(default_factory=list)
    """Undo records to write once the change is made: (path, text)."""
    drop: list[str] = field(default_factory=list)
    """Undo records to delete once the change is made (the change undone)."""

    def to_text(self, base: Path) -> str:
        """The journal as written in folder ``base`` (its paths relative to it)."""
        return json.dumps({
            "version": JOURNAL_VERSION, "tx": self.tx, "audit_log": _relative(self.audit_log, base),
            "audit_offset": self.audit_offset, "audit_text": self.audit_text,
            "files": [step.to_json(base) for step in self.files],
            "records": [[_relative(p, base), t] for p, t in self.records],
            "drop": [_relative(p, base) for p in self.drop],
        }, ensure_ascii=True)

    @classmethod
    def from_text(cls, text: str, base: Path) -> Journal:
        """The journal in ``text``, read in folder ``base``, checked field by field:
        json.JSONDecodeError when it is not JSON at all (cut short while being written),
        schema.BadField naming the first field that is not as telbill writes it."""
        body = schema.parsed(text)
        schema.only(body, ("version", "tx", "audit_log", "audit_offset", "audit_text", "files", "records", "drop"),
                    "")
        if body.get("version") not in _READ_VERSIONS or isinstance(body.get("version"), bool):
            raise schema.BadField("version")
        steps = schema.items(body, "files")
        if not steps:
            raise schema.BadField("files")
        files = [FileStep.from_json(step, base, f"files.{i}") for i, step in enumerate(steps)]
        records = []
        for i, item in enumerate(schema.items(body, "records", default=[])):
            path, record = schema.pair(item, f"records.{i}")
            if not isinstance(path, str) or not path or not isinstance(record, str):
                raise schema.BadField(f"records.{i}")
            records.append((_from(path, base), record))
        drop = []
        for i, item in enumerate(schema.items(body, "drop", default=[])):
            if not isinstance(item, str) or not item:
                raise schema.BadField(f"drop.{i}")
            drop.append(_from(item, base))
        audit_text = schema.text(body, "audit_text")
        if not audit_text.endswith("\n") or any(audit.parse_line(line) is None for line in audit_text.splitlines()):
            raise schema.BadField("audit_text")
        return cls(schema.text(body, "tx", pattern=_TX), _from(schema.text(body, "audit_log"), base),
                   schema.integer(body, "audit_offset"), audit_text, files, records, drop)

    def copies(self) -> list[Path]:
        """The journal's paths: one beside each file it changes."""
        return [journal_path(Path(step.path)) for step in self.files]

    def summary(self) -> str:
        """What the change was, from its audit lines (escaped): those about users.txt first (a user
        deleted with their calls is said as the user, then the calls)."""
        entries = [e for e in map(audit.parse_line, self.audit_text.split("\n")) if e is not None]
        entries.sort(key=lambda e: e.action.kind is not DataKind.USERS)
        parts = [e.summary() for e in entries]
        if len(parts) > 3:
            parts = parts[:3] + [f"… (+{len(parts) - 3})"]
        return "; ".join(parts)

    def write(self) -> None:
        """Write every copy and make it durable: the file fsynced, then its folder, before anything
        else is done. Each is a new file: a name already taken (a link planted there, say) is
        never followed or overwritten: OutputError, and the copies made so far are removed."""
        made: list[Path] = []
        try:
            for path in self.copies():
                text = self.to_text(path.parent).encode("ascii")
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


pending = journals_left
"""Journals left beside these data files (:func:`telbill.files.access.journals_left`)."""


def bad_journals(data_paths: Iterable[Path]) -> list[Path]:
    """Journals moved aside beside these data files (``.NAME.journal.bad``, ``….bad-N``)."""
    found = []
    for path in data_paths:
        journal = journal_path(path)
        pattern = re.compile(rf"{re.escape(journal.name)}\.bad(?:-[0-9]+)?")
        with contextlib.suppress(OSError):
            found += [journal.parent / n for n in os.listdir(journal.parent) if pattern.fullmatch(n)]
    return found


def read_journal(path: Path) -> Journal:
    """The journal at ``path`` (telbill's own file, checked field by field): OSError,
    OwnFileError, json.JSONDecodeError or schema.BadField when it cannot be used."""
    data = read_own(path)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise schema.BadField("(ascii)") from None
    return Journal.from_text(text, path.parent)


@dataclass(frozen=True, slots=True)
class Scope:
    """What a recovery may touch: these data files, our temporary files beside them, and our
    copies and undo records in these backup folders; the audit log it may take a cut-short
    write back from. A journal naming anything else is not used (it is moved aside)."""

    data: dict[Path, str]
    """Where each data file really is → the name it is given (its backups are named after it)."""
    backups: tuple[Path, ...]
    audit_log: Path
    given: dict[Path, str] = field(default_factory=dict)
    """Where each data file really is → the path it was given as (``data/users.txt``), as telbill
    names it to the operator everywhere else."""

    @classmethod
    def of(cls, data: Iterable[Path], backups: Iterable[Path], audit_log: Path) -> Scope:
        data = list(data)
        return cls({data_file(p): p.name for p in data}, tuple(map(absolute, backups)), absolute(audit_log),
                   {data_file(p): str(p) for p in data})

    def allows(self, journal: Journal) -> bool:
        names = set()
        for step in journal.files:
            path = Path(step.path)
            if path not in self.data:
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


def set_aside(path: Path) -> Path | None:
    """Move a journal telbill cannot use out of the way: ``.NAME.journal.bad`` (``….bad-N`` when
    taken); where it went, or ``None`` when it could not be moved."""
    aside = free_name(path.parent, path.name + ".bad")
    try:
        os.rename(path, aside)
    except OSError:
        return None
    fsync_folder(path.parent)
    return aside


def recover(scope: Scope) -> list[Notice]:
    """Complete or undo every save cut short on the scope's data files; say what was done.

    Never raises: what cannot be done is told. A journal cut short while it was written
    (not JSON: nothing had been touched) is removed; one that is not telbill's own file, is
    not as telbill writes it, or names files outside the scope is moved aside and named
    (it never blocks work). A journal whose data file could not be brought to one version
    or the other stays, to be tried again (while it is there, that file is not changed).
    The caller holds the files' locks.
    """
    notices: list[Notice] = []
    done: set[str] = set()
    for path in pending(scope.data):
        try:
            journal = read_journal(path)
        except FileNotFoundError:  # a copy of a journal already finished
            continue
        except json.JSONDecodeError:
            # Cut short while being written: nothing had been touched yet.
            with contextlib.suppress(OSError):
                path.unlink()
            notices.append(Notice("recovery.discarded", {"path": str(path)}))
            continue
        except OwnFileError as exc:
            notices.append(_moved_aside(path, "recovery.not_ours", reason=exc))
            continue
        except schema.BadField as exc:
            notices.append(_moved_aside(path, "recovery.bad_journal", field=shown(exc.field)))
            continue
        except OSError as exc:
            notices.append(Notice("recovery.unreadable", {"path": str(path), "reason": exc.strerror or str(exc)}))
            continue
        if journal.tx in done:
            continue
        if not scope.allows(journal):
            notices.append(_moved_aside(path, "recovery.refused"))
            continue
        done.add(journal.tx)
        notices.append(finish(journal, scope))
    return notices


def _moved_aside(path: Path, key: str, **params: object) -> Notice:
    aside = set_aside(path)
    return Notice(key, {"path": str(path), "aside": str(aside) if aside is not None else str(path), **params})


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
        except TelbillError as exc:
            trouble.append(f"{step.path}: {exc}")
            settled = False
    if made and settled:
        for record, text in journal.records:
            trouble.extend(_write_record(Path(record), text))
        for record in journal.drop:
            with contextlib.suppress(OSError):
                Path(record).unlink()
    for step in journal.files:
        fsync_folder(Path(step.path).parent)
    files = ", ".join(scope.given.get(Path(step.path), step.path) for step in journal.files)
    params: dict[str, object] = {"files": files, "what": journal.summary(), "trouble": "; ".join(trouble)}
    if not settled:
        return Notice("recovery.unfinished", params)
    journal.remove()
    key = "recovery.completed" if made else "recovery.rolled_back"
    if trouble:
        key += "_with_trouble"
    return Notice(key, params)


def named_by(journals: Iterable[Path]) -> set[Path]:
    """Our files beside the data files that these journals name (kept while a journal names them,
    pending or moved aside: also one that is not as telbill writes it, as far as it can be read)."""
    found: set[Path] = set()
    for path in journals:
        try:
            body = json.loads(read_own(path).decode("ascii"))
        except (OSError, OwnFileError, ValueError, RecursionError):
            continue
        steps = body.get("files") if isinstance(body, dict) else None
        for step in steps if isinstance(steps, list) else []:
            for key in ("tmp", "old"):
                name = step.get(key) if isinstance(step, dict) else None
                if isinstance(name, str) and name and "\0" not in name:
                    found.add(absolute(Path(_from(name, path.parent))))
    return found


def _ino(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _own_ino(path: Path) -> int | None:
    """The inode of one of our own files (never through a symbolic link, only a regular file of
    this user)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    ours = stat.S_ISREG(st.st_mode) and (not hasattr(os, "geteuid") or st.st_uid == os.geteuid())
    return st.st_ino if ours else None


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
    """The file's bytes from ``offset`` (``None`` if it is gone, shorter, or not a regular file)."""
    try:
        with open_input(path) as fh:
            if os.fstat(fh.fileno()).st_size < offset:
                return None
            fh.seek(offset)
            return fh.read()
    except (OSError, TelbillError):
        return None


def _append(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{path} is not a regular file")
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
        with own_reader(old) as fh:
            while block := fh.read(1 << 20):
                yield block

    atomic_write(keep, blocks())
    with contextlib.suppress(OSError):
        old.unlink()


def _write_record(path: Path, text: str) -> list[str]:
    """Write an undo record left to write; what went wrong, if anything."""
    from telbill.files.access import atomic_write

    if os.path.lexists(path):
        return []
    try:
        atomic_write(path, text.encode("ascii"))
    except OutputError as exc:
        return [f"{exc}; that change cannot be undone"]
    return []
