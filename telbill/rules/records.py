"""The records telbill holds, subscribers and call records, and how a line of a data file becomes one
(a field's format: :mod:`telbill.rules.fields`)."""

from __future__ import annotations

from dataclasses import dataclass

from telbill.lists.linked import Linked
from telbill.rules.classes import CallClass, classify
from telbill.rules.fields import (
    MAX_NAME_CHARS,
    clock_shaped,
    date_shaped,
    format_fen,
    format_moment,
    is_phone,
    moment_at,
    money_problem,
    month_of,
    name_problem,
    parse_clock,
    parse_date,
    parse_money,
    split_fields,
    wide_digit,
)
from telbill.text.display import quote

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
    """Start, in seconds since 0001-01-01 00:00:00 local time (:func:`~telbill.rules.fields.format_moment`)."""
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


# -- a line's fields as a record ----------------------------------------------------------------


def parse_user(text: str) -> tuple[User | None, str, dict[str, object]]:
    """Parse a comment-free users line: ``(user, '', {})`` or ``(None, key, params)``."""
    parts = split_fields(text)
    if len(parts) < 4:
        return None, "users.fields", {"count": len(parts), "value": quote(text)}
    phone, rent, feature = parts[0], parts[-2], parts[-1]
    if not is_phone(phone):
        return _not_a_phone("users.phone", phone)
    name = " ".join(parts[1:-2])
    problem = name_problem(name)
    if problem is not None:
        return None, problem[0], {"value": quote(name), "limit": MAX_NAME_CHARS, **problem[1]}
    for label, value in (("rent", rent), ("feature", feature)):
        why = money_problem(value)
        if why is not None:
            return None, f"{label}.{why.split('.')[1]}", {"value": quote(value)}
    return User(phone, name, parse_money(rent), parse_money(feature)), "", {}


def _not_a_phone(key: str, number: str) -> tuple[None, str, dict[str, object]]:
    """Why a file's ``number`` is no phone, naming a full-width digit in it as such (looked for only where
    one can be: in a number not all ASCII; 0.4 µs a line otherwise)."""
    wide = None if number.isascii() else wide_digit(number)
    if wide is not None:
        return None, key + "_wide", {"value": quote(number), "digit": quote(wide)}
    return None, key, {"value": quote(number)}


CallFields = tuple[str, str, int, int]
"""A record's caller, callee, start and end (seconds)."""


def parse_call_fields(parts: list[str]) -> tuple[CallFields | None, str, dict[str, object]]:
    """Rule 1 (``malformed``): parse the fields of one calls line, as :func:`~telbill.rules.fields.split_fields`
    separates them: ``(fields, '', {})`` or ``(None, key, params)``."""
    if len(parts) != 6:
        return None, "calls.fields", {"count": len(parts)}
    caller, callee, d1, t1, d2, t2 = parts
    for label, number in (("caller", caller), ("callee", callee)):
        if not is_phone(number):
            return _not_a_phone(f"calls.{label}", number)
    moments = []
    for day_text, clock_text in ((d1, t1), (d2, t2)):
        day = parse_date(day_text)
        if day is None:
            key = "calls.date" if date_shaped(day_text) else "calls.date_format"
            return None, key, {"value": quote(day_text)}
        secs = parse_clock(clock_text)
        if secs is None:
            key = "calls.time" if clock_shaped(clock_text) else "calls.time_format"
            return None, key, {"value": quote(clock_text)}
        moments.append(moment_at(day, secs))
    return (caller, callee, moments[0], moments[1]), "", {}
