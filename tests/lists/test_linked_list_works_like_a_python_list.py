"""Our singly linked list behaves like a Python list, and sorts like sorted()."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.lists.linked import LinkedList

from unprivileged import unprivileged
from walk import cells_of, walked

ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(0, 9)),
        st.tuples(st.just("prepend"), st.integers(0, 9)),
        st.tuples(st.just("insert_after"), st.integers(0, 30), st.integers(0, 9)),
        st.tuples(st.just("remove"), st.integers(0, 9)),
        st.tuples(st.just("pop_front")),
        st.tuples(st.just("remove_if_odd")),
        st.tuples(st.just("remove_node"), st.integers(0, 30)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_any_sequence_of_operations_behaves_like_a_list(operations: list[tuple]) -> None:
    """Append, prepend, insert, remove, pop: same contents, length, head and tail as a list."""
    ll: LinkedList[int] = LinkedList()
    model: list[int] = []
    for op in operations:
        name = op[0]
        if name == "append":
            ll.append(op[1]); model.append(op[1])
        elif name == "prepend":
            ll.prepend(op[1]); model.insert(0, op[1])
        elif name == "insert_after" and model:
            index = op[1] % len(model)
            node = walked(cells_of(ll), len(model))[index]
            ll.insert_after(node, op[2]); model.insert(index + 1, op[2])
        elif name == "remove":
            if op[1] in model:
                ll.remove(op[1]); model.remove(op[1])
            else:
                with pytest.raises(ValueError):
                    ll.remove(op[1])
        elif name == "pop_front":
            if model:
                assert ll.pop_front() == model.pop(0)
            else:
                with pytest.raises(IndexError):
                    ll.pop_front()
        elif name == "remove_if_odd":
            removed = ll.remove_if(lambda x: x % 2 == 1)
            assert removed == sum(1 for x in model if x % 2 == 1)
            model = [x for x in model if x % 2 == 0]
        elif name == "remove_node" and model:
            index = op[1] % len(model)
            node = walked(cells_of(ll), len(model))[index]
            ll.remove_node(node); del model[index]
        assert walked(ll, len(model)) == model
        assert len(ll) == len(model)
        assert (ll.head is None) == (not model)
        if model:
            assert ll.head is not None and ll.tail is not None
            assert ll.head.item == model[0] and ll.tail.item == model[-1]
            assert ll.tail.next is None
    ll.append(99)
    assert walked(ll, len(model) + 1) == model + [99]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers()), max_size=60), st.booleans())
def test_sort_equals_sorted_and_is_stable(items: list[tuple[int, int]], reverse: bool) -> None:
    """sort(key, reverse) gives exactly sorted(key, reverse): equal keys keep their order."""
    ll = LinkedList(items)
    ll.sort(key=lambda t: t[0], reverse=reverse)
    assert walked(ll, len(items)) == sorted(items, key=lambda t: t[0], reverse=reverse)
    assert len(ll) == len(items)
    if items:
        assert ll.tail is not None and ll.tail.next is None
        assert ll.tail.item == sorted(items, key=lambda t: t[0], reverse=reverse)[-1]
        ll.append((9, 9))
        assert walked(ll, len(items) + 1)[-1] == (9, 9)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(-3, 3), st.text(max_size=2)), max_size=300),
       st.booleans(), st.booleans())
def test_sort_with_ties_equals_two_stable_sorts(items: list[tuple[int, int, str]], reverse: bool,
                                                string_keys: bool) -> None:
    """sort(key, reverse, ties=t) orders equal keys by ``t``: exactly sorted(sorted(items, key=t), key,
    reverse), for integer and string keys, short lists and lists long enough for the counting sorts."""
    key = (lambda t: t[2]) if string_keys else (lambda t: t[0])
    ties = lambda t: t[1]
    expected = sorted(sorted(items, key=ties), key=key, reverse=reverse)
    ll = LinkedList(items)
    ll.sort(key=key, reverse=reverse, ties=ties)
    assert walked(ll, len(ll)) == expected
    backwards = items[::-1]
    expected = sorted(sorted(backwards, key=ties), key=key, reverse=reverse)
    again = LinkedList(backwards)
    again.sort(key=key, reverse=reverse, ties=ties)
    assert walked(again, len(again)) == expected
    if items:
        assert again.tail is not None and again.tail.next is None and again.tail.item == expected[-1]


def test_sort_relinks_the_same_nodes() -> None:
    """Sorting moves nodes, it does not copy items into new nodes."""
    ll = LinkedList([3, 1, 2])
    before = {id(n) for n in walked(cells_of(ll), len(ll))}
    ll.sort()
    assert walked(ll, len(ll)) == [1, 2, 3]
    assert {id(n) for n in walked(cells_of(ll), len(ll))} == before


def test_find_and_filter() -> None:
    """find returns the first matching node; filter builds a new list in order."""
    ll = LinkedList([5, 8, 3, 8])
    node = ll.find(lambda x: x == 8)
    assert node is not None and node.item == 8 and node.next is not None and node.next.item == 3
    assert ll.find(lambda x: x > 100) is None
    evens = ll.filter(lambda x: x % 2 == 0)
    assert walked(evens, len(evens)) == [8, 8] and len(evens) == 2
    assert walked(ll, len(ll)) == [5, 8, 3, 8]


def test_sort_of_a_long_sorted_list_is_one_pass() -> None:
    """A sorted input is recognised as one run (natural merge sort): keys computed once each."""
    calls = 0

    def key(x: int) -> int:
        nonlocal calls
        calls += 1
        return x

    ll = LinkedList(range(10_000))
    ll.sort(key=key)
    assert calls == 10_000
    assert walked(ll, len(ll)) == list(range(10_000))


key_lists = st.one_of(
    st.lists(st.integers(-3, 3), max_size=80),                       # one counting pass
    st.lists(st.sampled_from([-(2**40), 0, 2**33]), max_size=80),    # few values, wide span
    st.lists(st.integers(-(2**31), 2**31), max_size=80),            # two radix passes
    st.lists(st.integers(-(2**70), 2**70), max_size=80),            # beyond 64 bits
    st.lists(st.booleans(), max_size=40),
    st.lists(st.text("abcé张", max_size=3), max_size=60),
    st.lists(st.tuples(st.integers(0, 3), st.text("ab", max_size=2)), max_size=60),
    st.lists(st.lists(st.integers(0, 3), max_size=2), max_size=40),  # unhashable: the merge sort
    st.lists(st.floats(allow_nan=False), max_size=60),
)


@settings(max_examples=300, deadline=None)
@given(keys=key_lists, reverse=st.booleans())
def test_every_kind_of_key_sorts_like_sorted(keys: list[object], reverse: bool) -> None:
    """Integers, strings, tuples, lists, floats: the same order as sorted(), equal keys in their
    old order, both ways; the cells are relinked, the tail last (the paths: test_sorting)."""
    items = list(enumerate(keys))
    ll = LinkedList(items)
    cells = {id(n) for n in walked(cells_of(ll), len(ll))}
    ll.sort(key=lambda t: t[1], reverse=reverse)
    assert walked(ll, len(ll)) == sorted(items, key=lambda t: t[1], reverse=reverse)
    assert {id(n) for n in walked(cells_of(ll), len(ll))} == cells and len(ll) == len(items)
    assert ll.tail is None or (ll.tail.next is None and ll.tail.item == walked(ll, len(ll))[-1])


@pytest.mark.parametrize(
    "keys",
    [[3, 1, 2, 2**70, 0], [3, 1, 2, 2.5, 0], [3, 1, 2, -(2**63) - 1], [True, 5, 2, 1]],
    ids=["int-then-big-int", "int-then-float", "int-then-below-64-bits", "bool-then-ints"],
)
def test_each_key_is_computed_once(keys: list[object]) -> None:
    """Keys that start as integers and then change kind are still each computed once."""
    calls = 0

    def key(i: int) -> object:
        nonlocal calls
        calls += 1
        return keys[i]

    ll = LinkedList(range(len(keys)))
    ll.sort(key=key)
    assert calls == len(keys)
    assert walked(ll, len(ll)) == sorted(range(len(keys)), key=keys.__getitem__)


@pytest.mark.parametrize("bad", [2, 4], ids=["key-fails-midway", "keys-do-not-compare"])
def test_a_failing_sort_leaves_the_list_as_it_was(bad: int) -> None:
    """A key that raises, or keys that cannot be compared: the error comes out, the list is intact."""
    ll = LinkedList([5, 3, 9, 1, 7])
    cells = walked(cells_of(ll), len(ll))

    def key(x: int) -> object:
        if bad == 2 and x == 9:
            raise ValueError("no key")
        return "x" if x == 7 else x

    with pytest.raises((ValueError, TypeError)):
        ll.sort(key=key)
    assert walked(cells_of(ll), len(ll)) == cells and walked(ll, len(ll)) == [5, 3, 9, 1, 7]
    assert ll.tail is cells[-1] and ll.tail.next is None and len(ll) == 5


def test_ctrl_c_right_after_the_relinking_leaves_a_whole_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C arriving as the one C-level relinking step returns: the list is sorted, head and tail right."""
    import telbill.lists.linked as linkedlist

    def relink_then_interrupt(steps: Iterable[object], maxlen: int) -> None:
        for _ in steps:
            pass
        raise KeyboardInterrupt

    ll = LinkedList([5, 3, 9, 1, 7])
    monkeypatch.setattr(linkedlist, "deque", relink_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        ll.sort()
    assert walked(ll, len(ll)) == [1, 3, 5, 7, 9]
    assert ll.head is not None and ll.head.item == 1
    assert ll.tail is not None and ll.tail.item == 9 and ll.tail.next is None


def test_reversing_a_long_sorted_list_keeps_the_cells() -> None:
    """Sorting 100,000 ascending items descending relinks the same cells, tail last."""
    ll = LinkedList(range(100_000))
    cells = {id(n) for n in walked(cells_of(ll), len(ll))}
    ll.sort(reverse=True)
    assert walked(ll, len(ll)) == list(range(99_999, -1, -1))
    assert {id(n) for n in walked(cells_of(ll), len(ll))} == cells
    assert ll.tail is not None and ll.tail.item == 0 and ll.tail.next is None


def test_a_list_with_a_cycle_still_has_a_repr() -> None:
    """A list whose tail leads back to its head (the bug a broken sort would make) shows its cells
    once round and says so: the repr that pytest and Hypothesis print when a test fails must not
    walk the cycle for ever (which hung the whole suite instead of failing the test)."""
    ll = LinkedList([1, 2, 3])
    assert ll.tail is not None
    ll.tail.next = ll.head
    assert unprivileged(lambda: repr(ll), timeout=10, memory=1 << 30) == \
        "LinkedList([1, 2, 3, 1] …: more cells than its 3, a cycle?)"
    assert repr(LinkedList([1, 2, 3])) == "LinkedList([1, 2, 3])"
