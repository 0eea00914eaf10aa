"""Ctrl-C held back while a step that must not be cut in two is made.

One holder serves the batch and the menu, which differ only in what happens to
a Ctrl-C that came meanwhile once the step is done:

- the batch's final renames raise it then, as :class:`DeferredInterrupt`, so the
  program ends saying that the output files are complete;
- a menu save drops it: the change was made (and what the menu holds was
  updated), and the menu says ``Saved …``.

Holds nest: inside a hold, another one changes nothing, and the outer one
decides what happens to the Ctrl-C.

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


class DeferredInterrupt(KeyboardInterrupt):
    """Ctrl-C that was held back until a block had finished: all it did is done."""


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
    _holding = True
    try:
        yield
    finally:
        if _until_told is not None and not reraise:  # a save's: held on until the caller has told what was done
            _until_told.handed, _until_told.previous = True, previous
        else:
            _holding = False
            signal.signal(signal.SIGINT, previous)
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
