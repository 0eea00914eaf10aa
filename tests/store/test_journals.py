"""Journals are checked before they are used, name their files relative to the data folder, and
never stop work (issue 18, items 7-8 and two of the mutation test's gaps; SPEC §7)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from telbill.files.dataset import DataPaths
from telbill.session.facade import Session
from telbill.store import keeper

from command import run
from faults import killed_at, ours
from on_disk import actions
from smalldata import CALLS, USERS, open_session, write_data


def rename(s: Session) -> object:
    return s.modify_user("83470002", name="Li Ma")


def add(s: Session) -> object:
    return s.add_call("83470002", "110", 63745000000, 63745000060)


RENAMED = USERS.replace("83470002\tLi Na\t18.00\t0", "83470002  Li Ma  18.00  0.00")


# -- 7. a journal with bad fields ----------------------------------------------------------------


@pytest.mark.parametrize(("spoil", "field"), [
    (lambda j: j["files"][0].update(offset="5"), "files.0.offset"),
    (lambda j: j["files"][0].update(data="zz"), "files.0.data"),
    (lambda j: j["files"][0].update(how="explode"), "files.0.how"),
    (lambda j: j["files"][0].update(path=None), "files.0.path"),
    (lambda j: j.update(audit_offset=-1), "audit_offset"),
    (lambda j: j.update(audit_text="not an audit line\n"), "audit_text"),
    (lambda j: j.update(files=[]), "files"),
    (lambda j: j.update(version=True), "version"),
    (lambda j: j.update(records=[["backup/x.undo"]]), "records.0"),
], ids=["offset-text", "data-not-hex", "how", "path-null", "offset-negative", "audit-text", "no-files",
        "version-bool", "record-pair"])
def test_a_journal_with_bad_fields_is_moved_aside_and_work_goes_on(data: Path, spoil: Callable[[dict], None],
                                                                   field: str) -> None:
    """A journal that is JSON but not as telbill writes it (a number as text, bytes that are not hex…):
    the menu and ``telbill bill`` start, say which field is wrong and where the journal went; the
    files are as that save left them, and the next save works (it used to be an internal error,
    exit 2, at every start)."""
    killed_at("journal", add)  # a journal, nothing changed yet
    journal = data / "data/.calls.txt.journal"
    body = json.loads(journal.read_text("ascii"))
    spoil(body)
    journal.write_text(json.dumps(body), "ascii")
    code, _, err = run("bill")
    assert code == 0
    told = (f"{journal}: the journal of a save cut short is not as telbill writes it (field {field}); it was moved "
            f"aside as {journal}.bad and not used: the files are as that save left them")
    assert err.splitlines()[0] == told
    assert not journal.exists() and (data / "data/.calls.txt.journal.bad").is_file()
    s = open_session()
    assert [str(n) for n in s.notices] == []  # moved aside once, told once
    add(s)
    assert actions() == ["add-call"] and (data / "data/users.txt").read_text("utf-8") == USERS


def test_the_menu_tells_a_bad_journal_once_and_saves(data: Path) -> None:
    """The same in the menu: the notice at its start, then a save goes through."""
    killed_at("journal", add)
    journal = data / "data/.calls.txt.journal"
    body = json.loads(journal.read_text("ascii"))
    body["files"][0]["offset"] = "5"
    journal.write_text(json.dumps(body), "ascii")
    s = open_session()
    assert [str(n) for n in s.notices] == [
        f"{journal}: the journal of a save cut short is not as telbill writes it (field files.0.offset); it was "
        f"moved aside as {journal}.bad and not used: the files are as that save left them"]
    add(s)
    assert actions() == ["add-call"]


def test_what_a_journal_moved_aside_names_is_not_removed(data: Path) -> None:
    """A replace killed after its journal and link; its journal spoiled: moved aside, and the new file
    and the link to the replaced one it names stay (nothing a journal still names is removed)."""
    killed_at("linked", rename)
    journal = data / "data/.users.txt.journal"
    named = sorted(p.name for p in (data / "data").glob(".users.txt.*") if p.suffix in (".tmp", ".old"))
    assert len(named) == 2
    body = json.loads(journal.read_text("ascii"))
    body["audit_offset"] = "0"
    journal.write_text(json.dumps(body), "ascii")
    s = open_session()
    assert "field audit_offset" in str(s.notices[0])
    assert sorted(p.name for p in (data / "data").glob(".users.txt.*") if p.suffix in (".tmp", ".old")) == named
    rename(s)
    assert (data / "data/users.txt").read_text("utf-8") == RENAMED


# -- 8. a data folder moved after a crash ----------------------------------------------------------


@pytest.mark.parametrize(("step", "made"), [("linked", False), ("applied:users", False), ("logged", True)])
def test_a_save_cut_short_is_recovered_after_the_folder_was_moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  step: str, made: bool) -> None:
    """Killed mid-save, then the whole folder moved elsewhere: the next start there finishes or takes
    back the save as it would have in the old place (the journal names its files relative to the
    data folder), the audit log agrees, nothing of ours is left, and saves and bills work (the
    journal used to be left alone and block every save of calls.txt for ever)."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    write_data(old)
    monkeypatch.chdir(old)
    killed_at(step, rename)
    monkeypatch.chdir(tmp_path)
    old.rename(new)
    monkeypatch.chdir(new)
    s = open_session()
    told = [str(n) for n in s.notices]
    assert len(told) == 1
    if made:
        assert told[0].startswith("A save cut short (the program was stopped) has been completed: modify-user ")
        assert Path("data/users.txt").read_text("utf-8") == RENAMED and actions() == ["modify-user"]
    else:
        assert told[0].startswith("A save cut short (the program was stopped) was not made; ")
        assert Path("data/users.txt").read_text("utf-8") == USERS and actions() == []
    assert ours(new) == []
    add(s)
    assert run("bill").code == 0
    assert Path("data/calls.txt").read_text("utf-8").startswith(CALLS)


def test_a_journal_naming_files_not_kept_here_never_blocks_saves(data: Path) -> None:
    """A journal beside users.txt left by a menu run on another pair of files (users.txt with
    other.txt): moved aside and named; saves of users.txt work."""
    Path("data/other.txt").write_text(CALLS, "utf-8")
    pid = os.fork()
    if pid == 0:
        try:
            s = Session(DataPaths(Path("data/users.txt"), Path("data/other.txt")),
                        audit_log=Path("output/audit.log"), operator="tester")
            keeper.STEP_HOOK = lambda at: os.kill(os.getpid(), signal.SIGKILL) if at == "journal" else None
            s.delete_user("83470000", with_calls=True)
        finally:
            os._exit(3)
    os.waitpid(pid, 0)
    s = open_session()
    journal = data / "data/.users.txt.journal"
    assert [str(n) for n in s.notices][0] == (
        f"{journal}: a journal that names files telbill does not keep here was moved aside as {journal}.bad and not "
        "used (nothing it names was removed)")
    rename(s)
    assert Path("data/users.txt").read_text("utf-8") == RENAMED


# -- the mutation test's gaps: fsync, a journal cut short ----------------------------------------


@pytest.mark.parametrize("change", [rename, add], ids=["replace", "append"])
def test_the_journal_and_its_folder_are_fsynced_before_the_first_change(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        change: Callable[[Session], object]) -> None:
    """The journal file, then its folder, are fsynced before any data file is renamed over or
    appended to: after a power cut the journal is there for every change that may have begun."""
    s = open_session()
    events: list[tuple[str, str]] = []
    real = {name: getattr(os, name) for name in ("fsync", "write", "replace", "rename")}

    def where(fd: int) -> str:
        return os.readlink(f"/proc/self/fd/{fd}")

    def fsync(fd: int) -> None:
        events.append(("fsync", where(fd)))
        real["fsync"](fd)

    def write(fd: int, data: bytes) -> int:
        events.append(("write", where(fd)))
        return int(real["write"](fd, data))

    def moved(name: str) -> Callable[..., None]:
        def move(src: object, dst: object, *args: object, **kwargs: object) -> None:
            events.append((name, os.path.abspath(str(dst))))
            real[name](src, dst, *args, **kwargs)
        return move

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "replace", moved("replace"))
    monkeypatch.setattr(os, "rename", moved("rename"))
    change(s)
    folder = str(data / "data")
    targets = {str(data / "data/users.txt"), str(data / "data/calls.txt")}
    first_change = next(i for i, (op, path) in enumerate(events) if op != "fsync" and path in targets)
    journal = next(i for i, (op, path) in enumerate(events) if op == "fsync" and path.endswith(".journal"))
    synced = next(i for i, (op, path) in enumerate(events) if op == "fsync" and path == folder and i > journal)
    assert journal < synced < first_change


def test_a_journal_cut_short_at_start_is_removed_with_a_notice(data: Path) -> None:
    """A journal that is not even JSON (cut short while it was written: nothing had been touched):
    the start says it was removed, it is gone, and the next save works."""
    killed_at("journal", add)
    journal = data / "data/.calls.txt.journal"
    text = journal.read_text("ascii")
    journal.write_text(text[: len(text) // 2], "ascii")
    s = open_session()
    assert [str(n) for n in s.notices] == [
        f"{journal}: the journal of a save stopped before it changed anything was removed."]
    assert not journal.exists() and not list((data / "data").glob(".calls.txt.journal*"))
    add(s)
    assert actions() == ["add-call"] and Path("data/calls.txt").read_text("utf-8").startswith(CALLS)


def test_a_journal_nested_deeper_than_python_reads_is_moved_aside(data: Path) -> None:
    """A journal of a million nested lists: moved aside and named, never an internal error."""
    journal = data / "data/.users.txt.journal"
    journal.write_text("[" * 1_000_000 + "]" * 1_000_000, "ascii")
    s = open_session()
    assert [str(n) for n in s.notices] == [
        f"{journal}: the journal of a save cut short is not as telbill writes it (field (nesting)); it was moved "
        f"aside as {journal}.bad and not used: the files are as that save left them"]
    rename(s)
