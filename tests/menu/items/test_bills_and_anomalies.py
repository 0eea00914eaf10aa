"""Items 9 and 10 (menu/items/bills.py): writing the bill-detail file for all months or one, and the
anomalies file; never over a data file, nor over a file telbill did not write without a yes."""

from __future__ import annotations

import re
from pathlib import Path

from on_disk import calls_file
from plain import after, plain_session
from smalldata import CALLS, FEW_USERS
from terminal import ENTER, KEY, typed_session


def test_billing_one_month_to_a_named_file(data: Path) -> None:
    """9 writes the bill-detail file where asked; the screen shows the month's rows and totals."""
    code, screen = plain_session("9\n2\n2021-01\nout/jan.txt\n0\n")
    item = after(screen, "== Billing")
    assert re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", item)
    assert "Wrote out/jan.txt." in item
    text = (data / "out/jan.txt").read_text("utf-8")
    assert "== 2021-01 ==" in text and "== 2021-02 ==" not in text
    assert re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", text)


def test_billing_all_months_to_the_default_file(data: Path) -> None:
    """An empty answer takes output/bills.txt; every month with calls is billed."""
    code, screen = plain_session("9\n1\n=\n0\n")
    assert "Write the bills to [= output/bills.txt]: =" in screen
    text = (data / "output/bills.txt").read_text("utf-8")
    assert [m for m in re.findall(r"== (\d{4}-\d\d) ==", text)] == ["2020-12", "2021-01", "2021-02"]
    assert "Months billed: 3; grand total" in screen


def test_billing_a_month_without_calls_asks_first(data: Path) -> None:
    """A month with no billed calls is billed only after a yes (rent and feature fees only)."""
    code, screen = plain_session("9\n2\n2021-05\nn\n9\n2\n2021-05\ny\nout/may.txt\n0\n")
    assert "2021-05 has no billed calls; bill it anyway (rent and feature fees only)? (y/N): n" in screen
    assert "Nothing was written." in screen
    assert "== 2021-05 ==" in (data / "out/may.txt").read_text("utf-8")


def test_billing_file_name_that_is_an_input_is_asked_again(data: Path) -> None:
    """Naming a data file as the bill file: refused with the reason, then asked again."""
    code, screen = plain_session("9\n1\ndata/calls.txt\nout/bills.txt\n0\n")
    item = after(screen, "== Billing")
    assert "data/calls.txt is an input file" in item
    assert item.count("Write the bills to [= output/bills.txt]: ") == 2
    assert "Wrote out/bills.txt." in item
    assert calls_file(data) == CALLS
    assert "== 2021-01 ==" in (data / "out/bills.txt").read_text("utf-8")


NOT_OURS = b"my own notes\n"


def test_billing_over_a_file_not_ours_asks_and_no_keeps_it(data: Path) -> None:
    """Item 9 to an existing file telbill did not write: asked (default no); no keeps it."""
    Path("notes.txt").write_bytes(NOT_OURS)
    screen = plain_session("9\n1\nnotes.txt\nn\n0\n").screen
    assert ("notes.txt exists and was not written by telbill (its first line is not a telbill header). "
            "Replace it all the same? (y/N): n") in screen
    assert "Not replaced; nothing was written." in screen
    assert Path("notes.txt").read_bytes() == NOT_OURS


def test_billing_over_a_file_not_ours_after_a_yes(data: Path) -> None:
    """Item 9: yes replaces the file with the bills."""
    Path("notes.txt").write_bytes(NOT_OURS)
    plain_session("9\n1\nnotes.txt\ny\n0\n")
    assert Path("notes.txt").read_text("utf-8").startswith("# telbill bill detail\n")


def test_billing_to_the_tariff_path_is_refused_and_asked_again(data: Path) -> None:
    """data/tariff.toml (not there yet) is an input: refused with the reason, the name asked again."""
    screen = plain_session("9\n1\ndata/tariff.toml\nout.txt\n0\n").screen
    assert "data/tariff.toml is an input file; refusing to overwrite it" in screen
    assert not Path("data/tariff.toml").exists()
    assert Path("out.txt").read_text("utf-8").startswith("# telbill bill detail\n")


def test_a_months_bill_counts_subscribers_not_the_totals_row(few: Path) -> None:
    """Item 9, one month, paged: "rows 29-32 of 32" for 32 subscribers, the totals row under the last
    page without being counted as a row (it said "of 33")."""
    many = "".join(f"8347{1000 + i}  User {i}  1  1\n" for i in range(30))
    (few / "data/users.txt").write_text(FEW_USERS + many, "utf-8")
    code, screen, _ = typed_session("9" + ENTER + "2" + ENTER + ENTER + ENTER + ENTER + ENTER + ENTER + KEY
                                    + "0" + ENTER, height=20, width=100)
    assert code == 0
    item = screen.split("Billing: write the bill-detail file")[-1]
    assert "(rows 1-14 of 32)" in item and "(rows 15-28 of 32)" in item
    last = item.split("(rows 29-32 of 32)")[1]
    assert "All users" in last and "of 33" not in item


def test_anomalies_listed_by_reason_and_written(data: Path) -> None:
    """10 groups the records by reason and writes output/anomalies.txt."""
    code, screen = plain_session("10\n0\n")
    item = after(screen, "== Anomalies")
    assert item.index("Malformed: 1") < item.index("Unknown caller: 1")
    assert "callee '8346000x' is not 3 to 20 digits" in item
    text = (data / "output/anomalies.txt").read_text("utf-8")
    assert "83479999  83463333  2021-01-11 09:00:00  2021-01-11 09:02:00  # unknown-caller" in text


def test_anomalies_over_a_file_not_ours_asks(data: Path) -> None:
    """Item 10 writes output/anomalies.txt: a file there that is not telbill's is kept unless the answer is yes."""
    Path("output").mkdir()
    Path("output/anomalies.txt").write_bytes(NOT_OURS)
    screen = plain_session("10\n\n0\n").screen
    assert "Replace it all the same? (y/N):" in screen
    assert Path("output/anomalies.txt").read_bytes() == NOT_OURS


def test_the_anomalies_are_listed_when_their_file_cannot_be_written(data: Path) -> None:
    """Item 10 with output/ a plain file (anomalies.txt cannot be made): the set-aside records are
    listed all the same, then the reason the file was not written (nothing was shown before)."""
    (data / "output").write_text("not a folder\n", "utf-8")
    code, screen = plain_session("10\n0\n")
    item = after(screen, "== Anomalies")
    assert code == 0
    assert re.search(r"^ +7 +83479999 83463333 2021-01-11 09:00:00 2021-01-11 09:02:00 +caller 83479999 is not in "
                     r"users\.txt$", item, re.MULTILINE)
    assert "\noutput/anomalies.txt: cannot be written, output is a file, not a folder\n" in item
    assert "Wrote output/anomalies.txt" not in item
    assert (data / "output").read_text("utf-8") == "not a folder\n"
