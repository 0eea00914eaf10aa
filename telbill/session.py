"""The data the menu works on: add, modify, delete, sort, search, save, restore.

A :class:`Session` holds users and call records in our linked lists, as loaded
from the data files, and changes them only by saving: every change is written
to its file at once (after a timestamped backup, atomically) and the file is
then read back from the bytes written, so what is in memory is always what is
on disk. A file that changed on disk since it was loaded is never overwritten.
Every add, modify, delete, backup and restore is appended to the audit log.

Nothing here prints or prompts; problems are raised as :mod:`telbill.errors`.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from operator import attrgetter
from pathlib import Path
from typing import Union

from telbill import storage
from telbill.billing import Bills, Statement, compute_bills, rate_call, statement
from telbill.constants import DEFAULT_AUDIT_LOG
from telbill.dataset import DataPaths, Dataset, LoadProgress, load_dataset
from telbill.decoding import decode, encode
from telbill.display import quote
from telbill.errors import (
    ConflictError,
    NotFoundError,
    OutputError,
    Problem,
    ValidationError,
)
from telbill.fields import (
    SECONDS_PER_DAY,
    TRAILING_COMMENT,
    validate_name,
    validate_phone,
)
from telbill.finding import Found, NameIndex
from telbill.i18n import Tr
from telbill.linkedlist import LinkedList
from telbill.loader import load_calls, load_users
from telbill.records import Call, CallClass, User, classify
from telbill.report import RunInfo, format_anomalies, format_bills
from telbill.screening import Anomaly, Screening, screen_calls
from telbill.tariff import Tariff

Record = Union[User, Call]

USERS, CALLS = "users", "calls"

_STAMP = re.compile(r"\.([0-9]{8}-[0-9]{6}-[0-9]{6})(?:-[0-9]+)?$")


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

    def __init__(self, anomaly: Anomaly) -> None:
        super().__init__("menu.error.anomaly", code=anomaly.code.value)
        self.anomaly = anomaly

    def render(self, tr: Tr) -> str:
        reason = tr(self.anomaly.key, **self.anomaly.params)
        return tr(self.key, code=tr(f"code.{self.anomaly.code.value}"), reason=reason)

    def __str__(self) -> str:
        from telbill.i18n import Translator

        return self.render(Translator("en"))


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


def _clean_field(text: str) -> str:
    """A record's text fit for one tab-separated field."""
    return re.sub(r"[\t\r\n]+", " ", text).strip()


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
class Change:
    """One saved change, as written to the audit log."""

    action: str
    """add-user, modify-user, delete-user, add-call, modify-call, delete-call, backup, restore."""
    before: str | None
    """The record before (``None`` for an add)."""
    after: str | None
    """The record after (``None`` for a delete)."""
    path: Path
    """The data file that was rewritten."""
    backup: Path | None = None
    """The copy of the old file made just before."""
    record: Record | None = None
    """The record as now held in memory (added or modified)."""


@dataclass(frozen=True, slots=True)
class Backup:
    """A backup copy of a data file."""

    kind: str
    """``users`` or ``calls``."""
    path: Path
    taken: datetime | None
    """When it was made, from its name."""
    size: int
    """Bytes."""


@dataclass(slots=True)
class _Pending:
    """A file's new content, waiting to be written."""

    kind: str
    lines: list[str]
    changes: list[tuple[str, str | None, str | None]]
    new_line: int | None = None
    """Line number of the record added or modified, to find it after the save."""


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
        ``progress`` hears how far the reading of calls.txt is.
        """
        self.paths = paths
        self.audit_log = audit_log
        self.operator = operator or login_name()
        self.clock = clock
        self._backup_dir = backup_dir
        self.dataset: Dataset = load_dataset(paths, progress)
        self._names = NameIndex()
        """Each name's pinyin and sort key, worked out once (finding, sorting by name)."""
        self._stats: dict[str, tuple[int, int, int] | None] = {}
        self._user_sort: Callable[[], None] | None = None
        self._call_sort: Callable[[], None] | None = None
        self._screening: Screening | None = None
        self._anomaly_by_id: dict[int, Anomaly] = {}
        self._by_phone: dict[str, User] = {}
        self._reset()
        for kind in (USERS, CALLS):
            self._stats[kind] = self._stat(kind)

    # -- what is loaded -----------------------------------------------------------

    @property
    def users(self) -> LinkedList[User]:
        """The subscribers, in file order or as last sorted."""
        return self.dataset.users_file.users

    @property
    def calls(self) -> LinkedList[Call]:
        """The readable call records, in file order or as last sorted."""
        return self.dataset.calls_file.calls

    @property
    def problems(self) -> list[Problem]:
        """Lines of users.txt that could not be used (kept as they are)."""
        return self.dataset.users_file.problems

    @property
    def records(self) -> int:
        """Record lines in calls.txt, readable or not."""
        return self.dataset.calls_file.records

    @property
    def tariff(self) -> Tariff:
        """The prices calls are rated with."""
        return self.dataset.tariff

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
        return self._by_phone.get(phone)

    def require_user(self, phone: str) -> User:
        """The user with this phone; NotFoundError if there is none."""
        user = self._by_phone.get(phone)
        if user is None:
            raise NotFoundError("menu.error.no_user", phone=phone)
        return user

    def validate_new_phone(self, text: str) -> str:
        """A phone for a new user: digits, and not taken."""
        phone = validate_phone(text)
        other = self._by_phone.get(phone)
        if other is not None:
            raise ValidationError("menu.error.phone_taken", phone=phone, name=other.name)
        return phone

    def validate_user_phone(self, text: str) -> str:
        """The phone of an existing user."""
        phone = validate_phone(text)
        self.require_user(phone)
        return phone

    def validate_caller(self, text: str, allow: str | None = None) -> str:
        """A caller: digits, and a subscriber (``allow`` passes even if not)."""
        phone = validate_phone(text, "calls.caller")
        if phone != allow and phone not in self._by_phone:
            raise ValidationError("menu.error.unknown_caller", phone=phone)
        return phone

    def validate_out_path(self, text: str) -> Path:
        """A file to write a report to: a file name, and none of the files read (data, tariff, audit log)."""
        path = validate_out_path(text)
        self._refuse_input(path)
        return path

    def calls_of(self, phone: str) -> LinkedList[Call]:
        """The call records whose caller is ``phone``, in the current order."""
        return self.calls.filter(lambda c: c.caller == phone)

    def screening(self) -> Screening:
        """Valid calls and anomalies, against the current users (cached)."""
        if self._screening is None:
            result = self._screening = self.dataset.screen()
            self._anomaly_by_id = {id(a.call): a for a in result.anomalies if a.call is not None}
            return result
        return self._screening

    def anomaly_of(self, call: Call) -> Anomaly | None:
        """Why ``call`` (held here) is set aside, or ``None`` if it is billed."""
        self.screening()
        return self._anomaly_by_id.get(id(call))

    def fee(self, call: Call) -> int | None:
        """The fee of ``call`` in fen; ``None`` when it is set aside."""
        if self.anomaly_of(call) is not None:
            return None
        return rate_call(call, self.tariff)

    def anomaly_for(self, call: Call, replacing: Call | None = None) -> Anomaly | None:
        """Why a new or changed ``call`` would be set aside at billing, or ``None``."""
        group: LinkedList[Call] = self.calls.filter(lambda c: c.caller == call.caller and c is not replacing)
        group.append(call)
        result = screen_calls(group, self._by_phone)
        return next((a for a in result.anomalies if a.call is call), None)

    def counts(self) -> tuple[int, int]:
        """(billed, set aside) record counts."""
        result = self.screening()
        return len(result.valid), len(result.anomalies)

    # -- changes ----------------------------------------------------------------------

    def add_user(self, phone: str, name: str, rent: int, feature: int) -> Change:
        """Add a subscriber at the end of users.txt."""
        phone = self.validate_new_phone(phone)
        user = User(phone, validate_name(name), self._fen(rent), self._fen(feature))
        pending = self._render(USERS, {}, [user])
        pending.changes.append(("add-user", None, record_text(user)))
        return self._commit([pending])[0]

    def modify_user(
        self,
        phone: str,
        *,
        new_phone: str | None = None,
        name: str | None = None,
        rent: int | None = None,
        feature: int | None = None,
    ) -> Change | None:
        """Change a subscriber's fields; ``None`` when nothing differs.

        The phone of a user who has call records cannot change (the records
        would no longer be theirs).
        """
        old = self.require_user(phone)
        new = replace(old, raw=None)
        if new_phone is not None and new_phone != old.phone:
            new.phone = self.validate_new_phone(new_phone)
            count = len(self.calls_of(old.phone))
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
        pending = self._render(USERS, {old.line_no: new}, [])
        pending.changes.append(("modify-user", record_text(old), record_text(new)))
        return self._commit([pending])[0]

    def delete_user(self, phone: str, *, with_calls: bool = False) -> list[Change]:
        """Delete a subscriber; with ``with_calls`` their call records too (one change each).

        Without it the records stay in calls.txt and are set aside as unknown caller.
        Both files are written together: either both change or neither.
        """
        user = self.require_user(phone)
        assert user.line_no is not None
        users = self._render(USERS, {user.line_no: None}, [])
        users.changes.append(("delete-user", record_text(user), None))
        batch = [users]
        if with_calls:
            mine = list(self.calls_of(phone))
            if mine:
                drop: dict[int, Record | None] = {c.line_no: None for c in mine if c.line_no is not None}
                calls = self._render(CALLS, drop, [])
                calls.changes.extend(("delete-call", record_text(c), None) for c in mine)
                batch.insert(0, calls)
        return self._commit(batch)

    def add_call(self, caller: str, callee: str, start: int, end: int, *, accept_anomaly: bool = False) -> Change:
        """Add a call record at the end of calls.txt.

        A record that would be set aside at billing is refused with
        ValidationError unless ``accept_anomaly`` (the operator confirmed).
        """
        call = Call(validate_phone(caller, "calls.caller"), validate_phone(callee, "calls.callee"), start, end)
        self._refuse_anomaly(call, None, accept_anomaly)
        pending = self._render(CALLS, {}, [call])
        pending.changes.append(("add-call", None, record_text(call)))
        return self._commit([pending])[0]

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
        pending = self._render(CALLS, {call.line_no: new}, [])
        pending.changes.append(("modify-call", record_text(call), record_text(new)))
        return self._commit([pending])[0]

    def delete_call(self, call: Call) -> Change:
        """Delete a call record held here."""
        self._require_call(call)
        assert call.line_no is not None
        pending = self._render(CALLS, {call.line_no: None}, [])
        pending.changes.append(("delete-call", record_text(call), None))
        return self._commit([pending])[0]

    def _refuse_anomaly(self, call: Call, replacing: Call | None, accept: bool) -> None:
        if accept:
            return
        anomaly = self.anomaly_for(call, replacing)
        if anomaly is not None:
            raise AnomalyError(anomaly)

    def _require_call(self, call: Call) -> None:
        if call.line_no is None or self.calls.find(lambda c: c is call) is None:
            raise NotFoundError("menu.error.call_gone")

    @staticmethod
    def _fen(value: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError("money.negative", value=quote(str(value)))
        return value

    # -- sorting and searching -----------------------------------------------------------

    def sort_users(self, by: UserSort, reverse: bool = False, month: str | None = None) -> None:
        """Sort the users (our linked list's stable sort); kept after every save."""
        if by is UserSort.MONTH_TOTAL and month is None:
            raise ValidationError("menu.error.month", value="''")

        def apply() -> None:
            if by is UserSort.PHONE:
                self.users.sort(key=lambda u: u.phone, reverse=reverse)
            elif by is UserSort.NAME:
                self.users.sort(key=self._names.sort_key, reverse=reverse)
            else:
                assert month is not None
                totals = self.month_totals(month)
                self.users.sort(key=lambda u: totals.get(u.phone, 0), reverse=reverse)

        apply()
        self._user_sort = apply

    def sort_calls(self, by: CallSort, reverse: bool = False) -> None:
        """Sort the call records; set-aside records count as fee -1 when sorting by fee."""

        def apply() -> None:
            if by is CallSort.START:
                self.calls.sort(key=attrgetter("start"), reverse=reverse)
            elif by is CallSort.CALLER:
                self.calls.sort(key=attrgetter("caller"), reverse=reverse)
            elif by is CallSort.DURATION:
                self.calls.sort(key=lambda c: c.end - c.start, reverse=reverse)
            else:
                self.calls.sort(key=self._fee_key(), reverse=reverse)

        apply()
        self._call_sort = apply

    def _fee_key(self) -> Callable[[Call], int]:
        """A call's fee in fen, -1 when it is set aside (what sorting by fee compares)."""
        self.screening()
        aside = self._anomaly_by_id
        fees = {kind: self.tariff.rate(kind).fee for kind in CallClass}
        return lambda c: -1 if id(c) in aside else fees[classify(c.callee)](c.end - c.start)

    def month_totals(self, month: str) -> dict[str, int]:
        """Phone → that month's bill total (rent and feature included), in fen."""
        bill = self.bills(month).month(month)
        return {row.phone: row.total for row in bill.rows} if bill is not None else {}

    def find_users(self, query: str) -> Found:
        """The users ``query`` names: a phone or part of one, a name or part of one (spaces
        ignored), its pinyin or pinyin initials, any case (see :mod:`telbill.finding`)."""
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

    def write_bills(self, path: Path, tr: Tr, month: str | None = None) -> Bills:
        """Write the bill-detail file (all months or one)."""
        self._refuse_input(path)
        bills = self.bills(month)
        storage.atomic_write(path, encode(format_bills(bills, self.run_info(), tr)))
        return bills

    def write_anomalies(self, path: Path, tr: Tr) -> Screening:
        """Write the anomalies file."""
        self._refuse_input(path)
        result = self.screening()
        storage.atomic_write(path, encode(format_anomalies(result, self.run_info(), tr)))
        return result

    def _refuse_input(self, path: Path) -> None:
        inputs = [self.paths.users, self.paths.calls, self.audit_log]
        tariff = self.paths.tariff_path()
        if tariff is not None:
            inputs.append(tariff)
        for src in inputs:
            if storage.same_file(path, src):
                raise OutputError("output.is_input", path=str(path))

    # -- backups ------------------------------------------------------------------------

    def backup_now(self) -> list[Change]:
        """Copy both data files into the backup folder now."""
        changes = []
        for kind in (USERS, CALLS):
            copy = storage.backup(self.path(kind), self.backup_dir(kind))
            if copy is not None:
                changes.append(Change("backup", str(self.path(kind)), str(copy), self.path(kind), copy))
        for change in changes:
            self._audit(change.action, change.before, change.after)
        return changes

    def list_backups(self) -> list[Backup]:
        """Backups of both files, newest first."""
        found = []
        for kind in (USERS, CALLS):
            for p in storage.list_backups(self.backup_dir(kind), self.path(kind).name):
                m = _STAMP.search(p.name)
                taken = datetime.strptime(m[1], "%Y%m%d-%H%M%S-%f") if m else None
                try:
                    size = p.stat().st_size
                except OSError:
                    continue
                found.append(Backup(kind, p, taken, size))
        found.sort(key=lambda b: (b.taken or datetime.min, b.path.name), reverse=True)
        return found

    def restore(self, chosen: Backup) -> Change:
        """Put a backup back in place; the current file is backed up first."""
        path = self.path(chosen.kind)
        data = storage.read_bytes(chosen.path)
        before = f"{path} sha256:{(storage.current_digest(path) or '-')[:12]}"
        after = f"{chosen.path} sha256:{storage.digest(data)[:12]}"
        copy = storage.backup(path, self.backup_dir(chosen.kind))
        storage.atomic_write(path, data)
        self._adopt(chosen.kind, data)
        self._audit("restore", before, after)
        return Change("restore", before, after, path, copy)

    # -- reloading -----------------------------------------------------------------------

    def reload(self) -> None:
        """Read both data files again (the order chosen by sorting is kept)."""
        for kind in (USERS, CALLS):
            self._reload(kind)

    def refresh(self) -> list[Path]:
        """Reload the files that changed on disk since they were read; return them."""
        changed = []
        for kind in (USERS, CALLS):
            if self._stat(kind) == self._stats.get(kind):
                continue
            if storage.current_digest(self.path(kind)) == self.dataset.digests.get(str(self.path(kind))):
                self._stats[kind] = self._stat(kind)
                continue
            self._reload(kind)
            changed.append(self.path(kind))
        return changed

    def changed_on_disk(self, kind: str) -> bool:
        """Whether the file differs from what was loaded."""
        path = self.path(kind)
        return storage.current_digest(path) != self.dataset.digests.get(str(path))

    # -- internals ----------------------------------------------------------------------

    def _reset(self) -> None:
        """Rebuild indexes after a load; re-apply the chosen order."""
        self._screening = None
        self._anomaly_by_id = {}
        self._by_phone = {u.phone: u for u in self.users}
        if self._user_sort is not None:
            self._user_sort()
        if self._call_sort is not None:
            self._call_sort()

    def _stat(self, kind: str) -> tuple[int, int, int] | None:
        try:
            st = self.path(kind).stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _reload(self, kind: str) -> None:
        data = storage.read_bytes(self.path(kind))
        self._adopt(kind, data)

    def _adopt(self, kind: str, data: bytes) -> None:
        """Make ``data`` (the file's bytes now) what is held for that file."""
        path = self.path(kind)
        decoded = decode(data)
        if kind == USERS:
            self.dataset.users_file = load_users(decoded.lines, str(path), decoded.unreadable)
        else:
            self.dataset.calls_file = load_calls(decoded.lines, str(path), decoded.unreadable)
        self.dataset.formats[str(path)] = decoded.format
        self.dataset.digests[str(path)] = storage.digest(data)
        self._stats[kind] = self._stat(kind)
        self._reset()

    def _render(self, kind: str, changed: dict[int, Record | None], added: list[Record]) -> _Pending:
        """The file's lines with records replaced (by line number), dropped or added.

        Comments, blank lines and lines that could not be read are kept as they
        are; an unchanged record keeps its line byte for byte; a changed record
        keeps its trailing comment.
        """
        if kind == USERS:
            lines = self.dataset.users_file.lines
            held: Iterable[Record] = self.users
        else:
            lines = self.dataset.calls_file.lines
            held = self.calls
        by_line = {r.line_no: r for r in held if r.line_no is not None}
        out: list[str] = []
        new_line = None
        for number, line in enumerate(lines, 1):
            record = by_line.get(number)
            if record is None:
                out.append(line)
                continue
            if number in changed:
                new = changed[number]
                if new is None:
                    continue
                text = record_text(new)
                comment = _trailing_comment(line)
                out.append(f"{text}  {comment}" if comment else text)
                new_line = len(out)
            else:
                out.append(line)
        for record in added:
            out.append(record_text(record))
            new_line = len(out)
        return _Pending(kind, out, [], new_line)

    def _commit(self, batch: list[_Pending]) -> list[Change]:
        """Write the pending files together, read them back, log every change."""
        with storage.locked([self.path(p.kind) for p in batch]):
            for pending in batch:
                path = self.path(pending.kind)
                if self.changed_on_disk(pending.kind):
                    self._reload(pending.kind)  # a file deleted meanwhile raises its own error
                    raise ConflictError("conflict.changed", path=str(path))
            payloads = [(p, encode(p.lines, self.dataset.formats[str(self.path(p.kind))])) for p in batch]
            copies = {p.kind: storage.backup(self.path(p.kind), self.backup_dir(p.kind)) for p in batch}
            storage.write_together([(self.path(p.kind), data) for p, data in payloads])
        for pending, data in payloads:
            self._adopt(pending.kind, data)
        changes = []
        for pending in batch:
            record = self._record_at(pending.kind, pending.new_line) if pending.new_line else None
            for action, before, after in pending.changes:
                changes.append(Change(action, before, after, self.path(pending.kind), copies[pending.kind],
                                      record if after is not None else None))
        for change in changes:
            self._audit(change.action, change.before, change.after)
        return changes

    def _record_at(self, kind: str, line_no: int) -> Record | None:
        held: Iterable[Record] = self.users if kind == USERS else self.calls
        return next((r for r in held if r.line_no == line_no), None)

    def _audit(self, action: str, before: str | None, after: str | None) -> None:
        """Append one line to the audit log: time, operator, action, before, after."""
        fields = [
            self.clock().isoformat(timespec="seconds"),
            _clean_field(self.operator),
            action,
            "before: " + (_clean_field(before) if before else "-"),
            "after: " + (_clean_field(after) if after else "-"),
        ]
        storage.append_line(self.audit_log, "\t".join(fields))
