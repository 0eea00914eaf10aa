"""The output files as text: bill detail, CSV, anomalies (no I/O, no clock)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass

from telbill.billing import BillRow, Bills, MonthBill
from telbill.checking import Anomaly, CheckResult
from telbill.records import AnomalyCode, format_fen
from telbill.textwidth import ljust, rjust, width

Tr = Callable[..., str]
HEAD_KEYS = ("col.phone", "col.name", "col.rent", "col.feature", "col.local", "col.long", "col.total")
CSV_HEADER = ["month", "phone", "name", "rent", "feature", "local", "long_distance", "total"]
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


def _row_cells(row: BillRow) -> list[str]:
    return [row.phone, row.name, format_fen(row.rent), format_fen(row.feature),
            format_fen(row.local), format_fen(row.long_distance), format_fen(row.total)]


def format_month(month: MonthBill, tr: Tr) -> list[str]:
    """The ``== YYYY-MM ==`` section: heads, one aligned row per subscriber, totals."""
    heads = [tr(k) for k in HEAD_KEYS]
    body = [_row_cells(r) for r in month.rows]
    totals = _row_cells(month.totals)
    totals[0] = tr("bill.totals_row")
    totals[1] = ""
    table = [heads, *body, totals]
    widths = [max(width(r[i]) for r in table) for i in range(7)]
    lines = [f"== {month.month} =="]
    for cells in table:
        left = [ljust(cells[0], widths[0]), ljust(cells[1], widths[1])]
        right = [rjust(cells[i], widths[i]) for i in range(2, 7)]
        lines.append(GAP.join(left + right).rstrip())
    return lines


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
    lines = header_lines(info, tr, "bill.title")
    lines.append("# " + tr("bill.months", count=len(bills.months),
                           total=format_fen(bills.grand_total)))
    for month in bills.months:
        lines.append("")
        lines.extend(format_month(month, tr))
    return lines


def format_csv(bills: Bills) -> str:
    """The bills as CSV with the fixed English header of SPEC §4."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for month in bills.months:
        for r in month.rows:
            writer.writerow([month.month, r.phone, r.name, format_fen(r.rent), format_fen(r.feature),
                             format_fen(r.local), format_fen(r.long_distance), format_fen(r.total)])
    return out.getvalue()


def anomaly_detail(anomaly: Anomaly, tr: Tr) -> str:
    """The reason in words, e.g. ``lasts 3d 00:00:01 (259201 s), over 3 days``."""
    return tr(anomaly.key, **anomaly.params)


def format_anomalies(result: CheckResult, info: RunInfo, tr: Tr) -> list[str]:
    """The anomalies file: header with counts per code, then one line per record.

    Apart from its comments it is a valid calls file: each record's own text,
    then ``  # CODE: detail (calls.txt line N)``.
    """
    name = os.path.basename(info.calls_source) or info.calls_source
    lines = header_lines(info, tr, "anomalies.title")
    counts = result.counts()
    for code in AnomalyCode:
        lines.append(f"# {code.value}: {counts[code]}")
    lines.append("# " + tr("anomalies.total", count=len(result.anomalies)))
    for a in result.anomalies:
        where = (tr("anomalies.where", file=name, line=a.line_no) if a.line_no is not None
                 else tr("anomalies.where_new"))
        lines.append(f"{a.raw}  # {a.code.value}: {anomaly_detail(a, tr)} ({where})")
    return lines
