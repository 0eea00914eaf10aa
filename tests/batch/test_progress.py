"""The batch progress bar: shown for large inputs on a terminal, never when piped."""

from __future__ import annotations

import io

from rich.console import Console

from telbill.cli import PROGRESS_MIN_LINES, _BatchProgress
from telbill.text.i18n import Translator


def snapshot(progress: _BatchProgress, console: Console) -> str:
    """The bar's lines now, drawn as on ``console`` but on a console of their own: what the bar's
    own thread draws on ``console`` meanwhile (10 times a second) is not in them (on a busy host
    it drew the phase before, between a test's steps)."""
    shot = Console(record=True, width=console.width, force_terminal=True, file=io.StringIO())
    shot.print(progress.bar.make_tasks_table(progress.bar.tasks))
    return shot.export_text()


def test_reading_then_each_phase_is_named() -> None:
    """The bar counts lines while reading, and says so (comments count, the summary counts records),
    with thousands separators as the menu's bar and the summary (100,000/200,000 lines), then names screen, rate and write as they run."""
    console = Console(record=True, width=80, force_terminal=True, file=io.StringIO())
    progress = _BatchProgress(console, Translator("en"))
    total = PROGRESS_MIN_LINES * 2
    progress.reading(PROGRESS_MIN_LINES, total)
    text = snapshot(progress, console)
    assert "reading call records" in text and f"{PROGRESS_MIN_LINES:,}/{total:,} lines" in text  # not records
    for name, words in (("screen", "checking for anomalies"), ("rate", "rating calls"),
                        ("write", "writing the files")):
        progress.phase(name)
        text = snapshot(progress, console)
        assert words in text and "/" not in text  # a pulsing bar: its length is unknown, no count
        assert "reading call records" not in text
    progress.stop()


def test_small_inputs_show_no_bar() -> None:
    """Below the threshold nothing is drawn, and later phases stay silent too."""
    console = Console(record=True, width=80, force_terminal=True, file=io.StringIO())
    progress = _BatchProgress(console, Translator("zh"))
    progress.reading(10, 100)
    progress.phase("screen")
    assert progress.task is None and progress.bar.tasks == []
    progress.stop()


def test_a_run_in_partitions_counts_both_passes() -> None:
    """Splitting counts lines, billing the partitions counts records, each under its name; the
    writing then pulses."""
    console = Console(record=True, width=100, force_terminal=True, file=io.StringIO())
    progress = _BatchProgress(console, Translator("en"))
    total = PROGRESS_MIN_LINES * 3
    progress.phase("split")
    progress.reading(PROGRESS_MIN_LINES, total)
    text = snapshot(progress, console)
    assert "splitting call records into partitions" in text and f"{PROGRESS_MIN_LINES:,}/{total:,}" in text
    progress.phase("bill")
    assert "billing the partitions" in snapshot(progress, console)
    progress.reading(2 * PROGRESS_MIN_LINES, total)
    text = snapshot(progress, console)
    assert "billing the partitions" in text and f"{2 * PROGRESS_MIN_LINES:,}/{total:,}" in text
    assert "splitting" not in text
    progress.phase("write")
    text = snapshot(progress, console)
    assert "writing the files" in text and "/" not in text and "billing" not in text
    progress.stop()
