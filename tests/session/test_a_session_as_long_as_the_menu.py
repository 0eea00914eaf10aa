"""A session as long as the menu: what it loads is kept out of the garbage collector's full
collections while the menu runs, and given back when it ends."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from smalldata import open_session


def tracked_by_the_collector(records: list[Any]) -> int:
    """How many of ``records`` the cyclic garbage collector would walk (frozen ones it does not)."""
    ids = {id(r) for r in records}
    return sum(1 for o in gc.get_objects() if id(o) in ids)


def test_a_long_lived_session_keeps_its_records_out_of_full_collections(data: Path) -> None:
    """The menu's session (long_lived) freezes what it loads, also through bills and statistics and
    after a file is read again, so no full collection walks a million records at a random moment;
    closing it gives them back. A session that is not long-lived leaves the collector alone."""
    s = open_session(long_lived=True)
    try:
        assert tracked_by_the_collector(list(s.calls)) == 0
        for query in (lambda: s.statistics(3), s.bills, s.screening):  # each made with the collector paused
            query()
        assert tracked_by_the_collector(list(s.calls)) == 0
        with Path("data/calls.txt").open("a", encoding="utf-8") as fh:
            fh.write("83470001  83479000  2021-01-07 10:00:00  2021-01-07 10:01:00\n")
        assert s.refresh() == [Path("data/calls.txt")]
        assert tracked_by_the_collector(list(s.calls)) == 0
    finally:
        s.close()
    assert tracked_by_the_collector(list(s.calls)) == len(s.calls)
    other = open_session()
    assert tracked_by_the_collector(list(other.calls)) == len(other.calls)
    assert gc.get_freeze_count() == 0
