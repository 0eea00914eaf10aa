"""How many processes a run may use, and the pipes between them (the batch's parts, the menu's helper)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import NoReturn

from telbill.interrupts import DeferredInterrupt, Stopped, held, stops_taken

PIPE_BYTES = 1 << 20
"""The size asked for each pipe (Linux), so that a worker rarely waits for this process."""
MAX_WORKERS = 4
PARALLEL_MIN_BYTES = 4 << 20
"""A calls file smaller than this is read by one process (a worker costs more than it saves)."""
ENV_WORKERS = "TELBILL_WORKERS"
"""How many processes a batch run uses, when set (1 = no workers, and no helper for the menu)."""


def process_count(size: int, requested: int | None = None) -> int:
    """How many processes bill a calls file of ``size`` bytes on this machine. A number asked
    for (or set in ``TELBILL_WORKERS``) is capped at the cores, or at :data:`MAX_WORKERS` on a
    smaller machine: never thousands of processes."""
    if requested is None:
        env = os.environ.get(ENV_WORKERS, "")
        if env.isascii() and env.isdigit():
            requested = int(env) if len(env) < 10 else 1 << 30
        requested = requested or None
    if not hasattr(os, "fork"):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    if requested is not None:
        return max(1, min(requested, max(cores, MAX_WORKERS)))
    if cores < 2 or size < PARALLEL_MIN_BYTES:
        return 1
    return min(cores, MAX_WORKERS)


def open_pipe() -> tuple[Connection, Connection]:
    """(read end, write end) of a pipe as connections (a large one where Linux allows)."""
    r, w = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        with contextlib.suppress(OSError):
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    return Connection(r, writable=False), Connection(w, readable=False)


def fork_kept(child: Callable[[], NoReturn], keep: Callable[[int], None]) -> int:
    """Fork a process that runs ``child`` and ignores Ctrl-C, and give its id to ``keep`` (which
    registers it, so that it is stopped whatever happens next); the id is returned.

    Ctrl-C is held back from just before the fork until ``keep`` has the id: blocked in this
    thread (the child is born with it blocked, and ignores it before it unblocks it: one that
    reached it earlier would raise in it and let it run on as a copy of this process), and held
    (:func:`telbill.interrupts.held`) for one that another thread of this process takes (a
    progress bar's), which would otherwise raise here between the fork and ``keep``. One that
    came meanwhile is raised (as KeyboardInterrupt) once the child is kept, and so stops it.
    SIGTERM and SIGHUP, when this process takes them as Ctrl-C (``telbill bill``:
    :func:`telbill.interrupts.stops_as_ctrl_c`), are held and ignored the same way."""
    stops = stops_taken()
    try:
        with held(reraise=True):
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *stops})
            try:
                pid = os.fork()
                if pid == 0:  # the child: it never leaves this block
                    try:
                        for signum in (signal.SIGINT, *stops):  # Ctrl-C (and a stop) is for this process
                            signal.signal(signum, signal.SIG_IGN)
                        with contextlib.suppress(ValueError):
                            signal.set_wakeup_fd(-1)  # a signal it takes wakes none of this process's waits
                        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                        child()
                    finally:
                        os._exit(1)
                keep(pid)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    except DeferredInterrupt as exc:  # nothing was done that a Ctrl-C should not stop
        raise (KeyboardInterrupt() if exc.signum == signal.SIGINT else Stopped(exc.signum)) from None
    return pid


class Waker:
    """Ctrl-C wakes a wait on a pipe, even one that came just before the wait began.

    Python runs a signal's handler between two steps of its own, so a Ctrl-C that lands
    after the last step before a blocking read, and before the read, waits for the read to
    end: for a worker to speak, which can be minutes. While a Waker is open, every signal
    Python handles writes a byte into a pipe of its own (:func:`signal.set_wakeup_fd`), and
    :meth:`wait` waits for that pipe with the ones asked for: the handler then runs (and
    raises KeyboardInterrupt) at once. Opened in the main thread only (elsewhere it does
    nothing, as Python allows); closing it puts back the pipe there was before."""

    def __init__(self) -> None:
        self.fd = -1
        self._write = -1
        self._previous = -1

    def open(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            read, write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            try:
                self._previous = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
            except ValueError:  # not the main thread
                os.close(read)
                os.close(write)
                return
            self.fd, self._write = read, write

    def wait(self, conns: list[Connection]) -> list[Connection]:
        """Those of ``conns`` that can be read (or have ended), once one can; a Ctrl-C meanwhile
        raises KeyboardInterrupt."""
        from multiprocessing.connection import wait

        if self.fd < 0:
            return list(conns)  # each read then blocks as it would have
        while True:
            ready = wait([*conns, self.fd])
            if self.fd in ready:
                with contextlib.suppress(OSError):
                    while os.read(self.fd, 512):
                        pass
            found = [conn for conn in conns if conn in ready]
            if found:
                return found
            # a signal's byte alone: its handler runs (and raises, for Ctrl-C) before the next wait

    def close(self) -> None:
        if self.fd < 0:
            return
        with contextlib.suppress(ValueError):
            signal.set_wakeup_fd(self._previous)
        for fd in (self.fd, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fd = self._write = -1
