"""Turning a data file's bytes into lines: UTF-8 (BOM or not), else GB18030."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass

_NON_ASCII_LINE = re.compile(rb"[^\r\n]*[\x80-\xff][^\r\n]*")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A data file's text, split into lines."""

    lines: list[str]
    """The lines without their line endings (LF, CRLF or CR)."""
    encoding: str
    """``utf-8``, ``gb18030``, or ``mixed`` when lines differ."""
    unreadable: frozenset[int]
    """1-based numbers of lines valid in neither encoding. Their bytes are kept
    with the ``surrogateescape`` handler so that saving writes them back unchanged."""


def split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR, without the endings; no empty last line."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def decode(data: bytes) -> Decoded:
    """Decode a whole file: UTF-8 first, then GB18030, else line by line.

    A file that is not UTF-8 as a whole but has lines that are (with non-ASCII
    bytes) mixes encodings: reading it all as GB18030 would turn those lines into
    mojibake, so each line is then decoded on its own, UTF-8 first.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return Decoded(split_lines(data.decode("utf-8")), "utf-8", frozenset())
    except UnicodeDecodeError:
        pass
    if not _has_utf8_line(data):
        try:
            return Decoded(split_lines(data.decode("gb18030")), "gb18030", frozenset())
        except UnicodeDecodeError:
            pass
    lines: list[str] = []
    unreadable: set[int] = set()
    raw_lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, 1):
        for encoding in ("utf-8", "gb18030"):
            try:
                lines.append(raw.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            lines.append(raw.decode("utf-8", "surrogateescape"))
            unreadable.add(number)
    return Decoded(lines, "mixed", frozenset(unreadable))


CHUNK = 1 << 16
"""Bytes decoded at a time by :func:`utf8_lines`."""


def utf8_lines(data: bytes) -> tuple[Iterator[str], int] | None:
    """The lines of a UTF-8 file with LF line ends, decoded a piece at a time.

    Gives ``(lines, how many)`` with the same lines as ``decode(data).lines``
    (BOM dropped), but never holds the whole text: only a piece of about 64 KiB
    is decoded at a time, so each line can be let go once it has been read.
    ``None`` when ``data`` is not all valid UTF-8 or holds a CR: use
    :func:`decode` then.
    """
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if b"\r" in data:
        return None
    view = memoryview(data)
    pieces = []
    size = len(data)
    pos = start
    while pos < size:  # pieces end just after a LF, so no character is cut in two
        cut = data.find(b"\n", pos + CHUNK) if pos + CHUNK < size else -1
        end = size if cut < 0 else cut + 1
        pieces.append((pos, end))
        pos = end
    try:
        for a, b in pieces:  # check it all first: nothing is read from a file that is not UTF-8
            str(view[a:b], "utf-8")
    except UnicodeDecodeError:
        return None
    count = data.count(b"\n", start)
    if size > start and data[-1:] != b"\n":
        count += 1
    return _pieces(view, pieces), count


def _pieces(view: memoryview, pieces: list[tuple[int, int]]) -> Iterator[str]:
    for a, b in pieces:
        lines = str(view[a:b], "utf-8").split("\n")
        if lines[-1] == "":
            lines.pop()
        yield from lines


def _has_utf8_line(data: bytes) -> bool:
    """Whether some line with non-ASCII bytes is valid UTF-8 on its own."""
    for match in _NON_ASCII_LINE.finditer(data):
        try:
            match[0].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def encode(lines: list[str]) -> bytes:
    """Lines → UTF-8 file bytes with LF endings; unreadable lines keep their bytes."""
    if not lines:
        return b""
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
