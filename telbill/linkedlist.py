"""Our own singly linked list, with our own stable sort that relinks its cells."""

from __future__ import annotations

import operator
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice, repeat
from typing import Any, Generic, TypeVar

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
    general, O(n) on input already in order (see :func:`sorted_order`).
    """

    __slots__ = ("head", "tail", "_len")

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

    def nodes(self) -> Iterator[Node[T]]:
        """Iterate over the nodes, head to tail."""
        node = self.head
        while node is not None:
            nxt = node.next
            yield node
            node = nxt

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
        return f"LinkedList({list(self)!r})"

    # -- sorting ------------------------------------------------------------------

    def sort(self, key: Callable[[T], Any] | None = None, reverse: bool = False) -> None:
        """Sort in place, stably, by relinking the cells; like ``sorted(..., key=key, reverse=reverse)``.

        Equal keys keep their order in both directions, and each key is computed
        once. The algorithm depends on the keys (see :func:`sorted_order`): a list
        already in order (or in strictly opposite order) costs one pass; integer
        keys are put in order by a stable radix sort; other hashable keys are
        ranked (their distinct values by our natural merge sort) and the cells
        then counted into place by rank; any other keys go through the natural
        merge sort. Every path is O(n log n) or better and uses only our code.
        """
        if self._len < 2:
            return
        cells = self._cells()
        items = self._items(cells)
        keys = list(map(key, items)) if key is not None else items
        order = sorted_order(keys, reverse)
        if order is None:  # already in order
            return
        ordered = list(map(cells.__getitem__, order))
        for cell, following in zip(ordered, islice(ordered, 1, None)):
            cell.next = following
        ordered[-1].next = None
        self.head, self.tail = ordered[0], ordered[-1]

    def _cells(self) -> list[Node[T]]:
        """The cells, head to tail, in a Python list (for sorting)."""
        cells: list[Node[T]] = []
        append = cells.append
        node = self.head
        while node is not None:
            append(node)
            node = node.next
        return cells

    def _items(self, cells: list[Node[T]]) -> list[T]:
        """The items the cells hold."""
        return [c.item for c in cells]


RADIX_BITS = 18
"""At most 2**RADIX_BITS buckets in one pass of the radix sort (262,144 empty lists, about 15 MB): one pass for
integers as far apart as three days in seconds."""


def sorted_order(keys: list[Any], reverse: bool = False) -> list[int] | None:
    """The positions of ``keys`` in stable sorted order (``None``: they already are in order).

    ``sorted_order(keys)`` equals ``sorted(range(len(keys)), key=keys.__getitem__)``
    and with ``reverse`` the order of ``sorted(..., reverse=True)``: equal keys keep
    their order. Keys must be totally ordered with ``<`` (as for ``sorted``).
    """
    n = len(keys)
    if n < 2:
        return None
    # Only ``<`` is used, as by ``sorted``. A neighbour pair is out of order when
    # the later key is smaller (larger, in reverse).
    def out_of_order() -> Iterator[bool]:
        later = islice(keys, 1, None)
        return map(operator.lt, keys, later) if reverse else map(operator.lt, later, keys)

    if not any(out_of_order()):
        return None
    if all(out_of_order()):  # strictly the other way round: reversing it is stable
        return list(range(n - 1, -1, -1))
    kinds = set(map(type, keys))
    if kinds <= {int, bool}:
        lo, hi = min(keys), max(keys)
        digits = map(operator.sub, repeat(hi), keys) if reverse else map(operator.sub, keys, repeat(lo))
        return _radix_order(digits, n, hi - lo)
    try:
        distinct = list(dict.fromkeys(keys))
    except TypeError:  # unhashable keys
        return _merge_order(keys, reverse)
    ranked = [distinct[i] for i in _merge_order(distinct, False)]
    ranks = range(len(ranked) - 1, -1, -1) if reverse else range(len(ranked))
    rank = dict(zip(ranked, ranks))
    return _radix_order(map(rank.__getitem__, keys), n, len(ranked) - 1)


def _radix_order(digits: Iterable[int], n: int, span: int) -> list[int]:
    """Stable LSD radix sort of ``n`` non-negative ints ``digits`` (each ≤ ``span``): the positions in order.

    The loops run inside ``map``. One pass when ``span`` is small; otherwise each
    pass deals the values into buckets by some of their bits, in the order the
    last pass left them. When the digit and the position fit in 63 bits together
    they travel packed in one machine integer in an ``array`` (read in order, pass
    after pass, with no jumping about in memory); else the positions travel in
    lists and each pass looks their digits up.
    """
    bits = max(1, span.bit_length())
    passes = -(-bits // RADIX_BITS)
    width = -(-bits // passes)
    mask = (1 << width) - 1
    if passes == 1:
        buckets: list[list[int]] = [[] for _ in range(span + 1)]
        deque(map(list.append, map(buckets.__getitem__, digits), range(n)), maxlen=0)
        return list(chain.from_iterable(buckets))
    index_bits = max(1, (n - 1).bit_length())
    if bits + index_bits <= 63:
        packed = array("q", map(operator.or_, map(operator.lshift, digits, repeat(index_bits)), range(n)))
        for done in range(0, width * passes, width):
            shelves = [array("q") for _ in range(min(span >> done, mask) + 1)]
            source: Iterable[int] = map(operator.rshift, packed, repeat(index_bits + done))
            if done + width < bits:
                source = map(mask.__and__, source)
            deque(map(array.append, map(shelves.__getitem__, source), packed), maxlen=0)
            packed = array("q")
            for shelf in shelves:
                packed.extend(shelf)
        return list(map(((1 << index_bits) - 1).__and__, packed))
    values = list(digits)
    order: list[int] | None = None
    for done in range(0, width * passes, width):
        buckets = [[] for _ in range(min(span >> done, mask) + 1)]
        source = values if order is None else map(values.__getitem__, order)
        if done:
            source = map(operator.rshift, source, repeat(done))
        if done + width < bits:
            source = map(mask.__and__, source)
        positions: Iterable[int] = range(n) if order is None else order
        deque(map(list.append, map(buckets.__getitem__, source), positions), maxlen=0)
        order = list(chain.from_iterable(buckets))
    assert order is not None
    return order


def _merge_order(keys: list[Any], reverse: bool) -> list[int]:
    """Stable bottom-up natural merge sort of the positions of ``keys`` (only ``<`` is used).

    Runs already in order are found first; a strictly descending run is
    reversed (it has no equal keys, so that keeps the sort stable).
    """
    n = len(keys)
    if n == 0:
        return []

    def before(a: Any, b: Any) -> bool:  # must b come before a?
        return bool(a < b) if reverse else bool(b < a)

    runs: list[list[int]] = []
    i = 0
    while i < n:
        j = i + 1
        if j < n and before(keys[i], keys[j]):
            while j < n and before(keys[j - 1], keys[j]):
                j += 1
            runs.append(list(range(j - 1, i - 1, -1)))
        else:
            while j < n and not before(keys[j - 1], keys[j]):
                j += 1
            runs.append(list(range(i, j)))
        i = j
    while len(runs) > 1:
        merged = [_merge_runs(runs[k], runs[k + 1], keys, before) for k in range(0, len(runs) - 1, 2)]
        if len(runs) % 2:
            merged.append(runs[-1])
        runs = merged
    return runs[0]


def _merge_runs(a: list[int], b: list[int], keys: list[Any], before: Callable[[Any, Any], bool]) -> list[int]:
    """Merge two sorted runs of positions; on equal keys ``a`` (the earlier run) comes first."""
    if not before(keys[a[-1]], keys[b[0]]):  # already in order relative to each other
        return a + b
    out: list[int] = []
    i = j = 0
    na, nb = len(a), len(b)
    ka, kb = keys[a[0]], keys[b[0]]
    while True:
        if before(ka, kb):
            out.append(b[j])
            j += 1
            if j == nb:
                out.extend(a[i:])
                return out
            kb = keys[b[j]]
        else:
            out.append(a[i])
            i += 1
            if i == na:
                out.extend(b[j:])
                return out
            ka = keys[a[i]]


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

    def _items(self, cells: list[Node[L]]) -> list[L]:
        return cells  # type: ignore[return-value]  # each record is its own cell

    def __iter__(self) -> Iterator[L]:
        node: Any = self.head
        while node is not None:
            yield node
            node = node.next
