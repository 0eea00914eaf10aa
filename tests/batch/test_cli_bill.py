"""`telbill bill` as a batch job uses it: files written, summary, exit codes (SPEC §5)."""

from __future__ import annotations

import errno
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from telbill.cli import main
from telbill.files.dataset import DataPaths
from telbill.session.facade import Session
from telbill.text.i18n import Translator

from command import run
from smalldata import open_session

GOLDEN = Path(__file__).parents[1] / "golden"


def without_generated(path: Path) -> str:
    return "".join(line for line in path.read_text("utf-8").splitlines(keepends=True)
                   if not line.startswith("# generated:") and not line.startswith("# 生成时间"))


def test_sample_data_bill_file_is_golden(workdir: Path) -> None:
    """The sample data's bill and anomalies files equal the reviewed golden copies."""
    code, out, err = run("--lang", "en", "bill")
    assert (code, err) == (0, "")
    assert without_generated(workdir / "output/bills.txt") == (GOLDEN / "sample_bills_en.txt").read_text("utf-8")
    assert without_generated(workdir / "output/anomalies.txt") == (GOLDEN / "sample_anomalies_en.txt").read_text("utf-8")
    assert out.splitlines()[1:] == [
        "Billed 221; set aside 16 (malformed 4, end-before-start 2, unknown-caller 2, too-long 2, overlap 6).",
        "Months billed: 5 (2020-11 … 2021-03); grand total 6,651.77 yuan.",
        "Wrote output/bills.txt, output/anomalies.txt.",
    ]
    assert out.startswith("Call records read from data/calls.txt: 237, in ")


def test_chinese_bill_file_has_the_assignment_heads(workdir: Path) -> None:
    """With --lang zh the bill file uses 电话号码 用户姓名 月租费 功能费 市内电话费用 长途电话费用 合计."""
    assert run("--lang", "zh", "bill")[0] == 0
    assert without_generated(workdir / "output/bills.txt") == (GOLDEN / "sample_bills_zh.txt").read_text("utf-8")
    heads = (workdir / "output/bills.txt").read_text("utf-8").splitlines()[8].split()
    assert heads == ["电话号码", "用户姓名", "月租费", "功能费", "市内电话费用", "长途电话费用", "合计"]


def test_rerun_is_byte_identical_apart_from_generation_time(workdir: Path) -> None:
    """Two runs on the same input give the same files but for the generated: line."""
    run("bill", "--csv", "output/b.csv")
    first = [without_generated(workdir / f"output/{n}") for n in ("bills.txt", "anomalies.txt", "b.csv")]
    run("bill", "--csv", "output/b.csv")
    second = [without_generated(workdir / f"output/{n}") for n in ("bills.txt", "anomalies.txt", "b.csv")]
    assert first == second


def test_columns_align_by_display_width(workdir: Path) -> None:
    """Every row of a month ends at the same display column, Chinese names included."""
    from wcwidth import wcswidth

    run("--lang", "zh", "bill")
    lines = (workdir / "output/bills.txt").read_text("utf-8").split("== 2021-01 ==\n")[1].split("\n\n")[0].splitlines()
    assert len({wcswidth(line) for line in lines}) == 1

    def right_edges(line: str) -> tuple[int, ...]:
        edges, pos = [], len(line)
        for token in reversed(line.split()[-5:]):
            pos = line.rindex(token, 0, pos)
            edges.append(wcswidth(line[: pos + len(token)]))
        return tuple(edges)

    assert len({right_edges(line) for line in lines}) == 1
    assert any(wcswidth(line) != len(line) for line in lines)  # Chinese names are there
    assert len(lines) == 33 + 2


def test_csv_export(workdir: Path) -> None:
    """--csv writes month,phone,name,... with amounts like 25.00, one row per subscriber-month."""
    assert run("bill", "--csv", "output/bills.csv")[0] == 0
    rows = (workdir / "output/bills.csv").read_text("utf-8").splitlines()
    assert rows[0] == "month,phone,name,rent,feature,local,long_distance,total"
    assert rows[1] == "2020-11,83470000,Zhang Qiang,25.00,6.00,0.00,0.00,31.00"
    assert len(rows) == 1 + 5 * 33


def test_conservation_law_in_the_files(workdir: Path) -> None:
    """Records read = billed + set aside; the anomalies file holds one line per set-aside record."""
    run("bill")
    anomalies = (workdir / "output/anomalies.txt").read_text("utf-8").splitlines()
    records = [line for line in anomalies if not line.startswith("#")]
    assert len(records) == 16
    assert all("(calls.txt line " in line for line in records)
    assert "# calls: data/calls.txt (237 records: 221 billed, 16 set aside)" in anomalies


def test_anomalies_file_loads_back_as_a_calls_file(workdir: Path) -> None:
    """Apart from comments the anomalies file is a valid calls file: it can be billed itself."""
    run("bill")
    code, out, _ = run("bill", "--calls", "output/anomalies.txt", "--out", "output/b2.txt",
                       "--anomalies", "output/a2.txt")
    assert code == 0
    assert out.splitlines()[1].startswith("Billed 0; set aside 16 ")


def test_month_option_bills_one_month(workdir: Path) -> None:
    """--month 2021-01 writes only that month's section."""
    assert run("bill", "--month", "2021-01")[0] == 0
    text = (workdir / "output/bills.txt").read_text("utf-8")
    assert [line for line in text.splitlines() if line.startswith("==")] == ["== 2021-01 =="]


@pytest.mark.parametrize("month", ["２０２１-０１", " 2021-01 ", "２０２１－０１"])
def test_month_option_takes_full_width_digits_as_the_menu_does(workdir: Path, month: str) -> None:
    """--month in full-width digits (a Chinese input method), or with blanks around it, is the month the
    menu would take from the same keys (it was refused)."""
    code, out, _ = run("bill", "--month", month)
    assert code == 0 and "Calls starting in 2021-01 and billed: " in out
    text = (workdir / "output/bills.txt").read_text("utf-8")
    assert [line for line in text.splitlines() if line.startswith("==")] == ["== 2021-01 =="]


def test_the_summary_writes_money_as_the_menu_does(workdir: Path) -> None:
    """The grand total on the screen has thousands separators, as the menu's and the counts do; the
    files never (a rent of a million yuan)."""
    users = workdir / "data/users.txt"
    users.write_text(users.read_text("utf-8").replace("  25.00  ", "  1000000.00  ", 1), "utf-8")
    code, out, _ = run("bill")
    total = re.search(r"grand total ([0-9,.]+) yuan\.", out)
    assert code == 0 and total is not None and re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+\.[0-9]{2}", total[1]), out
    written = (workdir / "output/bills.txt").read_text("utf-8")
    assert f"grand total {total[1].replace(',', '')} yuan" in written


def test_missing_users_file_exit_2(workdir: Path) -> None:
    """A missing input is one line naming the file, where it was looked for and what to do, exit 2,
    no traceback."""
    code, out, err = run("--lang", "en", "bill", "--users", "nope.txt")
    assert (code, out, err) == (2, "", (f"error: nope.txt: no such file (looked for in {workdir}; name your files "
                                       "with --users and --calls, or start from empty files)\n"))


def test_duplicate_phones_stop_the_bill(workdir: Path) -> None:
    """Bad or repeated users lines are each named; no bills are written; exit 2."""
    users = workdir / "data/users.txt"
    users.write_text(users.read_text("utf-8") + "83470001  Someone  1  1\n83479x  Bad  1  1\n", "utf-8")
    code, out, err = run("--lang", "en", "bill")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "data/users.txt line 37: phone '83470001' repeats line 5 (this line reads '83470001  Someone  1  1')",
        "data/users.txt line 38: phone '83479x' is not 3 to 20 digits",
        "bad lines in data/users.txt: 2; no bills were written",
    ]
    assert not (workdir / "output/bills.txt").exists()


def test_bad_tariff_exit_2(workdir: Path) -> None:
    """A bad data/tariff.toml is one line naming the key; exit 2."""
    (workdir / "data/tariff.toml").write_text("[local]\nstep_seconds = -5\n", "utf-8")
    code, _out, err = run("bill")
    assert code == 2
    assert err == "error: data/tariff.toml [local] step_seconds must be a whole number of seconds ≥ 1, got -5\n"


def test_tariff_file_is_used_when_present(workdir: Path) -> None:
    """data/tariff.toml, when present, changes the fees and is named in the header."""
    (workdir / "data/tariff.toml").write_text("[local]\nfirst_price = 1.00\n", "utf-8")
    assert run("bill")[0] == 0
    text = (workdir / "output/bills.txt").read_text("utf-8")
    assert "# tariff: data/tariff.toml" in text


def test_python_dash_m_works(workdir: Path) -> None:
    """`python -m telbill bill` runs the same command."""
    env = {**os.environ, "LANG": "C"}
    proc = subprocess.run([sys.executable, "-m", "telbill", "bill"], capture_output=True, text=True, env=env,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "Wrote output/bills.txt, output/anomalies.txt."
    assert proc.stderr == ""


@pytest.mark.parametrize("month", ["2021-1", "21-01", "0000-01", "abcd"])
def test_bad_month_exit_2(workdir: Path, month: str) -> None:
    """A --month that is not a real YYYY-MM is refused."""
    code, _, err = run("bill", "--month", month)
    assert (code, err) == (2, f"error: --month '{month}' is not a month like 2021-01\n")


def test_month_13_is_said_as_the_menu_says_it(workdir: Path) -> None:
    """``--month 2021-13`` is written as a month but names none: the menu's words (newuser11 finding 7)."""
    assert run("bill", "--month", "2021-13") == (2, "", "error: --month '2021-13' is not a month: there is no month 13\n")
    assert run("bill", "--month", "2021-00", "--lang", "zh").err == "错误：--month '2021-00' 不是有效的月份：没有 0 月\n"
    assert not (workdir / "output/bills.txt").exists()


def test_data_options_before_the_command_open_the_menu_on_those_files(workdir: Path) -> None:
    """`telbill --users P --calls P` (no command) opens the menu on those files."""
    (workdir / "data/users.txt").rename(workdir / "mine.txt")
    proc = subprocess.run([sys.executable, "-m", "telbill", "--lang", "en", "--users", "mine.txt"],
                          input="1\n0\n", capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Users: 33 (mine.txt)" in proc.stdout
    assert "Zhang Qiang" in proc.stdout
    code, _, err = run("--lang", "en", "--users", "mine.txt", "bill", "--out", "output/x.txt")
    assert (code, err) == (0, "")


def test_a_reader_that_stops_early_is_not_an_error(workdir: Path) -> None:
    """A closed pipe (`telbill bill | head`, `printf ... | telbill | true`) exits 0, silently."""
    for command, stdin in (("bill", ""), ("", "1\n0\n")):
        proc = subprocess.run(f"{sys.executable} -m telbill {command} | true; exit ${{PIPESTATUS[0]}}",
                              shell=True, executable="/bin/bash", input=stdin, capture_output=True, text=True,
                              check=False)
        assert (proc.returncode, proc.stderr) == (0, ""), command


class _FullStdout(io.StringIO):
    """A standard output on a full disk (``telbill bill > /dev/full``): every write fails."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_stdout_that_cannot_be_written_after_the_bills_is_one_line_and_exit_0(workdir: Path) -> None:
    """``telbill bill > /dev/full``: the bills are written, so exit 0 (SPEC §5), and stderr says in
    one line why the summary is missing and which files were written; no internal error."""
    err = io.StringIO()
    code = main(["--lang", "en", "bill"], stdout=_FullStdout(), stderr=err)
    assert code == 0
    assert err.getvalue() == ("standard output cannot be written (No space left on device), so the summary was not "
                              "printed; the files were written: output/bills.txt, output/anomalies.txt\n")
    assert (workdir / "output/bills.txt").read_text("utf-8").startswith("# telbill bill detail\n")
    err = io.StringIO()
    assert main(["--lang", "zh", "bill"], stdout=_FullStdout(), stderr=err) == 0
    assert err.getvalue() == ("无法写入标准输出（磁盘空间不足），因此未输出摘要；文件已写好："
                              "output/bills.txt，output/anomalies.txt\n")


def test_a_menu_whose_stdout_cannot_be_written_stops_in_one_line(workdir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """``printf '1\\n0\\n' | telbill > /dev/full``: the menu cannot show anything, so it stops with
    exit 2 and one line on stderr; no internal error."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n0\n"))
    err = io.StringIO()
    assert main(["--lang", "en"], stdout=_FullStdout(), stderr=err) == 2
    assert err.getvalue() == "error: standard output cannot be written (No space left on device)\n"


@pytest.mark.parametrize("name, cell", [
    ('=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'),
    ("+86 Li", "'+86 Li"), ("-Li", "'-Li"), ("@Li", "'@Li"), ("Li=Na", "Li=Na"),
])
def test_csv_cells_a_spreadsheet_would_run_get_a_quote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        name: str, cell: str) -> None:
    """A name starting with =, +, - or @ is written to the CSV with a leading ' (shown as text)."""
    monkeypatch.chdir(tmp_path)
    Path("u.txt").write_text(f"83470000  {name}  25  6\n", "utf-8")
    Path("c.txt").write_text("83470000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n", "utf-8")
    code, _, err = run("bill", "--users", "u.txt", "--calls", "c.txt", "--csv", "b.csv")
    assert (code, err) == (0, "")
    assert Path("b.csv").read_text("utf-8").splitlines()[1] == f"2021-01,83470000,{cell},25.00,6.00,0.44,0.00,31.44"


@pytest.mark.parametrize("month, calls, warned", [("2021-01", "", False), ("2022-06", "0", True)])
def test_month_option_says_how_many_calls_it_billed(workdir: Path, month: str, calls: str, warned: bool) -> None:
    """--month says how many of its calls were billed; a month with none is billed (rent and
    feature only) with a warning, since it is most likely a typing slip."""
    code, out, err = run("--lang", "en", "bill", "--month", month)
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith(f"Calls starting in {month} and billed: "))
    assert (line.endswith(": 0.") if calls == "0" else not line.endswith(": 0.")) is True
    assert (err == f"{month} has no billed call: its bills hold only the monthly rent and feature fees\n") is warned
    assert f"== {month} ==" in Path("output/bills.txt").read_text("utf-8")


def test_a_chinese_anomalies_file_ends_each_line_as_the_specification_says(workdir: Path) -> None:
    """With --lang zh each record's note still ends ``(calls.txt line N)`` (SPEC §3: part of the
    file's format, so a program finds the line in either language), the code stays in English (the
    title says so) and only the detail is translated; in partitions and from the menu (item 10), the
    same bytes."""
    assert run("--lang", "en", "bill")[0] == 0
    english = [line for line in (workdir / "output/anomalies.txt").read_text("utf-8").splitlines()
               if not line.startswith("#")]
    assert run("--lang", "zh", "bill")[0] == 0
    batch = without_generated(workdir / "output/anomalies.txt").splitlines()
    assert batch[0] == "# telbill 异常话单（修正后可重新载入；原因代码 malformed 等保持英文，便于程序查找）"
    records = [line for line in batch if not line.startswith("#")]
    note = re.compile(r"  # ([a-z-]+): .* (\(calls\.txt line [0-9]+\))$")
    chinese_notes = [note.search(line) for line in records]
    english_notes = [note.search(line) for line in english]
    assert len(records) == len(english) == 16 and all(chinese_notes) and all(english_notes)
    assert [m.groups() for m in chinese_notes if m] == [m.groups() for m in english_notes if m]
    assert any(re.search(r"[\u4e00-\u9fff]", line) for line in records)  # the details are in Chinese

    assert run("--lang", "zh", "bill", "--memory", "1", "--anomalies", "output/parts.txt")[0] == 0
    assert without_generated(workdir / "output/parts.txt").splitlines() == batch
    session = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), audit_log=Path("output/audit.log"))
    session.write_anomalies(Path("output/menu.txt"), Translator("zh"), force=True)
    assert without_generated(workdir / "output/menu.txt").splitlines() == batch


def test_a_chinese_anomalies_file_of_an_earlier_telbill_is_still_replaced(workdir: Path) -> None:
    """An anomalies file an earlier telbill wrote in Chinese (its title then said less) is telbill's own:
    a run replaces it without --force."""
    (workdir / "output/anomalies.txt").write_text("# telbill 异常话单（修正后可重新载入）\n# 用户资料：…\n", "utf-8")
    code, _, err = run("--lang", "zh", "bill")
    assert (code, err) == (0, "")
    assert (workdir / "output/anomalies.txt").read_text("utf-8").startswith(
        "# telbill 异常话单（修正后可重新载入；原因代码 malformed 等保持英文，便于程序查找）\n")


@pytest.mark.parametrize("users, warned", [("", True), ("83479999  Other  25  6\n", True),
                                           ("83470000  Li  25  6\n", False)])
def test_no_caller_in_the_users_file_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             users: str, warned: bool) -> None:
    """An empty users file, or one that does not go with the calls file, bills nothing and sets
    every call aside as unknown-caller: the bills are written (exit 0, SPEC §5), and a warning
    names the users file; with one caller known there is no warning."""
    monkeypatch.chdir(tmp_path)
    Path("u.txt").write_text(users, "utf-8")
    Path("c.txt").write_text("83470000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n"
                             "83470001  83471111  2021-01-06 10:00:00  2021-01-06 10:00:30\n", "utf-8")
    code, out, err = run("--lang", "en", "bill", "--users", "u.txt", "--calls", "c.txt")
    assert code == 0
    expected = ("No call was billed: the callers of 2 records are not in u.txt; "
                "is it the users file that goes with these calls?\n")
    assert err == (expected if warned else "")
    assert "Billed 0; set aside 2" in out if warned else "Billed 1; set aside 1" in out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_menus_bill_file_is_the_batchs_byte_for_byte(workdir: Path, lang: str) -> None:
    """Item 9's file of every month and ``telbill bill``'s are the same bytes (one layout of a
    month, report.month_section, for both), the generated-at line aside."""
    assert run("--lang", lang, "bill")[0] == 0
    open_session().write_bills(Path("output/menu_bills.txt"), Translator(lang))  # data/, as the batch names it
    assert without_generated(workdir / "output/menu_bills.txt") == without_generated(workdir / "output/bills.txt")


def test_quiet_prints_nothing_when_all_is_well(workdir: Path) -> None:
    """--quiet (-q), as a cron job runs it: nothing on stdout or stderr, exit 0, the same files."""
    run("bill")
    expected = without_generated(workdir / "output/bills.txt")
    for flag in ("--quiet", "-q"):
        assert run("bill", flag) == (0, "", "")
        assert without_generated(workdir / "output/bills.txt") == expected


@pytest.mark.parametrize(("argv", "error"), [
    (["--tariff", "nope.toml"], "error: nope.toml: no such file\n"),
    (["--month", "2024-13"], None),
])
def test_quiet_still_says_errors_on_stderr_with_exit_2(workdir: Path, argv: list[str], error: str | None) -> None:
    """--quiet keeps an error's line on stderr and its exit code: the same as without it."""
    loud = run("bill", *argv)
    assert loud.code == 2 and loud.out == ""
    assert run("bill", "-q", *argv) == loud
    if error is not None:
        assert loud.err == error


def test_quiet_still_warns_on_stderr(workdir: Path) -> None:
    """A warning (a month with no billed call) still goes to stderr with --quiet; the summary does not."""
    assert run("bill", "-q", "--month", "2022-06") == (
        0, "", "2022-06 has no billed call: its bills hold only the monthly rent and feature fees\n")
