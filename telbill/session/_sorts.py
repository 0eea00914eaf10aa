"""Sorting what the session holds, and keeping it sorted through every change.

Users and call records are sorted with our linked list's stable sort (ties in
file order). The order chosen is kept: after a save the records that changed
move to their places (the calls through :class:`~telbill.session.held.HeldCalls`,
the users here), and a list read again is sorted again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import Any

from telbill.constants import DataKind
from telbill.errors import ValidationError
from telbill.lists.ordering import move_in_order
from telbill.rules.records import Call, User
from telbill.session._loaded import USERS, Loaded
from telbill.session.finding import NameIndex


class UserSort(str, Enum):
    """What users can be sorted by."""

    PHONE = "phone"
    NAME = "name"
    MONTH_TOTAL = "total"


class CallSort(str, Enum):
    """What call records can be sorted by."""

    START = "start"
    CALLER = "caller"
    DURATION = "duration"
    FEE = "fee"


@dataclass(frozen=True, slots=True)
class _UserOrder:
    """How the users are sorted: by what, its key (made when asked: a month total's follows the
    changes), and the direction."""

    by: UserSort
    key: Callable[[], Callable[[User], Any]]
    reverse: bool


class Sorts:
    """The order of the users and of the calls, kept through changes and reloads."""

    def __init__(self, loaded: Loaded, names: NameIndex, fee_key: Callable[[], Callable[[Call], int]],
                 month_total: Callable[[str], Callable[[User], int]]) -> None:
        """``fee_key`` makes the key of sorting calls by fee, ``month_total`` that of sorting users
        by a month's total."""
        self.loaded = loaded
        self.names = names
        self.fee_key = fee_key
        self.month_total = month_total
        self._user_sort: Callable[[], None] | None = None
        self._user_order: _UserOrder | None = None
        self._call_sort: Callable[[], None] | None = None
        loaded.reloaded.append(self.after_reload)

    def sort_users(self, by: UserSort, reverse: bool = False, month: str | None = None) -> None:
        """Sort the users (our linked list's stable sort; ties in file order); kept after every save."""
        if by is UserSort.MONTH_TOTAL and month is None:
            raise ValidationError("menu.error.month", value="''")

        def key() -> Callable[[User], Any]:
            if by is UserSort.PHONE:
                return attrgetter("phone")
            if by is UserSort.NAME:
                return self.names.sort_key
            assert month is not None
            return self.month_total(month)

        def apply() -> None:
            users = self.loaded.held_users.file.users
            users.sort(key=key(), reverse=reverse, ties=attrgetter("line_no"))  # ties in file order
            self.loaded.held_calls.touched.clear()  # every total is in its place

        apply()
        self._user_sort = apply
        self._user_order = _UserOrder(by, key, reverse)

    def sort_calls(self, by: CallSort, reverse: bool = False) -> None:
        """Sort the call records; set-aside records count as fee -1 when sorting by fee."""
        keys: dict[CallSort, Callable[[Call], Any]] = {
            CallSort.START: attrgetter("start"),
            CallSort.CALLER: attrgetter("caller"),
            CallSort.DURATION: lambda c: c.end - c.start,
            CallSort.FEE: self.fee_key(),
        }
        key = keys[by]

        def apply() -> None:
            self.loaded.held_calls.sort(key, reverse, by_fee=by is CallSort.FEE)  # kept so through every change

        apply()
        self._call_sort = apply

    def after_users_change(self, added: list[User] | None) -> None:
        """Users sorted again after a save: all of them when their list was made again (``added``
        ``None``), else ``added`` and those whose month total changed move to their places."""
        if added is None and self._user_sort is not None:
            self._user_sort()
        else:
            self.follow_users(added or [])

    def follow_users(self, added: list[User]) -> None:
        """Sorted users after a change that kept their list: ``added`` users (at its end for now), and
        those whose month total it changed (sorted by it), move to their places; the others stay."""
        order = self._user_order
        if order is None:
            return
        held = self.loaded.held_users
        moved = {id(u): u for u in added}
        touched = self.loaded.held_calls.touched
        if order.by is UserSort.MONTH_TOTAL:
            for phone in touched:
                user = held.by_phone.get(phone)
                if user is not None:
                    moved[id(user)] = user
        touched.clear()
        move_in_order(held.file.users, list(moved.values()), order.key(), order.reverse)

    def after_reload(self, kind: DataKind) -> None:
        """A file read again: its records in the order chosen (users by month total follow the calls)."""
        if kind == USERS:
            if self._user_sort is not None:
                self._user_sort()
            return
        if self._call_sort is not None:
            self._call_sort()
        if self._user_sort is not None and self._user_order is not None \
                and self._user_order.by is UserSort.MONTH_TOTAL:
            self._user_sort()
