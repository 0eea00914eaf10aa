"""Reading calls.txt a block at a time gives the lines, encoding and unreadable lines that
decoding the whole file gives (SPEC §1), whatever the block size."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telbill.errors import InputFileError
from telbill.files import stream
from telbill.files.decoding import decode
from telbill.files.stream import EncodingChanged, LineBlocks

PIECES = [b"83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00", b"\n", b"\r\n", b"\r",
          "郑爽".encode(), "郑爽".encode("gb18030"), b"\xff\x80", b"x" * 50, b" ", b"#", b"\xef\xbb\xbf"]


def read_all(blocks: LineBlocks) -> list[str]:
    while True:
        try:
            return [line for block in blocks.blocks() for line in block]
        except EncodingChanged:
            continue


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.booleans(), st.sampled_from([1, 2, 3, 7, 64, 1 << 20]))
def test_blocks_equal_the_whole_file_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             pieces: list[bytes], bom: bool, block: int) -> None:
    """Lines, encoding, BOM, first line end and unreadable lines are those of decode()."""
    monkeypatch.setattr(stream, "BLOCK_BYTES", block)
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(pieces)
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    want = decode(data)
    blocks = LineBlocks(path)
    assert read_all(blocks) == want.lines
    assert blocks.unreadable == set(want.unreadable)
    assert (blocks.format.encoding, blocks.format.bom) == (want.format.encoding, want.format.bom)
    if want.lines:
        assert blocks.format.newline == want.format.newline
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        assert blocks.count_lines() == len(want.lines)


def test_a_late_gb18030_block_starts_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose first blocks are UTF-8 but a later one is not is read again, as GB18030:
    the caller is told to forget what it read."""
    monkeypatch.setattr(stream, "BLOCK_BYTES", 8)
    data = "郑爽\n".encode("gb18030") * 3 + "张强\n".encode("gb18030")
    assert data.decode("utf-8", "replace")  # the first lines happen to be valid UTF-8 too
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    blocks = LineBlocks(path)
    with pytest.raises(EncodingChanged):
        list(blocks.blocks())
    assert read_all(blocks) == ["郑爽"] * 3 + ["张强"]
    assert blocks.format.encoding == "gb18030"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    """A FIFO with no writer is refused at once (opening it would wait for ever)."""
    fifo = tmp_path / "calls.fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError) as caught:
        list(LineBlocks(fifo).blocks())
    assert str(caught.value) == f"{fifo}: not a regular file (a FIFO, a device or a socket); give a file"
