"""The keyboard between two questions: keys typed while telbill is busy are thrown away.

While a question is on the screen, prompt_toolkit reads every key. In between
(telbill sorting, saving, reading a file again) the terminal would echo what is
typed onto the screen and keep it for the next question, where an early Enter
would answer it. So for as long as the menu runs on a terminal:

- the terminal does not echo typed keys (prompt_toolkit draws what a question
  takes; Ctrl-C still interrupts);
- right before each question, keys typed since the last one are thrown away,
  both those the terminal holds and those prompt_toolkit read ahead.

Tests that type through a prompt_toolkit pipe keep their keys (:class:`KeepKeys`).
"""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Any, Protocol, Self

from prompt_toolkit.input.typeahead import clear_typeahead


class TypedKeys(Protocol):
    """What happens to keys typed before a question is shown."""

    def discard(self) -> None:
        """Throw away the keys typed since the last question."""
        ...


class KeepKeys:
    """Keys typed ahead are kept for the next question (a script typing through a pipe)."""

    def discard(self) -> None:
        """Nothing is thrown away."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None


class _ByFd:
    """What prompt_toolkit keeps read-ahead keys under, for a terminal's file descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def typeahead_hash(self) -> str:
        return f"fd-{self.fd}"  # as prompt_toolkit's Vt100Input names the keys it read ahead


class TerminalKeys:
    """A terminal's keyboard while the menu runs: no echo between questions, and keys typed
    ahead thrown away before each question. ``with TerminalKeys(fd):`` puts the terminal's
    settings back as they were on the way out."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._saved: list[Any] | None = None

    def __enter__(self) -> Self:
        try:
            import termios
        except ImportError:  # pragma: no cover - not on POSIX
            return self
        with contextlib.suppress(OSError, termios.error):
            self._saved = termios.tcgetattr(self.fd)
            quiet = termios.tcgetattr(self.fd)
            quiet[3] &= ~(termios.ECHO | termios.ECHONL)
            termios.tcsetattr(self.fd, termios.TCSANOW, quiet)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._saved is None:
            return
        import termios

        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(self.fd, termios.TCSANOW, self._saved)

    def discard(self) -> None:
        try:
            import termios
        except ImportError:  # pragma: no cover - not on POSIX
            return
        with contextlib.suppress(OSError, termios.error):
            termios.tcflush(self.fd, termios.TCIFLUSH)
        clear_typeahead(_ByFd(self.fd))  # type: ignore[arg-type]
