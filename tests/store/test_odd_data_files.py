"""Data files as they come (SPEC §1, §5, §7; issue 18, items 4-6): a FIFO or a device is refused
without being read, a file whose BOM lies is read but never written, and a save writes a file in
its own encoding, BOM and line ends (a file valid both as UTF-8 and as GB18030 included)."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

from telbill.errors import InputFileError, OutputError
from telbill.files.dataset import DataPaths
from telbill.files.decoding import decode
from telbill.session.facade import Session

from command import run
from plain import plain_session
from smalldata import CALLS, USERS, open_session, write_data
from unprivileged import IS_ROOT, scratch, unprivileged

NOT_REGULAR = "data/users.txt: not a regular file (a FIFO, a device or a socket); give a file"


def test_the_menu_refuses_a_fifo_as_users_file_at_once() -> None:
    """``telbill --users FIFO`` (no writer on it): the menu is not opened, exit 2 with the reason,
    at once (it used to wait for a writer for ever)."""
    with scratch() as folder:
        def attack() -> tuple[int, str, str]:
            os.chdir(folder)
            write_data(folder)
            os.unlink("data/users.txt")
            os.mkfifo("data/users.txt")
            with pytest.raises(InputFileError) as info:
                open_session()
            code, _, err = run()
            return code, err, str(info.value)

        code, err, error = unprivileged(attack, timeout=20)
    assert (code, err, error) == (2, f"error: {NOT_REGULAR}\n", NOT_REGULAR)


@pytest.mark.skipif(not IS_ROOT, reason="only root can make a device node (in the test's own folder)")
def test_the_menu_refuses_a_character_device_without_reading_it() -> None:
    """A character device that never ends (as /dev/zero, made in the test's folder) given as users.txt:
    refused before a byte is read (it used to eat gigabytes of memory)."""
    with scratch() as folder:
        (folder / "zero").parent.mkdir(exist_ok=True)
        os.mknod(folder / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))

        def attack() -> str:
            os.chdir(folder)
            write_data(folder)
            with pytest.raises(InputFileError) as info:
                Session(DataPaths(Path("zero"), Path("data/calls.txt")), audit_log=Path("output/audit.log"),
                        operator="tester")
            return str(info.value)

        error = unprivileged(attack, timeout=20, memory=1 << 30)
    assert error == "zero: not a regular file (a FIFO, a device or a socket); give a file"


def test_a_data_file_swapped_for_a_fifo_while_the_menu_runs_is_refused_at_the_next_item() -> None:
    """users.txt replaced by a FIFO after it was loaded: the look before the next item says so at once
    (it used to wait on the FIFO for ever), and the next item works on what was held."""
    with scratch() as folder:
        def attack() -> tuple[str, int]:
            os.chdir(folder)
            write_data(folder)
            s = open_session()
            os.mkfifo("data/fifo")
            os.replace("data/fifo", "data/users.txt")
            with pytest.raises(InputFileError) as info:
                s.refresh()
            return str(info.value), len(s.users)

        error, users = unprivileged(attack, timeout=20)
    assert error == NOT_REGULAR and users == 3


GOOD = "83470000  Zhang Qiang  25  6\n83470001  张强  25  6.5\n"


@pytest.mark.parametrize(("tail", "damaged_at", "bad_line"), [
    (b"\x00", 2 + len(GOOD.encode("utf-16-le")), 3),                 # an odd number of bytes
    (b"\x00\xd8" + "x\n".encode("utf-16-le"), 2 + len(GOOD.encode("utf-16-le")), 3),  # a lone surrogate
], ids=["odd-bytes", "lone-surrogate"])
def test_a_damaged_utf16_file_is_read_as_utf16_and_never_written(data: Path, tail: bytes, damaged_at: int,
                                                                  bad_line: int) -> None:
    """users.txt with a UTF-16LE BOM whose bytes do not all decode: the lines that do are users (the
    rest a bad line), the operator is told, and every save into it is refused with the byte where
    it stops decoding; the file keeps every byte (an add used to append UTF-8 into it)."""
    raw = codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le") + tail
    (data / "data/users.txt").write_bytes(raw)
    s = open_session()
    assert [u.name for u in s.users] == ["Zhang Qiang", "张强"]
    assert [p.line_no for p in s.problems] == [bad_line]
    assert s.dataset.encodings["data/users.txt"] == "utf-16-damaged"
    refused = (f"data/users.txt is not valid UTF-16LE from byte {damaged_at} on, though its byte-order mark says "
               "it is: telbill does not change it (nothing was changed)")
    for change in (lambda: s.add_user("83470099", "New One", 0, 0), lambda: s.modify_user("83470000", name="X"),
                   lambda: s.delete_user("83470001"), lambda: s.check_writable()):
        with pytest.raises(OutputError) as info:
            change()
        assert str(info.value) == refused
    assert s.unwritable() == [Path("data/users.txt")]
    assert (data / "data/users.txt").read_bytes() == raw
    s.add_call("83470000", "110", 63745000000, 63745000060)  # the other file is not read-only
    assert not (data / "output/audit.log").read_text("utf-8").count("users")


def test_the_menu_tells_a_damaged_utf16_file_and_refuses_an_add(data: Path) -> None:
    """In the menu: the notice at the start, and item 3 refused before anything is asked."""
    raw = codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le") + b"\x00"
    (data / "data/users.txt").write_bytes(raw)
    code, screen = plain_session("3\n\n0\n")
    assert code == 1  # an item not done: exit 1 (newuser11 finding 1)
    assert ("data/users.txt: starts with a UTF-16 byte-order mark but is not all valid UTF-16: the lines that are "
            "were read, the others are bad lines; telbill will not change this file") in screen
    assert (f"data/users.txt is not valid UTF-16LE from byte {len(raw) - 1} on, though its byte-order mark says it "
            "is: telbill does not change it (nothing was changed)") in screen
    assert (data / "data/users.txt").read_bytes() == raw


ZHENG = "83470001  郑爽  1.00  1.00\n"
"""In GB18030 its name is D6 A3 CB AC, which is valid UTF-8 too (``֣ˬ``)."""


def test_a_gb18030_file_that_is_valid_utf8_too_is_read_and_saved_as_gb18030(data: Path) -> None:
    """users.txt in GB18030 whose bytes are also valid UTF-8: the menu shows 郑爽, says which encoding
    was taken, and an add appends GB18030 (the file stays one encoding)."""
    raw = ("83470000  Zhang Qiang  25  6\n" + ZHENG).encode("gb18030")
    raw.decode("utf-8")  # the trap: valid UTF-8 as well
    (data / "data/users.txt").write_bytes(raw)
    s = open_session()
    assert s.user("83470001") is not None and s.user("83470001").name == "郑爽"  # type: ignore[union-attr]
    assert s.dataset.encodings["data/users.txt"] == "gb18030+utf-8"
    s.add_user("83470009", "郑爽", 100, 100)
    written = (data / "data/users.txt").read_bytes()
    assert written == raw + "83470009  郑爽  1.00  1.00\n".encode("gb18030")
    assert decode(written).format.encoding == "gb18030"


def test_the_batch_reads_such_a_file_as_gb18030_and_says_so(data: Path) -> None:
    """``telbill bill`` on the same files: the bill has 郑爽, and the notice names the encoding taken;
    a calls file with such a comment (read a block at a time) keeps it in the anomalies file."""
    (data / "data/users.txt").write_bytes(("83470000  Zhang Qiang  25  6\n" + ZHENG).encode("gb18030"))
    (data / "data/calls.txt").write_bytes(
        ("83470001  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n"
         "83470001  bad  # 郑爽\n").encode("gb18030"))
    code, _out, err = run("bill")
    assert code == 0
    told = err.splitlines()
    assert ("data/users.txt: valid both as UTF-8 and as GB18030; read it as GB18030, the reading that gives "
            "Chinese text (a save keeps it GB18030)") in told
    assert ("data/calls.txt: valid both as UTF-8 and as GB18030; read it as GB18030, the reading that gives "
            "Chinese text (a save keeps it GB18030)") in told
    assert "83470001   郑爽  " in (data / "output/bills.txt").read_text("utf-8")
    assert "83470001  bad  # 郑爽  # malformed" in (data / "output/anomalies.txt").read_text("utf-8")


@pytest.mark.parametrize("name", ["张强", "José Ñúñez", "Zoë", "Иван", "Ærø"])
def test_utf8_names_that_are_valid_gb18030_too_stay_utf8(data: Path, name: str) -> None:
    """UTF-8 files whose bytes happen to be valid GB18030 (Chinese, accented Latin, Cyrillic) stay
    UTF-8: a tie goes to UTF-8 (SPEC §1 tries it first)."""
    (data / "data/users.txt").write_text(USERS + f"83470009  {name}  1  1\n", "utf-8")
    s = open_session()
    assert s.user("83470009").name == name  # type: ignore[union-attr]
    assert s.dataset.encodings["data/users.txt"].startswith("utf-8")
    assert CALLS


@pytest.mark.parametrize(("encoding", "bom", "newline"), [
    ("gb18030", b"", "\r\n"), ("utf-16-le", b"\xff\xfe", "\r\n"), ("utf-16-be", b"\xfe\xff", "\n"),
    ("utf-8", b"\xef\xbb\xbf", "\r\n"), ("utf-8", b"", "\r")])
@pytest.mark.parametrize("ended", [True, False], ids=["ended", "no-final-line-end"])
def test_an_add_is_appended_in_the_files_own_format(tmp_path: Path, encoding: str, bom: bytes, newline: str,
                                                    ended: bool) -> None:
    """GB18030, UTF-16 (both byte orders), a BOM, CRLF or CR: the new line is appended in that
    format (a last line without its line end gets one first); a rewrite keeps the format too."""
    text = "# 用户\n83470000  张强  25  6\n83470001  郑爽  18  0"
    original = bom + (text + ("\n" if ended else "")).replace("\n", newline).encode(encoding)
    (tmp_path / "data").mkdir()
    (tmp_path / "data/users.txt").write_bytes(original)
    (tmp_path / "data/calls.txt").write_bytes(CALLS.encode())
    s = open_session(tmp_path)
    s.add_user("83470002", "李四", 100, 0)
    added = ("" if ended else newline) + "83470002  李四  1.00  0.00" + newline
    assert (tmp_path / "data/users.txt").read_bytes() == original + added.encode(encoding)
    s.modify_user("83470000", rent=3000)
    again = (tmp_path / "data/users.txt").read_bytes()
    assert again == original.replace("83470000  张强  25  6".encode(encoding),
                                     "83470000  张强  30.00  6.00".encode(encoding)) + added.encode(encoding)
    s.undo()
    s.undo()
    assert (tmp_path / "data/users.txt").read_bytes() == original
    assert [u.name for u in open_session(tmp_path).users] == ["张强", "郑爽"]
