"""The two speed helpers that pay everywhere (measured): a memo, and the garbage collector held back.

Each idiom here is named once so that the code using it reads plainly.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Hashable, Iterator
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V]):
    """``memo[key]`` is ``function(key)``, worked out the first time it is asked, then looked up.

    A dict whose ``__missing__`` fills it: a hit costs one dict lookup (no Python call), which is
    why the hot loops use it instead of ``functools.lru_cache`` (a call per hit). Used where
    few distinct keys repeat a lot: fees per duration, texts per amount or moment.
    """

    __slots__ = ("function",)

    def __init__(self, function: Callable[[K], V]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, key: K) -> V:
        value = self[key] = self.function(key)
        return value


_kept_frozen = False
"""Whether objects are kept frozen (:func:`keep_frozen`): telbill's own note of it, because
:func:`gc.get_freeze_count` walks every frozen object (20 ms at a million records), and a pause
of the collector comes with every edit."""


def keep_frozen() -> None:
    """Move every object the collector tracks out of its sight (:func:`gc.freeze`) and keep them so:
    what a process keeps as long as it lives (the menu's records, loaded). :func:`paused_gc` then
    leaves them frozen."""
    global _kept_frozen
    gc.freeze()
    _kept_frozen = True


def stop_keeping_frozen() -> None:
    """The collector sees every object again (:func:`gc.unfreeze`)."""
    global _kept_frozen
    gc.unfreeze()
    _kept_frozen = False


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector back while millions of records are built.

    The records form no reference cycles, so the collector would find nothing,
    but it would walk every one of them again and again as they pile up (about
    a third of the load time). On the way out the objects made meanwhile are
    moved to the oldest generation (``freeze`` then ``unfreeze``), so that the
    collector does not walk them all at once at its next young collection.
    Nothing is left disabled afterwards. Where objects are kept frozen (the menu's
    held records, :func:`keep_frozen`), they stay frozen; the objects made meanwhile
    join them only when they are many (a load: :data:`MANY_MADE`), so that the few
    made by an edit are collected as usual.
    """
    if not gc.isenabled():
        yield
        return
    kept_frozen = _kept_frozen
    gc.disable()
    try:
        yield
    finally:
        if not kept_frozen:
            gc.freeze()
            gc.unfreeze()
        elif gc.get_count()[0] >= MANY_MADE:
            gc.freeze()
        gc.enable()


MANY_MADE = 100_000
"""Objects made while the collector was paused, from which they are frozen with the ones kept frozen."""
