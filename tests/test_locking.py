"""Two telbill processes saving at the same moment take turns (SPEC §7, issue 6)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from telbill import storage
from telbill.dataset import DataPaths
from telbill.errors import ConflictError
from telbill.session import Session


def test_a_save_waits_for_the_lock_held_by_another_writer(workdir: Path) -> None:
    """While another writer holds users.txt's lock, a save does not touch the file."""
    session = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")),
                      audit_log=Path("output/audit.log"), operator="tester")
    before = Path("data/users.txt").read_bytes()
    done = threading.Event()

    def save() -> None:
        session.add_user("83479000", "Lock Test", 2500, 600)
        done.set()

    with storage.locked([Path("data/users.txt")]):
        worker = threading.Thread(target=save)
        worker.start()
        time.sleep(0.3)
        assert not done.is_set()
        assert Path("data/users.txt").read_bytes() == before
    worker.join(timeout=5)
    assert done.is_set()
    assert "83479000  Lock Test  25.00  6.00" in Path("data/users.txt").read_text("utf-8")


def test_locks_are_released_after_a_failed_save(workdir: Path) -> None:
    """A save that raises still releases its lock: the next save goes through."""
    session = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")),
                      audit_log=Path("output/audit.log"), operator="tester")
    Path("data/users.txt").write_text(Path("data/users.txt").read_text("utf-8") + "# edited elsewhere\n", "utf-8")
    with pytest.raises(ConflictError):
        session.add_user("83479001", "First Try", 0, 0)
    session.add_user("83479001", "Second Try", 0, 0)
    text = Path("data/users.txt").read_text("utf-8")
    assert "# edited elsewhere" in text and "Second Try" in text and "First Try" not in text
