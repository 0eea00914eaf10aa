"""The stable sorted order of a column of keys, by sorts of our own (the linked list's sort uses it).

:func:`key_column` gathers the keys (integers into a compact ``array``), and
:func:`stable_order` gives the positions of the keys in sorted order, equal keys
in their old order, like ``sorted(range(n), key=keys.__getitem__, reverse=...)``.
Which sort runs depends on the keys:

- keys already in order cost one pass (``None``: nothing to move), and keys in
  strictly the opposite order one more (reversed);
- fewer than :data:`FEW_KEYS` keys, and keys that cannot be hashed: our
  natural merge sort;
- integers over a span not much wider than their number: one counting pass;
- other integers: one shelf per distinct value when the values repeat and are
  few, else a stable LSD radix sort, in two passes for a span under 2**32 (see
  :func:`_radix_two_passes`) when the keys are many, else a pass per digit of 8
  to 12 bits (integers so wide that this would take more passes than a merge
  sort has levels go through the merge sort);
- other hashable keys (strings, tuples, floats): their distinct values are put
  in order (by our merge sort), then each key's position is dealt into its
  value's shelf, the shelves read in order; with more than :data:`SHELVES`
  distinct values, each key's rank goes through the radix sort.

Every path is O(n log n) or better. The counting pass, the shelves by distinct
value and the two packed radix passes run their per-key loops inside ``map``
(C-level steps, no Python bytecode per key, run to their end by :func:`_consume`):
each docstring gives its ``timeit`` figure against a plain ``for`` loop doing the
same (``python -m benchmarks.sorting_paths``: the menu's keys at 200,000 and
1,000,000 records). The radix passes for the rest, where ``map`` did not pay, are a
plain loop, as are the merge sort and the loops per distinct value.
"""

from __future__ import annotations

import operator
import sys
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, filterfalse, islice, repeat
from typing import Any

FEW_KEYS = 128
"""Below this many keys, the merge sort (setting up shelves would cost more than comparing)."""

SHELVES = 1 << 14
"""At most this many shelves in a counting pass (one per value or per distinct value): with more,
dealing a million keys costs more than two radix passes (the shelves no longer fit in the cache)."""

SAMPLE = 1024
"""Keys looked at to guess whether integer keys repeat (then they are dealt by distinct value)."""

Order = Iterable[int]
"""Positions of the keys, in sorted order."""

_NONE = object()
_POSITIONS = "I"
"""Array type of a position (32 bits: fewer than 2**32 keys)."""
_LOW_HALF, _HIGH_HALF = (2, 3) if sys.byteorder == "little" else (3, 2)
"""Which 16-bit halves of a packed 64-bit cell hold the low and the high half of its upper word."""


def key_column(keys: Iterable[Any]) -> array[int] | list[Any]:
    """The keys, each taken from ``keys`` once: in an ``array`` of 64-bit integers when they are
    integers that fit (a compact column, read quickly pass after pass), else in a list.

    The first key decides: an ``int`` (or ``bool``) starts an array, which takes
    the following keys as long as they are integers (an object with
    ``__index__`` counts as that integer); at the first that is not, the keys go
    into a list instead, none of them taken twice.
    """
    it: Iterator[Any] = iter(keys)
    first: Any = next(it, _NONE)
    if first is _NONE:
        return []
    if type(first) not in (int, bool):
        return [first, *it]
    try:
        column: array[int] = array("q", [first])
    except OverflowError:
        return [first, *it]
    last: deque[Any] = deque(maxlen=1)
    try:
        column.extend(filterfalse(last.append, it))
    except (TypeError, OverflowError):  # a key that is not a 64-bit integer: the one in ``last``
        return [*column.tolist(), last[0], *it]
    return column


def stable_order(keys: array[int] | list[Any], reverse: bool = False) -> Order | None:
    """The positions of ``keys`` (from :func:`key_column`) in stable sorted order, or ``None``
    when they already are in order. See the module's description for the sorts."""
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
        return range(n - 1, -1, -1)
    if n < FEW_KEYS:
        return _merge_order(keys, reverse)
    if isinstance(keys, array):
        return _integer_order(keys, reverse)
    if type(keys[0]) in (int, bool) and set(map(type, keys)) <= {int, bool}:  # integers beyond 64 bits
        return _integer_order(keys, reverse)
    try:
        shelf_of = dict.fromkeys(keys)
    except TypeError:  # unhashable keys
        return _merge_order(keys, reverse)
    return _distinct_order(keys, shelf_of, reverse)


def _integer_order(keys: array[int] | list[int], reverse: bool) -> Order:
    """Integer keys: counted, dealt by distinct value or radix sorted."""
    n = len(keys)
    lo, hi = min(keys), max(keys)
    span = hi - lo

    def offsets() -> Iterator[int]:  # 0 … span, in the sort's direction
        return map(operator.sub, repeat(hi), keys) if reverse else map(operator.sub, keys, repeat(lo))

    if span < min(SHELVES, 2 * n + 256):  # one counting pass
        return _deal(offsets(), span + 1, n)
    sample = keys[:: max(1, n // SAMPLE)]
    if len(set(sample)) < len(sample):  # values repeat: maybe few of them
        shelf_of = dict.fromkeys(keys)
        if len(shelf_of) <= SHELVES:
            return _distinct_order(keys, shelf_of, reverse)
    return _radix_order(offsets(), n, span) or _merge_order(keys, reverse)


def _consume(steps: Iterable[object]) -> None:
    """Run ``steps`` to its end, keeping none of its values: a ``map`` whose calls do the work
    (``array.append`` of each position to its shelf) is run in C, with no bytecode per step."""
    deque(steps, 0)


def _deal(digits: Iterable[int], count: int, n: int) -> Order:
    """Positions ``0 … n-1`` in order of their ``digits`` (each below ``count``), stably: one counting pass.
    (timeit, durations under an hour: 0.039 s against 0.052 s for a plain loop at 200,000 keys,
    0.20 s against 0.39 s at 1,000,000; ``benchmarks/sorting_paths.py``, a loaded host.)"""
    shelves = _shelves(_POSITIONS, count)
    _consume(map(array.append, map(shelves.__getitem__, digits), range(n)))
    return chain.from_iterable(shelves)


def _distinct_order(keys: array[int] | list[Any], shelf_of: dict[Any, Any], reverse: bool) -> Order:
    """Hashable keys: their distinct values put in order, then each position dealt to its value's shelf.

    ``shelf_of`` holds the distinct keys (``dict.fromkeys(keys)``). With more
    than :data:`SHELVES` of them, each key's rank goes through the radix sort.
    (timeit, callers among 5,000 phones: 0.04-0.06 s against 0.12-0.25 s for a plain loop at
    200,000 keys, 0.32-0.41 s against 0.48-0.57 s at 1,000,000.)
    """
    distinct = list(shelf_of)
    column = key_column(distinct)
    in_order = stable_order(column) if isinstance(column, array) else _merge_order(distinct, False)
    ranked = distinct if in_order is None else list(map(distinct.__getitem__, in_order))
    if reverse:
        ranked.reverse()
    n = len(keys)
    if len(ranked) > SHELVES:
        rank = dict(zip(ranked, range(len(ranked))))
        return _radix_order(map(rank.__getitem__, keys), n, len(ranked) - 1) or _merge_order(keys, reverse)
    shelves = _shelves(_POSITIONS, len(ranked))
    shelf_of.update(zip(ranked, shelves))
    _consume(map(array.append, map(shelf_of.__getitem__, keys), range(n)))
    return chain.from_iterable(shelves)


def _shelves(typecode: str, count: int) -> list[array[int]]:
    """``count`` empty arrays of ``typecode`` (made in one C-level loop)."""
    return list(map(array.__copy__, repeat(array(typecode), count)))


def _radix_order(offsets: Iterable[int], n: int, span: int) -> Order | None:
    """Stable LSD radix sort of ``n`` non-negative ``offsets``, each at most ``span``; ``None`` when
    the span is so wide that it would take more passes than a merge sort has levels.

    Two packed passes when the span is under 2**32 and each pass has no more
    shelves than keys; else passes of 8 to 12 bits (fewer for fewer keys: a pass
    costs the keys plus its shelves).
    """
    bits = span.bit_length()
    if bits <= 32 and n >= 1 << (bits + 1) // 2:
        return _radix_two_passes(offsets, n, span)
    width = max(8, min(12, n.bit_length() - 4))
    if -(-bits // width) > max(2, n.bit_length()):
        return None
    return _radix_passes(list(offsets), n, span, width)


def _radix_two_passes(offsets: Iterable[int], n: int, span: int) -> Order:
    """Stable LSD radix sort of ``n`` offsets, each at most ``span`` (below 2**32), in two passes.

    Each key travels with its position packed in one 64-bit cell of an ``array``:
    the position in the low 32 bits, the offset in the upper 32 bits, shifted so
    that its low half of bits is the cell's third 16-bit half-word and its high
    half the fourth. A ``memoryview`` of the cells as 16-bit half-words then hands
    each pass its digits in the current order with no arithmetic; a pass deals the
    cells into shelves by digit (each shelf an ``array``, appended in order) and
    puts the shelves end to end. The positions are read back as the low words.
    (timeit, a quarter's start times: 0.08-0.16 s against 0.13-0.27 s for two plain passes of
    lists at 200,000 keys, 0.62-0.76 s against 1.6-2.3 s at 1,000,000: what keeps the sort by
    start under a second, issue 11.)
    """
    bits = max(span.bit_length(), 2)
    low = bits // 2  # bits of the first pass; the second takes the rest (≤ 16 each)
    scale = 16 - low  # the first digit is scaled by 2**scale: shelves at that step
    cells = array("Q", bytes(8 * n))
    words = memoryview(cells).cast("B").cast("I")
    words[0::2] = array("I", range(n))
    words[1::2] = array("I", map(operator.lshift, offsets, repeat(scale)))
    del words
    for half, count, step in ((_LOW_HALF, 1 << low, 1 << scale), (_HIGH_HALF, (span >> low) + 1, 1)):
        shelves = _shelves("Q", count)
        by_digit: list[Any] = shelves
        if step > 1:
            by_digit = [None] * ((count - 1) * step + 1)
            by_digit[::step] = shelves
        digits = memoryview(cells).cast("B").cast("H")[half::4]
        _consume(map(array.append, map(by_digit.__getitem__, digits), cells))
        digits.release()
        cells = array("Q", b"".join(shelves))
    return memoryview(cells).cast("B").cast("I")[0::2]


def _radix_passes(values: list[int], n: int, span: int, width: int) -> list[int]:
    """Stable LSD radix sort of non-negative ints of any size, ``width`` bits a pass; the positions
    travel in lists, each pass looking up its digits. A plain loop: the same passes in ``map``
    steps were no faster (timeit at 200,000 and 1,000,000 start times: +8 % to +41 %)."""
    mask = (1 << width) - 1
    order = list(range(n))
    for done in range(0, span.bit_length(), width):
        shelves: list[list[int]] = [[] for _ in range(min(span >> done, mask) + 1)]
        for position in order:
            shelves[(values[position] >> done) & mask].append(position)
        order = list(chain.from_iterable(shelves))
    return order


def _merge_order(keys: Sequence[Any], reverse: bool) -> list[int]:
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


def _merge_runs(a: list[int], b: list[int], keys: Sequence[Any], before: Callable[[Any, Any], bool]) -> list[int]:
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
