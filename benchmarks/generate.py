"""The benchmark's synthetic data: a fixed-seed operator's month (or two years) of calls.

:func:`generate` writes users.txt, calls.txt and tariff.toml; :func:`ensure_data`
reuses a folder that already holds the same set. :func:`identical_records` and
:func:`long_line` write the pathological files of ``--pathological``.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
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


class Shape(str, Enum):
    """How a generated calls file is laid out (``python -m benchmarks --shape``)."""

    ENDS = "ends"
    """As a switch writes each record when the call ends: 2023–2024, sparse callers (random
    8-digit numbers, some mobiles), a skewed load (log-normal: the busiest lines make some 25
    times the average), about 0.1 % of every anomaly kind, tabs and trailing comments."""
    STARTS = "starts"
    """In start order over 14 months (2023-11 to 2024-12): dense callers sharing a prefix
    (83400000 + 7k, as a city's lines), an even load, callees 84…/139…/0…/00… with 8–10 random
    digits, durations drawn evenly from {0 s, 1–59 s, 1–10 min, 10 min–2 h} (so some of a
    caller's calls overlap by chance), 0.2 % too long, 0.2 % unknown callers, 0.1 % malformed;
    the fields are separated by one space (as another switch writes them), not by telbill's
    standard two (``CALLER  CALLEE  START  END``)."""
    IDENTICAL = "identical"
    """One record repeated: every copy clashes with every other (all set aside as overlaps)."""


Record = tuple[int, int, str, str, int, str]
"""(sort key, start, caller, callee, end, tag); tag: '' for a good record, else how it is malformed."""


def _spread(total: int, windows: int, w: int) -> int:
    """Window ``w``'s share of ``total`` things spread evenly over ``windows`` (the shares add up)."""
    return (w + 1) * total // windows - w * total // windows


def generate(folder: Path, n_calls: int, n_users: int, seed: int = 2024, shape: Shape = Shape.ENDS) -> DataSet:
    """Write users.txt, calls.txt and tariff.toml into ``folder``; same seed, same bytes.

    The calls are made a day at a time and written as they are made (a day's calls,
    and those of the next days that end later, are all that is held), so a set of a
    hundred million calls needs no more memory than one of a thousand. See
    :class:`Shape` for what each shape holds.
    """
    if shape is Shape.IDENTICAL:
        return identical_records(folder, n_calls)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users.txt"
    calls = folder / "calls.txt"
    tariff = folder / "tariff.toml"
    tariff.write_text(TARIFF_TOML, encoding="utf-8")
    if shape is Shape.ENDS:
        phones = _phones(rng, n_users + 50)
        strangers = phones[n_users:]  # numbers that are not subscribers
        phones = phones[:n_users]
    else:
        phones = [str(STARTS_FIRST_PHONE + 7 * k) for k in range(n_users)]
        strangers = [str(STARTS_FIRST_PHONE + 7 * k + 3) for k in range(50)]
    _write_users(users, phones, rng, seed, n_users)
    days = _ends_days(rng, phones, strangers, n_calls) if shape is Shape.ENDS else \
        _starts_days(rng, phones, strangers, n_calls)
    order = "written as each call ends" if shape is Shape.ENDS else "written in start order"
    _write_calls(calls, days, rng, [f"# seed {seed}, {n_calls} records, {order}"], tidy=shape is Shape.ENDS)
    return DataSet(folder, users, calls, tariff, n_calls, n_users, seed)


def _write_users(path: Path, phones: list[str], rng: random.Random, seed: int, n_users: int) -> None:
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
    path.write_text("\n".join(user_lines) + "\n", encoding="utf-8")


def _ends_days(rng: random.Random, phones: list[str], strangers: list[str], n_calls: int) -> Iterator[list[Record]]:
    """The :attr:`Shape.ENDS` records, a day of ends at a time, each day's sorted by end."""
    # Calls per subscriber follow a skewed (log-normal) distribution.
    weights = [rng.lognormvariate(0.0, 1.0) for _ in phones]
    cum = list(itertools.accumulate(weights))
    n_bad = max(4, n_calls // 1000)  # records of each anomaly kind
    n_normal = max(0, n_calls - 5 * n_bad)
    randrange, choice = rng.randrange, rng.choice
    pending: dict[int, list[Record]] = {}  # day of the sort key -> records made so far

    def keep(record: Record) -> None:
        pending.setdefault(record[0] // 86_400, []).append(record)

    for day in range(SPAN_DAYS):
        base = day * 86_400
        made: list[Record] = []
        for caller in rng.choices(phones, cum_weights=cum, k=_spread(n_normal, SPAN_DAYS, day)):
            start = base + randrange(86_400)
            end = start + _duration(rng)
            made.append((end, start, caller, _callee(rng), end, ""))
        for _ in range(_spread(n_bad, SPAN_DAYS, day)):
            start = base + randrange(86_400)  # end-before-start
            keep((start, start, choice(phones), _callee(rng), start - randrange(1, 7_200), ""))
            start = base + randrange(86_400)  # unknown caller
            end = start + _duration(rng)
            keep((end, start, choice(strangers), _callee(rng), end, ""))
            start = base + randrange(86_400)  # too long: more than three days
            end = start + randrange(259_201, 700_000)
            keep((end, start, choice(phones), _callee(rng), end, ""))
            start = base + randrange(86_400)  # malformed
            keep((start, start, choice(phones), _callee(rng), start + 60, choice(_MALFORMED_TAG_LIST)))
        for i in range(_spread(n_bad, SPAN_DAYS, day)):
            # overlap: another record of the same caller at the same time
            _, start, caller, _, end, _ = made[randrange(len(made))] if made else \
                (0, base, phones[0], "83460000", base + 60, "")
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
            keep((max(s, e), s, caller, _callee(rng), e, ""))
        for record in made:
            keep(record)
        ready = pending.pop(day, [])
        ready.sort()
        yield ready
    for day in sorted(pending):  # calls that end after the last day
        yield sorted(pending.pop(day))


STARTS_FIRST_PHONE = 83_400_000
STARTS_FIRST_DAY = date(2023, 11, 1)
"""The :attr:`Shape.STARTS` calls start from this day to 2024-12-31 (14 months)."""
_STARTS_PREFIXES = ["84", "139", "0", "00"]


def _starts_days(rng: random.Random, phones: list[str], strangers: list[str],
                 n_calls: int) -> Iterator[list[Record]]:
    """The :attr:`Shape.STARTS` records, a day of starts at a time, each day's sorted by start."""
    offset = (STARTS_FIRST_DAY - FIRST_DAY).days
    span = SPAN_DAYS - offset
    random_, randrange, choice = rng.random, rng.randrange, rng.choice
    for day in range(span):
        base = (offset + day) * 86_400
        made: list[Record] = []
        for caller in rng.choices(phones, k=_spread(n_calls, span, day)):
            start = base + randrange(86_400)
            r = random_()
            tag = ""
            if r < 0.002:  # too long
                end = start + randrange(259_201, 700_000)
            else:
                kind = randrange(4)
                end = start + (0 if kind == 0 else randrange(1, 60) if kind == 1 else
                               randrange(60, 601) if kind == 2 else randrange(600, 7_201))
                if r < 0.004:
                    caller = choice(strangers)
                elif r < 0.005:
                    tag = choice(_MALFORMED_TAG_LIST)
            digits = randrange(8, 11)
            callee = choice(_STARTS_PREFIXES) + str(randrange(10 ** (digits - 1), 10 ** digits))
            made.append((start, start, caller, callee, end, tag))
        made.sort()
        yield made


def _write_calls(path: Path, days: Iterator[list[Record]], rng: random.Random, head: list[str],
                 tidy: bool) -> None:
    """The records as calls.txt lines; ``tidy=False``: all with one space between fields, without
    the tabs, trailing comments and a comment line every 50,000 records of the ``ends`` shape."""
    clocks = _clock_texts()
    day_texts: dict[int, str] = {}
    first_ordinal = FIRST_DAY.toordinal()

    def moment(seconds: int) -> tuple[str, str]:
        day, secs = divmod(seconds, 86_400)
        text = day_texts.get(day)
        if text is None:
            text = day_texts[day] = date.fromordinal(first_ordinal + day).isoformat()
        return text, clocks[secs]

    random_ = rng.random
    i = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(["# telbill benchmark call records: CALLER  CALLEE  START  END", *head, ""]) + "\n")
        for records in days:
            out: list[str] = []
            for _, start, caller, callee, end, tag in records:
                d1, t1 = moment(start)
                d2, t2 = moment(end)
                if tag:
                    line = _malformed(tag, caller, callee, d1, t1, d2, t2)
                elif not tidy:
                    line = f"{caller} {callee} {d1} {t1} {d2} {t2}"
                else:
                    r = random_()
                    if r < 0.98:
                        line = f"{caller}  {callee}  {d1} {t1}  {d2} {t2}"
                    elif r < 0.99:
                        line = f"{caller}\t{callee}\t{d1} {t1}\t{d2} {t2}"
                    else:
                        line = f"{caller}  {callee}  {d1} {t1}  {d2} {t2}  # {rng.choice(_NOTES)}"
                out.append(line)
                if tidy and i % 50_000 == 49_999:
                    out.append("")
                    out.append(f"# batch {i // 50_000 + 1}")
                i += 1
            if out:
                fh.write("\n".join(out))
                fh.write("\n")


_MALFORMED = {
    "fields5": "{caller}  {callee}  {d1} {t1}  {d2}",
    "fields7": "{caller}  {callee}  {d1} {t1}  {d2} {t2}  60",
    "caller": "{bad_caller}  {callee}  {d1} {t1}  {d2} {t2}",
    "callee": "{caller}  12  {d1} {t1}  {d2} {t2}",
    "date": "{caller}  {callee}  {bad_d1} {t1}  {d2} {t2}",
    "date2": "{caller}  {callee}  {d1} {t1}  {slashed_d2} {t2}",
    "time": "{caller}  {callee}  {d1} 24:00:00  {d2} {t2}",
    "time2": "{caller}  {callee}  {d1} {t1}  {d2} {bad_t2}",
}
"""How each kind of malformed record is written: a field too few or too many, a letter in
the caller, a callee too short, an impossible date, a date written another way, an
impossible time (24:00:00, or 61 seconds)."""


_MALFORMED_TAG_LIST = list(_MALFORMED)


def _malformed(tag: str, caller: str, callee: str, d1: str, t1: str, d2: str, t2: str) -> str:
    """A record made unreadable in the way ``tag`` says."""
    return _MALFORMED[tag].format(caller=caller, callee=callee, d1=d1, t1=t1, d2=d2, t2=t2,
                                  bad_caller=f"{caller[:3]}O{caller[4:]}", bad_d1=f"{d1[:5]}02-30",
                                  slashed_d2=d2.replace("-", "/"), bad_t2=f"{t2[:3]}61{t2[5:]}")


def ensure_data(folder: Path, n_calls: int, n_users: int, seed: int, shape: Shape = Shape.ENDS) -> DataSet:
    """The data set in ``folder``, generated unless a matching one is already there."""
    stamp = folder / "bench.json"
    wanted = {"calls": n_calls, "users": n_users, "seed": seed, "shape": shape.value, "version": 4}
    if stamp.is_file():
        try:
            if json.loads(stamp.read_text("utf-8")) == wanted:
                return DataSet(folder, folder / "users.txt", folder / "calls.txt", folder / "tariff.toml",
                               n_calls, n_users, seed)
        except ValueError:
            pass
    stamp.unlink(missing_ok=True)
    data = generate(folder, n_calls, n_users, seed, shape)
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
