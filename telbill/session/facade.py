"""The data the menu works on, behind one class: :class:`Session`.

A :class:`Session` holds users and call records in our linked lists, as loaded
from the data files, and keeps them equal to the files on every change. Each
job lives in a module of its own; this class only puts them together and is
what the menu talks to:

- :mod:`~telbill.session._loaded`: the files as held, their fingerprints, reloading;
- :mod:`~telbill.session._queries`: a subscriber, their calls, fees, bills, statements;
- :mod:`~telbill.session._checks`: what is typed, checked against what is held;
- :mod:`~telbill.session._edits`: adding, modifying and deleting users and calls;
- :mod:`~telbill.session._keeping`: each change saved, then applied to what is held
  (:mod:`telbill.session.held`), so an edit costs what it changes;
- :mod:`~telbill.session._backups`: backups, restore and undo;
- :mod:`~telbill.session._sorts`: sorting, kept through every change;
- :mod:`~telbill.session._search`: finding users and calls;
- :mod:`~telbill.session._reports`: the bill-detail and anomalies files.

Nothing here prints or prompts; problems are raised as :mod:`telbill.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from telbill.constants import DEFAULT_AUDIT_LOG, DataKind
from telbill.errors import Notice, Problem
from telbill.files.dataset import DataPaths, Dataset, LoadProgress
from telbill.files.report import RunInfo
from telbill.lists.linked import LinkedList
from telbill.rules.billing import Bills, Statement, Statistics
from telbill.rules.records import Call, User
from telbill.rules.screening import Screening, SetAside
from telbill.rules.tariff import Tariff
from telbill.session._backups import Backups
from telbill.session._change import Change, record_text
from telbill.session._checks import AnomalyError, Checks
from telbill.session._edits import Edits, RepeatAction, RepeatedPhoneError
from telbill.session._indexes import CallExtents
from telbill.session._keeping import Keeping
from telbill.session._loaded import CALLS, USERS, Loaded, login_name
from telbill.session._queries import Queries
from telbill.session._reports import Reports
from telbill.session._search import Done, Search
from telbill.session._sorts import CallSort, Sorts, UserSort
from telbill.session.finding import Found, NameIndex
from telbill.session.held import HeldCalls, HeldUsers
from telbill.store.audit import Action, AuditEntry
from telbill.store.history import Backup
from telbill.text.i18n import Tr

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
        long_lived: bool = False,
    ) -> None:
        """Load the files named by ``paths`` (missing files raise InputFileError).

        ``backup_dir`` defaults to a ``backup`` folder beside each data file;
        ``progress`` hears how far the reading of calls.txt is. A save cut short
        by a crash is finished or taken back first (:attr:`notices` says which).
        ``long_lived``: the session lives as long as its process (the menu), so what it
        loads is kept out of the garbage collector's full collections (see
        :meth:`~telbill.session._loaded.Loaded._out_of_collectors_sight`); a process that
        opens sessions one after another leaves it off.
        """
        self._loaded = Loaded(paths, backup_dir=backup_dir, audit_log=audit_log, operator=operator, clock=clock,
                              progress=progress, long_lived=long_lived)
        names = NameIndex()
        """Each name's pinyin and sort key, worked out once (finding, sorting by name)."""
        self._queries = Queries(self._loaded)
        self._checks = Checks(self._loaded)
        self._sorts = Sorts(self._loaded, names, self._fee_key, self._queries.total_key)
        self._keeping = Keeping(self._loaded, self._sorts)
        self._edits = Edits(self._loaded, self._keeping, self._checks, self._queries)
        self._backups = Backups(self._loaded, self._keeping)
        self._search = Search(self._loaded, names)
        self._reports = Reports(self._loaded, self._queries, self._checks)

    # -- what is loaded ------------------------------------------------------------------

    @property
    def paths(self) -> DataPaths:
        return self._loaded.paths

    @property
    def audit_log(self) -> Path:
        return self._loaded.audit_log

    @property
    def operator(self) -> str:
        return self._loaded.operator

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._loaded.clock

    @property
    def notices(self) -> list[Notice]:
        """What the operator should be told: saves cut short and finished or taken back, races."""
        return self._loaded.notices

    @property
    def dataset(self) -> Dataset:
        return self._loaded.dataset

    @property
    def held_users(self) -> HeldUsers:
        return self._loaded.held_users

    @property
    def held_calls(self) -> HeldCalls:
        return self._loaded.held_calls

    @property
    def users(self) -> LinkedList[User]:
        """The subscribers, in file order or as last sorted."""
        return self._loaded.held_users.file.users

    @property
    def calls(self) -> LinkedList[Call]:
        """The readable call records, in file order or as last sorted."""
        return self._loaded.held_calls.file.calls

    @property
    def problems(self) -> list[Problem]:
        """Lines of users.txt that could not be used (kept as they are)."""
        return self._loaded.held_users.file.problems

    @property
    def records(self) -> int:
        """Record lines in calls.txt, readable or not."""
        return self._loaded.held_calls.file.records

    @property
    def tariff(self) -> Tariff:
        """The prices calls are rated with."""
        return self._loaded.tariff

    def path(self, kind: DataKind) -> Path:
        """The file of ``users`` or ``calls``."""
        return self._loaded.path(kind)

    def backup_dir(self, kind: DataKind) -> Path:
        """Where backups of that file go."""
        return self._loaded.backup_dir(kind)

    def refresh(self) -> list[Path]:
        """Reload the files that changed on disk since they were read; return them. Then add the
        lines another program wrote into a file a save had replaced (see :meth:`Keeping.take_found`).

        One ``stat`` per file; the bytes are hashed only when it differs.
        """
        changed = self._loaded.refresh()
        self._keeping.take_found()
        return changed

    def close(self) -> None:
        """Done with the data: the lines written into replaced files are added a last time, those
        files let go, and a ``long_lived`` session gives its records back to the garbage collector.
        Never raises."""
        self._keeping.close()
        self._loaded.close()

    # -- queries -------------------------------------------------------------------------

    def user(self, phone: str) -> User | None:
        """The user with this phone, or ``None``."""
        return self._queries.user(phone)

    def require_user(self, phone: str) -> User:
        """The user with this phone; NotFoundError if there is none."""
        return self._queries.require_user(phone)

    def calls_of(self, phone: str) -> LinkedList[Call]:
        """The call records whose caller is ``phone``, in the current order."""
        return self._queries.calls_of(phone)

    def screening(self) -> Screening:
        """Valid calls (in the current order) and anomalies (in file order), against the current users
        (the valid calls made again after each change: every record is walked)."""
        return self._queries.screening()

    def set_aside(self) -> list[SetAside]:
        """Every record set aside, in file order."""
        return self._queries.set_aside()

    def anomaly_of(self, call: Call) -> SetAside | None:
        """Why ``call`` (held here) is set aside, or ``None`` if it is billed."""
        return self._queries.anomaly_of(call)

    def fee(self, call: Call) -> int | None:
        """The fee of ``call`` in fen; ``None`` when it is set aside."""
        return self._queries.fee(call)

    def billed_of(self, calls: Iterable[Call]) -> tuple[int, int]:
        """How many of ``calls`` (held here) are billed, and the sum of their fees in fen."""
        return self._queries.billed_of(calls)

    def counts(self) -> tuple[int, int]:
        """(billed, set aside) record counts."""
        return self._queries.counts()

    def call_extents(self, calls: Iterable[Call] | None = None) -> CallExtents:
        """The widest values among ``calls``, or among every record held (no walk after the first)."""
        return self._queries.call_extents(calls)

    def bills(self, month: str | None = None) -> Bills:
        """Every billed month (or just ``month``), in users.txt order."""
        return self._queries.bills(month)

    def statement(self, phone: str, month: str) -> Statement:
        """One subscriber's itemised billed calls of ``month``, in start order."""
        return self._queries.statement(phone, month)

    def set_aside_of(self, phone: str, month: str) -> list[SetAside]:
        """The subscriber's records of ``month`` that are set aside, in start order, with their reasons."""
        return self._queries.set_aside_of(phone, month)

    def latest_month_of(self, phone: str) -> str | None:
        """The month of the subscriber's latest call, billed or set aside; ``None`` without calls."""
        return self._queries.latest_month_of(phone)

    def billed_months(self) -> list[str]:
        """Months with at least one valid call, oldest first."""
        return self._queries.billed_months()

    def month_totals(self, month: str) -> dict[str, int]:
        """Phone → that month's bill total (rent and feature included), in fen."""
        return self._queries.month_totals(month)

    @property
    def prepared(self) -> bool:
        """Whether what :meth:`prepare` makes is made (an outside change read again unmakes it)."""
        return self._loaded.held_calls.prepared

    def prepare(self) -> None:
        """Make the indexes that bills, statistics, a month's calls and the list of every call make
        at their first use (about a second at a million calls), so that they answer at once."""
        self._loaded.held_calls.prepare()

    def statistics(self, top: int) -> Statistics:
        """Revenue per billed month, the ``top`` subscribers over all of them, the grand total (item 12)."""
        return self._queries.statistics(top)

    # -- checks --------------------------------------------------------------------------

    def unwritable(self) -> list[Path]:
        """The data files whose changes could not be saved now."""
        return self._checks.unwritable()

    def check_writable(self, *kinds: DataKind) -> None:
        """OutputError now, before the operator types anything, when a change to the
        ``users`` / ``calls`` file could not be saved."""
        self._checks.check_writable(*kinds)

    def validate_new_phone(self, text: str) -> str:
        """A phone for a new user: digits, and not taken."""
        return self._checks.validate_new_phone(text)

    def validate_out_path(self, text: str) -> Path:
        """A file to write a report to: a file name, and none of the files read."""
        return self._checks.validate_out_path(text)

    def anomaly_for(self, call: Call, replacing: Call | None = None) -> SetAside | None:
        """Why a new or changed ``call`` would be set aside at billing, or ``None``."""
        return self._checks.anomaly_for(call, replacing)

    # -- changes -------------------------------------------------------------------------

    def add_user(self, phone: str, name: str, rent: int, feature: int) -> Change:
        """Add a subscriber at the end of users.txt (see :meth:`Edits.add_user`)."""
        return self._edits.add_user(phone, name, rent, feature)

    def modify_user(self, phone: str, *, new_phone: str | None = None, name: str | None = None,
                    rent: int | None = None, feature: int | None = None,
                    repeats: RepeatAction | None = None) -> Change | None:
        """Change a subscriber's fields; ``None`` when nothing differs (see :meth:`Edits.modify_user`)."""
        return self._edits.modify_user(phone, new_phone=new_phone, name=name, rent=rent, feature=feature,
                                       repeats=repeats)

    def delete_user(self, phone: str, *, with_calls: bool = False,
                    repeats: RepeatAction | None = None) -> list[Change]:
        """Delete a subscriber, with their calls or not (see :meth:`Edits.delete_user`)."""
        return self._edits.delete_user(phone, with_calls=with_calls, repeats=repeats)

    def add_call(self, caller: str, callee: str, start: int, end: int, *, accept_anomaly: bool = False) -> Change:
        """Add a call record at the end of calls.txt (see :meth:`Edits.add_call`)."""
        return self._edits.add_call(caller, callee, start, end, accept_anomaly=accept_anomaly)

    def modify_call(self, call: Call, *, caller: str | None = None, callee: str | None = None,
                    start: int | None = None, end: int | None = None,
                    accept_anomaly: bool = False) -> Change | None:
        """Change a call record held here; ``None`` when nothing differs."""
        return self._edits.modify_call(call, caller=caller, callee=callee, start=start, end=end,
                                       accept_anomaly=accept_anomaly)

    def delete_call(self, call: Call) -> Change:
        """Delete a call record held here."""
        return self._edits.delete_call(call)

    # -- backups and undo ----------------------------------------------------------------

    def backup_now(self) -> list[Change]:
        """Copy both data files into the backup folder now (full copies, as asked)."""
        return self._backups.backup_now()

    def list_backups(self) -> list[Backup]:
        """Full copies and undo records of both files, newest first."""
        return self._backups.list_backups()

    def restore(self, chosen: Backup) -> list[Change]:
        """Put a backup back in place (see :meth:`Backups.restore`)."""
        return self._backups.restore(chosen)

    def last_change(self) -> tuple[list[AuditEntry], int] | None:
        """What :meth:`undo` would take back, and how many newer changes can no longer be undone."""
        return self._backups.last_change()

    def undo(self) -> list[Change]:
        """Take back the newest change that can still be taken back; NotFoundError when there is none."""
        return self._backups.undo()

    # -- sorting and searching -----------------------------------------------------------

    def sort_users(self, by: UserSort, reverse: bool = False, month: str | None = None) -> None:
        """Sort the users (stable; ties in file order); kept after every save."""
        self._sorts.sort_users(by, reverse, month)

    def sort_calls(self, by: CallSort, reverse: bool = False) -> None:
        """Sort the call records; set-aside records count as fee -1 when sorting by fee."""
        self._sorts.sort_calls(by, reverse)

    def _fee_key(self) -> Callable[[Call], int]:
        """A call's fee in fen, -1 when it is set aside (what sorting by fee compares);
        it follows the screening as edits change it."""
        rating_fee = self._loaded.rating.fee

        def fee(call: Call) -> int:
            # Rating.fee, not its lookup written out again: the keys of a million calls cost the
            # same either way (timeit: 348-533 ms against 490-561 ms inline, a loaded machine).
            if id(call) in self._loaded.held_calls.set_aside:
                return -1
            return rating_fee(call.callee, call.end - call.start)

        return fee

    def find_users(self, query: str) -> Found:
        """The users ``query`` names (phone, name, pinyin; see :mod:`telbill.session.finding`)."""
        return self._search.find_users(query)

    def find_calls_by_number(self, digits: str, done: Done | None = None) -> list[Call]:
        """Calls whose caller or callee contains ``digits``, in the current order; ``done(looked
        at, of)`` is told as every record is looked at."""
        return self._search.find_calls_by_number(digits, done)

    def find_calls_by_month(self, month: str, done: Done | None = None) -> list[Call]:
        """Calls that start in ``month`` (the month they are billed in), by start."""
        return self._search.find_calls_by_month(month, done)

    def find_calls_by_days(self, first_day: int, last_day: int, done: Done | None = None) -> list[Call]:
        """Calls that start on ``first_day`` … ``last_day`` (day numbers, inclusive), by start;
        ``done(sorted, of)`` is told as they are sorted."""
        return self._search.find_calls_by_days(first_day, last_day, done)

    # -- reports -------------------------------------------------------------------------

    def run_info(self, now: datetime | None = None) -> RunInfo:
        """Sources and counts for the output files' headers."""
        return self._reports.run_info(now)

    def write_bills(self, path: Path, tr: Tr, month: str | None = None, *, force: bool = False) -> Bills:
        """Write the bill-detail file (see :meth:`Reports.write_bills`)."""
        return self._reports.write_bills(path, tr, month, force=force)

    def write_anomalies(self, path: Path, tr: Tr, *, force: bool = False) -> list[SetAside]:
        """Write the anomalies file; return what it lists (see :meth:`Reports.write_anomalies`)."""
        return self._reports.write_anomalies(path, tr, force=force)


__all__ = ["CALLS", "USERS", "Action", "AnomalyError", "Backup", "CallExtents", "CallSort", "Change", "Done", "RepeatAction", "RepeatedPhoneError",
           "Session", "UserSort", "login_name", "record_text"]
