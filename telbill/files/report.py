"""The output files as text: bill detail, CSV, anomalies (no I/O, no clock)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from operator import attrgetter

from telbill.files.decoding import KEPT, encode
from telbill.rules.billing import Bills, MonthBill, row_total, row_totals
from telbill.rules.fields import format_fen
from telbill.rules.records import User
from telbill.rules.screening import UNKNOWN_CALLER_KEY, USERS_FILE, AnomalyCode, SetAside, code_counts, detail
from telbill.speed import Memo
from telbill.text.display import ljust, rjust, shown, width
from telbill.text.i18n import Phrase, Tr

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
    generated: datetime
    """Generation time (written by :func:`header_lines` to the second, :data:`GENERATED`); the only
    line that differs between reruns."""


GENERATED = "%Y-%m-%d %H:%M:%S"
"""How the header writes the generation time (the one home of the format, whatever engine wrote the file)."""


def _phone_name_cells(w_phone: int, w_name: int) -> Memo[tuple[str, str], str]:
    """(phone, name) → the phone and name cells padded to the widths, with the gaps."""
    def cells(key: tuple[str, str]) -> str:
        phone, name = key
        return f"{phone}{' ' * (w_phone - width(phone))}{GAP}{name}{' ' * (w_name - width(name))}{GAP}"

    return Memo(cells)


def _user_cells(phone_names: Memo[tuple[str, str], str], money: Memo[int, str], w_rent: int,
                w_feature: int) -> Memo[tuple[str, str, int, int], str]:
    """(phone, name, rent, feature) → a row's first four cells padded to the widths, with the
    gaps: the part of a subscriber's row that every month shares."""
    pattern = f"%s%{w_rent}s{GAP}%{w_feature}s{GAP}"
    return Memo(lambda key: pattern % (phone_names[key[0], key[1]], money[key[2]], money[key[3]]))


_FixedColumns = tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...], tuple[int, ...]]
"""Phones, names, rents and features of a month's rows."""


class TextCache:
    """Cell texts shared by the months of one bill file or CSV file: amounts, each
    subscriber's padded phone, name, rent and feature for the column widths in use,
    and each subscriber's first two CSV fields.

    The padded cells are kept at two levels, each by the widths they depend on: a subscriber's
    phone and name cells by the phone and name widths (:func:`_phone_name_cells`), and their four
    first cells by all four widths (:func:`_user_cells`, made of the former): months whose rent or
    feature column is wider than another's still share the padded phones and names."""

    __slots__ = ("_csv", "_csv_user_fields", "_fixed", "_padded", "_phone_names", "_user_cells", "cells", "money")

    def __init__(self) -> None:
        self.money: Memo[int, str] = Memo(format_fen)
        """fen → its text, each distinct amount formatted once (amounts repeat a lot)."""
        self.cells: Memo[int, bytes] = Memo(_fen_bytes)
        """fen → its text as bytes (ASCII), for the rows of a month (:func:`fill_rows`)."""
        self._phone_names: Memo[tuple[int, int], Memo[tuple[str, str], str]] = Memo(self._phone_names_of)
        """(phone width, name width) → :func:`_phone_name_cells` for them."""
        self._user_cells: Memo[tuple[int, int, int, int], Memo[tuple[str, str, int, int], str]] = Memo(
            self._user_cells_of)
        """The four widths → :func:`_user_cells` for them."""
        self._fixed: tuple[_FixedColumns, list[int]] | None = None
        self._csv: Memo[tuple[str, str], str] | None = None
        self._padded: dict[tuple[int, int, int, int], tuple[_FixedColumns, list[bytes]]] = {}
        """The four widths → the subscribers (columns) and their :meth:`padded_user_cells`."""
        self._csv_user_fields: tuple[_FixedColumns, list[bytes]] | None = None

    def _phone_names_of(self, widths: tuple[int, int]) -> Memo[tuple[str, str], str]:
        return _phone_name_cells(*widths)

    def _user_cells_of(self, widths: tuple[int, int, int, int]) -> Memo[tuple[str, str, int, int], str]:
        w_phone, w_name, w_rent, w_feature = widths
        return _user_cells(self._phone_names[w_phone, w_name], self.money, w_rent, w_feature)

    @property
    def csv_prefixes(self) -> Memo[tuple[str, str], str]:
        if self._csv is None:
            self._csv = _csv_prefixes()
        return self._csv

    def padded_user_cells(self, widths: list[int], columns: _FixedColumns) -> list[bytes]:
        """Each subscriber's first four cells of a bill row (phone, name, rent, feature), padded
        to the first four ``widths``, with the gaps (the part every month with these widths
        shares), for these subscribers, as written."""
        key = (widths[0], widths[1], widths[2], widths[3])
        kept = self._padded.get(key)
        if kept is None or kept[0] is not columns:
            cells = self._user_cells[key]
            kept = self._padded[key] = (columns, list(map(_written, map(cells.__getitem__, zip(*columns)))))
        return kept[1]

    def csv_user_fields(self, columns: _FixedColumns) -> list[bytes]:
        """Each subscriber's phone, name, rent and feature as the CSV fields after the month, as written."""
        kept = self._csv_user_fields
        if kept is None or kept[0] is not columns:
            phones, names, rents, features = columns
            cell = self.money.__getitem__
            kept = self._csv_user_fields = (columns, list(map(_written, map("%s,%s,%s".__mod__, zip(
                map(self.csv_prefixes.__getitem__, zip(phones, names)), map(cell, rents), map(cell, features))))))
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
                                                        row_total(rent, feature, local, long_distance)))]


def column_widths(tr: Tr, totals: list[str], fixed: list[int]) -> list[int]:
    """The seven column widths of a month: each as wide as its widest cell in display
    columns (CJK counts 2). ``fixed`` are the widest phone, name, rent and feature of
    the subscribers; no amount is wider than its column's total (none is negative),
    so the totals row gives the widths of the other three."""
    heads = [tr(k) for k in HEAD_KEYS]
    body = [*fixed, 0, 0, 0]
    return [max(width(heads[i]), width(totals[i]), body[i]) for i in range(7)]


def _fen_bytes(fen: int) -> bytes:
    return format_fen(fen).encode("ascii")


def _written(text: str) -> bytes:
    """``text`` as every file telbill writes encodes it (UTF-8, kept bytes as they were)."""
    return text.encode("utf-8", KEPT)


def fill_rows(row: bytes, count: int, cells: Iterable[bytes]) -> bytes:
    """``count`` rows of the ``%s`` pattern ``row``, filled from ``cells`` in one ``%`` of the
    pattern repeated: 78 ms per 100,000 rows against 189 ms row by row (timeit). On bytes, not
    text: with a name in Chinese a month's rows are a text of two bytes a character, which ``%``
    fills (and ``encode`` then writes out) slower: 10,000 rows of the 1M bench set, 0.79–0.86 ms
    against 1.85–2.29 ms (timeit, Python 3.11.7; benchmarks/history/round-8-critical-path.md)."""
    return (row * count) % tuple(cells)


def bill_rows(texts: TextCache, widths: list[int], columns: _FixedColumns,
              locals_: Sequence[int], longs: Sequence[int]) -> bytes:
    """One aligned row per subscriber (phone and name left-aligned, the five amounts
    right-aligned, two spaces between columns), each ended by ``\\n``, as written."""
    _, _, rents, features = columns
    if not rents:
        return b""
    cell = texts.cells.__getitem__
    sums = row_totals(rents, features, locals_, longs)
    row = ("%s" + GAP.join(f"%{w}s" for w in widths[4:]) + "\n").encode("ascii")
    return fill_rows(row, len(rents), chain.from_iterable(zip(
        texts.padded_user_cells(widths, columns), map(cell, locals_), map(cell, longs), map(cell, sums))))


def month_section(tr: Tr, month: str, widths: list[int], rows: Iterable[bytes], totals: list[str]) -> Iterator[bytes]:
    """One month of the bill-detail file as written, the one layout of a month for the menu's
    item 9 and the batch: a blank line, ``== YYYY-MM ==``, the heads, ``rows`` (:func:`bill_rows`,
    one or more runs of them: the batch's parts), the totals row (:func:`totals_cells`)."""
    yield b"\n" + encode([f"== {month} ==", month_head(tr, widths)])
    yield from rows
    yield encode([totals_line(totals, widths)])


def format_month(month: MonthBill, tr: Tr, texts: TextCache | None = None) -> Iterator[bytes]:
    """:func:`month_section` of a month billed whole (the menu's): one aligned row per subscriber.

    Columns are as wide as their widest cell (see :func:`column_widths`). ``texts``
    carries cell texts over from other months.
    """
    if texts is None:
        texts = TextCache()
    rows = month.rows
    if not rows:
        totals = totals_cells(tr, 0, 0, 0, 0)
        return month_section(tr, month.month, column_widths(tr, totals, [0, 0, 0, 0]), [], totals)
    phones, names, rents, features, locals_, longs = zip(*map(_ROW_FIELDS, rows))
    columns = (phones, names, rents, features)
    totals = totals_cells(tr, sum(rents), sum(features), sum(locals_), sum(longs))
    widths = column_widths(tr, totals, texts.fixed_widths(columns))
    return month_section(tr, month.month, widths, [bill_rows(texts, widths, columns, locals_, longs)], totals)


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
        "# " + tr("bill.generated", time=info.generated.strftime(GENERATED)),
    ]


def format_bills(bills: Bills, info: RunInfo, tr: Tr) -> bytes:
    """The whole bill-detail file, as written."""
    texts = TextCache()
    return encode(_bills_head(bills, info, tr)) + b"".join(
        chain.from_iterable(format_month(month, tr, texts) for month in bills.months))


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


def _csv_prefixes() -> Memo[tuple[str, str], str]:
    """(phone, name) → the two CSV fields as csv.writer writes them (quoted if need be)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def fields(key: tuple[str, str]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(map(spreadsheet_safe, key))
        return out.getvalue()[:-1]

    return Memo(fields)


CSV_HEAD = "month,phone,name,rent,feature,local,long_distance,total\n"
"""The CSV file's first line (SPEC §4)."""


def csv_rows(texts: TextCache, month: str, columns: _FixedColumns,
             locals_: Sequence[int], longs: Sequence[int]) -> bytes:
    """The CSV rows of one month for these subscribers, each ended, as written."""
    _, _, rents, features = columns
    if not rents:
        return b""
    cell = texts.cells.__getitem__
    sums = row_totals(rents, features, locals_, longs)
    line = _written(month.replace("%", "%%") + ",%s,%s,%s,%s\n")
    return fill_rows(line, len(rents), chain.from_iterable(zip(
        texts.csv_user_fields(columns), map(cell, locals_), map(cell, longs), map(cell, sums))))


def line_pattern(calls_source: str) -> str:
    """``calls.txt line %d``: where a record set aside was read, made once as a ``%`` format with
    one slot for the line number (an anomalies file may have a million lines). Part of the
    anomalies file's format (SPEC §3), so the same bytes in every language; only the file's own
    name stands for ``calls.txt``, escaped as printed (:func:`~telbill.text.display.shown`): a newline
    in it would cut every line in two, and a run in parts merges its lines cut at newlines."""
    name = shown(os.path.basename(calls_source) or calls_source)
    return f"{_literal(name)} line %d"


def line_label(calls_source: str) -> Callable[[int], str]:
    """``calls.txt line N`` for a line number N (see :func:`line_pattern`)."""
    return line_pattern(calls_source).__mod__


def users_named(tr: Tr, users_source: str) -> Tr:
    """``tr`` saying the users file by its own name where a reason names it (an unknown caller:
    ``caller 9999 is not in users_gb.txt``), as :func:`line_pattern` says the calls file's; the same
    in every engine (the batch's parts say their notes with it, the menu its lists). A file named
    ``users.txt`` is said so by ``tr`` itself (the reason's own value, SPEC's name): no wrapper,
    which costs some 0.4 µs a set-aside line (0.5 s at a million, at load 10)."""
    name = shown(os.path.basename(users_source) or users_source)
    return tr if name == USERS_FILE else UsersNamed(tr, name)


class UsersNamed:
    """A translator that puts the users file's name into the unknown-caller reason (see
    :func:`users_named`); every other message goes through as it is."""

    __slots__ = ("name", "tr")

    def __init__(self, tr: Tr, name: str) -> None:
        self.tr = tr
        self.name = name

    def __call__(self, key: str, /, **params: object) -> str:
        if key == UNKNOWN_CALLER_KEY:
            params["users"] = self.name
        return self.tr(key, **params)


def detail_pattern(tr: Tr, code: AnomalyCode) -> tuple[str, tuple[str, ...]]:
    """What :func:`~telbill.rules.screening.detail` says for ``code``, made once: its message as
    a ``%`` format with a ``%s`` slot for each value, and the names of the values in the order of
    the slots (a million notes then cost one ``%`` each, not a dict and a ``str.format``). A
    :class:`~telbill.text.i18n.Phrase` (the limit's "3 days") is the same in every note: it is
    said in the format itself."""
    key, params = detail(code, "", 0, 0, (0, 0, 0), str)  # only the key and the names count
    slots = {name: value if isinstance(value, Phrase) else f"\x00{name}\x00" for name, value in params.items()}
    pieces = tr(key, **slots).split("\x00")
    return "%s".join(map(_literal, pieces[::2])), tuple(pieces[1::2])


def _literal(text: str) -> str:
    """``text`` as it stands in a ``%`` format."""
    return text.replace("%", "%%")


def set_aside_note(code: AnomalyCode, detail: str, where: str) -> str:
    """What follows a record set aside on its line of the anomalies file:
    ``  # CODE: detail (calls.txt line N)``; the code is the same in every language."""
    return f"  # {code.value}: {detail} ({where})"


def anomalies_head(info: RunInfo, tr: Tr, counts: dict[AnomalyCode, int]) -> list[str]:
    """The comment lines that start the anomalies file, with the count of each code."""
    lines = header_lines(info, tr, "anomalies.title")
    for code in AnomalyCode:
        lines.append(f"# {code.value}: {counts[code]}")  # the codes as they are in every language (the title says so)
    lines.append("# " + tr("anomalies.total", count=sum(counts.values())))
    return lines


def format_anomalies(records: Sequence[SetAside], info: RunInfo, tr: Tr) -> list[str]:
    """The anomalies file: header with counts per code, then one line per record set aside
    (``records`` in file order).

    Apart from its comments it is a valid calls file: each record's own text,
    then ``  # CODE: detail (calls.txt line N)``.
    """
    lines = anomalies_head(info, tr, code_counts(records))
    label = line_label(info.calls_source)
    named = users_named(tr, info.users_source)
    for record in records:
        where = label(record.line_no) if record.line_no is not None else tr("anomalies.where_new")
        lines.append(record.raw + set_aside_note(record.code, record.reason(named), where))
    return lines
