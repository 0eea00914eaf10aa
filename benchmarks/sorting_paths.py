"""timeit of each fast path of :mod:`telbill.lists.sorting` against a plain ``for`` loop doing the
same, on the keys the menu sorts (``--menu-steps``) at 200,000 and 1,000,000 records.

``python -m benchmarks.sorting_paths [--sizes 200000 1000000] [--runs 5]``: the best of ``--runs``
runs of each, plain and fast alternating. The figures quoted in ``telbill/lists/sorting.py``
come from here.
"""

from __future__ import annotations

import argparse
import operator
import random
import timeit
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, repeat
from typing import Any

from telbill.lists import sorting


def plain_deal(digits: Iterable[int], count: int, n: int) -> list[int]:
    """:func:`sorting._deal` as a plain loop: each position appended to its digit's shelf."""
    shelves: list[list[int]] = [[] for _ in range(count)]
    for position, digit in enumerate(digits):
        shelves[digit].append(position)
    return list(chain.from_iterable(shelves))


def plain_radix_two(offsets: Iterable[int], n: int, span: int) -> list[int]:
    """:func:`sorting._radix_two_passes` as a plain loop: two passes of lists, the low half of the
    bits first."""
    values = list(offsets)
    low = max(span.bit_length(), 2) // 2
    mask = (1 << low) - 1
    shelves: list[list[int]] = [[] for _ in range(1 << low)]
    for position, value in enumerate(values):
        shelves[value & mask].append(position)
    high: list[list[int]] = [[] for _ in range((span >> low) + 1)]
    for position in chain.from_iterable(shelves):
        high[values[position] >> low].append(position)
    return list(chain.from_iterable(high))


def mapped_radix_passes(values: list[int], n: int, span: int, width: int) -> list[int]:
    """:func:`sorting._radix_passes` as it was, in ``map`` steps (it is the plain loop now: this did not pay)."""
    mask = (1 << width) - 1
    order: Sequence[int] = range(n)
    for done in range(0, span.bit_length(), width):
        shelves: list[list[int]] = list(map(list, repeat((), min(span >> done, mask) + 1)))
        source = map(values.__getitem__, order) if done else values
        digits = map(operator.and_, map(operator.rshift, source, repeat(done)), repeat(mask))
        deque(map(list.append, map(shelves.__getitem__, digits), order), 0)
        order = list(chain.from_iterable(shelves))
    return list(order)


def plain_distinct(keys: list[Any], reverse: bool) -> list[int]:
    """:func:`sorting._distinct_order` as a plain loop: each position appended to its value's shelf,
    the distinct values put in order by our merge sort."""
    shelves: dict[Any, list[int]] = {}
    for position, key in enumerate(keys):
        shelf = shelves.get(key)
        if shelf is None:
            shelves[key] = [position]
        else:
            shelf.append(position)
    distinct = list(shelves)
    ranked = [distinct[i] for i in sorting._merge_order(distinct, reverse)]
    return list(chain.from_iterable(shelves[value] for value in ranked))


def best(fn: Callable[[], Any], runs: int) -> float:
    return min(timeit.repeat(lambda: list(fn()), number=1, repeat=runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(11)
    for n in args.sizes:
        measure(n, args.runs, rng)


def measure(n: int, runs: int, rng: random.Random) -> None:
    """Print each path's best time and its plain loop's, on ``n`` keys."""
    starts = array("q", (rng.randrange(90 * 86_400) for _ in range(n)))  # a quarter's start times
    durations = array("q", (rng.randrange(3_600) for _ in range(n)))
    phones = [f"8347{i:04d}" for i in range(5_000)]
    callers = [rng.choice(phones) for _ in range(n)]
    lo, span = min(starts), max(starts) - min(starts)
    offsets = array("q", (s - lo for s in starts))
    d_lo = min(durations)
    d_span = max(durations) - d_lo
    d_offsets = array("q", (d - d_lo for d in durations))
    width = max(8, min(12, n.bit_length() - 4))
    assert list(sorting._radix_two_passes(offsets, n, span)) == plain_radix_two(offsets, n, span)
    assert sorting._radix_passes(list(offsets), n, span, width) == mapped_radix_passes(list(offsets), n, span, width)
    assert list(sorting._deal(d_offsets, d_span + 1, n)) == plain_deal(d_offsets, d_span + 1, n)
    assert list(sorting._distinct_order(callers, dict.fromkeys(callers), False)) == plain_distinct(callers, False)
    cases = [
        ("start (two packed radix passes)", lambda: plain_radix_two(offsets, n, span),
         lambda: sorting._radix_two_passes(offsets, n, span)),
        ("start (radix passes, in map steps)", lambda: sorting._radix_passes(list(offsets), n, span, width),
         lambda: mapped_radix_passes(list(offsets), n, span, width)),
        ("duration (one counting pass)", lambda: plain_deal(d_offsets, d_span + 1, n),
         lambda: sorting._deal(d_offsets, d_span + 1, n)),
        ("caller (a shelf per distinct value)", lambda: plain_distinct(callers, False),
         lambda: sorting._distinct_order(callers, dict.fromkeys(callers), False)),
    ]
    print(f"{n:,} keys, best of {runs}:", flush=True)
    for name, plain, fast in cases:
        p, f = best(plain, runs), best(fast, runs)
        print(f"  {name:38} plain loop {p:6.3f} s   fast path {f:6.3f} s   ({(f - p) / p:+.0%})", flush=True)


if __name__ == "__main__":
    main()
