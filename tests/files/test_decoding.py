"""Encodings are decided for the whole file, and a file is written back as it was (SPEC §1)."""

from __future__ import annotations

import codecs

import pytest

from telbill.files.decoding import FileFormat, decode, encode
from telbill.files.loader import load_users

USERS = "# 用户\r\n83470000  张强  25  6\r\n83470001  郑爽  18  0\r\n"


def test_gb18030_file_decodes_whole_even_where_a_name_is_valid_utf8() -> None:
    """郑爽 is D6 A3 CB AC in GB18030, valid UTF-8 too: in a GB18030 file it is still 郑爽."""
    data = USERS.encode("gb18030")
    assert "郑爽".encode("gb18030").decode("utf-8") != "郑爽"  # the trap is real
    decoded = decode(data)
    assert decoded.format == FileFormat("gb18030", False, "\r\n")
    users = load_users(decoded.lines, "users.txt")
    assert [u.name for u in users.users] == ["张强", "郑爽"]


@pytest.mark.parametrize(("callee", "also"), [("８３４６１２３４", None), ("Ωμέγα", "gb18030")])
def test_a_utf8_file_is_said_valid_gb18030_too_only_when_only_gb18030_gives_chinese_text(callee: str,
                                                                                       also: str | None) -> None:
    """A UTF-8 calls line whose callee is in full-width digits (a Chinese input method) is valid GB18030
    too, where it reads as Chinese letters: but the UTF-8 reading has Chinese-block characters as well,
    so nothing is said (it warned on every run); a Greek word, whose GB18030 reading alone is Chinese,
    is still said."""
    data = f"83470000  {callee}  2021-01-05 10:00:00  2021-01-05 10:01:00\n".encode()
    data.decode("gb18030")  # valid both ways: the case is real
    decoded = decode(data)
    assert decoded.format.encoding == "utf-8" and decoded.format.also == also


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_notepad_unicode_files_are_read(encoding: str, bom: bytes) -> None:
    """A UTF-16 file with its BOM (Notepad's "Unicode") is read as UTF-16, not as bad lines."""
    decoded = decode(bom + USERS.encode(encoding))
    assert decoded.format == FileFormat(encoding, True, "\r\n")
    assert decoded.lines == USERS.splitlines()
    assert not decoded.unreadable


@pytest.mark.parametrize("data", [
    USERS.encode("gb18030"),
    codecs.BOM_UTF16_LE + USERS.encode("utf-16-le"),
    codecs.BOM_UTF8 + USERS.replace("\r\n", "\n").encode(),
    USERS.replace("\r\n", "\r").encode(),
    USERS.encode(),
])
def test_a_file_is_written_back_byte_for_byte(data: bytes) -> None:
    """Decoding then encoding with the file's own format gives the same bytes."""
    decoded = decode(data)
    assert encode(decoded.lines, decoded.format) == data


def test_file_valid_in_neither_as_a_whole_is_read_line_by_line() -> None:
    """UTF-8 and GB18030 lines, and one valid in neither: each line on its own; the bad one kept."""
    data = "83470000  张强  1  1\n".encode() + "83470001  李四  1  1\n".encode("gb18030") + b"\xff\x80\n"
    decoded = decode(data)
    assert decoded.format.encoding == "mixed"
    assert decoded.lines[:2] == ["83470000  张强  1  1", "83470001  李四  1  1"]
    assert decoded.unreadable == {3}
    assert encode(decoded.lines, decoded.format).endswith(b"\xff\x80\n")
