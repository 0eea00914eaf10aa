"""A deliberately simple reference for screening and rating, to compare telbill against on random data."""

from __future__ import annotations

import itertools
from decimal import ROUND_CEILING, Decimal

from telbill.rules.records import Call


def _call_class(callee: str) -> str:
    """SPEC §2 restated on its own: 00… international, other 0… domestic, anything else local."""
    if callee.startswith("00"):
        return "international"
    if callee.startswith("0"):
        return "domestic"
    return "local"


def reference(calls: list[Call], phones: set[str]) -> tuple[dict[int, str], dict[tuple[str, str], Decimal]]:
    """Pairwise checks and Decimal yuan: slow, obvious, independent."""
    reasons: dict[int, str] = {}
    for c in calls:
        if c.end < c.start:
            reasons[id(c)] = "end-before-start"
        elif c.caller not in phones:
            reasons[id(c)] = "unknown-caller"
        elif c.end - c.start > 259_200:
            reasons[id(c)] = "too-long"
    left = [c for c in calls if id(c) not in reasons]
    for a, b in itertools.combinations(left, 2):
        if a.caller == b.caller and (a.start == b.start or (a.start < b.end and b.start < a.end)):
            reasons[id(a)] = reasons[id(b)] = "overlap"
    fees: dict[tuple[str, str], Decimal] = {}
    table = {"local": (180, "0.22", 60, "0.11"), "domestic": (6, "0.07", 6, "0.07"),
             "international": (6, "0.80", 6, "0.80")}
    for c in calls:
        if id(c) in reasons:
            continue
        d = c.end - c.start
        fs, fp, ss, sp = table[_call_class(c.callee)]
        fee = Decimal(0) if d == 0 else Decimal(fp) + (Decimal(max(0, d - fs)) / ss).to_integral_value(ROUND_CEILING) * Decimal(sp)
        key = (c.month, c.caller)
        fees[key] = fees.get(key, Decimal(0)) + fee
    return reasons, fees
