"""Loading the data files named by paths into memory, with their fingerprints."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from telbill.constants import (
    DEFAULT_AUDIT_LOG,
    DEFAULT_CALLS,
    DEFAULT_TARIFF_PATH,
    DEFAULT_USERS,
)
from telbill.decoding import UTF8_LF, FileFormat, decode
from telbill.errors import InputFileError, TariffError
from telbill.loader import CallsFile, UsersFile, load_calls, load_users
from telbill.outputs import Protected
from telbill.screening import Screening, screen_calls
from telbill.storage import digest, input_error, lock_path, open_input, read_bytes
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
        too, whether it exists or not), the audit log, the lock files and the backup folders."""
        files = [self.users, self.calls, DEFAULT_TARIFF_PATH, audit_log, lock_path(self.users), lock_path(self.calls)]
        if self.tariff is not None:
            files.append(self.tariff)
        if backup_dirs is None:
            backup_dirs = [self.users.parent / "backup", self.calls.parent / "backup"]
        return Protected(tuple(files), tuple(backup_dirs))

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
    formats: dict[str, FileFormat] = field(default_factory=dict)
    """Path text → how the file is encoded (a save writes it back the same way)."""
    digests: dict[str, str] = field(default_factory=dict)
    """Path text → content fingerprint at load time."""

    @property
    def encodings(self) -> dict[str, str]:
        """Path text → ``utf-8``, ``gb18030``, ``utf-16`` or ``mixed``."""
        return {path: fmt.family for path, fmt in self.formats.items()}

    def screen(self, lean: bool = False) -> Screening:
        """Split the calls into valid ones and anomalies, against the current users.

        ``lean=True`` for a batch run (see :func:`telbill.screening.screen_calls`).
        """
        phones = {u.phone for u in self.users_file.users}
        return screen_calls(self.calls_file.calls, phones, self.calls_file.malformed, lean)


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
    return load_users(decoded.lines, str(path), decoded.unreadable), decoded.format, digest(data)


def load_calls_file(
    path: Path, progress: LoadProgress | None = None, lean: bool = False,
) -> tuple[CallsFile, FileFormat, str]:
    """calls.txt → (contents, format, fingerprint).

    ``lean=True`` (a batch run, which never saves calls.txt) keeps no copy of the
    file: a UTF-8 file is read, hashed and decoded a block at a time and each
    line is let go as soon as it has been read (see :func:`telbill.loader.load_calls`),
    so the peak memory is about that of the records alone. Any other file (GB18030,
    mixed, CR line ends) is read whole as usual.
    """
    if lean:
        try:
            return _stream_calls(path, progress)
        except _NotPlainUtf8:
            pass
    data = read_bytes(path)
    fingerprint = digest(data)
    decoded = decode(data)
    del data
    lines: Iterable[str] = _drain(decoded.lines) if lean else decoded.lines
    total = len(decoded.lines)

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)

    callback = report if progress is not None else None
    loaded = load_calls(lines, str(path), decoded.unreadable, callback, keep_lines=not lean)
    return loaded, decoded.format, fingerprint


BLOCK_BYTES = 1 << 20
"""Bytes read at a time by a lean load."""


class _NotPlainUtf8(Exception):
    """The file is not UTF-8 with LF line ends: read it the usual way."""


def _stream_calls(path: Path, progress: LoadProgress | None) -> tuple[CallsFile, FileFormat, str]:
    """A lean load of a UTF-8 file with LF line ends, in one pass over its blocks."""
    hasher = hashlib.sha256()
    try:
        with open_input(path) as fh:
            total = 0
            if progress is not None:  # how many lines, for the progress bar
                size, last = 0, b"\n"
                while block := fh.read(BLOCK_BYTES):
                    total += block.count(b"\n")
                    size, last = size + len(block), block[-1:]
                fh.seek(0)
                bom = fh.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8
                total += last != b"\n" and size > (len(codecs.BOM_UTF8) if bom else 0)
                fh.seek(0)

            def report(done: int) -> None:
                if progress is not None:
                    progress(done, total)

            callback = report if progress is not None else None
            loaded = load_calls(_lines_of(fh, hasher), str(path), frozenset(), callback, keep_lines=False)
    except OSError as exc:
        raise input_error(path, exc) from None
    return loaded, UTF8_LF, hasher.hexdigest()


def _lines_of(fh: BinaryIO, hasher: Any) -> Iterator[str]:
    """The lines of an open file, as ``decode(...).lines`` would give them.

    Raises :class:`_NotPlainUtf8` at the first block that is not UTF-8 or holds a CR.
    """
    rest = b""  # bytes of a line not ended yet
    waiting: list[bytes] = []  # blocks without a line end, after rest (a very long line)
    for block in _blocks(fh, hasher):
        if b"\r" in block:
            raise _NotPlainUtf8
        if b"\n" not in block:
            waiting.append(block)
            continue
        rest = b"".join([rest, *waiting, block])
        waiting.clear()
        cut = rest.rfind(b"\n") + 1
        try:
            text = rest[:cut].decode("utf-8")
        except UnicodeDecodeError:
            raise _NotPlainUtf8 from None
        rest = rest[cut:]
        lines = text.split("\n")
        lines.pop()  # the text ends with a LF
        yield from lines
    rest = b"".join([rest, *waiting])
    if rest:
        try:
            yield rest.decode("utf-8")
        except UnicodeDecodeError:
            raise _NotPlainUtf8 from None


def _blocks(fh: BinaryIO, hasher: Any) -> Iterator[bytes]:
    """The file's bytes a block at a time, hashed, without a leading BOM."""
    head = b""
    while len(head) < len(codecs.BOM_UTF8) and (more := fh.read(len(codecs.BOM_UTF8) - len(head))):
        head += more
    hasher.update(head)
    if head != codecs.BOM_UTF8:
        yield head
    while block := fh.read(BLOCK_BYTES):
        hasher.update(block)
        yield block


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
    users_file, users_fmt, users_digest = load_users_file(paths.users)
    calls_file, calls_fmt, calls_digest = load_calls_file(paths.calls, progress, lean)
    return Dataset(
        paths, users_file, calls_file, tariff, tariff_source,
        formats={str(paths.users): users_fmt, str(paths.calls): calls_fmt},
        digests={str(paths.users): users_digest, str(paths.calls): calls_digest},
    )
