"""The data files as the menu holds them, kept equal to the files line by line.

After a change is saved, :class:`HeldUsers` and :class:`HeldCalls` apply the same
line edit to what they hold: the lines, the records (parsed from the new lines
exactly as a load parses them), the line numbers that moved, the indexes (phone →
subscriber, caller → their call records) and, for the calls, the screening:
only the callers whose records changed, or whose phone stopped or started being
a subscriber's, are screened again. So what is held always equals what a fresh
load of the files would give, at the cost of what changed.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Collection, Container, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telbill.errors import Problem
from telbill.files.decoding import decode
from telbill.files.loader import (
    CallsFile,
    UsersFile,
    duplicate_problem,
    load_calls,
    load_users,
    read_user_line,
)
from telbill.lists.linked import IntrusiveList, LinkedList
from telbill.lists.ordering import Ordered, place_in_file_order
from telbill.rules.billing import MonthSums
from telbill.rules.records import Call, User
from telbill.rules.screening import (
    AnomalyCode,
    Screening,
    SetAside,
    screen_as_read,
    screen_by_caller,
    screen_caller,
)
from telbill.rules.tariff import Tariff
from telbill.session._indexes import CallExtents, CallsByDay, SumsByMonth
from telbill.store.disk import FileState, read_file, state_of
from telbill.store.lines import (
    LineEdit,
    apply_in_place,
    new_numbers,
    renumbering,
    renumbering_table,
)


def unreadable(text: str) -> bool:
    """Whether a held line was unreadable (its undecodable bytes are kept as surrogates)."""
    return not text.isascii() and any("\udc80" <= ch <= "\udcff" for ch in text)


def _new_texts(edit: LineEdit) -> list[tuple[int, str]]:
    """(new line number, text) of every line the edit writes, in file order."""
    replaced, inserted = new_numbers(edit)
    found = [(new, edit.replace[old]) for old, new in replaced.items()]
    found += [(q, text) for q, (_, text) in zip(inserted, edit.insert)]
    return sorted(found)


def _index_of(items: list[Any], item: Any) -> int:
    for i, x in enumerate(items):
        if x is item:
            return i
    raise ValueError("not held")


# -- users --------------------------------------------------------------------------------


class HeldUsers:
    """users.txt as held: lines, subscribers in order, problems, phone → subscriber."""

    def __init__(self, source: str, loaded: UsersFile) -> None:
        self.source = source
        self.file = loaded
        self.entries: dict[int, User | Problem] = {u.line_no: u for u in loaded.users if u.line_no is not None}
        for problem in loaded.problems:
            number = problem.line_no or 0
            if problem.key == "users.duplicate":
                read = read_user_line(loaded.lines[number - 1], number, source)
                if isinstance(read, User):
                    self.entries[number] = read
                    continue
            self.entries[number] = problem
        self.by_phone = {u.phone: u for u in loaded.users}
        self.added: list[User] | None = None
        """The subscribers the last change appended to the list (``None``: it made the list again)."""

    @property
    def lines(self) -> list[str]:
        return self.file.lines

    def repeats_of(self, phone: str) -> list[tuple[int, str]]:
        """The other lines with the subscriber's phone (bad lines now; one of them would
        become the subscriber if the subscriber's line went): (line number, text)."""
        first = self.by_phone.get(phone)
        return [(n, self.lines[n - 1]) for n, e in sorted(self.entries.items())
                if isinstance(e, User) and e.phone == phone and e is not first]

    def apply(self, edit: LineEdit) -> set[str]:
        """Apply a saved edit; return the phones that started or stopped being a subscriber's.
        :attr:`added` says whether the subscribers' list was kept (the new ones appended to it)
        or made again in file order (``None``)."""
        lines = self.lines
        if edit.is_append(len(lines)):
            self.added = self._append(edit)
            if self.added is not None:
                return {user.phone for user in self.added}
        self.added = None
        before = set(self.by_phone)
        for number in set(edit.replace) | edit.delete:
            self.entries.pop(number, None)
        if edit.shifts(len(lines)):
            moved = renumbering(edit)
            entries: dict[int, User | Problem] = {}
            for number, entry in self.entries.items():
                new = moved(number)
                if isinstance(entry, User):
                    entry.line_no = new
                else:
                    entry.line_no = new
                entries[new] = entry
            self.entries = entries
        apply_in_place(lines, edit)
        for number, text in _new_texts(edit):
            read = read_user_line(text, number, self.source, unreadable(text))
            if read is not None:
                self.entries[number] = read
        self._rebuild()
        return before ^ set(self.by_phone)

    def _append(self, edit: LineEdit) -> list[User] | None:
        """Added lines that are all new subscribers (no rebuild needed); ``None`` for any other."""
        added: list[User] = []
        phones = set()
        for i, (_, text) in enumerate(edit.insert):
            read = read_user_line(text, len(self.lines) + 1 + i, self.source, unreadable(text))
            if not isinstance(read, User) or read.phone in self.by_phone or read.phone in phones:
                return None
            added.append(read)
            phones.add(read.phone)
        for user, (_, text) in zip(added, edit.insert):
            self.lines.append(text)
            assert user.line_no is not None
            self.entries[user.line_no] = user
            self.by_phone[user.phone] = user
            self.file.users.append(user)
        return added

    def _rebuild(self) -> None:
        """Subscribers, problems and indexes from the entries (the first line with a phone is its subscriber)."""
        users: LinkedList[User] = LinkedList()
        problems: list[Problem] = []
        first: dict[str, int] = {}
        by_phone: dict[str, User] = {}
        for number in sorted(self.entries):
            entry = self.entries[number]
            if isinstance(entry, Problem):
                problems.append(entry)
                continue
            seen = first.get(entry.phone)
            if seen is not None:
                problems.append(duplicate_problem(self.source, entry, seen))
                continue
            first[entry.phone] = number
            by_phone[entry.phone] = entry
            users.append(entry)
        self.file.users = users
        self.file.problems = problems
        self.by_phone = by_phone


# -- calls --------------------------------------------------------------------------------


def parse_call_line(text: str, number: int, source: str) -> Call | SetAside | None:
    """One calls.txt line read exactly as a load reads it: a call, a malformed record, or nothing."""
    read = load_calls([text], source, frozenset({1}) if unreadable(text) else frozenset())
    if read.calls:
        call = read.calls.pop_front()
        call.next = None
        call.line_no = number
        return call
    if read.malformed:
        record = read.malformed[0]
        record.line_no = number
        return record
    return None


CallKey = Callable[[Call], Any]


@dataclass(slots=True)
class _CallChange:
    """What one saved edit of calls.txt does to the records held (:meth:`HeldCalls.apply`)."""

    edit: LineEdit
    count: int
    """Lines before the edit."""
    gone: list[Call] = field(default_factory=list)
    """Calls on the lines deleted."""
    malformed_gone: list[SetAside] = field(default_factory=list)
    """Malformed records on the lines deleted or replaced."""
    texts: list[tuple[int, Call | SetAside | None, Call | None]] = field(default_factory=list)
    """Each line written: its new number, the record read from it, and the call it replaces."""
    affected: set[str] = field(default_factory=set)
    """Callers whose records change (to be screened again)."""
    renumbered: bool = False
    """The records' line numbers were moved already (one call deleted in file order)."""


class HeldCalls:
    """calls.txt as held: lines, records, caller → records, and which records are set aside."""

    def __init__(self, source: str, loaded: CallsFile, phones: Collection[str], tariff: Tariff) -> None:
        """``loaded.calls`` must be in file order (as loaded); ``tariff`` rates the month sums."""
        self.source = source
        self.file = loaded
        self.order: Ordered | None = None
        """The sort order of the records, with its index (``None``: file order)."""
        self.by_fee = False
        """Whether the order's key changes with the screening (the fee, -1 when set aside)."""
        self.by_line: Ordered | None = None
        """While sorted: the records in file order, in a Python list kept through every change
        (what each new sort reads its keys from; ``None`` in file order: the list itself is)."""
        self.set_aside: dict[int, SetAside] = {}
        """``id(record)`` → the record set aside (of the records read; the malformed are in the file's list)."""
        self.touched: set[str] = set()
        """Callers whose records or screening changed since this was last emptied (users sorted by
        a month's total move when theirs changed)."""
        self._unplaced: set[int] = set()
        """Records of this change not in the list yet (while their callers are screened)."""
        self._valid: LinkedList[Call] | None = None
        self._set_aside_records: list[SetAside] | None = None
        self._by_day: CallsByDay | None = None
        self.sums = SumsByMonth(tariff)
        self._extents: CallExtents | None = None
        """Each billed month's fees of valid records per caller (bills, statistics, month totals)."""
        if loaded.calls and not loaded.by_caller:  # not grouped as read
            self._group()
            self.set_aside = screen_by_caller(self.by_caller, phones)
        else:
            self.set_aside = screen_as_read(self.by_caller, phones, loaded.set_aside_alone, loaded.unordered)
        self.touched.update(self.by_caller)
        loaded.set_aside_alone, loaded.unordered = [], set()  # what is held changes from now on

    @property
    def lines(self) -> list[str]:
        return self.file.lines

    @property
    def calls(self) -> LinkedList[Call]:
        return self.file.calls

    @property
    def by_caller(self) -> dict[str, list[Call]]:
        """Each caller's records, in file order."""
        return self.file.by_caller

    def _group(self) -> None:
        groups: dict[str, list[Call]] = {}
        get = groups.get
        for call in self.file.calls:
            group = get(call.caller)
            if group is None:
                groups[call.caller] = [call]
            else:
                group.append(call)
        self.file.by_caller = groups

    def screen_all(self, phones: Collection[str]) -> None:
        """Screen every record again, caller by caller (their records in file order)."""
        self.set_aside = screen_by_caller(self.by_caller, phones)
        self.touched.update(self.by_caller)
        self.sums.forget()
        if self._by_day is not None:
            self._by_day.count(self._set_aside_calls())
        self._extents = None
        self._forget_views()
        if self.order is not None and self.by_fee:
            self.sort(self.order.key, self.order.reverse, by_fee=True)

    def sort(self, key: CallKey, reverse: bool, *, by_fee: bool = False) -> None:
        """Sort the records by ``key``, ties in file order (whatever order they were in), and keep
        them so through every change; ``by_fee``: the key changes when a record's screening does."""
        cells = self._cells()
        if self.by_line is None:  # the list is in file order: one walk, along memory as it was filled
            self.by_line = Ordered(None, _line, False, list(cells))
        self.order = Ordered(cells, key, reverse, cells.relink_sorted(self.by_line.index, key, reverse))
        self.by_fee = by_fee
        self._valid = None

    def _cells(self) -> IntrusiveList[Call]:
        cells = self.file.calls
        assert isinstance(cells, IntrusiveList)
        return cells

    # -- what is held -----------------------------------------------------------------

    def counts(self) -> tuple[int, int]:
        """(billed, set aside) records."""
        return len(self.file.calls) - len(self.set_aside), len(self.set_aside) + len(self.file.malformed)

    def screening(self) -> Screening:
        """Valid calls (in the current order) and every record set aside (in file order)."""
        return Screening(self.valid(), self.set_aside_records())

    def valid(self) -> LinkedList[Call]:
        """The valid calls, in the current order (made again after a change: every record is walked)."""
        if self._valid is None:
            set_aside = self.set_aside
            self._valid = LinkedList(c for c in self.file.calls if id(c) not in set_aside)
        return self._valid

    def set_aside_records(self) -> list[SetAside]:
        """Every record set aside, in file order (what is set aside is sorted, not every record)."""
        if self._set_aside_records is None:
            records = [*self.set_aside.values(), *self.file.malformed]
            records.sort(key=_line)
            self._set_aside_records = records
        return self._set_aside_records

    def month_sums(self) -> dict[str, MonthSums]:
        """Each billed month's fees of valid records per caller (made at the first call, then kept)."""
        return self.sums.months(self._valid_in_any_order)

    def month_sums_of(self, month: str) -> MonthSums:
        """The sums of ``month`` (empty when it has no valid call)."""
        return self.month_sums().get(month) or ({}, {})

    @property
    def prepared(self) -> bool:
        """Whether the month sums, the day index and the extents are made (see :meth:`prepare`)."""
        return self.sums.ready and self._by_day is not None and self._extents is not None

    def prepare(self) -> None:
        """Make now the indexes the first bill, statistics, month's calls or list of every call
        would make at their first use (each is then kept up to date through every change)."""
        self.by_day()
        self.extents()
        self.month_sums()

    def by_day(self) -> CallsByDay:
        """Each day's records, for a month's calls and some days' calls (made at the first call:
        one walk, about 0.1 s at a million records; then kept)."""
        if self._by_day is None:
            by_day = CallsByDay()
            by_day.build(self.file.calls, self._set_aside_calls())
            self._by_day = by_day  # kept only once whole
        return self._by_day

    def extents(self) -> CallExtents:
        """The widest values among all the records (made at the first call, then only widened)."""
        if self._extents is None:
            set_aside = self.set_aside
            self._extents = CallExtents.of(self.file.calls, lambda c: id(c) not in set_aside)
        return self._extents

    def _set_aside_calls(self) -> Iterator[Call]:
        return (record.call for record in self.set_aside.values() if record.call is not None)

    def _valid_in_any_order(self) -> Iterator[Call]:
        set_aside = self.set_aside
        return (c for c in self.file.calls if id(c) not in set_aside)

    def _forget_views(self) -> None:
        self._valid = self._set_aside_records = None

    def of(self, caller: str) -> list[Call]:
        """The caller's records in file order."""
        return self.by_caller.get(caller, [])

    def holds(self, call: Call) -> bool:
        return any(c is call for c in self.of(call.caller))

    # -- changes ------------------------------------------------------------------------

    def apply(self, edit: LineEdit, phones: Container[str]) -> dict[int, Call | SetAside]:
        """Apply a saved edit; return the records written by it, by their new line numbers.

        Its cost is what the edit changes: the records of the callers it touches are
        screened again and, in a sort order, put back in their places by bisection; only
        line numbers that move (a line deleted or inserted before the end) take one walk.
        Step by step: what the edit replaces and writes is read (nothing changes yet); the
        records that go or change leave the order, the indexes and the list; the lines and
        their numbers move; the records written join the indexes; last, their callers are
        screened again and the new records take their places in the list.
        """
        change = self._read_change(edit)
        self._take_out(change)
        self._move_lines(change)
        written, new = self._put_in(change)
        self._settle(change, new, phones)
        return written

    def _read_change(self, edit: LineEdit) -> _CallChange:
        """What ``edit`` takes away, what it writes, and whose records it touches."""
        change = _CallChange(edit, len(self.lines))
        reused: dict[int, Call] = {}
        for number in sorted(set(edit.replace) | edit.delete):
            record = self._record_at(number)
            if isinstance(record, Call):
                if number in edit.replace and number not in edit.delete:
                    reused[number] = record  # a call modified: in file order, the same object takes the new fields
                else:
                    change.gone.append(record)
                change.affected.add(record.caller)
            elif isinstance(record, SetAside):
                change.malformed_gone.append(record)
        replaced, _ = new_numbers(edit)
        old_of = {new: old for old, new in replaced.items()}
        for number, text in _new_texts(edit):
            read = parse_call_line(text, number, self.source)
            change.texts.append((number, read, reused.pop(old_of.get(number, -1), None)))
            if isinstance(read, Call):
                change.affected.add(read.caller)
        return change

    def _take_out(self, change: _CallChange) -> None:
        """The records that go (and, in a sort order, those that change) leave the order, the
        indexes and the list. In file order, one record deleted goes in the walk that renumbers."""
        order, gone = self.order, change.gone
        for record in change.malformed_gone:
            del self.file.malformed[_index_of(self.file.malformed, record)]
            self.file.records -= 1
        if order is not None:  # out of the order before their keys change
            leaving = [*gone, *(old for _, _, old in change.texts if old is not None)]
            order.take_out(leaving)
            assert self.by_line is not None
            self.by_line.take_out(leaving)
        for call in gone:
            self._unlist(call)
        if order is not None:
            return
        edit = change.edit
        if len(gone) == 1 and edit.delete == {gone[0].line_no} and not edit.insert:
            self._delete_one(gone[0])  # one walk takes it out and moves the lines after it
            change.renumbered = True
        else:
            self._take_out_of_list(gone)

    def _move_lines(self, change: _CallChange) -> None:
        """The held lines edited, and the records after the first line touched renumbered."""
        edit = change.edit
        if change.renumbered:
            self._renumber(edit, calls=False)
        elif edit.shifts(change.count):
            self._renumber(edit)
        apply_in_place(self.lines, edit)

    def _put_in(self, change: _CallChange) -> tuple[dict[int, Call | SetAside], list[Call]]:
        """The records written join the indexes (a call modified in file order keeps its object and
        place); return them by line number, and the new records that are not in the list yet."""
        in_file_order = self.order is None
        written: dict[int, Call | SetAside] = {}
        new: list[Call] = []
        for number, read, old in change.texts:
            if old is not None:
                self._unlist(old)
            if isinstance(read, Call):
                if old is not None and in_file_order:
                    _take_fields(old, read)  # in file order it stays where it is
                    read = old
                else:
                    new.append(read)
                insort(self.by_caller.setdefault(read.caller, []), read, key=_line)
                if self._by_day is not None:
                    self._by_day.add(read, id(read) not in self.set_aside)
                self.file.records += 1
                written[number] = read
            elif isinstance(read, SetAside):
                insort(self.file.malformed, read, key=_line)
                self.file.records += 1
                written[number] = read
            if old is not None and read is not old and in_file_order:
                self._remove_node(old)
        return written, new

    def _settle(self, change: _CallChange, new: list[Call], phones: Container[str]) -> None:
        """The callers touched screened again, then the new records linked where they belong."""
        self._unplaced = {id(c) for c in new}
        for caller in change.affected:
            self._screen(caller, caller in phones)
        self._unplaced = set()
        if self.order is None:
            place_in_file_order(self._cells(), new)
        else:
            self.order.put_back(new)
            assert self.by_line is not None
            self.by_line.put_back(new)
        self._forget_views()

    def rescreen(self, phones_changed: Iterable[str], phones: Container[str]) -> None:
        """Callers whose phone started or stopped being a subscriber's."""
        for phone in phones_changed:
            if phone in self.by_caller:
                self._screen(phone, phone in phones)
                self._forget_views()

    def _record_at(self, number: int) -> Call | SetAside | None:
        read = parse_call_line(self.lines[number - 1], number, self.source)
        if isinstance(read, Call):
            group = self.of(read.caller)
            i = bisect_left(group, number, key=_line)
            if i < len(group) and group[i].line_no == number:
                return group[i]
            return None
        if isinstance(read, SetAside):
            malformed = self.file.malformed
            i = bisect_left(malformed, number, key=_line)
            if i < len(malformed) and malformed[i].line_no == number:
                return malformed[i]
        return None

    def _unlist(self, call: Call) -> None:
        """Take ``call`` out of the indexes (not out of the list)."""
        group = self.by_caller[call.caller]
        del group[_index_of(group, call)]
        if not group:
            del self.by_caller[call.caller]
        valid = self.set_aside.pop(id(call), None) is None
        if self._by_day is not None:
            self._by_day.remove(call, valid)
        self.file.records -= 1
        self.touched.add(call.caller)

    def _take_out_of_list(self, gone: list[Call]) -> None:
        """Unlink records from the list in file order (one walk)."""
        if len(gone) == 1:
            self._remove_node(gone[0])
        elif gone:
            ids = {id(c) for c in gone}
            self.file.calls.remove_if(lambda c: id(c) in ids)

    def _remove_node(self, call: Call) -> None:
        self.file.calls.remove_node(call)  # type: ignore[arg-type]  # a Call is its own node

    def _renumber(self, edit: LineEdit, calls: bool = True) -> None:
        """Give the records after the first line the edit touches their new line numbers."""
        moved = renumbering(edit)
        low = edit.marks()[0]
        shift = _shift(edit)
        if calls and shift is not None:  # one line deleted or inserted: every line from ``low`` moves by one
            low, step = shift
            node: Any = self.file.calls.head
            while node is not None:
                number = node.line_no
                if number is not None and number >= low:
                    node.line_no = number + step
                node = node.next
            low = edit.marks()[0]
        elif calls:
            table = renumbering_table(edit, len(self.lines))
            node = self.file.calls.head
            while node is not None:
                number = node.line_no
                if number is not None and number >= low:
                    node.line_no = number + table[number]
                node = node.next
        for record in self.file.malformed:
            if _line(record) >= low:
                record.line_no = moved(_line(record))
        for record in self.set_aside.values():
            if record.call is not None:
                record.line_no = record.call.line_no
            partner = record.params.get("line") if record.code is AnomalyCode.OVERLAP else None
            if isinstance(partner, int) and partner >= low:
                record.params["line"] = moved(partner)

    def _delete_one(self, target: Call) -> None:
        """Take ``target`` out of the list and move every record after its line up by one, in one walk."""
        calls = self.file.calls
        gone = target.line_no or 0
        prev: Any = None
        node: Any = calls.head
        while node is not None:
            nxt = node.next
            if node is target:
                calls.remove_after(prev, target)  # a Call is its own node: no second walk
                node = nxt
                continue
            number = node.line_no
            if number is not None and number > gone:
                node.line_no = number - 1
            prev, node = node, nxt

    def _screen(self, caller: str, known: bool) -> None:
        """Screen one caller's records again, make their month sums again and widen the extents for
        them. Sorted by fee, those whose being set aside changes (so their key) move to their new places."""
        group = self.by_caller.get(caller, [])
        found = {id(a.call): a for a in screen_caller(group, known)}
        set_aside = self.set_aside
        order = self.order if self.by_fee else None
        rescreened = [c for c in group if (id(c) in set_aside) != (id(c) in found)]
        moving = [] if order is None else [c for c in rescreened if id(c) not in self._unplaced]
        if moving:
            assert order is not None
            order.take_out(moving)
        for call in group:
            set_aside.pop(id(call), None)
        set_aside.update(found)
        if moving:
            assert order is not None
            order.put_back(moving)
        if self._by_day is not None:
            for call in rescreened:
                self._by_day.screened(call, id(call) not in set_aside)
        self.sums.update(caller, [c for c in group if id(c) not in set_aside])
        if self._extents is not None:
            for call in group:
                self._extents.widen(call, id(call) not in set_aside)
        self.touched.add(caller)


def _shift(edit: LineEdit) -> tuple[int, int] | None:
    """(first line that moves, by how much) when the edit deletes or inserts just one line."""
    if len(edit.delete) == 1 and not edit.insert:
        (gone,) = edit.delete
        return gone + 1, -1
    if len(edit.insert) == 1 and not edit.delete:
        return edit.insert[0][0], 1
    return None


def _line(record: Call | SetAside) -> int:
    return record.line_no or 0


def _take_fields(old: Call, new: Call) -> None:
    old.caller, old.callee, old.start, old.end = new.caller, new.callee, new.start, new.end
    old.line_no, old.raw = new.line_no, new.raw


# -- reading ------------------------------------------------------------------------------


def read_users(path: Path) -> tuple[HeldUsers, FileState]:
    """users.txt from disk, held, with its fingerprint."""
    lines, unreadable, state = _read(path)
    return HeldUsers(str(path), load_users(lines, str(path), unreadable)), state


def read_calls(path: Path, phones: Collection[str], tariff: Tariff,
               progress: Callable[[int, int], None] | None = None) -> tuple[HeldCalls, FileState]:
    """calls.txt from disk, held and screened against the subscribers' ``phones``, with its fingerprint
    (``tariff`` rates the month sums).

    A large file is read with a helper process (:mod:`telbill.files.helper`).

    ``progress`` hears (lines read, lines in the file) while the records are read.
    """
    lines, unreadable, state = _read(path)
    total = len(lines)

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)

    loaded = load_calls(lines, str(path), unreadable, report if progress is not None else None, shared=True)
    del lines
    return HeldCalls(str(path), loaded, phones, tariff), state


def _read(path: Path) -> tuple[list[str], frozenset[int], FileState]:
    data, stat = read_file(path)
    decoded = decode(data)
    state = state_of(path, data, stat, decoded.format)
    return decoded.lines, decoded.unreadable, state
