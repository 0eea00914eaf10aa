"""A data file's bytes as lines, and lines back as bytes in the file's own format.

The encoding is decided for the whole file (SPEC §1): UTF-16 when it starts
with a UTF-16 byte-order mark (Notepad's "Unicode"); else UTF-8 (with or
without a BOM) when the whole file is valid UTF-8; else GB18030 (what Chinese
Windows editors save as "ANSI") when the whole file is valid GB18030. Only a
file valid in none of these as a whole is read line by line (``mixed``): each
line UTF-8 if it can be, else GB18030, else it is unreadable and its bytes are
kept. The line endings (LF, CRLF or CR) and the BOM are noted so that a save
writes the file back as it was.

Two cases need more than that:

- A file without a BOM whose bytes are valid UTF-8 *and* valid GB18030 (郑爽 in
  GB18030 is ``D6 A3 CB AC``, which UTF-8 reads as ``֣ˬ``) is read the way that
  gives fewer characters nobody types in a data file (:func:`oddities`): a
  combining mark or modifier with no letter before it, a control or unassigned
  character, a letter of another script glued to the letter before it. A tie
  is UTF-8. The format says the other reading was possible (:attr:`FileFormat.also`),
  and the operator is told which one was taken.
- A file whose BOM claims UTF-16 but that does not decode as UTF-16 (an odd
  number of bytes, a lone surrogate) is still read as UTF-16: the lines that
  decode are used, each one that does not is a bad line with its bytes kept, and
  :attr:`FileFormat.damaged` says from which byte. telbill never writes into
  such a file (it would add text in an encoding the file no longer has).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class FileFormat:
    """How a data file is written: its encoding, byte-order mark and line ending."""

    encoding: str = "utf-8"
    """``utf-8``, ``gb18030``, ``utf-16-le``, ``utf-16-be``, or ``mixed`` (line by line)."""
    bom: bool = False
    """Whether the file starts with a byte-order mark."""
    newline: str = "\n"
    """``\\n``, ``\\r\\n`` or ``\\r``: the first line ending of the file."""
    also: str | None = None
    """The other encoding the whole file is valid in as well (``gb18030`` for a file taken as
    UTF-8, ``utf-8`` for one taken as GB18030), when there is one and the file is not ASCII."""
    damaged: int | None = None
    """The byte (from the file's start) where a file stops decoding in the encoding its BOM
    claims; such a file is read-only for telbill."""

    @property
    def family(self) -> str:
        """What the operator is told: ``utf-8``, ``gb18030``, ``utf-16``, ``mixed``;
        ``utf-8+gb18030`` / ``gb18030+utf-8`` (taken as the first, valid in the second too);
        ``utf-16-damaged`` (its BOM says UTF-16, its bytes do not all agree)."""
        family = "utf-16" if self.encoding.startswith("utf-16") else self.encoding
        if self.damaged is not None:
            return f"{family}-damaged"
        return f"{family}+{self.also}" if self.also else family

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
        return text.encode(self._codec, KEPT)

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
            return _decode_utf16(data[len(mark):], encoding, len(mark))
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        also = None
        if not bom and not data.isascii():
            both = Readings()
            if both.add_bytes(data):  # valid GB18030 as well
                if both.take_gb18030():
                    other = data.decode("gb18030")
                    return Decoded(split_lines(other), FileFormat("gb18030", False, _newline(other), also="utf-8"),
                                   frozenset())
                also = "gb18030" if both.close_call() else None
        return Decoded(split_lines(text), FileFormat("utf-8", bom, _newline(text), also=also), frozenset())
    text_gb = _valid(data, "gb18030")
    if text_gb is not None:
        return Decoded(split_lines(text_gb), FileFormat("gb18030", bom, _newline(text_gb)), frozenset())
    return _decode_lines(data, bom)


def _valid(data: bytes, encoding: str) -> str | None:
    """``data`` decoded, or ``None`` when it is not valid in ``encoding``."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


@dataclass(slots=True)
class Readings:
    """A file valid both as UTF-8 and as GB18030, read both ways (a piece at a time, each piece
    ending at a line end): which reading to take, and whether that was a close call."""

    utf8: Oddities = field(default_factory=lambda: Oddities())
    gb18030: Oddities = field(default_factory=lambda: Oddities())

    def add(self, utf8: str, gb18030: str) -> None:
        """One more piece of the file, as each reading gives it."""
        self.utf8.add(utf8)
        self.gb18030.add(gb18030)

    def add_bytes(self, data: bytes) -> bool:
        """Bytes of the file that are valid UTF-8 (ending at a line end, or the file's end), read
        both ways a line at a time, only the lines that are not ASCII (the same either way); False
        when one of them is not valid GB18030 (neither is the file, then: no byte of a GB18030
        character is a line end)."""
        for line in data.split(b"\n"):
            if line.isascii():
                continue
            try:
                other = line.decode("gb18030")
            except UnicodeDecodeError:
                return False
            self.add(line.decode("utf-8"), other)
        return True

    def take_gb18030(self) -> bool:
        """Take GB18030: its reading has fewer characters nobody types, counting Chinese glued to
        a letter of another script against it (a tie is UTF-8, as SPEC §1 tries UTF-8 first)."""
        return self.gb18030.odd + self.gb18030.glued < self.utf8.odd

    def close_call(self) -> bool:
        """UTF-8 was taken although only the GB18030 reading gives Chinese text (the UTF-8 one has
        not even a full-width digit), and reads just as cleanly: the operator is told the file is
        valid GB18030 too."""
        theirs = self.gb18030
        return theirs.odd == theirs.glued == self.utf8.odd == 0 and theirs.cjk > 0 and not self.utf8.cjk


@dataclass(slots=True)
class Oddities:
    """What one reading of a text holds besides ASCII (only non-ASCII characters are looked at,
    with the one before each: an ASCII file costs one scan)."""

    odd: int = 0
    """Characters nobody types in a data file of names and numbers: an unassigned, private-use
    or surrogate character, a modifier symbol, or a combining mark with no letter or mark
    before it (``֣ˬ``, what UTF-8 makes of 郑爽 in GB18030). Controls are not counted: a
    stray one is a bad line in either reading."""
    glued: int = 0
    """Chinese letters glued to a letter of another script (``Jos芒``, what GB18030 makes of José)."""
    cjk: int = 0
    """Characters of the Chinese (Japanese, Korean) blocks: letters, and the full-width digits,
    letters and punctuation a Chinese input method types (``８３４６``, ``，``)."""

    def add(self, text: str) -> None:
        for run in _NON_ASCII.finditer(text):
            start = run.start()
            before = text[start - 1] if start else "\n"
            for ch in run.group():
                category, script = _kind(ch)
                if category in _ODD_CATEGORIES:
                    self.odd += 1
                elif category[0] == "M":
                    self.odd += _kind(before)[0][0] not in "LM"
                elif script == "CJK":  # a letter, or a full-width digit or punctuation mark
                    self.cjk += 1
                    if category[0] == "L":
                        before_category, before_script = _kind(before)
                        self.glued += before_category[0] == "L" and before_script != "CJK"
                before = ch


_ODD_CATEGORIES = frozenset({"Cn", "Co", "Cs", "Sk"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_CJK = [(0x2E80, 0xA000), (0xAC00, 0xD800), (0xF900, 0xFB00), (0xFF00, 0xFFF0), (0x20000, 0x40000)]
"""CJK ideographs, kana, Hangul, full-width forms: the letters a Chinese data file is made of."""


@lru_cache(maxsize=8192)
def _kind(ch: str) -> tuple[str, str]:
    """(Unicode category, ``CJK`` or ``other``) of a character."""
    code = ord(ch)
    i = bisect_right(_CJK, (code, 0x110000)) - 1
    return unicodedata.category(ch), "CJK" if i >= 0 and code < _CJK[i][1] else "other"


def _keep_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: each byte that does not decode becomes ``U+DCxx`` (as
    ``surrogateescape`` does, for any codec): the line is unreadable, its bytes known."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start:exc.end]), exc.end


codecs.register_error("telbill-keep-bytes", _keep_bytes)
_KEPT_BYTE = re.compile("[\udc00-\udcff]")


def _write_kept_bytes(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Encoding error handler for what telbill writes: a kept byte from 0x80 (``U+DC80``–``U+DCFF``,
    an unreadable line of a mixed file) is written as itself, as ``surrogateescape`` does; one
    below 0x80 (``U+DC00``–``U+DC7F``: only half a UTF-16 code unit or half a surrogate pair of a
    damaged UTF-16 file gives one) as the text ``\\xNN``, since written raw it could end the line
    or be a NUL; any other lone surrogate as ``\\uXXXX``."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = bytearray()
    for ch in exc.object[exc.start:exc.end]:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)
        elif 0xDC00 <= code < 0xDC80:
            out += b"\\x%02x" % (code - 0xDC00)
        elif 0xD800 <= code <= 0xDFFF:
            out += b"\\u%04x" % code
        else:
            raise exc
    return bytes(out), exc.end


KEPT = "telbill-write-kept-bytes"
"""The error handler every file telbill writes is encoded with (:func:`_write_kept_bytes`)."""
codecs.register_error(KEPT, _write_kept_bytes)


def _decode_utf16(body: bytes, encoding: str, bom: int) -> Decoded:
    """A file with a UTF-16 BOM: decoded whole; if it does not all decode, the lines that
    do are read, the others are unreadable, and the format says from which byte."""
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        text = body.decode(encoding, "telbill-keep-bytes")
        lines = split_lines(text)
        bad = frozenset(n for n, line in enumerate(lines, 1) if _KEPT_BYTE.search(line))
        return Decoded(lines, FileFormat(encoding, True, _newline(text), damaged=bom + exc.start), bad)
    return Decoded(split_lines(text), FileFormat(encoding, True, _newline(text)), frozenset())


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
