"""What every part of a batch run knows before it starts, and what the parts tell each other.

A batch run splits the subscribers into parts: a :class:`Plan` says who they are, which part owns
whom and the rules every part bills by (part 0, which also reads calls.txt, gets a smaller share:
:data:`FIRST_SHARE`). Each part sends back a :class:`Tally` of what it found (small); once every tally
is in, the :class:`Layout` says how each part writes its share of the files. A part reading calls.txt
tells its progress every :data:`PROGRESS_EVERY` lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from telbill.rules.records import User
from telbill.rules.screening import AnomalyCode
from telbill.rules.tariff import Tariff
from telbill.text.i18n import Tr

ProgressFn = Callable[[int], None]
"""Told how many lines of calls.txt have been read."""
PROGRESS_EVERY = 50_000

FIRST_SHARE = 0.65
"""Part 0's share of the subscribers, against 1 for each other part: it also reads
calls.txt, finds each line's part and sends the other parts theirs."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What every part knows before it starts: the subscribers, who owns whom, the rules."""

    users: list[User]
    """In users.txt order."""
    bounds: list[int]
    """Part ``k`` owns ``users[bounds[k]:bounds[k + 1]]``."""
    owner: dict[str, int]
    """Each subscriber's number → the part that owns it."""
    calls: Path
    tariff: Tariff
    only_month: str | None
    tr: Tr
    leads: dict[str, int] = field(default_factory=dict)
    """The first :attr:`lead` characters of a subscriber's number → the part that owns
    every subscriber whose number starts so, or -1 when several parts own some."""
    lead: int = 0
    """How many characters a line's lead has (about the length of most numbers)."""

    @property
    def parts(self) -> int:
        return len(self.bounds) - 1

    @classmethod
    def make(cls, users: list[User], calls: Path, tariff: Tariff, only_month: str | None, tr: Tr,
             parts: int = 1, bounds: list[int] | None = None) -> Plan:
        """Split ``users`` into ``parts`` ranges. Part 0 reads the file and hands the
        others their lines besides its own share, so it gets fewer subscribers
        (:data:`FIRST_SHARE` of what each other part gets). ``bounds``, when given,
        are the ranges (``parts`` is then their number)."""
        n = len(users)
        if bounds is None:
            shares = [FIRST_SHARE] + [1.0] * (parts - 1)
            total, bounds, acc = sum(shares), [0], 0.0
            for share in shares:
                acc += share
                bounds.append(round(n * acc / total))
        parts = len(bounds) - 1
        owner = {u.phone: k for k in range(parts) for u in users[bounds[k]:bounds[k + 1]]}
        n = min(8, sorted(map(len, owner))[len(owner) // 2]) if owner else 0
        leads: dict[str, int] = {}
        for phone, k in owner.items():
            if len(phone) >= n:
                lead = phone[:n]
                leads[lead] = k if leads.get(lead, k) == k else -1
        return cls(users, bounds, owner, calls, tariff, only_month, tr, leads, n)


@dataclass(slots=True)
class Tally:
    """What a part found, as far as the others need to know it (small)."""

    records: int = 0
    counts: dict[AnomalyCode, int] = field(default_factory=lambda: dict.fromkeys(AnomalyCode, 0))
    """Records set aside per code (every code present, maybe 0)."""
    months: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Each month with a billed call of this part → (local fen, long-distance fen) of its users."""
    encoding: str = "utf-8"
    """calls.txt's encoding family, for the notices."""
    month_calls: dict[str, int] = field(default_factory=dict)
    """Each billed month → how many billed calls start in it."""

    @property
    def set_aside(self) -> int:
        return sum(self.counts.values())

    @property
    def billed(self) -> int:
        return self.records - self.set_aside

    def add(self, other: Tally) -> None:
        """Add another part's tally to this one."""
        self.records += other.records
        for code, n in other.counts.items():
            self.counts[code] += n
        for month, (local, far) in other.months.items():
            mine = self.months.get(month, (0, 0))
            self.months[month] = (mine[0] + local, mine[1] + far)
        for month, calls in other.month_calls.items():
            self.month_calls[month] = self.month_calls.get(month, 0) + calls


@dataclass(frozen=True, slots=True)
class Layout:
    """How the parts write their share of the files, decided once every tally is in."""

    months: list[str]
    """The billed months, oldest first."""
    widths: list[list[int]]
    """Each month's seven column widths."""
    csv: bool
    """Whether a CSV file is written."""
