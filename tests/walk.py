"""Walking one of our linked lists in a test, with a bound: a bug that makes a cycle fails the test
instead of walking forever (and hanging the suite while Hypothesis shrinks the example)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from telbill.lists.linked import LinkedList, Node

T = TypeVar("T")


def cells_of(ll: LinkedList[Any]) -> Iterator[Node[Any]]:
    """The list's cells, head to tail (walk them with :func:`walked`)."""
    node = ll.head
    while node is not None:
        yield node
        node = node.next


def walked(items: Iterable[T], most: int) -> list[T]:
    """The first items of ``items``, failing when there are more than ``most`` (a cycle, or a list
    longer than it can be). Hidden from pytest's tracebacks, which would print ``items`` (the whole
    list, round its cycle for ever)."""
    __tracebackhide__ = True
    found = list(islice(items, most + 1))
    assert len(found) <= most, f"more than {most} items: a cycle in the list?"
    return found
