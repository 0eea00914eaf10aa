"""Files as Chinese users really have them: GBK/GB18030 ("ANSI") and Notepad's "Unicode" (UTF-16)."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest

from telbill.files.dataset import DataPaths
from telbill.files.decoding import decode
from telbill.session.facade import Session

from command import run

ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "gb18030": lambda text: text.encode("gb18030"),
    "gb18030-crlf": lambda text: text.replace("\n", "\r\n").encode("gb18030"),
    "utf-16-le": lambda text: codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le"),
    "utf-16-be": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode(),
}


@pytest.fixture()
def sample(workdir: Path) -> Path:
    """The sample data/ in a temporary folder, billed once as shipped (UTF-8) for reference."""
    assert run("bill", "--out", "ref/bills.txt", "--anomalies", "ref/anomalies.txt")[0] == 0
    return workdir


def _body(path: str) -> list[str]:
    """A bill or anomalies file without its header comments."""
    return [line for line in Path(path).read_text("utf-8").splitlines() if not line.startswith("#")]


@pytest.mark.parametrize("kind", ENCODINGS)
def test_the_sample_re_encoded_bills_the_same(sample: Path, kind: str) -> None:
    """users.txt and calls.txt saved as GB18030 or UTF-16 give the very bills of the UTF-8 files (郑爽 included)."""
    for name in ("users.txt", "calls.txt"):
        path = Path("data") / name
        path.write_bytes(ENCODINGS[kind](path.read_text("utf-8")))
    code, _, err = run("bill")
    assert code == 0
    assert _body("output/bills.txt") == _body("ref/bills.txt")
    assert _body("output/anomalies.txt") == _body("ref/anomalies.txt")
    assert any("郑爽" in line for line in _body("output/bills.txt"))
    if kind.startswith("gb18030"):
        assert "read it as GB18030" in err
    elif kind.startswith("utf-16"):
        assert "is UTF-16" in err


@pytest.mark.parametrize("kind", ENCODINGS)
def test_a_menu_save_keeps_the_files_encoding(sample: Path, kind: str) -> None:
    """Adding a user to a GB18030 or UTF-16 users.txt keeps its encoding, BOM and line endings."""
    path = Path("data/users.txt")
    original = path.read_text("utf-8")
    path.write_bytes(ENCODINGS[kind](original))
    session = Session(DataPaths(path, Path("data/calls.txt")), audit_log=Path("output/audit.log"), operator="t")
    session.add_user("83479000", "欧阳 小明", 2500, 650)
    assert path.read_bytes() == ENCODINGS[kind](original + "83479000  欧阳 小明  25.00  6.50\n")
    fresh = Session(DataPaths(path, Path("data/calls.txt")), audit_log=Path("output/audit.log"), operator="t")
    assert fresh.user("83470021") is not None and fresh.user("83470021").name == "郑爽"  # type: ignore[union-attr]


def test_a_gb18030_file_is_not_turned_into_mojibake_by_a_save(sample: Path) -> None:
    """Deleting a user from a GB18030 file leaves every other name as it was, still GB18030."""
    path = Path("data/users.txt")
    path.write_bytes(path.read_text("utf-8").encode("gb18030"))
    session = Session(DataPaths(path, Path("data/calls.txt")), audit_log=Path("output/audit.log"), operator="t")
    session.delete_user("83470000", with_calls=True)
    decoded = decode(path.read_bytes())
    assert decoded.format.encoding == "gb18030"
    assert "83470021\t郑爽\t25.00\t6.00" in decoded.lines
