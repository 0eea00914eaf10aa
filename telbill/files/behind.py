"""Writing a file made a chunk at a time, in a thread of its own while the next chunks are made.

A big output (a run's anomalies file: millions of lines merged from every partition)
costs two things: making the chunks (Python, holding the GIL) and copying them into
the file (the ``write`` system call, which lets go of the GIL). :func:`write_behind`
does the two at once: this thread makes the chunks and hands them, a batch of about
:data:`BATCH_BYTES` at a time, to a writer thread through a queue of at most
:data:`QUEUED` batches (so at most a few batches are held).

What this thread sees is what writing the file here would give: an error of the
writer (a full disk, Ctrl-C or anything else raised by the file's ``writelines``)
is raised here once the writer has stopped; an error of this thread (making the
chunks failed, Ctrl-C) stops the writer before it is raised. Either way the
writer has ended when :func:`write_behind` returns or raises, and nothing more is
written to the file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from typing import Protocol

BATCH_BYTES = 1 << 20
"""The writer is handed chunks of about this many bytes at a time (one wake-up each)."""
QUEUED = 4
"""At most this many batches wait for the writer."""


class Sink(Protocol):
    """Where :func:`write_behind` writes: a binary file, or anything with its ``writelines``."""

    def writelines(self, lines: list[bytes], /) -> None: ...


class _Writer(threading.Thread):
    """Writes each batch put in :attr:`batches` to ``fh``, until ``None``; keeps its first error."""

    def __init__(self, fh: Sink) -> None:
        super().__init__(name="telbill-writer", daemon=True)
        self.fh = fh
        self.batches: queue.Queue[list[bytes] | None] = queue.Queue(QUEUED)
        self.error: BaseException | None = None
        self.stopped = False
        """Set by the thread that makes the chunks when it gave up: write nothing more."""

        self.ended = threading.Event()
        """Set once the last batch is written (or left): nothing more is written to ``fh``."""

    def run(self) -> None:
        try:
            while (batch := self.batches.get()) is not None:
                if self.error is not None or self.stopped:
                    continue  # only emptying the queue, so that the other thread never waits on it
                try:
                    self.fh.writelines(batch)
                except BaseException as exc:  # noqa: BLE001 - handed to the other thread, raised there
                    self.error = exc
        finally:
            self.ended.set()


def write_behind(fh: Sink, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``fh`` (not flushed) in a writer thread while the next are made here.

    Raises the writer's error (the one ``fh.writelines`` raised) or this thread's own;
    either way the writer has ended (see the module).
    """
    writer = _Writer(fh)
    writer.start()
    try:
        batch: list[bytes] = []
        size = 0
        for chunk in chunks:
            batch.append(chunk)
            size += len(chunk)
            if size >= BATCH_BYTES:
                if writer.error is not None:
                    break
                writer.batches.put(batch)
                batch, size = [], 0
        writer.batches.put(batch)  # the last, even empty: a file of no chunks is written too
    except BaseException:
        writer.stopped = True
        raise
    finally:
        _end(writer)
    if writer.error is not None:
        raise writer.error


def _end(writer: _Writer) -> None:
    """Hand ``writer`` its end and wait until it has ended. Ctrl-C while waiting (SIGINT reaches
    this thread only) stops the writer after the batch it is writing, and is raised once it has
    ended: never a writer left writing to a file its caller closes, or waiting for ever.

    The wait is on :attr:`_Writer.ended`, not ``join``: a ``join`` cut by Ctrl-C marks the thread
    ended while it still runs (Python 3.11's ``Thread._wait_for_tstate_lock`` releases the lock the
    running thread holds), and every later ``join`` returns at once."""
    interrupted: BaseException | None = None
    handed = False
    while True:
        try:
            if not handed:
                writer.batches.put(None)  # the writer takes what is queued, so this never waits for long
                handed = True
            writer.ended.wait()
            writer.join()  # only its last steps left
            break
        except BaseException as exc:  # noqa: BLE001 - raised once the writer has ended
            writer.stopped = True
            interrupted = interrupted or exc
    if interrupted is not None:
        raise interrupted
