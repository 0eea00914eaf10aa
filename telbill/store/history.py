"""Undo records and full copies in the backup folder.

Every change telbill saves leaves a small undo record beside the backups,
``NAME.STAMP.undo`` (JSON): the audit lines of the change, the file's
fingerprint before and after it, and how to go back (:data:`UndoWay`): cut the
file back to its old size (an add), apply the inverse line edit (a rewrite the
old file can be rebuilt from exactly), or put a full copy back (``NAME.STAMP``:
kept only when that is needed). A change to both files leaves the same record
beside each.

Records and copies are telbill's own files: a link, a FIFO or another user's
file in the backup folder is never read. A record is read field by field
(:mod:`telbill.store.schema`); one that fails is moved aside (``….undo.bad``)
and named, never used.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from telbill.constants import BACKUPS_KEPT as KEPT
from telbill.constants import DataKind
from telbill.errors import InputFileError, Notice, OutputError, OwnFileError
from telbill.files import access
from telbill.files.decoding import FileFormat, decode
from telbill.store import schema
from telbill.store.audit import AuditEntry, parse_line
from telbill.store.lines import LineEdit, apply_in_place
from telbill.text.display import shown

RECORD_VERSION = 1
STAMP_FORMAT = "%Y%m%d-%H%M%S-%f"
STAMP = r"[0-9]{8}-[0-9]{6}-[0-9]{6}(?:-[0-9]+)?"
"""A stamp in a name: ``20260101-120000-123456``, and ``-N`` when that one was taken."""
_TX = re.compile(r"[0-9a-z-]{1,64}")


# -- how to take a change back: one of three ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CutBack:
    """Cut the file back to its size before the change (the change added lines at its end)."""

    size: int
    """The size to cut it back to."""
    lines: int = 1
    """How many lines that takes off."""

    def to_json(self) -> dict[str, Any]:
        return {"truncate": self.size, "lines": self.lines}


@dataclass(frozen=True, slots=True)
class EditBack:
    """Apply the inverse line edit (the old file can be rebuilt from its lines exactly)."""

    edit: LineEdit

    def to_json(self) -> dict[str, Any]:
        return {"edit": self.edit.to_json()}


@dataclass(frozen=True, slots=True)
class CopyBack:
    """Put back a full copy of the file as it was."""

    name: str
    """Its name in the backup folder (``NAME.STAMP``)."""

    def to_json(self) -> dict[str, Any]:
        return {"copy": self.name}


UndoWay = CutBack | EditBack | CopyBack
"""How to take back a change to one file."""


def undo_way(data: Any, name: str, before: Print, after: Print, where: str) -> UndoWay:
    """The way back of an undo record's file ``name``, checked field by field."""
    body = schema.obj(data, where)
    ways = [key for key in ("truncate", "edit", "copy") if key in body]
    if len(ways) != 1:
        raise schema.BadField(where)
    if ways[0] == "truncate":
        schema.only(body, ("truncate", "lines"), where)
        size = schema.integer(body, "truncate", where)
        if size != before.size or size >= after.size:
            raise schema.BadField(f"{where}.truncate")
        lines = schema.integer(body, "lines", where, low=1) if "lines" in body else 1
        return CutBack(size, lines)
    if ways[0] == "edit":
        schema.only(body, ("edit",), where)
        return EditBack(LineEdit.from_json(body["edit"], f"{where}.edit"))
    schema.only(body, ("copy",), where)
    copy = schema.text(body, "copy", where)
    return CopyBack(schema.plain_name(copy, copy_pattern(name), f"{where}.copy"))


@dataclass(frozen=True, slots=True)
class Print:
    """A file's fingerprint at one moment."""

    sha256: str
    size: int
    ended: bool
    """Whether its last line had a line end."""

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "end": self.ended}

    @classmethod
    def from_json(cls, data: Any, where: str) -> Print:
        body = schema.obj(data, where)
        schema.only(body, ("sha256", "size", "end"), where)
        return cls(schema.text(body, "sha256", where, pattern=schema.SHA256), schema.integer(body, "size", where),
                   schema.flag(body, "end", where))


@dataclass(frozen=True, slots=True)
class FilePart:
    """What a change did to one file, and how to take it back."""

    name: str
    before: Print
    after: Print
    undo: UndoWay

    def misfit(self, size: int, count: int) -> str | None:
        """The field that does not fit the file as it is now (``size`` bytes, ``count`` lines), or
        ``None`` when the way back applies: its numbers name lines and bytes the file has."""
        if size != self.after.size:
            return "after.size"
        if isinstance(self.undo, CutBack) and not (self.undo.size < size and self.undo.lines <= count):
            return "undo.truncate"
        if isinstance(self.undo, EditBack) and not self.undo.edit.fits(count):
            return "undo.edit"
        return None


@dataclass(slots=True)
class UndoRecord:
    """One saved change (one transaction), as its record files say."""

    tx: str
    stamp: str
    audit: list[str]
    files: dict[DataKind, FilePart]
    """What happened to each file."""
    paths: list[Path] = field(default_factory=list)
    """The record files (one per file changed)."""
    seq: int = 0
    """Its place among the changes: one more than the newest record there was (clocks can go back)."""

    @property
    def taken(self) -> datetime:
        return taken(self.stamp)

    def path_in(self, folder: Path, name: str) -> Path:
        """The record file beside the backups of data file ``name``."""
        return next((p for p in self.paths if p.parent == folder and p.name.startswith(name + ".")), self.paths[0])

    @property
    def entries(self) -> list[AuditEntry]:
        return [e for e in map(parse_line, self.audit) if e is not None]

    def to_text(self) -> str:
        return json.dumps({
            "version": RECORD_VERSION, "tx": self.tx, "stamp": self.stamp, "seq": self.seq, "audit": self.audit,
            "files": {kind.value: {"name": part.name, "before": part.before.to_json(), "after": part.after.to_json(),
                                   "undo": part.undo.to_json()} for kind, part in self.files.items()},
        }, ensure_ascii=True)

    @classmethod
    def from_text(cls, text: str, path: Path, names: Mapping[DataKind, str]) -> UndoRecord:
        """The record in ``text`` (the file ``path``), checked field by field: schema.BadField
        naming the first field that is not as telbill writes it (json.JSONDecodeError: not JSON).
        ``names``: each data file's name (the record's names must be those)."""
        body = schema.parsed(text)
        schema.only(body, ("version", "tx", "stamp", "seq", "audit", "files"), "")
        if body.get("version") != RECORD_VERSION:
            raise schema.BadField("version")
        audit = schema.items(body, "audit")
        for i, line in enumerate(audit):
            if not isinstance(line, str) or parse_line(line) is None:
                raise schema.BadField(f"audit.{i}")
        files: dict[DataKind, FilePart] = {}
        for key, value in schema.obj(body.get("files"), "files").items():
            where = f"files.{key}"
            try:
                kind = DataKind(key)
            except ValueError:
                raise schema.BadField(where) from None
            part = schema.obj(value, where)
            schema.only(part, ("name", "before", "after", "undo"), where)
            name = schema.text(part, "name", where)
            if kind in names and name != names[kind]:
                raise schema.BadField(f"{where}.name")
            before = Print.from_json(part.get("before"), f"{where}.before")
            after = Print.from_json(part.get("after"), f"{where}.after")
            files[kind] = FilePart(name, before, after, undo_way(part.get("undo"), name, before, after,
                                                                 f"{where}.undo"))
        if not files:
            raise schema.BadField("files")
        return cls(schema.text(body, "tx", pattern=_TX), schema.text(body, "stamp", pattern=re.compile(STAMP)),
                   audit, files, [path], schema.integer(body, "seq") if "seq" in body else 0)


# -- names in the backup folder -------------------------------------------------------------


def record_name(name: str, stamp: str) -> str:
    """``users.txt.20260101-120000-123456.undo``."""
    return f"{name}.{stamp}.undo"


def copy_name(name: str, stamp: str) -> str:
    """``users.txt.20260101-120000-123456``."""
    return f"{name}.{stamp}"


def record_pattern(name: str) -> re.Pattern[str]:
    """An undo record of data file ``name``: ``NAME.STAMP.undo`` (the stamp is group 1)."""
    return re.compile(rf"{re.escape(name)}\.({STAMP})\.undo")


def copy_pattern(name: str) -> re.Pattern[str]:
    """A full copy of data file ``name``: ``NAME.STAMP`` (the stamp is group 1)."""
    return re.compile(rf"{re.escape(name)}\.({STAMP})")


def leftover_pattern(name: str) -> re.Pattern[str]:
    """Our temporary files in the backup folder: ``.NAME.STAMP[.undo].XXXXXXXX.tmp``."""
    return re.compile(rf"\.{re.escape(name)}\.{STAMP}(?:\.undo)?\.[a-z0-9_]{{8}}\.tmp")


def free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``NAME-N`` in place of its stamp when that is taken (two saves in one
    microsecond, or the clock set back): ``users.txt.STAMP-1.undo``."""
    base, ext = (name[:-5], ".undo") if name.endswith(".undo") else (name, "")
    target, n = folder / name, 0
    while os.path.lexists(target):
        n += 1
        target = folder / f"{base}-{n}{ext}"
    return target


def _named(folder: Path, pattern: re.Pattern[str]) -> list[tuple[str, Path]]:
    """(stamp, path) of whatever is in ``folder`` named by ``pattern``, newest first."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        m = pattern.fullmatch(name)
        if m is not None:
            found.append((m[1], folder / name))
    found.sort(key=lambda item: stamp_key(item[0]), reverse=True)
    return found


def _found(folder: Path, pattern: re.Pattern[str]) -> list[tuple[str, Path]]:
    """(stamp, path) of telbill's own files in ``folder`` named by ``pattern`` (regular files of
    this user, never a link), newest first."""
    return [(stamp, path) for stamp, path in _named(folder, pattern) if access.is_own(path)]


def record_files(folder: Path, name: str) -> list[tuple[str, Path]]:
    """(stamp, path) of the undo records of file ``name``, newest first."""
    return _found(folder, record_pattern(name))


def list_copies(folder: Path, name: str) -> list[Path]:
    """The full copies of file ``name`` in ``folder``, newest first (telbill's own: a link, or
    another user's file, named like one is not a copy)."""
    return [path for _, path in _found(folder, copy_pattern(name))]


def take_copy(path: Path, folder: Path, now: datetime, keep: int = KEPT) -> Path | None:
    """Copy ``path`` to ``folder/NAME.STAMP`` (atomically; *Back up now*); keep the newest ``keep``
    (``0``: remove none now; the caller prunes once the backup is logged).
    ``None`` when there is no such file (a FIFO or a device there is refused, never waited on)."""
    if not os.path.lexists(path):
        return None
    try:
        data = access.read_bytes(path)
    except InputFileError as exc:
        raise OutputError("output.unwritable", path=str(path), reason=exc) from None
    target = free_name(folder, copy_name(path.name, now.strftime(STAMP_FORMAT)))
    access.atomic_write(target, data)
    if keep:
        for old in list_copies(folder, path.name)[keep:]:
            with contextlib.suppress(OSError):
                old.unlink()
    return target


def stamp_key(stamp: str) -> tuple[str, int]:
    """Sort key of ``20260101-120000-123456`` or ``20260101-120000-123456-2``."""
    return stamp[:22], int(stamp[23:] or 0)


def taken(stamp: str) -> datetime:
    """When a stamp was made."""
    return datetime.strptime(stamp[:22], STAMP_FORMAT)


@dataclass(slots=True)
class RecordsRead:
    """The undo records found, and what was found in their place and not used."""

    records: list[UndoRecord]
    """Newest first; a change to both files is one record."""
    notices: list[Notice]
    """One per record file refused: moved aside (``record.bad``) or, when it is not telbill's own
    (a link, another user's file), left where it is (``record.not_ours``)."""


def read_records(folders: Mapping[DataKind, tuple[Path, str]], *, set_aside: bool = True) -> RecordsRead:
    """The undo records of the files (``kind → (backup folder, file name)``), newest first.

    A record file is read only when it is telbill's own; one that is not as telbill writes
    it is moved aside (with ``set_aside``) and named, never used.
    """
    names = {kind: name for kind, (_, name) in folders.items()}
    by_tx: dict[str, UndoRecord] = {}
    notices: list[Notice] = []
    for kind, (folder, name) in folders.items():
        for _, path in _named(folder, record_pattern(name)):
            try:
                record = UndoRecord.from_text(access.read_own(path).decode("ascii"), path, names)
                taken(record.stamp)
            except OwnFileError as exc:
                notices.append(Notice("record.not_ours", {"path": str(path), "reason": exc}))
                continue
            except OSError as exc:
                notices.append(Notice("record.unreadable", {"path": str(path), "reason": exc.strerror or str(exc)}))
                continue
            except (ValueError, UnicodeDecodeError) as exc:
                where = exc.field if isinstance(exc, schema.BadField) else "(json)"
                notices.append(_bad(path, where, set_aside))
                continue
            if kind not in record.files:
                notices.append(_bad(path, "files", set_aside))
                continue
            known = by_tx.get(record.tx)
            if known is None:
                by_tx[record.tx] = record
            elif known.files == record.files:
                known.paths.append(path)
            else:  # the same change told two ways: neither is trusted
                notices.append(_bad(path, "tx", set_aside))
        for _, path in _named(folder, copy_pattern(name)):
            if not access.is_own(path):
                notices.append(Notice("record.not_ours", {"path": str(path), "reason": _why_not_own(path)}))
    records = sorted(by_tx.values(), key=lambda r: (r.seq, stamp_key(r.stamp)), reverse=True)
    return RecordsRead(records, notices)


def _why_not_own(path: Path) -> OwnFileError:
    try:
        fd = access.open_own(path, os.O_RDONLY)
    except OwnFileError as exc:
        return exc
    except OSError as exc:
        return OwnFileError("own.not_regular", path=str(path), reason=exc.strerror)
    os.close(fd)
    return OwnFileError("own.not_regular", path=str(path))


def set_aside_record(path: Path, where: str) -> Notice:
    """Move a record file telbill will not use aside (``NAME.bad``) and say so."""
    return _bad(path, where, True)


def _bad(path: Path, where: str, set_aside: bool) -> Notice:
    """A record file that is not as telbill writes it: moved aside (``NAME.bad``), and said."""
    aside = free_name(path.parent, path.name + ".bad") if set_aside else None
    if aside is not None:
        try:
            os.rename(path, aside)
        except OSError:
            aside = None
    return Notice("record.bad", {"path": str(path), "field": shown(where),
                                 "aside": str(aside) if aside is not None else str(path)})


def prune(folder: Path, name: str, *, copies: bool = False, keep: int = KEPT) -> None:
    """Delete all but the newest ``keep`` undo records of file ``name`` (and of its full copies,
    with ``copies``). OSError when the folder cannot be read."""
    old = [path for _, path in record_files(folder, name)[keep:]]
    if copies:
        old += list_copies(folder, name)[keep:]
    for path in old:
        with contextlib.suppress(OSError):
            path.unlink()


# -- backups: undo records and full copies, as the operator sees them --------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """Where a restore takes one file's version from: a full copy (the file as it was then), or the
    undo record of the oldest change taken back from that file (the file as it was before it)."""

    kind: DataKind
    path: Path
    taken: datetime | None
    """When the copy or the change was made."""

    @property
    def is_copy(self) -> bool:
        return not self.path.name.endswith(".undo")


@dataclass(frozen=True, slots=True)
class Backup:
    """A way back in the backup folder: a full copy, or the undo record of a change (one row per
    change: a change to both files is one backup, restored whole)."""

    kind: DataKind
    path: Path
    """The full copy, or the change's undo record beside the backups of ``kind``."""
    taken: datetime | None
    """When it was made."""
    size: int
    """Bytes."""
    undoes: str = ""
    """What restoring it takes back (the change's audit lines, shortened); empty for a plain copy."""
    usable: bool = True
    """False when a file it would restore changed outside telbill since, so it no longer applies."""
    changes: tuple[AuditEntry, ...] = ()
    """The audit entries of the change it takes back (empty for a plain copy)."""
    later: tuple[tuple[AuditEntry, ...], ...] = ()
    """The later changes restoring it takes back as well (each its audit entries), newest first:
    every later change to a file it restores, and, so that no change is taken back by half,
    to the other file when such a change touched both."""
    sources: tuple[Source, ...] = ()
    """Each file it restores, and where that file's version comes from; users first."""

    @property
    def is_copy(self) -> bool:
        return not self.path.name.endswith(".undo")

    @property
    def kinds(self) -> tuple[DataKind, ...]:
        """The files restoring it replaces, its own first."""
        return (self.kind, *(source.kind for source in self.sources if source.kind != self.kind))


@dataclass(frozen=True, slots=True)
class Kept:
    """One data file's backups: where they are, and the file's fingerprint now."""

    folder: Path
    name: str
    digest: str


@dataclass(frozen=True, slots=True)
class TakenBack:
    """What restoring a backup takes back: the later changes, newest first, and for each file it
    restores the oldest change taken back from it (restored as it was before that change)."""

    later: list[UndoRecord]
    oldest: dict[DataKind, UndoRecord]


def taken_back(newer: Sequence[UndoRecord], files: set[DataKind], first: UndoRecord | None = None) -> TakenBack:
    """What putting ``files`` back as they were before ``first`` (or, for a full copy, before the
    ``newer`` changes) takes back: every newer change to one of them, and the files those changed
    too (a change is taken back whole, never one file of two), until no more join; ``newer`` is
    newest first. At most 20 changes a file are kept, so the passes are few and short."""
    files = set(files)
    joined: set[str] = set()
    grew = True
    while grew:
        grew = False
        for record in newer:
            if record.tx not in joined and files & record.files.keys():
                joined.add(record.tx)
                files |= record.files.keys()
                grew = True
    later = [record for record in newer if record.tx in joined]
    oldest: dict[DataKind, UndoRecord] = {}
    for record in [*later, *([first] if first is not None else [])]:
        for kind in record.files:
            oldest[kind] = record  # the last one met is the oldest
    return TakenBack(later, oldest)


def backups(records: list[UndoRecord], kept: Mapping[DataKind, Kept]) -> list[Backup]:
    """Every change (its undo record) and full copy of the files, newest first, each with what
    restoring it takes back (:func:`taken_back`).

    An undo record applies while the changes after it, newest first, lead from
    the file as it is now back to it (no change made outside telbill between); a backup is
    usable while every file it restores from undo records is so.
    """
    applies: dict[tuple[DataKind, str], bool] = {}
    for kind, files in kept.items():
        expected: str | None = files.digest
        for record in records:
            part = record.files.get(kind)
            if part is not None:
                applies[kind, record.tx] = expected is not None and part.after.sha256 == expected
                expected = part.before.sha256 if applies[kind, record.tx] else None

    def made(kind: DataKind, path: Path, when: datetime | None, back: TakenBack, own: Path | None,
             about: tuple[AuditEntry, ...]) -> Backup:
        sources = [Source(k, own, when) if k == kind and own is not None else
                   Source(k, back.oldest[k].path_in(kept[k].folder, kept[k].name), back.oldest[k].taken)
                   for k in DataKind if k in kept and (k in back.oldest or k == kind)]
        usable = all(applies.get((s.kind, back.oldest[s.kind].tx), False) for s in sources if not s.is_copy)
        return Backup(kind, path, when, _size(path), summary(about), usable, about,
                      tuple(tuple(r.entries) for r in back.later), tuple(sources))

    found: list[Backup] = []
    copies: dict[str, tuple[AuditEntry, ...]] = {}
    for i, record in enumerate(records):
        kind = next(k for k in DataKind if k in record.files)
        for part in record.files.values():
            if isinstance(part.undo, CopyBack):
                copies[part.undo.name] = tuple(record.entries)
        back = taken_back(records[:i], set(record.files), record)
        found.append(made(kind, record.path_in(kept[kind].folder, kept[kind].name), record.taken, back, None,
                          tuple(record.entries)))
    for kind, files in kept.items():
        for path in list_copies(files.folder, files.name):
            stamp = path.name[len(files.name) + 1:]
            try:
                when: datetime | None = taken(stamp)
            except ValueError:
                when = None
            newer = [r for r in records if when is not None and stamp_key(r.stamp) >= stamp_key(stamp)]
            found.append(made(kind, path, when, taken_back(newer, {kind}), path, copies.get(path.name, ())))
    found.sort(key=lambda b: (b.taken or datetime.min, b.path.name), reverse=True)
    return found


def version_before(records: list[UndoRecord], kind: DataKind, lines: list[str], fmt: FileFormat,
                   chosen: Path, folder: Path) -> tuple[list[str], FileFormat, bool, str] | None:
    """The lines of file ``kind`` as they were before the change of undo record ``chosen``:
    the changes after it taken back one by one from ``lines`` (the file now); with the
    format, whether its last line was ended, and its SHA-256. ``None`` if not found, or if a
    record on the way does not fit the lines it would take back. A full copy on the way is
    read only when it is telbill's own (OwnFileError, InputFileError)."""
    lines = list(lines)
    for record in records:
        part = record.files.get(kind)
        if part is None:
            continue
        undo = part.undo
        if isinstance(undo, CutBack):
            if undo.lines > len(lines):
                return None
            del lines[len(lines) - undo.lines:]
        elif isinstance(undo, EditBack):
            if not undo.edit.fits(len(lines)):
                return None
            apply_in_place(lines, undo.edit)
        else:
            copy = folder / undo.name
            try:
                decoded = decode(access.read_own(copy))
            except OSError as exc:
                raise InputFileError("input.unreadable", path=str(copy), reason=exc.strerror or str(exc)) from None
            lines, fmt = decoded.lines, decoded.format
        if chosen in record.paths:
            return lines, fmt, part.before.ended, part.before.sha256
    return None


def held_edit(part: FilePart, count: int) -> LineEdit:
    """The edit that taking back ``part`` makes to the file's ``count`` lines (not for a copy)."""
    if isinstance(part.undo, EditBack):
        return part.undo.edit
    added = part.undo.lines if isinstance(part.undo, CutBack) else 0
    return LineEdit(delete=frozenset(range(count - added + 1, count + 1)))


def kind_of(entry: AuditEntry, record: UndoRecord) -> DataKind:
    """Which file a change's audit entry is about."""
    return entry.action.kind or next(iter(record.files))


def headline(entries: Sequence[AuditEntry]) -> AuditEntry:
    """What a change did, in one of its audit entries: the first about users.txt (a user deleted
    with their calls is the user), else the first."""
    return next((e for e in entries if e.action.kind is DataKind.USERS), entries[0])


def summary(entries: Sequence[AuditEntry]) -> str:
    """A change's audit entries in a few words (escaped)."""
    parts = [e.summary() for e in entries]
    if len(parts) > 2:
        parts = parts[:2] + [f"… (+{len(parts) - 2})"]
    return "; ".join(parts)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
