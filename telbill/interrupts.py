"""Ctrl-C held back while a step that must not be cut in two is made.

One holder serves the batch and the menu, which differ only in what happens to
a Ctrl-C that came meanwhile once the step is done:

- the batch's final renames raise it then, as :class:`DeferredInterrupt`, so the
  program ends saying that the output files are complete;
- a menu save drops it: the change was made (and what the menu holds was
  updated), and the menu says ``Saved …``.

Holds nest: inside a hold, another one changes nothing, and the outer one
decides what happens to the Ctrl-C.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class DeferredInterrupt(KeyboardInterrupt):
    """Ctrl-C that was held back until a block had finished: all it did is done."""


_holding = False
"""Whether the main thread is inside a hold now."""


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
        _holding = False
        signal.signal(signal.SIGINT, previous)
    if caught and reraise:
        if previous is signal.default_int_handler:
            raise DeferredInterrupt
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous != signal.SIG_IGN:
            raise DeferredInterrupt
