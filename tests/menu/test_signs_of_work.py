"""The operator never waits in silence (SPEC §6, issue 17 §2): a spinner for any step still running
after a moment, a loading bar for a large file, in both languages; and keys typed while telbill is
busy are thrown away, never echoed."""

from __future__ import annotations

import fcntl
import io
import os
import re
import select
import signal
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from rich.status import Status

from telbill.menu.busy import SHOW_AFTER, Busy, Cancel
from telbill.menu.keys import TerminalKeys
from telbill.menu.progress import PROGRESS_MIN_LINES, LoadingBar, StepBar
from telbill.menu.terminal import BUSY_AFTER
from telbill.text.i18n import Translator

from faults import waits_for_lock
from smalldata import FEW_CALLS, ZHANG, write_data
from terminal import EN, ENTER, ZH, FakeClock, at_once, in_a_pty, typed_session

pexpect = pytest.importorskip("pexpect")


def recording() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=80, color_system=None, record=True)


def test_a_slow_step_shows_what_it_does_and_the_spinner_goes_with_it() -> None:
    """A step still running 0.1 s in shows a spinner and its text; when it ends the spinner is
    taken off the screen (the line is erased)."""
    console, clock = recording(), FakeClock()
    with Busy(console, "Sorting 1,000,000 records…", timer=clock.timer) as busy:
        clock.advance(SHOW_AFTER)  # the slow stand-in: time passes while it works
        assert busy.shown
    assert "Sorting 1,000,000 records…" in console.export_text()
    assert console.file.getvalue().endswith("\x1b[2K")  # type: ignore[attr-defined]  # erased


def test_a_quick_step_shows_nothing() -> None:
    """A step over before the moment is up leaves the screen as it was (no flicker)."""
    console, clock = recording(), FakeClock()
    with Busy(console, "Sorting…", timer=clock.timer) as busy:
        clock.advance(SHOW_AFTER / 2)
    clock.advance(10)
    assert not busy.shown
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_a_step_that_fails_takes_its_spinner_away() -> None:
    """Ctrl-C (or an error) in a slow step: the spinner stops with it."""
    console, clock = recording(), FakeClock()
    busy = Busy(console, "Saving…", timer=clock.timer)
    with pytest.raises(KeyboardInterrupt), busy:
        clock.advance(1)
        raise KeyboardInterrupt
    assert busy._status is not None and not busy._status._live.is_started


def test_ctrl_c_while_the_spinner_is_taken_away_still_takes_it_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real Ctrl-C as the spinner is being stopped: it stops all the same, then the Ctrl-C is
    raised (it cut the stop in two, and the spinner's thread went on drawing over the next question)."""
    original = Status.stop

    def interrupted(status: Status) -> None:
        signal.raise_signal(signal.SIGINT)  # Ctrl-C, as the stop begins
        original(status)

    monkeypatch.setattr(Status, "stop", interrupted)
    console, clock = recording(), FakeClock()
    busy = Busy(console, "Looking at the data files…", timer=clock.timer)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in telbill (not a test runner's)
    try:
        with pytest.raises(KeyboardInterrupt), busy:
            clock.advance(1)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert busy._status is not None and not busy._status._live.is_started


def test_ctrl_c_after_a_spinner_inside_a_menu_item_still_stops_the_item() -> None:
    """An item's first slow step is over (its spinner's stop held Ctrl-C for a moment); a Ctrl-C in
    the next step (a bill being written, a lock waited for) stops the item at once: only a save's
    hold keeps Ctrl-C back to the item's end (it was dropped, and the item went on)."""
    from telbill.interrupts import held_until_told

    console, clock = recording(), FakeClock()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in telbill
    went_on = False
    try:
        with pytest.raises(KeyboardInterrupt), held_until_told():
            with Busy(console, "Looking at the months…", timer=clock.timer):
                clock.advance(1)
            signal.raise_signal(signal.SIGINT)  # the next step
            went_on = True
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not went_on


def test_ctrl_c_while_the_spinner_is_set_up_leaves_no_spinner() -> None:
    """Ctrl-C as the spinner's timer starts (its thread started, the step not yet begun): the timer
    fires all the same and shows nothing (the spinner appeared and was never taken away)."""
    clock = FakeClock()

    def started_then_interrupted(seconds: float, action: Callable[[], None]) -> Cancel:
        clock.timer(seconds, action)
        raise KeyboardInterrupt

    busy = Busy(recording(), "Looking at the data files…", timer=started_then_interrupted)
    with pytest.raises(KeyboardInterrupt), busy:
        pass
    clock.advance(1)
    assert not busy.shown


BY_DAYS = ["menu.bar.sort", "menu.bar.fees", "menu.bar.widths", "menu.busy.list"]
"""Item 8's calls of a month or of some days: a bar of each part, then the list prepared (by number:
a bar of the records looked through first)."""
SLOW_STEPS = [
    # (keys, the message keys of the spinners the item shows)
    ("7" + ENTER + "2" + ENTER + "4" + ENTER + "2" + ENTER + "q", ["menu.busy.sort", "menu.busy.list"]),
    ("8" + ENTER + "1" + ENTER + "zq" + ENTER + "2" + ENTER + "q" + "\x1b", ["menu.busy.list"]),
    ("8" + ENTER + "2" + ENTER + "0" + ENTER + "q" + "\x1b", ["menu.bar.search", *BY_DAYS]),
    ("8" + ENTER + "3" + ENTER + ENTER + "q" + "\x1b", BY_DAYS),
    ("8" + ENTER + "4" + ENTER + "2000-01-01" + ENTER + "2099-12-31" + ENTER + "q" + "\x1b", BY_DAYS),
    ("9" + ENTER + "1" + ENTER + ENTER, ["menu.busy.bills"]),
    ("10" + ENTER + "q", ["menu.busy.anomalies"]),
    ("11" + ENTER + "83470001" + ENTER + ENTER, ["menu.busy.months", "menu.busy.statement"]),
    ("12" + ENTER, ["menu.busy.statistics"]),
    ("3" + ENTER + "83470099" + ENTER + "Wu" + ENTER + "1" + ENTER + "1" + ENTER, ["menu.busy.save"]),
    ("13" + ENTER + "3" + ENTER + "y", ["menu.busy.undo"]),
    ("13" + ENTER + "1" + ENTER, ["menu.busy.backup"]),
]


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
def test_every_slow_step_says_what_it_does(workdir: Path, tr: Translator) -> None:
    """On a clock where every step is slow, sorting, searching, listing, billing, the anomalies,
    the month to offer, a statement, the statistics, a save, an undo and a backup each show
    their spinner, and so do opening and looking at the data files before each item, in the
    interface's language."""
    typed = "".join(keys + " " + " " for keys, _ in SLOW_STEPS) + "0" + ENTER
    run = typed_session(typed, height=40, width=100, tr=tr, timer=at_once, terminal=True)
    assert run.code == 0
    wanted = {key for _, keys in SLOW_STEPS for key in keys} | {"menu.busy.open", "menu.busy.check"}
    shown = [re.escape(tr(key, count="#")).replace("\\#", "#").replace("#", r"[\d,]+") for key in sorted(wanted)]
    assert [key for key, text in zip(sorted(wanted), shown) if not re.search(text, run.screen)] == []
    assert tr("menu.busy.sort", count="233") in run.screen  # the call records sorted, counted


@pytest.mark.parametrize(
    ("show", "total", "drawn"),
    [(True, PROGRESS_MIN_LINES, True), (True, PROGRESS_MIN_LINES - 1, False), (False, 10 * PROGRESS_MIN_LINES, False)],
    ids=["large-on-a-terminal", "small", "plain"],
)
def test_a_bar_only_for_large_files_on_a_terminal(show: bool, total: int, drawn: bool) -> None:
    """The bar says what is read and how far (with thousands separators, as every count in the
    menu), then that the records are checked; small files and plain mode show no bar."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    with LoadingBar(console, EN, show=show) as bar:
        bar.update(total // 2, total)
        bar.bar.refresh()
        bar.update(total, total)
    text = out.getvalue()
    assert ("Reading call records" in text) is drawn
    assert (f"{total // 2:,}/{total:,} lines" in text) is drawn  # lines, comments too: not the heading's records
    assert ("Checking the call records" in text) is drawn


def test_a_step_bar_says_each_part_and_how_far_it_has_got() -> None:
    """A step of a known size still running a moment in shows a bar: what each part does, and how
    many of how many are done (thousands separated); the bar is gone when the step ends."""
    console, clock = recording(), FakeClock()
    with StepBar(console, timer=clock.timer) as bar:
        bar.phase("Sorting the calls found by start", 0)
        bar.update(400_000, 1_000_000)
        clock.advance(SHOW_AFTER)
        assert bar.shown
        bar.bar.refresh()
        bar.phase("Adding up their fees", 1_000_000)
        bar.advance(20_000)
        bar.bar.refresh()
    text = console.export_text()
    assert "Sorting the calls found by start" in text and "400,000/1,000,000" in text
    assert "Adding up their fees" in text and "20,000/1,000,000" in text
    assert not bar.bar.live.is_started
    assert console.file.getvalue().endswith("\x1b[2K")  # type: ignore[attr-defined]  # erased


def test_a_quick_step_of_a_known_size_shows_no_bar() -> None:
    """A step over before the moment is up leaves the screen as it was (no flicker)."""
    console, clock = recording(), FakeClock()
    with StepBar(console, timer=clock.timer) as bar:
        bar.phase("Sorting the calls found by start", 10)
        bar.advance(10)
        clock.advance(SHOW_AFTER / 2)
    clock.advance(10)
    assert not bar.shown
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_ctrl_c_in_a_step_under_a_bar_takes_the_bar_away() -> None:
    """Ctrl-C while the bar is shown: the bar stops (nothing left drawing over the next question)
    and the Ctrl-C goes on to leave the item."""
    console, clock = recording(), FakeClock()
    bar = StepBar(console, timer=clock.timer)
    with pytest.raises(KeyboardInterrupt), bar:
        bar.phase("Sorting the calls found by start", 1_000)
        clock.advance(1)
        raise KeyboardInterrupt
    assert bar.shown and not bar.bar.live.is_started
    clock.advance(1)
    assert not bar.bar.live.is_started


@pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
def test_opening_shows_a_spinner_before_any_line_is_read(tr: Translator) -> None:
    """Reading the users, the tariff and the bytes of calls.txt comes before the first line is
    counted: a spinner says the files are being opened (in the interface's language) as soon as
    the step has run a moment (here, at once)."""
    console = Console(file=io.StringIO(), force_terminal=True, width=80, color_system=None, record=True)
    with LoadingBar(console, tr, show=True, timer=at_once):
        pass
    assert tr("menu.busy.open") in console.export_text()


def test_a_quick_opening_shows_nothing() -> None:
    """Files opened before the moment is up leave no trace on the screen."""
    console = Console(file=io.StringIO(), force_terminal=True, width=80, color_system=None, record=True)
    clock = FakeClock()
    with LoadingBar(console, EN, show=True, timer=clock.timer):
        clock.advance(0.05)
    clock.advance(1)
    assert console.export_text() == ""


def test_keys_typed_ahead_are_thrown_away_and_not_echoed() -> None:
    """In a pseudo-terminal: while the menu runs, the terminal does not echo; discard() throws
    away what was typed; leaving puts the terminal's settings back."""
    master, slave = os.openpty()
    try:
        before = termios.tcgetattr(slave)
        with TerminalKeys(slave) as keys:
            assert not termios.tcgetattr(slave)[3] & termios.ECHO
            os.write(master, b"x8\r")
            assert select.select([slave], [], [], 30.0)[0] == [slave]  # typed, waiting to be read (a busy host: later)
            keys.discard()
            assert select.select([slave], [], [], 0.2)[0] == []  # gone
            fcntl.fcntl(master, fcntl.F_SETFL, os.O_NONBLOCK)
            with pytest.raises(BlockingIOError):
                os.read(master, 100)  # and never echoed back to the screen
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_keys_typed_while_a_save_waits_are_not_taken(tmp_path: Path) -> None:
    """The real program in a terminal: while a save waits for the data file's lock (held here, as
    an appender would; the busy line says so), the operator types x8 and Enter. When the save is done those keys are
    thrown away: not echoed, not taken as the answer to the next question (8 Enter at the main
    menu would open the search); the menu then takes what is typed after it appears."""
    write_data(tmp_path, ZHANG, FEW_CALLS)
    child = in_a_pty(tmp_path, rows=50)
    lock = open(tmp_path / "data/.users.txt.lock", "a+b")  # noqa: SIM115 - held across the typing
    try:
        child.expect("Main menu")
        child.send("3\r")
        for question, answer in (("Phone", "83470099"), ("Name", "Wu Song"), ("Monthly rent", "25")):
            child.expect(question)
            child.send(answer + "\r")
        child.expect("Monthly feature fee")
        fcntl.flock(lock, fcntl.LOCK_EX)
        child.send("6\r")
        waits_for_lock(tmp_path / "data/users.txt")
        child.expect("Waiting for the lock")  # the busy line says what the save waits for, at once
        child.send("x8\r")  # typed while the save waits for the lock
        time.sleep(2 * BUSY_AFTER)  # a save this slow counts as busy (a quicker one keeps the keys)
        fcntl.flock(lock, fcntl.LOCK_UN)
        # A terminal echoes a key as it is typed, before the save can end: nothing shown up to
        # the menu, nor after it, is the x8 (no wait for an echo that does not come).
        child.expect("Saved data/users.txt")
        shown = child.before
        child.expect("Main menu")
        shown += child.before
        # Ctrl-C, typed after the menu threw the keys typed ahead away (it does so before it is
        # drawn): had it taken the 8 and Enter, the search's question would come before Goodbye.
        child.send("\x03")
        assert child.expect(["Goodbye.", "Search for"]) == 0, "the 8 and Enter typed ahead were taken"
        shown += child.before
        child.expect(pexpect.EOF)
        assert "x8" not in shown + child.before  # never echoed
    finally:
        lock.close()
        child.close()
    assert child.exitstatus == 0
    assert (tmp_path / "data/users.txt").read_text("utf-8") == ZHANG + "83470099  Wu Song  25.00  6.00\n"


def test_the_opening_bar_estimates_the_checking_too() -> None:
    """The bar of lines read is longer than the lines by the checking's share, so that its time
    remaining covers the checking that follows the reading (it was the reading's alone: at a
    million calls the menu came well after the estimate)."""
    from telbill.menu.progress import CHECK_SHARE

    total = 10 * PROGRESS_MIN_LINES
    console = Console(file=io.StringIO(), force_terminal=True, width=80, color_system=None)
    with LoadingBar(console, EN, show=True) as bar:
        bar.update(total // 2, total)
        task = bar.bar.tasks[0]
        assert task.total == total + int(total * CHECK_SHARE) and task.completed == total // 2
