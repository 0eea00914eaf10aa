"""Our own singly linked list, with a stable natural merge sort that relinks nodes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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
    that ``len`` is constant time. :meth:`sort` is a stable bottom-up natural merge
    sort: it finds the runs already in order, then merges them pairwise by
    relinking nodes, so it is O(n log n) in general and O(n) on sorted input.
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
        """Sort in place, stably, by relinking nodes (bottom-up natural merge sort).

        Like ``sorted(..., key=key, reverse=reverse)``: equal keys keep their
        order in both directions. Each key is computed once.
        """
        if self._len < 2:
            return
        keyf: Callable[[T], Any] = key if key is not None else _identity
        # Runs are (head, tail, keys) with keys a Python list parallel to the run's
        # nodes; keys travel with their nodes so each is computed only once.
        runs: list[tuple[Node[T], Node[T], list[Any]]] = []
        node = self.head
        assert node is not None
        run_head = node
        run_keys = [keyf(node.item)]
        last_key = run_keys[0]
        nxt = node.next
        while nxt is not None:
            k = keyf(nxt.item)
            in_order = (k <= last_key) if reverse else (last_key <= k)
            if not in_order:
                node.next = None
                runs.append((run_head, node, run_keys))
                run_head = nxt
                run_keys = [k]
            else:
                run_keys.append(k)
            last_key = k
            node = nxt
            nxt = node.next
        runs.append((run_head, node, run_keys))

        while len(runs) > 1:
            merged: list[tuple[Node[T], Node[T], list[Any]]] = []
            for i in range(0, len(runs) - 1, 2):
                merged.append(_merge(runs[i], runs[i + 1], reverse))
            if len(runs) % 2:
                merged.append(runs[-1])
            runs = merged
        self.head, self.tail, _ = runs[0]


def _identity(item: Any) -> Any:
    return item


def _merge(
    left: tuple[Node[T], Node[T], list[Any]],
    right: tuple[Node[T], Node[T], list[Any]],
    reverse: bool,
) -> tuple[Node[T], Node[T], list[Any]]:
    """Merge two sorted runs stably (left wins ties); relinks nodes."""
    a, a_tail, a_keys = left
    b, b_tail, b_keys = right
    # Fast path: the runs are already in order relative to each other.
    if (b_keys[0] <= a_keys[-1]) if reverse else (a_keys[-1] <= b_keys[0]):
        a_tail.next = b
        a_keys.extend(b_keys)
        return a, b_tail, a_keys
    keys: list[Any] = []
    i = j = 0
    na, nb = len(a_keys), len(b_keys)
    ka, kb = a_keys[0], b_keys[0]
    first = (kb <= ka) if reverse else (ka <= kb)
    head: Node[T]
    if first:
        head = a
        keys.append(ka)
        i = 1
        a_next = a.next
        cur_a: Node[T] | None = a_next
        cur_b: Node[T] | None = b
    else:
        head = b
        keys.append(kb)
        j = 1
        cur_a = a
        cur_b = b.next
    tail = head
    while i < na and j < nb:
        ka = a_keys[i]
        kb = b_keys[j]
        if (kb <= ka) if reverse else (ka <= kb):
            assert cur_a is not None
            tail.next = cur_a
            tail = cur_a
            cur_a = cur_a.next
            keys.append(ka)
            i += 1
        else:
            assert cur_b is not None
            tail.next = cur_b
            tail = cur_b
            cur_b = cur_b.next
            keys.append(kb)
            j += 1
    if i < na:
        tail.next = cur_a
        keys.extend(a_keys[i:])
        tail = a_tail
    else:
        tail.next = cur_b
        keys.extend(b_keys[j:])
        tail = b_tail
    return head, tail, keys


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

    def __iter__(self) -> Iterator[L]:
        node: Any = self.head
        while node is not None:
            yield node
            node = node.next
