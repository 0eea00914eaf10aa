"""The menu in plain mode as the tests drive it: numbered answers, one a line, as an instructor's
script types them (``printf '1\\n0\\n' | telbill``). The one plain-mode runner for every test."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TextIO

from telbill.constants import ExitCode
from telbill.errors import ScriptNotDone
from telbill.files.dataset import DataPaths
from telbill.menu import run_menu
from telbill.text.i18n import Translator

EN, ZH = Translator("en"), Translator("zh")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
"""A Chinese character or a full-width mark: how a test tells Chinese text from English."""


class ReadPastEnd(BaseException):
    """The menu asked for another line after being told the input had ended (it must stop)."""


class Typed(io.StringIO):
    """Answers typed one a line. ``before_line[n]`` runs just before the n-th line (1-based) is read
    (another program at work while the operator types); a second read after the end fails the test
    at once (no hang)."""

    def __init__(self, text: str, before_line: dict[int, Callable[[], object]] | None = None) -> None:
        super().__init__(text)
        self.count = 0
        self.ended = False
        self.before_line = before_line or {}

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        if self.ended:
            raise ReadPastEnd
        self.count += 1
        action = self.before_line.get(self.count)
        if action is not None:
            action()
        line = super().readline()
        self.ended = not line
        return line


class Screen(NamedTuple):
    """What one plain run of the menu left: ``code, screen = plain_session(…)``."""

    code: int
    screen: str


def plain_session(answers: str | TextIO, tr: Translator = EN) -> Screen:
    """Run the menu in the current folder on ``answers`` (one a line, or a stream of them), as the
    operator ``tester``; return the exit code (1 when the script chose an item that was not done)
    and everything printed."""
    out = io.StringIO()
    stdin = Typed(answers) if isinstance(answers, str) else answers
    try:
        code = run_menu(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), tr, plain=True, stdout=out,
                        stdin=stdin, operator="tester")
    except ScriptNotDone:  # the command says why on stderr (tests/menu/test_a_script_knows_when_an_item_was_not_done.py)
        code = ExitCode.NOT_DONE
    return Screen(code, out.getvalue())


def after(screen: str, marker: str) -> str:
    """The screen from the last heading of item ``marker`` on."""
    return screen[screen.rindex(marker):]
