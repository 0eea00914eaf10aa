"""The small users and calls files the tests share (written by the fixtures of ``conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telbill.files.callreader import MAX_LINE_CHARS
from telbill.files.dataset import DataPaths
from telbill.rules.fields import validate_moment
from telbill.session.facade import Session

USERS = (
    "# test subscribers: PHONE NAME RENT FEATURE\n"
    "83470000  Zhang Qiang  25.00  6.00\n"
    "83470001  张强  25  6.5   # moved in 2021\n"
    "\n"
    "83470002\tLi Na\t18.00\t0\n"
)
CALLS = (
    "# test calls\n"
    "83470000  02584561234  2020-12-31 23:58:10  2021-01-01 00:03:05\n"
    "83470000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n"
    "83470001  0044207946000  2021-01-06 09:00:00  2021-01-06 09:01:00   # abroad\n"
    "83470001  83472222  2021-01-10 10:00:00  2021-01-10 10:03:00\n"
    "83470002  83473333  2021-02-01 08:00:00  2021-02-01 08:00:59\n"
    "83479999  83463333  2021-01-11 09:00:00  2021-01-11 09:02:00\n"
    "83470005  8346000x  2021-01-05 10:00:00  2021-01-05 10:01:00\n"
)
ZHANG_CALLS = [line for line in CALLS.splitlines() if line.startswith("83470000")]
"""The lines of CALLS whose caller is Zhang Qiang (83470000)."""

# One subscriber and one call: what the batch's error tests and the fault tests need, no more.
ONE_USER = "# one user\n83470000  A  1  1\n"
ONE_CALL = "83470000  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n"

# Zhang Qiang alone, then with 张强, and one call of his: the menu on a terminal and in a pty.
ZHANG = "# users\n83470000  Zhang Qiang  25.00  6.00\n"
FEW_USERS = ZHANG + "83470001  张强  25  6.5\n"
FEW_CALLS = "# calls\n83470000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n"


def write_data(folder: Path, users: str = USERS, calls: str = CALLS) -> Path:
    """Put ``users`` and ``calls`` into ``folder``/data/ and return ``folder``."""
    (folder / "data").mkdir()
    (folder / "data/users.txt").write_text(users, "utf-8")
    (folder / "data/calls.txt").write_text(calls, "utf-8")
    return folder


def open_session(folder: Path = Path(), *, operator: str = "tester", **options: Any) -> Session:
    """The menu's session on ``folder``/data/users.txt and calls.txt, as ``operator``, logging to
    ``folder``/output/audit.log (``options``: a clock, ``long_lived``…)."""
    return Session(DataPaths(folder / "data/users.txt", folder / "data/calls.txt"),
                   audit_log=folder / "output/audit.log", operator=operator, **options)


def ticking() -> Callable[[], datetime]:
    """A clock for a session that starts at 2026-01-02 03:04:05 and moves on a second each time it
    is read (every save has a time of its own)."""
    moments = (datetime(2026, 1, 2, 3, 4, 5) + timedelta(seconds=n) for n in range(1000))
    return lambda: next(moments)


def at(moment: str) -> int:
    """``YYYY-MM-DD HH:MM:SS`` as telbill holds it (seconds)."""
    return validate_moment(moment)


def snapshot(s: Session) -> dict[str, Any]:
    """Everything a load gives, as plain values: records in file order, and the order the session
    holds them in (by line number), which a fresh load sorted the same way must give too."""
    users = sorted(s.users, key=lambda u: u.line_no or 0)
    calls = sorted(s.calls, key=lambda c: c.line_no or 0)
    result = s.screening()
    return {
        "users": [(u.line_no, u.phone, u.name, u.rent, u.feature, u.raw) for u in users],
        "problems": [(p.line_no, p.key, p.params) for p in s.problems],
        "calls": [(c.line_no, c.caller, c.callee, c.start, c.end, c.raw) for c in calls],
        "malformed": [(b.line_no, b.raw, b.key, b.params) for b in s.dataset.calls_file.malformed],
        "anomalies": [(a.code, a.line_no, a.key, a.params, a.raw) for a in result.set_aside],
        "valid": sorted(c.line_no or 0 for c in result.valid),
        "counts": (s.counts(), s.records, len(s.users)),
        "bills": [(m.month, m.rows) for m in s.bills().months],
        "user_lines": s.held_users.lines,
        "call_lines": s.held_calls.lines,
        "user_order": [u.line_no for u in s.users],
        "call_order": [c.line_no for c in s.calls],
        "valid_order": [c.line_no for c in result.valid],
    }


# Users and calls of every kind for the batch: every anomaly code, huge lines, control characters,
# tabs, one space, comments holding %, calls across month and year ends.
EVERY_KIND_USERS = (
    "# subscribers\n"
    "83470000  Zhang Qiang  25.00  6.00\n"
    "83470001  张强  25  6.5   # moved\n"
    "83470002\tLi Na\t18.00\t0\n"
    "83470003  =Formula  1  2\n"
    "83470004  Wang Wu  0  0\n"
)
EVERY_KIND_CALLS = (
    "# every kind of record, callers of every part, calls across month and year ends\n"
    "83470000  02584561234  2020-12-31 23:58:10  2021-01-01 00:03:05\n"
    "83470004  0044207946000  2021-01-31 23:59:59  2021-02-01 00:00:30\n"
    "83470001  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n"
    "83470001\t83471111\t2021-01-05 10:02:00\t2021-01-05 10:03:00\n"
    "83470003  83472222  2021-01-06 09:00:00  2021-01-06 09:00:00   # zero seconds\n"
    "83470003  83472222  2021-01-06 09:00:00  2021-01-06 09:05:00\n"
    "83470002 83473333 2021-02-01 08:00:00 2021-02-01 08:00:59\n"
    "83470002  83473333  2021-02-01 08:00:59  2021-02-01 08:02:00\n"
    "83479999  83463333  2021-01-11 09:00:00  2021-01-11 09:02:00\n"
    "83470004  83463333  2021-01-12 09:00:00  2021-01-11 09:02:00\n"
    "83470000  83463333  2021-01-12 09:00:00  2021-01-15 09:00:01\n"
    "83470000  83463333  2021-01-16 09:00:00  2021-01-19 09:00:00\n"
    "83470005  8346000x  2021-01-05 10:00:00  2021-01-05 10:01:00\n"
    "83470001  8346123  2021-02-29 10:00:00  2021-02-29 10:05:00\n"
    "   \n"
    "83470002  8346123  2021-03-01 24:00:00  2021-03-01 10:05:00\n"
    "83470004  8346123  2021-03-01 10:00:00\n"
    "8347\x1c0004  8346123  2021-03-01 10:00:00  2021-03-01 10:01:00\n"
    "83470004  8346123  2021-03-01 10:00:00  2021-03-01 10:01:00  \n"
    "  83470001  8346123  2021-03-01 10:00:00  2021-03-01 10:01:00\n"
    "83470001  8346123   2021-03-02 10:00:00  2021-03-02 10:01:00\n"
    "83470000\u3000013912345678  2021-03-03 10:00:00  2021-03-03 10:01:00\n"
    "83470000  " + "5 " * (MAX_LINE_CHARS // 2) + "\n"
    "#" + "x" * MAX_LINE_CHARS + "\n"
    "83470003  83472222  2021-01-06 09:04:59  2021-01-06 09:06:00\n"
    "83470003  83472222  2021-01-06 09:06:00  2021-01-06 09:07:00  # 100% %s\n"
)


def every_kind_calls(encoding: str, ending: str = "\n", bom: bool = False) -> bytes:
    """:data:`EVERY_KIND_CALLS` with ``ending`` for its line ends, in ``encoding`` (``utf-8``,
    ``gb18030``, ``utf-16`` with its BOM, or ``mixed``: UTF-8 and a line valid in no encoding), with
    a UTF-8 BOM when ``bom``."""
    text = EVERY_KIND_CALLS.replace("\n", ending)
    data = text.encode("utf-16") if encoding == "utf-16" else text.encode("gb18030" if encoding == "gb18030"
                                                                          else "utf-8")
    if encoding == "mixed":
        data += b"83470001  8346123  2021-03-04 10:00:00  2021-03-04 10:01:00  # \xff\xfe\n"
    return (b"\xef\xbb\xbf" if bom and encoding == "utf-8" else b"") + data


def only_malformed(users: int, rounds: int) -> tuple[str, str]:
    """users.txt of ``users`` subscribers (83470100 on) and a calls.txt of malformed lines alone, a
    round at a time, each round from the last subscriber to the first."""
    numbers = [83470100 + k for k in range(users)]
    return ("".join(f"{number}  User  25.00  6.00\n" for number in numbers),
            "".join(f"{number}  8346000x  2021-01-{turn % 28 + 1:02} 10:00:00  2021-01-{turn % 28 + 1:02} 10:01:00\n"
                    for turn in range(rounds) for number in reversed(numbers)))


def delete_with_calls(s: Session) -> object:
    """Delete Zhang Qiang (83470000) and his call records: a change to both files."""
    return s.delete_user("83470000", with_calls=True)


def interleaved_calls(users: int, rounds: int) -> str:
    """Lines of every kind for ``users`` subscribers (83470100 on), each round a line of each in
    turn: the standard layout, tabs, one space, a comment with a ``%``, a malformed line (a date
    that is none, a callee that is no number, five fields), an unknown caller, none of them
    billed; a subscriber's calls of four rounds in a row overlap. So every bucket of a partition
    holds lines of every kind, set aside, and the buckets' lines interleave in the file."""
    kinds = [
        "{u}  83471111  2021-01-{d:02} {t1}  2021-01-{d:02} {t2}",
        "{u}\t83471111\t2021-01-{d:02} {t1}\t2021-01-{d:02} {t2}",
        "{u} 0044207946000 2021-01-{d:02} {t1} 2021-01-{d:02} {t2}",
        "  {u}  83471111  2021-01-{d:02} {t1}  2021-01-{d:02} {t2}   # 100% %s",
        "{u}  83471111  2021-02-30 {t1}  2021-03-01 {t2}",
        "{u}  8347111x  2021-01-{d:02} {t1}  2021-01-{d:02} {t2}",
        "{u}  83471111  2021-01-{d:02} {t1}",
        "8347{u}\t83471111  2021-01-{d:02} {t1}  2021-01-{d:02} {t2}",
        "{u}\t83471111\t2021-01-{d:02} {t2}\t2021-01-{d:02} {t1}",
    ]
    return "".join(kinds[(number + turn) % len(kinds)].format(
        u=83470100 + number, d=1 + turn // 4 % 28, t1=f"10:{turn % 4 * 3:02}:00", t2=f"10:{turn % 4 * 3 + 4:02}:00")
        + "\n" for turn in range(rounds) for number in range(users))
