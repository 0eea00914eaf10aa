"""SIGTERM (or SIGHUP: a closed terminal) while the menu saves ends it at once, as ``kill -9``
would, at worst: the save's journal makes the file whole at the next start. The menu does not take
them as Ctrl-C (which would only go back to the menu); ``telbill bill`` does
(tests/batch/test_stopped_by_a_signal.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from smalldata import ONE_USER, open_session

# The menu, in plain mode, adds a user; once the save's journal is written and its new file checked
# (just before it is put in place), the process is sent the signal.
MENU = """
import os, sys
import telbill.cli
from telbill.store import keeper
keeper.STEP_HOOK = lambda at: os.kill(os.getpid(), int(sys.argv[1])) if at == "checked" else None
telbill.cli.entry(["--lang", "en", "--plain"])
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_during_a_menu_save_leaves_what_the_journal_mends(small: Path, signum: int) -> None:
    """The menu ends by the signal (no 'Interrupted; back to the menu', no traceback), users.txt as
    it was, the journal beside it; the next start takes the save back and says so."""
    proc = subprocess.run([sys.executable, "-c", MENU, str(int(signum))], cwd=small, text=True, check=False,
                          input="3\n83470099\nWang\n25.50\n6.50\n0\n", capture_output=True, timeout=60)
    assert proc.returncode == -signum, (proc.stdout, proc.stderr)
    assert "Interrupted" not in proc.stdout and "Traceback" not in proc.stderr
    assert (small / "data/users.txt").read_text("utf-8") == ONE_USER
    assert (small / "data/.users.txt.journal").exists()
    session = open_session(small)
    assert [str(n) for n in session.notices] == [
        (f"A save cut short (the program was stopped) was not made; {small}/data/users.txt are as they were "
         "before it: add-user 83470099  Wang  25.50  6.50.")]
    assert not (small / "data/.users.txt.journal").exists()
    assert [u.phone for u in session.users] == ["83470000"]


QUIET_THEN_STOPPED = """
import os, sys, time
from telbill.menu.keys import TerminalKeys
fd, signum = int(sys.argv[1]), int(sys.argv[2])
with TerminalKeys(fd):
    print("quiet", flush=True)
    os.kill(os.getpid(), signum)
    time.sleep(30)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_stop_signal_puts_the_terminal_back_before_it_ends_the_menu(signum: int) -> None:
    """The menu keeps its terminal from echoing between questions; a stop signal still ends it
    at once, by that signal, but the terminal echoes again afterwards (no user left typing blind)."""
    import os
    import termios

    master, slave = os.openpty()
    try:
        before = termios.tcgetattr(slave)
        assert before[3] & termios.ECHO
        proc = subprocess.run([sys.executable, "-c", QUIET_THEN_STOPPED, str(slave), str(int(signum))],
                              pass_fds=(slave,), capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == -signum, proc.stderr
        assert proc.stdout == "quiet\n"
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(master)
        os.close(slave)
