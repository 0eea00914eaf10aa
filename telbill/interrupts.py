"""Ctrl-C held back while a step that must not be cut in two is made.

One holder serves the batch and the menu, which differ only in what happens to
a Ctrl-C that came meanwhile once the step is done:

- the batch's final renames raise it then, as :class:`DeferredInterrupt`, so the
  program ends saying that the output files are complete;
- a menu save drops it: the change was made (and what the menu holds was
  updated), and the menu says ``Saved …``.

Holds nest: inside a hold, another one changes nothing, and the outer one
decides what happens to the Ctrl-C.

``telbill bill`` takes SIGTERM (``timeout``, systemd, a cron wrapper's kill) and SIGHUP (a closed
terminal) as it takes Ctrl-C (:func:`stops_as_ctrl_c`): raised as :class:`Stopped`, a
KeyboardInterrupt, so that the same clean-up runs, and held as Ctrl-C is; it then exits
128 + the signal's number (:func:`exit_code`). The menu leaves them as they are (they end it at
once, as ``kill -9`` would: a save's journal makes its files whole on the next start).

A Ctrl-C that Python could not raise is kept too (:func:`keeping_unraised`): one
that comes while the garbage collector runs a weak reference's callback or a
finaliser is "ignored", printed with a traceback (seen in the menu on a loaded
machine: a ``WeakSet`` callback, and the menu stayed open).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""The signals ``telbill bill`` takes as it takes Ctrl-C (:func:`stops_as_ctrl_c`)."""


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C would be, so that the same clean-up runs."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__()
        self.signum = signum
        """The signal that came (SIGINT: Ctrl-C)."""


class DeferredInterrupt(Stopped):
    """Ctrl-C (or a stop signal) that was held back until a block had finished: all it did is done."""


def signal_number(exc: BaseException) -> int:
    """The signal that raised ``exc`` (or the interrupt it was raised from): SIGINT unless a
    stop signal did (:class:`Stopped`)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Stopped):
            return seen.signum
        seen = seen.__cause__ or seen.__context__
    return signal.SIGINT


def exit_code(exc: BaseException) -> int:
    """What a run ended by ``exc`` exits with: 128 + the signal's number, as shells say it (130 for
    Ctrl-C, 143 for SIGTERM, 129 for SIGHUP)."""
    return 128 + signal_number(exc)


def signal_name(exc: BaseException) -> str | None:
    """The stop signal's name (``SIGTERM``) that raised ``exc``, or ``None`` for Ctrl-C."""
    signum = signal_number(exc)
    return None if signum == signal.SIGINT else signal.Signals(signum).name


def _stop(signum: int, frame: object) -> None:
    """The first stop signal raises; one more (``timeout`` and systemd may send another) is ignored
    while the run cleans up (:func:`stops_as_ctrl_c` puts the handlers back at the end)."""
    _ignore_stops()
    raise Stopped(signum)


def _ignore_stops() -> None:
    """The stop signals taken as Ctrl-C ignored from now on: one came, and the run cleans up
    (:func:`_stop`, or :func:`held` once the block it held one back for is done)."""
    for each in STOP_SIGNALS:
        if signal.getsignal(each) is _stop:
            signal.signal(each, signal.SIG_IGN)


@contextlib.contextmanager
def stops_as_ctrl_c() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise :class:`Stopped` (main thread only; a signal
    ignored already, as under ``nohup``, stays ignored), and are held as Ctrl-C is (:func:`held`);
    a forked worker ignores them (its parent stops it: :func:`telbill.processes.fork_kept`)."""
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            if signal.getsignal(signum) == signal.SIG_DFL:
                previous[signum] = signal.signal(signum, _stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stops_taken() -> list[signal.Signals]:
    """The stop signals raised as Ctrl-C now (:func:`stops_as_ctrl_c`)."""
    return [signum for signum in STOP_SIGNALS if signal.getsignal(signum) is _stop]


_holding = False
"""Whether the main thread is inside a hold now."""


@dataclass(slots=True)
class _Told:
    """A hold that lasts until the caller has told what was done (:func:`held_until_told`)."""

    handed: bool = False
    """Whether a hold began inside (and was handed over: Ctrl-C is held from then on)."""
    previous: Any = None
    """The handler of SIGINT before that hold began, put back at the end."""


_until_told: _Told | None = None
"""Inside :func:`held_until_told` (main thread only)."""


@contextlib.contextmanager
def held_until_told() -> Iterator[None]:
    """Ctrl-C acts at once while the block runs, until a hold that drops it begins inside it (a
    menu save commits: ``held(reraise=False)``); from then on it is held back to the end of this
    block, and then dropped: what was saved is told before a Ctrl-C that came meanwhile can cut
    the telling off (one that came just as the save's own hold ended hid the ``Saved …`` lines).
    A hold that raises its Ctrl-C once done (a spinner's stop, a file's renames, a fork) is not
    handed on: it ends as it would outside this block (handed on, every Ctrl-C after the first
    spinner of an item was dropped, a bill being written or a lock waited for uncut)."""
    global _until_told, _holding
    if _until_told is not None or _holding or threading.current_thread() is not threading.main_thread():
        yield
        return
    told = _until_told = _Told()
    try:
        yield
    finally:
        _until_told = None
        if told.handed:
            _holding = False
            signal.signal(signal.SIGINT, told.previous)


@contextlib.contextmanager
def held(*, reraise: bool) -> Iterator[None]:
    """Hold Ctrl-C back while the block runs (main thread only).

    When the block has completed, a Ctrl-C that came meanwhile is raised as
    :class:`DeferredInterrupt` (``reraise``) or dropped. A block that raises
    ends the hold with its own exception.
    """
    global _holding
    if _holding or threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except (ValueError, OSError):
        yield
        return
    stops = {signum: signal.signal(signum, lambda signum, frame: caught.append(signum))
             for signum in (stops_taken() if reraise else [])}  # the menu's saves never see them
    _holding = True
    try:
        yield
    finally:
        for signum, handler in stops.items():
            signal.signal(signum, handler)
        if _until_told is not None and not reraise:  # a save's: held on until the caller has told what was done
            _until_told.handed, _until_told.previous = True, previous
        else:
            _holding = False
            signal.signal(signal.SIGINT, previous)
    stopped = [signum for signum in caught if signum != signal.SIGINT]
    if stopped and reraise:
        _ignore_stops()  # as when one raises at once: another does not cut the clean-up short
        raise DeferredInterrupt(stopped[0])
    if caught and reraise:
        if previous is signal.default_int_handler:
            raise DeferredInterrupt
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous != signal.SIG_IGN:
            raise DeferredInterrupt


_unraised: list[KeyboardInterrupt] = []
"""Ctrl-C that came where Python could not raise it, not yet taken (:func:`unraised`)."""


@contextlib.contextmanager
def keeping_unraised() -> Iterator[None]:
    """While the block runs, a Ctrl-C that Python could not raise is kept for :func:`unraised`,
    not printed; any other such exception is printed as before."""
    previous = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _unraised.append(unraisable.exc_value)
        else:
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous
        _unraised.clear()


def unraised() -> bool:
    """Whether a Ctrl-C came that Python could not raise, since the last call (it is taken)."""
    came = bool(_unraised)
    _unraised.clear()
    return came
