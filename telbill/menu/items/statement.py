"""Items 11 and 12: one subscriber's itemised statement for a month, and the statistics."""

from __future__ import annotations

import re

from rich.text import Text

from telbill.files.report import users_named
from telbill.menu.context import Ctx, Item
from telbill.menu.items.bills import bill_summary
from telbill.menu.layout import Bar, Cell, Column
from telbill.menu.picking import ask_statement_month, ask_user
from telbill.menu.rows import bill_cells, bill_columns, class_label, count, duration_text, money
from telbill.menu.view import Part
from telbill.rules.fields import format_moment

TOP_COUNT = 10


def item_statement(ctx: Ctx) -> None:
    """11. One subscriber's calls of a month, itemised; the totals equal the bill row."""
    ctx.view.title(Item.STATEMENT.label(ctx.tr))
    user = ask_user(ctx)
    show_statement(ctx, user.phone, ask_statement_month(ctx, user.phone))


def show_statement(ctx: Ctx, phone: str, month: str) -> None:
    """One subscriber's billed calls of ``month`` in start order, their bill row, then their
    records of the month that are set aside, with the reasons."""
    s, tr = ctx.session, ctx.tr
    with ctx.busy("menu.busy.statement"):
        st = s.statement(phone, month)
    cols = [Column(tr("menu.col.no"), "right"), Column(tr("menu.col.start")), Column(tr("menu.col.callee")),
            Column(tr("menu.col.class")), Column(tr("menu.col.duration"), "right"), Column(tr("menu.col.fee"), "right")]
    rows = [[str(i), format_moment(line.call.start), line.call.callee, class_label(ctx, line.call_class),
             duration_text(line.seconds), money(line.fee)] for i, line in enumerate(st.lines, 1)]
    title = tr("menu.statement.title", phone=st.user.phone, name=st.user.name, month=month)
    if rows:
        ctx.view.table(cols, rows, title)
    else:
        ctx.view.say(title)
        ctx.view.say(tr("menu.statement.no_calls"))
        if month not in s.billed_months():
            ctx.view.warn(tr("menu.statement.no_month", month=month))
    ctx.view.table(bill_columns(ctx), [bill_cells(st.row)], tr("menu.statement.row"))
    aside = s.set_aside_of(phone, month)
    if aside:
        named = users_named(tr, str(s.paths.users))
        cols = [Column(tr("menu.col.line"), "right"), Column(tr("menu.col.start")), Column(tr("menu.col.callee")),
                Column(tr("menu.col.duration"), "right"), Column(tr("menu.col.reason"), wrap=True)]
        rows = [[str(a.line_no) if a.line_no is not None else "-", format_moment(a.call.start), a.call.callee,
                 duration_text(a.call.duration), a.reason(named)] for a in aside if a.call is not None]
        ctx.view.table(cols, rows, tr("menu.statement.set_aside", count=count(len(aside)),
                                      item=Item.ANOMALIES.value))


# -- 12: statistics -----------------------------------------------------------------------


def item_statistics(ctx: Ctx) -> None:
    """12. Revenue per month (local / long distance) and the top subscribers, as bars: one list,
    paged like every other (each page under its table's title and heads)."""
    s, tr, view = ctx.session, ctx.tr, ctx.view
    view.title(Item.STATISTICS.label(tr))
    with ctx.busy("menu.busy.statistics"):  # the first time, the month sums are made (0.3-0.6 s at 1M)
        stats = s.statistics(TOP_COUNT)
    revenue, ranked = stats.revenue, stats.top
    if not revenue:
        view.say(tr("menu.stats.none"))
        return
    title = Text(style="bold")
    marks = {"\0": ("#", "green"), "\1": ("=", "blue")}
    for piece in re.split("([\0\1])", tr("menu.stats.revenue", local=tr("col.local"), long=tr("col.long"),
                                          a="\0", b="\1")):
        char, colour = marks.get(piece, (piece, None))
        if view.plain or colour is None:
            title.append(char)
        else:
            title.append("█", style=colour)
    top = max(r.calls for r in revenue) or 1
    rows: list[list[Cell]] = []
    for r in revenue:
        bar = Bar(((r.local, "#", "green"), (r.long_distance, "=", "blue")), top)
        rows.append([r.month, bar, money(r.local), money(r.long_distance), money(r.calls)])
    months = Part([Column(tr("menu.col.month")), Column("", bar=True), Column(tr("col.local"), "right"),
                   Column(tr("col.long"), "right"), Column(tr("menu.col.calls_total"), "right")], rows, title)
    best = max((t for _, _, t in ranked), default=0) or 1
    ranks: list[list[Cell]] = [[str(i), phone, name, Bar(((total, "#", "magenta"),), best), money(total)]
                               for i, (phone, name, total) in enumerate(ranked, 1)]
    heads = Text(tr("menu.stats.top", count=len(ranked), months=count(stats.months)), style="bold")
    people = Part([Column(tr("menu.col.no"), "right"), Column(tr("col.phone")), Column(tr("col.name"), wrap=True),
                   Column("", bar=True), Column(tr("col.total"), "right")], ranks, heads)
    view.tables([months, people])
    view.say(bill_summary(ctx, stats.months, stats.grand_total))
