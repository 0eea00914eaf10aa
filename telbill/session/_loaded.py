"""The data files as the session holds them: read at the start, read again when they change on disk.

:class:`Loaded` owns what every other job of the session works on: the held
users and calls (:mod:`telbill.session.held`), each file's fingerprint, the
tariff, and the :class:`~telbill.store.keeper.Keeper` that saves changes. A file
read again (changed outside telbill, restored, or after a save that could not be
applied line by line) is announced to the listeners in :attr:`Loaded.reloaded`
(the sorts, which put the new lists in their order).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from telbill.constants import DataKind
from telbill.errors import InputFileError, Notice
from telbill.files.dataset import DataPaths, Dataset, LoadProgress, load_tariff
from telbill.rules.rating import Rating
from telbill.rules.tariff import Tariff
from telbill.session.held import HeldCalls, HeldUsers, read_calls, read_users
from telbill.speed import keep_frozen, stop_keeping_frozen
from telbill.store.disk import FileState
from telbill.store.keeper import Keeper

USERS, CALLS = DataKind.USERS, DataKind.CALLS


def login_name() -> str:
    """The operator's login name, for the audit log."""
    try:
        name = getpass.getuser()
        if name:
            return name
    except (KeyError, OSError, ImportError):  # no such user in the password database, no variables, no pwd
        pass
    for var in ("USER", "LOGNAME"):
        value = os.environ.get(var)
        if value:
            return value
    return "unknown"


class Loaded:
    """The two data files as held, their fingerprints, the tariff and the keeper of the files."""

    def __init__(
        self,
        paths: DataPaths,
        *,
        backup_dir: Path | None,
        audit_log: Path,
        operator: str | None,
        clock: Callable[[], datetime],
        progress: LoadProgress | None,
        long_lived: bool = False,
    ) -> None:
        """Load the files named by ``paths`` (see :class:`telbill.session.facade.Session`)."""
        if paths.users == paths.calls:
            raise InputFileError("input.same", path=str(paths.users))
        self.paths = paths
        self.audit_log = audit_log
        self.operator = operator or login_name()
        self.clock = clock
        self._backup_dir = backup_dir
        self.long_lived = long_lived
        self._rating: Rating | None = None
        self.reloaded: list[Callable[[DataKind], None]] = []
        """Called with ``users`` or ``calls`` after that file was read again."""
        self.notices: list[Notice] = []
        """What the operator should be told: saves cut short and finished or taken back, races."""
        self.keeper = Keeper({kind: self.path(kind) for kind in DataKind},
                             {kind: self.backup_dir(kind) for kind in DataKind},
                             audit_log, self.operator, clock, tell=self.notices.append)
        self.notices += self.keeper.start()
        tariff, tariff_source = load_tariff(paths.tariff_path())
        self.states: dict[DataKind, FileState] = {}
        """Each file's fingerprint as last read or saved."""
        self.held_users: HeldUsers
        self.held_calls: HeldCalls
        self.held_users, self.states[USERS] = read_users(paths.users)
        self.held_calls, self.states[CALLS] = read_calls(paths.calls, self.held_users.by_phone, tariff, progress)
        self.dataset = Dataset(paths, self.held_users.file, self.held_calls.file, tariff, tariff_source)
        self.sync_dataset()
        self._out_of_collectors_sight()

    @property
    def tariff(self) -> Tariff:
        return self.dataset.tariff

    @property
    def rating(self) -> Rating:
        """The tariff's fees, each worked out once (made again when the tariff is another)."""
        if self._rating is None or self._rating.tariff is not self.tariff:
            self._rating = Rating(self.tariff)
        return self._rating

    def path(self, kind: DataKind) -> Path:
        """The file of ``kind``."""
        return self.paths.users if kind == USERS else self.paths.calls

    def backup_dir(self, kind: DataKind) -> Path:
        """Where backups of that file go."""
        if self._backup_dir is not None:
            return self._backup_dir
        return self.path(kind).parent / "backup"

    def lines(self, kind: DataKind) -> list[str]:
        """The held lines of that file (what it holds)."""
        return self.held_users.lines if kind == USERS else self.held_calls.lines

    def refresh(self) -> list[Path]:
        """Reload the files that changed on disk since they were read; return them.

        One ``stat`` per file; the bytes are hashed only when it differs.
        """
        changed = []
        for kind in DataKind:
            if not self.states[kind].unchanged():
                self.reload(kind)
                changed.append(self.path(kind))
        return changed

    def reload(self, kind: DataKind, *, whole: bool = False) -> None:
        """Read one file again (changed outside telbill, or restored) and screen what depends on it
        (``whole``: every call, when what was held may be wrong)."""
        if kind == USERS:
            before = set(self.held_users.by_phone)
            self.held_users, self.states[USERS] = read_users(self.paths.users)
            if whole:
                self.held_calls.screen_all(self.held_users.by_phone)
            else:
                self.held_calls.rescreen(before ^ set(self.held_users.by_phone), self.held_users.by_phone)
            self.dataset.users_file = self.held_users.file
        else:
            self.held_calls, self.states[CALLS] = read_calls(self.paths.calls, self.held_users.by_phone, self.tariff)
            self.dataset.calls_file = self.held_calls.file
        for listener in self.reloaded:
            listener(kind)
        self.sync_dataset()
        self._out_of_collectors_sight()

    def _out_of_collectors_sight(self) -> None:
        """In a process that lives as long as this session (``long_lived``, the menu), what was
        just loaded is moved out of the cyclic garbage collector's sight (:func:`gc.freeze`).

        Loaded records form no reference cycles, so a collection would find nothing among
        them, but the collector's first full collection after a load would walk every one:
        about a second at a million calls, landing on whatever the operator did next. Frozen
        records are still freed as usual when nothing refers to them any more (a file read
        again, records deleted).
        """
        if self.long_lived:
            keep_frozen()

    def close(self) -> None:
        """The session is done with: the collector sees everything again (after ``long_lived``)."""
        if self.long_lived:
            stop_keeping_frozen()

    def sync_dataset(self) -> None:
        """The dataset's formats as the files' fingerprints say (encoding, BOM, line ends)."""
        for state in self.states.values():
            self.dataset.formats[str(state.path)] = state.fmt
