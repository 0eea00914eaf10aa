"""Reading users and call records from lines of text (no paths, no printing)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from telbill.errors import Problem
from telbill.linkedlist import LinkedList
from telbill.records import (
    MAX_NAME_CHARS,
    SECONDS_PER_DAY,
    Call,
    User,
    is_phone,
    money_problem,
    parse_clock,
    parse_date,
    parse_money,
)

_TRAILING_COMMENT = re.compile(r"\s#")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
QUOTE_LIMIT = 40
ProgressFn = Callable[[int], None]
PROGRESS_EVERY = 50_000


def quote(value: str) -> str:
    """A value as shown in a message: cut to 40 characters, control characters escaped."""
    if len(value) > QUOTE_LIMIT:
        value = value[:QUOTE_LIMIT] + "…"
    if _CONTROL.search(value) or any("\udc80" <= ch <= "\udcff" for ch in value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        value = _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", value)
    return f"'{value}'"


def strip_comment(line: str) -> str:
    """The line without a trailing comment; ``''`` for a comment or blank line."""
    stripped = line.strip()
    if not stripped or stripped[0] == "#":
        return ""
    if "#" in stripped:
        m = _TRAILING_COMMENT.search(stripped)
        if m is not None:
            stripped = stripped[: m.start()].rstrip()
    return stripped


def _clean(line: str) -> str:
    return line.rstrip("\r\n")


# -- users -----------------------------------------------------------------------


@dataclass(slots=True)
class UsersFile:
    """What users.txt held."""

    users: LinkedList[User]
    """The subscribers, in file order."""
    problems: list[Problem] = field(default_factory=list)
    """Lines that could not be used (kept in the file as they are)."""
    lines: list[str] = field(default_factory=list)
    """Every line as read, for saving comments and bad lines back."""
    record_lines: set[int] = field(default_factory=set)
    """Line numbers that held a user record (good ones only)."""


def parse_user(text: str) -> tuple[User | None, str, dict[str, object]]:
    """Parse a comment-free users line: ``(user, '', {})`` or ``(None, key, params)``."""
    parts = text.split()
    if len(parts) < 4:
        return None, "users.fields", {"count": len(parts)}
    phone, rent, feature = parts[0], parts[-2], parts[-1]
    if not is_phone(phone):
        return None, "users.phone", {"value": quote(phone)}
    name = " ".join(parts[1:-2])
    if _CONTROL.search(name):
        return None, "users.name_control", {"value": quote(name)}
    if len(name) > MAX_NAME_CHARS:
        return None, "users.name_long", {"value": quote(name), "limit": MAX_NAME_CHARS}
    for label, value in (("rent", rent), ("feature", feature)):
        why = money_problem(value)
        if why is not None:
            return None, f"{label}.{why.split('.')[1]}", {"value": quote(value)}
    return User(phone, name, parse_money(rent), parse_money(feature)), "", {}


def load_users(lines: Iterable[str], source: str, unreadable: frozenset[int] = frozenset()) -> UsersFile:
    """Read users.txt lines. Bad or repeated lines become problems, never exceptions."""
    result = UsersFile(LinkedList())
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        line = _clean(line)
        result.lines.append(line)
        if number in unreadable:
            result.problems.append(Problem(source, number, "line.unreadable", {"value": quote(line)}))
            continue
        text = strip_comment(line)
        if not text:
            continue
        user, key, params = parse_user(text)
        if user is None:
            result.problems.append(Problem(source, number, key, params))
            continue
        first = seen.get(user.phone)
        if first is not None:
            result.problems.append(Problem(source, number, "users.duplicate",
                                           {"value": quote(user.phone), "first": first}))
            continue
        seen[user.phone] = number
        user.line_no = number
        user.raw = line
        result.users.append(user)
        result.record_lines.add(number)
    return result


# -- calls -----------------------------------------------------------------------


@dataclass(slots=True)
class BadCall:
    """A calls.txt line that is a record but cannot be read (code ``malformed``)."""

    line_no: int
    raw: str
    key: str
    params: dict[str, object]


@dataclass(slots=True)
class CallsFile:
    """What calls.txt held."""

    calls: LinkedList[Call]
    """The readable call records, in file order."""
    malformed: list[BadCall] = field(default_factory=list)
    """Record lines that could not be read, in file order."""
    lines: list[str] = field(default_factory=list)
    """Every line as read."""
    records: int = 0
    """How many lines were records (readable or not): the conservation total."""


def parse_call_fields(parts: list[str]) -> tuple[Call | None, str, dict[str, object]]:
    """Parse the fields of one record: ``(call, '', {})`` or ``(None, key, params)``."""
    if len(parts) != 6:
        return None, "calls.fields", {"count": len(parts)}
    caller, callee, d1, t1, d2, t2 = parts
    for label, number in (("caller", caller), ("callee", callee)):
        if not is_phone(number):
            return None, f"calls.{label}", {"value": quote(number)}
    moments = []
    for day_text, clock_text in ((d1, t1), (d2, t2)):
        day = parse_date(day_text)
        if day is None:
            return None, "calls.date", {"value": quote(day_text)}
        secs = parse_clock(clock_text)
        if secs is None:
            return None, "calls.time", {"value": quote(clock_text)}
        moments.append(day * SECONDS_PER_DAY + secs)
    return Call(caller, callee, moments[0], moments[1]), "", {}


def load_calls(
    lines: Iterable[str],
    source: str,
    unreadable: frozenset[int] = frozenset(),
    progress: ProgressFn | None = None,
) -> CallsFile:
    """Read calls.txt lines; every record line becomes a Call or a BadCall."""
    calls: LinkedList[Call] = LinkedList()
    result = CallsFile(calls)
    malformed = result.malformed
    keep = result.lines
    append = calls.append
    dates: dict[str, int] = {}
    clocks: dict[str, int] = {}
    callers: dict[str, str] = {}
    records = 0
    number = 0
    for number, line in enumerate(lines, 1):
        if line and line[-1] in "\r\n":
            line = line.rstrip("\r\n")
        keep.append(line)
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number)
        if "#" in line:
            text = strip_comment(line)
            if not text:
                continue
            parts = text.split()
        else:
            parts = line.split()
            if not parts:
                continue
        records += 1
        if unreadable and number in unreadable:
            malformed.append(BadCall(number, line, "line.unreadable", {"value": quote(line)}))
            continue
        # Fast path: six well-formed fields whose date and time were seen before.
        if len(parts) == 6:
            caller, callee, d1, t1, d2, t2 = parts
            day1 = dates.get(d1)
            day2 = dates.get(d2)
            s1 = clocks.get(t1)
            s2 = clocks.get(t2)
            if (day1 is not None and day2 is not None and s1 is not None and s2 is not None
                    and 3 <= len(caller) <= 20 and 3 <= len(callee) <= 20
                    and caller.isdigit() and callee.isdigit() and caller.isascii() and callee.isascii()):
                shared = callers.get(caller)
                if shared is None:
                    shared = callers[caller] = caller
                append(Call(shared, callee, day1 * 86400 + s1, day2 * 86400 + s2, number, line))
                continue
        call, key, params = parse_call_fields(parts)
        if call is None:
            malformed.append(BadCall(number, line, key, params))
            continue
        # Remember the fields that parsed so later lines take the fast path.
        dates[parts[2]] = call.start // SECONDS_PER_DAY
        dates[parts[4]] = call.end // SECONDS_PER_DAY
        clocks[parts[3]] = call.start % SECONDS_PER_DAY
        clocks[parts[5]] = call.end % SECONDS_PER_DAY
        call.caller = callers.setdefault(call.caller, call.caller)
        call.line_no = number
        call.raw = line
        append(call)
    result.records = records
    if progress is not None:
        progress(number)
    return result
