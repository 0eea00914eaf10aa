"""A linked list shown a page at a time is walked only as far as the pages shown (issue 17 §2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telbill.lists.linked import LinkedList
from telbill.lists.walked import Walked


class Counted:
    """A list of ``n`` numbers that counts how many of them were walked to."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.walked = 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        for i in range(self.n):
            self.walked += 1
            yield i


def test_the_first_page_walks_only_the_first_page() -> None:
    """Its length needs no walk; the first 20 records walk 20; the last one walks to the end, once."""
    items = Counted(1_000_000)
    seen = Walked(items)
    assert len(seen) == 1_000_000 and items.walked == 0
    assert seen[0:20] == list(range(20)) and items.walked == 20
    assert seen[5] == 5 and items.walked == 20
    assert seen[-1] == 999_999 and items.walked == 1_000_000
    assert seen[999_980:] == list(range(999_980, 1_000_000)) and items.walked == 1_000_000


@given(st.lists(st.integers(), max_size=30), st.integers(-40, 40), st.integers(-40, 40), st.sampled_from([1, 2, -1, -3]))
def test_indexes_and_slices_as_a_python_list_gives_them(values: list[int], a: int, b: int, step: int) -> None:
    """Any index or slice gives what the same index of a Python list gives, or the same IndexError."""
    linked = LinkedList(values)
    seen = Walked(linked)
    assert seen[a:b:step] == values[a:b:step]
    if -len(values) <= a < len(values):
        assert seen[a] == values[a]
    else:
        with pytest.raises(IndexError):
            seen[a]
    assert list(seen) == values


def test_a_list_shorter_than_it_said_is_an_index_error() -> None:
    """A list whose walk ends before its length is an IndexError, not a wrong record."""
    items = Counted(5)
    seen = Walked(items)
    items.n = 3
    with pytest.raises(IndexError, match="the list ended at 3 records, not 5"):
        seen[4]
