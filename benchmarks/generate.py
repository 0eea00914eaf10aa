"""The benchmark's synthetic data: a fixed-seed operator's month (or two years) of calls.

:func:`generate` writes users.txt, calls.txt and tariff.toml; :func:`ensure_data`
reuses a folder that already holds the same set. :func:`identical_records` and
:func:`long_line` write the pathological files of ``--pathological``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FIRST_DAY = date(2023, 1, 1)
"""The generated calls start on this day and span two years (2023 and 2024)."""
SPAN_DAYS = (date(2025, 1, 1) - FIRST_DAY).days
SPAN_SECONDS = SPAN_DAYS * 86_400
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



# -- pathological files (``--pathological``) -----------------------------------------------

PATHOLOGICAL_USERS = "83470000  Zhang Qiang  25.00  6.00\n83470001  张强  25  6.5\n"
IDENTICAL_LINE = "83470000  02584561234  2021-01-05 10:00:00  2021-01-05 10:04:01"
"""The record repeated by :func:`identical_records`: every copy clashes with every other."""


def identical_records(folder: Path, count: int = 1_000_000) -> DataSet:
    """``count`` copies of one record: all of them are set aside as overlaps."""
    folder.mkdir(parents=True, exist_ok=True)
    users, calls, tariff = folder / "users.txt", folder / "calls.txt", folder / "tariff.toml"
    users.write_text(PATHOLOGICAL_USERS, encoding="utf-8")
    tariff.write_text(TARIFF_TOML, encoding="utf-8")
    with calls.open("w", encoding="utf-8", newline="\n") as fh:
        block = (IDENTICAL_LINE + "\n") * 10_000
        for _ in range(count // 10_000):
            fh.write(block)
        fh.write((IDENTICAL_LINE + "\n") * (count % 10_000))
    return DataSet(folder, users, calls, tariff, count, 2, 0)


def long_line(folder: Path, megabytes: int = 51) -> DataSet:
    """A calls file whose middle line is ``megabytes`` MB of one-digit tokens, between two records."""
    folder.mkdir(parents=True, exist_ok=True)
    users, calls, tariff = folder / "users.txt", folder / "calls.txt", folder / "tariff.toml"
    users.write_text(PATHOLOGICAL_USERS, encoding="utf-8")
    tariff.write_text(TARIFF_TOML, encoding="utf-8")
    with calls.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(IDENTICAL_LINE + "\n")
        chunk = "7 " * (1 << 19)  # 1 MiB
        for _ in range(megabytes * 1_000_000 // len(chunk)):
            fh.write(chunk)
        fh.write("7\n")
        fh.write(IDENTICAL_LINE.replace("10:0", "11:0") + "\n")
    return DataSet(folder, users, calls, tariff, 3, 2, 0)
