"""The class of a call (SPEC §2), from the number dialled: the one list of the classes.

The tariff has one section per class (:mod:`telbill.rules.tariff`), each class states the
bill's column it is counted in (:class:`Column`: 市话 local or 长途 long distance, none by
default), and :class:`~telbill.rules.rating.Rating` looks a callee's class up by its first
:data:`PREFIX` digits. Adding a class (say ``400…`` toll-free) takes five steps:

1. a member of :class:`CallClass`: its value (the tariff section's name) and its column;
2. a line of :data:`CLASS_BY_START`: the start of the numbers of the class (the longer
   starts first; :data:`PREFIX` widens with it);
3. a field of :class:`~telbill.rules.tariff.Tariff` named as the value;
4. its rate in :data:`~telbill.rules.tariff.DEFAULT_TARIFF` (and in any ``tariff.toml``);
5. a ``menu.class.<value>`` name in :mod:`telbill.text.messages.menu`, in each language.

A member without a column does not build (``TypeError`` at import), nor a tariff without the
field's rate; ``tests/rules/test_rating.py -k states_its_column`` checks every class has all five.
"""

from __future__ import annotations

from enum import Enum
from typing import Self


class Column(Enum):
    """The bill's two columns of call fees (SPEC §4)."""

    LOCAL = "local"
    """市内电话费用 (市话)."""
    LONG_DISTANCE = "long_distance"
    """长途电话费用: domestic and international."""


class CallClass(str, Enum):
    """The class of a call, decided by the dialled number: its value names its section of the
    tariff, its :attr:`column` the bill's column its fees are counted in."""

    column: Column

    def __new__(cls, value: str, column: Column) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.column = column
        return member

    LOCAL = "local", Column.LOCAL
    DOMESTIC = "domestic", Column.LONG_DISTANCE
    INTERNATIONAL = "international", Column.LONG_DISTANCE

    @property
    def long_distance(self) -> bool:
        """Counted in the 长途 (long-distance) column of a bill (as its :attr:`column` states)."""
        return self.column is Column.LONG_DISTANCE


CLASS_BY_START = (("00", CallClass.INTERNATIONAL), ("0", CallClass.DOMESTIC))
"""The starts of a dialled number that decide its class, the longer first (``00…`` international,
other ``0…`` domestic long distance); any other number is local."""


def classify(callee: str) -> CallClass:
    """The class of a call to ``callee``: the first of :data:`CLASS_BY_START` it starts with, else local."""
    for start, call_class in CLASS_BY_START:
        if callee.startswith(start):
            return call_class
    return CallClass.LOCAL


PREFIX = slice(0, max(len(start) for start, _ in CLASS_BY_START))
"""The digits of a callee that decide its class: as many as the longest start in
:data:`CLASS_BY_START` (so :func:`classify` gives the same class for them as for the whole
number, whatever start is added)."""

SECTIONS = tuple(call_class.value for call_class in CallClass)
"""The tariff's sections, one per class, by the classes' values."""
