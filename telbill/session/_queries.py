"""What the menu asks of the held data: a subscriber, their calls, fees, anomalies, bills, statements.

Each answer costs what it shows: one subscriber's calls, statement and latest
month come from their own records (the held data's caller index); bills,
statistics and month totals from the month sums kept beside the records
(:mod:`telbill.session._indexes`), never from a walk over every record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from telbill.errors import NotFoundError
from telbill.lists.linked import LinkedList
from telbill.rules.billing import (
    Bills,
    Statement,
    Statistics,
    bill_row,
    bills_from_sums,
    statement,
    statistics,
)
from telbill.rules.fields import month_of
from telbill.rules.records import Call, User
from telbill.rules.screening import Screening, SetAside
from telbill.session._indexes import CallExtents
from telbill.session._loaded import Loaded


class Queries:
    """Answers about what is held, in the current order where there is one."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded

    def user(self, phone: str) -> User | None:
        """The user with this phone, or ``None``."""
        return self.loaded.held_users.by_phone.get(phone)

    def require_user(self, phone: str) -> User:
        """The user with this phone; NotFoundError if there is none."""
        user = self.loaded.held_users.by_phone.get(phone)
        if user is None:
            raise NotFoundError("menu.error.no_user", phone=phone)
        return user

    def calls_of(self, phone: str) -> LinkedList[Call]:
        """The call records whose caller is ``phone``, in the current order."""
        held = self.loaded.held_calls
        group: list[Call] = list(held.of(phone))
        order = held.order
        if order is not None:
            group.sort(key=order.key, reverse=order.reverse)
        return LinkedList(group)

    def screening(self) -> Screening:
        """Valid calls (in the current order) and anomalies (in file order), against the current users.
        Making the valid calls walks every record: :meth:`set_aside` and the bills do not need it."""
        return self.loaded.held_calls.screening()

    def set_aside(self) -> list[SetAside]:
        """Every record set aside, in file order."""
        return self.loaded.held_calls.set_aside_records()

    def anomaly_of(self, call: Call) -> SetAside | None:
        """``call`` (held here) set aside, with its anomaly; ``None`` if it is billed."""
        return self.loaded.held_calls.set_aside.get(id(call))

    def fee(self, call: Call) -> int | None:
        """The fee of ``call`` in fen; ``None`` when it is set aside."""
        if id(call) in self.loaded.held_calls.set_aside:
            return None
        return self.loaded.rating.fee(call.callee, call.duration)

    def billed_of(self, calls: Iterable[Call]) -> tuple[int, int]:
        """How many of ``calls`` (held here) are billed, and their fees' sum in fen (the rating
        found once, not through :meth:`fee` per call: a month of 1M calls, 41k records, took
        0.1 s that way)."""
        set_aside, fee = self.loaded.held_calls.set_aside, self.loaded.rating.fee
        billed = total = 0
        for call in calls:
            if id(call) not in set_aside:
                billed += 1
                total += fee(call.callee, call.end - call.start)
        return billed, total

    def counts(self) -> tuple[int, int]:
        """(billed, set aside) record counts."""
        return self.loaded.held_calls.counts()

    def call_extents(self, calls: Iterable[Call] | None = None) -> CallExtents:
        """The widest values among ``calls`` (one walk), or among every record held (kept: no walk
        after the first)."""
        if calls is None:
            return self.loaded.held_calls.extents()
        set_aside_now = self.loaded.held_calls.set_aside
        return CallExtents.of(calls, lambda c: id(c) not in set_aside_now)

    # -- one subscriber ------------------------------------------------------------------

    def statement(self, phone: str, month: str) -> Statement:
        """One subscriber's itemised billed calls of ``month``, in start order."""
        held = self.loaded.held_calls
        set_aside_now = held.set_aside
        theirs = [c for c in held.of(phone) if id(c) not in set_aside_now]
        return statement(self.require_user(phone), month, theirs, self.loaded.rating)

    def set_aside_of(self, phone: str, month: str) -> list[SetAside]:
        """The subscriber's records of ``month`` that are set aside (readable ones: a malformed line
        has no caller to go by), in start order, with their reasons."""
        held = self.loaded.held_calls
        set_aside_now = held.set_aside
        theirs = [c for c in held.of(phone) if id(c) in set_aside_now and c.month == month]
        theirs.sort(key=lambda c: c.start)  # stable: the same start in file order
        return [set_aside_now[id(c)] for c in theirs]

    def latest_month_of(self, phone: str) -> str | None:
        """The month of the subscriber's latest call, billed or set aside; ``None`` without calls."""
        theirs = self.loaded.held_calls.of(phone)
        return month_of(max(c.start for c in theirs)) if theirs else None

    # -- bills ---------------------------------------------------------------------------

    def _users_in_file_order(self) -> list[User]:
        return sorted(self.loaded.held_users.file.users, key=lambda u: u.line_no or 0)

    def bills(self, month: str | None = None) -> Bills:
        """Every billed month (or just ``month``, billed or not), in users.txt order."""
        held = self.loaded.held_calls
        chosen = held.month_sums() if month is None else {month: held.month_sums_of(month)}
        return bills_from_sums(self._users_in_file_order(), chosen)

    def billed_months(self) -> list[str]:
        """The billed months, oldest first (from the day index's count of each month's valid
        records: the month sums need not be made for it)."""
        return self.loaded.held_calls.by_day().months()

    def month_totals(self, month: str) -> dict[str, int]:
        """Phone → that month's bill total (rent and feature included), in fen."""
        bill = self.bills(month).month(month)
        return {row.phone: row.total for row in bill.rows} if bill is not None else {}

    def total_key(self, month: str) -> Callable[[User], int]:
        """A user's bill total of ``month`` (what sorting users by month total compares), from the
        month sums as they are when it is asked."""
        loaded = self.loaded
        return lambda user: bill_row(user, loaded.held_calls.month_sums_of(month)).total

    def statistics(self, top: int) -> Statistics:
        """Revenue per billed month, the ``top`` subscribers over all of them, the grand total."""
        return statistics(self._users_in_file_order(), self.loaded.held_calls.month_sums(), top)
