"""How users, call records and saved changes look on the menu's screens."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

from rich.text import Text

from telbill.files.report import HEAD_KEYS
from telbill.menu.context import Ctx
from telbill.menu.layout import Column, Fit
from telbill.menu.view import LazyRows
from telbill.rules.billing import BillRow
from telbill.rules.classes import CallClass
from telbill.rules.fields import SECONDS_PER_DAY, format_duration, format_moment, screen_fen
from telbill.rules.records import Call, User
from telbill.rules.screening import AnomalyCode, code_name
from telbill.session.facade import CallExtents, Change
from telbill.text.display import width


def count(n: int) -> str:
    """A count with thousands separators: ``200,000``."""
    return f"{n:,}"


def money(fen: int) -> str:
    """An amount of yuan as the screen shows it: ``45,093,274.94`` (:func:`telbill.rules.fields.screen_fen`)."""
    return screen_fen(fen)


RECORD_SHOWN = 120
_SPACES = re.compile(" {2,}")
"""Characters of a record's text shown in a list; the rest is counted, not shown (the files keep it all)."""


def record_cell(ctx: Ctx, raw: str) -> str:
    """A record's text as a list shows it: without its surrounding blanks, one space between
    its fields (so it takes one line at 80 columns), and a line far longer than any record
    (a 70,000-digit field, a pasted file) cut short with its length."""
    whole = raw.strip()
    text = _SPACES.sub(" ", whole)
    if len(text) <= RECORD_SHOWN:
        return text
    return text[:RECORD_SHOWN] + ctx.tr("menu.cut", count=count(len(whole)))


def class_label(ctx: Ctx, call_class: CallClass) -> str:
    """A call class's one name in every list and statement, at every width:
    市内 / 长途 / 国际, or local / long / intl (long and intl are both in the bill's
    long-distance column)."""
    return ctx.tr(f"menu.class.{call_class.value}")


def class_said(ctx: Ctx, call_class: CallClass) -> str:
    """A call class's name in a sentence ("Class: long distance"): the list's word written out
    (市内 / 长途 / 国际 are already whole words)."""
    return ctx.tr(f"menu.class_said.{call_class.value}")


def note_short(ctx: Ctx) -> dict[str, str]:
    """Each reason for setting a call aside → the short form a narrow call list shows."""
    return {code_name(ctx.tr, code): ctx.tr(f"menu.note_short.{code.value}") for code in AnomalyCode}


def duration_text(seconds: int) -> str:
    """``0:04:01``, ``72:00:01`` (hours past a day, as in the anomalies file); negative with ``-``."""
    return ("-" if seconds < 0 else "") + format_duration(abs(seconds))


def end_text(call: Call) -> str:
    """The end as ``HH:MM:SS`` when it is on the start's day, else date and time."""
    end = format_moment(call.end)
    return end[11:] if call.end // SECONDS_PER_DAY == call.start // SECONDS_PER_DAY else end


# -- users ----------------------------------------------------------------------------------


def user_columns(ctx: Ctx) -> list[Column]:
    tr = ctx.tr
    return [Column(tr("menu.col.no"), "right"), Column(tr("col.phone")), Column(tr("col.name"), wrap=True),
            Column(tr("col.rent"), "right"), Column(tr("col.feature"), "right")]


def user_row(number: int, user: User) -> list[str]:
    return [str(number), user.phone, user.name, money(user.rent), money(user.feature)]


def user_label(user: User) -> str:
    """A user in one line: ``83470001  张强``."""
    return f"{user.phone}  {user.name}"


def show_users(ctx: Ctx, users: Sequence[User], title: str) -> bool:
    """A numbered table of users; False if the operator stopped the listing."""
    return ctx.view.table(user_columns(ctx), LazyRows(users, user_row), title)


# -- call records -----------------------------------------------------------------------------


def call_columns(ctx: Ctx, *, numbered: bool = False, one_caller: bool = False) -> list[Column]:
    """The columns of a call list. On a narrow screen the caller of one caller's list goes
    first, then the end (the duration says it), then the row number, unless a record is
    to be chosen by it (``numbered``); the reasons are written short and each date stands
    above its time before the reason a call is set aside goes (its fee is ``-``; item 10
    gives the reasons), and the class (SPEC §6: the list shows it) goes last: so the phones,
    dates and times stay whole down to about 53 columns (the sample data)."""
    tr = ctx.tr
    return [Column(tr("menu.col.no"), "right", drop=0 if numbered else 2),
            Column(tr("menu.col.caller"), drop=1 if one_caller else 0),
            Column(tr("menu.col.callee")),
            Column(tr("menu.col.start"), split=True), Column(tr("menu.col.end"), drop=2 if one_caller else 1, split=True),
            Column(tr("menu.col.class"), drop=4),
            Column(tr("menu.col.duration"), "right"), Column(tr("menu.col.fee"), "right"),
            Column(tr("menu.col.note"), wrap=True, short=note_short(ctx), drop=3)]


def call_row(ctx: Ctx, number: int, call: Call) -> list[str | Text]:
    anomaly = ctx.session.anomaly_of(call)
    fen = ctx.session.fee(call)
    fee: str | Text = "-" if fen is None else money(fen)
    note: str | Text = "" if anomaly is None else Text(code_name(ctx.tr, anomaly.code), style="yellow")
    return [str(number), call.caller, call.callee, format_moment(call.start), end_text(call),
            class_label(ctx, call.call_class), duration_text(call.duration), fee, note]


def measure_calls(ctx: Ctx, calls: Sequence[Call], fit: Fit, *, every: bool = False,
                  extents: CallExtents | None = None) -> None:
    """Widen ``fit`` for every row of ``calls``, without making the rows: from their extents
    (one pass; ``every``: the list is every record held, whose extents the session keeps;
    ``extents``: theirs, measured already).

    The fee column gets the width of each class's highest fee, that of its longest billed call
    (:meth:`~telbill.rules.tariff.Tariff.highest_fee`), so no call needs to be rated.
    """
    if extents is None:
        extents = ctx.session.call_extents(None if every else calls)
    tariff = ctx.session.tariff
    fee = max([1] + [len(money(tariff.highest_fee(kind, s))) for kind, s in extents.billed.items()])
    caller, callee, two_days = extents.caller, extents.callee, extents.two_days
    lo, hi = extents.shortest, extents.longest
    labels = [class_label(ctx, c) for c in CallClass]
    notes = note_short(ctx)
    for i, w in enumerate([len(str(len(calls))), caller, callee, 19, 19 if two_days else 8,
                           max(map(width, labels)), max(len(duration_text(lo)), len(duration_text(hi))),
                           fee, max(map(width, notes))]):
        fit.widen(i, w, max(map(width, notes.values())) if i == 8 else None, 10 if i in (3, 4) else None)


def show_calls(ctx: Ctx, calls: Sequence[Call], title: str, *, numbered: bool = False,
               one_caller: bool = False, every: bool = False, extents: CallExtents | None = None) -> bool:
    """A numbered table of call records with class, duration and fee; False if the operator stopped.
    ``numbered``: the list is there to choose one by its number; ``one_caller``: all are one caller's;
    ``every``: the list is every record held (laid out without a walk over it); ``extents``: those
    of ``calls``, measured already (under a bar)."""
    return ctx.view.table(call_columns(ctx, numbered=numbered, one_caller=one_caller),
                          LazyRows(calls, partial(call_row, ctx)), title,
                          measure=partial(measure_calls, ctx, calls, every=every, extents=extents))


# -- bills ---------------------------------------------------------------------------------


def bill_columns(ctx: Ctx) -> list[Column]:
    return [Column(ctx.tr(k), "left" if i < 2 else "right", wrap=i == 1) for i, k in enumerate(HEAD_KEYS)]


def bill_cells(row: BillRow) -> list[str]:
    return [row.phone, row.name, money(row.rent), money(row.feature), money(row.local), money(row.long_distance),
            money(row.total)]


# -- saved changes ----------------------------------------------------------------------------


def report_change(ctx: Ctx, change: Change) -> None:
    """What was saved: the record before and after."""
    tr = ctx.tr
    if change.before is not None and change.after is not None:
        ctx.view.say(tr("menu.change.before", record=change.before))
        ctx.view.ok(tr("menu.change.after", record=change.after))
    elif change.after is not None:
        ctx.view.ok(tr("menu.change.added", record=change.after))
    elif change.before is not None:
        ctx.view.ok(tr("menu.change.deleted", record=change.before))


def report_saved(ctx: Ctx, change: Change) -> None:
    """Where the change went, whether it can be undone, and any other program's write kept."""
    tr, path = ctx.tr, str(change.path)
    if change.raced:
        if change.backup is not None:
            ctx.view.warn(tr("menu.saved_raced", path=path, backup=str(change.backup)))
        else:
            ctx.view.warn(tr("menu.saved_raced_reloaded", path=path))
    if change.backup is not None and not change.raced:
        ctx.view.say(tr("menu.saved_copy", path=path, backup=str(change.backup)))
    elif change.undo is not None:
        ctx.view.say(tr("menu.saved", path=path))
    else:
        ctx.view.say(tr("menu.saved_new", path=path))
    ctx.saved()
