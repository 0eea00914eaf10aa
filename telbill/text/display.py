"""Text as it is shown: escaped so that a terminal never obeys it, and its display width.

Everything that comes from a data file or the command line (names, record
texts, paths, typed values) goes through :func:`shown` before it reaches a
screen. Control characters (terminal escape sequences included), invisible
format characters (BOM, bidi controls, zero-width spaces), line separators and
unreadable bytes are written as escapes (``\\x1b``, ``\\u202e``, ``\\xff``); the
rest, any script included, is shown as it is.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from wcwidth import wcswidth

QUOTE_LIMIT = 40
"""Characters of a value quoted in a message; longer ones are cut with ``…``."""

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if 0xDC00 <= code <= 0xDCFF:  # a byte that could not be decoded (surrogateescape, or a damaged UTF-16 file)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def shown(text: str) -> str:
    """``text`` safe to print: every character a terminal could obey, or that
    would not be seen, as an escape. Applying it twice changes nothing more."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) if ch != " " and unicodedata.category(ch) in _ESCAPED_CATEGORIES else ch
                   for ch in text)


def quote(value: str) -> str:
    """A value as quoted in a message: cut to 40 characters, escaped, in quotes."""
    if len(value) > QUOTE_LIMIT:
        value = value[:QUOTE_LIMIT] + "…"
    return f"'{shown(value)}'"


@lru_cache(maxsize=65_536)
def width(text: str) -> int:
    """Columns ``text`` takes; characters wcwidth cannot size count as 1."""
    w = wcswidth(text)
    return w if w >= 0 else len(text)


def ljust(text: str, columns: int) -> str:
    """``text`` padded on the right to ``columns`` display columns."""
    return text + " " * (columns - width(text))


def rjust(text: str, columns: int) -> str:
    """``text`` padded on the left to ``columns`` display columns."""
    return " " * (columns - width(text)) + text
