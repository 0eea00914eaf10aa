"""A data file on disk: reading it with its fingerprint, writing its lines in its own format.

A :class:`FileState` is what telbill knows of a file it holds: how it is encoded
(its :class:`~telbill.files.decoding.FileFormat`), whether it ends with a line end, and
its fingerprint: the ``stat`` identity (device, inode, size, modification and
change times) and a SHA-256 of its bytes kept up to date as telbill changes the
file (an append extends the hash; a rewrite hashes what it writes). Whether the
file changed since is answered by one ``stat``; the bytes are hashed again only
when the ``stat`` differs.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from telbill.errors import InputFileError
from telbill.files.access import input_error, is_own, open_input
from telbill.files.decoding import FileFormat
from telbill.store.lines import LineEdit, edited, inserts_by_line


class Stat(NamedTuple):
    """What a data file is known by (with the hash of its bytes): one ``stat``."""

    device: int
    inode: int
    size: int
    modified_ns: int
    changed_ns: int


UNKNOWN_STAT = Stat(0, 0, -1, 0, 0)
"""No file has it: a file held with it is read again before it is used."""

CHUNK_LINES = 8192
"""Lines encoded at a time when a file is written."""
_READ_TRIES = 5
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def stat_of(st: os.stat_result) -> Stat:
    return Stat(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def ends_with_line_end(data: bytes, fmt: FileFormat) -> bool:
    """Whether the file's last line has its line end (an empty file counts as ended)."""
    body = data.removeprefix(fmt.bom_bytes())
    if not body:
        return True
    if fmt.encoding == "utf-16-le":
        return body[-2:] in (b"\n\x00", b"\r\x00")
    if fmt.encoding == "utf-16-be":
        return body[-2:] in (b"\x00\n", b"\x00\r")
    return body[-1:] in (b"\n", b"\r")


@dataclass(slots=True)
class FileState:
    """A data file as telbill holds it: its format and fingerprint."""

    path: Path
    fmt: FileFormat
    final_newline: bool
    """Whether its last line ends with a line end (an append then needs none first)."""
    stat: Stat
    hasher: hashlib._Hash
    """SHA-256 of the file's bytes so far (``.copy()`` it before extending)."""
    exact: bool | None = None
    """Whether writing its lines back in its format gives its very bytes (``None``: not known yet)."""

    @property
    def size(self) -> int:
        return self.stat.size

    @property
    def digest(self) -> str:
        return str(self.hasher.hexdigest())

    def on_disk(self) -> Stat | None:
        """The file's ``stat`` now (``None`` when it is gone)."""
        try:
            return stat_of(os.stat(self.path))
        except OSError:
            return None

    def unchanged(self) -> bool:
        """Whether the file on disk is still what is held: a ``stat``, and a hash only if that differs."""
        now = self.on_disk()
        if now is None:
            return False
        if now == self.stat:
            return True
        if now.size != self.stat.size:
            return False
        if file_digest(self.path) != self.digest:
            return False
        self.stat = now  # touched, or copied back as it was: the same bytes
        return True


def file_digest(path: Path) -> str | None:
    """SHA-256 of the file's bytes, read a block at a time; ``None`` if it cannot be read (or is
    no longer a regular file: a FIFO put in its place is never waited on)."""
    hasher = hashlib.sha256()
    try:
        with open_input(path) as fh:
            while block := fh.read(1 << 20):
                hasher.update(block)
    except (OSError, InputFileError):
        return None
    return hasher.hexdigest()


def read_file(path: Path) -> tuple[bytes, Stat]:
    """The file's bytes and its ``stat``, read so that the two belong together.

    A file that changes while it is read is read again. A missing, folder, FIFO, device or
    unreadable path is an InputFileError (:func:`telbill.files.access.open_input`: nothing waits).
    """
    for _ in range(_READ_TRIES):
        with open_input(path) as fh:
            try:
                before = os.fstat(fh.fileno())
                data = fh.read()
                after = os.fstat(fh.fileno())
            except OSError as exc:
                raise input_error(path, exc) from None
        if stat_of(before) == stat_of(after) and after.st_size == len(data):
            break
    return data, stat_of(after)


def state_of(path: Path, data: bytes, stat: Stat, fmt: FileFormat) -> FileState:
    """The state of a file just read (``data``, ``stat``) in format ``fmt``."""
    return FileState(path, fmt, ends_with_line_end(data, fmt), stat, hashlib.sha256(data))


# -- writing lines ----------------------------------------------------------------------


class _Tail:
    """Passes bytes on one chunk late, so that the file's very last line end can be left off."""

    def __init__(self, out: Callable[[bytes], None]) -> None:
        self.out = out
        self.held = b""

    def put(self, data: bytes) -> None:
        if data:
            if self.held:
                self.out(self.held)
            self.held = data

    def close(self, ended: bool, line_end: bytes) -> None:
        if self.held:
            if not ended and self.held.endswith(line_end):
                self.held = self.held[: -len(line_end)]
            self.out(self.held)
            self.held = b""


class Rendering:
    """The bytes of a file's new lines, in its format, a chunk at a time.

    While the chunks are taken, the SHA-256 of the new bytes is made, and of the
    old lines written the same way: if the latter equals the old file's hash, the
    old file can be rebuilt exactly from its lines (the undo of this edit then
    needs no copy of it).
    """

    def __init__(self, lines: Sequence[str], edit: LineEdit, fmt: FileFormat, *,
                 old_end: bool, new_end: bool, check_old: bool = True) -> None:
        self.lines = lines
        self.edit = edit
        self.fmt = fmt
        self.old_end = old_end
        self.new_end = new_end
        self.new_hash = hashlib.sha256()
        self.old_hash = hashlib.sha256()
        self.check_old = check_old
        """Hash the old lines' bytes too (to know whether the old file can be rebuilt from them)."""
        self.size = 0

    def _out(self, data: bytes) -> None:
        self.new_hash.update(data)
        self.size += len(data)

    def chunks(self) -> Iterator[bytes]:
        fmt, lines = self.fmt, self.lines
        encode = fmt.encode_lines
        written: list[bytes] = []
        new = _Tail(written.append)
        old = _Tail(self.old_hash.update if self.check_old else _ignore)
        bom = fmt.bom_bytes()
        new.put(bom)
        old.put(bom)
        marks = self.edit.marks()
        inserts = inserts_by_line(self.edit)
        count = len(lines)
        for start in range(0, max(count, 1), CHUNK_LINES):
            stop = min(start + CHUNK_LINES, count)
            last = stop + 1 if stop == count else stop  # the end of the file takes the inserts at its end
            old_bytes = encode(list(lines[start:stop]))
            i = bisect_left(marks, start + 1)
            if i < len(marks) and marks[i] <= last:
                new.put(encode(list(edited(lines, self.edit, start, stop, inserts))))
            else:
                new.put(old_bytes)
            old.put(old_bytes)
            yield from self._drain(written)
        line_end = fmt.line_end()
        new.close(self.new_end, line_end)
        old.close(self.old_end, line_end)
        yield from self._drain(written)

    def _drain(self, written: list[bytes]) -> Iterator[bytes]:
        for data in written:
            self._out(data)
            yield data
        written.clear()


def _ignore(data: bytes) -> None:
    pass


def append_bytes(texts: Sequence[str], state: FileState) -> bytes:
    """The bytes that add ``texts`` at the end of the file (a line end first when its last line has none)."""
    lead = b"" if state.final_newline else state.fmt.line_end()
    return lead + state.fmt.encode_lines(list(texts))


# -- names of our own files beside a data file ------------------------------------------


def spare_name(folder: Path, name: str, suffix: str) -> Path:
    """A path ``folder/.NAME.XXXXXXXX.SUFFIX`` that does not exist yet (8 random characters)."""
    while True:
        tag = "".join(secrets.choice(_NAME_CHARS) for _ in range(8))
        candidate = folder / f".{name}.{tag}.{suffix}"
        if not os.path.lexists(candidate):
            return candidate


def remove_leftovers(folder: Path, pattern: re.Pattern[str], keep: set[Path] | None = None) -> list[Path]:
    """Delete the regular files of this user in ``folder`` whose whole name matches ``pattern``
    (never a link or another user's file), but those in ``keep`` (absolute paths); return them."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        if pattern.fullmatch(entry.name) is None:
            continue
        path = Path(folder, entry.name)
        if not is_own(path):
            continue
        if keep and Path(os.path.abspath(path)) in keep:
            continue
        try:
            os.unlink(path)
            removed.append(path)
        except OSError:
            pass
    return removed
