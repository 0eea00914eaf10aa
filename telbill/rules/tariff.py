"""The tariff: how much a call of each class costs, in integer fen."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from telbill.errors import TariffError
from telbill.rules.classes import SECTIONS, CallClass
from telbill.text.display import quote


@dataclass(frozen=True, slots=True)
class Rate:
    """The price of one class: a first block, then each further step."""

    first_seconds: int
    """Seconds covered by the first price."""
    first_price: int
    """Price of the first block, in fen."""
    step_seconds: int
    """Length of each further step, in seconds (> 0)."""
    step_price: int
    """Price of each started step, in fen."""

    def fee(self, seconds: int) -> int:
        """Fee in fen for a call of ``seconds``: 0 for 0 s, else first + ceil(rest/step) steps (SPEC §2).
        It never falls as a call lasts longer, as long as no price is below 0 and a step lasts 1 s or
        more (:func:`parse_tariff` takes no other): :meth:`Tariff.highest_fee` relies on it."""
        if seconds <= 0:
            return 0
        rest = seconds - self.first_seconds
        if rest <= 0:
            return self.first_price
        return self.first_price + -(-rest // self.step_seconds) * self.step_price


@dataclass(frozen=True, slots=True)
class Tariff:
    """One rate per call class (its fields are named as the classes' values)."""

    local: Rate
    domestic: Rate
    international: Rate

    def rate(self, call_class: CallClass) -> Rate:
        """The rate for ``call_class``."""
        return getattr(self, call_class.value)  # type: ignore[no-any-return]

    def fee(self, call_class: CallClass, seconds: int) -> int:
        """Fee in fen of a call of this class and duration."""
        return self.rate(call_class).fee(seconds)

    def highest_fee(self, call_class: CallClass, longest: int) -> int:
        """The highest fee of a call of this class lasting ``longest`` seconds or less: that of the
        longest, as a fee never falls as a call lasts longer (:meth:`Rate.fee`). The menu sizes its
        fee column with it without rating every call; should a rate ever be allowed whose fee can
        fall, this must look at every duration."""
        return self.fee(call_class, longest)


DEFAULT_TARIFF = Tariff(
    local=Rate(180, 22, 60, 11),
    domestic=Rate(6, 7, 6, 7),
    international=Rate(6, 80, 6, 80),
)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHOWN = 40
"""The most characters of a bad value a message quotes."""


def as_toml(value: object) -> str:
    """A value read from the tariff as TOML writes it (its author wrote TOML, not Python): ``true``,
    ``"0.2"``, ``1e400``, ``nan``, ``[1, 2]``, ``{ a = 1 }``; cut short with ``…`` past 40
    characters. (What a TOML string may hold as it is, DEL, C1 controls, format characters, is
    escaped where every message's values are: :class:`~telbill.errors.TelbillError`.)"""
    text = _toml_text(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"


def _key(name: str) -> str:
    """A key or a section's name as TOML writes it: quoted when it is not a bare key (``"a b"``, ``""``)."""
    return name if _BARE_KEY.fullmatch(name) else _toml_text(name)


def _toml_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if value.is_nan():
            return "nan"
        if value.is_infinite():
            return "-inf" if value < 0 else "inf"
        return str(value).replace("E+", "e").replace("E", "e")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string's escapes are JSON's
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml_text, value)) + "]"
    if isinstance(value, dict):
        pairs = (f"{_key(key)} = {_toml_text(item)}"
                 for key, item in value.items())
        return "{ " + ", ".join(pairs) + " }"
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)  # an integer


def _price_fen(value: object, section: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TariffError("tariff.price", section=section, key=key, value=as_toml(value))
    amount = Decimal(value)
    try:
        exact = amount.is_finite() and amount >= 0 and amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:  # too many digits to have two decimals
        exact = False
    if not exact:
        raise TariffError("tariff.price", section=section, key=key, value=as_toml(value))
    return int(amount * 100)


def _seconds(value: object, section: str, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise TariffError("tariff.seconds", section=section, key=key, value=as_toml(value), minimum=minimum)
    return value


_AT_LINE = re.compile(r"\(at line ([0-9]+), column [0-9]+\)")


def _error_line(message: str, text: str) -> int:
    """The line a TOML error is on (the parser says it in English: only the number is kept)."""
    m = _AT_LINE.search(message)
    return int(m[1]) if m else max(1, len(_lines(text)))


def _lines(text: str) -> list[str]:
    """The lines as TOML counts them: ended by ``\\n`` alone (``str.splitlines`` would also end one
    at a ``\\x85`` or U+2028 inside a string, and quote the wrong line)."""
    return text.removesuffix("\n").split("\n") if text else []


_SECTIONS_TEXT = ", ".join(f"[{section}]" for section in SECTIONS)
"""The sections a tariff may have, as its messages list them: ``[local], [domestic], [international]``."""


def parse_tariff(text: str, source: str, base: Tariff = DEFAULT_TARIFF) -> Tariff:
    """Read a tariff TOML text; sections and keys left out keep ``base``'s values."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except (tomllib.TOMLDecodeError, ValueError) as exc:  # ValueError: an integer of 4300+ digits
        line = _error_line(str(exc), text)
        lines = _lines(text)
        raise TariffError("tariff.syntax", source=source, line=line,
                          text=quote(lines[line - 1].strip() if line <= len(lines) else "")) from None
    tariff = base
    for section, body in data.items():
        if section not in SECTIONS:
            if not isinstance(body, dict):  # a key = value above every section header
                raise TariffError("tariff.outside", source=source, key=_key(section), value=as_toml(body),
                                  sections=_SECTIONS_TEXT)
            raise TariffError("tariff.section", source=source, section=_key(section), sections=_SECTIONS_TEXT)
        if not isinstance(body, dict):
            raise TariffError("tariff.not_section", source=source, section=section)
        rate: Rate = getattr(tariff, section)
        changes: dict[str, int] = {}
        for key, value in body.items():
            where = f"{source} [{section}]"
            if key in ("first_price", "step_price"):
                changes[key] = _price_fen(value, where, key)
            elif key == "first_seconds":
                changes[key] = _seconds(value, where, key, 0)
            elif key == "step_seconds":
                changes[key] = _seconds(value, where, key, 1)
            else:
                raise TariffError("tariff.key", section=where, key=_key(key))
        tariff = replace(tariff, **{section: replace(rate, **changes)})
    return tariff
