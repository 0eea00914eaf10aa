"""A program appending to a data file while the menu runs loses nothing (issue 18, item 9; SPEC §7).

A switch or mediation process that keeps calls.txt open with ``O_APPEND`` writes into the old
file once a save has replaced it. The session keeps each replaced file open and looks at it
before every item: what was written there is added to the new file (audit action
``found-line``) and the operator is told. An appender that takes the documented ``flock`` on the
data file before each write (and checks, once it has it, that the name still names its file)
never meets a replaced file: a save waits for its lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest

from telbill.errors import ConflictError, OutputError
from telbill.files import access

from on_disk import audit, calls_file
from smalldata import CALLS, open_session

LATE = "83470002  110  2021-03-01 10:00:00  2021-03-01 10:01:00"


def test_lines_written_into_a_replaced_file_are_added_at_the_next_item(data: Path) -> None:
    """An appender keeps calls.txt open; a delete replaces the file; what the appender writes next
    lands in the old file: before the next item it is added to calls.txt, logged, held, and said."""
    s = open_session()
    fd = os.open("data/calls.txt", os.O_WRONLY | os.O_APPEND)
    try:
        gone = s.calls_of("83470000").head
        assert gone is not None
        s.delete_call(gone.item)
        after_delete, held, records = calls_file(), len(s.calls), s.records
        os.write(fd, (LATE + "\n").encode())
        assert calls_file() == after_delete  # the line went into the replaced file
        assert s.refresh() == []
    finally:
        os.close(fd)
    assert calls_file() == after_delete + LATE + "\n"
    assert audit()[-1][2:] == ["found-line", "before: -", f"after: {LATE}"]
    assert (len(s.calls), s.records) == (held + 1, records + 1)  # held as a load would read it
    assert [str(n) for n in s.notices] == [
        ("1 line(s) that another program wrote into data/calls.txt after telbill had replaced it were added at its "
         f"end (audit action found-line): {LATE}")]
    assert s.refresh() == [] and calls_file().count(LATE) == 1  # taken once


def test_a_last_line_still_being_written_waits_and_is_kept_at_the_end(data: Path) -> None:
    """Half a line in the replaced file waits for its line end; when the menu ends it is added as it is."""
    s = open_session()
    fd = os.open("data/calls.txt", os.O_WRONLY | os.O_APPEND)
    try:
        s.modify_user("83470002", name="Li Ma")
        s.delete_call(s.calls_of("83470000").head.item)  # type: ignore[union-attr]
        before = calls_file()
        os.write(fd, LATE[:20].encode())
        s.refresh()
        assert calls_file() == before  # not a whole line yet
        os.write(fd, LATE[20:].encode())
        s.close()
    finally:
        os.close(fd)
    assert calls_file() == before + LATE + "\n"


def test_a_save_waits_for_an_appender_holding_the_documented_lock(data: Path) -> None:
    """An appender holding ``flock`` on calls.txt while it writes a line: a save waits until it lets go,
    then finds the file changed (the line is kept) and asks for the change again, which then goes
    through."""
    s = open_session()
    held = threading.Event()
    timeline: list[str] = []

    def appender() -> None:
        fd = os.open("data/calls.txt", os.O_WRONLY | os.O_APPEND)
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.set()
        time.sleep(0.4)
        os.write(fd, (LATE + "\n").encode())
        timeline.append("appended")
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    worker = threading.Thread(target=appender)
    worker.start()
    held.wait()
    with pytest.raises(ConflictError) as info:
        s.add_call("83470001", "110", 63745000000, 63745000060)
    timeline.append("refused")
    worker.join()
    assert timeline == ["appended", "refused"]
    assert str(info.value) == ("data/calls.txt changed on disk since it was loaded; it was not overwritten. "
                               "Reloaded it: please redo the change.")
    assert calls_file() == CALLS + LATE + "\n"
    s.add_call("83470001", "110", 63745000000, 63745000060)
    assert calls_file().startswith(CALLS + LATE + "\n") and audit()[-1][2] == "add-call"


def test_a_save_gives_up_on_a_lock_held_too_long(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An appender that keeps its lock longer than a save waits: the save is refused with the reason,
    nothing changed."""
    monkeypatch.setattr(access, "APPENDER_WAIT", 0.2)
    s = open_session()
    fd = os.open("data/calls.txt", os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(OutputError) as info:
            s.delete_call(s.calls_of("83470000").head.item)  # type: ignore[union-attr]
    finally:
        os.close(fd)
    assert str(info.value) == (f"another program holds a lock (flock) on {data}/data/calls.txt and did not let it go "
                               "within 0.2 s: nothing was changed; try again")
    assert calls_file() == CALLS and not Path("output/audit.log").exists()


def test_back_up_now_waits_for_an_appender_and_never_copies_half_a_line(data: Path) -> None:
    """An appender holding ``flock`` on calls.txt has written half a line when *Back up now* begins:
    the backup waits until it lets go, so its copy of calls.txt ends with the whole line (it copied
    the half line at once)."""
    s = open_session()
    half = threading.Event()

    def appender() -> None:
        fd = os.open("data/calls.txt", os.O_WRONLY | os.O_APPEND)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, LATE[:20].encode())
        half.set()
        time.sleep(0.4)
        os.write(fd, (LATE[20:] + "\n").encode())
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    worker = threading.Thread(target=appender)
    worker.start()
    half.wait()
    changes = s.backup_now()
    worker.join()
    copy = next(Path(c.after) for c in changes if Path(c.after).name.startswith("calls.txt."))
    assert copy.read_text("utf-8") == CALLS + LATE + "\n"
