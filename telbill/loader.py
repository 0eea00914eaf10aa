"""Reading users and call records from lines of text (no paths, no printing)."""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress, count, islice, product, repeat
from operator import add, contains, getitem, ne, not_, or_
from typing import cast

from telbill.display import quote
from telbill.errors import Problem
from telbill.fields import (
    BLANKS,
    MAX_NAME_CHARS,
    PHONE_MAX,
    PHONE_MIN,
    SECONDS_PER_DAY,
    SPLIT_CONTROL,
    TRAILING_COMMENT,
    is_phone,
    money_problem,
    name_problem,
    parse_clock,
    parse_date,
    parse_money,
    split_fields,
)
from telbill.linkedlist import IntrusiveList, LinkedList
from telbill.records import Call, User

ProgressFn = Callable[[int], None]
PROGRESS_EVERY = 50_000
MAX_LINE_CHARS = 65_536
"""A calls line longer than this is no record (one with ordinary spacing is under 100
characters): unless it is blank or a comment, it is set aside as malformed as it is,
without being split into fields (a line of 50 million one-digit tokens would otherwise
become 25 million strings)."""
_FIRST_NON_BLANK = re.compile(f"[^{BLANKS}]")


def strip_comment(line: str) -> str:
    """The line without a trailing comment; ``''`` for a comment or blank line."""
    stripped = line.strip(BLANKS)
    if not stripped or stripped[0] == "#":
        return ""
    if "#" in stripped:
        m = TRAILING_COMMENT.search(stripped)
        if m is not None:
            stripped = stripped[: m.start()].rstrip(BLANKS)
    return stripped


def long_line(line: str) -> tuple[str, dict[str, object]] | None:
    """``(key, params)`` of the malformed record that a line longer than
    :data:`MAX_LINE_CHARS` is; ``None`` for a shorter line, or a blank or comment one."""
    if len(line) <= MAX_LINE_CHARS:
        return None
    first = _FIRST_NON_BLANK.search(line)
    if first is None or first[0] == "#":
        return None
    return "calls.line_long", {"length": len(line), "limit": MAX_LINE_CHARS}


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
    parts = split_fields(text)
    if len(parts) < 4:
        return None, "users.fields", {"count": len(parts), "value": quote(text)}
    phone, rent, feature = parts[0], parts[-2], parts[-1]
    if not is_phone(phone):
        return None, "users.phone", {"value": quote(phone)}
    name = " ".join(parts[1:-2])
    problem = name_problem(name)
    if problem is not None:
        return None, problem, {"value": quote(name), "limit": MAX_NAME_CHARS}
    for label, value in (("rent", rent), ("feature", feature)):
        why = money_problem(value)
        if why is not None:
            return None, f"{label}.{why.split('.')[1]}", {"value": quote(value)}
    return User(phone, name, parse_money(rent), parse_money(feature)), "", {}


def read_user_line(line: str, number: int, source: str, unreadable: bool = False) -> User | Problem | None:
    """One users.txt line on its own: a user (its phone may still repeat an earlier
    line's), the problem of a bad line, or ``None`` for a comment or blank line."""
    text = strip_comment(line)
    if not text:  # a comment stays a comment even with unreadable bytes in it
        return None
    if unreadable:
        return Problem(source, number, "line.unreadable", {"value": quote(line)})
    user, key, params = parse_user(text)
    if user is None:
        return Problem(source, number, key, params)
    user.line_no = number
    user.raw = line
    return user


def duplicate_problem(source: str, user: User, first: int) -> Problem:
    """The problem of a line whose phone an earlier line (``first``) already has."""
    return Problem(source, user.line_no or 0, "users.duplicate", {"value": quote(user.phone), "first": first})


def load_users(lines: Iterable[str], source: str, unreadable: frozenset[int] = frozenset()) -> UsersFile:
    """Read users.txt lines. Bad or repeated lines become problems, never exceptions."""
    result = UsersFile(LinkedList())
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        line = _clean(line)
        result.lines.append(line)
        read = read_user_line(line, number, source, number in unreadable)
        if read is None:
            continue
        if isinstance(read, Problem):
            result.problems.append(read)
            continue
        first = seen.get(read.phone)
        if first is not None:
            result.problems.append(duplicate_problem(source, read, first))
            continue
        seen[read.phone] = number
        result.users.append(read)
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
    calls: LinkedList[Call] = IntrusiveList()  # each Call is its own list cell
    result = CallsFile(calls)
    with paused_gc():
        _CallReader(result, unreadable, keep_lines).read(lines, progress)
    return result


BLOCK = 128
"""Lines read and split at a time (small enough for their fields to stay in the CPU cache)."""
_HH_MM_TABLE = dict(zip(map("%02d:%02d".__mod__, product(range(24), range(60))), range(0, SECONDS_PER_DAY, 60)))
_SS_TABLE = dict(zip(map(":%02d".__mod__, range(60)), range(60)))
_HH_MM, _SS = _HH_MM_TABLE.__getitem__, _SS_TABLE.__getitem__
_HEAD, _TAIL = slice(0, 5), slice(5, None)
_slice = cast(Callable[[str, slice], str], getitem)


class _CallReader:
    """Reads call records a block of lines at a time.

    In a block, the lines with exactly six fields and no ``#`` are taken
    together: their fields are looked up, checked and turned into calls by
    ``map`` over the columns (each distinct date and clock text is parsed once,
    then looked up; dates map to the second their day starts). Any other line,
    and every line of a run where some field is not right, goes through
    :meth:`line`, which gives each record its exact reason.
    """

    def __init__(self, result: CallsFile, unreadable: frozenset[int], keep_lines: bool) -> None:
        self.result = result
        self.append = result.calls.append
        self.extend = result.calls.extend
        self.unreadable = unreadable
        self.keep_lines = keep_lines
        self.dates: dict[str, int] = {}
        self.clocks: dict[str, int] = {}
        self.callers: dict[str, str] = {}  # also shares one string per caller among its calls
        self.records = 0

    def read(self, lines: Iterable[str], progress: ProgressFn | None) -> None:
        it = iter(lines)
        keep = self.result.lines.extend if self.keep_lines else None
        number = 0
        next_report = PROGRESS_EVERY
        while True:
            block = list(map(str.rstrip, islice(it, BLOCK), repeat("\r\n")))
            if not block:
                break
            first = number + 1
            number += len(block)
            if keep is not None:
                keep(block)
            if progress is not None:
                while next_report <= number:
                    progress(next_report)
                    next_report += PROGRESS_EVERY
            if max(map(len, block)) > MAX_LINE_CHARS:
                for i, line in enumerate(block):  # a line too long to be split
                    self.line(line, None, first + i)
                continue
            joined = "".join(block)
            if self.unreadable or (not joined.isprintable() and SPLIT_CONTROL.search(joined)):
                # unreadable lines, or control characters that str.split would take as spaces:
                # line by line, with the fields as telbill separates them
                for i, line in enumerate(block):
                    self.line(line, None, first + i)
                continue
            parts = list(map(str.split, block))
            # Lines that are not six fields without a comment, one by one; runs of the others together.
            odd = compress(count(), map(or_, map(ne, map(len, parts), repeat(6)), map(contains, block, repeat("#"))))
            done = 0
            for i in odd:
                if i > done:
                    self.run(block, parts, done, i, first)
                self.line(block[i], parts[i], first + i)
                done = i + 1
            if done < len(block):
                self.run(block, parts, done, len(block), first)
        self.result.records = self.records
        if progress is not None:
            progress(number)

    def run(self, block: list[str], parts: list[list[str]], a: int, b: int, first: int) -> None:
        """Lines ``a`` to ``b`` of the block, each six fields without a comment."""
        lines = block[a:b]
        rows = parts[a:b]
        callers, callees, d1, t1, d2, t2 = zip(*rows)
        day = self.dates.__getitem__
        # A clock is its "HH:MM" part and its ":SS" part, each looked up in a small
        # table (1440 and 60 entries, which stay in the CPU cache); both found
        # means the text was exactly HH:MM:SS with a real time.
        try:
            starts = list(map(add, map(day, d1), map(add, map(_HH_MM, map(_slice, t1, repeat(_HEAD))),
                                                    map(_SS, map(_slice, t1, repeat(_TAIL))))))
            ends = list(map(add, map(day, d2), map(add, map(_HH_MM, map(_slice, t2, repeat(_HEAD))),
                                                  map(_SS, map(_slice, t2, repeat(_TAIL))))))
        except KeyError:  # a date not seen before, or something wrong
            if not self.learn(d1, t1, d2, t2):
                return self.sort_out(block, parts, a, b, first)
            return self.run(block, parts, a, b, first)
        known = self.callers
        shared = list(map(known.get, callers))
        if None in shared:  # callers not seen before
            for caller in set(callers).difference(known):
                if not is_phone(caller):
                    return self.sort_out(block, parts, a, b, first)
                known[caller] = caller
            shared = list(map(known.get, callers))
        digits = "".join(callees)
        if not (digits.isascii() and digits.isdigit()
                and min(map(len, callees)) >= PHONE_MIN and max(map(len, callees)) <= PHONE_MAX):
            return self.sort_out(block, parts, a, b, first)
        raws: Iterable[str | None] = lines
        if not self.keep_lines:
            # None where Call.text() gives the line back: most lines, so most line strings can go.
            differs = [line != f"{c}  {e}  {s} {t}  {u} {v}" for line, (c, e, s, t, u, v) in zip(lines, rows)]
            raws = [line if d else None for line, d in zip(lines, differs)] if any(differs) else repeat(None)
        self.records += b - a
        self.extend(map(Call, shared, callees, starts, ends, range(first + a, first + b), raws))

    def learn(self, d1: Iterable[str], t1: Iterable[str], d2: Iterable[str], t2: Iterable[str]) -> bool:
        """Add new date texts to the lookup table; False if a date or a clock is impossible."""
        for text in set(d1).union(d2).difference(self.dates):
            parsed = parse_date(text)
            if parsed is None:
                return False
            self.dates[text] = parsed * SECONDS_PER_DAY
        return all(text[:5] in _HH_MM_TABLE and text[5:] in _SS_TABLE for text in set(t1).union(t2))

    def sort_out(self, block: list[str], parts: list[list[str]], a: int, b: int, first: int) -> None:
        """A run with a field not right: learn its good new dates and callers, then
        take the lines that are right together and the others one by one."""
        dates, callers = self.dates, self.callers
        caller_col, callees, d1, t1, d2, t2 = zip(*parts[a:b])
        for text in set(d1).union(d2).difference(dates):
            parsed = parse_date(text)
            if parsed is not None:
                dates[text] = parsed * SECONDS_PER_DAY
        for caller in set(caller_col).difference(callers):
            if is_phone(caller):
                callers[caller] = caller
        good = map(all, zip(map(dates.__contains__, d1), map(dates.__contains__, d2),
                            map(_HH_MM_TABLE.__contains__, map(_slice, t1, repeat(_HEAD))),
                            map(_SS_TABLE.__contains__, map(_slice, t1, repeat(_TAIL))),
                            map(_HH_MM_TABLE.__contains__, map(_slice, t2, repeat(_HEAD))),
                            map(_SS_TABLE.__contains__, map(_slice, t2, repeat(_TAIL))),
                            map(callers.__contains__, caller_col), map(is_phone, callees)))
        done = a
        for i in compress(range(a, b), map(not_, good)):
            if i > done:
                self.run(block, parts, done, i, first)
            self.line(block[i], parts[i], first + i)
            done = i + 1
        if done < b:
            self.run(block, parts, done, b, first)

    def line(self, line: str, parts: list[str] | None, number: int) -> None:
        """One line (``parts`` being ``line.split()``, or ``None`` for the fields as
        telbill separates them): a call, a malformed record, or nothing."""
        if len(line) > MAX_LINE_CHARS:
            long = long_line(line)
            if long is not None:
                self.records += 1
                self.result.malformed.append(BadCall(number, line, *long))
            return
        if parts is None:
            parts = split_fields(line)
        if "#" in line:
            text = strip_comment(line)
            if not text:
                return
            parts = split_fields(text)
        elif not parts:
            return
        self.records += 1
        if self.unreadable and number in self.unreadable:
            self.result.malformed.append(BadCall(number, line, "line.unreadable", {"value": quote(line)}))
            return
        if len(parts) == 6:  # known dates and clocks: two lookups per moment
            caller, callee, d1, t1, d2, t2 = parts
            dates, clocks = self.dates, self.clocks
            if d1 in dates and t1 in clocks and d2 in dates and t2 in clocks:
                shared = self.callers.get(caller)
                if shared is None and is_phone(caller):
                    shared = self.callers[caller] = caller
                if shared is not None and is_phone(callee):
                    self.append(Call(shared, callee, dates[d1] + clocks[t1], dates[d2] + clocks[t2], number, line))
                    return
        call, key, params = parse_call_fields(parts)
        if call is None:
            self.result.malformed.append(BadCall(number, line, key, params))
            return
        self.dates[parts[2]] = call.start - call.start % SECONDS_PER_DAY
        self.dates[parts[4]] = call.end - call.end % SECONDS_PER_DAY
        self.clocks[parts[3]] = call.start % SECONDS_PER_DAY
        self.clocks[parts[5]] = call.end % SECONDS_PER_DAY
        call.caller = self.callers.setdefault(call.caller, call.caller)
        call.line_no = number
        call.raw = line
        self.append(call)


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
