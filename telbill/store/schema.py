"""Reading a JSON record of ours field by field: a journal or an undo record.

Each function takes what :func:`json.loads` gave and returns the field with its
type checked (a ``bool`` is never taken for a number), or raises
:class:`BadField` naming the field (``files.calls.undo.copy``). The callers turn
that into :class:`telbill.errors.BadRecordError`: a record that fails is moved
aside and named, never used and never an internal error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

HEX = re.compile(r"(?:[0-9a-f]{2})*")
SHA256 = re.compile(r"[0-9a-f]{64}")
LARGEST = 1 << 62
"""No size, offset, inode or line number of ours is larger."""


class BadField(ValueError):
    """A field is missing, of the wrong type or out of range (``args[0]``: its dotted name)."""

    @property
    def field(self) -> str:
        return str(self.args[0])


def parsed(text: str) -> dict[str, Any]:
    """The JSON object of a record (json.JSONDecodeError when it is not JSON at all:
    a record cut short while being written; BadField when it nests deeper than Python can
    read, which telbill never writes)."""
    try:
        body = json.loads(text)
    except RecursionError:
        raise BadField("(nesting)") from None
    if not isinstance(body, dict):
        raise BadField("(top)")
    return body


def obj(value: Any, where: str) -> dict[str, Any]:
    """``value`` as a JSON object with string keys."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise BadField(where)
    return value


def only(body: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
    """No key but ``allowed``."""
    for key in body:
        if key not in allowed:
            raise BadField(f"{where}.{key}" if where else key)


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def text(body: Mapping[str, Any], key: str, where: str = "", *, pattern: re.Pattern[str] | None = None,
         one_line: bool = False) -> str:
    """A string field (matching ``pattern`` whole; without line ends when ``one_line``)."""
    value = body.get(key)
    if not isinstance(value, str) or (pattern is not None and pattern.fullmatch(value) is None) \
            or (one_line and ("\n" in value or "\r" in value)):
        raise BadField(_name(where, key))
    return value


def maybe_text(body: Mapping[str, Any], key: str, where: str = "", *,
               pattern: re.Pattern[str] | None = None) -> str | None:
    """A string field that may be missing or ``null``."""
    return None if body.get(key) is None else text(body, key, where, pattern=pattern)


def number(value: Any, where: str, low: int = 0, high: int = LARGEST) -> int:
    """An integer (not a bool) with ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadField(where)
    return value


def integer(body: Mapping[str, Any], key: str, where: str = "", *, low: int = 0, high: int = LARGEST) -> int:
    """An integer field in range."""
    return number(body.get(key), _name(where, key), low, high)


def maybe_integer(body: Mapping[str, Any], key: str, where: str = "", *, low: int = 0) -> int | None:
    """An integer field that may be missing or ``null``."""
    return None if body.get(key) is None else integer(body, key, where, low=low)


def flag(body: Mapping[str, Any], key: str, where: str = "") -> bool:
    """A true/false field."""
    value = body.get(key)
    if not isinstance(value, bool):
        raise BadField(_name(where, key))
    return value


def items(body: Mapping[str, Any], key: str, where: str = "", *, default: list[Any] | None = None) -> list[Any]:
    """A list field (``default`` when missing)."""
    value = body.get(key, default)
    if not isinstance(value, list):
        raise BadField(_name(where, key))
    return value


def pair(value: Any, where: str) -> tuple[Any, Any]:
    """A two-item list."""
    if not isinstance(value, list) or len(value) != 2:
        raise BadField(where)
    return value[0], value[1]


def plain_name(value: str, pattern: re.Pattern[str], where: str) -> str:
    """A file name alone (no folder, no ``..``) that ``pattern`` matches whole."""
    if "/" in value or "\\" in value or "\0" in value or value in ("", ".", "..") \
            or pattern.fullmatch(value) is None:
        raise BadField(where)
    return value
