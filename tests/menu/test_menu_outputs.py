"""The menu's reports (items 9 and 10) never replace a file telbill did not write without a yes."""

from __future__ import annotations

from pathlib import Path

from plain import plain_session

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


def test_anomalies_over_a_file_not_ours_asks(data: Path) -> None:
    """Item 10 writes output/anomalies.txt: a file there that is not telbill's is kept unless the answer is yes."""
    Path("output").mkdir()
    Path("output/anomalies.txt").write_bytes(NOT_OURS)
    screen = plain_session("10\n\n0\n").screen
    assert "Replace it all the same? (y/N):" in screen
    assert Path("output/anomalies.txt").read_bytes() == NOT_OURS
