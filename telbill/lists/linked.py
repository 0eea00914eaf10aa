"""Our own singly linked list, with our own stable sort that relinks its cells."""

from __future__ import annotations

import operator
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, filterfalse, islice, repeat
from operator import itemgetter
from typing import Any, Generic, TypeVar

from telbill.lists.sorting import key_column, stable_order

T = TypeVar("T")


class Node(Generic[T]):
    """One cell of a :class:`LinkedList`."""

    __slots__ = ("item", "next")

    def __init__(self, item: T, next: Node[T] | None = None) -> None:
        self.item = item
        """The value held by this cell."""
        self.next = next
        """The following cell, or ``None`` at the tail."""

    def __repr__(self) -> str:
        return f"Node({self.item!r})"


class LinkedList(Generic[T]):
    """A singly linked list with O(1) append, prepend and ``len``.

    It keeps a tail pointer so that appending is constant time, and a count so
    that ``len`` is constant time. :meth:`sort` is stable and relinks the cells:
    O(n) for integer keys and for keys with few distinct values, O(n log n) in
    general, O(n) on input already in order (see :mod:`telbill.lists.sorting`).
    """

    __slots__ = ("_len", "head", "tail")

    def __init__(self, items: Iterable[T] = ()) -> None:
        self.head: Node[T] | None = None
        self.tail: Node[T] | None = None
        self._len = 0
        self.extend(items)

    # -- building -----------------------------------------------------------------

    def append(self, item: T) -> Node[T]:
        """Add ``item`` at the end in O(1); return its node."""
        node = Node(item)
        if self.tail is None:
            self.head = node
        else:
            self.tail.next = node
        self.tail = node
        self._len += 1
        return node

    def prepend(self, item: T) -> Node[T]:
        """Add ``item`` at the front in O(1); return its node."""
        node = Node(item, self.head)
        self.head = node
        if self.tail is None:
            self.tail = node
        self._len += 1
        return node

    def extend(self, items: Iterable[T]) -> None:
        """Append every item of ``items`` in order."""
        tail = self.tail
        count = 0
        for item in items:
            node = Node(item)
            if tail is None:
                self.head = node
            else:
                tail.next = node
            tail = node
            count += 1
        self.tail = tail
        self._len += count

    def insert_after(self, node: Node[T], item: T) -> Node[T]:
        """Insert ``item`` right after ``node`` (which must be in this list) in O(1)."""
        new = Node(item, node.next)
        node.next = new
        if self.tail is node:
            self.tail = new
        self._len += 1
        return new

    # -- removing -----------------------------------------------------------------

    def pop_front(self) -> T:
        """Remove and return the first item; ``IndexError`` when empty."""
        head = self.head
        if head is None:
            raise IndexError("pop from an empty LinkedList")
        self.head = head.next
        if self.head is None:
            self.tail = None
        self._len -= 1
        return head.item

    def _unlink(self, prev: Node[T] | None, node: Node[T]) -> None:
        if prev is None:
            self.head = node.next
        else:
            prev.next = node.next
        if self.tail is node:
            self.tail = prev
        node.next = None
        self._len -= 1

    def remove_after(self, prev: Node[T] | None, node: Node[T]) -> None:
        """Remove ``node``, given the node just before it (``None`` when it is the head), in O(1)."""
        self._unlink(prev, node)

    def remove(self, item: T) -> None:
        """Remove the first item equal to ``item``; ``ValueError`` if there is none."""
        prev: Node[T] | None = None
        node = self.head
        while node is not None:
            if node.item == item:
                self._unlink(prev, node)
                return
            prev, node = node, node.next
        raise ValueError("item not in LinkedList")

    def remove_node(self, target: Node[T]) -> None:
        """Remove the given node (found by identity); ``ValueError`` if absent."""
        prev: Node[T] | None = None
        node = self.head
        while node is not None:
            if node is target:
                self._unlink(prev, node)
                return
            prev, node = node, node.next
        raise ValueError("node not in LinkedList")

    def remove_if(self, predicate: Callable[[T], bool]) -> int:
        """Remove every item for which ``predicate`` is true, in one pass; return how many."""
        removed = 0
        prev: Node[T] | None = None
        node = self.head
        while node is not None:
            nxt = node.next
            if predicate(node.item):
                self._unlink(prev, node)
                removed += 1
            else:
                prev = node
            node = nxt
        return removed

    def clear(self) -> None:
        """Remove every item."""
        self.head = self.tail = None
        self._len = 0

    # -- reading ------------------------------------------------------------------

    def find(self, predicate: Callable[[T], bool]) -> Node[T] | None:
        """Return the first node whose item satisfies ``predicate``, or ``None``."""
        node = self.head
        while node is not None:
            if predicate(node.item):
                return node
            node = node.next
        return None

    def filter(self, predicate: Callable[[T], bool]) -> LinkedList[T]:
        """Return a new list of the items satisfying ``predicate``, in order."""
        return LinkedList(item for item in self if predicate(item))

    def __iter__(self) -> Iterator[T]:
        node = self.head
        while node is not None:
            yield node.item
            node = node.next

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def __repr__(self) -> str:
        """``LinkedList([1, 2, 3])``; never more than one cell past its length (a list that a bug
        made into a cycle still has a repr, which a failing test prints)."""
        cells = list(islice(self, self._len + 1))
        if len(cells) > self._len:
            return f"LinkedList({cells!r} …: more cells than its {self._len}, a cycle?)"
        return f"LinkedList({cells!r})"

    # -- sorting ------------------------------------------------------------------

    def sort(self, key: Callable[[T], Any] | None = None, reverse: bool = False, *,
             ties: Callable[[T], Any] | None = None) -> None:
        """Sort in place, stably, by relinking the cells; like ``sorted(..., key=key, reverse=reverse)``.

        Equal keys keep their order in both directions, and each key is computed
        once. With ``ties``, equal keys come in the order of ``ties`` instead (for
        example the line number: file order, whatever order the list was in): the
        same as sorting by ``ties`` first, in one walk and one relinking.

        One walk over the cells takes each key as it goes;
        :func:`telbill.lists.sorting.stable_order` puts the keys' positions in order
        with a sort of our own that suits the keys (a list already in order costs
        nothing more); the cells are then gathered in that order and relinked.
        Each of these steps runs inside ``map`` or ``itemgetter``, with no Python
        bytecode per cell (a million cells scattered in memory by an earlier sort
        cost their cache misses, and little else). The relinking is one C-level
        step, so that Ctrl-C cannot leave the list half relinked; an error before
        it leaves the list as it was. Integer keys are ordered by their integer
        value (an object with ``__index__`` among them counts as that integer).
        """
        n = self._len
        if n < 2:
            return
        gathered: list[Node[T]] = []
        walk = filterfalse(gathered.append, accumulate(repeat("next", n - 1), getattr, initial=self.head))
        items = self._items(walk)
        keys = key_column(map(key, items) if key is not None else items)
        cells: Sequence[Node[T]] = gathered
        moved = False
        if ties is not None:
            first = stable_order(key_column(map(ties, self._items(gathered))))
            if first is not None:  # put the cells and their keys in the order of ``ties`` first
                first = list(first)
                cells = itemgetter(*first)(gathered)
                picked = map(keys.__getitem__, first)
                keys = array(keys.typecode, picked) if isinstance(keys, array) else list(picked)
                moved = True
        order = stable_order(keys, reverse)
        if order is None and not moved:  # already in order
            return
        self._relink(cells if order is None else itemgetter(*order)(cells))

    def _relink(self, ordered: Sequence[Node[T]]) -> None:
        """Link the cells in this order (every cell of the list, at least one)."""
        try:  # Ctrl-C comes before this C-level step or after it, never inside
            deque(map(setattr, ordered, repeat("next"), chain(islice(ordered, 1, None), (None,))), 0)
        finally:
            self.head, self.tail = ordered[0], ordered[-1]

    def _items(self, cells: Iterable[Node[T]]) -> Iterable[T]:
        """The items the cells hold, as the cells come."""
        return map(_ITEM, cells)


_ITEM = operator.attrgetter("item")


class Linked:
    """Base of a record that is its own cell in an :class:`IntrusiveList`.

    It adds one slot, ``next``, and ``item`` (the record itself), so that the
    list's generic code reads it like a :class:`Node`. Such a record can be in
    only one ``IntrusiveList`` at a time; ordinary :class:`LinkedList` s hold it
    in nodes of their own, like any other value.
    """

    __slots__ = ("next",)

    next: Any

    @property
    def item(self) -> Any:
        """The record itself (as ``Node.item``)."""
        return self


L = TypeVar("L", bound=Linked)


def _ensure_free(item: Linked) -> None:
    """Refuse a record that is linked inside another IntrusiveList (its ``next`` is set).

    Linking it again would cut that other list short. (The last record of a list
    has no ``next`` and cannot be told apart; don't add it to a second list.)
    """
    if getattr(item, "next", None) is not None:
        raise ValueError("this record is already linked in an IntrusiveList")


class IntrusiveList(LinkedList[L]):
    """A :class:`LinkedList` whose items are their own nodes (no :class:`Node` each).

    For lists of millions of records: one object less per record. Everything
    else (sorting, removing, finding) works as in :class:`LinkedList`; adding an
    item links it through its own ``next``, so it must not be in another
    ``IntrusiveList`` at that time.
    """

    __slots__ = ()

    def append(self, item: L) -> Node[L]:
        _ensure_free(item)
        item.next = None
        if self.tail is None:
            self.head = item  # type: ignore[assignment]
        else:
            self.tail.next = item  # type: ignore[assignment]
        self.tail = item  # type: ignore[assignment]
        self._len += 1
        return item  # type: ignore[return-value]

    def prepend(self, item: L) -> Node[L]:
        _ensure_free(item)
        item.next = self.head
        self.head = item  # type: ignore[assignment]
        if self.tail is None:
            self.tail = item  # type: ignore[assignment]
        self._len += 1
        return item  # type: ignore[return-value]

    def extend(self, items: Iterable[L]) -> None:
        tail: Any = self.tail
        count = 0
        for item in items:
            if getattr(item, "next", None) is not None:
                _ensure_free(item)
            if tail is None:
                self.head = item  # type: ignore[assignment]
            else:
                tail.next = item
            tail = item
            count += 1
        if tail is not None:
            tail.next = None
        self.tail = tail
        self._len += count

    def insert_after(self, node: Node[L], item: L) -> Node[L]:
        _ensure_free(item)
        item.next = node.next
        node.next = item  # type: ignore[assignment]
        if self.tail is node:
            self.tail = item  # type: ignore[assignment]
        self._len += 1
        return item  # type: ignore[return-value]

    def relink_sorted(self, records: Sequence[L], key: Callable[[L], Any], reverse: bool = False) -> list[L]:
        """Sort by ``key`` given every record of the list in ``records``, equal keys in the order they
        have there (not in the list's); return the records in their new order.

        No walk over the list: the keys are read from ``records``, which a caller keeps
        in an order whose records lie near each other in memory (file order, the
        order they were made in), so that reading their keys costs no cache miss per
        record, and the list is relinked in one C-level step as :meth:`sort` does.
        """
        if len(records) != self._len:
            raise ValueError(f"{len(records)} records given for a list of {self._len}")
        if not records:
            return []
        order = stable_order(key_column(map(key, records)), reverse)
        ordered: Sequence[L] = records if order is None else itemgetter(*order)(records)
        self._relink(ordered)  # type: ignore[arg-type]  # records are their own cells
        return list(ordered)

    def _items(self, cells: Iterable[Node[L]]) -> Iterable[L]:
        return cells  # type: ignore[return-value]  # each record is its own cell

    def __iter__(self) -> Iterator[L]:
        node: Any = self.head
        while node is not None:
            yield node
            node = node.next
