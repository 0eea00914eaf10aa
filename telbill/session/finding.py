"""Finding subscribers by any name, and ordering names the way a Chinese operator reads them.

An operator may name a subscriber by a phone or part of one, by a name or part
of one (with or without its spaces: ``欧阳小明`` finds ``欧阳 小明``), or by the
name's pinyin, whole or by initials (``zhangqiang``, ``zq`` and ``zhangq`` find
``张强``), in any case. A Chinese character that has several readings (多音字)
matches by any of them (``曾`` is ``zeng`` or ``ceng``). Latin names take part
too: each word is one "syllable", so ``zq`` also finds ``Zhang Qiang``.

Names sort by their Latin letters: a Chinese character by its pinyin (a
surname by its surname reading, ``曾`` as ``zeng``), any other word as written,
case-insensitively; so ``张强`` sorts next to ``Zhang Qiang``.

The pinyin comes from :mod:`pypinyin` (loaded when a name is first looked at). What a name gives (its readings, its
sort key) is worked out once per distinct name and kept in a
:class:`NameIndex`, so finding among 10,000 subscribers is one pass of cheap
string tests.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from telbill.errors import ValidationError
from telbill.rules.records import User

SURNAMES: dict[str, tuple[str, ...]] = {
    "万俟": ("mo", "qi"), "尉迟": ("yu", "chi"), "单于": ("chan", "yu"), "长孙": ("zhang", "sun"),
    "曾": ("zeng",), "单": ("shan",), "解": ("xie",), "仇": ("qiu",), "区": ("ou",), "查": ("zha",),
    "朴": ("piao",), "盖": ("ge",), "乐": ("yue",), "秘": ("bi",), "缪": ("miao",), "翟": ("zhai",),
    "覃": ("qin",), "繁": ("po",), "藏": ("zang",), "都": ("du",), "薄": ("bo",), "卜": ("bu",),
    "召": ("shao",), "重": ("chong",), "种": ("chong",), "员": ("yun",), "隗": ("wei",), "句": ("gou",),
    "阚": ("kan",), "长": ("chang",), "洗": ("xian",),
}
"""Surnames whose reading differs from the character's most common one (pypinyin's first).
Only ordering uses this; finding accepts every reading anyway."""


@cache
def readings(char: str) -> tuple[str, ...]:
    """The pinyin readings of one character without tones (``曾`` → ``('ceng', 'zeng')``), most
    common first; ``()`` for a character that is not Chinese. ``ü`` is written ``v``.

    pypinyin is imported on the first Chinese character: its dictionaries take about
    55 MB and 0.17 s, which a session that never finds or sorts by a name does not pay.
    """
    if char.isascii():
        return ()
    from pypinyin import Style, pinyin

    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(dict.fromkeys(r for r in found[0] if r.isascii() and r.isalpha())) if found else ()


def fold(text: str) -> str:
    """Text as compared: compatibility forms unified (full-width ``Ａ`` is ``a``), any case."""
    return unicodedata.normalize("NFKC", text).casefold()


def syllables(name: str) -> list[tuple[str, ...]]:
    """The name as syllables, each with its readings: a Chinese character is one syllable
    (its pinyin readings), any other run of non-space characters is one (itself, folded)."""
    out: list[tuple[str, ...]] = []
    word: list[str] = []
    for ch in fold(name):
        found = readings(ch)
        if found or ch.isspace():
            if word:
                out.append(("".join(word),))
                word = []
            if found:
                out.append(_with_u(found))
        else:
            word.append(ch)
    if word:
        out.append(("".join(word),))
    return out


def _with_u(found: tuple[str, ...]) -> tuple[str, ...]:
    """``lv`` may be typed ``lu`` too (the ü of 吕, 女)."""
    extra = tuple(r.replace("v", "u") for r in found if "v" in r)
    return found + tuple(e for e in extra if e not in found)


@dataclass(frozen=True, slots=True)
class NameKeys:
    """What one name is found and ordered by."""

    compact: str
    """The name folded, without spaces (``欧阳 小明`` → ``欧阳小明``)."""
    syllables: tuple[tuple[str, ...], ...]
    """Each syllable's readings."""
    letters: frozenset[str]
    """Every character of every reading: a query using any other cannot match by pinyin."""
    order: tuple[tuple[str, ...], str]
    """The sort key: one reading per syllable, then the folded name (ties)."""


def name_keys(name: str) -> NameKeys:
    """Work out a name's keys (see :class:`NameIndex`, which keeps them)."""
    parts = syllables(name)
    chosen = [p[0] for p in parts]
    stripped = name.strip()
    for surname, reading in SURNAMES.items():
        if stripped.startswith(surname) and len(chosen) >= len(reading):
            chosen[:len(reading)] = reading
            break
    letters = frozenset(ch for part in parts for r in part for ch in r)
    compact = "".join(fold(name).split())
    return NameKeys(compact, tuple(parts), letters, (tuple(chosen), compact))


def query_text(text: str) -> str:
    """A query as compared: folded, without spaces; ValidationError if nothing is left."""
    query = "".join(fold(text).split())
    if not query:
        raise ValidationError("menu.error.find_empty")
    return query


def pinyin_match(query: str, parts: tuple[tuple[str, ...], ...]) -> bool:
    """Whether ``query`` spells consecutive syllables of a name, each by a beginning of one
    of its readings (the whole reading, its initial, or any start: ``zq``, ``zhangq``, ``qiang``)."""
    end = len(query)
    for first in range(len(parts)):
        reach = {0}
        for part in parts[first:]:
            nxt: set[int] = set()
            for pos in reach:
                for reading in part:
                    same = _common(reading, query, pos)
                    if pos + same == end and same:
                        return True
                    nxt.update(range(pos + 1, pos + same + 1))
            if not nxt:
                break
            reach = nxt
    return False


def _common(reading: str, query: str, pos: int) -> int:
    """How many characters ``reading`` shares with ``query[pos:]`` from their starts."""
    n = 0
    for a, b in zip(reading, query[pos:]):
        if a != b:
            break
        n += 1
    return n


@dataclass(frozen=True, slots=True)
class Found:
    """The subscribers a query names."""

    users: list[User]
    """Best first: the one whose phone is the query, else whole-name matches, then the rest."""
    exact: bool = False
    """The query is a subscriber's whole phone: that one is meant."""
    whole: int = 0
    """How many of the first are whole-name matches (the query is their name, spaces and case aside)."""

    def meant(self) -> User | None:
        """The one subscriber the query surely means: the only match, the whole phone, or the only
        name the query is whole (``Zhang Qiang``, though ``张强`` spells the same pinyin)."""
        return self.users[0] if len(self.users) == 1 or self.exact or self.whole == 1 else None


class NameIndex:
    """Each distinct name's keys, worked out once and kept (names are few, subscribers many).

    A subscriber added or renamed has their keys worked out when first needed;
    :meth:`retain` lets go of names no subscriber has any more.
    """

    def __init__(self) -> None:
        self._keys: dict[str, NameKeys] = {}
        self._compact: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def keys(self, name: str) -> NameKeys:
        """The keys of ``name``."""
        found = self._keys.get(name)
        if found is None:
            found = self._keys[name] = name_keys(name)
        return found

    def compact(self, name: str) -> str:
        """The name folded, without spaces (no pinyin needed, so a query of digits never loads it)."""
        found = self._compact.get(name)
        if found is None:
            found = self._compact[name] = "".join(fold(name).split())
        return found

    def sort_key(self, user: User) -> tuple[tuple[str, ...], str]:
        """What users are sorted by when sorted by name (see the module's rule)."""
        return self.keys(user.name).order

    def find(self, users: Iterable[User], text: str) -> Found:
        """The subscribers ``text`` names, in the order of ``users``, best matches first.

        A whole phone names that subscriber alone; otherwise a phone containing the
        digits, a name containing the text (spaces ignored) or a name whose pinyin
        it spells (see :func:`pinyin_match`) matches.
        """
        query = query_text(text)
        digits = query.isascii() and query.isdigit()
        spell = query.isascii() and query.isalpha()
        letters = set(query)
        whole: list[User] = []
        part: list[User] = []
        for user in users:
            if digits and query in user.phone:
                if user.phone == query:
                    return Found([user], exact=True)
                part.append(user)
                continue
            compact = self.compact(user.name)
            if query in compact:
                (whole if query == compact else part).append(user)
            elif spell:
                keys = self.keys(user.name)
                if letters <= keys.letters and pinyin_match(query, keys.syllables):
                    part.append(user)
        return Found(whole + part, whole=len(whole))
