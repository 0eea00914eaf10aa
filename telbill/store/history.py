"""Undo records and full copies in the backup folder.

Every change telbill saves leaves a small undo record beside the backups,
``NAME.STAMP.undo`` (JSON): the audit lines of the change, the file's
fingerprint before and after it, and how to go back: cut the file back to its
old size (an add), apply the inverse line edit (a rewrite the old file can be
rebuilt from exactly), or put a full copy back (``NAME.STAMP``: kept only when
that is needed). A change to both files leaves the same record beside each.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from telbill.constants import BACKUPS_KEPT as KEPT
from telbill.errors import OutputError
from telbill.files.decoding import FileFormat, decode
from telbill.store.audit import AuditEntry, parse_line
from telbill.store.lines import EditJson, LineEdit, apply_in_place

RECORD_VERSION = 1
STAMP_FORMAT = "%Y%m%d-%H%M%S-%f"
STAMP = r"[0-9]{8}-[0-9]{6}-[0-9]{6}(?:-[0-9]+)?"
"""A stamp in a name: ``20260101-120000-123456``, and ``-N`` when that one was taken."""


class UndoWay(TypedDict, total=False):
    """How to take back a change to one file (one of the three)."""

    truncate: int
    """Cut the file back to this size (an add); ``lines``: how many lines that takes off."""
    lines: int
    edit: EditJson
    """Apply this line edit (:meth:`LineEdit.to_json`)."""
    copy: str
    """Put back this full copy (its name in the backup folder)."""


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
    def from_json(cls, data: dict[str, Any]) -> Print:
        return cls(str(data["sha256"]), int(data["size"]), bool(data["end"]))


@dataclass(frozen=True, slots=True)
class FilePart:
    """What a change did to one file, and how to take it back."""

    name: str
    before: Print
    after: Print
    undo: UndoWay


@dataclass(slots=True)
class UndoRecord:
    """One saved change (one transaction), as its record files say."""

    tx: str
    stamp: str
    audit: list[str]
    files: dict[str, FilePart]
    """``users`` / ``calls`` → what happened to that file."""
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
            "files": {kind: {"name": part.name, "before": part.before.to_json(), "after": part.after.to_json(),
                             "undo": part.undo} for kind, part in self.files.items()},
        }, ensure_ascii=True)

    @classmethod
    def from_text(cls, text: str, path: Path) -> UndoRecord:
        body = json.loads(text)
        if body.get("version") != RECORD_VERSION:
            raise ValueError("not an undo record")
        files = {str(kind): FilePart(str(part["name"]), Print.from_json(part["before"]),
                                     Print.from_json(part["after"]), _undo_way(part["undo"]))
                 for kind, part in body["files"].items()}
        return cls(str(body["tx"]), str(body["stamp"]), [str(line) for line in body["audit"]], files, [path],
                   int(body.get("seq", 0)))


def _undo_way(data: Any) -> UndoWay:
    if not isinstance(data, dict) or len(set(data) & {"truncate", "edit", "copy"}) != 1:
        raise ValueError("not a way back")
    way: UndoWay = {}
    if "truncate" in data:
        way["truncate"] = int(data["truncate"])
        way["lines"] = int(data.get("lines", 1))
    elif "edit" in data:
        way["edit"] = LineEdit.from_json(data["edit"]).to_json()
    else:
        way["copy"] = str(data["copy"])
    return way


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


def _found(folder: Path, pattern: re.Pattern[str]) -> list[tuple[str, Path]]:
    """(stamp, path) of the regular files in ``folder`` named by ``pattern``, newest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        m = pattern.fullmatch(path.name)
        if m is not None and path.is_file():
            found.append((m[1], path))
    found.sort(key=lambda item: stamp_key(item[0]), reverse=True)
    return found


def record_files(folder: Path, name: str) -> list[tuple[str, Path]]:
    """(stamp, path) of the undo records of file ``name``, newest first."""
    return _found(folder, record_pattern(name))


def list_copies(folder: Path, name: str) -> list[Path]:
    """The full copies of file ``name`` in ``folder``, newest first."""
    return [path for _, path in _found(folder, copy_pattern(name))]


def take_copy(path: Path, folder: Path, now: datetime, keep: int = KEPT) -> Path | None:
    """Copy ``path`` to ``folder/NAME.STAMP`` (atomically; *Back up now*); keep the newest ``keep``.
    ``None`` when there is no such file."""
    from telbill.files.access import atomic_write

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError("output.unwritable", path=str(path), reason=exc.strerror or str(exc)) from None
    target = free_name(folder, copy_name(path.name, now.strftime(STAMP_FORMAT)))
    atomic_write(target, data)
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


def read_records(folders: dict[str, tuple[Path, str]]) -> list[UndoRecord]:
    """The undo records of the files (``kind → (backup folder, file name)``), newest first.

    A change to both files is one record; unreadable record files are left out.
    """
    by_tx: dict[str, UndoRecord] = {}
    for kind, (folder, name) in folders.items():
        for _, path in record_files(folder, name):
            try:
                record = UndoRecord.from_text(path.read_text("ascii"), path)
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if kind not in record.files:
                continue
            known = by_tx.get(record.tx)
            if known is None:
                by_tx[record.tx] = record
            else:
                known.paths.append(path)
    return sorted(by_tx.values(), key=lambda r: (r.seq, stamp_key(r.stamp)), reverse=True)


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
class Backup:
    """A way back in the backup folder: a full copy, or the undo record of a change."""

    kind: str
    """``users`` or ``calls``."""
    path: Path
    taken: datetime | None
    """When it was made."""
    size: int
    """Bytes."""
    undoes: str = ""
    """What restoring it takes back (the change's audit lines, shortened); empty for a plain copy."""
    usable: bool = True
    """False when the file changed outside telbill after the change, so it no longer applies."""
    changes: tuple[AuditEntry, ...] = ()
    """The audit entries of the change it takes back (empty for a plain copy)."""

    @property
    def is_copy(self) -> bool:
        return not self.path.name.endswith(".undo")


@dataclass(frozen=True, slots=True)
class Kept:
    """One data file's backups: where they are, and the file's fingerprint now."""

    folder: Path
    name: str
    digest: str


def backups(records: list[UndoRecord], kept: dict[str, Kept]) -> list[Backup]:
    """Every undo record and full copy of the files, newest first, each with what it takes back.

    An undo record applies while the changes after it, newest first, lead from
    the file as it is now back to it (no change made outside telbill between).
    """
    found: list[Backup] = []
    copies: dict[str, tuple[str, tuple[AuditEntry, ...]]] = {}
    for kind, files in kept.items():
        expected: str | None = files.digest
        for record in records:
            part = record.files.get(kind)
            if part is None:
                continue
            usable = expected is not None and part.after.sha256 == expected
            expected = part.before.sha256 if usable else None
            if "copy" in part.undo:
                copies[str(part.undo["copy"])] = (summary(record.entries), tuple(record.entries))
            path = record.path_in(files.folder, files.name)
            found.append(Backup(kind, path, record.taken, _size(path), summary(record.entries), usable,
                                tuple(record.entries)))
    for kind, files in kept.items():
        for path in list_copies(files.folder, files.name):
            try:
                when: datetime | None = taken(path.name[len(files.name) + 1:])
            except ValueError:
                when = None
            text, entries = copies.get(path.name, ("", ()))
            found.append(Backup(kind, path, when, _size(path), text, changes=entries))
    found.sort(key=lambda b: (b.taken or datetime.min, b.path.name), reverse=True)
    return found


def version_before(records: list[UndoRecord], kind: str, lines: list[str], fmt: FileFormat,
                   chosen: Path, folder: Path) -> tuple[list[str], FileFormat, bool, str] | None:
    """The lines of file ``kind`` as they were before the change of undo record ``chosen``:
    the changes after it taken back one by one from ``lines`` (the file now); with the
    format, whether its last line was ended, and its SHA-256. ``None`` if not found."""
    lines = list(lines)
    for record in records:
        part = record.files.get(kind)
        if part is None:
            continue
        if "truncate" in part.undo:
            del lines[len(lines) - int(part.undo.get("lines", 1)):]
        elif "edit" in part.undo:
            apply_in_place(lines, LineEdit.from_json(part.undo["edit"]))
        else:
            decoded = decode((folder / str(part.undo["copy"])).read_bytes())
            lines, fmt = decoded.lines, decoded.format
        if chosen in record.paths:
            return lines, fmt, part.before.ended, part.before.sha256
    return None


def held_edit(part: FilePart, count: int) -> LineEdit:
    """The edit that taking back ``part`` makes to the file's ``count`` lines."""
    if "edit" in part.undo:
        return LineEdit.from_json(part.undo["edit"])
    added = int(part.undo.get("lines", 1))
    return LineEdit(delete=frozenset(range(count - added + 1, count + 1)))


def kind_of(entry: AuditEntry, record: UndoRecord) -> str:
    """Which file (``users`` / ``calls``) a change's audit entry is about."""
    if entry.action.endswith("-call"):
        return "calls"
    if entry.action.endswith("-user") or entry.action.endswith("-line"):
        return "users"
    return next(iter(record.files))


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
