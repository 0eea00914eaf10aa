"""Edits to a data file's lines, and how line numbers move with them.

An edit is given in the numbers of the file *before* it (1-based): lines
replaced, lines deleted, and texts inserted before a line (``count + 1``
inserts at the end). :func:`inverse` gives the edit that turns the new file back
into the old one, in the numbers of the new file; that is what an undo record
keeps.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TypedDict

from telbill.store import schema


class EditJson(TypedDict):
    """A :class:`LineEdit` as JSON (in an undo record)."""

    replace: list[tuple[int, str]]
    delete: list[int]
    insert: list[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class LineEdit:
    """Changes to one file's lines, numbered as before the edit."""

    replace: Mapping[int, str] = field(default_factory=dict)
    """Line number → its new text."""
    delete: frozenset[int] = frozenset()
    """Line numbers to drop."""
    insert: tuple[tuple[int, str], ...] = ()
    """``(before line, text)`` in order; ``before = count + 1`` is the end of the file."""

    @classmethod
    def append(cls, count: int, *texts: str) -> LineEdit:
        """Texts added after the last of ``count`` lines."""
        return cls(insert=tuple((count + 1, text) for text in texts))

    def is_append(self, count: int) -> bool:
        """Whether the edit only adds lines at the end of a file of ``count`` lines."""
        return bool(self.insert) and not self.replace and not self.delete and all(
            b == count + 1 for b, _ in self.insert)

    def shifts(self, count: int) -> bool:
        """Whether lines keep their numbers (False) or some move (True)."""
        return bool(self.delete) or any(b <= count for b, _ in self.insert)

    def marks(self) -> list[int]:
        """Sorted line numbers the edit touches or inserts before."""
        return sorted(set(self.replace) | self.delete | {b for b, _ in self.insert})

    def to_json(self) -> EditJson:
        return {"replace": sorted(self.replace.items()), "delete": sorted(self.delete), "insert": list(self.insert)}

    @classmethod
    def from_json(cls, data: Any, where: str = "edit") -> LineEdit:
        """The edit of an undo record, checked field by field (:class:`telbill.store.schema.BadField`):
        line numbers from 1, each replaced or deleted once, texts of one line."""
        body = schema.obj(data, where)
        schema.only(body, ("replace", "delete", "insert"), where)
        replace: dict[int, str] = {}
        for i, item in enumerate(schema.items(body, "replace", where, default=[])):
            number, text = _numbered(item, f"{where}.replace.{i}")
            if number in replace:
                raise schema.BadField(f"{where}.replace.{i}")
            replace[number] = text
        delete: set[int] = set()
        for i, item in enumerate(schema.items(body, "delete", where, default=[])):
            number = schema.number(item, f"{where}.delete.{i}", low=1)
            if number in delete:
                raise schema.BadField(f"{where}.delete.{i}")
            delete.add(number)
        insert = tuple(_numbered(item, f"{where}.insert.{i}")
                       for i, item in enumerate(schema.items(body, "insert", where, default=[])))
        return cls(replace, frozenset(delete), insert)

    def fits(self, count: int) -> bool:
        """Whether the edit can apply to a file of ``count`` lines (every number names a line of it,
        or the end for an insert)."""
        return all(n <= count for n in self.replace) and all(n <= count for n in self.delete) \
            and all(b <= count + 1 for b, _ in self.insert)


def _numbered(item: Any, where: str) -> tuple[int, str]:
    """``[line number, text]`` of an edit: a number from 1, a text of one line."""
    number, text = schema.pair(item, where)
    if not isinstance(text, str) or "\n" in text or "\r" in text:
        raise schema.BadField(where)
    return schema.number(number, where, low=1), text


def inserts_by_line(edit: LineEdit) -> dict[int, list[str]]:
    """The texts the edit inserts, by the line they go before."""
    found: dict[int, list[str]] = {}
    for b, text in edit.insert:
        found.setdefault(b, []).append(text)
    return found


def edited(lines: Sequence[str], edit: LineEdit, start: int = 0, stop: int | None = None,
           inserts: dict[int, list[str]] | None = None) -> Iterator[str]:
    """The new lines that come from old lines ``start`` … ``stop - 1`` (0-based), with the
    inserts before them; the inserts at the very end come when ``stop`` is the end.
    (``inserts``: the edit's inserts by line, when they were gathered already.)"""
    stop = len(lines) if stop is None else stop
    if inserts is None:
        inserts = inserts_by_line(edit)
    replace, delete = edit.replace, edit.delete
    for i in range(start, stop):
        number = i + 1
        if number in inserts:
            yield from inserts[number]
        if number in delete:
            continue
        text = replace.get(number)
        yield lines[i] if text is None else text
    if stop == len(lines):
        yield from inserts.get(len(lines) + 1, ())


def apply_in_place(lines: list[str], edit: LineEdit) -> None:
    """Make ``lines`` the new lines (cheap for one replaced, deleted or appended line)."""
    count = len(lines)
    if edit.is_append(count):
        lines.extend(text for _, text in edit.insert)
    elif not edit.insert and not edit.delete:
        for number, text in edit.replace.items():
            lines[number - 1] = text
    elif not edit.insert and not edit.replace and len(edit.delete) == 1:
        (number,) = edit.delete
        del lines[number - 1]
    else:
        lines[:] = list(edited(lines, edit))


def renumbering(edit: LineEdit) -> Callable[[int], int]:
    """Old line number of a line the edit keeps → its new number."""
    deleted = sorted(edit.delete)
    before = sorted(b for b, _ in edit.insert)
    if not before and len(deleted) == 1:
        gone = deleted[0]
        return lambda n: n - 1 if n > gone else n
    return lambda n: n - bisect_left(deleted, n) + bisect_right(before, n)


def renumbering_table(edit: LineEdit, count: int) -> list[int]:
    """What :func:`renumbering` adds to each old line number ``1 … count`` (index = the number):
    for many lines at once, a list look-up instead of two bisections each."""
    deltas = [0] * (count + 2)
    for gone in edit.delete:
        if gone < count:
            deltas[gone + 1] -= 1
    for before, _ in edit.insert:
        if before <= count:
            deltas[before] += 1
    return list(accumulate(deltas))


def new_numbers(edit: LineEdit) -> tuple[dict[int, int], list[int]]:
    """(replaced old line → its new number, new numbers of the inserted texts in order)."""
    deleted = sorted(edit.delete)
    before = sorted(b for b, _ in edit.insert)
    moved = renumbering(edit)
    replaced = {n: moved(n) for n in edit.replace if n not in edit.delete}
    inserted = []
    rank: dict[int, int] = {}
    for b, _ in edit.insert:
        r = rank.get(b, 0)
        rank[b] = r + 1
        inserted.append(b - bisect_left(deleted, b) + bisect_left(before, b) + r)
    return replaced, inserted


def inverse(edit: LineEdit, lines: Sequence[str]) -> LineEdit:
    """The edit that turns the new lines back into ``lines`` (the old ones), in new numbers."""
    moved = renumbering(edit)
    replaced, inserted = new_numbers(edit)
    back_replace = {new: lines[old - 1] for old, new in replaced.items()}
    back_insert = tuple((moved(old), lines[old - 1]) for old in sorted(edit.delete))
    return LineEdit(back_replace, frozenset(inserted), back_insert)
