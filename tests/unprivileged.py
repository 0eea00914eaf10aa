"""Part of a test run as an unprivileged user, in a folder made for it (the project's safety rule:
hostile paths are tried as ``nobody``, inside a temporary folder, never anywhere else).

:func:`unprivileged` forks: run as root, the child becomes ``nobody`` (with extra groups if
asked) before it calls the function; run as anyone else it stays that user. Either way the
function runs in a process of its own, with a time limit (a hang fails the test instead of
stopping the run) and, if asked, a memory limit. What it returns comes back pickled; what it
raises comes back as its traceback.

``nobody`` cannot read the Python under ``/root``, so nothing may be imported after the fork:
:func:`warm_up` imports and runs once in this process whatever the child will need.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl  # noqa: F401  (imported here: nobody could not import it after the fork)
import io
import os
import pickle
import pwd
import resource
import select
import shutil
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from telbill.cli import main
from telbill.files.dataset import DataPaths
from telbill.session.facade import Session
from telbill.text.i18n import Translator

from smalldata import write_data

T = TypeVar("T")

IS_ROOT = os.geteuid() == 0
NOBODY = pwd.getpwnam("nobody")
"""The user hostile paths are tried as, when the suite runs as root."""


def user() -> int:
    """The uid the child runs as."""
    return NOBODY.pw_uid if IS_ROOT else os.geteuid()


_warm = False


def warm_up() -> None:
    """Import (and run once) here what the child uses: a batch run, a menu session and its saves,
    the codecs of every encoding telbill reads."""
    global _warm
    if _warm:
        return
    for name in ("utf-8", "utf-8-sig", "gb18030", "utf-16-le", "utf-16-be", "latin-1", "ascii"):
        codecs.lookup(name)
    folder = Path(tempfile.mkdtemp(prefix="telbill-warm-"))
    try:
        with contextlib.chdir(folder):
            write_data(folder)
            main(["--lang", "en", "bill"], stdout=io.StringIO(), stderr=io.StringIO())
            main(["--lang", "zh", "bill"], stdout=io.StringIO(), stderr=io.StringIO())
            s = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), audit_log=Path("output/audit.log"),
                        operator="tester")
            s.add_user("83470099", "Warm Up", 0, 0)
            s.modify_user("83470099", name="Warm")
            s.undo()
            s.list_backups()
            s.backup_now()
            s.refresh()
            for notice in s.notices:
                notice.render(Translator("zh"))
    finally:
        shutil.rmtree(folder)
    _warm = True


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A temporary folder of the user the child runs as (under the system's temporary folder, which
    ``nobody`` can reach), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="telbill-test-"))
    try:
        if IS_ROOT:
            os.chown(folder, NOBODY.pw_uid, NOBODY.pw_gid)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def unprivileged(fn: Callable[[], T], *, groups: Sequence[int] = (), timeout: float = 30.0,
                 memory: int | None = None) -> T:
    """``fn()`` in a child process, as ``nobody`` when this is root (with the extra ``groups``):
    its result, or AssertionError with its traceback, or TimeoutError when it runs longer than
    ``timeout`` seconds (it is killed). ``memory``: bytes of address space it may use."""
    warm_up()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        outcome: tuple[str, Any]
        try:
            os.close(read)
            if IS_ROOT:
                os.setgroups(list(groups))
                os.setgid(NOBODY.pw_gid)
                os.setuid(NOBODY.pw_uid)
            if memory is not None:
                resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            outcome = ("ok", fn())
        except BaseException:  # noqa: BLE001 - whatever the child raised is sent back to the test, which raises it
            outcome = ("error", traceback.format_exc())
        try:
            data = pickle.dumps(outcome)
        except Exception:  # noqa: BLE001 - an outcome that cannot be pickled is sent back as its traceback
            data = pickle.dumps(("error", traceback.format_exc()))
        with contextlib.suppress(BaseException):
            view = memoryview(data)
            while view:
                view = view[os.write(write, view):]
        os._exit(0)
    os.close(write)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                raise TimeoutError(f"still running after {timeout} s")
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    kind, value = pickle.loads(b"".join(chunks)) if chunks else ("error", "the child said nothing")
    if kind == "error":
        raise AssertionError(f"in the child:\n{value}")
    return value  # type: ignore[no-any-return]
