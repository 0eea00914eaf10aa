"""Waiting for a ``flock`` another process holds: never without end, always said.

A lock telbill waits for may be held by anyone who can open the file for reading
(a data file's ``.NAME.lock`` and the audit log's are 0644, and ``flock`` needs
only a read descriptor), so every wait has a limit (:func:`flock_within`). The
wait is told as it begins to whoever asked to be told (:func:`waits_told`: the
menu's busy line, the batch's standard error), and Ctrl-C stops it at any moment.

The lock is waited for by a thread of its own, blocked in ``flock`` on a copy of
the descriptor (the lock belongs to the open file, which both share), while the
caller waits for that thread with a limit: the kernel lists the waiter (Linux's
``/proc/locks``), and the caller is never stuck in a system call Ctrl-C cannot
cut. A thread whose caller gave up lets the lock go at once if it gets it later.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path

HAS_FLOCK = importlib.util.find_spec("fcntl") is not None
"""Whether locks can be taken here (not on Windows: there the content checks alone protect the data)."""

Told = Callable[[Path, float], None]
"""Told that a wait begins: the lock (or the file locked) and the most seconds it may last."""

_told: ContextVar[Told | None] = ContextVar("telbill_lock_wait_told", default=None)


@contextlib.contextmanager
def waits_told(tell: Told) -> Iterator[None]:
    """Within this block (in this thread), each wait for a lock is first told: ``tell(lock, seconds)``."""
    token = _told.set(tell)
    try:
        yield
    finally:
        _told.reset(token)


def flock_within(fd: int, lock: Path, seconds: float, *, shared: bool = False, told: float | None = None) -> bool:
    """Take a ``flock`` on ``fd`` (the file ``lock``), exclusive or ``shared``, waiting for it
    ``seconds`` at most: True once it is held, False if it is still held by another then.
    Ctrl-C while waiting raises KeyboardInterrupt. Either way the caller closes ``fd`` (a lock
    got just as the caller gave up is let go by the waiting thread). The wait is told as lasting
    ``told`` seconds at most (``seconds`` unless given: a wait that is the rest of a longer one)."""
    import fcntl

    how = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        fcntl.flock(fd, how | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    tell = _told.get()
    if tell is not None:
        tell(lock, seconds if told is None else told)
    waiter = _Waiter(os.dup(fd), how)
    try:
        return waiter.got_within(seconds)
    finally:
        waiter.give_up()


class _Waiter:
    """A thread blocked in ``flock`` on its own copy of the descriptor (closed by the thread)."""

    def __init__(self, fd: int, how: int) -> None:
        self._fd = fd
        self._how = how
        self._guard = threading.Lock()
        self._got = False
        self._given_up = False
        self._done = threading.Event()
        threading.Thread(target=self._wait, name="telbill-lock-wait", daemon=True).start()

    def _wait(self) -> None:
        import fcntl

        try:
            fcntl.flock(self._fd, self._how)
            with self._guard:
                if self._given_up:  # the caller is gone: the lock is not ours to keep
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                else:
                    self._got = True
        except OSError:
            pass
        finally:
            os.close(self._fd)
            self._done.set()

    def got_within(self, seconds: float) -> bool:
        self._done.wait(seconds)
        with self._guard:
            return self._got

    def give_up(self) -> None:
        """From now on a lock the thread gets is let go at once (the caller did not take it)."""
        with self._guard:
            self._given_up = True
