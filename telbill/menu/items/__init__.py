"""The menu's items, a module per group of items that do one kind of thing.

:mod:`~telbill.menu.items.show` (1, 2: list everything), :mod:`~telbill.menu.items.edit`
(3 to 6: add, modify, delete), :mod:`~telbill.menu.items.search` (7, 8: sort, search and
act on what was found), :mod:`~telbill.menu.items.bills` (9, 10: the bill-detail and
anomalies files), :mod:`~telbill.menu.items.statement` (11, 12: a statement, the
statistics), :mod:`~telbill.menu.items.backup` (13: backup, restore, undo).
"""

from __future__ import annotations

from collections.abc import Callable

from telbill.menu.context import Ctx, Item
from telbill.menu.items.backup import item_backup
from telbill.menu.items.bills import item_anomalies, item_billing
from telbill.menu.items.edit import item_add_call, item_add_user, item_delete, item_modify
from telbill.menu.items.search import item_search, item_sort
from telbill.menu.items.show import item_show_calls, item_show_users
from telbill.menu.items.statement import item_statement, item_statistics

__all__ = ["ACTIONS"]

ACTIONS: dict[Item, Callable[[Ctx], None]] = {
    Item.SHOW_USERS: item_show_users,
    Item.SHOW_CALLS: item_show_calls,
    Item.ADD_USER: item_add_user,
    Item.ADD_CALL: item_add_call,
    Item.MODIFY: item_modify,
    Item.DELETE: item_delete,
    Item.SORT: item_sort,
    Item.SEARCH: item_search,
    Item.BILLING: item_billing,
    Item.ANOMALIES: item_anomalies,
    Item.STATEMENT: item_statement,
    Item.STATISTICS: item_statistics,
    Item.BACKUP: item_backup,
}
"""What each item of the main menu runs."""
