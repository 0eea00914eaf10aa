"""Rating (SPEC §2) as every engine calls it: a callee's class and a call's fee, each worked out once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from telbill.rules.rating import PREFIX, CallClass, Rating, classify
from telbill.rules.tariff import DEFAULT_TARIFF, Rate, Tariff

callees = st.text(alphabet="0123456789", min_size=3, max_size=20)


@given(callees)
def test_the_first_two_digits_decide_the_class(callee: str) -> None:
    """A callee's first two digits have the class of the whole number (what the engines look up)."""
    assert classify(callee[PREFIX]) is classify(callee)


@given(callees, st.integers(0, 300_000))
def test_a_fee_looked_up_is_the_tariffs_fee_of_the_class(callee: str, seconds: int) -> None:
    """Rating.fee gives the tariff's fee for the callee's class, however often it is asked."""
    rating = Rating(DEFAULT_TARIFF)
    expected = DEFAULT_TARIFF.fee(classify(callee), seconds)
    assert rating.fee(callee, seconds) == rating.fee(callee, seconds) == expected


def test_international_calls_go_to_the_long_distance_column() -> None:
    """Domestic and international are long distance (长途); local is not."""
    assert [c.long_distance for c in CallClass] == [False, True, True]
    rating = Rating(Tariff(Rate(0, 1, 1, 0), Rate(0, 2, 1, 0), Rate(0, 3, 1, 0)))
    assert {prefix: (rating.by_prefix[prefix][0][10], rating.by_prefix[prefix][1]) for prefix in ("83", "02", "00")} \
        == {"83": (1, False), "02": (2, True), "00": (3, True)}
