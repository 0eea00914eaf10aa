"""Items 1 and 2: every user and every call record, and the lines that could not be read."""

from __future__ import annotations

from telbill.lists.walked import Walked
from telbill.menu.context import Ctx, Item
from telbill.menu.layout import Column
from telbill.menu.rows import count, record_cell, show_calls, show_users

PROBLEMS_AT_START = 5
"""Lines of users.txt that could not be read, listed when the menu opens (item 1 lists all)."""
UNREADABLE_IN_ITEM_2 = 20
"""Lines of calls.txt that could not be read, listed under every call record by item 2: at most
these, and no more than one page holds (item 10 lists all: at a million calls they were a second
list of 56 pages, met right after leaving the first)."""


def item_show_users(ctx: Ctx) -> None:
    """1. Every user, in the current order; then the lines of users.txt that could not be used."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(Item.SHOW_USERS.label(tr))
    if show_users(ctx, list(s.users), tr("menu.users.title", path=str(s.paths.users))):
        ctx.view.say(tr("menu.users.count", count=count(len(s.users))))
    problems = s.problems
    if problems:
        rows = [[str(p.line_no), record_cell(ctx, p.raw), p.reason(tr)] for p in problems]  # as item 2's table
        ctx.view.table([Column(tr("menu.col.line"), "right"), Column(tr("menu.col.text"), wrap=True),
                        Column(tr("menu.col.reason"), wrap=True)], rows,
                       tr("menu.problems", path=str(s.paths.users), count=count(len(problems))))


def show_problems(ctx: Ctx) -> None:
    """The first lines of users.txt that could not be read (when the menu opens or reloads)."""
    s, tr = ctx.session, ctx.tr
    problems = s.problems
    if not problems:
        return
    ctx.view.warn(tr("menu.problems", path=str(s.paths.users), count=count(len(problems))))
    for problem in problems[:PROBLEMS_AT_START]:
        ctx.view.warn("  " + problem.render(tr))
    if len(problems) > PROBLEMS_AT_START:
        ctx.view.warn("  " + tr("menu.problems.more", count=count(len(problems) - PROBLEMS_AT_START),
                                item=Item.SHOW_USERS.value))


def item_show_calls(ctx: Ctx) -> None:
    """2. Every call record with class, duration and fee (set-aside ones marked)."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(Item.SHOW_CALLS.label(tr))
    malformed = s.dataset.calls_file.malformed
    title = tr("menu.calls.title", path=str(s.paths.calls))
    if malformed:  # the list's count is not the banner's: say what it leaves out, and where it is
        title = tr("menu.calls.title_unread", title=title, bad=count(len(malformed)), item=Item.ANOMALIES.value)
    shown_all = show_calls(ctx, Walked(s.calls), title, every=True)
    billed, set_aside = s.counts()
    if malformed and not shown_all:  # q left the list: the lines it left out in one line, no second list to leave
        ctx.view.warn(tr("menu.calls.unread_left", path=str(s.paths.calls), bad=count(len(malformed)),
                         item=Item.ANOMALIES.value))
        return
    if shown_all and malformed:
        ctx.view.say(tr("menu.calls.count", records=count(s.records), path=str(s.paths.calls),
                        count=count(len(s.calls)), billed=count(billed), set_aside=count(set_aside - len(malformed)),
                        bad=count(len(malformed))))
    elif shown_all:
        ctx.view.say(tr("menu.calls.count_all", count=count(len(s.calls)), billed=count(billed),
                        set_aside=count(set_aside)))
    if malformed:
        # The reason first (it names the value that is wrong); the line's text gives way.
        cols = [Column(tr("menu.col.line"), "right"), Column(tr("menu.col.text"), wrap=True),
                Column(tr("menu.col.reason"), wrap=True)]
        title = tr("menu.calls.malformed", path=str(s.paths.calls), count=count(len(malformed)))
        rows = [[str(m.line_no), record_cell(ctx, m.raw), m.reason(tr)] for m in malformed[:UNREADABLE_IN_ITEM_2]]
        rows = rows[:ctx.view.first_page(cols, rows, title)]
        ctx.view.table(cols, rows, title)
        if len(malformed) > len(rows):
            ctx.view.warn("  " + tr("menu.problems.more", count=count(len(malformed) - len(rows)),
                                    item=Item.ANOMALIES.value))


