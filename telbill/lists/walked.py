"""A linked list read as a sequence, walked only as far as a reader asks.

A pager shows the first page of a million records and perhaps never more. Copying the
list into a Python list first walks every record (0.2 s at a million calls in file
order, more after a sort has scattered them in memory); :class:`Walked` walks to the
last record asked for and keeps what it has walked, so a page costs what it shows and
a jump to the end costs one walk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Protocol, TypeVar, overload

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Walkable(Protocol[T_co]):
    """What :class:`Walked` reads: a length known without a walk, and a walk from the head."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[T_co]: ...


class Walked(Sequence[T]):
    """``items`` as a sequence, walked from the head only as far as the largest index asked for.

    ``items`` must not change while this is read (a list on the screen is not edited)."""

    __slots__ = ("_length", "_seen", "_walk")

    def __init__(self, items: Walkable[T]) -> None:
        self._length = len(items)
        self._walk = iter(items)
        self._seen: list[T] = []

    def __len__(self) -> int:
        return self._length

    def _walk_to(self, index: int) -> None:
        """Walk on until the record at ``index`` (from 0) has been seen."""
        missing = index + 1 - len(self._seen)
        if missing > 0:
            self._seen.extend(islice(self._walk, missing))
        if index >= len(self._seen):
            raise IndexError(f"the list ended at {len(self._seen)} records, not {self._length}")

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            wanted = range(*index.indices(self._length))
            if wanted:
                self._walk_to(max(wanted[0], wanted[-1]))
            return [self._seen[i] for i in wanted]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(f"index {index} of a list of {self._length}")
        self._walk_to(index)
        return self._seen[index]
