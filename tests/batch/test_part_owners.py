"""A batch line goes to the part that owns its caller, told by the line's first characters."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.batch.plan import Plan
from telbill.batch.route import line_owners
from telbill.batch.run import BatchOptions, run_batch
from telbill.files.dataset import DataPaths
from telbill.rules.records import User
from telbill.rules.tariff import DEFAULT_TARIFF
from telbill.text.i18n import Translator

PHONES = ["110", "8347", "83470000", "83470001", "834700012", "834700019", "13912345678", "13912345600",
          "13912345699", "0255"]
"""Short numbers, 8-digit ones, and longer ones sharing their first eight digits."""


def plan(parts: int, phones: list[str] = PHONES) -> Plan:
    users = [User(phone, f"U{i}", 100, 0) for i, phone in enumerate(phones)]
    return Plan.make(users, Path("calls.txt"), DEFAULT_TARIFF, None, Translator("en"), parts)


lines = st.lists(st.builds(
    lambda lead, caller, rest: lead + caller + rest,
    st.sampled_from(["", "", " ", "\t", "\u3000"]),
    st.one_of(st.sampled_from(PHONES), st.sampled_from(["83470002", "8347000", "834700011", "1391234567",
                                                        "139123456789", "#", "", "x83470000"])),
    st.sampled_from(["  02584561234  2021-01-01 10:00:00  2021-01-01 10:05:00", " # c", "", "\t1\t2"]),
), max_size=60)


@settings(max_examples=200, deadline=None)
@given(lines, st.integers(2, 5))
def test_a_subscribers_line_goes_to_its_part(block: list[str], parts: int) -> None:
    """Every line whose first field is a subscriber's number goes to the part that owns it;
    any other line goes to some part (it is set aside wherever it is read)."""
    p = plan(parts)
    owners = line_owners(p, block, huge=False)
    for line, part in zip(block, owners):
        fields = line.split(None, 1)
        if fields and fields[0] in p.owner:
            assert part == p.owner[fields[0]], line
        else:
            assert 0 <= part < parts


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here: the batch runs in one process")
def test_numbers_sharing_their_first_digits_bill_the_same_in_every_part(tmp_path: Path) -> None:
    """Callers whose numbers share their first eight digits across parts, short numbers and
    callers who are no subscriber: one, two and three processes write the same files."""
    users = "".join(f"{phone}  U{i}  1.00  0\n" for i, phone in enumerate(PHONES))
    calls = []
    for day, caller in enumerate(PHONES + ["83470002", "834700011", "13912345601"], 1):
        for lead in ("", "  "):
            calls.append(f"{lead}{caller}  02584561234  2021-01-{day:02d} 10:00:00  2021-01-{day:02d} 10:05:00")
    (tmp_path / "u.txt").write_text(users, "utf-8")
    (tmp_path / "c.txt").write_text("\n".join(calls) + "\n", "utf-8")
    outputs = []
    for processes in (1, 2, 3):
        out = tmp_path / f"out{processes}"
        run_batch(BatchOptions(paths=DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None), out=out / "b.txt",
                               anomalies=out / "a.txt", csv=out / "c.csv", processes=processes),
                  Translator("en"), now=datetime(2026, 1, 1))
        outputs.append({path.name: path.read_bytes() for path in sorted(out.iterdir())})
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]
    assert b"\n# unknown-caller: 6\n" in outputs[0]["a.txt"]  # three callers, each twice
