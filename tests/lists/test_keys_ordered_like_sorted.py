"""The stable order of a column of keys (telbill.lists.sorting): every path gives sorted()'s order."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.lists import sorting
from telbill.lists.sorting import key_column, stable_order


def runs(values: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    """Keys made of runs already in order, runs in the opposite order and runs of equal keys."""
    block = st.tuples(st.lists(values, max_size=12), st.sampled_from(["up", "down", "same"]))

    def join(blocks: list[tuple[list[Any], str]]) -> list[Any]:
        out: list[Any] = []
        for part, shape in blocks:
            if shape == "same":
                out += part[:1] * len(part)
            else:
                out += sorted(part, reverse=shape == "down")
        return out

    return st.lists(block, max_size=6).map(join)


KEYS: dict[str, st.SearchStrategy[list[Any]]] = {
    # integers: one counting pass over a small span
    "small-span-ints": st.lists(st.integers(-3, 3), max_size=80),
    "bools": st.lists(st.booleans(), max_size=40),
    # a wide span, few values repeated: each value its own shelf
    "few-wide-ints": st.lists(st.sampled_from([-(2**40), -7, 0, 5, 2**20, 2**33, 2**40]), max_size=80),
    # a span under 2**32, values distinct: two radix passes
    "distinct-ints-32": st.lists(st.integers(-(2**31), 2**31 - 1), unique=True, max_size=80),
    "distinct-ints-17": st.lists(st.integers(0, 2**17), unique=True, max_size=80),
    # a span of 2**32 or more: 16 bits a pass (over 64 bits: a list, not an array)
    "distinct-ints-63": st.lists(st.integers(-(2**62), 2**62), unique=True, max_size=60),
    "distinct-ints-70": st.lists(st.integers(-(2**70), 2**70), unique=True, max_size=60),
    "any-ints-70": st.lists(st.integers(-(2**70), 2**70), max_size=60),
    # wider than 16 bits per merge level: the merge sort
    "huge-ints": st.lists(st.integers(-(2**200), 2**200), max_size=30),
    "negative-runs": runs(st.integers(-(2**40), -1)),
    # other hashable keys: distinct values ranked, positions dealt
    "strings": st.lists(st.text("abcé张", max_size=3), max_size=60),
    "tuples": st.lists(st.tuples(st.integers(0, 3), st.text("ab", max_size=2)), max_size=60),
    "floats": st.lists(st.floats(allow_nan=False), max_size=60),
    "ints-and-floats": st.lists(st.one_of(st.integers(-3, 3), st.floats(-3, 3, allow_nan=False)), max_size=60),
    "int-then-big": st.lists(st.integers(-5, 5), min_size=1, max_size=20).map(lambda k: [*k, 2**64, *k]),
    "string-runs": runs(st.text("ab", max_size=2)),
    # unhashable keys: the natural merge sort
    "lists": st.lists(st.lists(st.integers(0, 3), max_size=2), max_size=40),
    "list-runs": runs(st.lists(st.integers(0, 9), min_size=1, max_size=1)),
}


def sorted_order(keys: list[Any] | array[int], reverse: bool = False) -> list[int] | None:
    """The positions of ``keys`` in stable sorted order, as the sorts give them (``None``: already in order)."""
    order = stable_order(keys if isinstance(keys, array) else key_column(keys), reverse)
    return None if order is None else list(order)


def expected(keys: list[Any], reverse: bool) -> list[int]:
    return sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)


MODES = {
    "as-set": {"FEW_KEYS": sorting.FEW_KEYS},
    # every path on small inputs: no merge sort for few keys ...
    "no-merge": {"FEW_KEYS": 0},
    # ... and few shelves (the ranks of many distinct values radix sorted)
    "4-shelves": {"FEW_KEYS": 0, "SHELVES": 4},
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("kind", list(KEYS))
@settings(max_examples=40, deadline=None)
@given(data=st.data(), reverse=st.booleans())
def test_every_kind_of_key_is_ordered_like_sorted(kind: str, mode: str, data: st.DataObject,
                                                  reverse: bool) -> None:
    """Positions in sorted() order, equal keys in their old order, both ways; None only when
    nothing moves (the modes lower the thresholds so that small inputs take every path)."""
    keys = data.draw(KEYS[kind])
    with mock.patch.multiple(sorting, **MODES[mode]):
        order = sorted_order(keys, reverse)
    want = expected(keys, reverse)
    if order is None:
        assert want == list(range(len(keys)))
    else:
        assert order == want


@pytest.mark.parametrize("span", [1, 2**16, 2**17 - 1, 2**20 + 3, 2**32 - 1])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_two_radix_passes_split_any_span_under_2_32(span: int, data: st.DataObject) -> None:
    """The packed two-pass radix sort orders offsets up to its span, ties by position."""
    offsets = data.draw(st.lists(st.one_of(st.integers(0, span), st.sampled_from([0, span, span // 2])),
                                 min_size=1, max_size=60))
    offsets.append(span)
    order = sorting._radix_two_passes(iter(offsets), len(offsets), span)
    assert list(order) == expected(offsets, False)


@pytest.mark.parametrize(
    ("keys", "reverse", "order"),
    [
        ([1, 2, 2, 3], False, None),             # already in order: nothing to do
        ([3, 2, 2, 1], True, None),
        ([3, 2, 1], False, [2, 1, 0]),           # strictly the other way: reversed in one pass
        ([1, 2, 3], True, [2, 1, 0]),
        ([2, 1, 1], False, [1, 2, 0]),           # not strictly: equal keys keep their order
        (["b", "a", "a"], True, None),
        ([[2], [1]], False, [1, 0]),
    ],
)
def test_keys_in_order_or_strictly_reversed_cost_one_pass(keys: list[Any], reverse: bool,
                                                          order: list[int] | None) -> None:
    """Keys already in order need no work; keys strictly the other way round are reversed."""
    assert sorted_order(keys, reverse) == order


def counted(keys: list[Any], seen: list[Any]) -> Iterator[Any]:
    for k in keys:
        seen.append(k)
        yield k


@pytest.mark.parametrize(
    ("keys", "kind"),
    [
        ([], list),
        ([3, -1, 2**62], array),
        ([True, False, 7], array),
        (["b", "a"], list),
        ([1, 2, "x", 4], list),                  # an integer column that meets a string
        ([1, 2, 2**64, 4], list),                # ... or an integer over 64 bits
        ([2**64, 1], list),
        ([1, 2.5, 3], list),
        ([None, 1], list),
    ],
)
def test_key_column_takes_each_key_once(keys: list[Any], kind: type) -> None:
    """Integers that fit go into an array, anything else into a list; each key is taken once."""
    seen: list[Any] = []
    column = key_column(counted(keys, seen))
    assert type(column) is kind
    assert list(column) == keys
    assert seen == keys


def test_integer_keys_that_repeat_are_dealt_by_value() -> None:
    """Many keys with few values over a wide span: one shelf per value (no radix pass)."""
    keys = array("q", [10**9 * (i % 7) - 3 for i in range(5_000)])
    with mock.patch.object(sorting, "_radix_two_passes", side_effect=AssertionError):
        order = stable_order(keys)
    assert order is not None and list(order) == expected(list(keys), False)


def test_distinct_integer_keys_take_two_radix_passes() -> None:
    """Distinct keys over a 26-bit span (start times over two years) go through the radix sort."""
    keys = array("q", [(i * 7_919_993) % 63_000_000 for i in range(5_000)])
    with mock.patch.object(sorting, "_distinct_order", side_effect=AssertionError):
        order = stable_order(keys)
    assert order is not None and list(order) == expected(list(keys), False)
