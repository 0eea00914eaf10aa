"""Finding subscribers by any name, and call records by number, month or days.

A month's or some days' calls come from the day index kept beside the records
(:class:`~telbill.session._indexes.CallsByDay`): they cost the calls found. Calls
by part of a number are a search over every record (no index can know every part).
"""

from __future__ import annotations

from telbill.lists.linked import LinkedList
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

    def find_calls_by_number(self, digits: str) -> LinkedList[Call]:
        """Calls whose caller or callee contains ``digits``, in the current order."""
        return self.loaded.held_calls.calls.filter(lambda c: digits in c.caller or digits in c.callee)

    def find_calls_by_month(self, month: str) -> LinkedList[Call]:
        """Calls that start in ``month`` (the month they are billed in), in the current order."""
        return self.find_calls_by_days(*month_days(month))

    def find_calls_by_days(self, first_day: int, last_day: int) -> LinkedList[Call]:
        """Calls that start on ``first_day`` … ``last_day`` (day numbers, inclusive), in the current order."""
        held = self.loaded.held_calls
        found = held.by_day().between(first_day, last_day)
        order = held.order
        if order is None:
            found.sort(key=lambda c: c.line_no or 0)
        else:
            found.sort(key=order.rank)
        return LinkedList(found)
