"""The list a call record is picked from is one layout, whatever is done with it: items 5 (modify)
and 6 (delete), and item 8's list of a subscriber's calls (then modify or delete), show the same
columns and rows for the same caller, at 40, 60 and 80 columns, in both languages."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from telbill.menu.ask import BackToMenu
from telbill.menu.context import Ctx
from telbill.menu.items.edit import item_delete, item_modify
from telbill.menu.items.search import item_search
from telbill.menu.plain import PlainAsker
from telbill.menu.view import View
from telbill.text.i18n import Translator

from smalldata import open_session

CALLER = "83470001"  # nine calls in the sample data, one of them set aside


def shown(workdir: Path, item: Callable[[Ctx], None], answers: str, width: int, lang: str) -> list[str]:
    """The lines the item shows on a terminal ``width`` columns wide, from the list's title on."""
    tr = Translator(lang)
    console = Console(record=True, width=width, height=200, file=io.StringIO(), force_terminal=True,
                      color_system=None, highlight=False, markup=False, emoji=False)
    asker = PlainAsker(tr, console, io.StringIO(answers), echo=False)
    with pytest.raises(BackToMenu):
        item(Ctx(open_session(workdir), View(console, tr, asker, plain=False), asker, tr))
    lines = console.export_text().splitlines()
    title = tr("menu.calls.of", phone=CALLER, count="9")
    start = next(i for i, line in enumerate(lines) if title in line)  # the answers are not echoed
    return [lines[start][lines[start].index(title):], *lines[start + 1:]]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [40, 60, 80])
def test_modify_and_delete_pick_from_one_list(workdir: Path, width: int, lang: str) -> None:
    """Modifying and deleting a call show the caller's calls as one list, the search's, within the screen's width."""
    modify = shown(workdir, item_modify, f"2\n{CALLER}\n0\n", width, lang)
    delete = shown(workdir, item_delete, f"2\n{CALLER}\n0\n", width, lang)
    found = shown(workdir, item_search, f"1\n{CALLER}\n2\n0\n", width, lang)
    assert modify == delete
    table = modify[:-1]  # the question that follows it says what the number is for
    assert found[:len(table)] == table
    assert all(len(line) <= width for line in table)
    assert any("2020-11-06" in line for line in table) and any("0215913535" in line for line in table)
