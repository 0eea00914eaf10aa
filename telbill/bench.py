"""Benchmark of ``telbill bill`` at an operator's scale, with a correctness check.

Run ``python -m telbill.bench`` (1,000,000 calls, 10,000 subscribers, 3 runs) or
``python -m telbill.bench --scaling`` (250k, 500k and 1M calls). It

1. generates a synthetic data set with a fixed seed (subscribers; calls spread
   over two years, written in the order a switch writes them, as each call ends;
   a small share of every anomaly kind, comments, blank lines, tabs);
2. checks the real billing path against a deliberately simple reference
   implementation in this file (pairwise overlap check, per-call ``Decimal``
   arithmetic) on a small generated set, and stops with exit 1 if any bill row or
   anomaly line differs;
3. runs ``telbill bill`` (``telbill.cli.main``) in a fresh Python process per run,
   writing all three output files and ending as the ``telbill`` command does
   (``telbill.cli.exit_now``), and prints the median time of each phase
   (read, screen, rate, write), the in-process total, the whole process's wall
   time (interpreter start to exit), calls per second and the peak resident set
   size.

The generated files go to a temporary folder (removed afterwards) unless
``--keep DIR`` is given. Nothing here is part of the default test run, apart from
the small reference comparison (``tests/test_bench.py``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

FIRST_DAY = date(2023, 1, 1)
"""The generated calls start on this day and span two years (2023 and 2024)."""
SPAN_DAYS = (date(2025, 1, 1) - FIRST_DAY).days
SPAN_SECONDS = SPAN_DAYS * 86_400
PHASES = ("read", "screen", "rate", "write")
TARIFF_TOML = """\
# The default tariff, written out so that the benchmark does not depend on the
# current folder's data/tariff.toml.
[local]
first_seconds = 180
first_price = 0.22
step_seconds = 60
step_price = 0.11

[domestic]
first_seconds = 6
first_price = 0.07
step_seconds = 6
step_price = 0.07

[international]
first_seconds = 6
first_price = 0.80
step_seconds = 6
step_price = 0.80
"""

# -- the synthetic data set ------------------------------------------------------------

_SURNAMES = ["Zhang", "Wang", "Li", "Zhao", "Chen", "Liu", "Yang", "Huang", "Zhou", "Wu",
             "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao"]
_GIVEN = ["Qiang", "Wei", "Fang", "Na", "Min", "Jing", "Li", "Jun", "Yong", "Yan", "Jie",
          "Tao", "Ming", "Chao", "Xiu Ying", "Gui Ying", "Hong", "Ping", "Gang", "Hui"]
_HAN_SURNAMES = "张王李赵陈刘杨黄周吴徐孙马朱胡郭何林罗高"
_HAN_GIVEN = ["强", "伟", "芳", "娜", "敏", "静", "丽", "军", "勇", "艳", "杰", "涛", "明",
              "超", "秀英", "桂英", "红", "平", "刚", "慧"]
_AREAS = ["10", "21", "22", "23", "25", "27", "28", "29", "311", "512", "571", "591", "755", "898"]
_COUNTRIES = ["1", "44", "49", "33", "61", "81", "82", "852", "853", "886"]
_NOTES = ["checked", "复核", "disputed", "ok", "重拨"]


@dataclass(frozen=True, slots=True)
class DataSet:
    """Where a generated data set is, and what it holds."""

    folder: Path
    users: Path
    calls: Path
    tariff: Path
    n_calls: int
    n_users: int
    seed: int


def _clock_texts() -> list[str]:
    return [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


def _phones(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct subscriber numbers: mostly 8-digit fixed lines, some mobiles."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        if rng.random() < 0.05:
            phone = f"13{rng.randrange(10**9):09d}"
        else:
            phone = str(rng.randrange(20_000_000, 100_000_000))
        if phone not in seen:
            seen.add(phone)
            out.append(phone)
    return out


def _name(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return rng.choice(_HAN_SURNAMES) + rng.choice(_HAN_GIVEN)
    return f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}"


def _callee(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.70:
        return str(rng.randrange(20_000_000, 100_000_000))
    if r < 0.95:
        return f"0{rng.choice(_AREAS)}{rng.randrange(10_000_000, 100_000_000)}"
    return f"00{rng.choice(_COUNTRIES)}{rng.randrange(10**7, 10**10)}"


def _duration(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.02:
        return 0
    if r < 0.0205:
        return 259_200  # exactly three days: still billed
    if r < 0.003 + 0.0205:
        return rng.randrange(3_600, 40_000)
    return int(rng.expovariate(1 / 150))


def generate(folder: Path, n_calls: int, n_users: int, seed: int = 2024) -> DataSet:
    """Write users.txt, calls.txt and tariff.toml into ``folder``; same seed, same bytes.

    The calls span 2023-01-01 to 2024-12-31, are written in order of their END (as
    a switch writes each record when the call ends), and hold about 0.1 % of each
    anomaly kind (at least a few of each), some calls crossing a month or the year
    end, zero-length calls, calls of exactly three days, comments and blank lines.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users.txt"
    calls = folder / "calls.txt"
    tariff = folder / "tariff.toml"
    tariff.write_text(TARIFF_TOML, encoding="utf-8")

    phones = _phones(rng, n_users + 50)
    strangers = phones[n_users:]  # numbers that are not subscribers
    phones = phones[:n_users]
    user_lines = ["# telbill benchmark subscribers: PHONE  NAME...  RENT  FEATURE",
                  f"# seed {seed}, {n_users} subscribers", ""]
    for i, phone in enumerate(phones):
        sep = "\t" if rng.random() < 0.05 else "  "
        rent = rng.choice(["25.00", "25", "18.5", "30.00", "0", "12.80"])
        feature = rng.choice(["6.00", "6.5", "0", "10", "3.20"])
        line = sep.join([phone, _name(rng), rent, feature])
        if rng.random() < 0.01:
            line += "  # " + rng.choice(_NOTES)
        user_lines.append(line)
        if i % 997 == 996:
            user_lines.append("")
    users.write_text("\n".join(user_lines) + "\n", encoding="utf-8")

    # Calls per subscriber follow a skewed (log-normal) distribution: the busiest
    # lines make some 25 times the average.
    weights = [rng.lognormvariate(0.0, 1.0) for _ in phones]
    total = 0.0
    cum: list[float] = []
    for w in weights:
        total += w
        cum.append(total)

    n_bad = max(4, n_calls // 1000)  # records of each anomaly kind
    n_normal = max(0, n_calls - 5 * n_bad)
    callers = rng.choices(phones, cum_weights=cum, k=n_normal)
    # (sort key = end, start, caller, callee, end, tag); tag: '' normal, else a malformed text
    records: list[tuple[int, int, str, str, int, str]] = []
    add = records.append
    randrange = rng.randrange
    for caller in callers:
        start = randrange(SPAN_SECONDS)
        end = start + _duration(rng)
        add((end, start, caller, _callee(rng), end, ""))

    def some_normal() -> tuple[int, int, str, str, int, str]:
        return records[randrange(n_normal)] if n_normal else (0, 0, phones[0], "83460000", 60, "")

    for _ in range(n_bad):
        # end-before-start
        start = randrange(SPAN_SECONDS)
        add((start, start, rng.choice(phones), _callee(rng), start - randrange(1, 7_200), ""))
        # unknown caller
        start = randrange(SPAN_SECONDS)
        end = start + _duration(rng)
        add((end, start, rng.choice(strangers), _callee(rng), end, ""))
        # too long: more than three days
        start = randrange(SPAN_SECONDS - 700_000)
        end = start + randrange(259_201, 700_000)
        add((end, start, rng.choice(phones), _callee(rng), end, ""))
        # malformed: wrong field count, bad number, impossible date or time
        start = randrange(SPAN_SECONDS)
        add((start, start, rng.choice(phones), _callee(rng), start + 60, rng.choice(
            ["fields5", "fields7", "caller", "callee", "date", "date2", "time", "time2"])))
    for i in range(n_bad):
        # overlap: another record of the same caller at the same time
        _, start, caller, _, end, _ = some_normal()
        kind = i % 4
        if kind == 0:  # same start (a duplicate from the switch)
            s, e = start, start + _duration(rng)
        elif kind == 1 and end > start:  # starts inside
            s = randrange(start, end)
            e = s + _duration(rng)
        elif kind == 2:  # touches: starts the second the other ends (fine)
            s, e = end, end + _duration(rng)
        else:  # covers it
            s = start - randrange(1, 600)
            e = max(end, start) + randrange(1, 600)
        add((max(s, e), s, caller, _callee(rng), e, ""))

    records.sort()
    clocks = _clock_texts()
    day_texts: dict[int, str] = {}
    first_ordinal = FIRST_DAY.toordinal()

    def moment(seconds: int) -> tuple[str, str]:
        day, secs = divmod(seconds, 86_400)
        text = day_texts.get(day)
        if text is None:
            text = day_texts[day] = date.fromordinal(first_ordinal + day).isoformat()
        return text, clocks[secs]

    out: list[str] = ["# telbill benchmark call records: CALLER  CALLEE  START  END",
                      f"# seed {seed}, {n_calls} records, written as each call ends", ""]
    random_ = rng.random
    for i, (_, start, caller, callee, end, tag) in enumerate(records):
        d1, t1 = moment(start)
        d2, t2 = moment(end)
        if tag:
            if tag == "fields5":
                line = f"{caller}  {callee}  {d1} {t1}  {d2}"
            elif tag == "fields7":
                line = f"{caller}  {callee}  {d1} {t1}  {d2} {t2}  60"
            elif tag == "caller":
                line = f"{caller[:3]}O{caller[4:]}  {callee}  {d1} {t1}  {d2} {t2}"
            elif tag == "callee":
                line = f"{caller}  12  {d1} {t1}  {d2} {t2}"
            elif tag == "date":
                line = f"{caller}  {callee}  {d1[:5]}02-30 {t1}  {d2} {t2}"
            elif tag == "date2":
                line = f"{caller}  {callee}  {d1} {t1}  {d2.replace('-', '/')} {t2}"
            elif tag == "time":
                line = f"{caller}  {callee}  {d1} 24:00:00  {d2} {t2}"
            else:
                line = f"{caller}  {callee}  {d1} {t1}  {d2} {t2[:3]}61{t2[5:]}"
        else:
            r = random_()
            if r < 0.98:
                line = f"{caller}  {callee}  {d1} {t1}  {d2} {t2}"
            elif r < 0.99:
                line = f"{caller}\t{callee}\t{d1} {t1}\t{d2} {t2}"
            else:
                line = f"{caller}  {callee}  {d1} {t1}  {d2} {t2}  # {rng.choice(_NOTES)}"
        out.append(line)
        if i % 50_000 == 49_999:
            out.append("")
            out.append(f"# batch {i // 50_000 + 1}")
    with calls.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(out))
        fh.write("\n")
    return DataSet(folder, users, calls, tariff, n_calls, n_users, seed)


def ensure_data(folder: Path, n_calls: int, n_users: int, seed: int) -> DataSet:
    """The data set in ``folder``, generated unless a matching one is already there."""
    stamp = folder / "bench.json"
    wanted = {"calls": n_calls, "users": n_users, "seed": seed, "version": 2}
    if stamp.is_file():
        try:
            if json.loads(stamp.read_text("utf-8")) == wanted:
                return DataSet(folder, folder / "users.txt", folder / "calls.txt", folder / "tariff.toml",
                               n_calls, n_users, seed)
        except ValueError:
            pass
    data = generate(folder, n_calls, n_users, seed)
    stamp.write_text(json.dumps(wanted), "utf-8")
    return data


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
    from telbill.i18n import Translator

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
            reasons[number] = ("unknown-caller", tr("anomaly.unknown_caller", caller=p[0]))
        elif seconds > REF_MAX_SECONDS:
            reasons[number] = ("too-long", tr("anomaly.too_long", duration=_ref_duration(seconds),
                                               seconds=seconds))
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


# -- timing the real command -------------------------------------------------------------

_CHILD = """\
import json, resource, sys, time
t0 = time.perf_counter()
import telbill.cli as cli
timings = {}
real_run_batch = cli.run_batch
def run_batch(*args, **kwargs):
    result = real_run_batch(*args, **kwargs)
    timings.update(result.timings)
    timings["records"] = result.records
    return result
cli.run_batch = run_batch
kept = []
code = cli.main(sys.argv[2:], keep=kept)
timings["main"] = time.perf_counter() - t0
timings["exit"] = code
timings["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], "w") as fh:
    json.dump(timings, fh)
cli.exit_now(code)  # as the telbill command (cli.entry) ends a batch run
"""


@dataclass(slots=True)
class Run:
    """One timed ``telbill bill`` process."""

    phases: dict[str, float]
    total: float
    """Seconds from loading to the last file written (run_batch's own total)."""
    wall: float
    """Seconds from starting the process to its exit."""
    rss_mb: float
    records: int


def run_once(data: DataSet, out: Path) -> Run:
    """Run ``python -c <cli.main(['bill', ...])>`` once on ``data``; its timings and peak RSS."""
    result = out / "timings.json"
    argv = [sys.executable, "-c", _CHILD, str(result), "--lang", "en", "bill",
            "--users", str(data.users), "--calls", str(data.calls), "--tariff", str(data.tariff),
            "--out", str(out / "bills.txt"), "--anomalies", str(out / "anomalies.txt"),
            "--csv", str(out / "bills.csv")]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=out)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"telbill bill failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    t = json.loads(result.read_text("utf-8"))
    if t.get("exit") != 0:
        raise SystemExit(f"telbill bill exited {t.get('exit')}:\n{proc.stdout}{proc.stderr}")
    return Run({p: t[p] for p in PHASES}, t["total"], wall, t["maxrss_kb"] / 1024, t["records"])


def _median_run(runs: list[Run]) -> Run:
    med = statistics.median
    return Run({p: med(r.phases[p] for r in runs) for p in PHASES}, med(r.total for r in runs),
               med(r.wall for r in runs), max(r.rss_mb for r in runs), runs[0].records)


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    impl = sys.implementation.name
    return (f"{cpu}, {os.cpu_count()} cores; {impl} {sys.version.split()[0]} on "
            f"{sys.platform}")


def _table(rows: list[tuple[int, int, Run]], runs: int) -> str:
    head = ["calls", "users", *PHASES, "total", "wall", "calls/s", "peak RSS"]
    body = []
    for n_calls, n_users, r in rows:
        body.append([f"{n_calls:,}", f"{n_users:,}", *(f"{r.phases[p]:.2f} s" for p in PHASES),
                     f"{r.total:.2f} s", f"{r.wall:.2f} s", f"{r.records / r.wall:,.0f}",
                     f"{r.rss_mb:.0f} MB"])
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in body]
    lines.append(f"(median of {runs} run(s) per size; total = load to last file written, "
                 "wall = process start to exit; calls/s over wall; peak RSS = max ru_maxrss)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m telbill.bench``: verify against the reference, then time ``telbill bill``."""
    parser = argparse.ArgumentParser(prog="python -m telbill.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000, help="call records (default 1,000,000)")
    parser.add_argument("--users", type=int, default=None,
                        help="subscribers (default 10,000; with --scaling, calls/100)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per size (median; default 3)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed of the data set (default 2024)")
    parser.add_argument("--scaling", action="store_true", help="run 250k, 500k and 1M calls")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="generate into DIR and keep it (reused when it matches)")
    parser.add_argument("--no-verify", action="store_true", help="skip the reference comparison")
    args = parser.parse_args(argv)

    if args.scaling:
        sizes = [(n, args.users or n // 100) for n in (250_000, 500_000, 1_000_000)]
    else:
        sizes = [(args.calls, args.users or 10_000)]
    print(f"machine: {_machine()}")
    scratch = Path(tempfile.mkdtemp(prefix="telbill-bench-"))
    try:
        if not args.no_verify:
            t0 = time.perf_counter()
            try:
                ref = verify(scratch / "verify")
            except Mismatch as exc:
                print(f"FAILED: telbill bill differs from the reference implementation:\n{exc}",
                      file=sys.stderr)
                return 1
            months = len(ref.bills)
            print(f"reference check: OK (3,000 calls, 60 users: {months} months' bills and "
                  f"{len(ref.anomalies)} anomaly lines identical; {time.perf_counter() - t0:.1f} s)")
        rows: list[tuple[int, int, Run]] = []
        for n_calls, n_users in sizes:
            base = args.keep if args.keep is not None else scratch
            folder = base / f"calls{n_calls}-users{n_users}-seed{args.seed}"
            t0 = time.perf_counter()
            data = ensure_data(folder, n_calls, n_users, args.seed)
            size_mb = data.calls.stat().st_size / 1e6
            print(f"data: {n_calls:,} calls, {n_users:,} users in {folder} "
                  f"({size_mb:.0f} MB; ready in {time.perf_counter() - t0:.1f} s)")
            out = scratch / "out"
            out.mkdir(exist_ok=True)
            runs = []
            for i in range(args.runs):
                run = run_once(data, out)
                runs.append(run)
                print(f"  run {i + 1}: " + ", ".join(f"{p} {run.phases[p]:.2f}" for p in PHASES)
                      + f"; total {run.total:.2f} s, wall {run.wall:.2f} s, peak RSS {run.rss_mb:.0f} MB")
            rows.append((n_calls, n_users, _median_run(runs)))
        print()
        print(_table(rows, args.runs))
        if len(rows) > 1:
            for (n0, _, r0), (n1, _, r1) in zip(rows, rows[1:]):
                print(f"{n0:,} -> {n1:,} calls (x{n1 / n0:.1f}): wall x{r1.wall / r0.wall:.2f}, "
                      f"total x{r1.total / r0.total:.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
