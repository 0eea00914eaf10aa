"""Rating (SPEC §2): the fee of a call, in integer fen, from its class (:mod:`telbill.rules.classes`) and the tariff."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from operator import itemgetter

from telbill.rules.classes import PREFIX, CallClass, classify
from telbill.rules.tariff import Tariff
from telbill.speed import Memo

Fees = Memo[int, int]
"""Seconds → the fee of a call of one class lasting that long."""
Rated = tuple[Fees, bool]
"""A callee's class as the loops that rate many calls hold it: its fees, and whether it is long
distance (``rating.by_prefix[callee[PREFIX]]``)."""
_HEAD = itemgetter(PREFIX)


class Rating:
    """A tariff's fees, each class's fee for each duration worked out once (:class:`~telbill.speed.Memo`).

    ``rating.by_prefix[callee[PREFIX]]`` is ``(fees, long_distance)`` of the callee's class:
    what the loops that rate many calls look up per call.

    Its memos do not refer back to it (no reference cycle): a rating dropped is freed at once,
    its fees with it, also while a batch run holds the cyclic collector back (each partition's
    rating would otherwise be kept until the run ends: 0.4 MiB a partition of 20,000 records).
    """

    __slots__ = ("by_prefix", "fees", "tariff")

    def __init__(self, tariff: Tariff) -> None:
        self.tariff = tariff
        self.fees: dict[CallClass, Fees] = {kind: Memo(tariff.rate(kind).fee) for kind in CallClass}
        """Each class's fees."""
        self.by_prefix: Memo[str, Rated] = Memo(partial(_of_prefix, self.fees))
        """A callee's first digits (:data:`~telbill.rules.classes.PREFIX`) → its class's fees, and
        whether the class is long distance."""

    def classes(self, callees: Iterable[str]) -> list[Rated]:
        """Each callee's class (:data:`Rated`), as a column."""
        return list(map(self.by_prefix.__getitem__, map(_HEAD, callees)))

    def rated(self, callee: str) -> Rated:
        """The class of a call to ``callee`` as a loop that bills many calls holds it (:data:`Rated`)."""
        return self.by_prefix[callee[PREFIX]]

    def fee(self, callee: str, seconds: int) -> int:
        """The fee in fen of a call to ``callee`` lasting ``seconds``."""
        return self.by_prefix[callee[PREFIX]][0][seconds]


def _of_prefix(fees: Mapping[CallClass, Fees], prefix: str) -> Rated:
    """The fees of the class of the callees that start with ``prefix``, and whether it is long distance."""
    kind = classify(prefix)
    return fees[kind], kind.long_distance
