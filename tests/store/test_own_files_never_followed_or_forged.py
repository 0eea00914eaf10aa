"""telbill's own files are never followed or forged (issue 18, items 1-3 and 11; SPEC §7).

The audit log, the locks, the undo records and full copies are opened without following a
link and must be regular files of the user running telbill; an undo record is read field by
field and one that fails is moved aside and named. Each attack is made as an unprivileged user
(``nobody`` when the suite runs as root) in a temporary folder of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from pathlib import Path

import pytest

from telbill.errors import InputFileError, NotFoundError, OutputError
from telbill.session.facade import Session

from command import run
from smalldata import CALLS, USERS, open_session, write_data
from unprivileged import IS_ROOT, NOBODY, scratch, unprivileged


def text(path: str | Path) -> str:
    return Path(path).read_text("utf-8")


def linked_audit_log(folder: Path) -> Session:
    """In ``folder`` (made the current one): the data files, ``victim.txt``, and output/audit.log a link
    to it; the session on them."""
    os.chdir(folder)
    write_data(folder)
    Path("victim.txt").write_text("precious\n", "utf-8")
    Path("output").mkdir()
    Path("output/audit.log").symlink_to(folder / "victim.txt")
    return open_session()


LINKED_AUDIT = ("output/audit.log is a symbolic link: telbill never opens its own files (audit log, lock, journal, "
                "backup) through a link, so it was not used")


# -- 1. the audit log ------------------------------------------------------------------------


def test_an_audit_log_that_is_a_link_is_never_followed() -> None:
    """output/audit.log a link to another file: a delete is refused with the reason, the file the link
    names is untouched, and the data files are as they were."""
    with scratch() as folder:
        def attack() -> tuple[str, str, str, str]:
            s = linked_audit_log(folder)
            with pytest.raises(OutputError) as info:
                s.delete_user("83470002")
            return str(info.value), text("victim.txt"), text("data/users.txt"), text("data/calls.txt")

        error, victim, users, calls = unprivileged(attack)
    assert error == LINKED_AUDIT
    assert (victim, users, calls) == ("precious\n", USERS, CALLS)


@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to another user")
def test_an_audit_log_of_another_user_is_not_written_by_root(data: Path) -> None:
    """Run as root, an audit log owned by another user (planted where root will save) is refused."""
    (data / "output").mkdir()
    (data / "output/audit.log").write_text("theirs\n", "utf-8")
    os.chown(data / "output/audit.log", NOBODY.pw_uid, NOBODY.pw_gid)
    s = open_session()
    with pytest.raises(OutputError) as info:
        s.add_user("83470099", "New One", 0, 0)
    assert str(info.value) == (f"output/audit.log belongs to another user (uid {NOBODY.pw_uid}): telbill uses only "
                               "its own files there, so it was not used")
    assert text(data / "output/audit.log") == "theirs\n" and text(data / "data/users.txt") == USERS


# -- 2. the locks ----------------------------------------------------------------------------


def test_a_lock_file_that_is_a_link_is_never_followed() -> None:
    """data/.calls.txt.lock a link to a file not there yet: a save is refused and the file the link
    names is never made."""
    with scratch() as folder:
        def attack() -> tuple[str, bool, str]:
            os.chdir(folder)
            write_data(folder)
            Path("elsewhere").mkdir()
            Path("data/.calls.txt.lock").symlink_to(folder / "elsewhere/new")
            s = open_session()
            with pytest.raises(OutputError) as info:
                s.add_call("83470002", "110", 63745000000, 63745000060)
            return str(info.value), Path("elsewhere/new").exists(), text("data/calls.txt")

        error, made, calls = unprivileged(attack)
    assert error == (f"{folder}/data/.calls.txt.lock is a symbolic link: telbill never opens its own files "
                     "(audit log, lock, journal, backup) through a link, so it was not used")
    assert not made and calls == CALLS


def test_an_audit_log_lock_that_is_a_link_is_never_followed() -> None:
    """output/.audit.log.lock (held while the log is made) a link to a file not there yet: the
    change that would make the log is refused, the file the link names is never made, and a
    start does not remove what a killed save left beside the log through that lock."""
    with scratch() as folder:
        def attack() -> tuple[str, bool, str, bool]:
            os.chdir(folder)
            write_data(folder)
            Path("elsewhere").mkdir()
            Path("output").mkdir()
            Path("output/.audit.log.lock").symlink_to(folder / "elsewhere/new")
            Path("output/.audit.log.abcdefgh.tmp").write_text("left\n", "utf-8")
            s = open_session()
            with pytest.raises(OutputError) as info:
                s.add_call("83470002", "110", 63745000000, 63745000060)
            return (str(info.value), Path("elsewhere/new").exists(), text("data/calls.txt"),
                    Path("output/.audit.log.abcdefgh.tmp").exists())

        error, made, calls, left = unprivileged(attack)
    assert error == ("output/.audit.log.lock is a symbolic link: telbill never opens its own files "
                     "(audit log, lock, journal, backup) through a link, so it was not used")
    assert not made and calls == CALLS and left


# -- 3. undo records and full copies -----------------------------------------------------------

STAMP = "20991231-235959-000009"


def forged_record(undo: dict[str, object], *, after_size: int | None = None) -> dict[str, object]:
    """An undo record of calls.txt whose "after" is calls.txt as it is now (so it looks usable)."""
    data = Path("data/calls.txt").read_bytes()
    return {
        "version": 1, "tx": "forged", "stamp": STAMP, "seq": 99,
        "audit": ["2099-12-31T23:59:59\ttester\tadd-call\tbefore: -\tafter: 83470002  110  x"],
        "files": {"calls": {"name": "calls.txt", "before": {"sha256": "0" * 64, "size": 1, "end": True},
                            "after": {"sha256": hashlib.sha256(data).hexdigest(),
                                      "size": len(data) if after_size is None else after_size, "end": True},
                            "undo": undo}},
    }


def plant(record: dict[str, object]) -> Path:
    Path("data/backup").mkdir(exist_ok=True)
    path = Path(f"data/backup/calls.txt.{STAMP}.undo")
    path.write_text(json.dumps(record), "ascii")
    return path


@pytest.mark.parametrize(("undo", "field"), [
    ({"copy": "SECRET"}, "files.calls.undo.copy"),
    ({"copy": "../../secret.txt"}, "files.calls.undo.copy"),
    ({"truncate": -5}, "files.calls.undo.truncate"),
    ({"truncate": "5"}, "files.calls.undo.truncate"),
    ({"edit": {"replace": [[999999, "x"]]}}, "files.calls.undo.edit"),
    ({"edit": {"delete": [0]}}, "files.calls.undo.edit.delete.0"),
    ({"edit": {"insert": [[1, "two\nlines"]]}}, "files.calls.undo.edit.insert.0"),
    ({"copy": "calls.txt.x", "edit": {}}, "files.calls.undo"),
], ids=["absolute-copy", "dotdot-copy", "negative-truncate", "text-truncate", "line-out-of-range", "line-zero",
        "line-end-in-text", "two-ways"])
def test_a_forged_undo_record_is_moved_aside_and_named(undo: dict[str, object], field: str) -> None:
    """An undo record that names calls.txt as it is now but is not as telbill writes it (a copy from
    outside the backup folder, a size or a line number out of range): undo says there is nothing
    to undo, calls.txt is untouched, the record is moved aside, and the operator is told which
    field failed. Nothing is left behind (no internal error, no temporary file)."""
    with scratch() as folder:
        def attack() -> tuple[str, str, list[str], str, list[str]]:
            os.chdir(folder)
            write_data(folder)
            Path("secret.txt").write_text("the secret\n", "utf-8")
            if undo.get("copy") == "SECRET":
                undo["copy"] = str(folder / "secret.txt")
            path = plant(forged_record(undo))
            s = open_session()
            with pytest.raises(NotFoundError) as info:
                s.undo()
            told = [str(n) for n in s.notices]
            leftovers = sorted(p.name for p in Path("data").rglob("*") if p.name.endswith((".tmp", ".old")))
            return str(info.value), text("data/calls.txt"), told, str(path), leftovers

        error, calls, told, path, leftovers = unprivileged(attack)
    assert error == "there is no change to undo"
    assert calls == CALLS and leftovers == []
    assert told == [(f"{path}: not an undo record as telbill writes it (field {field}); moved aside as {path}.bad "
                     "and not used")]


def test_a_record_moved_aside_is_no_longer_listed_and_the_others_still_work(data: Path) -> None:
    """A real change after a forged record: the forged one is moved aside, the real one is undone."""
    s = open_session()
    s.add_user("83470099", "New One", 0, 0)
    forged = forged_record({"copy": "calls.txt.x"})
    forged["seq"] = 0
    plant(forged)  # "calls.txt.x" is not a name of a full copy
    changes = s.undo()
    assert [c.action for c in changes] == ["undo"] and text("data/users.txt") == USERS
    assert (data / f"data/backup/calls.txt.{STAMP}.undo.bad").is_file()


def test_a_link_named_like_a_full_copy_is_never_listed_nor_restored() -> None:
    """data/backup/calls.txt.STAMP a link to a file outside: it is not a backup (not listed, so it
    cannot be restored), and the operator is told it was not used."""
    with scratch() as folder:
        def attack() -> tuple[list[str], list[str], str]:
            os.chdir(folder)
            write_data(folder)
            Path("secret.txt").write_text("83470000  00000  2021-01-01 00:00:00  2021-01-01 00:00:01\n", "utf-8")
            Path("data/backup").mkdir()
            Path(f"data/backup/calls.txt.{STAMP}").symlink_to(folder / "secret.txt")
            s = open_session()
            listed = [b.path.name for b in s.list_backups()]
            return listed, [str(n) for n in s.notices], text("data/calls.txt")

        listed, told, calls = unprivileged(attack)
    assert listed == [] and calls == CALLS
    path = f"data/backup/calls.txt.{STAMP}"
    assert told == [(f"{path} in the backup folder was not used: {path} is a symbolic link: telbill never opens its "
                     "own files (audit log, lock, journal, backup) through a link, so it was not used")]


# -- 11. a refused backup leaves nothing; a new audit log is never left empty ---------------------


def test_a_refused_back_up_now_leaves_no_copies() -> None:
    """*Back up now* with an audit log that is a link: refused with the reason, and no full copy is
    left in data/backup."""
    with scratch() as folder:
        def attack() -> tuple[str, list[str]]:
            s = linked_audit_log(folder)
            with pytest.raises(OutputError) as info:
                s.backup_now()
            backup = Path("data/backup")
            return str(info.value), sorted(os.listdir(backup)) if backup.exists() else []

        error, copies = unprivileged(attack)
    assert error == LINKED_AUDIT and copies == []


def test_a_kill_while_the_first_audit_line_is_written_leaves_no_empty_log() -> None:
    """The first change of a new audit log, killed while its lines are written: the next start takes
    the change back and there is no audit log at all (not an empty one), nor a temporary file (only
    the log's own lock, which stays, as the data files' do)."""
    with scratch() as folder:
        def attack() -> tuple[list[str], list[str], str]:
            os.chdir(folder)
            write_data(folder)
            Path("output").mkdir()
            pid = os.fork()
            if pid == 0:
                s = open_session()
                real = os.write

                def write(fd: int, data: bytes) -> int:
                    if "/output/" in os.readlink(f"/proc/self/fd/{fd}"):
                        os.kill(os.getpid(), signal.SIGKILL)
                    return real(fd, data)

                os.write = write  # type: ignore[assignment]
                s.add_user("83470099", "New One", 0, 0)
                os._exit(0)
            os.waitpid(pid, 0)
            after_kill = sorted(os.listdir("output"))
            s = open_session()
            return after_kill, sorted(os.listdir("output")), text("data/users.txt")

        after_kill, after_start, users = unprivileged(attack)
    assert "audit.log" not in after_kill
    assert after_start == [".audit.log.lock"] and users == USERS


# -- run as root: a link another user planted --------------------------------------------------


@pytest.mark.skipif(not IS_ROOT, reason="the rule is about root following another user's link")
def test_root_never_follows_a_link_another_user_made_to_what_they_do_not_own(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Run as root: data/users.txt a link owned by nobody to a file of root's is refused for reading
    (batch and menu) with the reason; the same link to a file of nobody's is followed; an output
    through a folder link of nobody's to root's folder is refused and nothing is written there."""
    monkeypatch.chdir(tmp_path)
    write_data(tmp_path)
    rootfile = tmp_path / "root-users.txt"
    rootfile.write_text(USERS, "utf-8")
    Path("data/users.txt").unlink()
    Path("data/users.txt").symlink_to(rootfile)
    os.lchown("data/users.txt", NOBODY.pw_uid, NOBODY.pw_gid)
    code, _out, err = run("bill")
    assert code == 2
    reason = (f"data/users.txt: {tmp_path}/data/users.txt is a link made by another user (uid {NOBODY.pw_uid}) "
              "to what they do not own; run as root, telbill does not follow it")
    assert err.splitlines() == [f"error: {reason}"]
    with pytest.raises(InputFileError) as info:
        open_session()
    assert str(info.value) == reason
    os.chown(rootfile, NOBODY.pw_uid, NOBODY.pw_gid)  # now the link's owner owns what it names
    assert run("bill").code == 0
    (tmp_path / "rootdir").mkdir()
    Path("out").symlink_to(tmp_path / "rootdir")
    os.lchown("out", NOBODY.pw_uid, NOBODY.pw_gid)
    code, _, err = run("bill", "--out", "out/bills.txt")
    assert code == 2
    assert err.splitlines() == [
        (f"error: out/bills.txt: {tmp_path}/out is a link made by another user (uid {NOBODY.pw_uid}) to what they do "
         "not own; run as root, telbill does not write through it")]
    assert os.listdir(tmp_path / "rootdir") == []


def test_an_audit_log_with_another_name_is_not_written() -> None:
    """output/audit.log a hard link to another file of the same user: a change is refused (telbill
    writes only own files with one name), the other file is untouched."""
    with scratch() as folder:
        def attack() -> tuple[str, str]:
            os.chdir(folder)
            write_data(folder)
            Path("victim.txt").write_text("precious\n", "utf-8")
            Path("output").mkdir()
            os.link("victim.txt", "output/audit.log")
            s = open_session()
            with pytest.raises(OutputError) as info:
                s.add_user("83470099", "New One", 0, 0)
            return str(info.value), text("victim.txt")

        error, victim = unprivileged(attack)
    assert error == ("output/audit.log has 2 names (hard links): telbill writes only files of its own that have one "
                     "name, so it was not used")
    assert victim == "precious\n"


@pytest.mark.skipif(not IS_ROOT, reason="the rule is about root following another user's link")
def test_root_never_writes_its_audit_log_or_backups_through_another_users_folder_link(
        data: Path, tmp_path: Path) -> None:
    """Run as root: output/ (or data/backup) a link made by nobody to a folder of root's: a change is
    refused, and nothing is written in that folder."""
    rootdir = tmp_path / "rootdir"
    rootdir.mkdir()
    Path("output").symlink_to(rootdir)
    os.lchown("output", NOBODY.pw_uid, NOBODY.pw_gid)
    s = open_session()
    with pytest.raises(OutputError) as info:
        s.add_user("83470099", "New One", 0, 0)
    assert str(info.value) == (f"output/audit.log: {data}/output is a link made by another user "
                               f"(uid {NOBODY.pw_uid}) to what they do not own; run as root, telbill does not write "
                               "through it")
    Path("output").unlink()
    Path("data/backup").symlink_to(rootdir)
    os.lchown("data/backup", NOBODY.pw_uid, NOBODY.pw_gid)
    with pytest.raises(OutputError) as info:
        s.add_user("83470099", "New One", 0, 0)
    assert str(info.value) == ("the backup folder data/backup cannot be written (Operation not permitted): changes to "
                               "data/users.txt cannot be saved (nothing was changed)")
    assert os.listdir(rootdir) == [] and text("data/users.txt") == USERS


def test_an_undo_record_nested_deeper_than_python_reads_is_moved_aside(data: Path) -> None:
    """An undo record of a million nested lists (json.loads would raise RecursionError): moved aside
    and named like any record that is not as telbill writes it, never an internal error."""
    Path("data/backup").mkdir()
    path = Path(f"data/backup/calls.txt.{STAMP}.undo")
    path.write_text("[" * 1_000_000 + "]" * 1_000_000, "ascii")
    s = open_session()
    assert s.last_change() is None
    assert [str(n) for n in s.notices] == [
        f"{path}: not an undo record as telbill writes it (field (nesting)); moved aside as {path}.bad and not used"]


def test_a_field_named_with_control_characters_is_shown_escaped(data: Path) -> None:
    """An undo record with an unknown key holding an escape sequence: the notice names it escaped."""
    forged = forged_record({"copy": "calls.txt.x"})
    forged["\x1b[2J"] = 1
    path = plant(forged)
    s = open_session()
    s.last_change()
    assert [str(n) for n in s.notices] == [
        f"{path}: not an undo record as telbill writes it (field \\x1b[2J); moved aside as {path}.bad and not used"]
