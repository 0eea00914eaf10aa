"""Loading the data files named by paths into memory, with their fingerprints."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from telbill.checking import CheckResult, check_calls
from telbill.decoding import decode
from telbill.errors import InputFileError, TariffError
from telbill.loader import CallsFile, UsersFile, load_calls, load_users
from telbill.storage import digest, read_bytes
from telbill.tariff import DEFAULT_TARIFF, Tariff, parse_tariff

LoadProgress = Callable[[int, int], None]
"""Called with (lines read, lines in the file) while calls.txt is read."""

DEFAULT_USERS = Path("data/users.txt")
DEFAULT_CALLS = Path("data/calls.txt")
DEFAULT_TARIFF_PATH = Path("data/tariff.toml")


@dataclass(frozen=True, slots=True)
class DataPaths:
    """Where the data files are."""

    users: Path = DEFAULT_USERS
    calls: Path = DEFAULT_CALLS
    tariff: Path | None = None
    """An explicit tariff file; ``None`` means ``data/tariff.toml`` if present."""

    def tariff_path(self) -> Path | None:
        """The tariff file to read, if any."""
        if self.tariff is not None:
            return self.tariff
        return DEFAULT_TARIFF_PATH if DEFAULT_TARIFF_PATH.is_file() else None


@dataclass(slots=True)
class Dataset:
    """Users, calls and tariff as loaded, with what is needed to save them safely."""

    paths: DataPaths
    users_file: UsersFile
    calls_file: CallsFile
    tariff: Tariff
    tariff_source: str | None
    encodings: dict[str, str] = field(default_factory=dict)
    """Path text → ``utf-8``, ``gb18030`` or ``mixed``."""
    digests: dict[str, str] = field(default_factory=dict)
    """Path text → content fingerprint at load time."""

    def check(self) -> CheckResult:
        """Split the calls into valid ones and anomalies, against the current users."""
        phones = {u.phone for u in self.users_file.users}
        return check_calls(self.calls_file.calls, phones, self.calls_file.malformed)


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


def load_users_file(path: Path) -> tuple[UsersFile, str, str]:
    """users.txt → (contents, encoding, fingerprint)."""
    data = read_bytes(path)
    decoded = decode(data)
    return load_users(decoded.lines, str(path), decoded.unreadable), decoded.encoding, digest(data)


def load_calls_file(
    path: Path, progress: LoadProgress | None = None, lean: bool = False,
) -> tuple[CallsFile, str, str]:
    """calls.txt → (contents, encoding, fingerprint).

    ``lean=True`` (a batch run, which never saves calls.txt) keeps no copy of the
    file's lines: each line is let go as soon as it has been read (see
    :func:`telbill.loader.load_calls`), which roughly halves the peak memory.
    """
    data = read_bytes(path)
    decoded = decode(data)
    fingerprint = digest(data)
    del data
    total = len(decoded.lines)

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)

    callback = report if progress is not None else None
    lines: Iterable[str] = _drain(decoded.lines) if lean else decoded.lines
    loaded = load_calls(lines, str(path), decoded.unreadable, callback, keep_lines=not lean)
    return loaded, decoded.encoding, fingerprint


def _drain(lines: list[str]) -> Iterator[str]:
    """The items of ``lines`` in order, each dropped from the list as it is handed out."""
    lines.reverse()
    pop = lines.pop
    while lines:
        yield pop()


def load_dataset(paths: DataPaths, progress: LoadProgress | None = None, lean: bool = False) -> Dataset:
    """Read all three files. Missing files raise; bad lines are kept as problems.

    ``lean=True`` loads calls.txt for a batch run only (see :func:`load_calls_file`).
    """
    tariff, tariff_source = load_tariff(paths.tariff_path())
    if paths.users == paths.calls:
        raise InputFileError("input.same", path=str(paths.users))
    users_file, users_enc, users_digest = load_users_file(paths.users)
    calls_file, calls_enc, calls_digest = load_calls_file(paths.calls, progress, lean)
    return Dataset(
        paths, users_file, calls_file, tariff, tariff_source,
        encodings={str(paths.users): users_enc, str(paths.calls): calls_enc},
        digests={str(paths.users): users_digest, str(paths.calls): calls_digest},
    )
