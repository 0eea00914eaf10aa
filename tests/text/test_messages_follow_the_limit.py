"""The longest call billed (``MAX_SECONDS``) is said in every message from the rule's own value
(``{limit_days}``), so a new limit changes every message with it (engineer9's finding 2)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from telbill.cli import main
from telbill.rules import screening
from telbill.rules.fields import SECONDS_PER_DAY
from telbill.rules.screening import AnomalyCode, code_name, detail, limit_values
from telbill.text.i18n import Translator
from telbill.text.messages import CATALOG

THE_LIMIT_WRITTEN = ("3 days", "three days", "三天", "3 天", "72 h", "72:00:00")


def test_no_message_writes_the_limit_itself() -> None:
    """No text of the catalog, in either language, spells the limit out: it takes ``{limit_days}``."""
    written = [(key, text) for key, texts in CATALOG.items() for text in texts
               if any(limit in text for limit in THE_LIMIT_WRITTEN)]
    assert written == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_message_of_the_limit_follows_max_seconds(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    """With the limit at 2 days: the code's name, the note of a record set aside, the batch's
    summary and the menu's group all say 2, none 3."""
    monkeypatch.setattr(screening, "MAX_SECONDS", 2 * SECONDS_PER_DAY)
    tr = Translator(lang)
    key, values = detail(AnomalyCode.TOO_LONG, "83470001", 0, 2 * SECONDS_PER_DAY + 1)
    texts = [code_name(tr, AnomalyCode.TOO_LONG), tr(key, **values),
             tr("menu.anomalies.group.too-long", count="1", **limit_values())]
    if lang == "zh":  # the English summary names the code as it is: too-long 1
        texts.append(tr("summary.code.too-long", count="1", **limit_values()))
    said = {"en": "2 days", "zh": "2 天"}[lang]
    assert [said in text for text in texts] == [True] * len(texts), texts
    assert not any("3" in text for text in texts), texts


def test_the_batch_says_the_limit_it_applies(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``telbill bill`` with the limit at 2 days: its anomalies file says "more than 2 days"."""
    monkeypatch.setattr(screening, "MAX_SECONDS", 2 * SECONDS_PER_DAY)
    assert main(["--lang", "en", "bill"], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    notes = [line for line in (workdir / "output/anomalies.txt").read_text("utf-8").splitlines()
             if "  # too-long:" in line]
    assert notes and all("more than 2 days" in line for line in notes), notes
