"""Files that are not what they seem, and outputs that are not ours (SPEC §5, §10).

Every path here is inside the test's temporary folder.
"""

from __future__ import annotations

import io
import os
import socket
import stat
from pathlib import Path

import pytest

from telbill.cli import main

from command import run

NOT_OURS = b"root:x:0:0:root:/root:/bin/bash\n"


# -- inputs that are not regular files -----------------------------------------------


@pytest.mark.timeout(10)
@pytest.mark.parametrize("option", ["--users", "--calls", "--tariff"])
def test_a_fifo_input_is_refused_at_once(small: Path, option: str) -> None:
    """A FIFO with no writer is refused at once, in one line, never waited on."""
    os.mkfifo("pipe")
    assert run("bill", option, "pipe") == (
        2, "", "error: pipe: not a regular file (a FIFO, a device or a socket); give a file\n")
    assert not Path("output").exists()


@pytest.mark.timeout(10)
def test_a_socket_input_is_refused(small: Path) -> None:
    """A Unix socket as the calls file: one line, exit 2."""
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sock")
        code, out, err = run("bill", "--calls", "sock")
    finally:
        server.close()
    assert code == 2 and out == ""
    assert err.startswith("error: sock: ") and err.count("\n") == 1


@pytest.mark.parametrize("option", ["--users", "--calls", "--tariff"])
def test_a_symlink_loop_input_is_one_line(small: Path, option: str) -> None:
    """A link that points at itself: one line naming it, exit 2, no internal error."""
    os.symlink("loop", "loop")
    assert run("bill", option, "loop") == (2, "", "error: loop: cannot be read (Too many levels of symbolic links)\n")


@pytest.mark.parametrize("option", ["--out", "--anomalies", "--csv"])
def test_a_symlink_loop_output_is_one_line(small: Path, option: str) -> None:
    """A link loop as an output: one line naming it, exit 2, nothing written."""
    os.symlink("loop", "loop")
    assert run("bill", option, "loop") == (
        2, "", "error: loop: cannot be written (Too many levels of symbolic links)\n")
    assert not Path("output").exists()


# -- outputs that are not ours ------------------------------------------------------


@pytest.mark.parametrize("option, name", [("--out", "o/b.txt"), ("--anomalies", "o/a.txt"), ("--csv", "o/b.csv")])
def test_an_existing_output_not_written_by_telbill_is_refused(small: Path, option: str, name: str) -> None:
    """A file whose first line is not telbill's header is not replaced (none of the outputs is written)."""
    Path("o").mkdir()
    Path(name).write_bytes(NOT_OURS)
    assert run("bill", "--out", "o/b.txt", "--anomalies", "o/a.txt", option, name) == (
        2, "", (f"error: {name} exists and was not written by telbill (its first line is not a telbill header); "
                "refusing to replace it (--force replaces it anyway)\n"))
    assert Path(name).read_bytes() == NOT_OURS
    assert sorted(p.name for p in Path("o").iterdir()) == [Path(name).name]


def test_force_replaces_a_file_not_ours(small: Path) -> None:
    """--force replaces an existing output that telbill did not write."""
    Path("o.txt").write_bytes(NOT_OURS)
    code, _, err = run("bill", "--out", "o.txt", "--force")
    assert (code, err) == (0, "")
    assert Path("o.txt").read_text("utf-8").startswith("# telbill bill detail\n")


def test_telbills_own_outputs_are_replaced_without_asking(small: Path) -> None:
    """A second run replaces the first run's files (bill, anomalies, CSV), in either language."""
    assert run("bill", "--csv", "output/b.csv")[0] == 0
    assert run("--lang", "zh", "bill", "--csv", "output/b.csv")[0] == 0
    assert Path("output/bills.txt").read_text("utf-8").startswith("# telbill 费用详单\n")
    assert run("bill", "--csv", "output/b.csv")[0] == 0
    assert Path("output/bills.txt").read_text("utf-8").startswith("# telbill bill detail\n")


def test_a_read_only_output_is_refused_unless_forced(small: Path) -> None:
    """An existing read-only output (even telbill's own) is refused; --force replaces it."""
    assert run("bill")[0] == 0
    os.chmod("output/bills.txt", stat.S_IRUSR | stat.S_IRGRP)
    before = Path("output/bills.txt").read_bytes()
    assert run("bill") == (2, "", ("error: output/bills.txt exists and is read-only; "
                                   "refusing to replace it (--force replaces it anyway)\n"))
    assert Path("output/bills.txt").read_bytes() == before
    assert run("bill", "--force")[0] == 0


@pytest.mark.parametrize("target", [
    "data/tariff.toml",  # the default tariff, which does not exist yet
    "output/audit.log",
    "data/backup/users.txt.20260101-000000-000000",
    "data/.users.txt.lock",
])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_inputs_and_telbills_own_files_are_never_outputs(small: Path, target: str, force: list[str]) -> None:
    """The tariff path, the audit log, the backup folder and lock files are never written, --force or not."""
    code, out, err = run("bill", "--out", target, *force)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {target} ") and err.count("\n") == 1
    assert not Path(target).exists()
    assert run("bill")[0] == 0  # and the next run is not stuck on a broken tariff file


@pytest.mark.timeout(10)
def test_a_fifo_output_is_never_replaced(small: Path) -> None:
    """A FIFO named as an output is refused, --force or not, without waiting."""
    os.mkfifo("pipe")
    message = "error: pipe is not a regular file (a FIFO, a device or a socket); refusing to replace it\n"
    assert run("bill", "--out", "pipe") == (2, "", message)
    assert run("bill", "--out", "pipe", "--force") == (2, "", message)
    assert stat.S_ISFIFO(os.stat("pipe").st_mode)


# -- the terminal never obeys the data ----------------------------------------------


@pytest.mark.parametrize("argv, shown", [
    (["bill", "--users", "x\x1b]0;PWNED\x07"],
     ("error: x\\x1b]0;PWNED\\x07: no such file (looked for in {here}; name your files with --users and --calls, "
     "or start from empty files)\n")),
    (["bill", "--month", "\x1b[2J"], "error: --month '\\x1b[2J' is not a month like 2021-01\n"),
])
def test_error_lines_show_arguments_escaped(small: Path, argv: list[str], shown: str) -> None:
    """Paths and values from the command line are echoed escaped, never obeyed."""
    assert run(*argv) == (2, "", shown.format(here=small))


def test_argparse_errors_show_arguments_escaped(small: Path) -> None:
    """argparse's own messages quote the argument escaped too."""
    code, _, err = run("bill", "--lang", "\x1b[31mzh")
    assert code == 2
    assert "\x1b" not in err and "\\x1b[31mzh" in err


def test_bad_users_lines_show_bom_and_controls_escaped(small: Path) -> None:
    """A BOM inside a phone and a control character in a name are shown as escapes in the problem lines."""
    Path("data/users.txt").write_text("83470000  A  1  1\n\ufeff83480201  B  1  1\n83480202  Evil\x1fName  1  1\n",
                                      "utf-8")
    code, out, err = run("bill")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "data/users.txt line 2: phone '\\ufeff83480201' is not 3 to 20 digits",
        "data/users.txt line 3: name 'Evil\\x1fName' holds a control character (U+001F): an instruction to a terminal or a printer, not a letter",
        "bad lines in data/users.txt: 2; no bills were written",
    ]


# -- language -----------------------------------------------------------------------


def test_the_last_lang_wins_everywhere(small: Path) -> None:
    """--lang=zh --lang=en: argparse's texts and telbill's are both English."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["--lang=zh", "--lang=en", "bill", "--nonsense"], stdout=out, stderr=err)
    assert code == 2
    assert err.getvalue().startswith("usage: telbill")
    assert "unrecognized arguments: --nonsense" in err.getvalue()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in err.getvalue())


def test_a_data_file_starting_with_a_telbill_comment_is_not_taken_for_an_output(small: Path) -> None:
    """Only telbill's exact output headers count: a users file whose first line is
    '# telbill sample subscribers' is not replaced without --force."""
    Path("users-2020.txt").write_text("# telbill sample subscribers\n83470000  A  1  1\n", "utf-8")
    code, _, err = run("bill", "--out", "users-2020.txt")
    assert code == 2 and "was not written by telbill" in err
    assert Path("users-2020.txt").read_text("utf-8").startswith("# telbill sample subscribers\n")


@pytest.mark.timeout(10)
@pytest.mark.parametrize("make", ["fifo", "folder", "broken-link"])
def test_something_odd_at_the_default_tariff_path_is_refused_not_ignored(small: Path, make: str) -> None:
    """A FIFO, a folder or a broken link at data/tariff.toml is an error, not "use the default prices"."""
    target = Path("data/tariff.toml")
    if make == "fifo":
        os.mkfifo(target)
    elif make == "folder":
        target.mkdir()
    else:
        os.symlink("nowhere/t.toml", target)
    code, out, err = run("bill")
    assert (code, out) == (2, "")
    assert err.startswith("error: data/tariff.toml") and err.count("\n") == 1
    assert not Path("output").exists()
