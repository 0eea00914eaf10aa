"""Finding subscribers by any name, and call records by number, month or days.

A month's or some days' calls come from the day index kept beside the records
(:class:`~telbill.session._indexes.CallsByDay`): they cost the calls found. Calls
by part of a number are a search over every record (no index can know every part).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any

from telbill.rules.records import Call
from telbill.session._indexes import month_days
from telbill.session._loaded import Loaded
from telbill.session.finding import Found, NameIndex


class Search:
    """The session's searches (item 8, and wherever a subscriber is asked for)."""

    def __init__(self, loaded: Loaded, names: NameIndex) -> None:
        self.loaded = loaded
        self.names = names

    def find_users(self, query: str) -> Found:
        """The users ``query`` names: a phone or part of one, a name or part of one (spaces
        ignored), its pinyin or pinyin initials, any case (see :mod:`telbill.session.finding`)."""
        return self.names.find(self.loaded.held_users.file.users, query)

    def find_calls_by_number(self, digits: str, done: Done | None = None) -> list[Call]:
        """Calls whose caller or callee contains ``digits``, in the current order; ``done(looked
        at, of)`` told as every record is looked at, a block of :data:`BLOCK` at a time."""
        calls = self.loaded.held_calls.calls
        walked = iter(calls)
        found: list[Call] = []
        seen = 0
        while block := list(islice(walked, BLOCK)):
            found += [c for c in block if digits in c.caller or digits in c.callee]
            seen += len(block)
            if done is not None:
                done(seen, len(calls))
        return found

    def find_calls_by_month(self, month: str, done: Done | None = None) -> list[Call]:
        """Calls that start in ``month`` (the month they are billed in), by start (see
        :meth:`find_calls_by_days`)."""
        return self.find_calls_by_days(*month_days(month), done)

    def find_calls_by_days(self, first_day: int, last_day: int, done: Done | None = None) -> list[Call]:
        """Calls that start on ``first_day`` … ``last_day`` (day numbers, inclusive), by start;
        calls that start at the same second in the current order. Sorted once, a day at a time
        (the day index gives them day by day), ``done(sorted, of)`` told as each day is sorted."""
        held = self.loaded.held_calls
        order = held.order
        tie: Callable[[Call], Any] = _line if order is None else order.rank
        days = held.by_day().between(first_day, last_day)
        total = sum(map(len, days))
        found: list[Call] = []
        for group in days:
            day = sorted(group, key=_start)
            _order_ties(day, tie)
            found += day
            if done is not None:
                done(len(found), total)
        return found


Done = Callable[[int, int], None]
"""Told how far a long step is: how many records are done, of how many."""
BLOCK = 20_000
"""Records looked at between two reports of how far a search over every record has got."""


def _start(call: Call) -> int:
    return call.start


def _line(call: Call) -> int:
    return call.line_no or 0


def _order_ties(calls: list[Call], tie: Callable[[Call], Any]) -> None:
    """Put each run of ``calls`` (sorted by start) that start at the same second in ``tie``'s order:
    only those runs are sorted again, not the whole list (a key of the current order, a tuple,
    costs several times a start's)."""
    i, n = 0, len(calls)
    while i < n:
        start, j = calls[i].start, i + 1
        while j < n and calls[j].start == start:
            j += 1
        if j - i > 1:
            calls[i:j] = sorted(calls[i:j], key=tie)
        i = j
