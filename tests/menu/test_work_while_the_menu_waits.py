"""While the main menu waits for a key on a terminal, the indexes the first bills and statistics
need are made in the background (menu/warm.py); no item ever runs beside that work."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from telbill.menu.warm import Warmup
from telbill.session.facade import Session

from smalldata import open_session
from terminal import CTRL_C, ENTER, KEY, typed_session


@pytest.fixture()
def waited(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set once the menu waits for the work (:meth:`Warmup.wait`): a slow preparation waits for it,
    so that it lasts until the menu waits for it however slowly the menu reads its keys (a fixed
    0.3 s ended before a busy machine's menu took the key, which then found the work done)."""
    event = threading.Event()
    wait = Warmup.wait

    def waiting(self: Warmup) -> None:
        event.set()
        wait(self)

    monkeypatch.setattr(Warmup, "wait", waiting)
    return event


SLOW = 30.0
"""The longest a slow preparation lasts when the menu never waits for it (a test that fails)."""


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


def test_no_item_runs_beside_the_work_done_while_the_menu_waits(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 waited: threading.Event) -> None:
    """A slow preparation (until the menu waits for it) started at the menu: item 12, chosen at
    once, starts only after it ended, in the menu's own thread; the preparation ran in another
    thread."""
    events: list[tuple[str, str]] = []
    prepare, statistics = Session.prepare, Session.statistics

    def slow_prepare(self: Session) -> None:
        events.append(("prepare", threading.current_thread().name))
        waited.wait(SLOW)
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


@pytest.mark.parametrize("key", [CTRL_C, "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_leaving_at_the_menu_waits_for_the_work_before_closing(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                                waited: threading.Event, key: str) -> None:
    """Ctrl-C or Ctrl-D at the main menu while the work runs: the session is closed only after it
    ended (close() ran beside prepare() in the main thread: found in review)."""
    running = threading.Event()
    overlaps: list[str] = []
    prepare, close = Session.prepare, Session.close

    def slow_prepare(self: Session) -> None:
        running.set()
        waited.wait(SLOW)
        prepare(self)
        running.clear()

    def watched_close(self: Session) -> None:
        if running.is_set():
            overlaps.append(threading.current_thread().name)
        close(self)

    monkeypatch.setattr(Session, "prepare", slow_prepare)
    monkeypatch.setattr(Session, "close", watched_close)
    run = typed_session(key, height=60)
    assert run.code == 0 and "Goodbye." in run.screen
    assert overlaps == []


def test_ctrl_c_while_an_item_waits_for_the_work_goes_back_to_the_menu(data: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        waited: threading.Event) -> None:
    """Ctrl-C while item 12 waits for the work: "interrupted", back to the main menu (it left the
    menu as exit code 130), and the work was waited for all the same."""
    wait = Warmup.wait
    pressed: list[bool] = []

    def ctrl_c_once(self: Warmup) -> None:
        if not pressed:
            pressed.append(True)
            raise KeyboardInterrupt
        wait(self)

    prepare = Session.prepare

    def slow_prepare(self: Session) -> None:
        waited.wait(SLOW)
        prepare(self)

    monkeypatch.setattr(Session, "prepare", slow_prepare)
    monkeypatch.setattr(Warmup, "wait", ctrl_c_once)
    run = typed_session("12" + ENTER + "0" + ENTER, height=60)
    assert run.code == 0
    assert "Interrupted" in run.screen and "Call revenue per month" not in run.screen
    assert run.screen.rstrip().endswith("Goodbye.")
