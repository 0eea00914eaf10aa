"""Every question and choice whole on a narrow screen (docs/menu.md, "What the screen shows";
narrow8: at 50 columns item 6's subscriber question broke before ``, Li Na``, item 13's echo cut
``Re`` / ``store``, and the main menu's item 10 and item 6's first choice were cut at the edge
with nothing to say so). Through the real terminal path: the keys through a prompt_toolkit pipe,
what it drew read by a terminal emulator (pyte) the screen's width wide, at 40, 50, 60 and 80
columns in both languages. A text is *whole* when all of it is on the screen and every line
break inside it falls between words, or between two Chinese characters but never before a
closing mark (``，`` ``。`` ``）``) nor after an opening one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from telbill.menu.asking import choices, question
from telbill.text.i18n import Translator

from smalldata import write_data
from terminal import EN, ENTER, ESC, ZH, screens

WIDTHS = [40, 50, 60, 80]


def cases(*pairs: tuple[int, str]) -> pytest.MarkDecorator:
    """The widths and languages at which a screen of the menu broke a text before this change
    (each case here failed then); the subscribers with long names break at every one."""
    return pytest.mark.parametrize(("columns", "tr"), [pytest.param(c, EN if lang == "en" else ZH, id=f"{c}-{lang}")
                                                       for c, lang in pairs])


LONG_NAMES = ("Li Alexandra Konstantinopoulou-Worthington of the North Exchange",
              "Li 欧阳明月春风秋雨夏花冬雪东南西北上下左右前后远近高低长短大小多少")
"""Two subscribers whose names (64 characters, and 33 taking 63 columns) make a choice wider
than even an 80-column screen."""
LANGS = pytest.mark.parametrize("tr", [EN, ZH], ids=["en", "zh"])
_WIDE = re.compile(r"[\u2e80-\u9fff\uff00-\uff60]")
_CLOSING, _OPENING = set("，。、；：？！）》」),.;:?!"), set("（《「(")


def breaks(text: str, lines: list[str]) -> list[tuple[str, str]] | None:
    """Where ``text`` breaks across ``lines`` (the text before and after each break, as written in
    ``text``), or None when it is not all on them."""
    at = [i for i, ch in enumerate(text) if not ch.isspace()]
    flat = "\n".join(lines)
    found = re.search(r"\s*".join(re.escape(text[i]) for i in at), flat)
    if found is None:
        return None
    out, k = [], 0
    for n, ch in enumerate(flat[found.start():found.end()]):
        if ch.isspace() and ch != "\n":
            continue
        if ch == "\n":
            out.append((text[:at[k]], text[at[k]:]))
            continue
        k += 1
    return out


def good_break(before: str, after: str) -> bool:
    """A line break a reader expects: at a space, or between two Chinese characters, not before a
    closing mark nor after an opening one."""
    if before[-1:].isspace():
        return True
    glued = before.rstrip()[-1], after.lstrip()[0]
    if glued[1] in _CLOSING or glued[0] in _OPENING:
        return False
    return bool(_WIDE.match(glued[0]) or _WIDE.match(glued[1]))


def assert_whole(text: str, lines: list[str], columns: int) -> None:
    assert all(len(line) <= columns for line in lines)
    found = breaks(text, lines)
    assert found is not None, f"{text!r} not whole on\n" + "\n".join(lines)
    for before, after in found:
        assert good_break(before, after), f"{text!r} broken at {before[-8:]!r} | {after[:8]!r}:\n" + "\n".join(lines)


def waiting(shown: list[list[str]], question: str) -> list[str]:
    """The last screen on which ``question``'s line is the last question asked (its choices
    still shown, before its answer is echoed)."""
    start = re.escape(question.split()[0] if " " in question else question[:4])
    for lines in reversed(shown):
        asked = [i for i, line in enumerate(lines) if re.match(rf"\? {start}", line)]
        after = lines[asked[-1] + 1:] if asked else []
        if any("»" in line for line in after) and all(not line.startswith("? ") for line in after):
            return lines[asked[-1]:]
    raise AssertionError(f"{question!r} never waited:\n" + "\n".join(shown[-1]))


@cases((40, "en"), (40, "zh"), (50, "en"))
def test_the_main_menu_shows_every_item_whole(workdir: Path, tr: Translator, columns: int) -> None:
    """At 40 and 50 columns the main menu shows its question, its hint and every item whole."""
    lines = waiting(screens("", width=columns, tr=tr), tr("menu.ask.item"))
    assert_whole(f"? {tr('menu.ask.item')}", lines, columns)
    assert_whole(tr("menu.hint.main"), lines, columns)
    for n in range(1, 14):
        assert_whole(f"{n}  {tr(f'menu.item.{n}')}", lines, columns)
    assert_whole(f"0  {tr('menu.item.0')}", lines, columns)


@cases((40, "en"), (40, "zh"), (50, "en"), (50, "zh"), (60, "en"), (60, "zh"), (80, "en"))
def test_a_text_question_and_a_list_of_long_choices_fold_between_words(workdir: Path, tr: Translator,
                                                                     columns: int) -> None:
    """Item 6 → 1: the subscriber question as it waits and as it echoes the phone typed; then the
    choices for that subscriber's calls, the first one a long sentence."""
    shown = screens("6" + ENTER + "1" + ENTER + "83470002" + ENTER, width=columns, tr=tr)
    lines = shown[-1]
    assert_whole(f"? {tr('menu.ask.user')} 83470002", lines, columns)
    choices = waiting(shown, tr("menu.ask.delete_how"))
    assert_whole(f"1  {tr('menu.delete.keep_calls')}", choices, columns)
    assert_whole(tr("menu.hint.select"), choices, columns)


@cases((50, "en"), (60, "en"))
def test_a_choice_echoed_and_a_number_question_fold_between_words(workdir: Path, tr: Translator,
                                                                 columns: int) -> None:
    """Item 13: a backup made, then the way to restore it; the choice echoed after item 13's
    question, and the question of the backup's number, which has a range in brackets."""
    typed = "13" + ENTER + "1" + ENTER + ESC + "13" + ENTER + "2" + ENTER
    shown = screens(typed, width=columns, tr=tr)
    lines = shown[-1]
    assert_whole(f"? {tr('menu.ask.backup_what')} 2  {tr('menu.backup.restore')}", lines, columns)
    backups = len(list((workdir / "data" / "backup").iterdir()))
    number = tr("menu.ask.which_backup", range=tr("menu.range.pick", last=backups))
    assert_whole(f"? {number}", lines, columns)


@cases((40, "en"))
def test_a_list_too_long_to_fold_cuts_its_choices_with_a_mark(workdir: Path, tr: Translator, columns: int) -> None:
    """On a screen 12 lines high the main menu has no room to fold its items: each stays one line,
    cut with ``…`` where it is too long, and the item the pointer is on is shown whole."""
    lines = waiting(screens("", width=columns, height=12, tr=tr), tr("menu.ask.item"))
    choices = [line for line in lines if re.match(r" ( »|   ) *\d+  ", line)]
    assert len(choices) >= 8 and all(len(line) <= columns for line in choices)
    labels = {n: tr(f"menu.item.{n}") for n in range(14)}
    for line in choices:
        n, text = re.match(r" ( »|   ) *(\d+)  (.*)", line).group(2, 3)  # type: ignore[union-attr]
        assert text == labels[int(n)] or (text.endswith("…") and labels[int(n)].startswith(text[:-1].rstrip()))
    assert any(line.endswith("…") for line in choices)  # items 8 and 9 are too long, and shown
    assert_whole(f"1  {labels[1]}", lines, columns)


def test_the_choice_pointed_at_is_whole_when_the_others_are_cut() -> None:
    """Where a list must stay one line per choice (no room to fold them all), the choice pointed
    at is folded whole, the others cut with ``…``."""
    labels = [EN(f"menu.item.{n}") for n in range(1, 14)]
    numbers = [str(n) for n in range(1, 14)]
    shown = choices(numbers, labels, 40, 14, pointed=9)
    assert shown[9] == "10  Anomalies: list them and write\n       the anomalies file"
    assert shown[7] == " 8  Search, then act on what was fou…"
    assert all("\n" not in text for i, text in enumerate(shown) if i != 9)
    folded = choices(numbers, labels, 40, 30, pointed=0)  # room for every fold
    assert folded[7] == " 8  Search, then act on what was\n       found"


@LANGS
@pytest.mark.parametrize("columns", WIDTHS)
def test_subscribers_with_long_names_are_offered_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      tr: Translator, columns: int) -> None:
    """Item 6 → 1, a name that two subscribers share: the list of both, each name whole (the
    phone before it, the name folded under the name, not under the number)."""
    users = "".join(f"8347000{n}  {name}  25.00  6.00\n" for n, name in enumerate(LONG_NAMES, 1))
    monkeypatch.chdir(write_data(tmp_path, "# users\n" + users, "# calls\n"))
    shown = screens("6" + ENTER + "1" + ENTER + "Li" + ENTER, width=columns, tr=tr)
    lines = waiting(shown, tr("menu.ask.which_user", count=2))
    for n, name in enumerate(LONG_NAMES, 1):
        assert_whole(f"{n}  8347000{n}  {name}", lines, columns)
    under = [line for line in lines if line.startswith(" " * 6) and line.strip()]
    assert under and all(line.startswith(" " * 6 + line.strip()) for line in under)  # under the label


def test_a_question_folds_keeping_its_styles_and_puts_its_keys_on_a_line_of_their_own() -> None:
    """The pure rule (telbill.menu.asking.question): the question folded between words, its
    continuation and its keys indented two columns, every piece in its own style."""
    asked = [("class:qmark", "?"), ("class:question", " Back up, restore, or undo?"), ("class:answer", " 2  Restore")]
    keys = [("class:instruction", "  (y or n)")]
    assert question(asked, keys, 60) == [*asked, *keys]  # one line when it fits
    folded = question(asked, keys, 20)
    assert "".join(text for _, text in folded) == "? Back up, restore,\n  or undo? 2\n  Restore\n  (y or n)"
    assert ("class:answer", "Restore") in folded and ("class:instruction", "(y or n)") in folded
