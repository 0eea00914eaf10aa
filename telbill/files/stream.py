"""A calls file's lines a block at a time, decoded as SPEC §1 says, without holding the file.

:func:`telbill.files.decoding.decode` decides the encoding for the whole file; this
module gives the same lines (and the same unreadable line numbers) while
holding only a block of the file at a time, for a batch run over millions of
lines. The file is read as UTF-8 a block at a time (each block cut after its
last line end, so no character is cut); at the first block that is not UTF-8 it
starts again from the top as GB18030, and at the first block that is not
GB18030 either, as a ``mixed`` file, line by line. A file without a BOM read to
its end as UTF-8 that is valid GB18030 too is weighed both ways as ``decode``
weighs it (:class:`telbill.files.decoding.Readings`, a block at a time), and read
again as GB18030 when that reading wins. A file that starts with a UTF-16
byte-order mark is decoded whole (UTF-16 has no byte that ends a line).
Line ends LF, CRLF and CR are all accepted, as in ``decode``.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from telbill.files.access import input_error, open_input
from telbill.files.decoding import FileFormat, Readings, _newline, decode

BLOCK_BYTES = 1 << 20
"""Bytes read at a time."""


class Undecodable(Exception):
    """A block is not valid in the encoding being tried."""



class EncodingChanged(Exception):
    """Lines already handed out were decoded in an encoding the file turned out not to
    be valid in: forget them and call :meth:`LineBlocks.blocks` again (it goes on
    with the next encoding)."""


ENCODINGS = ("utf-8", "gb18030", "mixed")
STREAMED = ENCODINGS[:2]
"""The encodings in which a file can be cut at any line feed and its pieces decoded apart: in
neither is the byte of a line feed ever part of another character."""


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def seek(self, offset: int, /) -> int: ...


class _Window:
    """Bytes ``start`` to ``stop`` of an open file, read as if they were all of it."""

    def __init__(self, fh: BinaryIO, start: int, stop: int) -> None:
        self.fh, self.start, self.stop = fh, start, stop
        self.at = start
        fh.seek(start)

    def read(self, size: int, /) -> bytes:
        data = self.fh.read(max(0, min(size, self.stop - self.at)))
        self.at += len(data)
        return data

    def seek(self, offset: int, /) -> int:
        self.at = self.start + offset
        return self.fh.seek(self.at) - self.start


class LineBlocks:
    """The lines of one file, handed out in blocks (lists of lines, in file order).

    :attr:`format` says how the file is encoded (known once the first block is
    handed out, final once :meth:`blocks` has run to its end) and
    :attr:`unreadable` holds the 1-based numbers of lines valid in neither UTF-8
    nor GB18030 (only in a ``mixed`` file; such a line comes with its bytes kept
    by ``surrogateescape``). A line's number is in :attr:`unreadable` before its
    block is handed out. If a late block of a file read as UTF-8 is not UTF-8,
    :meth:`blocks` raises :class:`EncodingChanged`: the caller forgets what it
    read and calls it again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.format = FileFormat()
        self.unreadable: set[int] = set()
        self._tried = 0  # index in ENCODINGS of the encoding being read
        self._also: str | None = None  # the other encoding a file read to its end was valid in
        self.readings: Readings | None = None
        """A file (or piece) read to its end as UTF-8 without a BOM, weighed as GB18030 too
        (``None``: not valid GB18030, or not read so)."""

    def open(self) -> BinaryIO:
        """The file opened for reading; a missing, folder, special or unreadable path raises.

        A FIFO or a device is refused at once (see :func:`telbill.files.access.open_input`).
        """
        return open_input(self.path)

    def count_lines(self) -> int:
        """How many lines the file has (for a progress bar), reading it once."""
        total, size, last = 0, 0, b"\n"
        with self.open() as fh:
            try:
                if fh.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
                    fh.seek(0)
                while block := fh.read(BLOCK_BYTES):
                    total += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
                    total -= last == b"\r" and block[:1] == b"\n"  # a CRLF cut in two
                    size, last = size + len(block), block[-1:]
            except OSError as exc:
                raise input_error(self.path, exc) from None
        return total + (size > 0 and last not in (b"\n", b"\r"))

    def blocks(self) -> Iterator[list[str]]:
        """Every line of the file without its line end, a block of lines at a time."""
        with self.open() as fh:
            try:
                head = fh.read(2)
                if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                    yield from self._whole(head + fh.read())
                    return
                while True:
                    fh.seek(0)
                    handed = [False]
                    try:
                        yield from self._streamed(fh, ENCODINGS[self._tried], handed)
                        return
                    except Undecodable:
                        self._tried += 1
                        self.unreadable.clear()
                        if handed[0]:
                            raise EncodingChanged from None
            except OSError as exc:
                raise input_error(self.path, exc) from None

    def cuts(self, pieces: int) -> list[int]:
        """Where to cut the file into about ``pieces`` pieces of about the same size, each
        ending at a line feed (the last at the end): ``[0, c1, ..., size]``. A file that
        starts with a UTF-16 byte-order mark cannot be cut (its line feeds are two bytes): ``[]``."""
        with self.open() as fh:
            try:
                size = os.fstat(fh.fileno()).st_size
                if fh.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                    return []
                cuts = [0]
                for k in range(1, pieces):
                    at = max(cuts[-1], size * k // pieces)
                    fh.seek(at)
                    while chunk := fh.read(1 << 16):
                        found = chunk.find(b"\n")
                        if found >= 0:
                            at += found + 1
                            break
                        at += len(chunk)
                    if cuts[-1] < at < size:
                        cuts.append(at)
            except OSError as exc:
                raise input_error(self.path, exc) from None
        cuts.append(size)
        return cuts

    def piece(self, start: int, stop: int, encoding: str) -> Iterator[list[str]]:
        """The lines of bytes ``start`` to ``stop`` (cut by :meth:`cuts`) decoded as ``encoding``
        (one of :data:`STREAMED`), a block at a time; :class:`Undecodable` at a block that is
        not valid in it. Only the piece at the start of the file may start with a byte-order mark
        (:attr:`format` says whether it did). Read as UTF-8, the piece is also weighed as
        GB18030 (:attr:`readings`, ``None`` when it is not valid GB18030): which way the whole
        file is read is decided from every piece's weighing (:func:`decided`)."""
        with self.open() as fh:
            try:
                yield from self._streamed(_Window(fh, start, stop), encoding, [False], bom_allowed=start == 0,
                                          decide=False)
            except OSError as exc:
                raise input_error(self.path, exc) from None

    def _whole(self, data: bytes) -> Iterator[list[str]]:
        decoded = decode(data)
        self.format = decoded.format
        self.unreadable = set(decoded.unreadable)
        yield decoded.lines

    def _streamed(self, fh: _Readable, encoding: str, handed: list[bool],
                  bom_allowed: bool = True, decide: bool = True) -> Iterator[list[str]]:
        """The lines as ``encoding``; :class:`Undecodable` at a block that is not valid in it
        (``decide=False``: a piece of the file, weighed but not read again as GB18030)."""
        bom = fh.read(len(codecs.BOM_UTF8)) if bom_allowed else b""
        if bom != codecs.BOM_UTF8:
            fh.seek(0)
            bom = b""
        self.format = FileFormat(encoding, bool(bom), also=self._also)
        # Read as UTF-8 without a BOM: weighed as GB18030 too while that reading holds.
        both: Readings | None = Readings() if encoding == "utf-8" and not bom else None
        number = 0  # lines handed out so far
        rest = b""  # bytes of a line not ended yet
        waiting: list[bytes] = []  # blocks without a line end, after rest (a very long line)
        while True:
            block = fh.read(BLOCK_BYTES)
            if block and b"\n" not in block and b"\r" not in block:
                waiting.append(block)
                continue
            data = b"".join([rest, *waiting, block]) if rest or waiting else block
            long_line = bool(waiting)
            waiting.clear()
            whole = memoryview(data)
            if block:
                # Cut after the last line end; a CR at the very end may be the first
                # half of a CRLF, so it waits for the next block.
                end = len(data) - data.endswith(b"\r")
                cut = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)) + 1
                chunk, rest = whole[:cut], data[cut:]  # a view: a long line is not copied
                if not chunk:
                    continue
            else:
                cut = len(data)
                chunk, rest = whole, b""
            if number == 0:
                self.format = FileFormat(encoding, bool(bom), _newline(bytes(chunk[:65_536]).decode("latin-1")),
                                         also=self._also)
            # A line longer than a block, ended by LF, is decoded on its own straight from
            # its bytes (without the copies split() would make); the lines after it as usual.
            first = data.find(b"\n", 0, cut) + 1 if long_line and encoding != "mixed" else 0
            if first and data.find(b"\r", 0, first) >= 0:
                first = 0
            del data
            lines = self._decode(chunk[:first], encoding, number, True) if first else []
            lines += self._decode(chunk[first:], encoding, number + len(lines), False)
            if both is not None:
                both = _weigh(both, chunk)
            del chunk, whole
            number += len(lines)
            if lines:
                handed[0] = True
                yield lines
            if not block:
                self.readings = both
                if not decide:
                    return
                if both is not None and both.take_gb18030():  # read again as GB18030 (next in ENCODINGS)
                    self._also = "utf-8"
                    raise Undecodable
                if both is not None and both.close_call():
                    self.format = FileFormat(self.format.encoding, False, self.format.newline, also="gb18030")
                return

    def _decode(self, data: memoryview, encoding: str, before: int, single: bool) -> list[str]:
        """The lines of ``data`` (which ends at a line end, or is the file's last bytes).

        ``single``: ``data`` is one line ended by LF (a long one): its text is made
        without the copies ``split`` would make.
        """
        if encoding == "mixed":
            lines: list[str] = []
            raw = bytes(data).replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            if raw and raw[-1] == b"":
                raw.pop()
            for offset, line in enumerate(raw, before + 1):
                for codec in ("utf-8", "gb18030"):
                    try:
                        lines.append(line.decode(codec))
                        break
                    except UnicodeDecodeError:
                        continue
                else:
                    lines.append(line.decode("utf-8", "surrogateescape"))
                    self.unreadable.add(offset)
            return lines
        if not data:
            return []
        if single and encoding != "mixed":
            try:
                return [str(data[:-1], encoding)]
            except UnicodeDecodeError:
                raise Undecodable from None
        try:
            text = str(data, encoding)
        except UnicodeDecodeError:
            raise Undecodable from None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        return lines


WEIGHED_RUN = 2048
"""Bytes of lines :func:`_weigh` checks for ASCII at once (then to the next line end)."""


def _weigh(both: Readings, chunk: memoryview) -> Readings | None:
    """The block ``chunk`` weighed as both readings; ``None`` once it is not valid GB18030 (UTF-8 it
    stays). An ASCII block reads the same both ways, and so does an ASCII run of lines in it: only
    the runs of about :data:`WEIGHED_RUN` bytes that are not ASCII (each ``isascii`` in C) are read
    a line at a time. Where a few lines are Chinese, a comment here and there, a 1 MiB block's
    weighing took 0.83 ms against 1.51 for every line (``timeit``, process time, the 1M ``ends``
    set, some 68 such lines a block)."""
    raw = bytes(chunk)
    if raw.isascii():
        return both
    at = 0
    while at < len(raw):
        end = raw.find(b"\n", at + WEIGHED_RUN) + 1 or len(raw)
        run = raw[at:end]
        if not run.isascii() and not both.add_bytes(run):
            return None
        at = end
    return both


def decided(bom: bool, readings: list[Readings | None]) -> tuple[str, str | None]:
    """How a file cut into pieces that were all valid UTF-8 is read, as :class:`LineBlocks` reads
    it whole: ``(encoding, also)``, from whether it starts with a BOM and each piece's weighing
    as GB18030 (see :attr:`LineBlocks.readings`)."""
    if bom or any(weighed is None for weighed in readings):
        return "utf-8", None
    both = Readings()
    for weighed in readings:
        assert weighed is not None
        for total, part in ((both.utf8, weighed.utf8), (both.gb18030, weighed.gb18030)):
            total.odd += part.odd
            total.glued += part.glued
            total.cjk += part.cjk
    if both.take_gb18030():
        return "gb18030", "utf-8"
    return "utf-8", "gb18030" if both.close_call() else None
