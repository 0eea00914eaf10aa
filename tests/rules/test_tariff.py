"""Rating: the worked examples of SPEC §2 and the tariff file."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.errors import TariffError
from telbill.rules.classes import CallClass, classify
from telbill.rules.screening import MAX_SECONDS
from telbill.rules.tariff import DEFAULT_TARIFF, Rate, parse_tariff
from telbill.text.i18n import Translator

EN = Translator("en")


@pytest.mark.parametrize(
    ("call_class", "seconds", "fen"),
    [
        (CallClass.LOCAL, 0, 0),
        (CallClass.LOCAL, 1, 22),
        (CallClass.LOCAL, 180, 22),
        (CallClass.LOCAL, 181, 33),
        (CallClass.LOCAL, 240, 33),
        (CallClass.LOCAL, 241, 44),
        (CallClass.DOMESTIC, 0, 0),
        (CallClass.DOMESTIC, 1, 7),
        (CallClass.DOMESTIC, 6, 7),
        (CallClass.DOMESTIC, 7, 14),
        (CallClass.DOMESTIC, 60, 70),
        (CallClass.INTERNATIONAL, 6, 80),
        (CallClass.INTERNATIONAL, 7, 160),
        (CallClass.INTERNATIONAL, 60, 800),
    ],
)
def test_worked_examples(call_class: CallClass, seconds: int, fen: int) -> None:
    """The fee formula gives the spec's worked examples, in integer fen."""
    assert DEFAULT_TARIFF.fee(call_class, seconds) == fen


@pytest.mark.parametrize(
    ("callee", "expected"),
    [
        ("83461234", CallClass.LOCAL),
        ("02584561234", CallClass.DOMESTIC),
        ("0", CallClass.DOMESTIC),
        ("0044207946000", CallClass.INTERNATIONAL),
        ("00", CallClass.INTERNATIONAL),
        ("110", CallClass.LOCAL),
    ],
)
def test_class_from_the_dialled_number(callee: str, expected: CallClass) -> None:
    """00… is international, other 0… domestic long distance, anything else local."""
    assert classify(callee) is expected


def _yuan(fen: int) -> str:
    return f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _maybe_below(top: int) -> st.SearchStrategy[int]:
    """Values a tariff file may hold, now and then one below what it may (refused)."""
    return st.integers(0, top) | st.integers(-200, -1)


@settings(max_examples=400)
@given(st.sampled_from(list(CallClass)), _maybe_below(10**7), _maybe_below(10**5), _maybe_below(10**7),
       _maybe_below(10**5), st.lists(st.integers(0, MAX_SECONDS), min_size=2, max_size=6))
def test_a_longer_call_never_costs_less_so_the_longest_has_the_highest_fee(
        kind: CallClass, first_price: int, first_seconds: int, step_price: int, step_seconds: int,
        durations: list[int]) -> None:
    """For any rate a tariff file may give (one a file may not give is refused), a call never costs
    less than a shorter one of its class, so Tariff.highest_fee (the width of the menu's fee column)
    is the fee of the longest call."""
    text = (f"[{kind.value}]\nfirst_price = {_yuan(first_price)}\nfirst_seconds = {first_seconds}\n"
            f"step_price = {_yuan(step_price)}\nstep_seconds = {step_seconds}\n")
    try:
        tariff = parse_tariff(text, "t.toml")
    except TariffError:
        assert min(first_price, first_seconds, step_price, step_seconds - 1) < 0
        return
    fees = [tariff.fee(kind, seconds) for seconds in sorted(durations)]
    assert fees == sorted(fees)
    assert tariff.highest_fee(kind, max(durations)) == max(fees)


def test_tariff_file_overrides_only_what_it_names() -> None:
    """Prices are exact decimals in yuan; sections and keys left out keep the defaults."""
    tariff = parse_tariff("[local]\nfirst_price = 0.30\nstep_seconds = 30\n", "t.toml")
    assert tariff.local == Rate(180, 30, 30, 11)
    assert tariff.domestic == DEFAULT_TARIFF.domestic
    assert tariff.local.fee(181) == 41


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[local]\nfirst_price = -1\n", "t.toml [local] first_price must be yuan ≥ 0 with at most two decimals, got -1"),
        ("[local]\nstep_price = 0.111\n", "t.toml [local] step_price must be yuan ≥ 0 with at most two decimals, got 0.111"),
        ("[domestic]\nstep_seconds = 0\n", "t.toml [domestic] step_seconds must be a whole number of seconds ≥ 1, got 0"),
        ("[domestic]\nfirst_seconds = 1.5\n", "t.toml [domestic] first_seconds must be a whole number of seconds ≥ 0, got 1.5"),
        ("[local]\nprice = 1\n", "t.toml [local]: unknown key price (use first_seconds, first_price, step_seconds, step_price)"),
        ("[mobile]\nfirst_price = 1\n", "t.toml: unknown section [mobile] (use [local], [domestic], [international])"),
        ("local = 3\n", "t.toml: local must be a section ([local] with its keys below it), not a value"),
        ("[local]\nfirst_price = \"0.2\"\n", "t.toml [local] first_price must be yuan ≥ 0 with at most two decimals, got \"0.2\""),
        # the value as TOML writes it, not as Python does (True, '0.2', 1E+400)
        ("[local]\nfirst_seconds = true\n", "t.toml [local] first_seconds must be a whole number of seconds ≥ 0, got true"),
        ("[local]\nfirst_price = 1e400\n", "t.toml [local] first_price must be yuan ≥ 0 with at most two decimals, got 1e400"),
        ("[local]\nstep_price = -inf\n", "t.toml [local] step_price must be yuan ≥ 0 with at most two decimals, got -inf"),
        ("[local]\nstep_seconds = [60, \"s\", false]\n",
         "t.toml [local] step_seconds must be a whole number of seconds ≥ 1, got [60, \"s\", false]"),
        ("[local]\nstep_seconds = {s = 60.0}\n",
         "t.toml [local] step_seconds must be a whole number of seconds ≥ 1, got { s = 60.0 }"),
        ("[local]\nstep_seconds = 1979-05-27\n",
         "t.toml [local] step_seconds must be a whole number of seconds ≥ 1, got 1979-05-27"),
        ("[local]\nfirst_price = \"" + "9" * 60 + "\"\n",
         "t.toml [local] first_price must be yuan ≥ 0 with at most two decimals, got \"" + "9" * 38 + "…"),
        # a key above every section header is not a section
        ("first_seconds = 60\n[local]\nfirst_price = 0.3\n",
         "t.toml: first_seconds = 60 is outside every section; put it under one of [local], [domestic], [international]"),
    ],
)
def test_bad_tariff_names_the_key(text: str, message: str) -> None:
    """A bad tariff value is an error naming the file, section and key, with the value as it is
    written in TOML."""
    with pytest.raises(TariffError) as info:
        parse_tariff(text, "t.toml")
    assert info.value.render(EN) == message


def test_tariff_syntax_error_is_one_line() -> None:
    """Broken TOML is a TariffError naming the file, not a traceback."""
    with pytest.raises(TariffError) as info:
        parse_tariff("[local\n", "t.toml")
    assert info.value.render(EN) == "t.toml line 1: not valid TOML: '[local'"
    assert info.value.render(Translator("zh")) == "t.toml 第 1 行不是有效的 TOML：'[local'"


def test_tariff_error_at_the_end_names_the_last_line() -> None:
    """An error found at the end of the text names the last line (no English parser text in Chinese)."""
    with pytest.raises(TariffError) as info:
        parse_tariff("[local]\nfirst_price = \n", "t.toml")
    assert info.value.render(Translator("zh")) == "t.toml 第 2 行不是有效的 TOML：'first_price ='"
