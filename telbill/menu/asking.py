"""Fitting a question to the screen's width: pure functions, no terminal.

The one home of that rule for every question of a terminal (a list, a yes/no, a line typed)
and for the line that echoes its answer. prompt_toolkit draws the lines above a prompt's last
one unwrapped and a list's choices cut at the screen's edge, so telbill folds them itself before
they are drawn, where :func:`telbill.menu.layout.wrap` allows (between words, between two
Chinese characters, never before ``，`` or ``。``):

- a question, and the answer echoed after it, fold with their continuation lines indented
  under the question (:data:`QUESTION_INDENT`);
- its keys (a hint such as ``(y or n)``) follow two spaces after it when everything fits on
  one line, else start a line of their own, indented as well;
- a choice's label folds with its continuation lines under the label, not under its number
  (:func:`choices`); when the folded list would not fit on the screen, every label stays one
  line, cut with ``…``, and the choice pointed at is shown whole.
"""

from __future__ import annotations

from collections.abc import Sequence

from telbill.menu.layout import shorten, wrap
from telbill.text.display import width

Fragments = list[tuple[str, str]]
"""prompt_toolkit's formatted text: ``(style, text)`` pairs."""

QUESTION_INDENT = 2
"""Columns before a question's continuation lines and its keys on a line of their own (under
the question's first word, after ``? ``)."""
POINTER = 3
"""Columns questionary draws before every choice (`` » `` or three spaces)."""
CHOICE_GAP = 2
"""Columns between a choice's number and its label."""


def spans(text: str, columns: int, indent: int = 0) -> list[tuple[int, int]]:
    """Where each line of ``text`` folded to ``columns`` starts and ends in it, the lines after
    the first ``indent`` columns narrower (they are shown indented). The spaces a line breaks at
    belong to no line."""
    first = _located(text, wrap(text, columns), 0)[0]
    rest_at = first[1]
    while rest_at < len(text) and text[rest_at].isspace():
        rest_at += 1
    if rest_at >= len(text):
        return [first]
    return [first, *_located(text, wrap(text[rest_at:], max(columns - indent, 1)), rest_at)]


def _located(text: str, lines: list[str], at: int) -> list[tuple[int, int]]:
    """The span of each of ``lines``, folded from ``text[at:]`` (each is a piece of it, after
    the spaces it broke at)."""
    out = []
    for line in lines:
        while not text.startswith(line, at):
            at += 1
        out.append((at, at + len(line)))
        at += len(line)
    return out


def fold(fragments: Fragments, columns: int, indent: int = QUESTION_INDENT) -> Fragments:
    """``fragments`` folded to ``columns``, each fragment keeping its style, the lines after the
    first indented by ``indent`` columns."""
    text = "".join(piece for _, piece in fragments)
    if width(text) <= columns:
        return list(fragments)
    styles = [style for style, piece in fragments for _ in piece]
    out: Fragments = []
    for n, (start, end) in enumerate(spans(text, columns, indent)):
        if n:
            out.append(("", "\n" + " " * indent))
        k = start
        while k < end:  # the runs of one style inside the line
            run = k
            while run < end and styles[run] == styles[k]:
                run += 1
            out.append((styles[k], text[k:run]))
            k = run
    return out


def question(asked: Fragments, keys: Fragments, columns: int) -> Fragments:
    """A question (and what is typed after it) with its keys (the spaces before them in their
    first fragment): on one line when it fits, else folded, the keys starting a line of their
    own (folded too)."""
    line = [*asked, *keys]
    if width("".join(piece for _, piece in line)) <= columns or not keys:
        return fold(line, columns)
    style, first = keys[0]
    pad = " " * QUESTION_INDENT
    hint = fold([(style, first.lstrip()), *keys[1:]], columns - QUESTION_INDENT, 0)
    return [*fold(asked, columns), ("", "\n" + pad),
            *[("", "\n" + pad) if fragment == ("", "\n") else fragment for fragment in hint]]


def lines(fragments: Fragments) -> int:
    """Screen lines that folded ``fragments`` take."""
    return "".join(piece for _, piece in fragments).count("\n") + 1


def choice(number: str, label: str, columns: int, size: int = 0) -> str:
    """``number  label`` as a list shows it (after questionary's pointer, the number right-aligned
    on ``size`` columns), folded with the label's continuation lines under the label."""
    pad = " " * max(size - width(number), 0)
    text = f"{number}{' ' * CHOICE_GAP}{label}"
    room = columns - POINTER - len(pad)
    indent = width(number) + CHOICE_GAP
    parts = [text[start:end] for start, end in spans(text, room, indent)]
    return pad + f"\n{' ' * (POINTER + len(pad) + indent)}".join(parts)


def cut(number: str, label: str, columns: int) -> str:
    """``number  label`` on one line after the pointer, cut with ``…`` when it is too long."""
    return shorten(f"{number}{' ' * CHOICE_GAP}{label}", columns - POINTER)


def choices(numbers: Sequence[str], labels: Sequence[str], columns: int, rows: int, pointed: int) -> list[str]:
    """The texts a list shows for its choices (numbers right-aligned): every label folded when
    the list then fits in ``rows`` lines, else every one cut to one line but the one
    ``pointed`` at, shown whole."""
    size = max(width(n) for n in numbers)
    folded = [choice(n, label, columns, size) for n, label in zip(numbers, labels)]
    if sum(text.count("\n") + 1 for text in folded) <= rows:
        return folded
    return [folded[i] if i == pointed else cut(" " * (size - width(n)) + n, label, columns)
            for i, (n, label) in enumerate(zip(numbers, labels))]
