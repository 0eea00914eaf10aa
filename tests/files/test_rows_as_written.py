"""A month's rows are made as the bytes written (report.bill_rows, csv_rows); the menu's month
(format_month) writes those bytes in the one layout of a month (report.month_section): each row
as its own text would be written, whatever a name holds (kept bytes of an unreadable users
line, half a UTF-16 unit, a lone surrogate)."""

from __future__ import annotations

import pytest

from telbill.files.decoding import KEPT, encode
from telbill.files.report import (
    TextCache,
    _table_line,
    bill_rows,
    column_widths,
    csv_rows,
    format_month,
    month_head,
    spreadsheet_safe,
    totals_cells,
    user_columns,
)
from telbill.rules.billing import BillRow, MonthBill
from telbill.rules.fields import format_fen
from telbill.rules.records import User
from telbill.text.i18n import Translator

NAMES = [
    "Wang Fang",
    "朱勇",
    "\udce6\udc9c\udcb1",  # the UTF-8 bytes of 朱, kept one by one (an unreadable line of a mixed file)
    "Li\udcff Na",  # a byte that is no UTF-8 at all, kept
    "half\udc41",  # half a UTF-16 unit: written as the text \x41
    "lone\ud800",  # a lone surrogate: written as the text \ud800
    "=1+2",
]


def _rows() -> list[BillRow]:
    return [BillRow(f"1380000{k:04d}", name, 1280 + k, 320 * k, 99 * k, 12345 * k + 7)
            for k, name in enumerate(NAMES)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_menus_bill_lines_write_the_bytes_each_row_writes(lang: str) -> None:
    """The menu's month: a blank line, its heading and heads, each row as its own text, the totals."""
    tr = Translator(lang)
    month = MonthBill("2024-05", _rows())
    written = b"".join(format_month(month, tr))
    t = month.totals
    totals = totals_cells(tr, t.rent, t.feature, t.local, t.long_distance)
    widths = column_widths(tr, totals, TextCache().fixed_widths(user_columns(User(r.phone, r.name, r.rent, r.feature)
                                                                             for r in month.rows)))
    expected = [_table_line([r.phone, r.name, *map(format_fen, (r.rent, r.feature, r.local, r.long_distance,
                                                                 r.total))], widths) for r in month.rows]
    assert written == b"\n" + encode(["== 2024-05 ==", month_head(tr, widths), *expected, _table_line(totals, widths)])
    assert b"".join(line.encode("utf-8", KEPT) + b"\n" for line in expected) in written


def test_the_rows_made_as_bytes_are_the_rows_as_text_written() -> None:
    """bill_rows makes, as bytes, the rows the text table writes (Chinese, escaped and undecodable names too)."""
    tr = Translator("en")
    users = [User(r.phone, r.name, r.rent, r.feature) for r in _rows()]
    columns = user_columns(users)
    locals_ = [r.local for r in _rows()]
    longs = [r.long_distance for r in _rows()]
    month = MonthBill("2024-05", _rows())
    widths = column_widths(tr, totals_cells(tr, month.totals.rent, month.totals.feature, month.totals.local,
                                            month.totals.long_distance), TextCache().fixed_widths(columns))
    texts = TextCache()
    rows = bill_rows(texts, widths, columns, locals_, longs)
    assert rows == b"".join(_table_line([r.phone, r.name, *map(format_fen, (
        r.rent, r.feature, r.local, r.long_distance, r.total))], widths).encode("utf-8", KEPT) + b"\n"
        for r in _rows())
    assert b"\xe6\x9c\xb1" in rows and b"\\x41" in rows and b"\\ud800" in rows and b"Li\xff Na" in rows
    csv = csv_rows(texts, "2024-05", columns, locals_, longs)
    first = csv.split(b"\n")[0]
    assert first == b"2024-05,13800000000,Wang Fang,12.80,0.00,0.00,0.07,12.87"
    assert b"'=1+2" in csv and spreadsheet_safe("=1+2") == "'=1+2"
    assert csv.count(b"\n") == len(NAMES) and csv.endswith(b"\n")
