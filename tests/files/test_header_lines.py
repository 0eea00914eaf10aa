"""The output files' header comments (report.header_lines): the one place their generation time
is written as text, whichever engine made the files (the batch, the menu's items 9 and 10)."""

from __future__ import annotations

from datetime import datetime

from telbill.files.report import RunInfo, header_lines
from telbill.text.i18n import Translator


def test_the_generation_time_is_written_to_the_second_by_the_header() -> None:
    """The engines hand the header the moment itself; it writes ``YYYY-MM-DD HH:MM:SS`` (no
    fraction of a second, whatever the clock gave)."""
    info = RunInfo("u.txt", 3, "c.txt", 5, 4, 1, None, datetime(2021, 1, 2, 3, 4, 5, 678_000))
    assert header_lines(info, Translator("en"), "bill.title")[-1] == "# generated: 2021-01-02 03:04:05"
    assert header_lines(info, Translator("zh"), "bill.title")[-1] == "# 生成时间：2021-01-02 03:04:05"
