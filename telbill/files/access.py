"""Files on disk: reading inputs, atomic rewrites, locks."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from telbill import interrupts
from telbill.errors import InputFileError, OutputError
from telbill.files.outputs import resolved


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
class Staged:
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
        fsync_folder(self.path.parent)

    def discard(self) -> None:
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                self.tmp.unlink()
            self.tmp = None


def stage(path: Path, data: bytes | Iterable[bytes]) -> Staged:
    """Write ``data`` to a temporary file beside ``path``, flushed and fsynced."""
    chunks = [data] if isinstance(data, bytes) else data
    _make_folder(path)
    staged = Staged(path, None)
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
    staged: list[Staged] = []
    try:
        for path, data in files:
            staged.append(stage(path, data))
        with interrupts.held(reraise=True):
            for item in staged:
                item.commit()
    finally:
        for item in staged:
            item.discard()


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new name in ``folder`` durable (best effort: a folder that cannot
    be opened or synced is left as it is)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def data_file(path: Path) -> Path:
    """Where the data file ``path`` really is: from the root, links followed (a link loop as it is).

    A save changes that file (a link to it stays a link), and everything telbill
    keeps beside a data file goes beside it: its lock, the journal of a save, the
    new and the replaced file during one. So every name of one file shares them,
    and what may never be an output (:meth:`telbill.files.dataset.DataPaths.protected`)
    is where they really are.
    """
    return resolved(path)


def lock_path(path: Path) -> Path:
    """The lock file of a data file: ``.NAME.lock`` beside it (where it really is)."""
    real = data_file(path)
    return real.parent / f".{real.name}.lock"


@contextlib.contextmanager
def locked(paths: Sequence[Path]) -> Iterator[None]:
    """Hold an exclusive lock per data file (``.NAME.lock`` beside it) for a save.

    Two telbill processes saving the same file at the same moment take turns, so
    the "changed on disk?" check and the rename happen as one step. Locks are
    advisory (other programs ignore them) and taken in path order, so two
    processes never wait for each other in a circle. Where ``fcntl`` is missing
    (Windows) this does nothing and the content check alone protects the data.
    """
    with _locks(paths, shared=False):
        yield


@contextlib.contextmanager
def reading(paths: Sequence[Path]) -> Iterator[None]:
    """Hold a shared lock per data file while a batch run reads them.

    A menu save holds its exclusive locks from its journal to its audit line, so
    a run that reads both files under these locks reads them both before a save
    or both after it, never one of each. Runs share them with each other. Only
    lock files that exist are used (a run creates nothing beside the data: where
    none exists, no menu has saved yet), and only regular files (opened without
    waiting, so a FIFO planted there cannot hold the run up).
    """
    with _locks(paths, shared=True):
        yield


def _existing_lock(lock: Path) -> BinaryIO | None:
    """``lock`` opened to read when it is (or names) a regular file, as :func:`open_input`
    opens an input; else ``None``."""
    try:
        return open_input(lock)
    except InputFileError:
        return None


@contextlib.contextmanager
def _locks(paths: Sequence[Path], *, shared: bool) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        yield
        return
    handles: list[BinaryIO] = []
    try:
        for path in sorted({data_file(p) for p in paths}):
            lock = lock_path(path)
            if shared:
                opened = _existing_lock(lock)
                if opened is None:
                    continue
                fh = opened
            else:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    fh = open(lock, "a+b")
                except OSError as exc:
                    raise _unwritable(lock, exc) from None
            handles.append(fh)
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        for fh in reversed(handles):
            with contextlib.suppress(OSError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()
