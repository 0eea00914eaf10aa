"""Faults a test makes happen: a disk that fills up while one file is written."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any

import pytest


def full_disk(monkeypatch: pytest.MonkeyPatch, ending: str) -> Callable[[int, Any], int]:
    """Writing to a file whose path ends with ``ending`` fails: no space left on the disk until
    the end of the test, or until ``os.write`` is set back to what this returns."""
    real = os.write

    def write(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(ending):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(os, "write", write)
    return real
