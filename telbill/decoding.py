"""Turning a data file's bytes into lines: UTF-8 (BOM or not), else GB18030."""

from __future__ import annotations

import codecs
import re
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
