"""Display width of text in a terminal or a monospaced file (CJK counts 2)."""

from __future__ import annotations

from functools import lru_cache

from wcwidth import wcswidth


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
