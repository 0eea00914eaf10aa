"""Indexes beside the held call records, so that what one month or some days show costs what it shows.

:class:`HeldCalls <telbill.session.held.HeldCalls>` keeps each caller's records
itself (a subscriber's calls, statement and latest month cost that subscriber's
records). Beside them it keeps:

- :class:`CallsByDay`: each day's records (by the day they start), for a month's
  calls and the calls of some days;
- :class:`SumsByMonth`: each billed month's fees of valid calls per caller, the
  sums a month's bill adds to rent and feature (:data:`telbill.rules.billing.MonthSums`),
  so that bills, statistics and month totals are made from the sums, not from the calls.

The day index is made as the records are loaded (one walk: about 0.1 s at a
million records), the sums when first asked for; both then follow every change:
a record listed or unlisted, a caller screened again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from telbill.rules.billing import MonthSums, month_sums
from telbill.rules.fields import SECONDS_PER_DAY
from telbill.rules.records import Call, month_of
from telbill.rules.tariff import Tariff


def month_days(month: str) -> tuple[int, int]:
    """The first and last day numbers of a ``YYYY-MM`` month."""
    year, number = int(month[:4]), int(month[5:7])
    first = date(year, number, 1).toordinal()
    after = date(year + number // 12, number % 12 + 1, 1).toordinal()
    return first, after - 1


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

    def between(self, first_day: int, last_day: int) -> list[Call]:
        """The records that start on ``first_day`` … ``last_day`` (inclusive)."""
        days = self.days
        if last_day - first_day + 1 > len(days):
            wanted: Iterable[int] = sorted(d for d in days if first_day <= d <= last_day)
        else:
            wanted = range(first_day, last_day + 1)
        found: list[Call] = []
        for day in wanted:
            group = days.get(day)
            if group:
                found += group
        return found


class SumsByMonth:
    """Month → :data:`~telbill.rules.billing.MonthSums` of the valid records: equal, after every
    change, to :func:`~telbill.rules.billing.month_sums` of all of them.

    Made when first asked for (one walk over the records: about 0.3 s at a million, which
    opening the menu does not pay for an operator who never bills), then kept up to date.
    """

    def __init__(self, tariff: Tariff) -> None:
        self.tariff = tariff
        self._months: dict[str, MonthSums] | None = None

    @property
    def ready(self) -> bool:
        """Whether the sums are made (changes keep them up to date from then on)."""
        return self._months is not None

    def months(self, valid: Callable[[], Iterable[Call]]) -> dict[str, MonthSums]:
        """Every billed month's sums (not to be changed), made now of the records ``valid`` gives
        if they are not made yet."""
        if self._months is None:
            self._months = month_sums(valid(), self.tariff)
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
        for month, (local_sums, long_sums) in month_sums(valid, self.tariff).items():
            held = months.get(month)
            if held is None:
                months[month] = (local_sums, long_sums)
            else:
                held[0].update(local_sums)
                held[1].update(long_sums)

