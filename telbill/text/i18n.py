"""Chinese and English: choosing the language and looking up interface text.

The catalogs live in :mod:`telbill.text.messages` as Python dicts that hold both
languages side by side, ``key -> (english, chinese)``. A missing translation is
therefore a visible gap in one line rather than a stale ``.mo`` file, and a test
checks that every key has both texts with the same ``{placeholders}``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from telbill.text.messages import CATALOG


class Lang(str, Enum):
    """An interface language."""

    EN = "en"
    ZH = "zh"


def detect_lang(environ: Mapping[str, str] | None = None) -> Lang:
    """Chinese when the first set of LC_ALL, LC_MESSAGES, LANG starts with ``zh``."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return Lang.ZH if value.lower().startswith("zh") else Lang.EN
    return Lang.EN


class Tr(Protocol):
    """Anything that turns a message key and its parameters into text (a :class:`Translator`)."""

    def __call__(self, key: str, /, **params: object) -> str: ...


@dataclass(frozen=True, slots=True)
class Phrase:
    """A value of a message that is a message of its own, said in the same language: a count with
    its unit (``Phrase("limit.days", 3)``: "3 days", "3 天")."""

    key: str
    count: int


class Translator:
    """Turns a message key and its parameters into text in one language."""

    def __init__(self, lang: Lang | str = Lang.EN) -> None:
        self.lang = Lang(lang)
        self._index = 0 if self.lang is Lang.EN else 1

    def __call__(self, key: str, /, **params: object) -> str:
        """Return the text for ``key`` with ``params`` filled in (a :class:`Phrase` said in this language)."""
        text = CATALOG[key][self._index]
        if not params:
            return text
        return text.format(**{name: self(value.key, count=value.count) if isinstance(value, Phrase) else value
                              for name, value in params.items()})
