"""A list of records kept in a sort order as it changes, at the cost of what changes.

Our linked list has no random access: finding where a record goes walks it from
the head. :class:`Ordered` keeps, beside an :class:`~telbill.lists.linked.IntrusiveList`
sorted by a key, a Python list of the same records in the same order, so that a
record's place (or the record before it, to unlink it) is found by bisection:
O(log n) key computations, and one move of pointers in C. Ties are in line
order, as a stable sort of the file gives them; the line numbers may change
as lines are inserted and deleted, as long as they keep their order.

A record's key must not change while it is in the order: take it out first,
change it, put it back (:meth:`Ordered.take_out`, :meth:`Ordered.put_back`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable
from typing import Any

from telbill.lists.linked import IntrusiveList, Linked, LinkedList


class _Reversed:
    """A key compared the other way round (for a descending order)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and bool(self.value == other.value)

    __hash__ = None  # type: ignore[assignment]


MANY = 32
"""From this many records at once, one pass over the whole list is cheaper than a move each."""


class Ordered:
    """``cells`` sorted by ``key`` (descending with ``reverse``), ties in line order, with their index."""

    def __init__(self, cells: IntrusiveList[Any] | None, key: Callable[[Any], Any], reverse: bool,
                 index: list[Any] | None = None) -> None:
        """``cells`` must be in that order already (just sorted stably from file order); ``index``,
        when given, is the list of them in that order (as the sort returned it). Without ``cells``
        (``None``), only the index is kept: the records in that order, in a Python list."""
        self.cells = cells
        self.key = key
        self.reverse = reverse
        self.index: list[Any] = (list(cells) if cells is not None else []) if index is None else index

    def rank(self, record: Any) -> tuple[Any, int]:
        """Where a record goes: its key, then its line."""
        key = self.key(record)
        return (_Reversed(key) if self.reverse else key), record.line_no or 0

    def _where(self, record: Any) -> int:
        i = bisect_left(self.index, self.rank(record), key=self.rank)
        if i == len(self.index) or self.index[i] is not record:
            raise ValueError("not in the order (or its key changed while it was)")
        return i

    def take_out(self, records: Iterable[Any]) -> None:
        """Unlink these records (each in the order, with the key it was put in with)."""
        places = sorted({self._where(r) for r in records})
        if not places:
            return
        index, cells = self.index, self.cells
        if cells is not None:
            gone = set(places)
            for i in places:
                j = i - 1
                while j in gone:
                    j -= 1
                cells.remove_after(index[j] if j >= 0 else None, index[i])  # a record is its own cell
        if len(places) == 1:
            del index[places[0]]
            return
        kept: list[Any] = []
        start = 0
        for i in places:
            kept += index[start:i]
            start = i + 1
        kept += index[start:]
        self.index = kept

    def put_back(self, records: Iterable[Any]) -> None:
        """Link these records (not in the list) where the order puts them."""
        ranked = sorted(records, key=self.rank)
        if not ranked:
            return
        index, cells, rank = self.index, self.cells, self.rank
        places = [bisect_right(index, rank(r), key=rank) for r in ranked]
        if cells is not None:
            _link(cells, index, ranked, places)
        if len(ranked) < MANY:
            for shift, (record, i) in enumerate(zip(ranked, places)):
                index.insert(i + shift, record)
            return
        merged: list[Any] = []
        start = 0
        for record, i in zip(ranked, places):
            merged += index[start:i]
            merged.append(record)
            start = i
        merged += index[start:]
        self.index = merged


def _link(cells: IntrusiveList[Any], index: list[Any], ranked: list[Any], places: list[int]) -> None:
    """Link ``ranked`` records into ``cells``, each before the record at its place in ``index``."""
    previous: Any = None
    last = -1
    for record, i in zip(ranked, places):
        if i == last:
            cells.insert_after(previous, record)
        elif i == 0:
            cells.prepend(record)
        else:
            cells.insert_after(index[i - 1], record)
        previous, last = record, i


def place_in_file_order(cells: IntrusiveList[Any], records: Iterable[Linked]) -> None:
    """Link records (not in the list) into a list in line order: appended when they come after
    its last line, else all of them in one walk from the head."""
    new: list[Any] = sorted(records, key=lambda r: r.line_no or 0)
    if not new:
        return
    tail: Any = cells.tail
    if tail is None or (tail.line_no or 0) < (new[0].line_no or 0):
        cells.extend(new)
        return
    prev: Any = None
    node: Any = cells.head
    for record in new:
        number = record.line_no or 0
        while node is not None and (node.line_no or 0) < number:
            prev, node = node, node.next
        if prev is None:
            cells.prepend(record)
        else:
            cells.insert_after(prev, record)
        prev = record


def move_in_order(cells: LinkedList[Any], records: Collection[Any], key: Callable[[Any], Any],
                  reverse: bool) -> None:
    """Put ``records`` (items of ``cells``, sorted by ``key``, ties in line order) whose keys changed back
    in their places: one walk to take them out, one walk each to put it back. For short lists (the
    users), where a few records move."""
    if not records:
        return
    ids = {id(r) for r in records}
    cells.remove_if(lambda r: id(r) in ids)

    def rank(record: Any) -> tuple[Any, int]:
        value = key(record)
        return (_Reversed(value) if reverse else value), record.line_no or 0

    for record in records:
        goes = rank(record)
        prev: Any = None
        node = cells.head
        while node is not None and rank(node.item) < goes:
            prev, node = node, node.next
        if prev is None:
            cells.prepend(record)
        else:
            cells.insert_after(prev, record)
