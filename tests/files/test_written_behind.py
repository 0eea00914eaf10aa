"""A file made a chunk at a time is written by a thread of its own while the next chunks are made
(``telbill.files.behind``): the same bytes in the same order; an error of either thread is
raised to the caller once the writer has stopped, and nothing more is written after it."""

from __future__ import annotations

import io
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telbill.errors import OutputError
from telbill.files import access, behind
from telbill.files.behind import write_behind

from faults import ENOSPC, leftovers


def writers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "telbill-writer"]


@given(st.lists(st.binary(max_size=40), max_size=60), st.integers(1, 100))
def test_every_chunk_is_written_once_in_order(chunks: list[bytes], batch: int) -> None:
    """Chunks of any size, batches of any size: the file holds the chunks, in order, once."""
    real = behind.BATCH_BYTES
    behind.BATCH_BYTES = batch
    try:
        fh = io.BytesIO()
        write_behind(fh, iter(chunks))
    finally:
        behind.BATCH_BYTES = real
    assert fh.getvalue() == b"".join(chunks)
    assert writers() == []


class FailingFile(io.BytesIO):
    """A file whose disk fills up at its ``fails``-th ``writelines`` (1-based)."""

    def __init__(self, fails: int, fault: BaseException) -> None:
        super().__init__()
        self.fails, self.fault, self.calls = fails, fault, 0

    def writelines(self, lines: Any) -> None:
        self.calls += 1
        if self.calls == self.fails:
            raise self.fault
        super().writelines(lines)


def counted(taken: list[int], chunks: int, size: int) -> Iterator[bytes]:
    for _ in range(chunks):
        taken[0] += 1
        yield b"x" * size


@pytest.mark.parametrize("fault", [ENOSPC, KeyboardInterrupt()], ids=["disk-full", "ctrl-c"])
def test_the_writers_error_is_raised_here_and_stops_the_making(fault: BaseException) -> None:
    """The writer's error (a full disk, or Ctrl-C raised in it) reaches the caller as it was
    raised, the chunks stop being made soon after, and nothing more is written."""
    fh = FailingFile(2, fault)
    taken = [0]
    with pytest.raises(type(fault)) as raised:
        write_behind(fh, counted(taken, 1000, behind.BATCH_BYTES))
    assert raised.value is fault
    assert taken[0] < 1000 // 2  # a few batches on, not to the end
    assert len(fh.getvalue()) == behind.BATCH_BYTES  # the first batch only
    assert fh.calls == 2  # nothing written after the error
    assert writers() == []


@pytest.mark.parametrize("fault", [KeyboardInterrupt(), RuntimeError("a worker died")], ids=["ctrl-c", "error"])
def test_an_error_making_the_chunks_stops_the_writer_first(fault: BaseException) -> None:
    """Making the chunks fails (Ctrl-C, a worker gone) with batches still queued: the writer
    writes none of them and has ended when the error reaches the caller."""

    class SlowFile(io.BytesIO):
        def writelines(self, lines: Any) -> None:
            writer = threading.current_thread()
            waited = time.monotonic() + 5
            while not getattr(writer, "stopped", True) and time.monotonic() < waited:
                time.sleep(0.001)  # busy with this batch until the making has failed
            super().writelines(lines)

    def chunks() -> Iterator[bytes]:
        for _ in range(behind.QUEUED + 1):  # one being written, the others queued
            yield b"y" * behind.BATCH_BYTES
        raise fault

    fh = SlowFile()
    with pytest.raises(type(fault)) as raised:
        write_behind(fh, chunks())
    assert raised.value is fault
    assert len(fh.getvalue()) <= behind.BATCH_BYTES  # at most the batch being written then, none queued
    assert writers() == []


@pytest.mark.parametrize("fault", [ENOSPC, KeyboardInterrupt()], ids=["disk-full", "ctrl-c"])
def test_a_failure_in_the_writer_leaves_the_old_file_and_no_temp_file(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      fault: BaseException) -> None:
    """A file of many batches whose disk fills (or Ctrl-C) in the writer thread: the one-line
    error of a full disk, the old file as it was, no temporary file, no writer left."""
    target = tmp_path / "anomalies.txt"
    target.write_bytes(b"old\n")
    real = access.os.fdopen

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real(fd, mode, *args, **kwargs)
        if "w" not in mode:
            return fh
        fails = FailingFile(3, fault)
        fails.close = fh.close  # type: ignore[method-assign]
        fails.fileno = fh.fileno  # type: ignore[method-assign]
        return fails

    monkeypatch.setattr(access.os, "fdopen", fdopen)
    expected = OutputError if isinstance(fault, OSError) else type(fault)
    with pytest.raises(expected) as raised:
        access.atomic_write(target, (b"line %d\n" % n * 1000 for n in range(10_000)))
    if isinstance(fault, OSError):
        assert str(raised.value) == f"{target}: cannot be written (No space left on device)"
    assert target.read_bytes() == b"old\n"
    assert leftovers(tmp_path) == []
    assert writers() == []


@pytest.mark.parametrize("batches", [1, 2], ids=["one-being-written", "one-queued-too"])
def test_ctrl_c_while_waiting_for_the_writer_ends_it_first(batches: int) -> None:
    """Every chunk made and handed on, Ctrl-C while this thread waits for the writer to finish:
    the writer has ended when Ctrl-C reaches the caller (a batch queued is not written), and
    nothing is written after. (A ``join`` cut by Ctrl-C marks a running thread ended in Python
    3.11: the writer went on writing to a file its caller had closed.)"""
    writing = threading.Event()

    class SlowFile(io.BytesIO):
        def writelines(self, lines: Any) -> None:
            writing.set()
            time.sleep(0.3)
            super().writelines(lines)

    def ctrl_c() -> None:
        writing.wait(5)
        time.sleep(0.05)  # the main thread waiting for the writer by then
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    fh = SlowFile()
    threading.Thread(target=ctrl_c).start()
    with pytest.raises(KeyboardInterrupt):
        write_behind(fh, iter([b"y" * behind.BATCH_BYTES] * batches))
    assert writers() == []
    written = fh.getvalue()
    time.sleep(0.5)
    assert fh.getvalue() == written == b"y" * behind.BATCH_BYTES


def test_bytes_are_written_without_a_writer_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save given as bytes (a report, an undo record) leaves nothing to make while it is written:
    no writer thread is started for it (on tmpfs a 1.5 KB atomic_write took 230-290 us with one,
    100-130 us without); chunks still get one."""
    started: list[str] = []
    real = behind._Writer.start

    def start(self: threading.Thread) -> None:
        started.append(self.name)
        real(self)

    monkeypatch.setattr(behind._Writer, "start", start)
    access.atomic_write(tmp_path / "small.txt", b"one line\n")
    access.atomic_write(tmp_path / "empty.txt", b"")
    assert started == []
    assert (tmp_path / "small.txt").read_bytes() == b"one line\n" and (tmp_path / "empty.txt").read_bytes() == b""
    access.atomic_write(tmp_path / "chunks.txt", iter([b"a\n", b"b\n"]))
    assert started == ["telbill-writer"] and (tmp_path / "chunks.txt").read_bytes() == b"a\nb\n"
