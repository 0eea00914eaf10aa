"""The class of a call (SPEC §2), from the number dialled: the one list of the classes.

The tariff has one section per class (:mod:`telbill.rules.tariff`), the bill counts domestic
and international calls in its long-distance column, and :class:`~telbill.rules.rating.Rating`
looks a callee's class up by its first :data:`PREFIX` digits. A new class is a member of
:class:`CallClass`, a line of :data:`CLASS_BY_START`, a rate in the tariff's default and a
``menu.class.*`` name; the prefix the rating looks at widens with it.
"""

from __future__ import annotations

from enum import Enum


class CallClass(str, Enum):
    """The class of a call, decided by the dialled number; its value names its section of the tariff."""

    LOCAL = "local"
    DOMESTIC = "domestic"
    INTERNATIONAL = "international"

    @property
    def long_distance(self) -> bool:
        """Counted in the 长途 (long-distance) column of a bill: domestic and international."""
        return self is not CallClass.LOCAL


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
