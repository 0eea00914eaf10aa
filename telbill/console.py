"""The rich console the UI layers print through: data is shown, never obeyed."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.text import Text

from telbill.errors import StdoutError
from telbill.text.display import shown


def _shown_lines(text: str) -> str:
    """:func:`shown` line by line: the UI's own line breaks stay (data never holds one)."""
    if text.isprintable():
        return text
    return "\n".join(map(shown, text.split("\n")))


def _safe(obj: Any) -> Any:
    """A string or Text with every character a terminal could obey shown escaped."""
    if isinstance(obj, str):
        return _shown_lines(obj)
    if isinstance(obj, Text) and not obj.plain.isprintable():
        safe = _shown_lines(obj.plain)
        if safe != obj.plain:  # the spans no longer line up: keep the text's own style only
            return Text(safe, style=obj.style, justify=obj.justify, no_wrap=obj.no_wrap, end=obj.end)
    return obj


class TelbillConsole(Console):
    """A rich Console that shows text escaped (SPEC §10) and whose reader going away
    (``telbill | head``) is not an error.

    Every string and Text printed goes through :func:`telbill.text.display.shown`, so
    that text from a data file or the command line (names, record texts, paths)
    can never move the cursor, retitle the window or hide what follows. rich's
    own broken-pipe handler exits with status 1; the spec allows only 0, 2 and
    130, and a closed pipe means the reader had enough, so the UI turns it into
    exit 0.
    """

    def print(self, *objects: Any, **kwargs: Any) -> None:
        with self._written():
            super().print(*map(_safe, objects), **kwargs)

    def out(self, *objects: Any, **kwargs: Any) -> None:
        with self._written():
            super().out(*map(_safe, objects), **kwargs)

    @contextlib.contextmanager
    def _written(self) -> Iterator[None]:
        """Standard output that cannot be written (a full disk, an I/O error) raises StdoutError,
        which the UI says in one line; a closed pipe is rich's :meth:`on_broken_pipe`."""
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            if self.stderr or self.file is sys.stderr:  # where errors are said: nothing to say it on
                raise
            raise StdoutError("output.stdout", reason=exc.strerror or str(exc)) from None

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
