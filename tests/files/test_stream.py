"""Reading calls.txt a block at a time gives the lines, encoding and unreadable lines that
decoding the whole file gives (SPEC §1), whatever the block size."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from telbill.errors import InputFileError
from telbill.files import stream
from telbill.files.decoding import Decoded, Readings, decode
from telbill.files.stream import EncodingChanged, LineBlocks

PIECES = [b"83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00", b"\n", b"\r\n", b"\r",
          "郑爽".encode(), "郑爽".encode("gb18030"), b"\xff\x80", b"x" * 50, b" ", b"#", b"\xef\xbb\xbf"]


def written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pieces: list[bytes], bom: bool,
            block: int) -> tuple[bytes, Decoded, LineBlocks]:
    """A calls file of ``pieces`` read ``block`` bytes at a time: its bytes, decode() of them, its blocks."""
    monkeypatch.setattr(stream, "BLOCK_BYTES", block)
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(pieces)
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    return data, decode(data), LineBlocks(path)


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
    data, want, blocks = written(tmp_path, monkeypatch, pieces, bom, block)
    assert read_all(blocks) == want.lines
    assert blocks.unreadable == set(want.unreadable)
    assert (blocks.format.encoding, blocks.format.bom) == (want.format.encoding, want.format.bom)
    if want.lines:
        assert blocks.format.newline == want.format.newline
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        assert blocks.count_lines() == len(want.lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=30), st.booleans(), st.sampled_from([1, 3, 64, 1 << 20]),
       st.integers(1, 5))
def test_pieces_cut_at_line_feeds_decode_to_the_whole_files_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  pieces: list[bytes], bom: bool, block: int,
                                                                  count: int) -> None:
    """A file cut into pieces at line feeds, each decoded on its own as UTF-8 or else GB18030
    (valid both ways: the way all the pieces weighed together read best), gives the lines and
    the encoding of decode(); a file valid in neither says so."""
    data, want, blocks = written(tmp_path, monkeypatch, pieces, bom, block)
    cuts = blocks.cuts(count)
    assert cuts[0] == 0 and cuts[-1] == len(data) and cuts == sorted(set(cuts)) or len(data) == 0
    assert all(data[cut - 1:cut] == b"\n" for cut in cuts[1:-1])
    also = None
    for encoding in stream.STREAMED:
        got: list[str] = []
        readings = []
        try:
            for start, stop in itertools.pairwise(cuts):
                piece = LineBlocks(blocks.path)
                got += [line for block in piece.piece(start, stop, encoding) for line in block]
                readings.append(piece.readings)
                if start == 0:
                    first = piece.format
        except stream.Undecodable:
            assert want.format.encoding != encoding
            continue
        if encoding == "utf-8":
            chosen, also = stream.decided(first.bom, readings)
            if chosen != encoding:
                continue
        assert (want.format.encoding, want.format.also, got) == (encoding, also, want.lines)
        return
    assert want.format.encoding == "mixed"


def test_a_utf16_file_is_not_cut(tmp_path: Path) -> None:
    """A UTF-16 file's line feeds are two bytes: it cannot be cut into pieces."""
    path = tmp_path / "c.txt"
    path.write_bytes("83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n".encode("utf-16") * 3)
    assert LineBlocks(path).cuts(3) == []


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


WEIGHED_PIECES = [b"83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00", b"\n", b"\r\n", b"\r", b"\n" * 3,
                  "  # 重拨".encode(), "# 郑爽".encode(), "Jos\u00e9".encode(), "８３４６".encode(), "\u0301".encode(),
                  b"x" * 700, b"y" * 2047, b"\xe9\x83\x91"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WEIGHED_PIECES), max_size=60), st.sampled_from([1, 5, 64, 2048]))
def test_a_block_is_weighed_as_every_line_of_it(monkeypatch: pytest.MonkeyPatch, pieces: list[bytes],
                                                run: int) -> None:
    """_weigh checks runs of lines for ASCII and reads only the others a line at a time: the same
    counts (or the same refusal: a line not valid GB18030) as reading every line of the block."""
    monkeypatch.setattr(stream, "WEIGHED_RUN", run)
    data = b"".join(pieces)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:  # _weigh is given blocks that were read as UTF-8
        return
    every_line = Readings()
    expected = every_line if every_line.add_bytes(data) else None
    assert stream._weigh(Readings(), memoryview(data)) == expected
