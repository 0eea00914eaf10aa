"""Files on disk: reading inputs, atomic rewrites, backups, the audit log."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from telbill.errors import InputFileError, OutputError

BACKUPS_KEPT = 20


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing, directory or unreadable path is an InputFileError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("input.missing", path=str(path)) from None
    except IsADirectoryError:
        raise InputFileError("input.directory", path=str(path)) from None
    except OSError as exc:
        raise InputFileError("input.unreadable", path=str(path), reason=exc.strerror or str(exc)) from None


def digest(data: bytes) -> str:
    """A fingerprint of a file's content, to notice changes made by someone else."""
    return hashlib.sha256(data).hexdigest()


def current_digest(path: Path) -> str | None:
    """The fingerprint of ``path`` now, or ``None`` if it does not exist."""
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


def atomic_write(path: Path, data: bytes | list[bytes]) -> None:
    """Replace ``path`` with ``data`` all at once: temp file beside it, fsync, rename.

    If anything fails (or Ctrl-C arrives) before the rename, the old file is
    untouched and the temporary file is removed.
    """
    chunks = [data] if isinstance(data, bytes) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise OutputError("output.directory", path=str(path))
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError("output.unwritable", path=str(path), reason=exc.strerror or str(exc)) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.writelines(chunks)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise OutputError("output.unwritable", path=str(path), reason=exc.strerror or str(exc)) from None
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def stamp(now: datetime | None = None) -> str:
    """A sortable timestamp for backup names: ``20261125-120000-123456``."""
    return (now or datetime.now()).strftime("%Y%m%d-%H%M%S-%f")


def backup(path: Path, backup_dir: Path, keep: int = BACKUPS_KEPT, now: datetime | None = None) -> Path | None:
    """Copy ``path`` to ``backup_dir/NAME.STAMP`` (atomically); keep the newest ``keep``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError("output.unwritable", path=str(path), reason=exc.strerror or str(exc)) from None
    target = backup_dir / f"{path.name}.{stamp(now)}"
    atomic_write(target, data)
    for old in list_backups(backup_dir, path.name)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def list_backups(backup_dir: Path, name: str) -> list[Path]:
    """Backups of file ``name``, newest first."""
    if not backup_dir.is_dir():
        return []
    found = [p for p in backup_dir.glob(f"{name}.*") if p.is_file() and not p.name.endswith(".tmp")]
    return sorted(found, key=lambda p: p.name, reverse=True)


def append_line(path: Path, line: str) -> None:
    """Append one line to a log file (created with its folder when missing)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(line.rstrip("\n") + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise OutputError("output.unwritable", path=str(path), reason=exc.strerror or str(exc)) from None


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (existing or not)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()
