"""Opening a large calls file shows a progress bar on a terminal, and nothing otherwise."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from telbill.menu.progress import PROGRESS_MIN_LINES, LoadingBar
from telbill.text.i18n import Translator

EN = Translator("en")


@pytest.mark.parametrize(
    ("show", "total", "drawn"),
    [(True, PROGRESS_MIN_LINES, True), (True, PROGRESS_MIN_LINES - 1, False), (False, 10 * PROGRESS_MIN_LINES, False)],
    ids=["large-on-a-terminal", "small", "plain"],
)
def test_a_bar_only_for_large_files_on_a_terminal(show: bool, total: int, drawn: bool) -> None:
    """The bar says what is read and how far (with thousands separators, as every count in the
    menu); small files and plain mode print nothing."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    with LoadingBar(console, EN, show=show) as bar:
        bar.update(total // 2, total)
        bar.update(total, total)
    text = out.getvalue()
    assert ("Reading call records" in text) is drawn
    assert (f"{total:,}/{total:,}" in text) is drawn
