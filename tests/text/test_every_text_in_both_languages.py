"""Every text of the interface exists in Chinese and in English (SPEC §9): the same placeholders, one
Chinese name per anomaly kind, Chinese texts in Chinese."""

from __future__ import annotations

import re
import string

import pytest

from telbill.rules.screening import AnomalyCode, limit_values
from telbill.text.i18n import Translator
from telbill.text.messages import CATALOG

from plain import CJK


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


SAID_IN_ONE_LANGUAGE = {"summary.code.too-long": {"limit"}}
"""Values one language may leave out: the batch's English summary names the codes as they are
(``too-long 2``), the Chinese one by their names (时长超过 3 天 2)."""


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_message_has_both_languages_with_the_same_placeholders(key: str) -> None:
    """Each key has an English and a Chinese text, non-empty, with identical {fields}."""
    en, zh = CATALOG[key]
    assert en.strip() and zh.strip()
    either = SAID_IN_ONE_LANGUAGE.get(key, set())
    assert fields(en) - either == fields(zh) - either
    assert not CJK.search(en), f"Chinese inside the English text of {key}"


@pytest.mark.parametrize("code", [c.value for c in AnomalyCode])
def test_each_anomaly_kind_has_one_name_in_chinese(code: str) -> None:
    """An anomaly kind is called the same in the calls list, item 10's headings and summary, and the
    batch summary (one overlap was 时间重叠, 同一时间多条话单 and 同一时间多条)."""
    zh, en = Translator("zh"), Translator("en")
    name = zh(f"code.{code}", **limit_values())
    assert zh(f"menu.anomalies.group.{code}", count=2, **limit_values()) == f"{name}：2 条"
    assert zh(f"summary.code.{code}", count=2, **limit_values()) == f"{name} 2"
    assert (en(f"menu.anomalies.group.{code}", count=2, **limit_values())
            == f"{en(f'code.{code}', **limit_values()).capitalize()}: 2")


def test_chinese_texts_are_chinese() -> None:
    """Chinese texts that are sentences hold Chinese characters (not left in English)."""
    untranslated = [k for k, (en, zh) in CATALOG.items()
                    if en == zh and len(re.sub(r"\{[^}]*\}", "", en).strip()) > 12]
    assert untranslated == []


def test_translator_fills_parameters() -> None:
    """tr(key, **params) formats the chosen language's text."""
    assert Translator("zh")("problem.line", source="u.txt", line=7, reason="x") == "u.txt 第 7 行：x"
    assert Translator("en")("problem.line", source="u.txt", line=7, reason="x") == "u.txt line 7: x"
