"""The data the menu works on: add, modify, delete, undo, sort, search, bill, restore.

A :class:`Session` holds users and call records in our linked lists, as loaded
from the data files. Every change is saved at once, as one transaction with its
audit lines (:class:`telbill.store.Keeper`), and then applied to what is held
(:mod:`telbill.session.held`): nothing is read again, and only the callers the change
touches are screened again, so an edit costs what it changes. A file that
changed on disk since it was loaded is never overwritten: it is read again and
the change refused.

Nothing here prints or prompts; problems are raised as :mod:`telbill.errors`.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from operator import attrgetter
from pathlib import Path
from typing import Any, Union

from telbill.constants import DEFAULT_AUDIT_LOG
from telbill.errors import (
    AfterSaveError,
    ConflictError,
    InputFileError,
    NotFoundError,
    Notice,
    Problem,
    ValidationError,
)
from telbill.files import access
from telbill.files.dataset import DataPaths, Dataset, LoadProgress, load_tariff
from telbill.files.decoding import encode
from telbill.files.outputs import check_replaceable
from telbill.files.report import RunInfo, format_anomalies, format_bills
from telbill.lists.linked import LinkedList
from telbill.lists.ordering import move_in_order
from telbill.rules.billing import Bills, Statement, Usage, compute_bills, statement
from telbill.rules.fields import (
    SECONDS_PER_DAY,
    TRAILING_COMMENT,
    validate_name,
    validate_phone,
)
from telbill.rules.rating import PREFIX, Rating
from telbill.rules.records import Call, User
from telbill.rules.screening import Screening, SetAside, screen_calls
from telbill.rules.tariff import Tariff
from telbill.session.finding import Found, NameIndex
from telbill.session.held import read_calls, read_users
from telbill.store import history
from telbill.store.audit import AuditEntry
from telbill.store.disk import FileState, file_digest
from telbill.store.history import Backup
from telbill.store.keeper import (
    Changed,
    Keeper,
    Saved,
    SavePlan,
    undo_plan,
    writable_problem,
)
from telbill.store.lines import LineEdit
from telbill.text.display import quote
from telbill.text.i18n import Tr

Record = Union[User, Call]

USERS, CALLS = "users", "calls"


# -- what is typed --------------------------------------------------------------------


def validate_out_path(text: str) -> Path:
    """A file name to write to (not empty, not a folder)."""
    value = text.strip()
    if not value:
        raise ValidationError("menu.error.path_empty")
    path = Path(value)
    if path.is_dir():
        raise ValidationError("output.directory", path=value)
    return path


class AnomalyError(ValidationError):
    """A new or changed call record would be set aside at billing (not confirmed)."""

    def __init__(self, anomaly: SetAside) -> None:
        super().__init__("menu.error.anomaly", code=anomaly.code.value)
        self.anomaly = anomaly

    def render(self, tr: Tr) -> str:
        reason = self.anomaly.reason(tr)
        return tr(self.key, code=tr(f"code.{self.anomaly.code.value}"), reason=reason)

    def __str__(self) -> str:
        from telbill.text.i18n import Translator

        return self.render(Translator("en"))


class RepeatAction(str, Enum):
    """What to do with the lines that repeat a subscriber's phone when the subscriber's line goes."""

    DELETE = "delete"
    """Delete them too."""
    COMMENT = "comment"
    """Turn them into comments (``# `` in front), kept in the file."""


class RepeatedPhoneError(ValidationError):
    """Other lines repeat the phone of the user being deleted (or renumbered): without the
    user's line, the first of them would become that subscriber. Say what to do with them."""

    def __init__(self, phone: str, path: Path, lines: list[tuple[int, str]]) -> None:
        super().__init__("menu.error.repeated_phone", phone=phone, path=str(path), count=len(lines),
                         lines=", ".join(str(n) for n, _ in lines))
        self.phone = phone
        self.lines = lines
        """(line number, text) of each repeated line."""


# -- records as text ------------------------------------------------------------------


def record_text(record: Record) -> str:
    """A record as a data-file line in the standard layout (not as it was typed)."""
    return replace(record, raw=None).text()


def login_name() -> str:
    """The operator's login name, for the audit log."""
    try:
        name = getpass.getuser()
        if name:
            return name
    except Exception:  # no such user in the password database, no variables
        pass
    for var in ("USER", "LOGNAME"):
        value = os.environ.get(var)
        if value:
            return value
    return "unknown"


def _trailing_comment(line: str) -> str:
    """``# ...`` at the end of a record line, or ``''``."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return ""
    m = TRAILING_COMMENT.search(stripped)
    return stripped[m.start():].strip() if m is not None else ""


def _with_comment(text: str, old_line: str) -> str:
    comment = _trailing_comment(old_line)
    return f"{text}  {comment}" if comment else text


# -- results ----------------------------------------------------------------------------


class UserSort(str, Enum):
    """What users can be sorted by."""

    PHONE = "phone"
    NAME = "name"
    MONTH_TOTAL = "total"


class CallSort(str, Enum):
    """What call records can be sorted by."""

    START = "start"
    CALLER = "caller"
    DURATION = "duration"
    FEE = "fee"


@dataclass(frozen=True, slots=True)
class _UserOrder:
    """How the users are sorted: by what, its key (made when asked: a month total's follows the
    changes), and the direction."""

    by: UserSort
    key: Callable[[], Callable[[User], Any]]
    reverse: bool


@dataclass(frozen=True, slots=True)
class Change:
    """One saved change, as written to the audit log."""

    action: str
    """add-user, modify-user, delete-user, add-call, modify-call, delete-call,
    delete-line, comment-line, backup, restore, undo."""
    before: str | None
    """The record before (``None`` for an add)."""
    after: str | None
    """The record after (``None`` for a delete)."""
    path: Path
    """The data file that was changed."""
    backup: Path | None = None
    """A full copy of the file as it was, when one was kept (a restore, a race; a backup)."""
    record: Record | None = None
    """The record as now held in memory (added or modified)."""
    undo: Path | None = None
    """The undo record of the change (item 13 can undo it)."""
    raced: bool = False
    """Another program wrote to the file while it was saved: its write is kept (in
    ``backup``, or in the file, which was then read again)."""


# -- the session ----------------------------------------------------------------------


class Session:
    """Users and calls in memory, kept equal to the data files on every change."""

    def __init__(
        self,
        paths: DataPaths,
        *,
        backup_dir: Path | None = None,
        audit_log: Path = DEFAULT_AUDIT_LOG,
        operator: str | None = None,
        clock: Callable[[], datetime] = datetime.now,
        progress: LoadProgress | None = None,
    ) -> None:
        """Load the files named by ``paths`` (missing files raise InputFileError).

        ``backup_dir`` defaults to a ``backup`` folder beside each data file;
        ``progress`` hears how far the reading of calls.txt is. A save cut short
        by a crash is finished or taken back first (:attr:`notices` says which).
        """
        if paths.users == paths.calls:
            raise InputFileError("input.same", path=str(paths.users))
        self.paths = paths
        self.audit_log = audit_log
        self.operator = operator or login_name()
        self.clock = clock
        self._backup_dir = backup_dir
        self._names = NameIndex()
        """Each name's pinyin and sort key, worked out once (finding, sorting by name)."""
        self._user_sort: Callable[[], None] | None = None
        self._user_order: _UserOrder | None = None
        self._call_sort: Callable[[], None] | None = None
        self._sums: tuple[str, dict[str, int]] | None = None
        """A month, and each caller's fees of valid calls in it (users sorted by month total)."""
        self._written: dict[int, Any] = {}
        self._rating: Rating | None = None
        self.keeper = Keeper({USERS: paths.users, CALLS: paths.calls},
                             {USERS: self.backup_dir(USERS), CALLS: self.backup_dir(CALLS)},
                             audit_log, self.operator, clock)
        self.notices: list[Notice] = self.keeper.start()
        """What the operator should be told: saves cut short and finished or taken back, races."""
        tariff, tariff_source = load_tariff(paths.tariff_path())
        self._states: dict[str, FileState] = {}
        self.held_users, self._states[USERS] = read_users(paths.users)
        self.held_calls, self._states[CALLS] = read_calls(paths.calls, self.held_users.by_phone, progress)
        self.dataset = Dataset(paths, self.held_users.file, self.held_calls.file, tariff, tariff_source)
        self._sync_dataset()

    # -- what is loaded -----------------------------------------------------------

    @property
    def users(self) -> LinkedList[User]:
        """The subscribers, in file order or as last sorted."""
        return self.held_users.file.users

    @property
    def calls(self) -> LinkedList[Call]:
        """The readable call records, in file order or as last sorted."""
        return self.held_calls.file.calls

    @property
    def problems(self) -> list[Problem]:
        """Lines of users.txt that could not be used (kept as they are)."""
        return self.held_users.file.problems

    @property
    def records(self) -> int:
        """Record lines in calls.txt, readable or not."""
        return self.held_calls.file.records

    @property
    def tariff(self) -> Tariff:
        """The prices calls are rated with."""
        return self.dataset.tariff

    @property
    def rating(self) -> Rating:
        """The tariff's fees, each worked out once."""
        if self._rating is None or self._rating.tariff is not self.tariff:
            self._rating = Rating(self.tariff)
        return self._rating

    def path(self, kind: str) -> Path:
        """The file of ``users`` or ``calls``."""
        return self.paths.users if kind == USERS else self.paths.calls

    def backup_dir(self, kind: str) -> Path:
        """Where backups of that file go."""
        if self._backup_dir is not None:
            return self._backup_dir
        return self.path(kind).parent / "backup"

    def user(self, phone: str) -> User | None:
        """The user with this phone, or ``None``."""
        return self.held_users.by_phone.get(phone)

    def require_user(self, phone: str) -> User:
        """The user with this phone; NotFoundError if there is none."""
        user = self.held_users.by_phone.get(phone)
        if user is None:
            raise NotFoundError("menu.error.no_user", phone=phone)
        return user

    def unwritable(self) -> list[Path]:
        """The data files whose changes could not be saved now (see :meth:`check_writable`)."""
        return [self.path(kind) for kind in (USERS, CALLS) if writable_problem(self.path(kind)) is not None]

    def check_writable(self, *kinds: str) -> None:
        """OutputError now, before the operator types anything, when a change to the
        ``users`` / ``calls`` file could not be saved (read-only file, no permission,
        a folder that cannot be written)."""
        self.keeper.check_writable(kinds or (USERS, CALLS))

    def validate_new_phone(self, text: str) -> str:
        """A phone for a new user: digits, and not taken."""
        phone = validate_phone(text)
        other = self.held_users.by_phone.get(phone)
        if other is not None:
            raise ValidationError("menu.error.phone_taken", phone=phone, name=other.name)
        return phone

    def validate_out_path(self, text: str) -> Path:
        """A file to write a report to: a file name, and none of the files read (data, tariff, audit log)."""
        path = validate_out_path(text)
        self._refuse_input(path)
        return path

    def calls_of(self, phone: str) -> LinkedList[Call]:
        """The call records whose caller is ``phone``, in the current order."""
        group: list[Call] = list(self.held_calls.of(phone))
        order = self.held_calls.order
        if order is not None:
            group.sort(key=order.key, reverse=order.reverse)
        return LinkedList(group)

    def screening(self) -> Screening:
        """Valid calls (in the current order) and anomalies (in file order), against the current users."""
        return self.held_calls.screening()

    def anomaly_of(self, call: Call) -> SetAside | None:
        """``call`` (held here) set aside, with its anomaly; ``None`` if it is billed."""
        return self.held_calls.set_aside.get(id(call))

    def fee(self, call: Call) -> int | None:
        """The fee of ``call`` in fen; ``None`` when it is set aside."""
        if id(call) in self.held_calls.set_aside:
            return None
        return self.rating.fee(call.callee, call.duration)

    def anomaly_for(self, call: Call, replacing: Call | None = None) -> SetAside | None:
        """Why a new or changed ``call`` would be set aside at billing, or ``None``."""
        probe = replace(call, line_no=replacing.line_no if replacing is not None else None)
        group = [c for c in self.held_calls.of(call.caller) if c is not replacing]
        group.append(probe)
        group.sort(key=lambda c: c.line_no if c.line_no is not None else len(self.held_calls.lines) + 1)
        result = screen_calls(LinkedList(group), [call.caller] if call.caller in self.held_users.by_phone else [])
        found = next((a for a in result.set_aside if a.call is probe), None)
        if found is not None:
            found.call = call
        return found

    def counts(self) -> tuple[int, int]:
        """(billed, set aside) record counts."""
        return self.held_calls.counts()

    # -- changes ----------------------------------------------------------------------

    def add_user(self, phone: str, name: str, rent: int, feature: int) -> Change:
        """Add a subscriber at the end of users.txt (one line appended)."""
        phone = self.validate_new_phone(phone)
        user = User(phone, validate_name(name), self._fen(rent), self._fen(feature))
        text = record_text(user)
        saved = self._save({USERS: LineEdit.append(len(self.held_users.lines), text)},
                           [AuditEntry("add-user", None, text)])
        return self._change("add-user", None, text, saved[USERS], self.user(phone))

    def modify_user(
        self,
        phone: str,
        *,
        new_phone: str | None = None,
        name: str | None = None,
        rent: int | None = None,
        feature: int | None = None,
        repeats: RepeatAction | None = None,
    ) -> Change | None:
        """Change a subscriber's fields; ``None`` when nothing differs.

        The phone of a user who has call records cannot change (the records
        would no longer be theirs). When other lines repeat the old phone,
        RepeatedPhoneError asks what to do with them (``repeats``).
        """
        old = self.require_user(phone)
        new = replace(old, raw=None)
        if new_phone is not None and new_phone != old.phone:
            new.phone = self.validate_new_phone(new_phone)
            count = len(self.held_calls.of(old.phone))
            if count:
                raise ValidationError("menu.error.phone_has_calls", phone=old.phone, count=count)
        if name is not None:
            new.name = validate_name(name)
        if rent is not None:
            new.rent = self._fen(rent)
        if feature is not None:
            new.feature = self._fen(feature)
        if record_text(new) == record_text(old):
            return None
        assert old.line_no is not None
        replaced = {old.line_no: _with_comment(record_text(new), self.held_users.lines[old.line_no - 1])}
        entries = [AuditEntry("modify-user", record_text(old), record_text(new))]
        deleted: set[int] = set()
        if new.phone != old.phone:
            self._repeats(old.phone, repeats, replaced, deleted, entries)
        saved = self._save({USERS: LineEdit(replaced, frozenset(deleted))}, entries)
        return self._change("modify-user", entries[0].before, entries[0].after, saved[USERS], self.user(new.phone))

    def delete_user(self, phone: str, *, with_calls: bool = False,
                    repeats: RepeatAction | None = None) -> list[Change]:
        """Delete a subscriber; with ``with_calls`` their call records too (one change each).

        Without it the records stay in calls.txt and are set aside as unknown caller.
        Both files change together: either both or neither. When other lines
        repeat the phone, RepeatedPhoneError asks what to do with them (``repeats``).
        """
        user = self.require_user(phone)
        assert user.line_no is not None
        replaced: dict[int, str] = {}
        deleted = {user.line_no}
        repeat_entries: list[AuditEntry] = []
        self._repeats(phone, repeats, replaced, deleted, repeat_entries)
        edits = {USERS: LineEdit(replaced, frozenset(deleted))}
        entries: list[AuditEntry] = []
        if with_calls:
            theirs = self.held_calls.of(phone)
            if theirs:
                edits[CALLS] = LineEdit(delete=frozenset(c.line_no for c in theirs if c.line_no is not None))
                entries += [AuditEntry("delete-call", record_text(c), None) for c in theirs]
        entries.append(AuditEntry("delete-user", record_text(user), None))
        entries += repeat_entries
        saved = self._save(edits, entries)
        return [self._change(e.action, e.before, e.after, saved[CALLS if e.action == "delete-call" else USERS])
                for e in entries]

    def _repeats(self, phone: str, how: RepeatAction | None, replaced: dict[int, str], deleted: set[int],
                 entries: list[AuditEntry]) -> None:
        """Add to an edit what happens to the lines repeating ``phone`` (its subscriber's line goes)."""
        lines = self.held_users.repeats_of(phone)
        if not lines:
            return
        if how is None:
            raise RepeatedPhoneError(phone, self.paths.users, lines)
        for number, text in lines:
            if how is RepeatAction.DELETE:
                deleted.add(number)
                entries.append(AuditEntry("delete-line", text, None))
            else:
                replaced[number] = "# " + text
                entries.append(AuditEntry("comment-line", text, "# " + text))

    def add_call(self, caller: str, callee: str, start: int, end: int, *, accept_anomaly: bool = False) -> Change:
        """Add a call record at the end of calls.txt (one line appended).

        A record that would be set aside at billing is refused with
        ValidationError unless ``accept_anomaly`` (the operator confirmed).
        """
        call = Call(validate_phone(caller, "calls.caller"), validate_phone(callee, "calls.callee"), start, end)
        self._refuse_anomaly(call, None, accept_anomaly)
        text = record_text(call)
        count = len(self.held_calls.lines)
        saved = self._save({CALLS: LineEdit.append(count, text)}, [AuditEntry("add-call", None, text)])
        return self._change("add-call", None, text, saved[CALLS], self._written.get(count + 1))

    def modify_call(
        self,
        call: Call,
        *,
        caller: str | None = None,
        callee: str | None = None,
        start: int | None = None,
        end: int | None = None,
        accept_anomaly: bool = False,
    ) -> Change | None:
        """Change a call record held here; ``None`` when nothing differs."""
        self._require_call(call)
        new = replace(call, raw=None)
        if caller is not None:
            new.caller = validate_phone(caller, "calls.caller")
        if callee is not None:
            new.callee = validate_phone(callee, "calls.callee")
        if start is not None:
            new.start = start
        if end is not None:
            new.end = end
        if record_text(new) == record_text(call):
            return None
        self._refuse_anomaly(new, call, accept_anomaly)
        assert call.line_no is not None
        number = call.line_no
        before, after = record_text(call), record_text(new)
        edit = LineEdit({number: _with_comment(after, self.held_calls.lines[number - 1])})
        saved = self._save({CALLS: edit}, [AuditEntry("modify-call", before, after)])
        return self._change("modify-call", before, after, saved[CALLS], self._written.get(number))

    def delete_call(self, call: Call) -> Change:
        """Delete a call record held here."""
        self._require_call(call)
        assert call.line_no is not None
        before = record_text(call)
        saved = self._save({CALLS: LineEdit(delete=frozenset({call.line_no}))},
                           [AuditEntry("delete-call", before, None)])
        return self._change("delete-call", before, None, saved[CALLS])

    def _refuse_anomaly(self, call: Call, replacing: Call | None, accept: bool) -> None:
        if accept:
            return
        anomaly = self.anomaly_for(call, replacing)
        if anomaly is not None:
            raise AnomalyError(anomaly)

    def _require_call(self, call: Call) -> None:
        if call.line_no is None or not self.held_calls.holds(call):
            raise NotFoundError("menu.error.call_gone")

    @staticmethod
    def _fen(value: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError("money.negative", value=quote(str(value)))
        return value

    # -- undo ---------------------------------------------------------------------------

    def _records(self) -> list[history.UndoRecord]:
        return history.read_records({USERS: (self.backup_dir(USERS), self.paths.users.name),
                                     CALLS: (self.backup_dir(CALLS), self.paths.calls.name)})

    def _undoable(self) -> tuple[history.UndoRecord | None, int]:
        """The newest change that can still be taken back, and how many newer ones cannot.

        A change can be taken back while every file it changed is still as the
        change left it (its fingerprint): a file changed outside telbill since
        makes that change, and every earlier one of that file, a matter for a
        full restore. Changes of the other file stay undoable.
        """
        skipped = 0
        for record in self._records():
            if all(self._states[kind].digest == part.after.sha256 for kind, part in record.files.items()):
                return record, skipped
            skipped += 1
        return None, skipped

    def last_change(self) -> tuple[list[AuditEntry], int] | None:
        """What :meth:`undo` would take back (its audit entries), and how many newer
        changes can no longer be undone; ``None`` when nothing can be undone."""
        record, skipped = self._undoable()
        return (record.entries, skipped) if record is not None else None

    def undo(self) -> list[Change]:
        """Take back the newest change that can still be taken back (both files, for a
        user deleted with calls); logged as ``undo``. NotFoundError when there is none.
        """
        record, _ = self._undoable()
        if record is None:
            raise NotFoundError("undo.nothing")
        plans = []
        for kind, part in record.files.items():
            plans.append(undo_plan(kind, self._states[kind], self._lines(kind), part, self.backup_dir(kind)))
        done = list(reversed(record.entries))
        with self._saving(plans, [e.undone() for e in done], drop=record.paths, record=False) as saved:
            edits: dict[str, LineEdit | None] = {}
            for kind, taken in record.files.items():
                edits[kind] = None if "copy" in taken.undo else history.held_edit(taken, len(self._lines(kind)))
            self._update_all(saved, edits)
        return [self._change("undo", e.after, e.before, saved[history.kind_of(e, record)]) for e in done]

    # -- saving ------------------------------------------------------------------------

    def _lines(self, kind: str) -> list[str]:
        return self.held_users.lines if kind == USERS else self.held_calls.lines

    def _save(self, edits: dict[str, LineEdit], entries: list[AuditEntry]) -> dict[str, Saved]:
        """Save the edits as one transaction, and apply them to what is held before Ctrl-C can land."""
        plans = [SavePlan(kind, self._states[kind], self._lines(kind), edit=edit) for kind, edit in edits.items()]
        with self._saving(plans, entries) as saved:
            self._update_all(saved, dict(edits))
        return saved

    def _update_all(self, saved: dict[str, Saved], edits: dict[str, LineEdit | None]) -> None:
        """:meth:`_update_held` for each file changed (users first: the calls are screened against
        them); one that fails does not keep the other from being updated."""
        failed: AfterSaveError | None = None
        for kind in (USERS, CALLS):
            if kind in edits:
                try:
                    self._update_held(kind, saved[kind], edits[kind])
                except AfterSaveError as exc:
                    failed = failed or exc
        if failed is not None:
            raise failed

    @contextlib.contextmanager
    def _saving(self, plans: list[SavePlan], entries: list[AuditEntry], *, drop: Sequence[Path] = (),
                record: bool = True) -> Iterator[dict[str, Saved]]:
        """The change saved; the ``with`` block, run while Ctrl-C is still held, updates what is held."""
        try:
            with self.keeper.saving(plans, entries, drop=drop, record=record) as outcome:
                self.notices.extend(outcome.notices)
                self._written = {}
                yield outcome.saved
        except Changed as exc:
            self._reload(exc.kind)  # a file deleted meanwhile raises its own error
            raise ConflictError("conflict.changed", path=str(self.path(exc.kind))) from None

    def _update_held(self, kind: str, saved: Saved, edit: LineEdit | None) -> None:
        """Make what is held of file ``kind`` equal to the file just saved: apply ``edit`` to it
        (``None``: read the file again), then hold its new fingerprint.

        Should that fail, the file is read again, and AfterSaveError says that the
        change was saved; if even that fails, the old fingerprint stays, so the file
        is read again before the next item.
        """
        try:
            if edit is None or (saved.raced and saved.copy is None):  # another program appended too
                self._reload(kind)
                return
            if kind == USERS:
                changed = self.held_users.apply(edit)
                self.held_calls.rescreen(changed, self.held_users.by_phone)  # a calls order follows itself
                if self.held_users.added is None and self._user_sort is not None:
                    self._user_sort()  # the list was made again in file order
                else:
                    self._follow_users(self.held_users.added or [])
            else:
                self._written = self.held_calls.apply(edit, self.held_users.by_phone)
                self._follow_users([])
        except BaseException as exc:
            self._written = {}
            with contextlib.suppress(Exception):
                self._reload(kind, whole=True)
            if isinstance(exc, Exception):
                raise AfterSaveError("save.held_failed", path=str(self.path(kind)),
                                     error=f"{type(exc).__name__}: {exc}") from exc
            raise
        self._states[kind] = saved.state
        self._sync_dataset()

    def _change(self, action: str, before: str | None, after: str | None, saved: Saved,
                record: Record | None = None) -> Change:
        return Change(action, before, after, self.path(saved.kind), saved.copy,
                      record if after is not None else None, saved.undo, saved.raced)

    # -- sorting and searching -----------------------------------------------------------

    def sort_users(self, by: UserSort, reverse: bool = False, month: str | None = None) -> None:
        """Sort the users (our linked list's stable sort; ties in file order); kept after every save."""
        if by is UserSort.MONTH_TOTAL and month is None:
            raise ValidationError("menu.error.month", value="''")

        def key() -> Callable[[User], Any]:
            if by is UserSort.PHONE:
                return attrgetter("phone")
            if by is UserSort.NAME:
                return self._names.sort_key
            assert month is not None
            return self._total_key(month)

        def apply() -> None:
            self.users.sort(key=key(), reverse=reverse, ties=attrgetter("line_no"))  # ties in file order

        apply()
        self._user_sort = apply
        self._user_order = _UserOrder(by, key, reverse)

    def sort_calls(self, by: CallSort, reverse: bool = False) -> None:
        """Sort the call records; set-aside records count as fee -1 when sorting by fee."""
        keys: dict[CallSort, Callable[[Call], Any]] = {
            CallSort.START: attrgetter("start"),
            CallSort.CALLER: attrgetter("caller"),
            CallSort.DURATION: lambda c: c.end - c.start,
            CallSort.FEE: self._fee_key(),
        }
        key = keys[by]

        def apply() -> None:
            self.held_calls.sort(key, reverse, by_fee=by is CallSort.FEE)  # kept so through every change

        apply()
        self._call_sort = apply

    def _fee_key(self) -> Callable[[Call], int]:
        """A call's fee in fen, -1 when it is set aside (what sorting by fee compares);
        it follows the screening as edits change it."""
        by_prefix = self.rating.by_prefix

        def fee(call: Call) -> int:
            # The three fields first, together: a million calls lie scattered in memory, and
            # fetching them one after the other would wait for each in turn.
            callee, end, start = call.callee, call.end, call.start
            return -1 if id(call) in self.held_calls.set_aside else by_prefix[callee[PREFIX]][0][end - start]

        return fee

    def _total_key(self, month: str) -> Callable[[User], int]:
        """A user's bill total of ``month`` (what sorting users by month total compares)."""
        sums = self._month_sums(month)
        return lambda u: u.rent + u.feature + sums.get(u.phone, 0)

    def _month_sums(self, month: str) -> dict[str, int]:
        """Phone → the fees of its valid calls of ``month`` (a month's bill without rent and
        feature): billed once, then made again only for the callers changes touched."""
        touched = self.held_calls.touched
        if self._sums is None or self._sums[0] != month:
            bill = self.bills(month).month(month)
            self._sums = month, {row.phone: row.local + row.long_distance for row in bill.rows} if bill else {}
        else:
            set_aside, sums = self.held_calls.set_aside, self._sums[1]
            for phone in touched:
                usage = Usage(self.rating, month)
                usage.add_calls(c for c in self.held_calls.of(phone) if id(c) not in set_aside)
                local, far = usage.fees(month, [phone])
                sums[phone] = local[0] + far[0]
        touched.clear()
        return self._sums[1]

    def _follow_users(self, added: list[User]) -> None:
        """Sorted users after a change that kept their list: ``added`` users (at its end for now), and
        those whose month total it changed (sorted by it), move to their places; the others stay."""
        order = self._user_order
        if order is None:
            return
        moved = {id(u): u for u in added}
        if order.by is UserSort.MONTH_TOTAL:
            for phone in self.held_calls.touched:
                user = self.held_users.by_phone.get(phone)
                if user is not None:
                    moved[id(user)] = user
        move_in_order(self.users, list(moved.values()), order.key(), order.reverse)

    def month_totals(self, month: str) -> dict[str, int]:
        """Phone → that month's bill total (rent and feature included), in fen."""
        bill = self.bills(month).month(month)
        return {row.phone: row.total for row in bill.rows} if bill is not None else {}

    def find_users(self, query: str) -> Found:
        """The users ``query`` names: a phone or part of one, a name or part of one (spaces
        ignored), its pinyin or pinyin initials, any case (see :mod:`telbill.session.finding`)."""
        return self._names.find(self.users, query)

    def find_calls_by_number(self, digits: str) -> LinkedList[Call]:
        """Calls whose caller or callee contains ``digits``."""
        return self.calls.filter(lambda c: digits in c.caller or digits in c.callee)

    def find_calls_by_month(self, month: str) -> LinkedList[Call]:
        """Calls that start in ``month`` (the month they are billed in)."""
        return self.calls.filter(lambda c: c.month == month)

    def find_calls_by_days(self, first_day: int, last_day: int) -> LinkedList[Call]:
        """Calls that start on ``first_day`` … ``last_day`` (day numbers, inclusive)."""
        lo, hi = first_day * SECONDS_PER_DAY, (last_day + 1) * SECONDS_PER_DAY
        return self.calls.filter(lambda c: lo <= c.start < hi)

    # -- bills ---------------------------------------------------------------------------

    def bills(self, month: str | None = None) -> Bills:
        """Every billed month (or just ``month``), in users.txt order."""
        users = sorted(self.users, key=lambda u: u.line_no or 0)
        return compute_bills(users, self.screening().valid, self.tariff, month)

    def statement(self, phone: str, month: str) -> Statement:
        """One subscriber's itemised calls of ``month``."""
        return statement(self.require_user(phone), month, self.screening().valid, self.tariff)

    def billed_months(self) -> list[str]:
        """Months with at least one valid call, oldest first."""
        return sorted({c.month for c in self.screening().valid})

    def run_info(self, now: datetime | None = None) -> RunInfo:
        """Sources and counts for the output files' headers."""
        billed, set_aside = self.counts()
        return RunInfo(
            users_source=str(self.paths.users), users=len(self.users),
            calls_source=str(self.paths.calls), records=self.records,
            billed=billed, set_aside=set_aside, tariff_source=self.dataset.tariff_source,
            generated=(now or self.clock()).strftime("%Y-%m-%d %H:%M:%S"),
        )

    def write_bills(self, path: Path, tr: Tr, month: str | None = None, *, force: bool = False) -> Bills:
        """Write the bill-detail file (all months or one).

        Never over an input; over an existing file that telbill did not write (or a
        read-only one) only with ``force`` (else NotOursError, so the menu can ask).
        """
        self._refuse_input(path)
        check_replaceable(path, force=force)
        bills = self.bills(month)
        access.atomic_write(path, encode(format_bills(bills, self.run_info(), tr)))
        return bills

    def write_anomalies(self, path: Path, tr: Tr, *, force: bool = False) -> Screening:
        """Write the anomalies file (``force`` as for :meth:`write_bills`)."""
        self._refuse_input(path)
        check_replaceable(path, force=force)
        result = self.screening()
        access.atomic_write(path, encode(format_anomalies(result, self.run_info(), tr)))
        return result

    def _refuse_input(self, path: Path) -> None:
        protected = self.paths.protected(audit_log=self.audit_log,
                                         backup_dirs=[self.backup_dir(kind) for kind in (USERS, CALLS)])
        protected.refuse(path)

    # -- backups ------------------------------------------------------------------------

    def backup_now(self) -> list[Change]:
        """Copy both data files into the backup folder now (full copies, as asked)."""
        changes = []
        for kind in (USERS, CALLS):
            copy = history.take_copy(self.path(kind), self.backup_dir(kind), self.clock())
            if copy is not None:
                changes.append(Change("backup", str(self.path(kind)), str(copy), self.path(kind), copy))
        if changes:
            from telbill.store.audit import AuditLog, audit_line

            log = AuditLog(self.audit_log)
            try:
                log.open()
                now = self.clock()
                log.write("".join(audit_line(now, self.operator, AuditEntry(c.action, c.before, c.after)) + "\n"
                                  for c in changes))
            finally:
                log.close()
        return changes

    def list_backups(self) -> list[Backup]:
        """Full copies and undo records of both files, newest first.

        Each says what restoring it takes back; an undo record older than a
        change made outside telbill no longer applies (``usable`` False).
        """
        return history.backups(self._records(), {
            kind: history.Kept(self.backup_dir(kind), self.path(kind).name, self._states[kind].digest)
            for kind in (USERS, CALLS)})

    def restore(self, chosen: Backup) -> Change:
        """Put a backup back in place (the file being replaced is kept as a full copy,
        so the restore can be undone). An undo record gives the file as it was
        before that change."""
        kind = chosen.kind
        path, state = self.path(kind), self._states[kind]
        before = f"{path} sha256:{state.digest[:12]}"
        if chosen.is_copy:
            digest = file_digest(chosen.path)
            if digest is None:
                raise InputFileError("input.unreadable", path=str(chosen.path), reason="cannot be read")
            plan = SavePlan(kind, state, self._lines(kind), copy_from=chosen.path)
        else:
            version = history.version_before(self._records(), kind, self._lines(kind), state.fmt, chosen.path,
                                             self.backup_dir(kind)) if chosen.usable else None
            if version is None:
                raise ConflictError("undo.changed", path=str(path))
            lines, fmt, ended, digest = version
            plan = SavePlan(kind, state, self._lines(kind), whole=lines, whole_format=fmt, whole_ended=ended)
        after = f"{chosen.path} sha256:{digest[:12]}"
        with self._saving([plan], [AuditEntry("restore", before, after)]) as saved:
            self._update_held(kind, saved[kind], None)
        return Change("restore", before, after, path, saved[kind].copy, None, saved[kind].undo, saved[kind].raced)

    # -- reloading -----------------------------------------------------------------------

    def refresh(self) -> list[Path]:
        """Reload the files that changed on disk since they were read; return them.

        One ``stat`` per file; the bytes are hashed only when it differs.
        """
        changed = []
        for kind in (USERS, CALLS):
            if not self._states[kind].unchanged():
                self._reload(kind)
                changed.append(self.path(kind))
        return changed

    # -- internals ----------------------------------------------------------------------

    def _reload(self, kind: str, *, whole: bool = False) -> None:
        """Read one file again (changed outside telbill, or restored) and screen what depends on it
        (``whole``: every call, when what was held may be wrong)."""
        if kind == USERS:
            before = set(self.held_users.by_phone)
            self.held_users, self._states[USERS] = read_users(self.paths.users)
            if whole:
                self.held_calls.screen_all(self.held_users.by_phone)
            else:
                self.held_calls.rescreen(before ^ set(self.held_users.by_phone), self.held_users.by_phone)
            self.dataset.users_file = self.held_users.file
            if self._user_sort is not None:
                self._user_sort()
        else:
            self.held_calls, self._states[CALLS] = read_calls(self.paths.calls, self.held_users.by_phone)
            self.dataset.calls_file = self.held_calls.file
            self._sums = None
            if self._call_sort is not None:
                self._call_sort()
            if self._user_sort is not None and self._user_order is not None \
                    and self._user_order.by is UserSort.MONTH_TOTAL:
                self._user_sort()
        self._sync_dataset()

    def _sync_dataset(self) -> None:
        for state in self._states.values():
            self.dataset.formats[str(state.path)] = state.fmt


__all__ = ["AnomalyError", "Backup", "CallSort", "Change", "RepeatAction", "RepeatedPhoneError", "Session",
           "UserSort", "login_name", "record_text"]
