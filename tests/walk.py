"""Walking one of our linked lists in a test, with a bound: a bug that makes a cycle fails the test
instead of walking forever (and hanging the suite while Hypothesis shrinks the example)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def walked(items: Iterable[T], most: int) -> list[T]:
    """The first items of ``items``, failing when there are more than ``most`` (a cycle, or a list
    longer than it can be). Hidden from pytest's tracebacks, which would print ``items`` (the whole
    list, round its cycle for ever)."""
    __tracebackhide__ = True
    found = list(islice(items, most + 1))
    assert len(found) <= most, f"more than {most} items: a cycle in the list?"
    return found
