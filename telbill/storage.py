"""Files on disk: reading inputs, atomic rewrites, full backup copies, locks."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from telbill.errors import InputFileError, OutputError
from telbill.outputs import resolved

BACKUPS_KEPT = 20


def input_error(path: Path, exc: OSError) -> InputFileError:
    """The one-line error for an input that could not be read: missing, a folder, or else."""
    if isinstance(exc, FileNotFoundError):
        return InputFileError("input.missing", path=str(path))
    if isinstance(exc, IsADirectoryError):
        return InputFileError("input.directory", path=str(path))
    return InputFileError("input.unreadable", path=str(path), reason=exc.strerror or str(exc))


def open_input(path: Path) -> BinaryIO:
    """Open an input file for reading. Only a regular file is accepted: a folder,
    a FIFO or a device is refused at once (opened without waiting for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise input_error(path, exc) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputFileError("input.directory", path=str(path))
        if not stat.S_ISREG(mode):
            raise InputFileError("input.not_regular", path=str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing, folder, non-regular or unreadable path is an InputFileError."""
    with open_input(path) as fh:
        try:
            return fh.read()
        except OSError as exc:
            raise input_error(path, exc) from None


def digest(data: bytes) -> str:
    """A fingerprint of a file's content, to notice changes made by someone else."""
    return hashlib.sha256(data).hexdigest()


def _unwritable(path: Path, exc: OSError) -> OutputError:
    return OutputError("output.unwritable", path=str(path), reason=exc.strerror or str(exc))


def _make_folder(path: Path) -> None:
    """Create the folder ``path`` goes in; say which part is a file if one is in the way."""
    try:
        if path.is_dir():
            raise OutputError("output.directory", path=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        for part in reversed(path.parents):
            if part.exists() and not part.is_dir():
                raise OutputError("output.parent_file", path=str(path), parent=str(part)) from None
        raise _unwritable(path, exc) from None
    except OSError as exc:
        raise _unwritable(path, exc) from None


@dataclass(slots=True)
class _Staged:
    """A complete temporary file waiting to be renamed over its target."""

    path: Path
    tmp: Path | None

    def commit(self) -> None:
        if self.tmp is None:
            return
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise _unwritable(self.path, exc) from None
        self.tmp = None
        _fsync_dir(self.path.parent)

    def discard(self) -> None:
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            self.tmp = None


def stage(path: Path, data: bytes | Iterable[bytes]) -> _Staged:
    """Write ``data`` to a temporary file beside ``path``, flushed and fsynced."""
    chunks = [data] if isinstance(data, bytes) else data
    _make_folder(path)
    staged = _Staged(path, None)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        staged.tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as fh:
            fh.writelines(chunks)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
            os.chmod(staged.tmp, mode)
    except BaseException as exc:
        staged.discard()
        if isinstance(exc, OSError):
            raise _unwritable(path, exc) from None
        raise
    return staged


class DeferredInterrupt(KeyboardInterrupt):
    """Ctrl-C that was held back until a block of renames had finished: they are all done."""


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C back until the block ends (main thread only), then raise it.

    Used around renames, so that an interrupt cannot fall between two of them.
    When the block has completed, the interrupt is raised as :class:`DeferredInterrupt`
    so that the UI can say truthfully that the change was made.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        if previous is signal.default_int_handler:
            raise DeferredInterrupt
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous != signal.SIG_IGN:
            raise DeferredInterrupt


def atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace ``path`` with ``data`` all at once: temp file beside it, fsync, rename.

    If anything fails (or Ctrl-C arrives) before the rename, the old file is
    untouched and the temporary file is removed.
    """
    write_together([(path, data)])


def write_together(files: Sequence[tuple[Path, bytes | Iterable[bytes]]]) -> None:
    """Write several files as one step: every temporary file first, then the renames.

    A failure or Ctrl-C while any of them is being written replaces none of the
    targets; the renames themselves run with Ctrl-C held back.
    """
    staged: list[_Staged] = []
    try:
        for path, data in files:
            staged.append(stage(path, data))
        with interrupts_deferred():
            for item in staged:
                item.commit()
    finally:
        for item in staged:
            item.discard()


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
    base = f"{path.name}.{stamp(now)}"
    target = backup_dir / base
    n = 0
    while target.exists():  # two saves in one microsecond, or the clock went back
        n += 1
        target = backup_dir / f"{base}-{n}"
    atomic_write(target, data)
    for old in list_backups(backup_dir, path.name)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def list_backups(backup_dir: Path, name: str) -> list[Path]:
    """Backups of file ``name``, newest first."""
    if not backup_dir.is_dir():
        return []
    pattern = re.compile(re.escape(name) + r"\.([0-9]{8}-[0-9]{6}-[0-9]{6})(?:-([0-9]+))?")
    found = []
    for p in backup_dir.iterdir():
        m = pattern.fullmatch(p.name)
        if m is not None and p.is_file():
            found.append((m[1], int(m[2] or 0), p))
    return [p for _, _, p in sorted(found, key=lambda t: (t[0], t[1]), reverse=True)]


def lock_path(path: Path) -> Path:
    """The lock file of a data file: ``.NAME.lock`` beside it."""
    return path.parent / f".{path.name}.lock"


@contextlib.contextmanager
def locked(paths: Sequence[Path]) -> Iterator[None]:
    """Hold an exclusive lock per data file (``.NAME.lock`` beside it) for a save.

    Two telbill processes saving the same file at the same moment take turns, so
    the "changed on disk?" check and the rename happen as one step. Locks are
    advisory (other programs ignore them) and taken in path order, so two
    processes never wait for each other in a circle. Where ``fcntl`` is missing
    (Windows) this does nothing and the content check alone protects the data.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    handles = []
    try:
        for path in sorted({resolved(p) for p in paths}):
            lock = lock_path(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fh = open(lock, "a+b")  # noqa: SIM115 - closed in finally
            except OSError as exc:
                raise _unwritable(lock, exc) from None
            handles.append(fh)
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        for fh in reversed(handles):
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()
