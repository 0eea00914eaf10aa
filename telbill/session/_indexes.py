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

from telbill.rules.billing import MonthSums, billed_months, month_sums
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
    """Day number → the records that start on it (in no particular order), and month → how many
    of them are valid: what :func:`~telbill.rules.billing.billed_months` is asked for the menu's
    billed months (a record's screening changed is one count moved, not a walk)."""

    def __init__(self) -> None:
        self.days: dict[int, list[Call]] = {}
        self.valid: dict[str, int] = {}
        """Month → its valid records (0 once they are all gone or set aside)."""

    def add(self, call: Call, valid: bool) -> None:
        """Index ``call`` (``valid``: not set aside)."""
        day = call.start // SECONDS_PER_DAY
        group = self.days.get(day)
        if group is None:
            self.days[day] = [call]
        else:
            group.append(call)
        if valid:
            self.screened(call, True)

    def remove(self, call: Call, valid: bool) -> None:
        """Take ``call`` out (as it was added: its start must not have changed since; ``valid``:
        whether it was counted valid)."""
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
        if valid:
            self.screened(call, False)

    def screened(self, call: Call, valid: bool) -> None:
        """``call`` became valid (or stopped being): its month counts one more (or one fewer)."""
        month = month_of(call.start)
        self.valid[month] = self.valid.get(month, 0) + (1 if valid else -1)

    def build(self, calls: Iterable[Call], set_aside: Iterable[Call]) -> None:
        """Add every one of ``calls`` (one walk, as they are loaded); ``set_aside``: those of them
        that are not valid."""
        days = self.days
        for call in calls:
            day = call.start // SECONDS_PER_DAY
            group = days.get(day)
            if group is None:
                days[day] = [call]
            else:
                group.append(call)
        self.count(set_aside)

    def count(self, set_aside: Iterable[Call]) -> None:
        """Count each month's valid records again, every record's screening having changed:
        each day's records, less those ``set_aside`` (a walk over the days, not the records)."""
        valid: dict[str, int] = {}
        for day, group in self.days.items():
            month = month_of(day * SECONDS_PER_DAY)
            valid[month] = valid.get(month, 0) + len(group)
        for call in set_aside:
            valid[month_of(call.start)] -= 1
        self.valid = valid

    def months(self) -> list[str]:
        """The billed months, oldest first (:func:`~telbill.rules.billing.billed_months`)."""
        return billed_months(self.valid)

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
