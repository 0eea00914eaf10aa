"""The records telbill holds: subscribers, call records, and their field formats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

from telbill.linkedlist import Linked

SECONDS_PER_DAY = 86_400
MAX_NAME_CHARS = 64
PHONE_MIN, PHONE_MAX = 3, 20
MAX_YUAN_DIGITS = 15
"""Digits allowed before the decimal point of an amount (under a thousand trillion yuan)."""

_MONEY = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_MONEY_ANY = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})")


class CallClass(str, Enum):
    """The class of a call, decided by the dialled number."""

    LOCAL = "local"
    DOMESTIC = "domestic"
    INTERNATIONAL = "international"

    @property
    def is_long_distance(self) -> bool:
        """International calls are counted in the long-distance (长途) column."""
        return self is not CallClass.LOCAL


def classify(callee: str) -> CallClass:
    """``00…`` international, other ``0…`` domestic long distance, else local."""
    if callee.startswith("00"):
        return CallClass.INTERNATIONAL
    if callee.startswith("0"):
        return CallClass.DOMESTIC
    return CallClass.LOCAL


class AnomalyCode(str, Enum):
    """Why a call record is set aside, in the order the checks are made."""

    MALFORMED = "malformed"
    END_BEFORE_START = "end-before-start"
    UNKNOWN_CALLER = "unknown-caller"
    TOO_LONG = "too-long"
    OVERLAP = "overlap"


# -- field formats ---------------------------------------------------------------


def is_phone(text: str) -> bool:
    """3 to 20 ASCII digits."""
    return PHONE_MIN <= len(text) <= PHONE_MAX and text.isascii() and text.isdigit()


def money_problem(text: str) -> str | None:
    """The message key saying why ``text`` is not an amount of yuan, or ``None``."""
    if _MONEY.fullmatch(text):
        if len(text.partition(".")[0].lstrip("0")) > MAX_YUAN_DIGITS:
            return "money.too_large"
        return None
    if _MONEY_ANY.fullmatch(text):
        if text.startswith("-"):
            return "money.negative"
        return "money.decimals"
    return "money.not_number"


def parse_money(text: str) -> int:
    """``'25.5'`` → 2550 fen. The caller checks :func:`money_problem` first."""
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def format_fen(fen: int) -> str:
    """2550 → ``'25.50'``; never a float on the way."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(fen), 100)
    return f"{sign}{q}.{r:02d}"


_date_cache: dict[str, int] = {}
_clock_cache: dict[str, int] = {}


def parse_date(text: str) -> int | None:
    """``YYYY-MM-DD`` → its day number (``date.toordinal``), or ``None`` if impossible."""
    day = _date_cache.get(text)
    if day is not None:
        return day
    if not _DATE.fullmatch(text):
        return None
    try:
        day = date(int(text[:4]), int(text[5:7]), int(text[8:])).toordinal()
    except ValueError:
        return None
    _date_cache[text] = day
    return day


def parse_clock(text: str) -> int | None:
    """``HH:MM:SS`` (00:00:00 to 23:59:59) → seconds since midnight, or ``None``."""
    secs = _clock_cache.get(text)
    if secs is not None:
        return secs
    m = _CLOCK.fullmatch(text)
    if m is None:
        return None
    h, mi, s = int(m[1]), int(m[2]), int(m[3])
    if h > 23 or mi > 59 or s > 59:
        return None
    secs = h * 3600 + mi * 60 + s
    _clock_cache[text] = secs
    return secs


def parse_moment(day_text: str, clock_text: str) -> int | None:
    """Date and time fields → seconds since 0001-01-01 00:00:00 local time."""
    day = parse_date(day_text)
    secs = parse_clock(clock_text)
    if day is None or secs is None:
        return None
    return day * SECONDS_PER_DAY + secs


def format_moment(moment: int) -> str:
    """Seconds (as from :func:`parse_moment`) → ``YYYY-MM-DD HH:MM:SS``."""
    day, secs = divmod(moment, SECONDS_PER_DAY)
    h, rem = divmod(secs, 3600)
    mi, s = divmod(rem, 60)
    return f"{date.fromordinal(day).isoformat()} {h:02d}:{mi:02d}:{s:02d}"


_month_cache: dict[int, str] = {}


def month_of(moment: int) -> str:
    """The calendar month ``YYYY-MM`` that ``moment`` falls in."""
    day = moment // SECONDS_PER_DAY
    month = _month_cache.get(day)
    if month is None:
        d = date.fromordinal(day)
        month = _month_cache[day] = f"{d.year:04d}-{d.month:02d}"
    return month


def format_duration(seconds: int) -> str:
    """``3725`` → ``'1:02:05'``, ``259201`` → ``'72:00:01'``: hours, minutes, seconds.

    The same in every language (no unit letters to translate).
    """
    h, rem = divmod(seconds, 3600)
    mi, s = divmod(rem, 60)
    return f"{h}:{mi:02d}:{s:02d}"


# -- records ---------------------------------------------------------------------


@dataclass(slots=True)
class User:
    """A subscriber (one line of users.txt)."""

    phone: str
    """3 to 20 digits, unique."""
    name: str
    """Any script; single spaces between words."""
    rent: int
    """Monthly rent (月租费) in fen."""
    feature: int
    """Monthly feature fee (功能费) in fen."""
    line_no: int | None = None
    """Line in the file it was read from; ``None`` for a user added since."""
    raw: str | None = None
    """The line as read, kept so an unchanged record is saved byte for byte."""

    def text(self) -> str:
        """The record as a users.txt line."""
        if self.raw is not None:
            return self.raw
        return f"{self.phone}  {self.name}  {format_fen(self.rent)}  {format_fen(self.feature)}"


@dataclass(slots=True)
class Call(Linked):
    """A call record (话单): one line of calls.txt.

    It can be its own cell of an :class:`~telbill.linkedlist.IntrusiveList`
    (the calls as loaded are held that way: no separate list node per call).
    """

    caller: str
    """The calling subscriber's number."""
    callee: str
    """The dialled number."""
    start: int
    """Start, in seconds since 0001-01-01 00:00:00 local time."""
    end: int
    """End, same scale."""
    line_no: int | None = None
    """Line in the file it was read from; ``None`` for a call added since."""
    raw: str | None = None
    """The line as read."""

    @property
    def duration(self) -> int:
        """END − START in seconds."""
        return self.end - self.start

    @property
    def call_class(self) -> CallClass:
        """Local, domestic or international, from the callee."""
        return classify(self.callee)

    @property
    def month(self) -> str:
        """The billing month: the month the call starts in."""
        return month_of(self.start)

    def text(self) -> str:
        """The record as a calls.txt line."""
        if self.raw is not None:
            return self.raw
        return f"{self.caller}  {self.callee}  {format_moment(self.start)}  {format_moment(self.end)}"
