"""The records telbill holds: subscribers, call records, and how their fields are written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from telbill.lists.linked import Linked
from telbill.rules.fields import SECONDS_PER_DAY


class CallClass(str, Enum):
    """The class of a call, decided by the dialled number."""

    LOCAL = "local"
    DOMESTIC = "domestic"
    INTERNATIONAL = "international"


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


# -- fields as text ---------------------------------------------------------------


def format_fen(fen: int) -> str:
    """2550 → ``'25.50'``; never a float on the way."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(fen), 100)
    return f"{sign}{q}.{r:02d}"


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

    It can be its own cell of an :class:`~telbill.lists.linked.IntrusiveList`
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
