"""How many processes a run may use, and the pipes between them (the batch's parts, the menu's helper)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from multiprocessing.connection import Connection

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
