"""The menu's load of a large calls.txt, shared with a forked helper process.

The menu holds every record as a :class:`~telbill.records.Call` of its own
process, so another process cannot make them for it; but about two thirds of
the work is reading the lines (splitting them, looking up dates and clocks,
checking every field), and that another process can do. While this process
reads the first two fifths of the lines, a helper forked at the start reads the
others with the same reader (:class:`~telbill.callreader.CallReader`) and sends
them back as columns, a chunk of whole blocks at a time: callers and callees as
text, starts, ends and line numbers as machine integers, the malformed
records, how many record lines; it also follows each caller's records
(:class:`~telbill.callreader.StartOrder`). This process then makes the records
of each chunk in file order, as if it had read those lines itself; the result
is the same, record for record (``tests/test_helper.py``).

The helper is used for large files only, where ``fork`` exists and there are
two cores (or ``TELBILL_WORKERS`` asks for more than one process; ``1`` turns it
off). It is forked before anything else runs beside this process (the loading
bar starts later), ignores Ctrl-C and ends with ``os._exit``. If it fails or
dies, this process reads the lines it did not send; leaving the load in any
way (Ctrl-C included) stops and reaps it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
from array import array
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from types import TracebackType
from typing import NoReturn

from telbill.callreader import BLOCK, BadCall, CallReader, StartOrder
from telbill.processes import PARALLEL_MIN_BYTES, open_pipe, process_count

HELPER_MIN_LINES = 200_000
"""A file with fewer lines is read by this process alone (a helper costs more than it saves)."""
HELPER_SHARE = 0.6
"""The part of the lines the helper reads: making the record of a line the helper
read costs this process about a third of reading that line itself, so the two
finish together when the helper takes somewhat more than half."""
CHUNK = 65_536
"""Records (about) per message from the helper."""


def helper_wanted(count: int) -> bool:
    """Whether loading ``count`` lines is shared with a helper process."""
    return count >= HELPER_MIN_LINES and process_count(PARALLEL_MIN_BYTES) > 1


@dataclass(slots=True)
class Chunk:
    """Records read by the helper from the lines after the previous chunk's, up to :attr:`end`."""

    end: int
    """The number of the last line the chunk covers."""
    callers: list[str] = field(default_factory=list)
    callees: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    malformed: list[BadCall] = field(default_factory=list)
    records: int = 0
    """Record lines among the chunk's lines, readable or not."""
    odd: list[int] = field(default_factory=list)
    """The positions of the records of rule 2 or 4 (see :class:`~telbill.callreader.StartOrder`)."""


class HelperFailed(Exception):
    """The helper stopped before sending every chunk (it failed, or it died)."""


class Helper:
    """A forked process reading ``lines[start:]`` (numbered from ``start + 1``); a context
    manager that stops the process, whatever happened, on leaving."""

    def __init__(self, lines: Sequence[str], start: int, unreadable: Collection[int]) -> None:
        """``lines`` are without their line ends."""
        self.inbox, outbox = open_pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the helper
            self.inbox.close()
            _serve(lines, start, unreadable, outbox)
        outbox.close()
        self.finished = False
        self.order = StartOrder()
        """How the helper's records follow one another, per caller (known once every chunk is in)."""

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def chunks(self) -> Iterator[Chunk]:
        """The chunks, in line order; :class:`HelperFailed` if the helper stops short."""
        while True:
            try:
                kind, value = self.inbox.recv()
            except (EOFError, OSError):
                raise HelperFailed("the helper ended without a word") from None
            if kind == "end":
                self.order.thresholds, self.order.firsts, self.order.unordered = value
                self.stop()
                return
            if kind != "chunk":
                raise HelperFailed(str(value))
            end, callers, callees, starts, ends, numbers, malformed, records, odd = value
            yield Chunk(end, _texts(callers), _texts(callees), _ints(starts), _ints(ends), _ints(numbers),
                        malformed, records, _ints(odd))

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


# -- in the helper ---------------------------------------------------------------------------


class _Columns:
    """Gathers the runs the reader gives, and sends them a chunk at a time.

    A pipe holds less than a chunk, and the menu's process takes the chunks only
    once it has read its own lines: so a thread sends them (it waits for the pipe
    without holding the interpreter) while the reading goes on.
    """

    def __init__(self, out: Connection, reader: Callable[[], CallReader]) -> None:
        self.out = out
        self.queue: queue.SimpleQueue[memoryview | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send_all, daemon=True)
        self.sender.start()
        self.failure: BaseException | None = None
        self.callers: list[str] = []
        self.callees: list[str] = []
        self.starts = array("q")
        self.ends = array("q")
        self.numbers = array("q")
        self.odd = array("q")
        self.order = StartOrder()
        self.sent_records = 0
        self.sent_malformed = 0
        self.reader = reader

    def add(self, callers: list[str], callees: Sequence[str], starts: list[int], ends: list[int],
            numbers: Sequence[int], lines: Sequence[str]) -> None:
        before = len(self.callers)
        self.odd.extend(map(before.__add__, self.order.follow(callers, starts, ends)))
        self.callers += callers
        self.callees += callees
        self.starts.extend(starts)
        self.ends.extend(ends)
        self.numbers.extend(numbers)

    def send(self, end: int) -> None:
        """Send what was read up to line ``end``."""
        reader = self.reader()
        malformed = reader.malformed[self.sent_malformed:]
        records = reader.records - self.sent_records
        self._put(("chunk", (end, "\n".join(self.callers).encode("ascii"), "\n".join(self.callees).encode("ascii"),
                             self.starts.tobytes(), self.ends.tobytes(), self.numbers.tobytes(), malformed,
                             records, self.odd.tobytes())))
        self.sent_malformed, self.sent_records = len(reader.malformed), reader.records
        self.callers, self.callees = [], []
        self.starts, self.ends, self.numbers, self.odd = array("q"), array("q"), array("q"), array("q")

    def finish(self) -> None:
        """Send the end (with how the records followed one another), and wait until everything is sent."""
        order = self.order
        self._put(("end", (order.thresholds, order.firsts, order.unordered)))
        self.queue.put(None)
        self.sender.join()
        if self.failure is not None:
            raise self.failure

    def fail(self, why: str) -> None:
        """Say why the reading stopped (after what is sent already)."""
        self.queue.put(ForkingPickler.dumps(("error", why)))
        self.queue.put(None)
        self.sender.join()

    def _put(self, message: tuple[str, object]) -> None:
        if self.failure is not None:
            raise self.failure
        self.queue.put(ForkingPickler.dumps(message))

    def _send_all(self) -> None:
        try:
            while (data := self.queue.get()) is not None:
                self.out.send_bytes(data)
        except BaseException as exc:  # noqa: BLE001 - told to the reading thread
            self.failure = exc


def _serve(lines: Sequence[str], start: int, unreadable: Collection[int], out: Connection) -> NoReturn:
    """The helper's whole life: read, send, end."""
    code = 0
    columns: _Columns | None = None
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the menu's process
        reader: CallReader
        columns = _Columns(out, lambda: reader)
        reader = CallReader(columns.add, keep_texts=True, unreadable=unreadable)
        for at in range(start, len(lines), BLOCK):
            block = lines[at:at + BLOCK]  # without their line ends
            reader.block(list(block), range(at + 1, at + 1 + len(block)))
            if len(columns.numbers) >= CHUNK:
                columns.send(at + len(block))
        columns.send(len(lines))
        columns.finish()
    except BaseException as exc:  # noqa: BLE001 - any failure is told, and the menu's process reads the rest
        code = 1
        with contextlib.suppress(BaseException):
            if columns is None:
                out.send(("error", f"{type(exc).__name__}: {exc}"))
            else:
                columns.fail(f"{type(exc).__name__}: {exc}")
    finally:
        os._exit(code)
