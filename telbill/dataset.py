"""Loading the data files named by paths into memory, with their fingerprints."""

from __future__ import annotations

import hashlib
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
from telbill.decoding import FileFormat, decode
from telbill.errors import InputFileError, TariffError
from telbill.loader import CallsFile, UsersFile, load_calls, load_users
from telbill.outputs import Protected
from telbill.screening import Screening, screen_calls
from telbill.storage import lock_path, read_bytes
from telbill.store.journal import journal_path
from telbill.tariff import DEFAULT_TARIFF, Tariff, parse_tariff

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
        too, whether it exists or not), the audit log, the lock and journal files and
        the backup folders."""
        files = [self.users, self.calls, DEFAULT_TARIFF_PATH, audit_log]
        for data in (self.users, self.calls):
            files += [lock_path(data), journal_path(data)]
        if self.tariff is not None:
            files.append(self.tariff)
        if backup_dirs is None:
            backup_dirs = [self.users.parent / "backup", self.calls.parent / "backup"]
        return Protected(tuple(files), tuple(backup_dirs))

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
    digests: dict[str, str] = field(default_factory=dict)
    """Path text → content fingerprint at load time."""

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


def load_users_file(path: Path) -> tuple[UsersFile, FileFormat, str]:
    """users.txt → (contents, format, fingerprint)."""
    data = read_bytes(path)
    decoded = decode(data)
    return load_users(decoded.lines, str(path), decoded.unreadable), decoded.format, hashlib.sha256(data).hexdigest()


def load_calls_file(path: Path, progress: LoadProgress | None = None) -> tuple[CallsFile, FileFormat, str]:
    """calls.txt → (contents, format, fingerprint)."""
    data = read_bytes(path)
    fingerprint = hashlib.sha256(data).hexdigest()
    decoded = decode(data)
    del data
    total = len(decoded.lines)

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)

    callback = report if progress is not None else None
    loaded = load_calls(decoded.lines, str(path), decoded.unreadable, callback)
    return loaded, decoded.format, fingerprint


def load_dataset(paths: DataPaths, progress: LoadProgress | None = None) -> Dataset:
    """Read all three files. Missing files raise; bad lines are kept as problems.

    (A batch run reads calls.txt its own way: :mod:`telbill.part`.)
    """
    tariff, tariff_source = load_tariff(paths.tariff_path())
    if paths.users == paths.calls:
        raise InputFileError("input.same", path=str(paths.users))
    users_file, users_fmt, users_digest = load_users_file(paths.users)
    calls_file, calls_fmt, calls_digest = load_calls_file(paths.calls, progress)
    return Dataset(
        paths, users_file, calls_file, tariff, tariff_source,
        formats={str(paths.users): users_fmt, str(paths.calls): calls_fmt},
        digests={str(paths.users): users_digest, str(paths.calls): calls_digest},
    )
