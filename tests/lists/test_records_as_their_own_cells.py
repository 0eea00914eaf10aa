"""The intrusive linked list (records as their own cells) behaves like LinkedList."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.lists.linked import IntrusiveList, Linked, LinkedList
from telbill.rules.records import Call

from walk import cells_of, walked


@dataclass(slots=True)
class Box(Linked):
    value: int


ops = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(0, 9)),
        st.tuples(st.just("prepend"), st.integers(0, 9)),
        st.tuples(st.just("extend"), st.lists(st.integers(0, 9), max_size=5)),
        st.tuples(st.just("insert_after"), st.integers(0, 30), st.integers(0, 9)),
        st.tuples(st.just("remove"), st.integers(0, 9)),
        st.tuples(st.just("pop_front")),
        st.tuples(st.just("remove_if_odd")),
        st.tuples(st.just("remove_node"), st.integers(0, 30)),
        st.tuples(st.just("sort"), st.booleans()),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_any_sequence_of_operations_behaves_like_a_list(operations: list[tuple]) -> None:
    """Any sequence of an IntrusiveList's operations leaves it as the same operations leave a Python list."""
    ll: IntrusiveList[Box] = IntrusiveList()
    model: list[Box] = []
    for op in operations:
        name = op[0]
        if name == "append":
            box = Box(op[1])
            assert ll.append(box) is box
            model.append(box)
        elif name == "prepend":
            box = Box(op[1])
            ll.prepend(box); model.insert(0, box)
        elif name == "extend":
            boxes = [Box(v) for v in op[1]]
            ll.extend(iter(boxes)); model.extend(boxes)
        elif name == "insert_after" and model:
            index = op[1] % len(model)
            box = Box(op[2])
            ll.insert_after(walked(cells_of(ll), len(model))[index], box); model.insert(index + 1, box)
        elif name == "remove":
            if Box(op[1]) in model:
                ll.remove(Box(op[1])); model.remove(Box(op[1]))
            else:
                with pytest.raises(ValueError):
                    ll.remove(Box(op[1]))
        elif name == "pop_front":
            if model:
                assert ll.pop_front() is model.pop(0)
            else:
                with pytest.raises(IndexError):
                    ll.pop_front()
        elif name == "remove_if_odd":
            assert ll.remove_if(lambda b: b.value % 2 == 1) == sum(1 for b in model if b.value % 2 == 1)
            model = [b for b in model if b.value % 2 == 0]
        elif name == "remove_node" and model:
            index = op[1] % len(model)
            ll.remove_node(walked(cells_of(ll), len(model))[index]); del model[index]
        elif name == "sort":
            ll.sort(key=lambda b: b.value, reverse=op[1])
            model.sort(key=lambda b: b.value, reverse=op[1])
        items = walked(ll, len(model))
        assert len(items) == len(model) and all(a is b for a, b in zip(items, model))
        assert len(ll) == len(model)
        assert (ll.head is None) == (not model)
        if model:
            assert ll.head is model[0] and ll.tail is model[-1] and ll.tail.next is None


def test_calls_are_their_own_cells_and_still_fit_ordinary_lists() -> None:
    """Calls linked as their own cells can also sit in a LinkedList, whose sort leaves their own links alone."""
    calls = [Call("1234", "5678", 10, 20), Call("1234", "5678", 5, 8)]
    own: IntrusiveList[Call] = IntrusiveList(calls)
    assert own.head is calls[0] and calls[0].next is calls[1] and calls[1].next is None
    plain = LinkedList(own)  # in nodes of its own: the calls' links are untouched
    plain.sort(key=lambda c: c.start)
    assert walked(plain, len(plain)) == calls[::-1] and walked(own, len(own)) == calls
    assert calls[0] == Call("1234", "5678", 10, 20)  # equality ignores the link


def test_a_record_linked_in_one_list_is_refused_by_another() -> None:
    """Building a second IntrusiveList from the records of a first one is refused, not corrupting."""

    first = IntrusiveList(Call("123", "456", i, i + 1) for i in range(4))
    with pytest.raises(ValueError, match="already linked"):
        IntrusiveList(c for c in first if c.start % 2 == 0)
    with pytest.raises(ValueError, match="already linked"):
        IntrusiveList().append(first.head.item)  # type: ignore[union-attr]
    assert len(first) == 4 and [c.start for c in first] == [0, 1, 2, 3]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=300), st.booleans(), st.randoms(use_true_random=False))
def test_relink_sorted_orders_ties_as_the_records_given(values: list[int], reverse: bool, rnd) -> None:
    """relink_sorted(records, key, reverse) sorts the list by ``key`` with equal keys in the order of
    ``records`` (not the list's current order), and returns the records in the new order."""
    boxes = [Box(v) for v in values]
    shuffled = boxes[:]
    rnd.shuffle(shuffled)
    ll: IntrusiveList[Box] = IntrusiveList()
    ll.extend(shuffled)
    expected = sorted(boxes, key=lambda b: b.value, reverse=reverse)
    got = ll.relink_sorted(boxes, lambda b: b.value, reverse)
    assert list(map(id, got)) == list(map(id, expected)) == list(map(id, ll))
    assert len(ll) == len(boxes)
    if boxes:
        assert ll.tail is expected[-1] and ll.tail.next is None


def test_relink_sorted_refuses_records_that_are_not_the_whole_list() -> None:
    """Given fewer records than the list holds, relink_sorted raises and leaves the list as it was."""
    ll: IntrusiveList[Box] = IntrusiveList()
    boxes = [Box(3), Box(1), Box(2)]
    ll.extend(boxes)
    with pytest.raises(ValueError, match="2 records given for a list of 3"):
        ll.relink_sorted(boxes[:2], lambda b: b.value)
    assert [b.value for b in walked(ll, len(ll))] == [3, 1, 2]
