"""Files on disk: reading inputs, atomic rewrites, locks, telbill's own files.

Two kinds of file are opened here. Files the user names (the data files, the
tariff, the outputs) may be symbolic links: a data file is saved where its link
points. telbill's *own* files (the audit log, the locks, the journals, the undo
records and full copies, the temporary files) are never followed through a link
and must be regular files of the user running telbill (:func:`open_own`). Run
as root, telbill follows a link in a path the user names only when root made the
link or the link's owner owns what it points to (:func:`foreign_link`): a link
another user planted never leads root to a file of someone else (``/etc/passwd``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from telbill import interrupts
from telbill.errors import InputFileError, OutputError, OwnFileError
from telbill.files.behind import write_behind
from telbill.files.outputs import resolved, same_file
from telbill.files.shared import At, SharedFile
from telbill.files.waiting import HAS_FLOCK, flock_within

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


# -- links another user planted ---------------------------------------------------------


def is_root() -> bool:
    """Whether telbill runs as root (a link planted by another user could lead it anywhere)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def foreign_link(path: Path, _depth: int = 0) -> Path | None:
    """Run as root: the first symbolic link on ``path`` (the file or a folder on the way, or one
    met while following a link on it) that another user made and that points to what someone
    else owns (or to nothing yet, where root would create a file for that user's link); ``None``
    when there is none, or when not root.

    Root follows its own links, and a link whose owner owns what it names (like Linux's
    ``fs.protected_symlinks``, for every folder, not only sticky ones); what such a link names
    is judged the same way (root's link into another user's folder, through that user's link).
    """
    if not is_root():
        return None
    parts = Path(os.getcwd(), path).parts  # not normalised: a ".." after a link is where the link leads
    for i in range(2, len(parts) + 1):
        step = Path(*parts[:i])
        try:
            link = os.lstat(step)
        except OSError:
            return None  # nothing there (yet): no link further on either
        if not stat.S_ISLNK(link.st_mode):
            continue
        if link.st_uid != 0:
            try:
                target = os.stat(step)
            except OSError:
                return step  # a dangling link of another user: root would create what it names
            if target.st_uid != link.st_uid:
                return step
        if _depth >= 40:  # as the system's own limit: a loop, which nothing is written through
            return None
        try:  # the rest of the path as the link leads it on
            rest = Path(step.parent, os.readlink(step), *parts[i:])
        except OSError:
            return None
        return foreign_link(rest, _depth + 1)
    return None


def refuse_foreign_link(path: Path, *, reading: bool, named: Path | None = None) -> None:
    """InputFileError (``reading``) or OutputError when :func:`foreign_link` finds one on ``path``
    (the message names ``named``, the file to be made in the folder ``path``, when given)."""
    link = foreign_link(path)
    if link is None:
        return
    owner = os.lstat(link).st_uid
    if reading:
        raise InputFileError("input.foreign_link", path=str(named or path), link=str(link), uid=owner)
    raise OutputError("output.foreign_link", path=str(named or path), link=str(link), uid=owner)


# -- telbill's own files ------------------------------------------------------------------


def check_own(fd: int, path: Path, *, writing: bool = False) -> os.stat_result:
    """The ``fstat`` of an own file just opened; OwnFileError when it is not a regular file of
    the user running telbill, or (``writing``) when it has another name too: a hard link
    planted there would have telbill write into a file that is not its own."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise OwnFileError("own.not_regular", path=str(path))
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise OwnFileError("own.not_owner", path=str(path), uid=st.st_uid)
    if writing and st.st_nlink != 1:
        raise OwnFileError("own.hard_link", path=str(path), links=st.st_nlink)
    return st


def open_own(path: Path, flags: int, *, create: bool = False, mode: int = 0o644) -> int:
    """A descriptor of one of telbill's own files: never opened through a symbolic link, and only
    a regular file of the user running telbill (else OwnFileError, and nothing is opened).

    With ``create``, a missing file is made (``O_CREAT|O_EXCL``: nothing planted there is ever
    written through); a name taken meanwhile is opened and checked as an existing file.
    Nothing waits: a FIFO planted there is refused at once. Other failures are OSError.
    """
    base = flags | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK
    fd = -1
    if create:
        try:
            fd = os.open(path, base | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            fd = -1
    if fd < 0:
        try:
            fd = os.open(path, base)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a link (EMLINK on FreeBSD)
                raise OwnFileError("own.link", path=str(path)) from None
            if exc.errno == errno.ENXIO:  # a FIFO without a reader, opened to write
                raise OwnFileError("own.not_regular", path=str(path)) from None
            raise
    try:
        check_own(fd, path, writing=flags & (os.O_WRONLY | os.O_RDWR) != 0)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def is_own(path: Path) -> bool:
    """Whether ``path`` is (itself, not through a link) a regular file of the user running telbill."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and (not hasattr(os, "geteuid") or st.st_uid == os.geteuid())


def read_own(path: Path) -> bytes:
    """The bytes of one of telbill's own files (see :func:`open_own`); OSError or OwnFileError."""
    fd = open_own(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def own_reader(path: Path) -> BinaryIO:
    """One of telbill's own files opened to read (a full copy being restored)."""
    return os.fdopen(open_own(path, os.O_RDONLY), "rb")


# -- inputs ------------------------------------------------------------------------------


def input_error(path: Path, exc: OSError) -> InputFileError:
    """The one-line error for an input that could not be read: missing, a folder, or else."""
    if isinstance(exc, FileNotFoundError):
        return InputFileError("input.missing", path=str(path))
    if isinstance(exc, IsADirectoryError):
        return InputFileError("input.directory", path=str(path))
    return InputFileError("input.unreadable", path=str(path), reason=exc.strerror or str(exc))


def missing_data(path: Path) -> InputFileError:
    """The error for a data file (users or calls) that does not exist: where it was looked for,
    and what to do (name other files, or start from empty ones)."""
    return InputFileError("input.missing_data", path=str(path), folder=os.path.dirname(os.path.abspath(path)))


def start_empty(path: Path) -> None:
    """Create ``path`` as an empty data file (a menu started from nothing); never over a file or
    a link that is there. OutputError if it cannot be made."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666))
    except OSError as exc:
        raise OutputError("output.unwritable", path=str(path), reason=exc) from None


def open_input(path: Path) -> BinaryIO:
    """Open an input file for reading. Only a regular file is accepted: a folder,
    a FIFO or a device is refused at once (opened without waiting for a writer); run as
    root, a link another user planted is refused too (:func:`foreign_link`)."""
    refuse_foreign_link(path, reading=True)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
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


def _folder_error(path: Path, exc: OSError) -> OutputError:
    """Why nothing can be made in the folder of the output ``path``: that folder named, as one that
    cannot be created (the first missing one) or cannot be written, not the output that was tried
    first."""
    reason = exc.strerror or str(exc)
    missing = [folder for folder in path.parents if not folder.exists()]
    if missing:
        return OutputError("output.folder_not_made", folder=str(missing[-1]), reason=reason)
    return OutputError("output.folder_unwritable", folder=str(path.parent), reason=reason)


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
        raise (_folder_error(path, exc) if exc.errno in _NO_WRITE else _unwritable(path, exc)) from None


_NO_WRITE = (errno.EACCES, errno.EPERM, errno.EROFS)
"""What a folder that this user may not write (or on a read-only file system) answers."""


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
    """Write ``data`` to a temporary file beside ``path``, flushed and fsynced (chunks written
    by a thread of their own while the next are made, :func:`write_behind`; ``bytes``, which
    leave nothing to make meanwhile, written here: a small save pays for no thread; a
    :class:`~telbill.files.shared.SharedFile`, partly by other processes at once).

    The new file gets the mode, the group and (run as root) the owner of the file it
    replaces: a data file shared by a group stays the group's after a save. A group this
    user is not a member of cannot be kept (the system refuses): the file then gets the
    user's own, as any new file would.
    """
    refuse_foreign_link(path, reading=False)
    _make_folder(path)
    staged = Staged(path, None)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        staged.tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.writelines([data])  # one chunk: nothing to make while it is written, no writer thread
            elif isinstance(data, SharedFile):
                _write_shared(fh, data, path)
            else:
                write_behind(fh, data)
            fh.flush()
            _take_over(fh.fileno(), path)
            os.fsync(fh.fileno())
    except BaseException as exc:
        staged.discard()
        if isinstance(exc, OSError):
            raise _unwritable(path, exc) from None
        raise
    return staged


def _write_shared(fh: BinaryIO, data: SharedFile, path: Path) -> None:
    """Write this process's bytes of ``data`` while the others write theirs (:mod:`telbill.files.shared`);
    on any error or Ctrl-C the others are ended before it is raised."""
    try:
        data.start(fh.fileno(), path)  # inside: others already started are ended if one cannot be
        write_behind(fh, data)
        fh.flush()
        data.wait(fh.tell())
    except BaseException:
        data.stop()
        raise


def write_at(path: Path, fd: int, offset: int, chunks: Iterable[bytes]) -> int:
    """Write ``chunks`` into ``fd`` from byte ``offset`` on (another process's range of the temporary
    file of ``path``, :class:`~telbill.files.shared.SharedFile`); return the byte after the last.
    A failure is the error :func:`stage` gives for ``path``."""
    at = At(fd, offset)
    try:
        write_behind(at, chunks)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    return at.offset


def _take_over(fd: int, path: Path) -> None:
    """Give the new file ``fd`` the mode, group and (as root) owner of the file at ``path``."""
    try:
        st = os.stat(path)
    except OSError:
        os.fchmod(fd, 0o644)
        return
    if hasattr(os, "fchown"):
        uid = st.st_uid if is_root() else -1
        with contextlib.suppress(PermissionError):
            os.fchown(fd, uid, st.st_gid)
    os.fchmod(fd, st.st_mode & 0o7777)


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


def output_file(path: Path) -> Path:
    """Where the output named ``path`` is written: like a data file, where its links point (the
    file a link names is replaced, the link stays a link); ``path`` itself when no link is on it.
    Run as root, a link another user planted is refused (OutputError, :func:`foreign_link`).
    The checks of :func:`telbill.files.outputs.check_outputs` follow links too, so they judge
    the file this returns."""
    refuse_foreign_link(path, reading=False)
    real = resolved(path)
    return path if real == Path(os.path.abspath(path)) else real


def lock_path(path: Path) -> Path:
    """The lock file of a data file: ``.NAME.lock`` beside it (where it really is)."""
    real = data_file(path)
    return real.parent / f".{real.name}.lock"


def log_lock_path(log: Path) -> Path:
    """The audit log's own lock: ``.NAME.lock`` beside it, held while the log is made
    (:mod:`telbill.store.audit`)."""
    return log.parent / f".{log.name}.lock"


def journal_path(data_path: Path) -> Path:
    """Where the journal of a save of ``data_path`` is: ``.NAME.journal`` beside it (where it
    really is: :func:`data_file`; what it holds: :mod:`telbill.store.journal`)."""
    real = data_file(data_path)
    return real.parent / f".{real.name}.journal"


def journals_left(data_paths: Iterable[Path]) -> list[Path]:
    """Journals left beside these data files (whatever is there by that name: a link or a
    FIFO is found too, to be moved aside): saves cut short (:mod:`telbill.store.journal`
    recovers them). Here, not there, so that a batch run, which never saves, need not
    import :mod:`telbill.store` to look (two ``lstat`` calls)."""
    return [j for j in map(journal_path, data_paths) if os.path.lexists(j)]


LOCK_WAIT = 30.0
"""Seconds a save, a backup, a start's recovery or a batch run waits for a data file's lock
(:func:`locked`, :func:`reading`). Telbill holds one for as long as a save or a run's reading
takes; anyone may hold one for ever (a lock file is readable by all), so the wait has an end,
and it is told while it lasts (:func:`telbill.files.waiting.waits_told`)."""


def leftover_pattern(name: str) -> re.Pattern[str]:
    """Our temporary files beside data file ``name``: ``.NAME.XXXXXXXX.tmp`` (a file being
    written) and ``.NAME.XXXXXXXX.old`` (the replaced file, during a save)."""
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.(?:tmp|old)")


def leftovers_beside(data_paths: Iterable[Path]) -> bool:
    """Whether a save of these data files left a temporary file of ours beside one of them (killed,
    even before its journal was written; a file of that name another user made is not ours): one
    ``listdir`` per folder. Here, not in :mod:`telbill.store`, so that a batch run need not
    import it to look."""
    for path in data_paths:
        real = data_file(path)
        pattern = leftover_pattern(real.name)
        try:
            names = os.listdir(real.parent)
        except OSError:
            continue
        if any(pattern.fullmatch(name) and is_own(real.parent / name) for name in names):
            return True
    return False


@contextlib.contextmanager
def locked(paths: Sequence[Path]) -> Iterator[None]:
    """Hold an exclusive lock per data file (``.NAME.lock`` beside it) for a save.

    Two telbill processes saving the same file at the same moment take turns, so
    the "changed on disk?" check and the rename happen as one step. Locks are
    advisory (other programs ignore them) and taken in path order, so two
    processes never wait for each other in a circle. A lock held by another for
    longer than :data:`LOCK_WAIT` is OutputError ``data.lock_held`` (nothing done).
    Where ``fcntl`` is missing (Windows) this does nothing and the content check
    alone protects the data.
    """
    with _locks(paths, shared=False, refused="data.lock_held"):
        yield


@contextlib.contextmanager
def reading(paths: Sequence[Path]) -> Iterator[None]:
    """Hold a shared lock per data file while a batch run reads them.

    A menu save holds its exclusive locks from its journal to its audit line, so
    a run that reads both files under these locks reads them both before a save
    or both after it, never one of each. Runs share them with each other. Only
    lock files that exist are used (a run creates nothing beside the data: where
    none exists, no menu has saved yet), and only regular files (opened without
    waiting, so a FIFO planted there cannot hold the run up). A lock held by another
    for longer than :data:`LOCK_WAIT` is OutputError ``batch.lock_held`` (no bill).
    """
    with _locks(paths, shared=True, refused="batch.lock_held"):
        yield


def _existing_lock(lock: Path) -> int | None:
    """``lock`` opened to read when it is itself a regular file (never through a link, nor
    waiting on a FIFO); else ``None``. Whoever made it: a run may be started by another user
    than the menu, and a lock is only locked, never read or written."""
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _own_lock(lock: Path) -> int:
    """``lock`` opened for an exclusive lock, made when missing: one of telbill's own files
    (:func:`open_own`), OutputError when it cannot be."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        return open_own(lock, os.O_RDONLY, create=True)
    except OSError as exc:
        raise _unwritable(lock, exc) from None


@contextlib.contextmanager
def _locks(paths: Sequence[Path], *, shared: bool, refused: str) -> Iterator[None]:
    if not HAS_FLOCK:  # pragma: no cover - not on POSIX
        yield
        return
    fds: list[int] = []
    try:
        for path in sorted({data_file(p) for p in paths}):
            lock = lock_path(path)
            if shared:
                opened = _existing_lock(lock)
                if opened is None:
                    continue
                fd = opened
            else:
                fd = _own_lock(lock)
            fds.append(fd)
            if not flock_within(fd, lock, LOCK_WAIT, shared=shared):
                raise OutputError(refused, lock=str(lock), path=str(path), seconds=f"{LOCK_WAIT:g}")
        yield
    finally:
        _let_go(fds)


def _let_go(fds: list[int]) -> None:
    """Unlock and close the descriptors of locks taken, newest first."""
    import fcntl

    for fd in reversed(fds):
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def output_lock_path(out: Path) -> Path:
    """The lock of an output file (a bill, anomalies or CSV file): ``.NAME.lock`` beside it, in the
    outputs' own folder, as a data file's (:func:`lock_path`)."""
    return out.parent / f".{out.name}.lock"


@contextlib.contextmanager
def writing(outputs: Sequence[Path]) -> Iterator[None]:
    """Hold an exclusive lock per output file (``.NAME.lock`` beside it) while a batch run or the
    menu makes and writes it.

    Two telbill processes that would write the same file take turns: the second
    waits for the first at most :data:`LOCK_WAIT`, saying so
    (:func:`telbill.files.waiting.waits_told`), then stops with OutputError
    ``output.lock_held``, naming the file and its lock, having written nothing.
    Outputs that differ never wait for each other; the locks are taken in path
    order, so two runs never wait for each other in a circle. ``outputs`` are where
    the files are written (:func:`output_file`); an output that is another's lock is
    refused.

    A lock is removed by the process that holds it before it lets it go, so the
    outputs' folder holds only the outputs afterwards (a file there that is not empty,
    such as an output named so, is no lock: locked, never removed); whoever gets a lock checks
    that its name still names it, and takes the new one if not (so two never hold
    one each). A folder made for the locks and left empty (the run failed) is
    removed too (run as root, not through a link another user put on its way since). A lock is only ever locked, never written: one another user made is
    used as it is, while a link or anything but a regular file there is refused
    (OwnFileError). Without ``fcntl`` (Windows) nothing is locked.
    """
    if not HAS_FLOCK:  # pragma: no cover - not on POSIX
        yield
        return
    named = {resolved(p): p for p in outputs}  # one lock per file, however named; said as named
    targets = [named[real] for real in sorted(named)]
    locks = [output_lock_path(p) for p in targets]
    for out in targets:
        if any(same_file(out, lock) for lock in locks):
            raise OutputError("output.is_own", path=str(out))
    made = {folder for out in targets for folder in out.parents if not folder.exists()}
    held: list[tuple[Path, int]] = []
    try:
        for out, lock in zip(targets, locks):
            held.append((lock, _take_output_lock(lock, out, made)))
        yield
    finally:
        _give_back(held, made)


def _give_back(held: list[tuple[Path, int]], made: set[Path]) -> None:
    """The locks ``held`` removed, then the folders ``made`` left empty, then the locks let go: a
    run that waited for them finds the folders gone, and makes (and counts) them again."""
    try:
        for lock, fd in reversed(held):
            if _removable(lock, fd):
                with contextlib.suppress(OSError):
                    os.unlink(lock)
        for folder in sorted(made, key=lambda f: len(f.parts), reverse=True):  # deepest first; one that holds anything stays
            if foreign_link(folder) is not None:  # run as root: never through a link another user planted meanwhile
                continue
            with contextlib.suppress(OSError):
                folder.rmdir()
    finally:
        _let_go([fd for _, fd in held])


def _take_output_lock(lock: Path, out: Path, made: set[Path]) -> int:
    """A descriptor of ``lock``, the lock of the output ``out``, exclusively locked: waited for
    :data:`LOCK_WAIT` at most in all (OutputError ``output.lock_held`` then). The folders it
    makes are added to ``made``."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        fd = _output_lock(lock, out, made)
        try:
            if not flock_within(fd, lock, max(0.0, deadline - time.monotonic()), told=LOCK_WAIT):
                raise OutputError("output.lock_held", lock=str(lock), path=str(out), seconds=f"{LOCK_WAIT:g}")
            if _names(lock, fd):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # its holder removed it as it let it go: the next one made is the lock now


def _removable(lock: Path, fd: int) -> bool:
    """Whether the lock held at ``fd`` is removed as it is let go: its name still names it, it is
    empty (a lock is never written: a file that was is no lock), and (run as root) no link another
    user planted since the outputs were checked is on its way."""
    return _names(lock, fd) and os.fstat(fd).st_size == 0 and foreign_link(lock) is None


def _names(lock: Path, fd: int) -> bool:
    """Whether the name ``lock`` still names the file open at ``fd``."""
    try:
        st = os.lstat(lock)
    except OSError:
        return False
    held = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (held.st_dev, held.st_ino)


def _output_lock(lock: Path, out: Path, made: set[Path]) -> int:
    """The lock of the output ``out`` opened to be locked: the regular file there, whoever made it,
    or a new one of ours (its folder made, as the output's write would, and added to ``made``:
    a run that waited may make again the folders its lock's last holder made and removed)."""
    fd = _existing_lock(lock)
    if fd is not None:
        return fd
    refuse_foreign_link(lock, reading=False, named=out)  # as the output's write: checked again as the lock is made
    made.update(folder for folder in out.parents if not folder.exists())
    _make_folder(out)
    try:
        return open_own(lock, os.O_RDONLY, create=True)
    except OwnFileError:
        fd = _existing_lock(lock)  # another user's run made it meanwhile: used as it is, as if found first
        if fd is not None:
            return fd
        raise
    except OSError as exc:  # a folder this user may not write: the output could not be written either
        raise (_folder_error(out, exc) if exc.errno in _NO_WRITE else _unwritable(out, exc)) from None


APPENDER_WAIT = 5.0
"""Seconds a save waits for a program that holds a ``flock`` on a data file (an appender)."""


@contextlib.contextmanager
def appenders_out(paths: Sequence[Path], wait: float | None = None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on each data file itself (the file, where it really is) while it
    is saved: a program that appends to it under a ``flock`` (the documented way) never writes
    while telbill checks and replaces it. Waits up to ``wait`` seconds (:data:`APPENDER_WAIT`) for
    such a program, then OutputError (nothing changed). A file that cannot be opened is left to
    the save's own checks.

    An appender takes ``flock(fd, LOCK_EX)`` before each write and, once it has it, checks that
    the name still names its file (``fstat(fd).st_ino == stat(path).st_ino``), reopening it if
    not: a save may have replaced the file while it waited.
    """
    if not HAS_FLOCK:  # pragma: no cover - not on POSIX
        yield
        return
    wait = APPENDER_WAIT if wait is None else wait
    fds: list[int] = []
    try:
        for path in sorted({data_file(p) for p in paths}):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _CLOEXEC)
            except OSError:
                continue
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                continue
            fds.append(fd)
            if not flock_within(fd, path, wait):
                raise OutputError("data.locked", path=str(path), seconds=f"{wait:g}")
        yield
    finally:
        _let_go(fds)
