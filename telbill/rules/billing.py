"""Rating valid calls and adding them up into monthly bills (no I/O)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
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


def compute_bills(
    users: Iterable[User],
    calls: Iterable[Call],
    tariff: Tariff,
    only_month: str | None = None,
) -> Bills:
    """Bill every month with a valid call starting in it (or just ``only_month``).

    ``calls`` must be the valid ones (after :func:`telbill.rules.screening.screen_calls`).
    One pass adds each call's fee to its caller's sums for the month; the month
    is looked up per day number, and each rate's fee per duration is computed
    once and then looked up (integer fen throughout).
    """
    rates = (tariff.local, tariff.domestic, tariff.international)
    local_fees: dict[int, int] = {}
    domestic_fees: dict[int, int] = {}
    international_fees: dict[int, int] = {}
    # day number -> that month's sums ({caller: local fen}, {caller: long-distance
    # fen}), or None when the month is not billed (another month than only_month).
    by_day: dict[int, tuple[dict[str, int], dict[str, int]] | None] = {}
    by_month: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
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
        del by_day
        ordered_users = list(users)
        columns = (list(map(attrgetter("phone"), ordered_users)), list(map(attrgetter("name"), ordered_users)),
                   list(map(attrgetter("rent"), ordered_users)), list(map(attrgetter("feature"), ordered_users)))
        bills = Bills()
        for month in sorted(by_month):
            local_sums, long_sums = by_month.pop(month)  # each month's sums go once its rows are made
            phones = columns[0]
            bills.months.append(MonthBill(month, _bill_rows(
                *columns, list(map(local_sums.get, phones, repeat(0))),
                list(map(long_sums.get, phones, repeat(0))))))
    return bills


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


def revenue_by_month(bills: Bills) -> list[MonthRevenue]:
    """Local and long-distance call revenue of each billed month."""
    out = []
    for m in bills.months:
        totals = m.totals
        out.append(MonthRevenue(m.month, totals.local, totals.long_distance))
    return out


def top_subscribers(bills: Bills, count: int = 10) -> list[tuple[str, str, int]]:
    """``(phone, name, total fen)`` of the highest totals over all billed months."""
    sums: dict[str, int] = {}
    names: dict[str, str] = {}
    for m in bills.months:
        for row in m.rows:
            sums[row.phone] = sums.get(row.phone, 0) + row.total
            names[row.phone] = row.name
    ranked: LinkedList[tuple[str, str, int]] = LinkedList(
        (phone, names[phone], total) for phone, total in sums.items())
    ranked.sort(key=lambda t: t[2], reverse=True)
    return [t for _, t in zip(range(count), ranked)]
