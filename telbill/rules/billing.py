"""Rating valid calls and adding them up into monthly bills (no I/O)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter
from typing import Any

from telbill.files.loader import paused_gc
from telbill.lists.linked import LinkedList
from telbill.rules.fields import SECONDS_PER_DAY
from telbill.rules.records import Call, CallClass, User, month_of
from telbill.rules.tariff import Tariff


@dataclass(frozen=True, slots=True)
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
        """合计: rent + feature + local + long distance."""
        return self.rent + self.feature + self.local + self.long_distance


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
        """Sum of every row of every month, in fen."""
        return sum(m.totals.total for m in self.months)

    def month(self, month: str) -> MonthBill | None:
        """The bill of ``month``, if it was billed."""
        return next((m for m in self.months if m.month == month), None)


def rate_call(call: Call, tariff: Tariff) -> int:
    """The fee of one call in fen."""
    return tariff.fee(call.call_class, call.end - call.start)


MonthSums = tuple[dict[str, int], dict[str, int]]
"""One month's fees of valid calls per caller (phone → fen): local, and long distance (domestic and
international). A caller is in a month's sums when at least one of their valid calls starts in it."""


def compute_bills(
    users: Iterable[User],
    calls: Iterable[Call],
    tariff: Tariff,
    only_month: str | None = None,
) -> Bills:
    """Bill every month with a valid call starting in it (or just ``only_month``).

    ``calls`` must be the valid ones (after :func:`telbill.rules.screening.screen_calls`).
    """
    return bills_from_sums(users, month_sums(calls, tariff, only_month))


def month_sums(calls: Iterable[Call], tariff: Tariff, only_month: str | None = None) -> dict[str, MonthSums]:
    """The sums of every month with a valid call starting in it (or just ``only_month``, there even
    without calls).

    ``calls`` must be valid ones. One pass adds each call's fee to its caller's
    sums for the month; the month is looked up per day number, and each rate's
    fee per duration is computed once and then looked up (integer fen throughout).
    """
    rates = (tariff.local, tariff.domestic, tariff.international)
    local_fees: dict[int, int] = {}
    domestic_fees: dict[int, int] = {}
    international_fees: dict[int, int] = {}
    # day number -> that month's sums ({caller: local fen}, {caller: long-distance
    # fen}), or None when the month is not billed (another month than only_month).
    by_day: dict[int, MonthSums | None] = {}
    by_month: dict[str, MonthSums] = {}
    if only_month is not None:
        by_month[only_month] = ({}, {})
    with paused_gc():
        for call in calls:
            start = call.start
            day = start // SECONDS_PER_DAY
            try:
                usage = by_day[day]
            except KeyError:
                month = month_of(start)
                if only_month is None or month == only_month:
                    usage = by_month.get(month)
                    if usage is None:
                        usage = by_month[month] = ({}, {})
                else:
                    usage = None
                by_day[day] = usage
            if usage is None:
                continue
            callee = call.callee
            seconds = call.end - start
            if callee[0] == "0":
                if callee[1:2] == "0":
                    fees, kind = international_fees, 2
                else:
                    fees, kind = domestic_fees, 1
                sums = usage[1]
            else:
                fees, kind = local_fees, 0
                sums = usage[0]
            fee = fees.get(seconds)
            if fee is None:
                fee = fees[seconds] = rates[kind].fee(seconds)
            caller = call.caller
            sums[caller] = sums.get(caller, 0) + fee
    return by_month


def bills_from_sums(users: Iterable[User], sums: Mapping[str, MonthSums]) -> Bills:
    """Every month of ``sums`` billed, oldest first: one row per user (in the order given) with their
    rent, feature and the month's sums (0 without calls)."""
    with paused_gc():
        ordered_users = list(users)
        columns = (list(map(attrgetter("phone"), ordered_users)), list(map(attrgetter("name"), ordered_users)),
                   list(map(attrgetter("rent"), ordered_users)), list(map(attrgetter("feature"), ordered_users)))
        bills = Bills()
        phones = columns[0]
        for month in sorted(sums):
            local_sums, long_sums = sums[month]
            bills.months.append(MonthBill(month, _bill_rows(
                *columns, list(map(local_sums.get, phones, repeat(0))),
                list(map(long_sums.get, phones, repeat(0))))))
    return bills


def bill_row(user: User, sums: MonthSums) -> BillRow:
    """One user's row of a month with these sums."""
    local_sums, long_sums = sums
    return BillRow(user.phone, user.name, user.rent, user.feature, local_sums.get(user.phone, 0),
                   long_sums.get(user.phone, 0))


_ROW_SLOTS = tuple(getattr(BillRow, name).__set__ for name in
                   ("phone", "name", "rent", "feature", "local", "long_distance"))


def _bill_rows(*columns: list[Any]) -> list[BillRow]:
    """``BillRow(*fields)`` for each row of the six columns, made column by column.

    The same rows as calling ``BillRow`` on each, about twice as fast: a frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__``;
    here each field's slot is filled directly, a column at a time (``map``).
    """
    rows: list[BillRow] = list(map(object.__new__, repeat(BillRow, len(columns[0]))))
    for fill, column in zip(_ROW_SLOTS, columns):
        deque(map(fill, rows, column), 0)
    return rows


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


def statement(user: User, month: str, calls: Iterable[Call], tariff: Tariff) -> Statement:
    """Itemise ``user``'s valid calls that start in ``month``, in start order."""
    mine: LinkedList[Call] = LinkedList(c for c in calls if c.caller == user.phone and c.month == month)
    mine.sort(key=lambda c: c.start)
    lines = [StatementLine(c, c.call_class, c.duration, rate_call(c, tariff)) for c in mine]
    local = sum(line.fee for line in lines if line.call_class is CallClass.LOCAL)
    long_distance = sum(line.fee for line in lines if line.call_class is not CallClass.LOCAL)
    row = BillRow(user.phone, user.name, user.rent, user.feature, local, long_distance)
    return Statement(user, month, lines, row)


@dataclass(frozen=True, slots=True)
class MonthRevenue:
    """Call revenue of one month, split local / long distance (fen)."""

    month: str
    local: int
    long_distance: int


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
    plus their fees; ties keep users.txt order."""
    months = len(sums)
    totals: dict[str, int] = {}
    names: dict[str, str] = {}
    for user in users:
        totals[user.phone] = (user.rent + user.feature) * months
        names[user.phone] = user.name
    revenue = revenue_by_month(sums)
    for local_sums, long_sums in sums.values():
        for fees in (local_sums, long_sums):
            for phone, fee in fees.items():
                if phone in totals:
                    totals[phone] += fee
    ranked: LinkedList[tuple[str, str, int]] = LinkedList(
        (phone, names[phone], total) for phone, total in totals.items() if months)
    ranked.sort(key=lambda t: t[2], reverse=True)
    return Statistics(revenue, [t for _, t in zip(range(count), ranked)], months, sum(totals.values()))
