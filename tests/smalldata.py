"""A small users and calls file shared by the menu and session tests."""

from __future__ import annotations

from pathlib import Path

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


def write_data(folder: Path, users: str = USERS, calls: str = CALLS) -> Path:
    """Put ``users`` and ``calls`` into ``folder``/data/ and return ``folder``."""
    (folder / "data").mkdir()
    (folder / "data/users.txt").write_text(users, "utf-8")
    (folder / "data/calls.txt").write_text(calls, "utf-8")
    return folder
