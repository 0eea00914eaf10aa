"""Opening the menu shows a sign of work on a terminal from the start, and nothing otherwise."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from telbill.menu.progress import PROGRESS_MIN_LINES, LoadingBar
from telbill.text.i18n import Translator

from terminal import FakeClock, at_once

EN, ZH = Translator("en"), Translator("zh")


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
    assert (f"{total // 2:,}/{total:,}" in text) is drawn
    assert ("Checking the call records" in text) is drawn


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
