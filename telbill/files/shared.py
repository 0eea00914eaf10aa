"""A file written by several processes at once, each its own range of its bytes.

The process that stages the file (:func:`telbill.files.access.stage`) writes the bytes
from its start, as with any file; :meth:`SharedFile.start`, called once the temporary
file is open, has other processes write the rest into the same file, each at the byte
where its range begins (``pwrite``: the descriptor's own position, which the first
process moves, is never used). The file is complete once :meth:`SharedFile.wait`
returns; on any error or Ctrl-C :meth:`SharedFile.stop` ends the others before the
temporary file is removed, so the all-or-nothing rule of a staged file holds as ever.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class SharedFile(Protocol):
    """A file's bytes, some written by other processes (see the module): iterating gives what
    this process writes, from the file's start."""

    def __iter__(self) -> Iterator[bytes]: ...

    def start(self, fd: int, path: Path) -> None:
        """Have the other processes begin writing their ranges into ``fd`` (the temporary file of
        ``path``, open to write; their errors name ``path``)."""

    def wait(self, written: int) -> None:
        """Wait until every other process has written its range, this one having written
        ``written`` bytes from the start; raise the first error of one of them, or RuntimeError
        when the ranges do not meet end to end."""

    def stop(self) -> None:
        """End the other processes (on an error or Ctrl-C): none writes to the file afterwards."""


class At:
    """A file written from byte ``offset`` on by ``pwrite`` (as :func:`telbill.files.behind.write_behind`
    writes to a file): the position of ``fd``, which another process may share and move, is left alone."""

    def __init__(self, fd: int, offset: int) -> None:
        self.fd = fd
        self.offset = offset

    def writelines(self, chunks: list[bytes], /) -> None:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                done = os.pwrite(self.fd, view, self.offset)
                self.offset += done
                view = view[done:]
