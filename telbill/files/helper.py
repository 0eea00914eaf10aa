"""The menu's load of a large calls.txt, shared with a forked helper process.

The menu holds every record as a :class:`~telbill.rules.records.Call` of its own
process, so another process cannot make them for it; but about two thirds of
the work is reading the lines (splitting them, looking up dates and clocks,
checking every field), and that another process can do.

The lines are cut into chunks of :data:`CHUNK` lines. This process reads the
first; a helper forked at the start and this process then take the others in
turn, each the next one not yet taken (:class:`Tickets`), and read them with the
same reader (:class:`~telbill.files.callreader.CallReader`) into columns
(:class:`Chunk`): callers, callees, starts, ends, line numbers, the malformed
records, how many record lines. The helper sends its chunks back (callers and
callees as text, numbers as machine integers); this process makes the records
of every chunk in file order, as if it had read the lines one after another, so
the result is the same record for record (``tests/session/test_loading_with_a_helper_process.py``). A helper
that has a core of its own takes most chunks; one that gets little time (a busy
machine) takes few, and this process reads the rest: it waits at most for the
one chunk the helper is reading.

The helper is used for large files only, where ``fork`` exists and there are
two cores (or ``TELBILL_WORKERS`` asks for more than one process; ``1`` turns it
off). It is forked before anything else runs beside this process (the loading
bar starts later), ignores Ctrl-C from its first instruction on (held back until
then) and ends with ``os._exit``. If it fails or dies, this process reads the
chunks it took; leaving the load in any way (Ctrl-C included) stops and reaps it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from types import TracebackType
from typing import NoReturn, Self

from telbill.files.callreader import BLOCK, CallReader
from telbill.processes import PARALLEL_MIN_BYTES, fork_kept, open_pipe, process_count
from telbill.rules.screening import SetAside

HELPER_MIN_LINES = 200_000
"""A file with fewer lines is read by this process alone (a helper costs more than it saves)."""
CHUNK = 16_384
"""Lines per chunk (a multiple of the reader's block), at least."""
MAX_CHUNKS = 8_192
"""At most so many chunks (their numbers must fit in a pipe before the helper is forked)."""


def helper_wanted(count: int) -> bool:
    """Whether loading ``count`` lines is shared with a helper process."""
    return count >= HELPER_MIN_LINES and process_count(PARALLEL_MIN_BYTES) > 1


@dataclass(slots=True)
class Chunk:
    """The records read from some lines, as columns."""

    callers: list[str] = field(default_factory=list)
    callees: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    """The records' lines (when :attr:`here`)."""
    malformed: list[SetAside] = field(default_factory=list)
    records: int = 0
    """Record lines among the chunk's lines, readable or not."""
    here: bool = False
    """Read by this process: the callers are its own strings, :attr:`texts` the lines."""


class ChunkReader:
    """Reads lines into chunks with one :class:`CallReader` (its tables grow from chunk to chunk)."""

    def __init__(self, reader: CallReader, texts: bool) -> None:
        self.reader = reader
        reader.build = self._add
        self.texts = texts
        self.chunk = Chunk()

    def read(self, lines: Sequence[str], start: int, stop: int) -> Chunk:
        """The records of ``lines[start:stop]`` (numbered from ``start + 1``, without line ends)."""
        reader = self.reader
        self.chunk = chunk = Chunk(here=self.texts)
        records, malformed = reader.records, len(reader.malformed)
        for at in range(start, min(stop, len(lines)), BLOCK):
            block = lines[at:min(at + BLOCK, stop)]
            reader.block(list(block), range(at + 1, at + 1 + len(block)))
        chunk.records = reader.records - records
        chunk.malformed = reader.malformed[malformed:]
        return chunk

    def _add(self, callers: list[str], callees: Sequence[str], starts: list[int], ends: list[int],
             numbers: Sequence[int], lines: Sequence[str]) -> None:
        chunk = self.chunk
        chunk.callers += callers
        chunk.callees += callees
        chunk.starts += starts
        chunk.ends += ends
        chunk.numbers += numbers
        if self.texts:
            chunk.texts += lines


class Tickets:
    """The chunks' numbers, each taken once, in order, by whichever process asks first
    (a pipe filled before the helper is forked: a read takes one)."""

    def __init__(self, count: int) -> None:
        """``OSError`` if they do not fit in the pipe (they never wait for room)."""
        self.fd, write = os.pipe()
        try:
            os.set_blocking(write, False)
            data = array("i", range(1, count)).tobytes()  # chunk 0 is this process's
            if data and os.write(write, data) < len(data):
                raise BlockingIOError("the chunks' numbers do not fit in a pipe")
        except BaseException:
            os.close(self.fd)
            raise
        finally:
            os.close(write)

    def take(self) -> int | None:
        """The next chunk not yet taken, or ``None``."""
        data = os.read(self.fd, 4)
        return array("i", data)[0] if data else None

    def close(self) -> None:
        os.close(self.fd)


class HelperFailed(Exception):
    """The helper stopped before sending every chunk it took (it failed, or it died)."""


class Helper:
    """A forked process reading the chunks it takes of ``lines``; a context manager that
    stops it, whatever happened, on leaving."""

    def __init__(self, lines: Sequence[str], size: int, tickets: Tickets, reader: CallReader) -> None:
        """``size``: the lines of a chunk (chunk ``n`` is ``lines[n * size:(n + 1) * size]``).

        Ctrl-C is held back from just before the fork until the helper ignores it and this
        process knows the helper's id (:func:`~telbill.processes.fork_kept`); one that came
        meanwhile is raised once the id is kept, and stops the helper."""
        self.pid = 0
        self.finished = True
        self.inbox, outbox = open_pipe()

        def helper() -> NoReturn:
            self.inbox.close()
            _serve(lines, size, tickets, reader, outbox)

        def keep(pid: int) -> None:
            self.pid = pid
            self.finished = False

        try:
            fork_kept(helper, keep)
        except BaseException:
            if self.finished:
                self.inbox.close()
            else:
                self.stop()
            raise
        finally:
            outbox.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def chunk(self, number: int) -> Chunk:
        """Chunk ``number``, which the helper took; :class:`HelperFailed` if it stopped short."""
        if self.finished:
            raise HelperFailed("the helper has stopped")
        try:
            kind, value = self.inbox.recv()
        except (EOFError, OSError):
            self.stop()
            raise HelperFailed("the helper ended without a word") from None
        if kind != "chunk" or value[0] != number:
            self.stop()
            raise HelperFailed(str(value))
        _, callers, callees, starts, ends, numbers, malformed, records = value
        return Chunk(_texts(callers), _texts(callees), _ints(starts), _ints(ends), _ints(numbers),
                     malformed=malformed, records=records)

    def stop(self) -> None:
        """Make sure the helper has ended and been waited for."""
        if not self.finished:
            self.finished = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.inbox.close()


def _texts(data: bytes) -> list[str]:
    return data.decode("ascii").split("\n") if data else []


def _ints(data: bytes) -> list[int]:
    found = array("q")
    found.frombytes(data)
    return found.tolist()


class SharedReading:
    """The chunks of ``lines`` (without their line ends), read here or by a helper (see the
    module); a context manager that stops the helper on leaving. ``reader`` is this
    process's reader: the chunks read here share its tables (one string per caller).
    ``OSError`` when no helper process can be had."""

    def __init__(self, lines: Sequence[str], reader: CallReader) -> None:
        self.lines = lines
        self.size = max(CHUNK, -(-len(lines) // (MAX_CHUNKS * BLOCK)) * BLOCK)
        self.count = -(-len(lines) // self.size)
        self.mine = ChunkReader(_sharing(reader), texts=True)
        self.tickets = Tickets(self.count)
        try:
            self.helper = Helper(lines, self.size, self.tickets,
                                 CallReader(_nothing, keep_texts=True, unreadable=reader.unreadable))
        except BaseException:
            self.tickets.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.helper.stop()
        self.tickets.close()

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk, in order (:attr:`Chunk.here` says whether this process read it)."""
        done = 0
        while done < self.count:
            taken = self.tickets.take() if done else 0
            own = self._read(taken) if taken is not None else None
            for number in range(done, taken if taken is not None else self.count):  # the helper's
                try:
                    yield self.helper.chunk(number)
                except HelperFailed:  # what it took and did not send is read here
                    yield self._read(number)
            if own is None:
                return
            yield own
            done = (taken or 0) + 1

    def _read(self, number: int) -> Chunk:
        return self.mine.read(self.lines, number * self.size, (number + 1) * self.size)


def _sharing(reader: CallReader) -> CallReader:
    """A reader for chunks with the same tables as ``reader`` (one string per caller)."""
    other = CallReader(_nothing, keep_texts=True, unreadable=reader.unreadable)
    other.dates, other.callers = reader.dates, reader.callers
    return other


def _nothing(*columns: object) -> None:
    """A reader's build before a :class:`ChunkReader` takes it over."""


# -- in the helper ---------------------------------------------------------------------------


class _Sender:
    """Sends messages from a thread: it waits for the pipe (which holds less than a
    chunk) without holding the interpreter, while the reading goes on."""

    def __init__(self, out: Connection) -> None:
        self.out = out
        self.queue: queue.SimpleQueue[memoryview | None] = queue.SimpleQueue()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._send_all, daemon=True)
        self.thread.start()

    def put(self, message: tuple[str, object]) -> None:
        if self.failure is not None:
            raise self.failure
        self.queue.put(ForkingPickler.dumps(message))

    def close(self) -> None:
        """Wait until everything is sent."""
        self.queue.put(None)
        self.thread.join()
        if self.failure is not None:
            raise self.failure

    def _send_all(self) -> None:
        try:
            while (data := self.queue.get()) is not None:
                self.out.send_bytes(data)
        except BaseException as exc:  # noqa: BLE001 - handed to the helper's main thread, raised there
            self.failure = exc


def _serve(lines: Sequence[str], size: int, tickets: Tickets, reader: CallReader, out: Connection) -> NoReturn:
    """The helper's whole life: take chunks, read them, send them; end."""
    code = 0
    sender: _Sender | None = None
    try:
        sender = _Sender(out)
        chunks = ChunkReader(reader, texts=False)
        while (taken := tickets.take()) is not None:
            c = chunks.read(lines, taken * size, (taken + 1) * size)
            sender.put(("chunk", (taken, "\n".join(c.callers).encode("ascii"), "\n".join(c.callees).encode("ascii"),
                                  array("q", c.starts).tobytes(), array("q", c.ends).tobytes(),
                                  array("q", c.numbers).tobytes(), c.malformed, c.records)))
        sender.close()
    except BaseException as exc:  # noqa: BLE001 - whatever stops the helper is sent to the menu's process
        code = 1
        with contextlib.suppress(BaseException):
            if sender is None:
                out.send(("error", f"{type(exc).__name__}: {exc}"))
            else:
                sender.put(("error", f"{type(exc).__name__}: {exc}"))
                sender.close()
    finally:
        os._exit(code)
