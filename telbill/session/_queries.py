"""What the menu asks of the held data: a subscriber, their calls, fees, anomalies, bills, statements."""

from __future__ import annotations

from collections.abc import Callable

from telbill.errors import NotFoundError
from telbill.lists.linked import LinkedList
from telbill.rules.billing import Bills, Statement, compute_bills, rate_call, statement
from telbill.rules.records import Call, User
from telbill.rules.screening import Anomaly, Screening
from telbill.session._loaded import CALLS, Loaded


class Queries:
    """Answers about what is held, in the current order where there is one."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self._sums: tuple[str, dict[str, int]] | None = None
        """A month, and each caller's fees of valid calls in it (users sorted by month total)."""
        loaded.reloaded.append(self._after_reload)

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
        """Valid calls (in the current order) and anomalies (in file order), against the current users."""
        return self.loaded.held_calls.screening()

    def anomaly_of(self, call: Call) -> Anomaly | None:
        """Why ``call`` (held here) is set aside, or ``None`` if it is billed."""
        return self.loaded.held_calls.flagged.get(id(call))

    def fee(self, call: Call) -> int | None:
        """The fee of ``call`` in fen; ``None`` when it is set aside."""
        if id(call) in self.loaded.held_calls.flagged:
            return None
        return rate_call(call, self.loaded.tariff)

    def counts(self) -> tuple[int, int]:
        """(billed, set aside) record counts."""
        return self.loaded.held_calls.counts()

    def bills(self, month: str | None = None) -> Bills:
        """Every billed month (or just ``month``), in users.txt order."""
        users = sorted(self.loaded.held_users.file.users, key=lambda u: u.line_no or 0)
        return compute_bills(users, self.screening().valid, self.loaded.tariff, month)

    def statement(self, phone: str, month: str) -> Statement:
        """One subscriber's itemised calls of ``month``."""
        return statement(self.require_user(phone), month, self.screening().valid, self.loaded.tariff)

    def billed_months(self) -> list[str]:
        """Months with at least one valid call, oldest first."""
        return sorted({c.month for c in self.screening().valid})

    def month_totals(self, month: str) -> dict[str, int]:
        """Phone → that month's bill total (rent and feature included), in fen."""
        bill = self.bills(month).month(month)
        return {row.phone: row.total for row in bill.rows} if bill is not None else {}

    def total_key(self, month: str) -> Callable[[User], int]:
        """A user's bill total of ``month`` (what sorting users by month total compares)."""
        sums = self._month_sums(month)
        return lambda u: u.rent + u.feature + sums.get(u.phone, 0)

    def _month_sums(self, month: str) -> dict[str, int]:
        """Phone → the fees of its valid calls of ``month`` (a month's bill without rent and
        feature): billed once, then made again only for the callers changes touched."""
        held = self.loaded.held_calls
        touched = held.touched
        if self._sums is None or self._sums[0] != month:
            bill = self.bills(month).month(month)
            self._sums = month, {row.phone: row.local + row.long_distance for row in bill.rows} if bill else {}
        else:
            flagged, sums = held.flagged, self._sums[1]
            for phone in touched:
                sums[phone] = sum(rate_call(c, self.loaded.tariff) for c in held.of(phone)
                                  if id(c) not in flagged and c.month == month)
        touched.clear()
        return self._sums[1]

    def _after_reload(self, kind: str) -> None:
        if kind == CALLS:
            self._sums = None
