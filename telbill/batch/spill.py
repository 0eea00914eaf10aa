"""Spill files: calls.txt's lines split by caller on disk, for a run bigger than its memory budget.

A run that bills in partitions (:mod:`telbill.batch.partition`) keeps them in a
:class:`SpillFolder`: a folder of its own (``.telbill-spill-…``, mode 0700) in
``$TMPDIR`` when that is set, else beside the bill file (in the nearest folder of
its path that exists; always there for a run on a Dask cluster, whose workers share
the outputs' filesystem, not this machine's ``$TMPDIR``). The run holds a lock on the folder as long as any of its
processes lives, and removes the folder when it ends, on an error and on Ctrl-C
too. A run killed outright (``kill -9``) cannot: the next run in the same place
removes every such folder whose lock is free (the lock dies with the processes).

In the folder, each piece of calls.txt read in the first pass writes one file
per bucket of subscribers (:class:`SpillWriter`); a file is a run of frames, each
a bucket's lines of one block in file order with their line numbers, as the parts
of an in-memory run send them to each other (:class:`telbill.batch.part.Feed`),
read back by :class:`SpillFeed`. What billing a partition sets aside is kept in a file of
frames too (:func:`write_chunks`, :func:`read_chunks`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import struct
import tempfile
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Self

from telbill.errors import OutputError

SPILL_PREFIX = ".telbill-spill-"
"""The name of a spill folder starts so (and only such folders are ever removed as stale)."""
_MAKING_PREFIX = ".telbill-spill-making-"
"""A spill folder's name until its lock is held (so that another run never takes it for stale)."""
MAKING_STALE_SECONDS = 3600
"""A folder left half made (a run killed in the instant between making it and locking it)
is removed once it is this old."""
_LINES_HEAD = struct.Struct("<qqq")  # lines, bytes of text, unreadable line numbers
_CHUNK_HEAD = struct.Struct("<qq")  # line numbers, pieces
_PIECE_HEAD = struct.Struct("<q")


def spill_base(near: Path, shared: bool = False) -> Path:
    """Where a run's spill folder goes: ``$TMPDIR`` when set, else the nearest existing folder of
    ``near``; ``shared`` (a run on a cluster, whose workers share the outputs' filesystem, not this
    machine's ``$TMPDIR``): always the nearest existing folder of ``near``."""
    tmp = os.environ.get("TMPDIR")
    if tmp and not shared:
        return Path(tmp)
    folder = Path(os.path.abspath(near)).parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder


def spill_error(folder: Path, exc: OSError) -> OutputError:
    """The one-line error of a spill folder or file that cannot be made or written (a full disk)."""
    return OutputError("output.spill", folder=str(folder), reason=exc.strerror or str(exc))


class SpillFolder:
    """A run's own folder of spill files, locked while the run lives (see the module); a context manager."""

    def __init__(self, base: Path) -> None:
        remove_stale(base)
        try:
            making = Path(tempfile.mkdtemp(prefix=_MAKING_PREFIX, dir=base))
            self.fd = os.open(making, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as exc:
            raise spill_error(base, exc) from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.path = base / (SPILL_PREFIX + making.name[len(_MAKING_PREFIX):])
            os.rename(making, self.path)
        except OSError as exc:
            os.close(self.fd)
            shutil.rmtree(making, ignore_errors=True)
            raise spill_error(base, exc) from None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.remove()

    def remove(self) -> None:
        """Remove the folder and everything in it, and let go of its lock."""
        if self.fd < 0:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self.fd)
        self.fd = -1


def remove_stale(base: Path) -> list[Path]:
    """Remove the spill folders in ``base`` that runs killed outright left behind: those of this
    user whose lock is free (their run has ended). Return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for entry in entries:
        if entry.name.startswith(_MAKING_PREFIX):
            stale = _half_made(entry)
        elif entry.name.startswith(SPILL_PREFIX):
            stale = _unlocked(entry)
        else:
            continue
        if stale:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _unlocked(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is a folder of this user that no living run holds locked."""
    try:
        fd = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        if os.fstat(fd).st_uid != os.geteuid():
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
    finally:
        os.close(fd)


def _half_made(entry: os.DirEntry[str]) -> bool:
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    return (entry.is_dir(follow_symlinks=False) and st.st_uid == os.geteuid()
            and time.time() - st.st_mtime > MAKING_STALE_SECONDS)


# -- lines ------------------------------------------------------------------------------


def frame_lines(numbers: array[int], text: bytes, unreadable: Sequence[int]) -> bytes:
    """One frame of a spill file: some lines' numbers (``array("q")``, increasing), the lines joined
    by ``\\n`` (UTF-8 with ``surrogatepass``: any text, unreadable bytes kept as surrogates, comes
    back as it was) and the numbers of unreadable lines."""
    # The array joined as it is (bytes.join takes any buffer), without an empty one for the
    # unreadable lines of the usual frame: 0.34 us a frame against 0.54 (timeit, 41 lines).
    parts: list[bytes | array[int]] = [_LINES_HEAD.pack(len(numbers), len(text), len(unreadable)), numbers, text]
    if unreadable:
        parts.append(array("q", unreadable))
    return b"".join(parts)


class SpillWriter:
    """The spill files one piece of calls.txt writes, one per bucket (opened as first needed)."""

    def __init__(self, folder: Path, piece: int) -> None:
        self.folder = folder
        self.piece = piece
        self.files: dict[int, BinaryIO] = {}

    def write(self, bucket: int, frame: bytes) -> None:
        out = self.files.get(bucket)
        try:
            if out is None:
                out = self.files[bucket] = open(bucket_path(self.folder, bucket, self.piece), "xb", buffering=0)  # noqa: SIM115
            out.write(frame)
        except OSError as exc:
            raise spill_error(self.folder, exc) from None

    def close(self) -> None:
        for out in self.files.values():
            with contextlib.suppress(OSError):
                out.close()
        self.files.clear()

    def discard(self) -> None:
        """Remove every file written so far (the piece is read again)."""
        self.close()
        for path in self.folder.glob(f"b*-r{self.piece:04d}"):
            path.unlink(missing_ok=True)


def bucket_path(folder: Path, bucket: int, piece: int) -> Path:
    """The spill file of ``bucket``'s lines from ``piece`` of calls.txt."""
    return folder / f"b{bucket:05d}-r{piece:04d}"


FEED_LINES = 1024
"""A partition's lines are handed on at least this many at a time (where a spill file holds them):
with hundreds of buckets (a 100M-call file has 400) each frame holds a few dozen lines, and
reading them a frame at a time would cost :class:`~telbill.files.callreader.CallReader` a block
for each few dozen lines instead of each :data:`~telbill.files.callreader.BLOCK`."""
READ_BUFFER = 1 << 18
"""Bytes a spill file is read at a time. A frame's three reads from the default buffer (the
filesystem's block, 4 KiB) made a read call every frame or two (some 41 lines at 100M calls):
reading piece 0 of the 10M starts set's 400 files back took 59-65 ns a line, 45-46 with this
buffer and 46-49 with 64 KiB (process time, the files just written, load 8)."""
Frame = tuple["array[int]", bytes, "array[int]"]
"""A frame read back: line numbers, lines joined by ``\\n``, unreadable line numbers."""
Piece = tuple[int, Sequence[Path]]
"""Some buckets' spill files of one piece of calls.txt, and the lines before that piece."""


def remove_spilled(pieces: Iterable[Piece]) -> None:
    """Remove a partition's spill files once it is billed (by forked workers: a cluster may bill a
    partition again). The folder goes at the end anyway; each file removed by the process that read
    it, while the others bill, is not left to the write phase (some 0.5 s at 10M calls) and its
    pages need not be written out. One that cannot be removed is left to the folder's removal."""
    for _, paths in pieces:
        for path in paths:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


class SpillFeed:
    """A partition's lines from its spill files, as a :class:`telbill.batch.part.Feed`.

    ``pieces``, in file order: each piece's spill files of the partition's buckets (those that
    have lines: a file listed that is gone is an error, see :func:`_read_frames`), and how
    many lines come before the piece (added to its line numbers, which count from the piece's
    start). The files are read one after another, each whole: every caller's lines come in file
    order (they are all in one bucket), the lines of different buckets do not
    (:meth:`telbill.batch.part.Part.read_fed` puts what needs it in line order).
    """

    def __init__(self, pieces: Iterable[Piece]) -> None:
        self.frames = self._frames(pieces)

    def recv(self) -> tuple[str, Any]:
        return next(self.frames, ("end", None))

    @classmethod
    def _frames(cls, pieces: Iterable[Piece]) -> Iterator[tuple[str, Any]]:
        for offset, paths in pieces:
            for path in paths:
                for numbers, text, bad in _joined(_read_frames(path), FEED_LINES):
                    if offset:  # a list comprehension: 43-46 ns a number against 69-73 by map(offset.__add__)
                        numbers = array("q", [n + offset for n in numbers])
                        bad = array("q", [n + offset for n in bad])
                    yield "lines", (numbers.tobytes(), text, list(bad))


def _joined(frames: Iterator[Frame], least: int) -> Iterator[Frame]:
    """One spill file's frames, neighbours joined until they hold at least ``least`` lines (the last
    may hold fewer). They are one bucket's, so their line numbers still increase."""
    held: list[Frame] = []
    lines = 0
    for frame in frames:
        held.append(frame)
        lines += len(frame[0])
        if lines >= least:
            yield _join(held)
            held, lines = [], 0
    if held:
        yield _join(held)


def _join(frames: list[Frame]) -> Frame:
    if len(frames) == 1:
        return frames[0]
    numbers, bad = array("q"), array("q")
    for mine, _, unreadable in frames:
        numbers.extend(mine)
        bad.extend(unreadable)
    return numbers, b"\n".join([text for _, text, _ in frames]), bad


def _read_frames(path: Path) -> Iterator[Frame]:
    """The frames of a spill file; one that is gone is an error (its lines would be lost unsaid)."""
    try:
        fh = open(path, "rb", buffering=READ_BUFFER)  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise OutputError("output.spill_gone", path=str(path)) from None
    with fh:
        while head := fh.read(_LINES_HEAD.size):
            lines, size, unreadable = _LINES_HEAD.unpack(head)
            numbers = array("q")
            numbers.frombytes(fh.read(8 * lines))
            text = fh.read(size)
            bad = array("q")
            bad.frombytes(fh.read(8 * unreadable))
            yield numbers, text, bad


# -- what a partition sets aside ----------------------------------------------------------

Chunk = tuple[list[int], list[bytes]]
"""Some lines of the anomalies file: their line numbers and their bytes (see
:func:`telbill.batch.anomaly_lines.anomaly_chunks`)."""


@dataclass(frozen=True, slots=True)
class ChunkIndex:
    """Where each chunk of a file :func:`write_chunks` wrote starts: kept as the file is written, so
    that a range of its line numbers can be read (and the bytes before it counted) without reading
    the file from its start. Chunk ``j``'s first line number is ``firsts[j]``; its head is at byte
    ``offsets[j]`` of the file; ``lines[j]`` lines and ``sizes[j]`` bytes of the anomalies file come
    before it. The last entry of ``offsets``, ``lines`` and ``sizes`` is the file's whole."""

    firsts: array[int]
    offsets: array[int]
    lines: array[int]
    sizes: array[int]


def write_chunks(path: Path, chunks: Iterable[Chunk]) -> ChunkIndex:
    """Write ``chunks`` (an empty one left out) to a new file ``path``; return their index."""
    index = ChunkIndex(array("q"), array("q", [0]), array("q", [0]), array("q", [0]))
    try:
        with open(path, "xb") as out:
            for numbers, pieces in chunks:
                if not numbers:
                    continue
                out.write(_CHUNK_HEAD.pack(len(numbers), len(pieces)))
                out.write(array("q", numbers).tobytes())
                for piece in pieces:
                    out.write(_PIECE_HEAD.pack(len(piece)))
                    out.write(piece)
                index.firsts.append(numbers[0])
                index.offsets.append(out.tell())
                index.lines.append(index.lines[-1] + len(numbers))
                index.sizes.append(index.sizes[-1] + sum(map(len, pieces)))
    except OSError as exc:
        raise spill_error(path.parent, exc) from None
    return index


def read_chunks(path: Path, offset: int = 0) -> Iterator[Chunk]:
    """The chunks :func:`write_chunks` wrote to ``path``, one at a time, from the one whose head is
    at byte ``offset`` (see :class:`ChunkIndex`)."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        while head := fh.read(_CHUNK_HEAD.size):
            count, n_pieces = _CHUNK_HEAD.unpack(head)
            numbers = array("q")
            numbers.frombytes(fh.read(8 * count))
            pieces = []
            for _ in range(n_pieces):
                (size,) = _PIECE_HEAD.unpack(fh.read(_PIECE_HEAD.size))
                pieces.append(fh.read(size))
            yield numbers.tolist(), pieces
