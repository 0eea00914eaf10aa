"""The rich console the UI layers print through."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from rich.console import Console


class TelbillConsole(Console):
    """A rich Console whose reader going away (``telbill | head``) is not an error.

    rich's own handler exits with status 1; the spec allows only 0, 2 and 130, and a
    closed pipe means the reader had enough, so the UI turns it into exit 0.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        if self.file is sys.stdout or self.file is sys.__stdout__:
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
        raise BrokenPipeError


def make_console(**kwargs: Any) -> TelbillConsole:
    """A console that prints data literally: no markup, emoji codes or highlighting."""
    options: dict[str, Any] = {"highlight": False, "markup": False, "emoji": False}
    options.update(kwargs)
    return TelbillConsole(**options)
