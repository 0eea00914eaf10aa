"""Work done while the operator looks at the main menu.

At a million calls, the month sums behind bills, statistics and month totals, the day
index behind a month's calls and the widths of every call take about a second to make
the first time they are needed (then they are kept up to date through every change).
While the main menu waits for a key, a background thread makes them
(:meth:`telbill.session.facade.Session.prepare`), so the first statistics answer at once.

The session is never used by two threads at a time: before any item runs, the menu
waits for the thread to end (:meth:`Warmup.wait`, under a spinner if it is not done yet).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable


class Warmup:
    """``work`` run at once in a background thread; :meth:`wait` waits for its end."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._thread = threading.Thread(target=self._run, args=(work,), name="telbill-warmup", daemon=True)
        self._thread.start()

    @staticmethod
    def _run(work: Callable[[], None]) -> None:
        with contextlib.suppress(Exception):  # what failed is made again by the item that needs it, which tells why
            work()

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def wait(self) -> None:
        self._thread.join()
