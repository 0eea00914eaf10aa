"""While the main menu waits for a key on a terminal, the indexes the first bills and statistics
need are made in the background (menu/warm.py); no item ever runs beside that work."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from telbill.session.facade import Session

from smalldata import open_session
from terminal import ENTER, KEY, typed_session


def test_prepare_makes_what_the_first_use_would_make(data: Path) -> None:
    """After prepare() the session is prepared, and its bills and statistics are those of a
    session that made them at first use."""
    lazy, eager = open_session(), open_session()
    assert not eager.prepared
    eager.prepare()
    assert eager.prepared
    assert eager.bills() == lazy.bills()
    assert eager.statistics(10) == lazy.statistics(10)
    assert eager.billed_months() == lazy.billed_months()


def test_no_item_runs_beside_the_work_done_while_the_menu_waits(data: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow preparation (0.3 s) started at the menu: item 12, chosen at once, starts only after
    it ended, in the menu's own thread; the preparation ran in another thread."""
    events: list[tuple[str, str]] = []
    prepare, statistics = Session.prepare, Session.statistics

    def slow_prepare(self: Session) -> None:
        events.append(("prepare", threading.current_thread().name))
        time.sleep(0.3)
        prepare(self)
        events.append(("prepared", threading.current_thread().name))

    def watched_statistics(self: Session, top: int) -> object:
        events.append(("statistics", threading.current_thread().name))
        return statistics(self, top)

    monkeypatch.setattr(Session, "prepare", slow_prepare)
    monkeypatch.setattr(Session, "statistics", watched_statistics)
    run = typed_session("12" + ENTER + "q" + KEY + "0" + ENTER, height=60)
    assert run.code == 0
    assert [e for e, _ in events][:3] == ["prepare", "prepared", "statistics"]
    assert events[0][1] == "telbill-warmup" and events[2][1] == threading.main_thread().name
    assert "Call revenue per month" in run.screen
