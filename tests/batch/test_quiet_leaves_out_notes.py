"""``-q`` (a cron job) leaves out notes, such as that a file was read whole as GB18030 or UTF-16 (a
fine file: the mail would come every month), but never a warning or an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from command import run


@pytest.mark.parametrize(("encoding", "said"), [("gb18030", "is not UTF-8; read it as GB18030"),
                                                ("utf-16", "is UTF-16 (Notepad's \"Unicode\"); read it as such")])
def test_quiet_leaves_out_the_note_of_a_file_read_whole_in_another_encoding(workdir: Path, encoding: str,
                                                                           said: str) -> None:
    """users.txt in GB18030 or UTF-16: nothing at all with -q; the note without it."""
    users = workdir / "data/users.txt"
    users.write_bytes(users.read_text("utf-8").encode(encoding))
    assert run("bill", "-q") == (0, "", "")
    code, out, err = run("bill")
    assert code == 0 and out and err == f"data/users.txt {said} (a save keeps it {encoding.upper()})\n"


def test_quiet_keeps_the_warning_of_a_file_read_line_by_line(workdir: Path) -> None:
    """A calls file neither UTF-8 nor GB18030 as a whole: some of its lines may be read wrong, a warning."""
    calls = workdir / "data/calls.txt"
    calls.write_bytes(calls.read_bytes() + "83470000  83470001  2020-11-01 10:00:00  2020-11-01 10:01:00  é\n"
                      .encode() + b"\xff\xfe\n")
    code, out, err = run("bill", "-q")
    assert (code, out) == (0, "")
    assert err.startswith("data/calls.txt: neither UTF-8 nor GB18030 as a whole; each line was read as"), err


def test_quiet_keeps_the_warning_that_no_caller_is_a_subscriber(workdir: Path) -> None:
    """Every record set aside because no caller is in the users file: said with -q too."""
    (workdir / "data/users.txt").write_text("# nobody\n", "utf-8")
    code, out, err = run("bill", "-q")
    assert (code, out) == (0, "")
    assert err.startswith("No call was billed: the callers of "), err
