"""Indexes beside the held call records, so that what one month or some days show costs what it shows.

:class:`HeldCalls <telbill.session.held.HeldCalls>` keeps each caller's records
itself (a subscriber's calls, statement and latest month cost that subscriber's
records). Beside them it keeps:

- :class:`CallsByDay`: each day's records (by the day they start), for a month's
  calls and the calls of some days;
- :class:`SumsByMonth`: each billed month's fees of valid calls per caller, the
  sums a month's bill adds to rent and feature (:data:`telbill.rules.billing.MonthSums`),
  so that bills, statistics and month totals are made from the sums, not from the calls;
- :class:`CallExtents`: the widest values among all the records, what the columns of
  the list of every record must fit. It only widens as records come (a record deleted
  leaves its width until the file is read again: a column a little wide, never a cut one).

Each is made when first asked for (one walk over the records: 0.1 to 0.4 s at a
million, which opening the menu does not pay for what an operator may never ask),
then follows every change: a record listed or unlisted, a caller screened again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from telbill.rules.billing import MonthSums, month_sums
from telbill.rules.classes import CallClass, classify
from telbill.rules.fields import NEXT_MONTH_DAY, SECONDS_PER_DAY, month_of
from telbill.rules.rating import Rating
from telbill.rules.records import Call
from telbill.rules.tariff import Tariff


def month_days(month: str) -> tuple[int, int]:
    """The first and last day numbers of a ``YYYY-MM`` month."""
    first = date(int(month[:4]), int(month[5:7]), 1).toordinal()
    return first, NEXT_MONTH_DAY[first] - 1


class CallsByDay:
    """Day number → the records that start on it (in no particular order)."""

    def __init__(self) -> None:
        self.days: dict[int, list[Call]] = {}

    def add(self, call: Call) -> None:
        day = call.start // SECONDS_PER_DAY
        group = self.days.get(day)
        if group is None:
            self.days[day] = [call]
        else:
            group.append(call)

    def remove(self, call: Call) -> None:
        """Take ``call`` out (as it was added: its start must not have changed since)."""
        day = call.start // SECONDS_PER_DAY
        group = self.days[day]
        for i, other in enumerate(group):
            if other is call:
                del group[i]
                break
        else:
            raise ValueError("not indexed")
        if not group:
            del self.days[day]

    def build(self, calls: Iterable[Call]) -> None:
        """Add every one of ``calls`` (one walk, as they are loaded)."""
        days = self.days
        for call in calls:
            day = call.start // SECONDS_PER_DAY
            group = days.get(day)
            if group is None:
                days[day] = [call]
            else:
                group.append(call)

    def months(self, billed: Callable[[Call], bool]) -> list[str]:
        """The months with a record that is ``billed``, oldest first (each month's days looked at
        until one has such a record)."""
        found: set[str] = set()
        for day in sorted(self.days):
            month = month_of(day * SECONDS_PER_DAY)
            if month not in found and any(map(billed, self.days[day])):
                found.add(month)
        return sorted(found)

    def between(self, first_day: int, last_day: int) -> list[list[Call]]:
        """The records that start on ``first_day`` … ``last_day`` (inclusive): each day's, the days
        in order (the lists held here: not to be changed)."""
        days = self.days
        if last_day - first_day + 1 > len(days):
            wanted: Iterable[int] = sorted(d for d in days if first_day <= d <= last_day)
        else:
            wanted = range(first_day, last_day + 1)
        return [group for group in map(days.get, wanted) if group]


class SumsByMonth:
    """Month → :data:`~telbill.rules.billing.MonthSums` of the valid records: equal, after every
    change, to :func:`~telbill.rules.billing.month_sums` of all of them."""

    def __init__(self, tariff: Tariff) -> None:
        self.rating = Rating(tariff)
        self._months: dict[str, MonthSums] | None = None

    @property
    def ready(self) -> bool:
        """Whether the sums are made (changes keep them up to date from then on)."""
        return self._months is not None

    def months(self, valid: Callable[[], Iterable[Call]]) -> dict[str, MonthSums]:
        """Every billed month's sums (not to be changed), made now of the records ``valid`` gives
        if they are not made yet."""
        if self._months is None:
            self._months = month_sums(valid(), self.rating)
        return self._months

    def forget(self) -> None:
        """Every record's screening may have changed: the sums are made again when next asked for."""
        self._months = None

    def update(self, caller: str, valid: Iterable[Call]) -> None:
        """The caller's sums made again from their valid records (all of them): their old sums go
        from every month, the new ones come in; a month left without a caller goes."""
        months = self._months
        if months is None:
            return
        for month in list(months):
            local_sums, long_sums = months[month]
            local_sums.pop(caller, None)
            long_sums.pop(caller, None)
            if not local_sums and not long_sums:
                del months[month]
        for month, (local_sums, long_sums) in month_sums(valid, self.rating).items():
            held = months.get(month)
            if held is None:
                months[month] = (local_sums, long_sums)
            else:
                held[0].update(local_sums)
                held[1].update(long_sums)



@dataclass(slots=True)
class CallExtents:
    """The widest values in a list of call records: what its columns must fit, so that the
    first page of a million records need not walk them all to be laid out."""

    caller: int = 0
    """Characters of the longest caller."""
    callee: int = 0
    """Characters of the longest callee."""
    shortest: int = 0
    """Seconds of the shortest duration, at most 0 (negative: a record that ends before it starts)."""
    longest: int = 0
    """Seconds of the longest duration, at least 0."""
    two_days: bool = False
    """Whether a record ends on another day than it starts."""
    billed: dict[CallClass, int] = field(default_factory=lambda: dict.fromkeys(CallClass, 0))
    """Seconds of each class's longest billed record (its fee is the widest: a fee only grows)."""

    @classmethod
    def of(cls, calls: Iterable[Call], is_billed: Callable[[Call], bool]) -> CallExtents:
        """The extents of ``calls`` (one walk)."""
        extents = cls()
        caller = callee = 0
        two_days = False
        lo = hi = floor = 0
        longest = extents.billed
        for call in calls:
            if len(call.caller) > caller:  # noqa: PLR1730 - an if is 6 x faster than max() here (a walk of every call)
                caller = len(call.caller)
            if len(call.callee) > callee:  # noqa: PLR1730 - as above
                callee = len(call.callee)
            start, end = call.start, call.end
            seconds = end - start
            if seconds > hi:
                hi = seconds
            elif seconds < lo:
                lo = seconds
            if not two_days and end // SECONDS_PER_DAY != start // SECONDS_PER_DAY:
                two_days = True
            if seconds > floor:  # longer than some class's longest: only then is the class looked up
                kind = classify(call.callee)
                if seconds > longest[kind] and is_billed(call):
                    longest[kind] = seconds
                    floor = min(longest.values())
        extents.caller, extents.callee, extents.shortest, extents.longest = caller, callee, lo, hi
        extents.two_days = two_days
        return extents

    def widen(self, call: Call, billed: bool) -> None:
        """Make room for ``call`` (a record added or changed, or newly billed)."""
        seconds = call.end - call.start
        self.caller = max(self.caller, len(call.caller))
        self.callee = max(self.callee, len(call.callee))
        self.shortest = min(self.shortest, seconds)
        self.longest = max(self.longest, seconds)
        self.two_days = self.two_days or call.end // SECONDS_PER_DAY != call.start // SECONDS_PER_DAY
        if billed:
            kind = classify(call.callee)
            self.billed[kind] = max(self.billed[kind], seconds)
