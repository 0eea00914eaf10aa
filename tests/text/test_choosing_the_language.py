"""Choosing the language (SPEC §9): --lang, else the locale; and what is printed in one language has
no text of the other (names aside)."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest

from telbill.cli import main
from telbill.text.i18n import Lang, detect_lang
from telbill.text.messages import CATALOG

from plain import CJK


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, Lang.EN),
        ({"LANG": "zh_CN.UTF-8"}, Lang.ZH),
        ({"LANG": "en_US.UTF-8"}, Lang.EN),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, Lang.ZH),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, Lang.EN),
        ({"LC_MESSAGES": "zh_CN", "LANG": "en_US"}, Lang.ZH),
        ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN"}, Lang.ZH),
    ],
)
def test_language_from_the_locale(env: dict[str, str], lang: Lang) -> None:
    """LC_ALL, then LC_MESSAGES, then LANG: the first set one decides; zh* means Chinese."""
    assert detect_lang(env) is lang


def test_lang_option_beats_the_locale(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--lang en under a Chinese locale gives English, and the reverse."""
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = io.StringIO()
    assert main(["--lang", "en", "bill"], stdout=out, stderr=io.StringIO()) == 0
    assert not CJK.search(out.getvalue())
    out = io.StringIO()
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert main(["bill", "--lang", "zh"], stdout=out, stderr=io.StringIO()) == 0
    assert out.getvalue().startswith("从 data/calls.txt 读取话单 237 条")


def english_fragments() -> list[str]:
    """Literal pieces of English texts long enough to be recognisable."""
    pieces = []
    for en, zh in CATALOG.values():
        if en == zh:
            continue
        for literal, _, _, _ in string.Formatter().parse(en):
            for piece in re.split(r"[^A-Za-z ]+", literal):
                if len(piece.strip()) >= 8 and " " in piece.strip():
                    pieces.append(piece.strip())
    return pieces


def test_chinese_batch_output_has_no_english_text(workdir: Path) -> None:
    """In Chinese the summary, bill file and anomalies file carry no English interface text."""
    out = io.StringIO()
    assert main(["--lang", "zh", "bill"], stdout=out, stderr=io.StringIO()) == 0
    texts = [out.getvalue(), (workdir / "output/bills.txt").read_text("utf-8"),
             "\n".join(line.split("  # ", 1)[-1] for line in
                       (workdir / "output/anomalies.txt").read_text("utf-8").splitlines())]
    for text in texts:
        for piece in english_fragments():
            assert piece not in text, piece


def test_english_batch_output_has_no_chinese_interface_text(workdir: Path) -> None:
    """In English only data (names) may be Chinese."""
    out = io.StringIO()
    assert main(["--lang", "en", "bill"], stdout=out, stderr=io.StringIO()) == 0
    names = {line.split()[1] for line in (workdir / "data/users.txt").read_text("utf-8").splitlines()
             if line and not line.startswith("#")}
    bill = (workdir / "output/bills.txt").read_text("utf-8")
    for name in names:
        bill = bill.replace(name, "")
    assert not CJK.search(bill)
    assert not CJK.search(out.getvalue())


@pytest.mark.parametrize("argv", [["--help"], ["bill", "--help"]], ids=["telbill", "bill"])
def test_chinese_help_folds_to_the_screen(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    """`telbill --lang zh --help` at 60 columns: every line fits (by display width; argparse breaks
    only at spaces, so the Chinese description was one line of 104 columns), folded by the menu's
    rule (a Chinese run breaks after its punctuation)."""
    from telbill.text.display import width

    monkeypatch.setenv("COLUMNS", "60")
    out = io.StringIO()
    assert main(["--lang", "zh", *argv], stdout=out, stderr=io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    assert max(width(line) for line in lines) <= 60
    if argv == ["--help"]:
        assert "电信计费系统客户帐单管理：载入用户资料和话单，计费，" in lines
