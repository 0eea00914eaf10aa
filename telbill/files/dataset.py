"""Loading the data files named by paths into memory, with their fingerprints."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from telbill.constants import (
    DEFAULT_AUDIT_LOG,
    DEFAULT_CALLS,
    DEFAULT_TARIFF_PATH,
    DEFAULT_USERS,
)
from telbill.errors import TariffError
from telbill.files.access import journal_path, lock_path, log_lock_path, read_bytes
from telbill.files.decoding import FileFormat, decode
from telbill.files.loader import CallsFile, UsersFile, load_users
from telbill.files.outputs import Protected
from telbill.rules.screening import Screening, screen_calls
from telbill.rules.tariff import DEFAULT_TARIFF, Tariff, parse_tariff

LoadProgress = Callable[[int, int], None]
"""Called with (lines read, lines in the file) while calls.txt is read."""



@dataclass(frozen=True, slots=True)
class DataPaths:
    """Where the data files are."""

    users: Path = DEFAULT_USERS
    calls: Path = DEFAULT_CALLS
    tariff: Path | None = None
    """An explicit tariff file; ``None`` means ``data/tariff.toml`` if present."""

    def protected(self, *, audit_log: Path = DEFAULT_AUDIT_LOG,
                  backup_dirs: Sequence[Path] | None = None) -> Protected:
        """What is never an output: the data files, the tariff file (the default one
        too, whether it exists or not), the audit log and its lock, the lock and journal files
        and the backup folders."""
        files = [self.users, self.calls, DEFAULT_TARIFF_PATH]
        own = [audit_log, log_lock_path(audit_log)]
        for data in (self.users, self.calls):
            own += [lock_path(data), journal_path(data)]
        if self.tariff is not None:
            files.append(self.tariff)
        if backup_dirs is None:
            backup_dirs = [self.users.parent / "backup", self.calls.parent / "backup"]
        return Protected(tuple(files), tuple(backup_dirs), tuple(own))

    def tariff_path(self) -> Path | None:
        """The tariff file to read, if any."""
        if self.tariff is not None:
            return self.tariff
        # Anything at the default path is read (and refused there if it is a FIFO, a folder
        # or a broken link): only a path with nothing at all means "the default prices".
        return DEFAULT_TARIFF_PATH if os.path.lexists(DEFAULT_TARIFF_PATH) else None


@dataclass(slots=True)
class Dataset:
    """Users, calls and tariff as loaded, with what is needed to save them safely."""

    paths: DataPaths
    users_file: UsersFile
    calls_file: CallsFile
    tariff: Tariff
    tariff_source: str | None
    formats: dict[str, FileFormat] = field(default_factory=dict)
    """Path text → how the file is encoded (a save writes it back the same way)."""

    @property
    def encodings(self) -> dict[str, str]:
        """Path text → ``utf-8``, ``gb18030``, ``utf-16`` or ``mixed``."""
        return {path: fmt.family for path, fmt in self.formats.items()}

    def screen(self) -> Screening:
        """Split the calls into valid ones and anomalies, against the current users."""
        phones = {u.phone for u in self.users_file.users}
        return screen_calls(self.calls_file.calls, phones, self.calls_file.malformed)


def load_tariff(path: Path | None) -> tuple[Tariff, str | None]:
    """The tariff at ``path`` (defaults when ``None``) and its source name."""
    if path is None:
        return DEFAULT_TARIFF, None
    data = read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TariffError("tariff.encoding", source=str(path)) from None
    return parse_tariff(text, str(path)), str(path)


def load_users_file(path: Path) -> tuple[UsersFile, FileFormat]:
    """users.txt → (contents, format)."""
    decoded = decode(read_bytes(path))
    return load_users(decoded.lines, str(path), decoded.unreadable), decoded.format


