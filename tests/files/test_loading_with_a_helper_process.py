"""The menu's load shared with a helper process gives what a load alone gives, whatever the helper does."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

import telbill.files.helper
from benchmarks.generate import generate
from telbill.files.decoding import decode
from telbill.files.loader import CallsFile, load_calls
from telbill.rules.screening import screen_as_read

from faults import ctrl_c_after_each_fork
from strategies import PHONES, files

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the menu reads alone")


def view(loaded: CallsFile) -> dict[str, Any]:
    """Everything a load gives, with records as their fields (not their identities)."""
    position = {id(call): i for i, call in enumerate(loaded.calls)}
    fields = [(c.caller, c.callee, c.start, c.end, c.line_no, c.raw) for c in loaded.calls]
    aside = screen_as_read(loaded.by_caller, PHONES, loaded.set_aside_alone, loaded.unordered)
    return {
        "calls": fields, "records": loaded.records, "lines": loaded.lines,
        "malformed": [(b.line_no, b.raw, b.key, b.params) for b in loaded.malformed],
        "groups": {caller: [position[id(c)] for c in calls] for caller, calls in loaded.by_caller.items()},
        "alone": [position[id(c)] for c in loaded.set_aside_alone], "unordered": loaded.unordered,
        "set_aside": sorted((position[key], a.code, a.key, a.params) for key, a in aside.items()),
        "shared callers": len({id(c.caller) for c in loaded.calls}) == len({c.caller for c in loaded.calls}),
    }


@pytest.fixture()
def helped(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every load shared (small chunks, so that there are many); the helpers' process ids."""
    monkeypatch.setattr(telbill.files.helper, "HELPER_MIN_LINES", 1)
    monkeypatch.setattr(telbill.files.helper, "CHUNK", 300)  # not a multiple of a block: any size works
    monkeypatch.setenv("TELBILL_WORKERS", "2")
    pids: list[int] = []
    real = telbill.files.helper.Helper.__init__

    def init(self: telbill.files.helper.Helper, *args: Any) -> None:
        real(self, *args)
        pids.append(self.pid)

    monkeypatch.setattr(telbill.files.helper.Helper, "__init__", init)
    return pids


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def ended(pid: int, within: float = 60.0) -> None:
    """Wait until the child ``pid`` has ended, without reaping it (its parent does, if it has not yet)."""
    deadline = time.monotonic() + within
    with contextlib.suppress(ChildProcessError):  # reaped already
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            assert time.monotonic() < deadline, "the helper did not stop"
            time.sleep(0.005)


def untaken(tickets: telbill.files.helper.Tickets, within: float = 60.0) -> None:
    """Wait until every chunk's number has been taken from ``tickets`` (by the helper), without
    taking one: the pipe they are in is then empty."""
    deadline = time.monotonic() + within
    while struct.unpack("i", fcntl.ioctl(tickets.fd, termios.FIONREAD, b"\0" * 4))[0]:
        assert time.monotonic() < deadline, "the helper did not take the chunks"
        time.sleep(0.005)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    data = generate(tmp_path_factory.mktemp("data"), 6_000, 60, seed=3)
    return decode(data.calls.read_bytes()).lines


def test_a_shared_load_is_a_load_alone(generated: list[str], helped: list[int]) -> None:
    """The benchmark's generated set: the same records, groups, checks and anomalies, in file order."""
    alone = view(load_calls(generated, "calls.txt"))
    shared = view(load_calls(generated, "calls.txt", shared=True))
    assert len(helped) == 1 and gone(helped[0])
    assert shared == alone
    assert alone["alone"] and alone["unordered"] and alone["malformed"]


@settings(max_examples=40, deadline=None)
@given(files)
def test_any_file_loads_shared_as_alone(lines: list[str]) -> None:
    """Any lines (tabs, comments, bad records, control characters, callers out of order)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(telbill.files.helper, "HELPER_MIN_LINES", 1)
        patch.setattr(telbill.files.helper, "CHUNK", 37)
        patch.setattr(telbill.files.helper, "BLOCK", 1)  # chunks of 37 lines (not rounded up to a block of 128)
        patch.setenv("TELBILL_WORKERS", "2")
        assert view(load_calls(lines, "calls.txt", shared=True)) == view(load_calls(lines, "calls.txt"))


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_helper_that_stops_short_changes_nothing(generated: list[str], helped: list[int],
                                                   monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """A helper that fails or dies after a few chunks: this process reads the ones it took, the same way."""
    real = telbill.files.helper._Sender.put
    sent: list[object] = []

    def put(self: Any, message: tuple[str, object]) -> None:  # the helper's only
        if len(sent) == 3:
            if how == "dies":
                os._exit(9)
            raise MemoryError
        sent.append(message)
        real(self, message)

    monkeypatch.setattr(telbill.files.helper._Sender, "put", put)
    failed: list[int] = []
    real_chunk = telbill.files.helper.Helper.chunk

    def chunk(self: telbill.files.helper.Helper, number: int) -> telbill.files.helper.Chunk:
        try:
            return real_chunk(self, number)
        except telbill.files.helper.HelperFailed:
            failed.append(number)
            raise

    monkeypatch.setattr(telbill.files.helper.Helper, "chunk", chunk)
    main, real_take = os.getpid(), telbill.files.helper.Tickets.take

    def take(self: telbill.files.helper.Tickets) -> int | None:
        """This process takes its next chunk only once the helper has stopped (it has then taken a
        chunk it never sent, however slowly it started on a busy machine)."""
        if os.getpid() == main:
            ended(helped[0])
        return real_take(self)

    monkeypatch.setattr(telbill.files.helper.Tickets, "take", take)
    shared = view(load_calls(generated, "calls.txt", shared=True))
    assert gone(helped[0]) and failed
    assert shared == view(load_calls(generated, "calls.txt"))


def test_the_two_processes_share_the_chunks(generated: list[str], helped: list[int]) -> None:
    """Each chunk is read once, by this process or by the helper, and every one is used in order."""
    from telbill.files.callreader import CallReader

    reader = CallReader(lambda *columns: None, keep_texts=True)
    with telbill.files.helper.SharedReading(generated, reader) as shared:
        chunks = list(shared.chunks())
    numbers = [n for chunk in chunks for n in chunk.numbers]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert len(chunks) == -(-len(generated) // 300) and chunks[0].here
    assert sum(chunk.records for chunk in chunks) == load_calls(generated, "calls.txt").records


def test_ctrl_c_while_loading_leaves_no_helper(generated: list[str], helped: list[int]) -> None:
    """Ctrl-C in the middle of a shared load: it stops, and the helper is stopped and reaped."""
    def progress(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_calls(generated, "calls.txt", progress=progress, shared=True)
    assert len(helped) == 1 and gone(helped[0])


def test_one_process_when_asked(generated: list[str], helped: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """TELBILL_WORKERS=1: no helper at all."""
    monkeypatch.setenv("TELBILL_WORKERS", "1")
    load_calls(generated, "calls.txt", shared=True)
    assert helped == []


def test_only_large_files_get_a_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below HELPER_MIN_LINES lines, or with one process asked for, the menu reads alone."""
    monkeypatch.setenv("TELBILL_WORKERS", "2")
    assert telbill.files.helper.helper_wanted(telbill.files.helper.HELPER_MIN_LINES)
    assert not telbill.files.helper.helper_wanted(telbill.files.helper.HELPER_MIN_LINES - 1)
    monkeypatch.setenv("TELBILL_WORKERS", "1")
    assert not telbill.files.helper.helper_wanted(10 * telbill.files.helper.HELPER_MIN_LINES)


def test_the_menu_reads_its_calls_shared(tmp_path: Path, helped: list[int]) -> None:
    """The menu's reading of calls.txt (held.read_calls) uses the helper."""
    from telbill.rules.tariff import DEFAULT_TARIFF
    from telbill.session.held import read_calls

    (tmp_path / "calls.txt").write_text("\n".join(["83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00"] * 500))
    held, _ = read_calls(tmp_path / "calls.txt", {"83470000"}, DEFAULT_TARIFF)
    assert len(held.calls) == 500 and len(helped) == 1


def test_chunks_made_larger_for_a_long_file_are_the_helpers_too(generated: list[str], helped: list[int],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of more than MAX_CHUNKS chunks of CHUNK lines: the helper reads the same larger chunks."""
    monkeypatch.setattr(telbill.files.helper, "MAX_CHUNKS", 4)  # 6,000 lines: 4 chunks of 1,536 lines, not 300
    real_read = telbill.files.helper.SharedReading._read

    def read(self: telbill.files.helper.SharedReading, number: int) -> telbill.files.helper.Chunk:
        if number == 0:  # meanwhile the helper takes the other chunks, however slowly it starts
            untaken(self.tickets)
        return real_read(self, number)

    monkeypatch.setattr(telbill.files.helper.SharedReading, "_read", read)
    theirs: list[int] = []
    real_chunk = telbill.files.helper.Helper.chunk

    def chunk(self: telbill.files.helper.Helper, number: int) -> telbill.files.helper.Chunk:
        got = real_chunk(self, number)
        theirs.append(number)
        return got

    monkeypatch.setattr(telbill.files.helper.Helper, "chunk", chunk)
    shared = view(load_calls(generated, "calls.txt", shared=True))
    assert theirs == [1, 2, 3]
    assert shared == view(load_calls(generated, "calls.txt"))


FORK_INTERRUPTED = """
import os, signal
import telbill.files.helper
from telbill.files.loader import load_calls

telbill.files.helper.HELPER_MIN_LINES, telbill.files.helper.CHUNK = 1, 128
os.environ["TELBILL_WORKERS"] = "2"
fork = os.fork

def fork_then_ctrl_c():
    pid = fork()
    if pid == 0:  # Ctrl-C reaches the helper the moment it is born
        os.kill(os.getpid(), signal.SIGINT)
    return pid

os.fork = fork_then_ctrl_c
menu = os.getpid()
try:
    loaded = load_calls(["83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00"] * 1000, "calls.txt",
                        shared=True)
    print("loaded", len(loaded.calls), flush=True)
except KeyboardInterrupt:
    print("interrupted in the", "menu" if os.getpid() == menu else "helper", flush=True)
"""


def test_ctrl_c_as_the_helper_is_forked_stays_with_the_menu() -> None:
    """Ctrl-C that reaches the helper before it ignores Ctrl-C: it never runs on as a second menu."""
    proc = subprocess.run([sys.executable, "-c", FORK_INTERRUPTED], capture_output=True, text=True, timeout=60,
                          check=False)
    assert (proc.stdout, proc.returncode) == ("loaded 1000\n", 0)



def test_ctrl_c_taken_by_another_thread_as_the_helper_is_forked_stops_it(
        generated: list[str], helped: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C taken by another thread of this process (a progress bar's) the moment the helper
    is forked: blocking it in this thread does not hold it back, and it used to raise between the
    fork and the helper's id being kept, leaving the helper unreaped. The load stops, the helper
    is reaped."""
    fork = os.fork
    forked: list[int] = []
    other_ready, other_done = threading.Event(), threading.Event()
    other = threading.Thread(target=lambda: (other_ready.set(), other_done.wait(10)))
    other.start()
    other_ready.wait()

    woken, wake = os.pipe()
    os.set_blocking(wake, False)

    def fork_then_ctrl_c_in_the_other_thread() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
            signal.pthread_kill(other.ident or 0, signal.SIGINT)
            # Once the other thread's handler has run (it writes to the wake-up pipe), this one
            # raises at its next step. A fixed 0.05 s let a busy host run it after the load had
            # ended: the Ctrl-C then stopped the test session itself.
            assert select.select([woken], [], [], 60)[0], "the other thread never took the Ctrl-C"
        return pid

    monkeypatch.setattr(os, "fork", fork_then_ctrl_c_in_the_other_thread)
    before = signal.set_wakeup_fd(wake)
    try:
        with pytest.raises(KeyboardInterrupt) as stopped:
            load_calls(generated, "calls.txt", shared=True)
        assert type(stopped.value) is KeyboardInterrupt  # not "after the outputs were written"
    finally:
        signal.set_wakeup_fd(before)
        os.close(woken)
        os.close(wake)
        other_done.set()
        other.join()
    assert len(forked) == 1 and gone(forked[0])

def test_ctrl_c_here_as_the_helper_is_forked_stops_it(generated: list[str], helped: list[int],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C reaching this process the moment the helper is forked: the load stops, the helper is
    reaped. It is sent to this thread (which holds it back until the helper's id is kept), as to
    a menu of one thread (another thread's Ctrl-C is the test above)."""
    forked = ctrl_c_after_each_fork(monkeypatch)
    with pytest.raises(KeyboardInterrupt) as stopped:
        load_calls(generated, "calls.txt", shared=True)
    assert type(stopped.value) is KeyboardInterrupt  # not "after the outputs were written"
    assert len(forked) == 1 and gone(forked[0])
