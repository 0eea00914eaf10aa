"""Bills (SPEC §4): each billed call's fee added to its caller's month, a month's rows (no I/O).

:class:`Usage` is where a fee meets a month: fed the billed records a run at a time
as columns (callers, callees, starts, ends), it adds each fee to its caller's local
or long-distance sum of the month the call starts in. Every engine bills through
it: the batch's parts, the menu's bills, statement and month totals.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, count, islice, repeat
from operator import attrgetter, floordiv, is_not, le, sub

from telbill.lists.linked import LinkedList
from telbill.rules.classes import CallClass
from telbill.rules.fields import NEXT_MONTH_DAY, SECONDS_PER_DAY, month_of
from telbill.rules.rating import Rated, Rating
from telbill.rules.records import Call, User
from telbill.rules.tariff import Tariff
from telbill.speed import Memo, paused_gc


def row_total(rent: int, feature: int, local: int, long_distance: int) -> int:
    """合计 (SPEC §4), in fen: rent + feature + local + long distance. The one home of the sum:
    a row, a month's totals row (of its column sums), the grand total, the statistics."""
    return rent + feature + local + long_distance


def grand_total(rents: int, features: int, month_fees: Iterable[tuple[int, int]]) -> int:
    """总计 of the bill-detail file (SPEC §4), in fen: each billed month's totals row summed over
    the months. ``rents``, ``features``: every subscriber's, summed (a month bills each once);
    ``month_fees``: each billed month's (local, long distance) fees. The one home of the sum: the
    bills (:attr:`Bills.grand_total`), the statistics and the batch call it."""
    return sum(row_total(rents, features, local, long_distance) for local, long_distance in month_fees)


def row_totals(rents: Iterable[int], features: Iterable[int], locals_: Iterable[int],
               longs: Iterable[int]) -> list[int]:
    """:func:`row_total` of each row, from the columns (the bill's and the CSV's last column)."""
    return list(map(row_total, rents, features, locals_, longs))


@dataclass(slots=True)
class BillRow:
    """One subscriber's bill for one month; amounts in fen."""

    phone: str
    name: str
    rent: int
    """月租费."""
    feature: int
    """功能费."""
    local: int
    """市内电话费用."""
    long_distance: int
    """长途电话费用 (domestic and international)."""

    @property
    def total(self) -> int:
        """合计 (:func:`row_total`)."""
        return row_total(self.rent, self.feature, self.local, self.long_distance)


@dataclass(slots=True)
class MonthBill:
    """Every subscriber's row for one month, in users.txt order."""

    month: str
    """``YYYY-MM``."""
    rows: list[BillRow]

    @property
    def totals(self) -> BillRow:
        """The column sums, as a row with an empty phone and name."""
        rows = self.rows
        return BillRow("", "", *(sum(map(attrgetter(f), rows))
                                 for f in ("rent", "feature", "local", "long_distance")))


@dataclass(slots=True)
class Bills:
    """The bills of every billed month, oldest first."""

    months: list[MonthBill] = field(default_factory=list)

    @property
    def grand_total(self) -> int:
        """Sum of every row of every month, in fen (:func:`grand_total` of the months' totals rows)."""
        totals = [m.totals for m in self.months]
        if not totals:
            return 0
        return grand_total(totals[0].rent, totals[0].feature, ((t.local, t.long_distance) for t in totals))

    def month(self, month: str) -> MonthBill | None:
        """The bill of ``month``, if it was billed."""
        return next((m for m in self.months if m.month == month), None)


def billed_months(valid_calls: Mapping[str, int], only_month: str | None = None) -> list[str]:
    """The months billed (SPEC §4), oldest first: every month a valid call starts in, or
    ``only_month`` alone (billed even without a call). The one home of the rule: the batch's and
    the menu's bills (through :meth:`Usage.billed`) and the menu's list of billed months
    (:class:`~telbill.session._indexes.CallsByDay`) ask it.

    ``valid_calls``: month → how many valid calls start in it (a month may be there with 0).
    """
    if only_month is not None:
        return [only_month]
    return sorted(month for month, calls in valid_calls.items() if calls > 0)


MonthSums = tuple[dict[str, int], dict[str, int]]
"""One month's fees of valid calls per caller (phone → fen): local, and long distance (domestic and
international). A caller is in a month's sums when at least one of their valid calls starts in it."""


class MonthUsage:
    """One month's billed calls: each caller's local and long-distance fees, and how many calls."""

    __slots__ = ("calls", "sums")

    def __init__(self) -> None:
        self.sums: MonthSums = ({}, {})
        """Caller → fen: ``sums[False]`` local, ``sums[True]`` long distance (as
        the class's :attr:`~telbill.rules.classes.CallClass.column` states)."""
        self.calls = 0


class Usage:
    """Every billed month's :class:`MonthUsage`: the calls' fees, before rent and feature are added.

    ``only_month``: the one month billed (the calls of other months count nowhere). Like
    :class:`~telbill.rules.rating.Rating`, it is in no reference cycle (a partition's usage is
    freed as soon as the partition is billed, the collector held back or not).
    """

    __slots__ = ("by_day", "months", "only_month", "rating")

    def __init__(self, rating: Rating, only_month: str | None = None) -> None:
        self.rating = rating
        self.only_month = only_month
        self.months: dict[str, MonthUsage] = {}
        if only_month is not None:
            self.months[only_month] = MonthUsage()
        self.by_day: Memo[int, MonthUsage | None] = Memo(partial(_usage_of_day, self.months, only_month))
        """Day number → its month's usage (``None``: a month not billed); each day's month found once."""

    def add(self, callers: Sequence[str], callees: Sequence[str], starts: Sequence[int], ends: Sequence[int]) -> None:
        """Bill calls given as columns: each fee is added to its caller's sum of the month the call starts in."""
        self.add_rated(callers, self.rating.classes(callees), starts, ends)

    def add_rated(self, callers: Sequence[str], classes: Sequence[Rated], starts: Sequence[int],
                  ends: Sequence[int]) -> None:
        """:meth:`add` with each callee's class looked up already (:meth:`Rating.classes
        <telbill.rules.rating.Rating.classes>`, or one at a time where each callee is at hand: a
        swept caller's records, gathered from the list, are rated as they are met)."""
        if not starts:
            return
        by_day = self.by_day
        usage = by_day[min(starts) // SECONDS_PER_DAY]
        if usage is not None and usage is by_day[max(starts) // SECONDS_PER_DAY]:
            self._add_to(usage, callers, classes, starts, ends)  # all in one month (as most runs read are)
            return
        if all(map(le, starts, islice(starts, 1, None))):  # in start order (a swept caller's): a run a month
            self._add_months(callers, classes, starts, ends)
            return
        months = list(map(by_day.__getitem__, map(floordiv, starts, repeat(SECONDS_PER_DAY))))
        cuts = [0, *compress(count(1), map(is_not, islice(months, 1, None), months)), len(months)]
        if len(cuts) < 16:  # a few runs of one month each (records in time order)
            for a, b in zip(cuts, islice(cuts, 1, None)):
                usage = months[a]
                if usage is not None:
                    self._add_to(usage, callers[a:b], classes[a:b], starts[a:b], ends[a:b])
            return
        rows: dict[MonthUsage | None, list[int]] = {}
        for i, usage in enumerate(months):
            rows.setdefault(usage, []).append(i)
        for usage, where in rows.items():
            if usage is not None:
                self._add_to(usage, [callers[i] for i in where], [classes[i] for i in where],
                             [starts[i] for i in where], [ends[i] for i in where])

    def _add_months(self, callers: Sequence[str], classes: Sequence[Rated], starts: Sequence[int],
                    ends: Sequence[int]) -> None:
        """:meth:`add` for calls in start order: each month's calls are a run, its end found by
        bisection (no month looked up for each call)."""
        at, n = 0, len(starts)
        while at < n:
            day = starts[at] // SECONDS_PER_DAY
            stop = bisect_left(starts, NEXT_MONTH_DAY[day] * SECONDS_PER_DAY, at)
            usage = self.by_day[day]
            if usage is not None:
                self._add_to(usage, callers[at:stop], classes[at:stop], starts[at:stop], ends[at:stop])
            at = stop

    def _add_to(self, usage: MonthUsage, callers: Sequence[str], classes: Sequence[Rated], starts: Sequence[int],
                ends: Sequence[int]) -> None:
        """:meth:`add` for calls that all start in the month of ``usage``."""
        sums = usage.sums
        for caller, (fees, far), seconds in zip(callers, classes, map(sub, ends, starts)):
            column = sums[far]
            column[caller] = column.get(caller, 0) + fees[seconds]
        usage.calls += len(callers)

    def add_calls(self, calls: Iterable[Call]) -> None:
        """Bill call records: :meth:`add` a record at a time (their fields are not made into columns)."""
        by_day, rated = self.by_day, self.rating.rated
        for call in calls:
            # The four fields first, together: records lie scattered in memory.
            caller, callee, start, end = call.caller, call.callee, call.start, call.end
            usage = by_day[start // SECONDS_PER_DAY]
            if usage is not None:
                # Rating's own lookup, not written out again: timeit showed no gain in that
                # (1M calls, 3.0-4.4 s inline against 3.1-4.6 s, on a loaded machine).
                fees, far = rated(callee)
                column = usage.sums[far]
                column[caller] = column.get(caller, 0) + fees[end - start]
                usage.calls += 1

    def take_off(self, caller: str, rated: Rated, start: int, end: int) -> None:
        """Take back a call :meth:`add` billed (found to be set aside afterwards); ``rated``: its
        callee's class."""
        usage = self.by_day[start // SECONDS_PER_DAY]
        if usage is not None:
            fees, far = rated
            usage.sums[far][caller] -= fees[end - start]
            usage.calls -= 1

    def fees(self, month: str, phones: Sequence[str]) -> tuple[list[int], list[int]]:
        """The local and the long-distance fees of ``month`` of each of ``phones``, as two columns."""
        usage = self.months.get(month)
        local, far = usage.sums if usage is not None else ({}, {})
        return list(map(local.get, phones, repeat(0))), list(map(far.get, phones, repeat(0)))

    def billed(self) -> list[str]:
        """The months billed, oldest first (:func:`billed_months`)."""
        return billed_months({month: usage.calls for month, usage in self.months.items()}, self.only_month)

    def month_sums(self) -> dict[str, MonthSums]:
        """Each billed month's sums (:data:`MonthSums`)."""
        return {month: self.months[month].sums for month in self.billed()}

    def bills(self, users: Iterable[User]) -> Bills:
        """Every billed month's rows, one per subscriber of ``users``, in their order."""
        return bills_from_sums(users, self.month_sums())


def _usage_of_day(months: dict[str, MonthUsage], only_month: str | None, day: int) -> MonthUsage | None:
    """The usage in ``months`` of the month of ``day`` (made the first time; ``None``: not ``only_month``)."""
    month = month_of(day * SECONDS_PER_DAY)
    if only_month is not None and month != only_month:
        return None
    usage = months.get(month)
    if usage is None:
        usage = months[month] = MonthUsage()
    return usage


def _user_columns(users: Iterable[User]) -> tuple[list[str], list[str], list[int], list[int]]:
    ordered = list(users)
    return ([u.phone for u in ordered], [u.name for u in ordered], [u.rent for u in ordered],
            [u.feature for u in ordered])


def compute_bills(
    users: Iterable[User],
    calls: Iterable[Call],
    tariff: Tariff,
    only_month: str | None = None,
) -> Bills:
    """Bill every month with a valid call starting in it (or just ``only_month``).

    ``calls`` must be the valid ones (after :func:`telbill.rules.screening.screen_calls`).
    """
    return bills_from_sums(users, month_sums(calls, Rating(tariff), only_month))


def month_sums(calls: Iterable[Call], rating: Rating, only_month: str | None = None) -> dict[str, MonthSums]:
    """The sums of every month with a valid call starting in it (or just ``only_month``, there even
    without calls). ``calls`` must be valid ones."""
    usage = Usage(rating, only_month)
    with paused_gc():
        usage.add_calls(calls)
    return usage.month_sums()


def bills_from_sums(users: Iterable[User], sums: Mapping[str, MonthSums]) -> Bills:
    """Every month of ``sums`` billed, oldest first: one row per user (in the order given) with their
    rent, feature and the month's sums (0 without calls)."""
    phones, names, rents, features = _user_columns(users)
    bills = Bills()
    with paused_gc():
        for month in sorted(sums):
            local_sums, long_sums = sums[month]
            locals_, longs = list(map(local_sums.get, phones, repeat(0))), list(map(long_sums.get, phones, repeat(0)))
            bills.months.append(MonthBill(month, list(map(BillRow, phones, names, rents, features, locals_, longs))))
    return bills


def bill_row(user: User, sums: MonthSums) -> BillRow:
    """One user's row of a month with these sums."""
    local_sums, long_sums = sums
    return BillRow(user.phone, user.name, user.rent, user.feature, local_sums.get(user.phone, 0),
                   long_sums.get(user.phone, 0))


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One call of an itemised statement."""

    call: Call
    call_class: CallClass
    seconds: int
    fee: int


@dataclass(slots=True)
class Statement:
    """One subscriber's itemised calls for a month; its sums equal the bill row."""

    user: User
    month: str
    lines: list[StatementLine]
    row: BillRow


def statement(user: User, month: str, calls: Iterable[Call], rating: Rating) -> Statement:
    """Itemise ``user``'s valid calls that start in ``month``, in start order."""
    mine: LinkedList[Call] = LinkedList(c for c in calls if c.caller == user.phone and c.month == month)
    mine.sort(key=lambda c: c.start)
    lines = [StatementLine(c, c.call_class, c.duration, rating.fee(c.callee, c.duration)) for c in mine]
    usage = Usage(rating, month)
    usage.add_calls(mine)
    return Statement(user, month, lines, bill_row(user, usage.months[month].sums))


@dataclass(frozen=True, slots=True)
class MonthRevenue:
    """Call revenue of one month, split local / long distance (fen)."""

    month: str
    local: int
    long_distance: int

    @property
    def calls(self) -> int:
        """The month's call revenue, local and long distance together."""
        return self.local + self.long_distance


def revenue_by_month(sums: Mapping[str, MonthSums]) -> list[MonthRevenue]:
    """Local and long-distance call revenue of each billed month, oldest first."""
    return [MonthRevenue(month, sum(sums[month][0].values()), sum(sums[month][1].values())) for month in sorted(sums)]


@dataclass(frozen=True, slots=True)
class Statistics:
    """What item 12 shows: revenue per month, the top subscribers, the months and their grand total."""

    revenue: list[MonthRevenue]
    top: list[tuple[str, str, int]]
    """``(phone, name, total fen)`` of the highest totals over all billed months, highest first."""
    months: int
    """Billed months."""
    grand_total: int
    """Every row of every billed month, in fen (the bill-detail file's grand total)."""


def statistics(users: Iterable[User], sums: Mapping[str, MonthSums], count: int = 10) -> Statistics:
    """The statistics of the bills of ``sums`` (``users`` in users.txt order), without making their
    rows: a subscriber's total over the months is their rent and feature once per billed month
    plus their fees; ties keep users.txt order. The grand total is :func:`grand_total` of the
    subscribers' rents, features and each month's fees."""
    months = len(sums)
    totals: dict[str, int] = {}
    names: dict[str, str] = {}
    rents = features = 0
    for user in users:  # their phones differ (a repeated users.txt line is no user)
        totals[user.phone] = row_total(user.rent, user.feature, 0, 0) * months  # the fees follow
        names[user.phone] = user.name
        rents += user.rent
        features += user.feature
    revenue = revenue_by_month(sums)
    month_fees: list[tuple[int, int]] = []
    for local_sums, long_sums in sums.values():
        billed = [0, 0]  # the month's local and long-distance fees of subscribers (a bill's rows)
        for column, fees in enumerate((local_sums, long_sums)):
            for phone, fee in fees.items():
                if phone in totals:
                    totals[phone] += fee
                    billed[column] += fee
        month_fees.append((billed[0], billed[1]))
    ranked: LinkedList[tuple[str, str, int]] = LinkedList(
        (phone, names[phone], total) for phone, total in totals.items() if months)
    ranked.sort(key=lambda t: t[2], reverse=True)
    return Statistics(revenue, [t for _, t in zip(range(count), ranked)], months,
                      grand_total(rents, features, month_fees))
