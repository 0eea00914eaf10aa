"""Where telbill may write a report: never over an input, nor over a file that is not its own.

An output path is refused when it names one of telbill's inputs (the data
files, the tariff file whether it exists or not, the audit log, anything in a
backup folder, the lock files), whatever ``force`` says. An existing output
that telbill did not write (its first line is not one of telbill's headers),
that is read-only, or that is not a regular file is refused too, unless
``force`` (the menu asks the operator first). Devices and folders are never
replaced.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from telbill.errors import OutputError

CSV_FIRST_LINE = b"month,phone,name,rent,feature,local,long_distance,total"


def our_first_lines() -> frozenset[bytes]:
    """The exact first lines of the files telbill writes: the bill-detail and anomalies
    files' title comment in either language, and the CSV header. (A data file that
    merely starts with ``# telbill …`` is not one of them.)"""
    from telbill.text.messages import CATALOG

    titles = (f"# {text}".encode() for key in ("bill.title", "anomalies.title") for text in CATALOG[key])
    return frozenset((*titles, *EARLIER_FIRST_LINES, CSV_FIRST_LINE))


EARLIER_FIRST_LINES = ("# telbill 异常话单（修正后可重新载入）".encode(),)
"""Titles earlier versions of telbill wrote (the Chinese anomalies file's, before it said that its
codes stay in English): a file that starts so is still telbill's own, replaced without ``--force``."""
_HEAD_BYTES = 512


class NotOursError(OutputError):
    """An existing output that telbill did not write, or that is read-only: replaced only if asked."""


@dataclass(frozen=True, slots=True)
class Protected:
    """The paths telbill reads or keeps for itself: never an output."""

    files: tuple[Path, ...]
    """The inputs (existing or not)."""
    folders: tuple[Path, ...] = field(default=())
    """Folders whose contents are telbill's own (the backup folders)."""
    own: tuple[Path, ...] = field(default=())
    """telbill's own files: the audit log, the locks and journals of the data files."""

    def refuse(self, out: Path) -> None:
        """Raise OutputError when ``out`` is one of these paths or inside one of the folders."""
        for src in self.files:
            if same_file(out, src):
                raise OutputError("output.is_input", path=str(out))
        for src in self.own:
            if same_file(out, src):
                raise OutputError("output.is_own", path=str(out))
        where = resolved(out)
        for folder in self.folders:
            base = resolved(folder)
            if where == base or base in where.parents:
                raise OutputError("output.protected", path=str(out), folder=str(folder))


def resolved(path: Path) -> Path:
    """``path`` made absolute with links followed where they can be (a link loop stays as it is)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return Path(os.path.abspath(path))


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (existing or not)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except (OSError, ValueError):
        pass
    return resolved(a) == resolved(b)


def refuse_twice(outputs: Sequence[Path]) -> None:
    """Raise OutputError when two outputs name the same file."""
    for i, a in enumerate(outputs):
        for b in outputs[i + 1:]:
            if same_file(a, b):
                raise OutputError("output.twice", path=str(a))


def is_ours(path: Path) -> bool:
    """Whether the existing file at ``path`` begins as the files telbill writes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, _HEAD_BYTES)
    finally:
        os.close(fd)
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    return first in our_first_lines()


def check_replaceable(out: Path, *, force: bool) -> None:
    """Refuse to replace an existing ``out`` that is not telbill's own or is read-only
    (NotOursError unless ``force``), or that is a device, a FIFO or a folder (always)."""
    try:
        st = os.stat(out)
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet: the write says what is wrong
        return
    except OSError as exc:  # a link loop, a path through a file, no permission
        raise OutputError("output.unwritable", path=str(out), reason=exc.strerror or str(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError("output.directory", path=str(out))
    if not stat.S_ISREG(st.st_mode):
        raise OutputError("output.not_regular", path=str(out))
    if force:
        return
    if not st.st_mode & 0o222:
        raise NotOursError("output.read_only", path=str(out))
    try:
        ours = is_ours(out)
    except OSError as exc:
        raise OutputError("output.unwritable", path=str(out), reason=exc.strerror or str(exc)) from None
    if not ours:
        raise NotOursError("output.not_ours", path=str(out))


def check_outputs(outputs: Iterable[Path], protected: Protected, *, force: bool = False) -> None:
    """Every check above for each of ``outputs``, before anything is written."""
    names = list(outputs)
    for out in names:
        protected.refuse(out)
    refuse_twice(names)
    for out in names:
        check_replaceable(out, force=force)
