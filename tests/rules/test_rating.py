"""Rating (SPEC §2) as every engine calls it: a callee's class and a call's fee, each worked out once."""

from __future__ import annotations

from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telbill.errors import TariffError
from telbill.rules.classes import CLASS_BY_START, PREFIX, SECTIONS, CallClass, Column, classify
from telbill.rules.rating import Rating
from telbill.rules.tariff import DEFAULT_TARIFF, Rate, Tariff, parse_tariff
from telbill.text.i18n import Translator
from telbill.text.messages import CATALOG

EN = Translator("en")

callees = st.text(alphabet="0123456789", min_size=3, max_size=20)


@given(callees)
def test_the_first_digits_decide_the_class(callee: str) -> None:
    """A callee's first PREFIX digits have the class of the whole number (what the engines look up)."""
    assert classify(callee[PREFIX]) is classify(callee)


@given(callees, st.integers(0, 300_000))
def test_a_fee_looked_up_is_the_tariffs_fee_of_the_class(callee: str, seconds: int) -> None:
    """Rating.fee gives the tariff's fee for the callee's class, however often it is asked."""
    rating = Rating(DEFAULT_TARIFF)
    expected = DEFAULT_TARIFF.fee(classify(callee), seconds)
    assert rating.fee(callee, seconds) == rating.fee(callee, seconds) == expected


def test_every_class_states_its_column_its_tariff_field_and_its_menu_name() -> None:
    """What adding a class takes (rules/classes.py's steps): each class states the bill's column
    it is counted in (none is long distance by default), the tariff has a field and a default rate
    for it, and the menu a name in each language."""
    tariff_fields = {f.name for f in fields(Tariff)}
    for call_class in CallClass:
        assert call_class.column in Column
        assert call_class.long_distance is (call_class.column is Column.LONG_DISTANCE)
        assert call_class.value in tariff_fields
        assert isinstance(DEFAULT_TARIFF.rate(call_class), Rate)
        assert all(CATALOG[f"menu.class.{call_class.value}"])


def test_international_calls_go_to_the_long_distance_column() -> None:
    """Domestic and international are long distance (长途); local is not (SPEC §4)."""
    assert {c: c.column for c in CallClass} == {CallClass.LOCAL: Column.LOCAL, CallClass.DOMESTIC: Column.LONG_DISTANCE,
                                                CallClass.INTERNATIONAL: Column.LONG_DISTANCE}
    rating = Rating(Tariff(Rate(0, 1, 1, 0), Rate(0, 2, 1, 0), Rate(0, 3, 1, 0)))
    assert {prefix: (rating.by_prefix[prefix][0][10], rating.by_prefix[prefix][1]) for prefix in ("83", "02", "00")} \
        == {"83": (1, False), "02": (2, True), "00": (3, True)}


def test_the_classes_are_written_once() -> None:
    """rules/classes.py is the one list of the classes (engineer9's finding 6): the tariff's
    sections are the classes' values, no message names them itself, and the digits the rating
    looks at cover the longest start that decides a class."""
    assert [f.name for f in fields(Tariff)] == [c.value for c in CallClass] == list(SECTIONS)
    written = [key for key, texts in CATALOG.items() for text in texts for c in CallClass if f"[{c.value}]" in text]
    assert written == []
    assert PREFIX.stop == max(len(start) for start, _ in CLASS_BY_START)
    with pytest.raises(TariffError) as raised:
        parse_tariff("[mobile]\nfirst_price = 1\n", "t.toml")
    assert all(f"[{c.value}]" in raised.value.render(EN) for c in CallClass)
