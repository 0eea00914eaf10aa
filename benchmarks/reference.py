"""The benchmark's correctness check: ``telbill bill`` against a deliberately simple reference.

:func:`reference` computes the bills and anomalies straight from SPEC §2–§4, as
simply as possible (its own parsing, a pairwise overlap check, ``Decimal``
arithmetic per call); :func:`verify` bills a small generated set both ways and
raises :class:`Mismatch` at the first bill row or anomaly line that differs.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

from benchmarks.generate import ensure_data

# -- the reference implementation ------------------------------------------------------
#
# Straight from SPEC, as simply as possible: no shared parsing, no sweep, no
# integer tricks. Only for the generated data (UTF-8, valid users file).

REF_MAX_SECONDS = 3 * 86_400
REF_TARIFF = {  # class -> (first_seconds, first_price, step_seconds, step_price)
    "local": (180, Decimal("0.22"), 60, Decimal("0.11")),
    "domestic": (6, Decimal("0.07"), 6, Decimal("0.07")),
    "international": (6, Decimal("0.80"), 6, Decimal("0.80")),
}


def _ref_lines(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _ref_content(line: str) -> str:
    """The line without comments ('' for a blank or comment line)."""
    s = line.strip()
    if not s or s.startswith("#"):
        return ""
    m = re.search(r"\s#", s)
    return s[: m.start()].rstrip() if m else s


def _ref_number_ok(text: str) -> bool:
    return 3 <= len(text) <= 20 and all(c in "0123456789" for c in text)


def _ref_quote(text: str) -> str:
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def _ref_moment(day: str, clock: str) -> tuple[datetime | None, str]:
    """``(moment, '')`` or ``(None, 'date' | 'time')``."""
    m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", day)
    if m is None:
        return None, "date"
    try:
        d = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None, "date"
    c = re.fullmatch(r"([0-9]{2}):([0-9]{2}):([0-9]{2})", clock)
    if c is None or int(c[1]) > 23 or int(c[2]) > 59 or int(c[3]) > 59:
        return None, "time"
    return datetime(d.year, d.month, d.day, int(c[1]), int(c[2]), int(c[3])), ""


def _ref_show(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} {moment:%H:%M:%S}"


def _ref_duration(seconds: int) -> str:
    h, rest = divmod(seconds, 3_600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


def _ref_fee(callee: str, seconds: int) -> tuple[str, Decimal]:
    kind = "international" if callee.startswith("00") else "domestic" if callee.startswith("0") else "local"
    first_s, first_p, step_s, step_p = REF_TARIFF[kind]
    if seconds == 0:
        return kind, Decimal("0")
    steps = (Decimal(max(0, seconds - first_s)) / Decimal(step_s)).to_integral_value(rounding=ROUND_CEILING)
    return kind, first_p + steps * step_p


@dataclass(slots=True)
class Reference:
    """What the reference computes: bill rows per month and the anomaly lines."""

    bills: dict[str, list[tuple[str, str, str, str, str, str, str]]]
    """month -> rows (phone, name, rent, feature, local, long distance, total) as text."""
    anomalies: list[str]
    """The anomalies file's record lines, in calls.txt order."""
    counts: dict[str, int]


def reference(users_path: Path, calls_path: Path) -> Reference:
    """Bills and anomalies of the data files, computed the slow, obvious way."""
    from telbill.text.i18n import Translator

    tr = Translator("en")
    users: list[tuple[str, str, Decimal, Decimal]] = []
    for line in _ref_lines(users_path):
        s = _ref_content(line)
        if s:
            p = s.split()
            users.append((p[0], " ".join(p[1:-2]), Decimal(p[-2]), Decimal(p[-1])))
    phones = {u[0] for u in users}

    reasons: dict[int, tuple[str, str]] = {}  # line -> (code, detail)
    raw: dict[int, str] = {}
    candidates: dict[str, list[tuple[int, datetime, datetime]]] = {}  # caller -> (line, start, end)
    valid: list[tuple[str, str, datetime, datetime]] = []
    parsed: dict[int, tuple[str, str, datetime, datetime]] = {}
    for number, line in enumerate(_ref_lines(calls_path), 1):
        s = _ref_content(line)
        if not s:
            continue
        raw[number] = line
        p = s.split()
        if len(p) != 6:
            reasons[number] = ("malformed", tr("calls.fields", count=len(p)))
            continue
        if not _ref_number_ok(p[0]):
            reasons[number] = ("malformed", tr("calls.caller", value=_ref_quote(p[0])))
            continue
        if not _ref_number_ok(p[1]):
            reasons[number] = ("malformed", tr("calls.callee", value=_ref_quote(p[1])))
            continue
        start, why = _ref_moment(p[2], p[3])
        end, why2 = (None, "") if start is None else _ref_moment(p[4], p[5])
        if start is None or end is None:
            bad = (p[2] if why == "date" else p[3]) if start is None else (p[4] if why2 == "date" else p[5])
            reasons[number] = ("malformed", tr("calls." + (why or why2), value=_ref_quote(bad)))
            continue
        seconds = int((end - start).total_seconds())
        if end < start:
            reasons[number] = ("end-before-start", tr("anomaly.end_before_start",
                                                       start=_ref_show(start), end=_ref_show(end)))
        elif p[0] not in phones:
            reasons[number] = ("unknown-caller", tr("anomaly.unknown_caller", caller=p[0], users=users_path.name))
        elif seconds > REF_MAX_SECONDS:
            reasons[number] = ("too-long", tr("anomaly.too_long", duration=_ref_duration(seconds),
                                               seconds=seconds, limit=f"{REF_MAX_SECONDS // 86_400} days"))
        else:
            candidates.setdefault(p[0], []).append((number, start, end))
            parsed[number] = (p[0], p[1], start, end)

    # Overlap, pairwise: records of one caller with the same start or overlapping
    # intervals. The detail names the clashing record that starts first (the lowest
    # line among equal starts).
    for group in candidates.values():
        for a in group:
            partners = [b for b in group if b is not a and (
                a[1] == b[1] or (a[1] < b[2] and b[1] < a[2]))]
            if partners:
                line_no, start, end = min(partners, key=lambda b: (b[1], b[0]))
                reasons[a[0]] = ("overlap", tr("anomaly.overlap", line=line_no,
                                               start=_ref_show(start), end=_ref_show(end)))
    for number in sorted(parsed):
        if number not in reasons:
            valid.append(parsed[number])

    fees: dict[tuple[str, str], list[Decimal]] = {}
    months: set[str] = set()
    for caller, callee, start, end in valid:
        month = f"{start.year:04d}-{start.month:02d}"
        months.add(month)
        kind, fee = _ref_fee(callee, int((end - start).total_seconds()))
        acc = fees.setdefault((month, caller), [Decimal(0), Decimal(0)])
        acc[0 if kind == "local" else 1] += fee
    bills: dict[str, list[tuple[str, str, str, str, str, str, str]]] = {}
    for month in sorted(months):
        rows = []
        for phone, name, rent, feature in users:
            local, far = fees.get((month, phone), [Decimal(0), Decimal(0)])
            total = rent + feature + local + far
            rows.append((phone, name, f"{rent:.2f}", f"{feature:.2f}", f"{local:.2f}", f"{far:.2f}", f"{total:.2f}"))
        bills[month] = rows

    counts = {code: 0 for code in ("malformed", "end-before-start", "unknown-caller", "too-long", "overlap")}
    lines = []
    for number in sorted(reasons):
        code, detail = reasons[number]
        counts[code] += 1
        lines.append(f"{raw[number]}  # {code}: {detail} ({calls_path.name} line {number})")
    return Reference(bills, lines, counts)


def _read_bill_file(text: str) -> dict[str, list[tuple[str, ...]]]:
    """month -> rows (phone, name, 5 amounts) from a bill-detail file, totals row excluded."""
    months: dict[str, list[tuple[str, ...]]] = {}
    rows: list[tuple[str, ...]] | None = None
    for line in text.splitlines():
        m = re.fullmatch(r"== ([0-9]{4}-[0-9]{2}) ==", line)
        if m:
            rows = months[m[1]] = []
            continue
        if rows is None or not line or line.startswith("#"):
            rows = None if not line else rows
            continue
        cells = line.split()
        rows.append((cells[0], " ".join(cells[1:-5]), *cells[-5:]))
    for month, month_rows in months.items():
        months[month] = month_rows[1:-1]  # without the column heads and the totals row
    return months


class Mismatch(AssertionError):
    """The real path and the reference implementation disagree."""


def verify(folder: Path, n_calls: int = 3_000, n_users: int = 60, seed: int = 7) -> Reference:
    """Bill a small generated set with ``telbill bill`` and with :func:`reference`.

    Raises :class:`Mismatch` naming the first difference in the bills (bill file
    and CSV) or in the anomalies file.
    """
    from telbill.cli import main

    data = ensure_data(folder / "data", n_calls, n_users, seed)
    out = folder / "out"
    argv = ["--lang", "en", "bill", "--users", str(data.users), "--calls", str(data.calls),
            "--tariff", str(data.tariff), "--out", str(out / "bills.txt"),
            "--anomalies", str(out / "anomalies.txt"), "--csv", str(out / "bills.csv")]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(argv, stdout=stdout, stderr=stderr)
    if code != 0:
        raise Mismatch(f"telbill bill exited {code}: {stderr.getvalue().strip()}")
    ref = reference(data.users, data.calls)

    def compare(what: str, got: Sequence[object], want: Sequence[object]) -> None:
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                raise Mismatch(f"{what}, item {i + 1} differs:\n  telbill:   {g!r}\n  reference: {w!r}")
        if len(got) != len(want):
            raise Mismatch(f"{what}: telbill has {len(got)} items, the reference {len(want)}")

    bills = _read_bill_file((out / "bills.txt").read_text("utf-8"))
    compare("billed months", list(bills), list(ref.bills))
    for month, rows in ref.bills.items():
        compare(f"bill file, month {month}", bills[month], rows)
    csv_want = ["month,phone,name,rent,feature,local,long_distance,total"]
    csv_want += [",".join((month, *row)) for month, rows in ref.bills.items() for row in rows]
    compare("CSV file", (out / "bills.csv").read_text("utf-8").splitlines(), csv_want)
    text = (out / "anomalies.txt").read_text("utf-8").splitlines()
    compare("anomalies file", [line for line in text if not line.startswith("#")], ref.anomalies)
    heads = [m for m in map(re.compile(r"# ([a-z-]+): ([0-9]+)").fullmatch, text) if m is not None]
    compare("anomaly counts", sorted((m[1], m[2]) for m in heads), sorted((k, str(v)) for k, v in ref.counts.items()))
    for kind, count in ref.counts.items():
        if count == 0:
            raise Mismatch(f"the generated set has no {kind} record; the check would prove little")
    return ref


