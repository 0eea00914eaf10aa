"""Ctrl-C at moments the menu lost it (SPEC §6: Ctrl-C at the main menu exits; in an item it backs out).

The terminal is in raw mode only while a question waits for keys; just before and after, Ctrl-C
comes as a signal, which prompt_toolkit turns into a key of its own (``<sigint>``). The menu's
lists and the pager did not bind it, so it was lost and the main menu stayed open (about 1 time
in 10 on a loaded machine: the newuser7 trial); after the answer it was kept as a key typed ahead,
or handed over once the question no longer ran (a traceback). Here prompt_toolkit's own signal
handler is called at those moments, with keys typed behind it; tests/menu/test_in_a_real_terminal.py
sends a real Ctrl-C in a pseudo-terminal. And a Ctrl-C Python could not raise (it came during a weak
reference's callback) is taken at the next question (telbill/interrupts.py)."""

from __future__ import annotations

import sys
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.application import Application

import telbill.menu
from telbill.menu.context import Ctx, Item
from telbill.menu.items import ACTIONS

from command import run as run_command
from terminal import ENTER, typed_session

ITEM_1_RAN = "Users (data/users.txt)"
"""The title of item 1's list."""


def _sigint_at(monkeypatch: pytest.MonkeyPatch, method: str, nth: int = 1,
               when: Callable[..., bool] = lambda *args: True) -> None:
    """prompt_toolkit's SIGINT handler runs once, right after the ``nth`` call of
    ``Application.<method>`` for which ``when`` holds (of its arguments)."""
    original = getattr(Application, method)
    calls: list[bool] = []

    def patched(app: Application[Any], *args: Any, **kwargs: Any) -> Any:
        result = original(app, *args, **kwargs)
        if when(*args, **kwargs):
            calls.append(True)
            if len(calls) == nth:
                app.key_processor.send_sigint()
        return result

    monkeypatch.setattr(Application, method, patched)


def test_ctrl_c_while_the_main_menu_is_set_up_exits(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The question's future is there, the terminal not yet in raw mode; "1" Enter typed behind it."""
    _sigint_at(monkeypatch, "_pre_run")
    run = typed_session("1" + ENTER)
    assert run.code == 0
    assert ITEM_1_RAN not in run.screen
    assert run.screen.rstrip().endswith("Goodbye.")


def test_ctrl_c_while_the_main_menu_is_taken_down_exits(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 1 was chosen; Ctrl-C came right after, before the question was gone: not lost, the
    program ends (as it does for a Ctrl-C typed between two questions)."""
    _sigint_at(monkeypatch, "_redraw", when=lambda render_as_done=False: render_as_done)
    run = typed_session("1" + ENTER)
    assert run.code == 0
    assert ITEM_1_RAN not in run.screen
    assert run.screen.rstrip().endswith("Goodbye.")


def test_ctrl_c_while_a_list_in_an_item_is_set_up_leaves_the_item(data: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 8's list "Search for" (the second question asked): Ctrl-C as it is set up backs out
    of the item, and the keys typed behind it answer nothing."""
    _sigint_at(monkeypatch, "_pre_run", nth=2)
    run = typed_session("8" + ENTER + "1" + ENTER + "83470001" + ENTER)
    assert "Interrupted; back to the menu." in run.screen
    assert "Found:" not in run.screen


def test_ctrl_c_handed_over_once_the_menu_no_longer_runs_exits(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """prompt_toolkit hands the signal over after the question stopped running (found in tmux on a
    loaded machine: ``Application.exit() failed`` printed with a traceback, then item 1 ran)."""
    original = Application.run_async
    sent: list[bool] = []

    async def handed_over_late(app: Application[Any], *args: Any, **kwargs: Any) -> Any:
        answer = await original(app, *args, **kwargs)
        if not sent:
            sent.append(True)
            app.key_processor.send_sigint()
        return answer

    monkeypatch.setattr(Application, "run_async", handed_over_late)
    run = typed_session("1" + ENTER)
    assert run.code == 0
    assert ITEM_1_RAN not in run.screen
    assert "Traceback" not in run.screen + run.drawn
    assert run.screen.rstrip().endswith("Goodbye.")


def test_ctrl_c_python_could_not_raise_is_taken_at_the_next_question(data: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C that came while the garbage collector ran a weak reference's callback (seen in tmux on
    a loaded machine: "Exception ignored in: <function WeakSet…>", a traceback, and the menu stayed
    open). It is taken at the next question, here the main menu's: item 2 typed behind it never runs."""
    item_1 = ACTIONS[Item.SHOW_USERS]

    def interrupted_in_a_callback(ctx: Ctx) -> None:
        item_1(ctx)
        thing = Thing()
        ref = weakref.ref(thing, _interrupt)  # noqa: F841 - kept until ``thing`` goes
        del thing  # the callback runs here; Python prints what it raises, and carries on

    monkeypatch.setitem(ACTIONS, Item.SHOW_USERS, interrupted_in_a_callback)
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    run = typed_session("1" + ENTER + "2" + ENTER, height=60)  # no pause after item 1 (Ctrl-C would end it)
    assert run.code == 0
    assert ITEM_1_RAN in run.screen
    assert "Show all call records" not in run.screen
    assert run.screen.rstrip().endswith("Goodbye.")
    assert unraisable == []  # not printed


class Thing:
    """Something a weak reference can point at."""


def _interrupt(ref: object) -> None:
    raise KeyboardInterrupt


def test_ctrl_c_while_a_list_left_with_q_is_taken_down_backs_out(data: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 8's list "Search for" left with q Enter; Ctrl-C came as it was taken down: taken as Ctrl-C
    in the item (it backs out, as after an answer), not kept as a key typed ahead for the main menu
    (which it ended, or after a slow step lost when the keys typed ahead were thrown away)."""
    _sigint_at(monkeypatch, "_redraw", nth=2, when=lambda render_as_done=False: render_as_done)
    run = typed_session("8" + ENTER + "q" + ENTER + "2" + ENTER, height=60)
    assert "Interrupted; back to the menu." in run.screen


def test_ctrl_c_while_the_menu_opens_says_so(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while the data files are read for the menu: exit 130 with a line about opening the menu
    (it said a batch's "no partial file was left behind")."""
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(telbill.menu, "Session", interrupted)
    assert run_command("--plain") == (130, "", "interrupted while the data files were being opened; the menu was not shown\n")
