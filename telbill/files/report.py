"""The output files as text: bill detail, CSV, anomalies (no I/O, no clock)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import add, attrgetter

from telbill.rules.billing import Bills, MonthBill
from telbill.rules.records import AnomalyCode, User, format_fen
from telbill.rules.screening import Anomaly, code_counts
from telbill.text.display import ljust, rjust, width
from telbill.text.i18n import Tr

HEAD_KEYS = ("col.phone", "col.name", "col.rent", "col.feature", "col.local", "col.long", "col.total")
GAP = "  "


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Where the data came from, for the files' header comments."""

    users_source: str
    users: int
    calls_source: str
    records: int
    billed: int
    set_aside: int
    tariff_source: str | None
    generated: str
    """Generation time as text; the only line that differs between reruns."""


class _Money(dict[int, str]):
    """fen -> its text, each distinct amount formatted once (amounts repeat a lot)."""

    def __missing__(self, fen: int) -> str:
        text = self[fen] = format_fen(fen)
        return text


class _Lefts(dict[tuple[str, str], str]):
    """(phone, name) -> the phone and name cells padded to the widths, with the gaps."""

    def __init__(self, w_phone: int, w_name: int) -> None:
        super().__init__()
        self.w_phone, self.w_name = w_phone, w_name

    def __missing__(self, key: tuple[str, str]) -> str:
        phone, name = key
        text = self[key] = (f"{phone}{' ' * (self.w_phone - width(phone))}{GAP}"
                            f"{name}{' ' * (self.w_name - width(name))}{GAP}")
        return text


class _Heads(dict[tuple[str, str, int, int], str]):
    """(phone, name, rent, feature) -> a row's first four cells padded to the
    widths, with the gaps: the part of a subscriber's row that every month shares."""

    def __init__(self, lefts: _Lefts, money: _Money, w_rent: int, w_feature: int) -> None:
        super().__init__()
        self.lefts, self.money = lefts, money
        self.fmt = f"%s%{w_rent}s{GAP}%{w_feature}s{GAP}"

    def __missing__(self, key: tuple[str, str, int, int]) -> str:
        phone, name, rent, feature = key
        text = self[key] = self.fmt % (self.lefts[phone, name], self.money[rent], self.money[feature])
        return text


_FixedColumns = tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...], tuple[int, ...]]
"""Phones, names, rents and features of a month's rows."""


class TextCache:
    """Cell texts shared by the months of one bill file or CSV file: amounts, each
    subscriber's padded phone, name, rent and feature for the column widths in use,
    and each subscriber's first two CSV fields."""

    __slots__ = ("money", "_lefts", "_heads", "_fixed", "_csv", "_firsts", "_csv_firsts")

    def __init__(self) -> None:
        self.money = _Money()
        self._lefts: dict[tuple[int, int], _Lefts] = {}
        self._heads: dict[tuple[int, int, int, int], _Heads] = {}
        self._fixed: tuple[_FixedColumns, list[int]] | None = None
        self._csv: _CsvPrefixes | None = None
        self._firsts: dict[tuple[int, ...], tuple[_FixedColumns, list[str]]] = {}
        self._csv_firsts: tuple[_FixedColumns, list[str]] | None = None

    @property
    def csv_prefixes(self) -> _CsvPrefixes:
        if self._csv is None:
            self._csv = _CsvPrefixes()
        return self._csv

    def lefts(self, w_phone: int, w_name: int) -> _Lefts:
        lefts = self._lefts.get((w_phone, w_name))
        if lefts is None:
            lefts = self._lefts[w_phone, w_name] = _Lefts(w_phone, w_name)
        return lefts

    def heads(self, w_phone: int, w_name: int, w_rent: int, w_feature: int) -> _Heads:
        key = (w_phone, w_name, w_rent, w_feature)
        heads = self._heads.get(key)
        if heads is None:
            heads = self._heads[key] = _Heads(self.lefts(w_phone, w_name), self.money, w_rent, w_feature)
        return heads

    def firsts(self, widths: list[int], columns: _FixedColumns) -> list[str]:
        """Each subscriber's first four cells of a bill row, padded, with the gaps (the
        part every month with these widths shares), for these subscribers."""
        key = tuple(widths[:4])
        kept = self._firsts.get(key)
        if kept is None or kept[0] is not columns:
            heads = self.heads(*widths[:4])
            kept = self._firsts[key] = (columns, list(map(heads.__getitem__, zip(*columns))))
        return kept[1]

    def csv_firsts(self, columns: _FixedColumns) -> list[str]:
        """Each subscriber's phone, name, rent and feature as the CSV fields after the month."""
        kept = self._csv_firsts
        if kept is None or kept[0] is not columns:
            phones, names, rents, features = columns
            cell = self.money.__getitem__
            kept = self._csv_firsts = (columns, list(map("%s,%s,%s".__mod__, zip(
                map(self.csv_prefixes.__getitem__, zip(phones, names)), map(cell, rents), map(cell, features)))))
        return kept[1]

    def fixed_widths(self, columns: _FixedColumns) -> list[int]:
        """The widest cell of the phone, name, rent and feature columns (the
        same subscribers as the month before: the widths found then)."""
        if self._fixed is not None and self._fixed[0] == columns:
            return self._fixed[1]
        phones, names, rents, features = columns
        cell = self.money.__getitem__
        widths = [max(map(width, phones)), max(map(width, names)),
                  max(map(len, map(cell, rents))), max(map(len, map(cell, features)))]
        self._fixed = (columns, widths)
        return widths


_ROW_FIELDS = attrgetter("phone", "name", "rent", "feature", "local", "long_distance")


def user_columns(users: Iterable[User]) -> _FixedColumns:
    """The phones, names, rents and features of ``users``, as columns."""
    rows = [(u.phone, u.name, u.rent, u.feature) for u in users]
    if not rows:
        return (), (), (), ()
    phones, names, rents, features = zip(*rows)
    return phones, names, rents, features


def totals_cells(tr: Tr, rent: int, feature: int, local: int, long_distance: int) -> list[str]:
    """The cells of a month's totals row, from its column sums."""
    return [tr("bill.totals_row"), "", *map(format_fen, (rent, feature, local, long_distance,
                                                        rent + feature + local + long_distance))]


def column_widths(tr: Tr, totals: list[str], fixed: list[int]) -> list[int]:
    """The seven column widths of a month: each as wide as its widest cell in display
    columns (CJK counts 2). ``fixed`` are the widest phone, name, rent and feature of
    the subscribers; no amount is wider than its column's total (none is negative),
    so the totals row gives the widths of the other three."""
    heads = [tr(k) for k in HEAD_KEYS]
    body = [*fixed, 0, 0, 0]
    return [max(width(heads[i]), width(totals[i]), body[i]) for i in range(7)]


def row_lines(texts: TextCache, widths: list[int], columns: _FixedColumns,
              locals_: Sequence[int], longs: Sequence[int]) -> list[str]:
    """One aligned row per subscriber (phone and name left-aligned, the five amounts
    right-aligned, two spaces between columns); made column by column (``map``)."""
    phones, names, rents, features = columns
    cell = texts.money.__getitem__
    sums = map(add, map(add, rents, features), map(add, locals_, longs))
    right = GAP.join(f"%{w}s" for w in widths[4:])
    firsts = map(texts.heads(*widths[:4]).__getitem__, zip(phones, names, rents, features))
    return list(map(add, firsts, map(right.__mod__, zip(map(cell, locals_), map(cell, longs), map(cell, sums)))))


def row_text(texts: TextCache, widths: list[int], columns: _FixedColumns,
              locals_: Sequence[int], longs: Sequence[int]) -> str:
    """The rows of :func:`row_lines`, each ended by ``\\n``, as one text: made by one
    ``%`` of a row pattern repeated once per subscriber."""
    _, _, rents, features = columns
    if not rents:
        return ""
    cell = texts.money.__getitem__
    sums = map(add, map(add, rents, features), map(add, locals_, longs))
    row = "%s" + GAP.join(f"%{w}s" for w in widths[4:]) + "\n"
    return (row * len(rents)) % tuple(chain.from_iterable(zip(
        texts.firsts(widths, columns), map(cell, locals_), map(cell, longs), map(cell, sums))))


def format_month(month: MonthBill, tr: Tr, texts: TextCache | None = None) -> list[str]:
    """The ``== YYYY-MM ==`` section: heads, one aligned row per subscriber, totals.

    Columns are as wide as their widest cell (see :func:`column_widths`). ``texts``
    carries cell texts over from other months.
    """
    if texts is None:
        texts = TextCache()
    rows = month.rows
    if rows:
        phones, names, rents, features, locals_, longs = zip(*map(_ROW_FIELDS, rows))
        columns = (phones, names, rents, features)
        totals = totals_cells(tr, sum(rents), sum(features), sum(locals_), sum(longs))
        widths = column_widths(tr, totals, texts.fixed_widths(columns))
    else:
        totals = totals_cells(tr, 0, 0, 0, 0)
        widths = column_widths(tr, totals, [0, 0, 0, 0])
    lines = [f"== {month.month} ==", month_head(tr, widths)]
    if rows:
        lines.extend(row_lines(texts, widths, columns, locals_, longs))
    lines.append(_table_line(totals, widths))
    return lines


def month_head(tr: Tr, widths: list[int]) -> str:
    """The column heads of a month."""
    return _table_line([tr(k) for k in HEAD_KEYS], widths)


def totals_line(totals: list[str], widths: list[int]) -> str:
    """A month's totals row."""
    return _table_line(totals, widths)


def _table_line(cells: list[str], widths: list[int]) -> str:
    left = [ljust(cells[0], widths[0]), ljust(cells[1], widths[1])]
    right = [rjust(cells[i], widths[i]) for i in range(2, 7)]
    return GAP.join(left + right).rstrip()


def header_lines(info: RunInfo, tr: Tr, title_key: str) -> list[str]:
    """The comment lines that start both output files."""
    tariff = info.tariff_source if info.tariff_source else tr("bill.tariff_default")
    return [
        "# " + tr(title_key),
        "# " + tr("bill.users", source=info.users_source, count=info.users),
        "# " + tr("bill.calls", source=info.calls_source, records=info.records,
                  billed=info.billed, set_aside=info.set_aside),
        "# " + tr("bill.tariff", source=tariff),
        "# " + tr("bill.generated", time=info.generated),
    ]


def format_bills(bills: Bills, info: RunInfo, tr: Tr) -> list[str]:
    """The whole bill-detail file as lines (without line endings)."""
    lines = _bills_head(bills, info, tr)
    texts = TextCache()
    for month in bills.months:
        lines.append("")
        lines.extend(format_month(month, tr, texts))
    return lines


def _bills_head(bills: Bills, info: RunInfo, tr: Tr) -> list[str]:
    return bills_head(info, tr, len(bills.months), bills.grand_total)


def bills_head(info: RunInfo, tr: Tr, months: int, grand_total: int) -> list[str]:
    """The comment lines that start the bill-detail file."""
    lines = header_lines(info, tr, "bill.title")
    lines.append("# " + tr("bill.months", count=months, total=format_fen(grand_total)))
    return lines


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these would be run as a formula by a spreadsheet."""


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` before a formula start."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


class _CsvPrefixes(dict[tuple[str, str], str]):
    """(phone, name) -> the two CSV fields as csv.writer writes them (quoted if need be)."""

    def __init__(self) -> None:
        super().__init__()
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\n")

    def __missing__(self, key: tuple[str, str]) -> str:
        self._out.seek(0)
        self._out.truncate()
        self._writer.writerow(map(spreadsheet_safe, key))
        text = self[key] = self._out.getvalue()[:-1]
        return text


CSV_HEAD = "month,phone,name,rent,feature,local,long_distance,total\n"
"""The CSV file's first line (SPEC §4)."""


def csv_lines(texts: TextCache, month: str, columns: _FixedColumns,
              locals_: Sequence[int], longs: Sequence[int]) -> str:
    """The CSV rows of one month for these subscribers, each ended."""
    _, _, rents, features = columns
    if not rents:
        return ""
    cell = texts.money.__getitem__
    sums = map(add, map(add, rents, features), map(add, locals_, longs))
    line = month.replace("%", "%%") + ",%s,%s,%s,%s\n"  # one % for all the rows
    return (line * len(rents)) % tuple(chain.from_iterable(zip(
        texts.csv_firsts(columns), map(cell, locals_), map(cell, longs), map(cell, sums))))


def anomaly_detail(anomaly: Anomaly, tr: Tr) -> str:
    """The reason in words, e.g. ``lasts 3d 00:00:01 (259201 s), over 3 days``."""
    return tr(anomaly.key, **anomaly.params)


def format_anomalies(anomalies: Sequence[Anomaly], info: RunInfo, tr: Tr) -> list[str]:
    """The anomalies file: header with counts per code, then one line per record (``anomalies``
    in file order).

    Apart from its comments it is a valid calls file: each record's own text,
    then ``  # CODE: detail (calls.txt line N)``.
    """
    name = os.path.basename(info.calls_source) or info.calls_source
    lines = header_lines(info, tr, "anomalies.title")
    counts = code_counts(anomalies)
    for code in AnomalyCode:
        lines.append(f"# {code.value}: {counts[code]}")
    lines.append("# " + tr("anomalies.total", count=len(anomalies)))
    for a in anomalies:
        # "(calls.txt line N)" is part of the file's format (SPEC §3): the same in
        # both languages, so scripts can find the line whatever the interface.
        where = f"{name} line {a.line_no}" if a.line_no is not None else tr("anomalies.where_new")
        lines.append(f"{a.raw}  # {a.code.value}: {anomaly_detail(a, tr)} ({where})")
    return lines
