"""Rating valid calls and adding them up into monthly bills (no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from telbill.linkedlist import LinkedList
from telbill.records import SECONDS_PER_DAY, Call, CallClass, User, month_of
from telbill.tariff import Tariff


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
        return BillRow("", "", *(sum(getattr(r, f) for r in self.rows)
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

    ``calls`` must be the valid ones (after :func:`telbill.checking.check_calls`).
    """
    loc, dom, intl = tariff.local, tariff.domestic, tariff.international
    usage: dict[tuple[str, str], list[int]] = {}
    month_cache: dict[int, str] = {}
    for call in calls:
        start = call.start
        day = start // SECONDS_PER_DAY
        month = month_cache.get(day)
        if month is None:
            month = month_cache[day] = month_of(start)
        if only_month is not None and month != only_month:
            continue
        callee = call.callee
        if callee[0] == "0":
            rate = intl if callee[1] == "0" else dom
            slot = 1
        else:
            rate = loc
            slot = 0
        seconds = call.end - start
        if seconds <= 0:
            fee = 0
        else:
            rest = seconds - rate.first_seconds
            fee = rate.first_price if rest <= 0 else rate.first_price + -(-rest // rate.step_seconds) * rate.step_price
        key = (month, call.caller)
        acc = usage.get(key)
        if acc is None:
            acc = usage[key] = [0, 0]
        acc[slot] += fee
    months = {m for m, _ in usage}
    if only_month is not None:
        months.add(only_month)
    ordered_users = list(users)
    bills = Bills()
    zero = (0, 0)
    for month in sorted(months):
        rows = []
        for user in ordered_users:
            local, long_distance = usage.get((month, user.phone), zero)
            rows.append(BillRow(user.phone, user.name, user.rent, user.feature, local, long_distance))
        bills.months.append(MonthBill(month, rows))
    return bills


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
