"""Reading users and call records from lines of text (no paths, no printing).

Call-record lines are read by :class:`telbill.files.callreader.CallReader` (the reader the
batch uses too); this module makes the menu's records of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from telbill.errors import Problem
from telbill.files.callreader import MAX_LINE_CHARS as MAX_LINE_CHARS  # noqa: PLC0414 - a re-export (mypy --strict)
from telbill.files.callreader import CallReader, Records
from telbill.files.helper import SharedReading, helper_wanted
from telbill.lists.linked import LinkedList
from telbill.rules.fields import strip_comment
from telbill.rules.records import Call, User, parse_user
from telbill.rules.screening import SetAside, StartOrder
from telbill.speed import paused_gc
from telbill.text.display import quote

ProgressFn = Callable[[int], None]
PROGRESS_EVERY = 50_000


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


def read_user_line(line: str, number: int, source: str, unreadable: bool = False) -> User | Problem | None:
    """One users.txt line on its own: a user (its phone may still repeat an earlier
    line's), the problem of a bad line, or ``None`` for a comment or blank line."""
    text = strip_comment(line)
    if not text:  # a comment stays a comment even with unreadable bytes in it
        return None
    if unreadable:
        return Problem(number, line, "line.unreadable", {"value": quote(line)}, source)
    user, key, params = parse_user(text)
    if user is None:
        return Problem(number, line, key, params, source)
    user.line_no = number
    user.raw = line
    return user


def duplicate_problem(source: str, user: User, first: int) -> Problem:
    """The problem of a line whose phone an earlier line (``first``) already has."""
    text = user.text()
    return Problem(user.line_no, text, "users.duplicate",
                   {"value": quote(user.phone), "first": first, "text": quote(text.strip())}, source)


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
    return result


# -- calls -----------------------------------------------------------------------


@dataclass(slots=True)
class CallsFile:
    """What calls.txt held."""

    calls: LinkedList[Call]
    """The readable call records, in file order."""
    malformed: list[SetAside] = field(default_factory=list)
    """Record lines that could not be read (set aside), in file order."""
    lines: list[str] = field(default_factory=list)
    """Every line as read."""
    records: int = 0
    """How many lines were records (readable or not): the conservation total."""
    by_caller: dict[str, list[Call]] = field(default_factory=dict)
    """Each caller's records, in file order (the index an edit uses to look at one caller)."""
    set_aside_alone: list[Call] = field(default_factory=list)
    """The records, as read, that end before they start or last longer than
    :data:`~telbill.rules.screening.MAX_SECONDS` (rules 2 and 4: set aside whoever the caller
    is), in file order."""
    unordered: set[str] = field(default_factory=set)
    """The callers whose other records, as read, fail rule 5's start-order test
    (:class:`~telbill.rules.screening.StartOrder`): only their records can overlap."""


def load_calls(
    lines: Iterable[str],
    source: str,
    unreadable: Collection[int] = frozenset(),
    progress: ProgressFn | None = None,
    shared: bool = False,
) -> CallsFile:
    """Read calls.txt lines; every record line becomes a Call, or a malformed record set aside.

    Each record keeps its line (:attr:`Call.raw`). As they are read, the records
    are grouped by caller and the rules that look at one record, and the start
    order of each caller's records, are checked (:attr:`CallsFile.set_aside_alone`,
    :attr:`CallsFile.unordered`), so that screening them needs a closer look only
    at those (:func:`telbill.rules.screening.screen_as_read`).

    ``shared=True`` (the menu): a large list of lines without their line ends (as
    :func:`telbill.files.decoding.decode` gives them) is read with a helper process
    (:mod:`telbill.files.helper`); the result is the same, and :attr:`CallsFile.lines` is
    that list itself.
    """
    result = CallsFile(Records())
    builder = _CallBuilder(result)
    reader = CallReader(builder.add, keep_texts=True, unreadable=unreadable)
    with paused_gc():
        if shared and isinstance(lines, list) and helper_wanted(len(lines)):
            _read_shared(reader, builder, result, lines, progress)
        else:
            reader.read(lines, progress, PROGRESS_EVERY, result.lines.extend)
    builder.groups.default_factory = None  # a plain mapping from now on
    result.records, result.malformed = reader.records, reader.malformed
    return result


def _read_shared(reader: CallReader, builder: _CallBuilder, result: CallsFile, lines: list[str],
                 progress: ProgressFn | None) -> None:
    """Read the lines in chunks, here or by a helper (:class:`~telbill.files.helper.SharedReading`),
    and make the records of each chunk in file order."""
    try:
        shared = SharedReading(lines, reader)
    except OSError:  # no process to be had now: alone, then
        reader.read(lines, progress, PROGRESS_EVERY, result.lines.extend)
        return
    intern = reader.callers.setdefault
    with shared:
        for chunk in shared.chunks():
            if chunk.here:
                callers, texts = chunk.callers, chunk.texts
            else:
                callers = list(map(intern, chunk.callers, chunk.callers))
                texts = [lines[number - 1] for number in chunk.numbers]
            if callers:
                builder.add(callers, chunk.callees, chunk.starts, chunk.ends, chunk.numbers, texts)
            reader.records += chunk.records
            reader.malformed += chunk.malformed
            if progress is not None and chunk.numbers:
                progress(chunk.numbers[-1])
    if progress is not None:
        progress(len(lines))
    result.lines = lines


class _CallBuilder:
    """Makes the menu's records of each run the reader gives: a :class:`Call` each, linked
    in the list and added to its caller's group, and followed in its caller's start
    order (:class:`~telbill.rules.screening.StartOrder`, the subscribers not known yet)."""

    def __init__(self, result: CallsFile) -> None:
        self.calls = cast(Records[Call], result.calls)
        self.groups: defaultdict[str, list[Call]] = defaultdict(list)
        result.by_caller = self.groups
        self.set_aside_alone = result.set_aside_alone
        self.order = StartOrder()
        self.order.unordered = result.unordered

    def add(self, callers: list[str], callees: Sequence[str], starts: list[int], ends: list[int],
            numbers: Sequence[int], lines: Sequence[str]) -> None:
        records = list(map(Call, callers, callees, starts, ends, numbers, lines))
        self.calls.link(records)
        groups = self.groups
        for caller, record in zip(callers, records):
            groups[caller].append(record)
        aside, _ = self.order.follow(callers, starts, ends)  # the held ones are screen_as_read's
        if aside:
            self.set_aside_alone += [records[i] for i, _ in aside]
