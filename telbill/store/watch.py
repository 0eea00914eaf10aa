"""Files telbill replaced, kept open: what another program writes into one after a save is found.

A save that rewrites a data file renames a new file over it. A program that had
the old file open for appending (a switch or mediation process writing call
records) keeps writing into the old file, which no name leads to any more. So
the session keeps each replaced file open for as long as it runs and looks at
it before every menu item (:meth:`Replaced.found`): lines written there since
are added to the new file as a change of their own (audit action
``found-line``), and the operator is told.

An appender that takes the documented ``flock`` on the data file never meets
this (:func:`telbill.files.access.appenders_out`).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from telbill.constants import DataKind
from telbill.files.decoding import FileFormat, split_lines

MAX_WATCHED = 64
"""Replaced files kept open per data file; past that the one kept longest is let go."""


@dataclass(slots=True)
class Replaced:
    """A data file as it was before a save replaced it, open, and how far it has been looked at."""

    kind: DataKind
    fd: int
    offset: int
    """Bytes looked at: its size when it was replaced, then up to the last line found."""
    fmt: FileFormat
    """Its format (the lines found are read in it)."""

    def found(self, *, final: bool = False) -> list[str]:
        """The whole lines written into it since it was last looked at (``final``: a last line
        without its line end too: nothing more will be looked at); they are looked at only once."""
        try:
            size = os.fstat(self.fd).st_size
            if size <= self.offset:
                return []
            data = os.pread(self.fd, size - self.offset, self.offset)
        except OSError:
            return []
        used = len(data) if final else complete_lines(data, self.fmt)
        if not used:
            return []
        self.offset += used
        return decode_found(data[:used], self.fmt)

    def close(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1

    def __del__(self) -> None:  # a session dropped without close() lets its files go
        self.close()


def complete_lines(data: bytes, fmt: FileFormat) -> int:
    """How many bytes at the start of ``data`` are whole lines (ended by a line end)."""
    if fmt.encoding.startswith("utf-16"):
        text = data[: len(data) // 2 * 2].decode(fmt.encoding, "surrogatepass")
        cut = max(text.rfind("\n"), text.rfind("\r")) + 1
        return len(text[:cut].encode(fmt.encoding, "surrogatepass"))
    return max(data.rfind(b"\n"), data.rfind(b"\r")) + 1


def decode_found(data: bytes, fmt: FileFormat) -> list[str]:
    """Lines written in the file's format; bytes not valid in it are kept (``surrogateescape``),
    so that writing the lines back gives them unchanged."""
    if fmt.encoding.startswith("utf-16"):
        return split_lines(data.decode(fmt.encoding, "surrogatepass"))
    codec = "utf-8" if fmt.encoding == "mixed" else fmt.encoding
    return split_lines(data.decode(codec, "surrogateescape"))
