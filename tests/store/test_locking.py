"""Two telbill processes saving at the same moment take turns (SPEC §7, issue 6)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from telbill.errors import ConflictError
from telbill.files import access

from command import run
from smalldata import open_session


def test_a_save_waits_for_the_lock_held_by_another_writer(workdir: Path) -> None:
    """While another writer holds users.txt's lock, a save does not touch the file."""
    session = open_session()
    before = Path("data/users.txt").read_bytes()
    done = threading.Event()

    def save() -> None:
        session.add_user("83479000", "Lock Test", 2500, 600)
        done.set()

    with access.locked([Path("data/users.txt")]):
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
    session = open_session()
    Path("data/users.txt").write_text(Path("data/users.txt").read_text("utf-8") + "# edited elsewhere\n", "utf-8")
    with pytest.raises(ConflictError):
        session.add_user("83479001", "First Try", 0, 0)
    session.add_user("83479001", "Second Try", 0, 0)
    text = Path("data/users.txt").read_text("utf-8")
    assert "# edited elsewhere" in text and "Second Try" in text and "First Try" not in text


def test_a_batch_run_reads_the_data_files_between_menu_saves(workdir: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """While a menu save holds calls.txt's lock, ``telbill bill`` waits before reading; once the
    lock is let go it reads and bills, and a save can go on as soon as the run has read."""
    from telbill.cli import main

    session = open_session()
    session.add_user("83479002", "Before Run", 0, 0)  # a save: the lock files now exist
    codes: list[int] = []
    with access.locked([Path("data/calls.txt")]):
        run = threading.Thread(target=lambda: codes.append(main(["bill", "--out", "output/b.txt",
                                                                 "--anomalies", "output/a.txt"])))
        run.start()
        time.sleep(0.5)
        assert not codes and not Path("output/b.txt").exists()
    run.join(timeout=30)
    assert codes == [0]
    assert "83479002" in Path("output/b.txt").read_text("utf-8")
    with access.locked([Path("data/users.txt"), Path("data/calls.txt")]):
        pass  # the run let its shared locks go


def test_a_batch_run_creates_no_lock_file_and_ignores_a_planted_fifo(data: Path) -> None:
    """``telbill bill`` leaves nothing beside the data files (no lock file where none was), and a
    FIFO planted as a lock file does not hold it up."""
    import os


    os.mkfifo(data / "data/.calls.txt.lock")
    before = sorted(p.name for p in (data / "data").iterdir())
    assert run("bill", "--out", "b.txt", "--anomalies", "a.txt").code == 0
    assert sorted(p.name for p in (data / "data").iterdir()) == before
    assert (data / "b.txt").exists()


@pytest.fixture()
def linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``data/users.txt`` and ``data/calls.txt`` are links into ``real/``."""
    from smalldata import write_data

    write_data(tmp_path)
    (tmp_path / "real").mkdir()
    for name in ("users.txt", "calls.txt"):
        (tmp_path / "data" / name).rename(tmp_path / "real" / name)
        (tmp_path / "data" / name).symlink_to(Path("../real") / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_data_file_named_by_a_link_shares_its_lock_and_stays_a_link(linked: Path) -> None:
    """Saved through a link: the link stays, the file it names changes, and a lock taken by the
    file's own name makes the save wait (one lock per file, whatever it is called)."""
    session = open_session()
    done = threading.Event()

    def save() -> None:
        session.add_user("83479000", "Lock Test", 2500, 600)
        done.set()

    with access.locked([Path("real/users.txt")]):
        worker = threading.Thread(target=save)
        worker.start()
        time.sleep(0.2)
        assert not done.is_set()
    worker.join(timeout=5)
    assert done.is_set()
    session.modify_user("83479000", name="Renamed")
    assert Path("data/users.txt").is_symlink()
    assert "83479000  Renamed  25.00  6.00" in Path("real/users.txt").read_text("utf-8")
    assert sorted(p.name for p in Path("real").glob(".*")) == [".users.txt.lock"]
    assert sorted(p.name for p in Path("data").glob(".*")) == []


def test_the_lock_beside_the_file_a_link_names_is_never_an_output(linked: Path) -> None:
    """``--out real/.users.txt.lock`` with ``data/users.txt`` a link to ``real/users.txt``: refused,
    ``--force`` or not, so the lock file two writers take turns on is never replaced."""

    with access.locked([Path("data/users.txt")]):
        pass
    for target in ("real/.users.txt.lock", "real/.calls.txt.journal"):
        code, _, err = run("bill", "--out", target, "--force")
        assert code == 2
        assert err.strip() == f"error: {target} is an input file; refusing to overwrite it"


def test_a_link_planted_where_the_journal_goes_is_never_followed(linked: Path) -> None:
    """A link put at ``.users.txt.journal`` just before a save writes its journal: the save is
    refused, the file the link names is untouched, and nothing changed."""
    from telbill.errors import OutputError
    from telbill.store import keeper

    victim = linked / "victim.txt"
    victim.write_text("precious\n", "utf-8")
    session = open_session()
    before = Path("real/users.txt").read_bytes()

    def plant(step: str) -> None:
        if step == "prepared":
            Path("real/.users.txt.journal").symlink_to(victim)

    keeper.STEP_HOOK = plant
    try:
        with pytest.raises(OutputError) as info:
            session.modify_user("83470000", name="Renamed")
    finally:
        keeper.STEP_HOOK = None
    assert info.value.key == "output.unwritable" and "File exists" in str(info.value)
    assert victim.read_text("utf-8") == "precious\n" and Path("real/users.txt").read_bytes() == before
    assert not Path("output/audit.log").exists()
