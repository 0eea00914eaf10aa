"""A file telbill writes is replaced whole or not at all (SPEC §5, §7): a full disk, Ctrl-C or a
crash half way through, or a rename that fails, leaves the old file and no temporary one; the
batch's outputs are all new or all old, never a mix."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from telbill.errors import OutputError
from telbill.files import access

import smalldata
from command import run
from faults import ENOSPC, Crash, leftovers

OLD = smalldata.ONE_USER.encode()
ONE_CALL = smalldata.ONE_CALL.encode()


@pytest.mark.parametrize("fault", [ENOSPC, KeyboardInterrupt(), Crash()], ids=["disk-full", "ctrl-c", "crash"])
def test_fault_mid_write_leaves_the_old_file_whole(tmp_path: Path, fail_mid_write: Any,
                                                   fault: BaseException) -> None:
    """A full disk, Ctrl-C or an exception half way through a write: old file as it was, no temp file."""
    target = tmp_path / "users.txt"
    target.write_bytes(OLD)
    fail_mid_write(fault)
    expected = OutputError if isinstance(fault, OSError) else type(fault)
    with pytest.raises(expected) as info:
        access.atomic_write(target, b"new content\n" * 1000)
    if isinstance(fault, OSError):
        assert str(info.value) == f"{target}: cannot be written (No space left on device)"
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_failed_rename_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the final rename fails, the old file is intact and the temporary file is gone."""
    target = tmp_path / "calls.txt"
    target.write_bytes(OLD)

    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match="Input/output error"):
        access.atomic_write(target, b"new\n")
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_written_file_keeps_its_permissions(tmp_path: Path) -> None:
    """Rewriting a private file keeps it private."""
    target = tmp_path / "users.txt"
    target.write_bytes(OLD)
    target.chmod(0o600)
    access.atomic_write(target, b"new\n")
    assert target.stat().st_mode & 0o777 == 0o600


def test_files_written_together_change_together(tmp_path: Path, fail_mid_write: Any) -> None:
    """When the second of two files fails, the first is not replaced either."""
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"old a\n")
    b.write_bytes(b"old b\n")
    fail_mid_write(ENOSPC, after=1)
    with pytest.raises(OutputError):
        access.write_together([(a, b"new a\n"), (b, b"new b\n")])
    assert (a.read_bytes(), b.read_bytes()) == (b"old a\n", b"old b\n")
    assert leftovers(tmp_path) == []


@pytest.fixture()
def billed(small: Path) -> Path:
    """A working folder whose output/ holds the bills of an earlier run."""
    assert run("bill", "--csv", "output/bills.csv")[0] == 0
    (small / "data/calls.txt").write_bytes(ONE_CALL + ONE_CALL.replace(b"10:0", b"11:0"))  # new to bill
    return small


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "output").iterdir())}


@pytest.mark.parametrize("after", [0, 1, 2], ids=["bills", "anomalies", "csv"])
def test_disk_full_while_billing_keeps_every_old_output(billed: Path, fail_mid_write: Any, after: int) -> None:
    """The disk fills while any output is written: one line, exit 2, all old outputs unchanged."""
    before = outputs(billed)
    fail_mid_write(ENOSPC, after=after)
    name = ["bills.txt", "anomalies.txt", "bills.csv"][after]
    assert run("bill", "--csv", "output/bills.csv") == (
        2, "", f"error: output/{name}: cannot be written (No space left on device)\n")
    assert outputs(billed) == before
    assert leftovers(billed) == []


@pytest.mark.parametrize("after", [0, 1])
def test_ctrl_c_while_writing_leaves_no_partial_output(billed: Path, fail_mid_write: Any, after: int) -> None:
    """Ctrl-C half way through an output: exit 130, old outputs unchanged, no temp file."""
    before = outputs(billed)
    fail_mid_write(KeyboardInterrupt(), after=after)
    assert run("bill", "--csv", "output/bills.csv") == (130, "", "interrupted; no partial file was left behind\n")
    assert outputs(billed) == before
    assert leftovers(billed) == []


def test_ctrl_c_while_billing_writes_nothing(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C before the files are written (first run): no output file exists under its final name."""
    import telbill.batch.part

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(telbill.batch.part.Part, "sweep", interrupted)
    assert run("bill") == (130, "", "interrupted; no partial file was left behind\n")
    assert not (small / "output").exists()


def test_ctrl_c_between_renames_is_held_until_all_outputs_are_in_place(
        billed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C arriving during the renames waits for them: the outputs are all new, never a mix,
    and the message says so (not "no partial file was left behind")."""
    before = outputs(billed)
    real = os.replace

    def replace_then_interrupt(src: Any, dst: Any) -> None:
        real(src, dst)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    code, _, err = run("bill", "--csv", "output/bills.csv")
    assert (code, err) == (130, "interrupted just after the output files were written; they are complete\n")
    after = outputs(billed)
    assert all(after[name] != before[name] for name in before)
    assert b"(2 records: 2 billed, 0 set aside)" in after["bills.txt"]
    assert b"(2 records: 2 billed, 0 set aside)" in after["anomalies.txt"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
