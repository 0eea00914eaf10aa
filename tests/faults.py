"""Faults a test makes happen (a disk that fills up while one file is written, a write cut short
half way by a full disk, Ctrl-C or the process dying), and what they may leave behind."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pwd
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Self

import pytest

from telbill.files.access import lock_path
from telbill.session.facade import Session
from telbill.store import keeper

from smalldata import open_session

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
NOBODY = pwd.getpwnam("nobody")


class Crash(BaseException):
    """Stands for the process dying at that point."""


def full_disk(monkeypatch: pytest.MonkeyPatch, ending: str) -> Callable[[int, Any], int]:
    """Writing to a file whose path ends with ``ending`` fails: no space left on the disk until
    the end of the test, or until ``os.write`` is set back to what this returns."""
    real = os.write

    def write(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(ending):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)
    return real


class _HalfWriter:
    """A file whose disk fills up half way through the data."""

    def __init__(self, fh: Any, fault: BaseException) -> None:
        self._fh, self._fault = fh, fault

    def writelines(self, chunks: list[bytes]) -> None:
        data = b"".join(chunks)
        self._fh.write(data[: len(data) // 2])
        self._fh.flush()
        raise self._fault

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def fail_mid_write(monkeypatch: pytest.MonkeyPatch, fault: BaseException, after: int = 0) -> None:
    """The write of the ``after``-th file opened for writing (0-based) stops half way with ``fault``."""
    real = os.fdopen
    count = [0]

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        fh = real(fd, *args, **kwargs)
        if "w" not in str(args[0] if args else kwargs.get("mode", "r")):
            return fh  # a file opened for reading
        count[0] += 1
        return _HalfWriter(fh, fault) if count[0] == after + 1 else fh

    monkeypatch.setattr(os, "fdopen", fdopen)


def ctrl_c_after_each_fork(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every fork made is followed at once, in this process, by Ctrl-C to this thread: the instant
    between the fork and this process keeping the child's id. The children's ids are listed. (Sent
    to the process, it could go to any other thread of the test session, pytest-timeout's, which a
    busy host could let run it only after that instant.)"""
    fork = os.fork
    forked: list[int] = []

    def fork_then_ctrl_c() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        return pid

    monkeypatch.setattr(os, "fork", fork_then_ctrl_c)
    return forked


def wait_gone(pids: list[int], seconds: float = 10) -> None:
    """Wait until none of the processes ``pids`` is left (in /proc): a run's workers, once it has
    ended; fail if one still is after ``seconds``."""
    deadline = time.monotonic() + seconds
    while any(Path(f"/proc/{pid}").exists() for pid in pids):
        assert time.monotonic() < deadline, "a worker outlived the run"
        time.sleep(0.02)


def leftovers(folder: Path) -> list[str]:
    """Temporary files left behind anywhere under ``folder``."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


def ours(folder: Path) -> list[str]:
    """Temporary files, journals and replaced files of ours left anywhere under ``folder``."""
    return sorted(p.name for p in folder.rglob(".*") if p.suffix in (".tmp", ".old", ".journal"))


def killed_at(step: str, change: Callable[[Session], object], *, folder: Path = Path(),
              first: Callable[[Session], object] | None = None) -> None:
    """In a forked process in ``folder``: open the session, make ``first`` (whole), then make
    ``change`` and die by SIGKILL when its save reaches ``step`` (``kill -9`` at that instant)."""
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            os.chdir(folder)
            s = open_session()
            if first is not None:
                first(s)
            keeper.STEP_HOOK = lambda at: os.kill(os.getpid(), signal.SIGKILL) if at == step else None
            change(s)
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


def appended_when_checked(calls: Path, line: str) -> Callable[[str], None]:
    """A save-step hook: another program appends ``line`` to ``calls`` right after the save's last
    check that the file is unchanged (``checked``), before it is replaced."""

    def other_program(step: str) -> None:
        if step == "checked":
            with calls.open("a", encoding="utf-8") as fh:
                fh.write(line)

    return other_program


def save_in_a_thread(session: Session) -> tuple[threading.Thread, threading.Event]:
    """An add of one user started in a thread; the event is set once it is saved (a test holds a
    lock meanwhile, to see that the save waits for it)."""
    done = threading.Event()

    def save() -> None:
        session.add_user("83479000", "Lock Test", 2500, 600)
        done.set()

    worker = threading.Thread(target=save)
    worker.start()
    return worker, done


def waits_for_lock(*data: Path, within: float = 60.0) -> None:
    """Return once a process or thread waits for the lock of one of the ``data`` files (Linux's
    /proc/locks lists a ``flock`` waited for with ``->``), however slowly it got there: a test that
    holds the lock then sees that the save or the run waits, not that it has not started yet.
    Without /proc/locks, half a second."""
    if not Path("/proc/locks").exists():  # pragma: no cover - not Linux
        time.sleep(0.5)
        return
    inodes = {f":{os.stat(lock_path(path)).st_ino}" for path in data}
    deadline = time.monotonic() + within
    while not any(len(fields) > 6 and fields[1] == "->" and fields[6].endswith(tuple(inodes))
                  for fields in (line.split() for line in Path("/proc/locks").read_text().splitlines())):
        assert time.monotonic() < deadline, "nothing waits for the lock"
        time.sleep(0.005)


def temporary_files_not_put_in_place(monkeypatch: pytest.MonkeyPatch, name: str | None = None) -> Callable[..., None]:
    """Renaming a temporary file of ours over a file (named ``name``, or any) fails with an I/O
    error until the end of the test, or until ``os.replace`` is set back to what this returns."""
    real = os.replace

    def failing(src: Any, dst: Any) -> None:
        if str(src).endswith(".tmp") and (name is None or Path(dst).name == name):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    return real


@contextlib.contextmanager
def lock_held_by_another_user(lock: Path, *, shared: bool = False, at_most: float = 20.0) -> Iterator[None]:
    """Within the block, a process of another user (``nobody`` when the suite runs as root) holds
    a ``flock`` on ``lock``, which it opened for reading only (as anyone may a 0644 file), for
    ``at_most`` seconds (then it lets go by itself: a test of a wait with no end fails, not hangs)."""
    held_r, held_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest; it imports nothing (nobody cannot read /root)
        try:
            os.close(held_r)
            os.close(done_w)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY.pw_gid)
                os.setuid(NOBODY.pw_uid)
            fd = os.open(lock, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            os.write(held_w, b"h")
            select.select([done_r], [], [], at_most)
        finally:
            os._exit(0)
    os.close(held_w)
    os.close(done_r)
    try:
        assert os.read(held_r, 1) == b"h", "the other user could not take the lock"
        yield
    finally:
        os.close(done_w)
        os.close(held_r)
        os.waitpid(pid, 0)


@contextlib.contextmanager
def run_in_a_group(argv: list[str], folder: Path, ready: str, count: int = 1, seconds: float = 30,
                   env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    """``argv`` run in ``folder`` as the leader of a process group of its own (so that a test can
    signal the group, as a terminal's Ctrl-C or ``timeout`` does), handed over once ``count`` files
    matching ``ready`` are there (within ``seconds``); the group is killed at the end if the run is
    still going. ``$TMPDIR`` is left out (spill folders go beside the outputs)."""
    base = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
    proc = subprocess.Popen(argv, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**base, **(env or {})})
    try:
        deadline = time.monotonic() + seconds
        while len(list(folder.glob(ready))) < count:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
