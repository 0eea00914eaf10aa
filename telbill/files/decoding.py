"""A data file's bytes as lines, and lines back as bytes in the file's own format.

The encoding is decided for the whole file (SPEC §1): UTF-16 when it starts
with a UTF-16 byte-order mark (Notepad's "Unicode"); else UTF-8 (with or
without a BOM) when the whole file is valid UTF-8; else GB18030 (what Chinese
Windows editors save as "ANSI") when the whole file is valid GB18030. Only a
file valid in none of these as a whole is read line by line (``mixed``): each
line UTF-8 if it can be, else GB18030, else it is unreadable and its bytes are
kept. The line endings (LF, CRLF or CR) and the BOM are noted so that a save
writes the file back as it was.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileFormat:
    """How a data file is written: its encoding, byte-order mark and line ending."""

    encoding: str = "utf-8"
    """``utf-8``, ``gb18030``, ``utf-16-le``, ``utf-16-be``, or ``mixed`` (line by line)."""
    bom: bool = False
    """Whether the file starts with a byte-order mark."""
    newline: str = "\n"
    """``\\n``, ``\\r\\n`` or ``\\r``: the first line ending of the file."""

    @property
    def family(self) -> str:
        """``utf-8``, ``gb18030``, ``utf-16`` or ``mixed``: what the operator is told."""
        return "utf-16" if self.encoding.startswith("utf-16") else self.encoding

    @property
    def _codec(self) -> str:
        # A mixed file is written as UTF-8: its lines read as GB18030 are converted,
        # its unreadable lines keep their bytes (surrogateescape).
        return "utf-8" if self.encoding == "mixed" else self.encoding

    def bom_bytes(self) -> bytes:
        """The byte-order mark this format starts with (empty without one)."""
        if not self.bom:
            return b""
        if self.encoding == "utf-16-le":
            return codecs.BOM_UTF16_LE
        if self.encoding == "utf-16-be":
            return codecs.BOM_UTF16_BE
        return codecs.BOM_UTF8

    def encode_lines(self, lines: list[str]) -> bytes:
        """Lines (without endings) → the bytes of the lines, each ended; no BOM."""
        if not lines:
            return b""
        text = self.newline.join(lines) + self.newline
        return text.encode(self._codec, "surrogateescape")

    def line_end(self) -> bytes:
        """One line ending in this encoding (to end a last line that had none)."""
        return self.newline.encode(self._codec)


UTF8_LF = FileFormat()
"""A new file: UTF-8, no BOM, LF line endings."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A data file's text, split into lines."""

    lines: list[str]
    """The lines without their line endings (LF, CRLF or CR)."""
    format: FileFormat
    """How the file is encoded, so that it can be written back the same way."""
    unreadable: frozenset[int]
    """1-based numbers of lines valid in neither encoding (only in a ``mixed``
    file). Their bytes are kept with the ``surrogateescape`` handler so that
    saving writes them back unchanged."""

    @property
    def encoding(self) -> str:
        """The format's encoding."""
        return self.format.encoding


def split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR, without the endings; no empty last line."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _newline(text: str) -> str:
    """The first line ending of ``text`` (LF when it has none)."""
    lf = text.find("\n")
    cr = text.find("\r")
    if cr < 0 or (0 <= lf < cr):
        return "\n"
    return "\r\n" if text.startswith("\n", cr + 1) else "\r"


def decode(data: bytes) -> Decoded:
    """Decode a whole file (see the module's description)."""
    for mark, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(mark):
            try:
                text = data[len(mark):].decode(encoding)
            except UnicodeDecodeError:
                break  # not UTF-16 after all: read it as the other files
            return Decoded(split_lines(text), FileFormat(encoding, True, _newline(text)), frozenset())
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return Decoded(split_lines(text), FileFormat(encoding, bom, _newline(text)), frozenset())
    return _decode_lines(data, bom)


def _decode_lines(data: bytes, bom: bool) -> Decoded:
    """A file valid in no encoding as a whole: each line on its own."""
    lines: list[str] = []
    unreadable: set[int] = set()
    newline = _newline(data[:65_536].decode("latin-1"))
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
    return Decoded(lines, FileFormat("mixed", bom, newline), frozenset(unreadable))


def encode(lines: list[str], fmt: FileFormat = UTF8_LF) -> bytes:
    """Lines → the whole file's bytes in ``fmt`` (BOM, encoding, line endings).

    Unreadable lines of a mixed file keep their bytes.
    """
    return fmt.bom_bytes() + fmt.encode_lines(lines)
