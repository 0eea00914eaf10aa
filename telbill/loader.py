"""Reading users and call records from lines of text (no paths, no printing)."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Callable, Iterable, Iterator
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
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
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
        return None, "users.fields", {"count": len(parts), "value": quote(text)}
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
        text = strip_comment(line)
        if not text:  # a comment stays a comment even with unreadable bytes in it
            continue
        if number in unreadable:
            result.problems.append(Problem(source, number, "line.unreadable", {"value": quote(line)}))
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
    keep_lines: bool = True,
) -> CallsFile:
    """Read calls.txt lines; every record line becomes a Call or a BadCall.

    ``keep_lines=False`` is the lean load of a batch run, which never saves the
    file: ``CallsFile.lines`` stays empty and a record keeps its ``raw`` text only
    when :meth:`Call.text` would not give that very line back (tabs, extra spaces,
    a trailing comment). Each line can then be freed as soon as it is read.
    """
    calls: LinkedList[Call] = LinkedList()
    result = CallsFile(calls)
    with paused_gc():
        calls.extend(_read_calls(lines, result, unreadable, progress, keep_lines))
    return result


def _read_calls(
    lines: Iterable[str],
    result: CallsFile,
    unreadable: frozenset[int],
    progress: ProgressFn | None,
    keep_lines: bool,
) -> Iterator[Call]:
    """The calls of ``lines`` in order; malformed records, lines and counts go to ``result``."""
    malformed = result.malformed
    keep = result.lines.append if keep_lines else None
    # Each distinct date and clock text is parsed once; after that a record costs
    # two dict lookups per moment. Dates map to the second their day starts.
    dates: dict[str, int] = {}
    clocks: dict[str, int] = {}
    callers: dict[str, str] = {}  # also shares one string per caller among its calls
    records = 0
    number = 0
    for number, line in enumerate(lines, 1):
        if line and line[-1] in "\r\n":
            line = line.rstrip("\r\n")
        if keep is not None:
            keep(line)
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
        # Fast path: six well-formed fields.
        if len(parts) == 6:
            caller, callee, d1, t1, d2, t2 = parts
            try:
                start = dates[d1] + clocks[t1]
                end = dates[d2] + clocks[t2]
            except KeyError:
                start = end = -1
                if _learn(dates, clocks, d1, t1) and _learn(dates, clocks, d2, t2):
                    start = dates[d1] + clocks[t1]
                    end = dates[d2] + clocks[t2]
            shared = callers.get(caller)
            if shared is None and is_phone(caller):
                shared = callers[caller] = caller
            if (start >= 0 and shared is not None
                    and 3 <= len(callee) <= 20 and callee.isdigit() and callee.isascii()):
                if keep is None and line == f"{caller}  {callee}  {d1} {t1}  {d2} {t2}":
                    yield Call(shared, callee, start, end, number, None)
                else:
                    yield Call(shared, callee, start, end, number, line)
                continue
        call, key, params = parse_call_fields(parts)
        if call is None:
            malformed.append(BadCall(number, line, key, params))
            continue
        call.caller = callers.setdefault(call.caller, call.caller)
        call.line_no = number
        call.raw = line
        yield call
    result.records = records
    if progress is not None:
        progress(number)


def _learn(dates: dict[str, int], clocks: dict[str, int], day_text: str, clock_text: str) -> bool:
    """Add a date and a clock text to the lookup tables; False if either is impossible."""
    if day_text not in dates:
        day = parse_date(day_text)
        if day is None:
            return False
        dates[day_text] = day * SECONDS_PER_DAY
    if clock_text not in clocks:
        secs = parse_clock(clock_text)
        if secs is None:
            return False
        clocks[clock_text] = secs
    return True


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector back while millions of records are built.

    The records form no reference cycles, so the collector would find nothing,
    but it would walk every one of them again and again as they pile up (about
    a third of the load time). On the way out the objects made meanwhile are
    moved to the oldest generation (``freeze`` then ``unfreeze``), so that the
    collector does not walk them all at once at its next young collection.
    Nothing is left frozen or disabled afterwards.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()
