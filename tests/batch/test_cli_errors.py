"""Bad command lines: one clear line naming the problem, exit 2, data untouched."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from telbill.cli import main

from command import run
from smalldata import ONE_CALL


@pytest.fixture()
def small(small: Path) -> Path:
    """The shared one-user, one-call folder (conftest.py) with a tariff file, and no output/."""
    (small / "data/tariff.toml").write_text("[local]\nfirst_price = 0.22\n", "utf-8")
    return small


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("month", ["2021-1", "2021-01-01", "2021/01", "２０２１/０１", ""])
def test_bad_month_is_one_line(small: Path, month: str) -> None:
    """A --month that is not YYYY-MM with a real month: one line, exit 2, nothing written."""
    given = month.replace("２０２１/０１", "2021/01")  # said as read: full-width digits as ASCII
    assert run("bill", "--month", month) == (2, "", f"error: --month '{given}' is not a month like 2021-01\n")
    assert not (small / "output").exists()


HINT = "; name your files with --users and --calls, or start from empty files)"
"""What follows where a data file was looked for (newuser11 finding 3)."""

@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--users", "data"], "error: data: is a directory, not a file"),
        (["--calls", "data"], "error: data: is a directory, not a file"),
        (["--tariff", "data"], "error: data: is a directory, not a file"),
        (["--users", "nope.txt"], "error: nope.txt: no such file (looked for in {here}" + HINT),
        (["--calls", "data/nope.txt"], "error: data/nope.txt: no such file (looked for in {here}/data" + HINT),
        (["--tariff", "nope.toml"], "error: nope.toml: no such file"),
        (["--calls", "data/users.txt/x"], "error: data/users.txt/x: cannot be read (Not a directory)"),
        (["--calls", "data/users.txt"], "error: data/users.txt is given as both the users file and the calls file"),
        (["--users", "./data/../data/calls.txt"],
         "error: data/calls.txt is given as both the users file and the calls file"),
    ],
)
def test_bad_inputs_are_one_line(small: Path, argv: list[str], message: str) -> None:
    """A missing input, a folder given as a file, one file as both inputs: one line, exit 2."""
    before = snapshot(small)
    assert run("bill", *argv) == (2, "", message.format(here=small) + "\n")
    assert snapshot(small) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["--out", "data/users.txt"],
        ["--out", "data/calls.txt"],
        ["--anomalies", "data/calls.txt"],
        ["--csv", "data/tariff.toml"],
        ["--out", "./data/../data/users.txt"],
        ["--calls", "output/calls.txt", "--anomalies", "output/calls.txt"],
    ],
)
def test_output_equal_to_an_input_is_refused(small: Path, argv: list[str]) -> None:
    """An output that would overwrite a data file is refused before anything is read or written."""
    (small / "output").mkdir()
    (small / "output/calls.txt").write_text(ONE_CALL, "utf-8")
    before = snapshot(small)
    code, out, err = run("bill", *argv)
    target = str(Path(argv[-1]))
    assert (code, out, err) == (2, "", f"error: {target} is an input file; refusing to overwrite it\n")
    assert snapshot(small) == before


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_output_that_is_a_link_to_an_input_is_refused(small: Path) -> None:
    """A symbolic or hard link to a data file is the data file: refused."""
    os.symlink("data/calls.txt", small / "soft.txt")
    os.link(small / "data/users.txt", small / "hard.txt")
    before = snapshot(small)
    assert run("bill", "--out", "soft.txt") == (2, "", "error: soft.txt is an input file; refusing to overwrite it\n")
    assert run("bill", "--csv", "hard.txt") == (2, "", "error: hard.txt is an input file; refusing to overwrite it\n")
    assert snapshot(small) == before


def test_two_outputs_with_one_name_are_refused(small: Path) -> None:
    """--out and --anomalies naming the same file would lose one of them: refused."""
    assert run("bill", "--out", "o.txt", "--anomalies", "./o.txt") == (
        2, "", "error: o.txt is named for two outputs\n")


def test_missing_output_folders_are_created(small: Path) -> None:
    """Outputs in folders that do not exist yet: the folders are made, exit 0."""
    code, out, err = run("bill", "--out", "a/b/bills.txt", "--anomalies", "c/d/anom.txt", "--csv", "e/f/b.csv")
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "Wrote a/b/bills.txt, c/d/anom.txt, e/f/b.csv."
    assert all((small / p).is_file() for p in ("a/b/bills.txt", "c/d/anom.txt", "e/f/b.csv"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--out", "data/calls.txt/bills.txt"],
         "error: data/calls.txt/bills.txt: cannot be written, data/calls.txt is a file, not a folder"),
        (["--csv", "data/users.txt/x/y/b.csv"],
         "error: data/users.txt/x/y/b.csv: cannot be written, data/users.txt is a file, not a folder"),
        (["--out", "data"], "error: data: is a directory; give a file name"),
        (["--anomalies", "."], "error: .: is a directory; give a file name"),
        (["--out", "x" * 300 + "/bills.txt"],
         f"error: {'x' * 300}/bills.txt: cannot be written (File name too long)"),
    ],
)
def test_unwritable_output_is_one_line_and_writes_nothing(small: Path, argv: list[str], message: str) -> None:
    """An output that cannot be written: one line naming it and why; no output file at all."""
    before = snapshot(small)
    assert run("bill", *argv) == (2, "", message + "\n")
    assert snapshot(small) == before  # not even the other outputs


def test_unknown_option_is_reported_on_stderr(small: Path) -> None:
    """argparse's own errors reach the stderr given to main(), exit 2."""
    code, out, err = run("bill", "--bogus")
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == "telbill: error: unrecognized arguments: --bogus"


def test_an_unexpected_bug_is_one_line_not_a_traceback(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even a bug in telbill prints one line and exits 2 (TELBILL_DEBUG=1 shows the traceback)."""
    import telbill.batch.part

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(telbill.batch.part.Part, "tally", broken)
    monkeypatch.delenv("TELBILL_DEBUG", raising=False)
    assert run("bill") == (2, "", ("internal error, please report it (set TELBILL_DEBUG=1 for details): "
                                   "RuntimeError: boom\n"))
    monkeypatch.setenv("TELBILL_DEBUG", "1")
    with pytest.raises(RuntimeError):
        run("bill")


def test_chinese_error_line(small: Path) -> None:
    """The same one line in Chinese with --lang zh."""
    out, err = io.StringIO(), io.StringIO()
    assert main(["--lang", "zh", "bill", "--out", "data/users.txt"], stdout=out, stderr=err) == 2
    assert err.getvalue() == "错误：data/users.txt 是输入文件，拒绝覆盖\n"


def test_a_full_width_digit_in_a_file_is_named_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``１001`` as a phone in users.txt or a caller in calls.txt: the reason says the digit is a
    full-width one (newuser11 finding 7), in both languages; a callee too."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data/users.txt").write_text("83470000  A  1  1\n１001  B  1  1\n", "utf-8")
    (tmp_path / "data/calls.txt").write_text("１001  110  2021-01-01 10:00:00  2021-01-01 10:01:00\n"
                                             "83470000  11０  2021-01-01 10:00:00  2021-01-01 10:01:00\n", "utf-8")
    assert run("bill").err.splitlines()[0] == \
        "data/users.txt line 2: phone '１001' is not 3 to 20 digits: '１' is a full-width digit (write 0-9)"
    (tmp_path / "data/users.txt").write_text("83470000  A  1  1\n", "utf-8")
    assert run("bill", "-q") == (0, "", "")
    notes = [line.split("# malformed: ")[1] for line in
             (tmp_path / "output/anomalies.txt").read_text("utf-8").splitlines() if "  # malformed: " in line]
    assert notes == ["caller '１001' is not 3 to 20 digits: '１' is a full-width digit (write 0-9) (calls.txt line 1)",
                     "callee '11０' is not 3 to 20 digits: '０' is a full-width digit (write 0-9) (calls.txt line 2)"]
    assert run("bill", "-q", "--lang", "zh") == (0, "", "")
    assert "主叫号码 '１001' 不是 3 到 20 位数字：'１' 是全角数字（请写半角 0-9）" in \
        (tmp_path / "output/anomalies.txt").read_text("utf-8")
