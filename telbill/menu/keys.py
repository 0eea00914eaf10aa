"""The keyboard between two questions: keys typed while telbill is busy are thrown away.

While a question is on the screen, prompt_toolkit reads every key. In between
(telbill sorting, saving, reading a file again) the terminal would echo what is
typed onto the screen and keep it for the next question, where an early Enter
would answer it. So for as long as the menu runs on a terminal:

- the terminal does not echo typed keys (prompt_toolkit draws what a question
  takes; Ctrl-C still interrupts);
- right before each question, keys typed since the last one are thrown away,
  both those the terminal holds and those prompt_toolkit read ahead.

A stop signal (SIGTERM, or SIGHUP: the terminal closed) still ends the menu at once, as it
would without telbill's help, but the terminal's settings are put back first: a menu stopped by
``timeout`` or a shell's ``kill`` does not leave the user typing blind.

Tests that type through a prompt_toolkit pipe keep their keys (:class:`KeepKeys`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from types import FrameType, TracebackType
from typing import Any, Protocol, Self

from prompt_toolkit.input.typeahead import clear_typeahead

from telbill.interrupts import STOP_SIGNALS


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
        self._handlers: dict[int, Any] = {}
        """The stop signals' handlers before the menu's, by signal: put back on the way out."""

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
        if self._saved is not None and threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is signal.SIG_DFL:  # one ignored (nohup) stays ignored
                    self._handlers[signum] = signal.signal(signum, self._stopped)
        return self

    def _stopped(self, signum: int, frame: FrameType | None) -> None:
        """A stop signal: the terminal as it was, then the signal's own end (a save it cuts short
        is mended by its journal at the next start, as after ``kill -9``)."""
        self._restore()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for signum, handler in self._handlers.items():
            signal.signal(signum, handler)
        self._handlers.clear()
        self._restore()

    def _restore(self) -> None:
        """The terminal's settings as they were before the menu."""
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
