"""Field formats: what a phone, a name, an amount, a date, a time and a month may be.

One module serves the loader (a data file's fields: ``is_*`` / ``parse_*``,
which return a value or ``None`` / a message key) and the menu (what an operator
types: ``validate_*``, which return the value or raise
:class:`~telbill.errors.ValidationError` saying why), so that a field means the
same wherever it comes from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import product, repeat
from operator import add, floordiv, mod

from telbill.errors import ValidationError
from telbill.speed import Memo
from telbill.text.display import quote

SECONDS_PER_DAY = 86_400
MAX_NAME_CHARS = 64
PHONE_MIN, PHONE_MAX = 3, 20
MAX_YUAN_DIGITS = 15
"""Digits allowed before the decimal point of an amount (under a thousand trillion yuan)."""
SHORTEST_SECONDS = 0
"""Rule 2 (SPEC §3), its one home: the shortest a call may last. One that ends before it starts
(shorter) is set aside (:func:`telbill.rules.screening.lasts_well`), and refused where an operator
types its end (:func:`validate_end`); one that ends the second it starts is fine."""

_MONEY = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_MONEY_ANY = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def date_shaped(text: str) -> bool:
    """``text`` looks like ``YYYY-MM-DD`` (whether or not such a day exists)."""
    return _DATE.fullmatch(text) is not None


def clock_shaped(text: str) -> bool:
    """``text`` looks like ``HH:MM:SS`` (whether or not such a time exists)."""
    return _CLOCK.fullmatch(text) is not None


BLANKS = "\t \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
"""Tab and the space characters (the ideographic space among them)."""
SEPARATOR = re.compile(f"[{BLANKS}]+")
"""What separates the fields of a record: runs of spaces, tabs and the other
space characters (the ideographic space among them). Control characters that
``str.split`` would also take as spaces (``\\x0b \\x0c \\x1c-\\x1f \\x85``, line and
paragraph separators) do not separate fields: they stay inside one, which then
is not a valid field."""

TRAILING_COMMENT = re.compile(f"[{BLANKS}]#")
"""A ``#`` after a blank starts a trailing comment."""
SPLIT_ONLY = "\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"
"""The characters ``str.split`` takes as spaces that do not separate fields (they are
control characters, see :data:`SEPARATOR`): in a text holding none of them,
``str.split`` gives the fields :func:`split_fields` gives (the other control
characters stay inside a field with both)."""

_NAME_ALLOWED_FORMAT = frozenset("\u200c\u200d")
"""Zero-width non-joiner and joiner: format characters some scripts need in names."""
_NAME_REFUSED = {"Cc": "users.name_control", "Cf": "users.name_invisible", "Cs": "users.name_unreadable",
                 "Zl": "users.name_line_break", "Zp": "users.name_line_break", "direction": "users.name_direction"}
"""What a character refused in a name is, said in words, by its Unicode category."""
_NAME_REFUSED_CATEGORIES = frozenset(_NAME_REFUSED) - {"direction"}
_DIRECTION_MARKS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""The format characters that change the direction in which text is shown (marks, embeddings,
overrides, isolates): a name holding one can show its letters in another order."""


def split_fields(text: str) -> list[str]:
    """The fields of a comment-free record text (see :data:`SEPARATOR`)."""
    return [part for part in SEPARATOR.split(text) if part]


def strip_comment(line: str) -> str:
    """The line without a trailing comment; ``''`` for a comment or blank line."""
    stripped = line.strip(BLANKS)
    if not stripped or stripped[0] == "#":
        return ""
    if "#" in stripped:
        m = TRAILING_COMMENT.search(stripped)
        if m is not None:
            stripped = stripped[: m.start()].rstrip(BLANKS)
    return stripped


# -- phones, names and money -----------------------------------------------------------


def is_phone(text: str) -> bool:
    """3 to 20 ASCII digits."""
    return PHONE_MIN <= len(text) <= PHONE_MAX and text.isascii() and text.isdigit()


def all_phones(texts: Sequence[str]) -> bool:
    """Whether every text of a column is a phone (:func:`is_phone`), checked over the whole column at once."""
    digits = "".join(texts)
    return (digits.isascii() and digits.isdigit()
            and min(map(len, texts)) >= PHONE_MIN and max(map(len, texts)) <= PHONE_MAX)


def name_problem(name: str) -> tuple[str, dict[str, object]] | None:
    """Why ``name`` (its raw text) cannot be a name, as a message key and the values it quotes
    besides the name, or ``None``.

    Control characters, invisible format characters (BOM, bidi controls; the
    zero-width joiners are allowed), line separators and unreadable bytes make a
    bad name, as does one over :data:`MAX_NAME_CHARS` characters. The first such
    character is named (``U+202E``) and said in words: a control character, a mark
    that changes the direction of text, an invisible character, a line break, or
    bytes that could not be read.
    """
    if not name.isprintable():
        for ch in name:
            if ch in _NAME_ALLOWED_FORMAT or ch in BLANKS:
                continue
            category = unicodedata.category(ch)
            if category in _NAME_REFUSED_CATEGORIES:
                return _NAME_REFUSED[category if ch not in _DIRECTION_MARKS else "direction"], {"char": _code(ch)}
    if len(name) > MAX_NAME_CHARS:
        return "users.name_long", {}
    return None


def _code(ch: str) -> str:
    """A character as its Unicode code point (``U+202E``); an unreadable byte as itself (``\\xff``)."""
    code = ord(ch)
    return f"\\x{code - 0xDC00:02x}" if 0xDC00 <= code <= 0xDCFF else f"U+{code:04X}"


def money_problem(text: str) -> str | None:
    """The message key saying why ``text`` is not an amount of yuan, or ``None``."""
    if _MONEY.fullmatch(text):
        if len(text.partition(".")[0].lstrip("0")) > MAX_YUAN_DIGITS:
            return "money.too_large"
        return None
    if _MONEY_ANY.fullmatch(text):
        if text.startswith("-"):
            return "money.negative"
        return "money.decimals"
    return "money.not_number"


def parse_money(text: str) -> int:
    """``'25.5'`` → 2550 fen. The caller checks :func:`money_problem` first."""
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


# -- dates, times and months -----------------------------------------------------------

_date_cache: dict[str, int] = {}


def parse_date(text: str) -> int | None:
    """``YYYY-MM-DD`` → its day number (``date.toordinal``), or ``None`` if impossible."""
    day = _date_cache.get(text)
    if day is not None:
        return day
    if not _DATE.fullmatch(text):
        return None
    try:
        day = date(int(text[:4]), int(text[5:7]), int(text[8:])).toordinal()
    except ValueError:
        return None
    _date_cache[text] = day
    return day


CLOCK_MINUTES = dict(zip(map("%02d:%02d".__mod__, product(range(24), range(60))), range(0, SECONDS_PER_DAY, 60)))
"""``HH:MM`` (00:00 to 23:59) → seconds since midnight: the first five characters of a clock."""
CLOCK_SECONDS = dict(zip(map(":%02d".__mod__, range(60)), range(60)))
"""``:SS`` (:00 to :59) → seconds: the last three characters of a clock."""
CLOCK_HEAD, CLOCK_TAIL = slice(0, 5), slice(5, None)
"""A clock's ``HH:MM`` part and its ``:SS`` part: the keys of :data:`CLOCK_MINUTES` and
:data:`CLOCK_SECONDS` (:func:`parse_clock`, and the calls reader for whole columns)."""


def moment_at(day: int, clock: int) -> int:
    """The moment ``clock`` seconds after the midnight that starts day number ``day`` (a moment is
    seconds since the midnight of day 0). The one home of the sum: a record's fields, what an
    operator types, and the calls reader's table of each date's midnight (``moment_at(day, 0)``)."""
    return day * SECONDS_PER_DAY + clock


def parse_clock(text: str) -> int | None:
    """``HH:MM:SS`` (00:00:00 to 23:59:59) → seconds since midnight, or ``None``.

    A clock is its ``HH:MM`` part and its ``:SS`` part, each found in its table
    (:data:`CLOCK_MINUTES`, :data:`CLOCK_SECONDS`): the calls reader looks whole
    columns of clocks up in the same two tables.
    """
    minutes = CLOCK_MINUTES.get(text[CLOCK_HEAD])
    seconds = CLOCK_SECONDS.get(text[CLOCK_TAIL])
    if minutes is None or seconds is None:
        return None
    return minutes + seconds


def parse_month(text: str) -> str | None:
    """``YYYY-MM`` with a real month (0001-01 to 9999-12), or ``None``."""
    m = _MONTH.fullmatch(text)
    if m is None or int(m[1]) < 1 or not 1 <= int(m[2]) <= 12:
        return None
    return text


# -- fields as text ---------------------------------------------------------------------


def format_fen(fen: int) -> str:
    """2550 → ``'25.50'``; never a float on the way."""
    sign = "-" if fen < 0 else ""
    q, r = divmod(abs(fen), 100)
    return f"{sign}{q}.{r:02d}"


def screen_fen(fen: int) -> str:
    """An amount as the screen shows it (the menu, the batch's summary), with thousands separators
    as counts have them: ``45,093,274.94``; the files write :func:`format_fen` (``45093274.94``)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def month_given(text: str) -> str:
    """A month as typed (the menu) or given (``--month``): full-width digits as ASCII, blanks around
    it dropped; :func:`parse_month` then says whether it is one."""
    return halfwidth(text).strip()


def _day_text(day: int) -> str:
    return date.fromordinal(day).isoformat() + " "


_DAY_TEXTS: Memo[int, str] = Memo(_day_text)
"""Day number → ``YYYY-MM-DD `` (a run's records fall on a few hundred days)."""
_MINUTE_TEXTS = tuple(CLOCK_MINUTES)
"""Minute of the day → ``HH:MM`` (the keys of :data:`CLOCK_MINUTES`, in order)."""
_SECOND_TEXTS = tuple(CLOCK_SECONDS)
"""Second of the minute → ``:SS``."""


def format_moment(moment: int) -> str:
    """Seconds since 0001-01-01 00:00:00 → ``YYYY-MM-DD HH:MM:SS``."""
    day, secs = divmod(moment, SECONDS_PER_DAY)
    minute, second = divmod(secs, 60)
    return _DAY_TEXTS[day] + _MINUTE_TEXTS[minute] + _SECOND_TEXTS[second]


def _date_text(day: int) -> str:
    return date.fromordinal(day).isoformat()


_DATE_TEXTS: Memo[int, str] = Memo(_date_text)
"""Day number → ``YYYY-MM-DD``."""


def moment_fields(moments: Sequence[int]) -> tuple[list[str], list[str]]:
    """Each moment's date ``YYYY-MM-DD`` and clock ``HH:MM:SS``, as :func:`format_moment` writes
    them: a list of dates and a list of clocks (a record's fields as a line of calls.txt has them).
    Column by column with ``map`` (250 ns a moment; a loop of ``divmod`` and two appends, 410)."""
    seconds = list(map(mod, moments, repeat(SECONDS_PER_DAY)))
    dates = list(map(_DATE_TEXTS.__getitem__, map(floordiv, moments, repeat(SECONDS_PER_DAY))))
    clocks = list(map(add, map(_MINUTE_TEXTS.__getitem__, map(floordiv, seconds, repeat(60))),
                      map(_SECOND_TEXTS.__getitem__, map(mod, seconds, repeat(60)))))
    return dates, clocks


def moment_texts(moments: Iterable[int]) -> list[str]:
    """:func:`format_moment` of each of ``moments``, in a list."""
    return [format_moment(moment) for moment in moments]


def joined_moments(dates: Iterable[str], clocks: Iterable[str]) -> list[str]:
    """The moments whose dates and clocks :func:`moment_fields` gave, as :func:`format_moment`
    writes them (a date, a space, its clock): 85 ns a moment against 535 to format it again
    (``timeit``, at load 6)."""
    return list(map(" ".join, zip(dates, clocks)))


def _month_of_day(day: int) -> str:
    d = date.fromordinal(day)
    return f"{d.year:04d}-{d.month:02d}"


_MONTHS: Memo[int, str] = Memo(_month_of_day)
"""Day number → its month ``YYYY-MM``."""


def month_of(moment: int) -> str:
    """The calendar month ``YYYY-MM`` that ``moment`` falls in."""
    return _MONTHS[moment // SECONDS_PER_DAY]


def _next_month_day(day: int) -> int:
    d = date.fromordinal(day)
    if d.year == date.max.year and d.month == 12:
        return date.max.toordinal() + 1
    return date(d.year + d.month // 12, d.month % 12 + 1, 1).toordinal()


NEXT_MONTH_DAY: Memo[int, int] = Memo(_next_month_day)
"""Day number → the number of the first day of the next month (of the day after the last one
there is, in December of year 9999): the first moment :func:`month_of` gives another month for
is ``NEXT_MONTH_DAY[day] * SECONDS_PER_DAY``."""


def format_duration(seconds: int) -> str:
    """``3725`` → ``'1:02:05'``, ``259201`` → ``'72:00:01'``: hours, minutes, seconds.

    The same in every language (no unit letters to translate).
    """
    h, rem = divmod(seconds, 3600)
    mi, s = divmod(rem, 60)
    return f"{h}:{mi:02d}:{s:02d}"


# -- what an operator types ---------------------------------------------------------------
#
# Each ``validate_*`` function takes the text as typed and returns the value, or
# raises ValidationError whose message says why (the menu asks again with it).
# Full-width digits and signs, as a Chinese input method types them (８３４７,
# ２０２１－０１), are taken as their ASCII forms here, in what is typed only:
# in a data file they are not digits.

_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def halfwidth(text: str) -> str:
    """``text`` with full-width ASCII forms (and the ideographic space) made plain ASCII."""
    return text.translate(_HALFWIDTH) if not text.isascii() else text


_WIDE_DIGIT = re.compile("[０-９]")


def wide_digit(text: str) -> str | None:
    """The first full-width digit in ``text`` (``１`` in ``１001``), which a file's number may not
    hold (what is typed in the menu is made half-width first), else None."""
    m = _WIDE_DIGIT.search(text)
    return None if m is None else m[0]


def validate_phone(text: str, key: str = "users.phone") -> str:
    """3 to 20 digits; ``key`` names the field in the message (users.phone, calls.callee...)."""
    value = halfwidth(text).strip()
    if not is_phone(value):
        raise ValidationError(key, value=quote(value))
    return value


def validate_digits(text: str) -> str:
    """Some digits to search for (1 to 20)."""
    value = halfwidth(text).strip()
    if not (1 <= len(value) <= PHONE_MAX and value.isascii() and value.isdigit()):
        raise ValidationError("menu.error.digits", value=quote(value))
    return value


_COMMENT_IN_NAME = re.compile(r"(?:^|\s)#")


def validate_name(text: str) -> str:
    """A subscriber's name: words of any script, stored with single spaces.

    The raw text is checked (a control character is refused, not taken as a
    space). A ``#`` inside a word (``Li#Na``) is part of the name; one that
    starts a word would start a comment in users.txt, so it is refused.
    """
    raw = text.strip(BLANKS)
    name = " ".join(split_fields(raw))
    if not name:
        raise ValidationError("menu.error.name_empty")
    problem = name_problem(raw)
    if problem is not None:
        raise ValidationError(problem[0], value=quote(raw), limit=MAX_NAME_CHARS, **problem[1])
    if _COMMENT_IN_NAME.search(name):
        raise ValidationError("menu.error.name_hash", value=quote(name))
    return name


def validate_money(text: str, label: str = "money") -> int:
    """Yuan ≥ 0 with at most two decimals → fen; ``label`` is rent, feature or money."""
    value = halfwidth(text).strip()
    why = money_problem(value)
    if why is not None:
        raise ValidationError(f"{label}.{why.split('.', 1)[1]}", value=quote(value))
    return parse_money(value)


def validate_date(text: str) -> int:
    """``YYYY-MM-DD`` → day number."""
    value = halfwidth(text).strip()
    if not _DATE.fullmatch(value):
        raise ValidationError("menu.error.date_format", value=quote(value))
    day = parse_date(value)
    if day is None:
        if not 1 <= int(value[5:7]) <= 12:
            raise ValidationError("menu.error.no_month", value=quote(value), month=value[5:7])
        if int(value[:4]) == 0:
            raise ValidationError("menu.error.no_year", value=quote(value))
        raise ValidationError("menu.error.no_date", value=quote(value))
    return day


def validate_clock(text: str) -> int:
    """``HH:MM:SS`` → seconds since midnight (an answer to a question for a time alone)."""
    value = halfwidth(text).strip()
    if not _CLOCK.fullmatch(value):
        raise ValidationError("menu.error.clock_format", value=quote(value))
    secs = parse_clock(value)
    if secs is None:
        raise ValidationError("menu.error.no_time", value=quote(value))
    return secs


def validate_moment(text: str, day: int | None = None) -> int:
    """``YYYY-MM-DD HH:MM:SS`` → seconds; just ``HH:MM:SS`` means that time on ``day``."""
    parts = halfwidth(text).split()
    if len(parts) == 1 and day is not None and ":" in parts[0]:
        return moment_at(day, validate_clock(parts[0]))
    if len(parts) != 2:
        raise ValidationError("menu.error.moment_format", value=quote(text.strip()))
    day = validate_date(parts[0])
    if not _CLOCK.fullmatch(parts[1]):
        raise ValidationError("menu.error.moment_format", value=quote(text.strip()))
    return moment_at(day, validate_clock(parts[1]))


def validate_end(text: str, start: int) -> int:
    """The end of a call: a moment (or a time on the start's day) not before ``start`` (rule 2's
    bound, :data:`SHORTEST_SECONDS`)."""
    end = validate_moment(text, start // SECONDS_PER_DAY)
    if end - start < SHORTEST_SECONDS:
        raise ValidationError("menu.error.end_before_start", end=format_moment(end), start=format_moment(start))
    return end


def no_such_month(text: str) -> int | None:
    """The month of a ``YYYY-MM`` that is written as one but names no month (``2021-13`` → 13),
    else None: said so by the menu and by ``--month`` alike."""
    m = _MONTH.fullmatch(text)
    if m is None or int(m[1]) < 1 or 1 <= int(m[2]) <= 12:
        return None
    return int(m[2])


def validate_month(text: str) -> str:
    """``YYYY-MM`` with a real month (``2021-13`` is told there is no month 13)."""
    value = month_given(text)
    if parse_month(value) is None:
        month = no_such_month(value)
        if month is not None:
            raise ValidationError("menu.error.month_number", value=quote(value), month=month)
        raise ValidationError("menu.error.month", value=quote(value))
    return value


def validate_last_day(text: str, first: int) -> int:
    """The last day of a date range: a date not before ``first``."""
    last = validate_date(text)
    if last < first:
        raise ValidationError("menu.error.range", first=date.fromordinal(first).isoformat(),
                              last=date.fromordinal(last).isoformat())
    return last
