"""Items 9 and 10 (menu/items/bills.py): writing the bill-detail file for all months or one, and the
anomalies file; never over a data file, nor over a file telbill did not write without a yes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from on_disk import calls_file
from plain import after, plain_session
from smalldata import CALLS, FEW_USERS, write_data
from terminal import ENTER, ESC, KEY, typed_session
from unprivileged import scratch, unprivileged


def test_billing_one_month_to_a_named_file(data: Path) -> None:
    """9 writes the bill-detail file where asked; the screen shows the month's rows and totals."""
    _code, screen = plain_session("9\n2\n2021-01\nout/jan.txt\n0\n")
    item = after(screen, "== Billing")
    assert re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", item)
    assert "Wrote out/jan.txt." in item
    text = (data / "out/jan.txt").read_text("utf-8")
    assert "== 2021-01 ==" in text and "== 2021-02 ==" not in text
    assert re.search(r"83470001 +张强 +25\.00 +6\.50 +0\.22 +8\.00 +39\.72", text)


def test_billing_all_months_to_the_default_file(data: Path) -> None:
    """An empty answer takes output/bills.txt; every month with calls is billed."""
    _code, screen = plain_session("9\n1\n=\n0\n")
    assert "Write the bills to [= output/bills.txt]: =" in screen
    text = (data / "output/bills.txt").read_text("utf-8")
    assert [m for m in re.findall(r"== (\d{4}-\d\d) ==", text)] == ["2020-12", "2021-01", "2021-02"]
    assert "Months billed: 3; grand total" in screen


def test_billing_a_month_without_calls_asks_first(data: Path) -> None:
    """A month with no billed calls is billed only after a yes (rent and feature fees only)."""
    _code, screen = plain_session("9\n2\n2021-05\nn\n9\n2\n2021-05\ny\nout/may.txt\n0\n")
    assert "2021-05 has no billed calls; bill it anyway (rent and feature fees only)? (y/N): n" in screen
    assert "Nothing was written." in screen
    assert "== 2021-05 ==" in (data / "out/may.txt").read_text("utf-8")


def test_billing_file_name_that_is_an_input_is_asked_again(data: Path) -> None:
    """Naming a data file as the bill file: refused with the reason, then asked again."""
    _code, screen = plain_session("9\n1\ndata/calls.txt\nout/bills.txt\n0\n")
    item = after(screen, "== Billing")
    assert "data/calls.txt is an input file" in item
    assert item.count("Write the bills to [= output/bills.txt]: ") == 2
    assert "Wrote out/bills.txt." in item
    assert calls_file(data) == CALLS
    assert "== 2021-01 ==" in (data / "out/bills.txt").read_text("utf-8")


NOT_OURS = b"my own notes\n"


def test_billing_over_a_file_not_ours_asks_and_no_keeps_it(data: Path) -> None:
    """Item 9 to an existing file telbill did not write: asked (default no); no keeps it, and the name
    is asked again (here left with an empty answer)."""
    Path("notes.txt").write_bytes(NOT_OURS)
    screen = plain_session("9\n1\nnotes.txt\nn\n\n0\n").screen
    assert ("notes.txt exists and was not written by telbill (its first line is not a telbill header). "
            "Replace it all the same? (y/N): n") in screen
    assert "Not replaced: notes.txt is kept as it was; give another name" in screen
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
    _code, screen = plain_session("10\n0\n")
    item = after(screen, "== Anomalies")
    assert item.index("Malformed: 1") < item.index("Unknown caller: 1")
    assert "callee '8346000x' is not 3 to 20 digits" in item
    text = (data / "output/anomalies.txt").read_text("utf-8")
    assert "83479999  83463333  2021-01-11 09:00:00  2021-01-11 09:02:00  # unknown-caller" in text


def test_anomalies_over_a_file_not_ours_asks(data: Path) -> None:
    """Item 10 writes output/anomalies.txt: a file there that is not telbill's is kept unless the answer is yes."""
    Path("output").mkdir()
    Path("output/anomalies.txt").write_bytes(NOT_OURS)
    screen = plain_session("10\n\n\n0\n").screen  # an empty answer is no; another leaves the name asked then
    assert "Replace it all the same? (y/N): \n" in screen
    assert Path("output/anomalies.txt").read_bytes() == NOT_OURS
    assert not Path("0").exists()


def test_the_anomalies_are_listed_when_their_file_cannot_be_written(data: Path) -> None:
    """Item 10 with output/ a plain file (anomalies.txt cannot be made): the set-aside records are
    listed all the same, then the reason the file was not written (nothing was shown before) and a
    name is asked (nothing offered): an empty answer leaves with nothing written, another name is written."""
    (data / "output").write_text("not a folder\n", "utf-8")
    code, screen = plain_session("10\n\n10\nout/anomalies.txt\n0\n")
    left, wrote = screen.split("== Anomalies")[1:]
    assert code == 0
    for item in (left, wrote):
        assert re.search(r"^ +7 +83479999 83463333 2021-01-11 09:00:00 2021-01-11 09:02:00 +caller 83479999 is not "
                         r"in users\.txt$", item, re.MULTILINE)
        assert ("\noutput/anomalies.txt: cannot be written, output is a file, not a folder "
                "(q or an empty answer goes back to the menu)\nWrite the anomalies to: ") in item
    assert "Wrote" not in left and "Back to the menu; nothing saved." in left
    assert "Wrote out/anomalies.txt." in wrote
    assert (data / "output").read_text("utf-8") == "not a folder\n"
    assert "# unknown-caller" in (data / "out/anomalies.txt").read_text("utf-8")


# -- "no, don't replace it": the name is asked again --------------------------------------


def _names_here() -> list[str]:
    """Every file under the working folder (data/ and output/ included), to see what a run wrote."""
    return sorted(str(p) for p in Path().rglob("*") if p.is_file())


def test_billing_no_to_replacing_asks_another_name_and_writes_there(data: Path) -> None:
    """Item 9, a file not telbill's named, "no": the reason and the name question again (output/bills.txt
    still offered: it was not the name refused); the second name is written, the first kept byte for byte."""
    Path("notes.txt").write_bytes(NOT_OURS)
    code, screen = plain_session("9\n1\nnotes.txt\nn\nout/other.txt\n0\n")
    item = after(screen, "== Billing")
    assert code == 0
    assert ("Not replaced: notes.txt is kept as it was; give another name "
            "(q or an empty answer goes back to the menu)") in item
    assert item.count("Write the bills to [= output/bills.txt]: ") == 2
    assert "Wrote out/other.txt." in item
    assert Path("notes.txt").read_bytes() == NOT_OURS
    assert Path("out/other.txt").read_text("utf-8").startswith("# telbill bill detail\n")
    assert screen.rstrip().endswith("Goodbye.")


def test_billing_no_to_replacing_the_offered_file_no_longer_offers_it(data: Path) -> None:
    """Item 9: "no" to replacing output/bills.txt itself: the name is asked again without offering it."""
    Path("output").mkdir()
    Path("output/bills.txt").write_bytes(NOT_OURS)
    screen = plain_session("9\n2\n2021-01\n=\nn\nout/jan.txt\n0\n").screen
    item = after(screen, "== Billing")
    assert "Write the bills to [= output/bills.txt]: =\n" in item
    assert "Not replaced: output/bills.txt is kept as it was" in item
    assert "\nWrite the bills to: out/jan.txt\n" in item
    assert Path("output/bills.txt").read_bytes() == NOT_OURS
    assert "== 2021-01 ==" in Path("out/jan.txt").read_text("utf-8")


@pytest.mark.parametrize("leave", ["", "q"])
def test_billing_leaving_after_no_writes_nothing(data: Path, leave: str) -> None:
    """Item 9, "no", then an empty answer or q at the name asked again: back to the menu, nothing written."""
    Path("notes.txt").write_bytes(NOT_OURS)
    before = _names_here()
    code, screen = plain_session(f"9\n1\nnotes.txt\nn\n{leave}\n1\n0\n")
    assert code == 0
    assert f"\nWrite the bills to [= output/bills.txt]: {leave}\nBack to the menu; nothing saved.\n" in screen
    assert "Back to the menu; nothing saved." in screen
    assert "== Show all users ==" in screen  # the next answer was the menu's
    assert _names_here() == before
    assert Path("notes.txt").read_bytes() == NOT_OURS


def test_anomalies_no_to_replacing_asks_a_name_and_writes_there(data: Path) -> None:
    """Item 10, output/anomalies.txt not telbill's, "no": the reason, and a name asked (nothing offered: the
    one refused was the only one); the anomalies go there and output/anomalies.txt is kept byte for byte."""
    Path("output").mkdir()
    Path("output/anomalies.txt").write_bytes(NOT_OURS)
    code, screen = plain_session("10\nn\nout/set-aside.txt\n0\n")
    item = after(screen, "== Anomalies")
    assert code == 0
    assert "Not replaced: output/anomalies.txt is kept as it was; give another name" in item
    assert "\nWrite the anomalies to: out/set-aside.txt\n" in item
    assert "Wrote out/set-aside.txt." in item
    assert Path("output/anomalies.txt").read_bytes() == NOT_OURS
    text = Path("out/set-aside.txt").read_text("utf-8")
    assert text.startswith("# telbill anomalous call records")
    assert "83479999  83463333  2021-01-11 09:00:00  2021-01-11 09:02:00  # unknown-caller" in text


def test_anomalies_leaving_after_no_writes_nothing(data: Path) -> None:
    """Item 10, "no", then an empty answer at the name: back to the menu, nothing written."""
    Path("output").mkdir()
    Path("output/anomalies.txt").write_bytes(NOT_OURS)
    before = _names_here()
    code, screen = plain_session("10\nn\n\n0\n")
    assert code == 0
    assert "Back to the menu; nothing saved." in screen
    assert _names_here() == before
    assert Path("output/anomalies.txt").read_bytes() == NOT_OURS


def test_anomalies_a_name_that_cannot_be_written_is_asked_again(data: Path) -> None:
    """Item 10 after a "no": a data file, then a name under a plain file, are refused with the reason and the
    name asked again, as in item 9; a third name is written."""
    Path("output").mkdir()
    Path("output/anomalies.txt").write_bytes(NOT_OURS)
    Path("plain").write_text("a file\n", "utf-8")
    screen = plain_session("10\nn\ndata/calls.txt\nplain/x.txt\nout/a.txt\n0\n").screen
    item = after(screen, "== Anomalies")
    assert "data/calls.txt is an input file" in item
    assert "plain/x.txt: cannot be written" in item
    assert item.count("Write the anomalies to: ") == 3
    assert calls_file(data) == CALLS
    assert Path("plain").read_text("utf-8") == "a file\n"
    assert Path("out/a.txt").read_text("utf-8").startswith("# telbill anomalous call records")


def test_typed_no_to_replacing_asks_another_name(few: Path) -> None:
    """On a terminal: item 9, a file not telbill's typed over the name offered, n (answers at once), then
    another name typed at the question that comes back: written there, the first file kept."""
    Path("notes.txt").write_bytes(NOT_OURS)
    code, screen, drawn = typed_session("9" + ENTER + ENTER + "notes.txt" + ENTER + "n" + "other.txt" + ENTER
                                        + "0" + ENTER, height=60, width=100)
    assert code == 0
    assert ("Not replaced: notes.txt is kept as it was; give another name\n"
            "(Esc, q or an empty answer goes back to the menu)\n") in screen
    assert "? Write the bills to other.txt" in drawn
    assert "Wrote other.txt." in screen
    assert Path("notes.txt").read_bytes() == NOT_OURS
    assert Path("other.txt").read_text("utf-8").startswith("# telbill bill detail\n")


def test_typed_esc_after_no_goes_back_and_writes_nothing(few: Path) -> None:
    """On a terminal: item 10 over output/anomalies.txt not telbill's, n, then Esc at the name: back to the
    menu, nothing written."""
    Path("output").mkdir(exist_ok=True)
    Path("output/anomalies.txt").write_bytes(NOT_OURS)
    before = _names_here()
    code, screen, _ = typed_session("10" + ENTER + "n" + ESC + "0" + ENTER, height=60, width=100)
    assert code == 0
    assert "Back to the menu; nothing saved." in screen
    assert screen.count("telbill · telecom customer bills") == 2
    assert _names_here() == before
    assert Path("output/anomalies.txt").read_bytes() == NOT_OURS


def test_a_folder_this_user_may_not_write_asks_another_name() -> None:
    """As ``nobody``, in a folder of its own: output/ read-only, so item 10 cannot write
    output/anomalies.txt (permission denied): the reason (the folder named), a name asked, the
    anomalies written there;
    then item 9 to the same folder: refused with the reason and asked again, as before."""
    with scratch() as folder:
        def attack() -> tuple[str, list[str]]:
            os.chdir(folder)
            write_data(folder)
            Path("output").mkdir()
            os.chmod("output", 0o555)
            screen = plain_session("10\nout/anomalies.txt\n9\n1\noutput/bills.txt\nout/bills.txt\n0\n").screen
            return screen, sorted(p.name for p in Path("out").iterdir())

        screen, written = unprivileged(attack, timeout=30)
    item10, item9 = after(screen, "== Anomalies").split("== Billing")
    assert ("output: this folder cannot be written (Permission denied); nothing was written "
            "(q or an empty answer goes back to the menu)\nWrite the anomalies to: out/anomalies.txt\n") in item10
    assert "Wrote out/anomalies.txt." in item10
    assert "output: this folder cannot be written (Permission denied); nothing was written" in item9
    assert "Wrote out/bills.txt." in item9
    assert written == ["anomalies.txt", "bills.txt"]
