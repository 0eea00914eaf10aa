"""The longest call billed (``MAX_SECONDS``) is said in every message from the rule's own value
(``{limit}``, in the largest unit that says it whole), so a new limit changes every message with it
(engineer9's finding 2, engineer10's finding 3)."""

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
    """No text of the catalog, in either language, spells the limit out: it takes ``{limit}``."""
    written = [(key, text) for key, texts in CATALOG.items() for text in texts
               if any(limit in text for limit in THE_LIMIT_WRITTEN)]
    assert written == []


LIMITS = [(2 * SECONDS_PER_DAY, "2 days", "2 天"), (3 * 3600, "3 hours", "3 小时"),
          (SECONDS_PER_DAY, "24 hours", "24 小时"), (90 * 60, "90 minutes", "90 分钟"),
          (3600 + 1, "3601 s", "3601 秒")]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("limit", "en", "zh"), LIMITS)
def test_every_message_of_the_limit_follows_max_seconds(monkeypatch: pytest.MonkeyPatch, lang: str, limit: int,
                                                        en: str, zh: str) -> None:
    """With another limit (2 days, 3 hours, …): the code's name, the note of a record set aside, the
    batch's summary and the menu's group all say it in the largest unit it is a whole number of
    (more than one: a day is 24 hours), none says 3 days."""
    monkeypatch.setattr(screening, "MAX_SECONDS", limit)
    tr = Translator(lang)
    key, values = detail(AnomalyCode.TOO_LONG, "83470001", 0, limit + 1)
    texts = [code_name(tr, AnomalyCode.TOO_LONG), tr(key, **values),
             tr("menu.anomalies.group.too-long", count="1", **limit_values())]
    if lang == "zh":  # the English summary names the code as it is: too-long 1
        texts.append(tr("summary.code.too-long", count="1", **limit_values()))
    said = {"en": en, "zh": zh}[lang]
    assert [said in text for text in texts] == [True] * len(texts), texts
    assert not any("3 days" in text or "3 天" in text for text in texts), texts


def test_the_texts_of_three_days_are_as_they_were() -> None:
    """Today's limit, 3 days, is said word for word as before the unit was chosen (the golden files)."""
    en, zh = Translator("en"), Translator("zh")
    key, values = detail(AnomalyCode.TOO_LONG, "83470001", 0, 3 * SECONDS_PER_DAY + 1)
    assert [code_name(en, AnomalyCode.TOO_LONG), en(key, **values),
            en("menu.anomalies.group.too-long", count="1", **limit_values()),
            en("summary.code.too-long", count="1", **limit_values())] == [
        "longer than 3 days", "lasts 72:00:01 (259201 s), more than 3 days", "Longer than 3 days: 1", "too-long 1"]
    assert [code_name(zh, AnomalyCode.TOO_LONG), zh(key, **values),
            zh("menu.anomalies.group.too-long", count="1", **limit_values()),
            zh("summary.code.too-long", count="1", **limit_values())] == [
        "时长超过 3 天", "通话时长 72:00:01（259201 秒），超过 3 天", "时长超过 3 天：1 条", "时长超过 3 天 1"]


def test_the_batch_says_the_limit_it_applies(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``telbill bill`` with the limit at 2 days: its anomalies file says "more than 2 days"."""
    monkeypatch.setattr(screening, "MAX_SECONDS", 2 * SECONDS_PER_DAY)
    assert main(["--lang", "en", "bill"], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    notes = [line for line in (workdir / "output/anomalies.txt").read_text("utf-8").splitlines()
             if "  # too-long:" in line]
    assert notes and all("more than 2 days" in line for line in notes), notes
