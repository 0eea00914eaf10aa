"""A sorted list kept sorted by bisection as records leave, change and come back (issue 9: an edit
costs what it changes, also while the calls are sorted)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.lists.linked import IntrusiveList
from telbill.lists.ordering import MANY, Ordered, place_in_file_order
from telbill.rules.records import Call

from walk import walked


def calls(keys: list[int]) -> list[Call]:
    return [Call("831", "110", key, key + 1, number) for number, key in enumerate(keys, 1)]


def stable(records: list[Call], reverse: bool) -> list[int | None]:
    """What a stable sort of the file (line order) by start gives."""
    return [c.line_no for c in sorted(sorted(records, key=lambda c: c.line_no or 0), key=lambda c: c.start,
                                      reverse=reverse)]


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(st.integers(0, 9), min_size=1, max_size=3 * MANY), reverse=st.booleans(), data=st.data())
def test_records_taken_out_changed_and_put_back_are_where_a_stable_sort_puts_them(
        keys: list[int], reverse: bool, data: st.DataObject) -> None:
    """Any records (one, a few, more than MANY) taken out, given new keys, and put back: the list and
    its index are in the order a stable sort of the file gives, ties in line order."""
    records = calls(keys)
    cells: IntrusiveList[Call] = IntrusiveList(records)
    cells.sort(key=lambda c: c.start, reverse=reverse)
    order = Ordered(cells, lambda c: c.start, reverse)
    for _ in range(3):
        moving = data.draw(st.lists(st.sampled_from(records), unique_by=id, max_size=len(records)))
        order.take_out(moving)
        assert len(cells) == len(records) - len(moving) == len(order.index)
        for call in moving:
            call.start = data.draw(st.integers(0, 9))
        order.put_back(moving)
        assert [c.line_no for c in walked(cells, len(records))] == [c.line_no for c in order.index] \
            == stable(records, reverse)
        assert cells.tail is order.index[-1]


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.booleans(), min_size=1, max_size=3 * MANY))
def test_records_placed_in_file_order_in_one_walk(lines: list[bool]) -> None:
    """Records put back among others (an undone delete of many) come in line order."""
    records = calls([0] * len(lines))
    cells: IntrusiveList[Call] = IntrusiveList(r for r, kept in zip(records, lines) if kept)
    place_in_file_order(cells, [r for r, kept in zip(records, lines) if not kept][::-1])
    assert [c.line_no for c in walked(cells, len(lines))] == list(range(1, len(lines) + 1)) and len(cells) == len(lines)
    assert cells.tail is records[-1]


@settings(max_examples=200, deadline=None)
@given(count=st.integers(0, 30), data=st.data())
def test_the_renumbering_table_moves_each_line_as_the_edit_does(count: int, data: st.DataObject) -> None:
    """The look-up table used for many lines gives every kept line the number the edit gives it."""
    from telbill.store.lines import LineEdit, edited, renumbering, renumbering_table

    deleted = data.draw(st.frozensets(st.integers(1, count), max_size=count)) if count else frozenset()
    inserts = tuple(sorted(data.draw(st.lists(st.tuples(st.integers(1, count + 1), st.just("new")), max_size=5))))
    edit = LineEdit(delete=deleted, insert=inserts)
    old = [f"line {n}" for n in range(1, count + 1)]
    new = list(edited(old, edit))
    table = renumbering_table(edit, count)
    for number in range(1, count + 1):
        if number not in deleted:
            assert number + table[number] == renumbering(edit)(number)
            assert new[number + table[number] - 1] == f"line {number}"
