"""Items 7 and 8: sort users or calls; search them, then act on what was found."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from telbill.constants import DataKind
from telbill.lists.linked import LinkedList
from telbill.lists.walked import Walked
from telbill.menu.context import Ctx, Item
from telbill.menu.items.edit import delete_call, delete_user, modify_call, modify_user
from telbill.menu.items.statement import show_statement
from telbill.menu.layout import Column
from telbill.menu.picking import ask_month, ask_statement_month, pick_from, suggest
from telbill.menu.progress import NoBar, StepBar
from telbill.menu.rows import count, money, show_calls, show_users, user_columns, user_label, user_row
from telbill.rules.fields import validate_date, validate_digits, validate_last_day
from telbill.rules.records import Call, User
from telbill.session.facade import CallExtents, CallSort, Done, UserSort, record_text
from telbill.text.display import quote

# -- 7: sort ------------------------------------------------------------------------------

USER_SORTS = (UserSort.PHONE, UserSort.NAME, UserSort.MONTH_TOTAL)
CALL_SORTS = (CallSort.START, CallSort.CALLER, CallSort.DURATION, CallSort.FEE)


def item_sort(ctx: Ctx) -> None:
    """7. Sort users or calls with our linked list's stable sort, then show them."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(Item.SORT.label(tr))
    what = ask.choose(tr("menu.ask.what_sort"), [(tr("menu.kind.users"), DataKind.USERS),
                                                 (tr("menu.kind.calls"), DataKind.CALLS)])
    if what is DataKind.USERS:
        by: UserSort | CallSort = ask.choose(tr("menu.ask.sort_by"),
                                             [(tr(f"menu.sort.{k.value}"), k) for k in USER_SORTS])
    else:
        by = ask.choose(tr("menu.ask.sort_by"), [(tr(f"menu.sort.{k.value}"), k) for k in CALL_SORTS])
    month = ask_month(ctx) if by is UserSort.MONTH_TOTAL else None
    reverse = ask.choose(tr("menu.ask.order"), [(tr(f"menu.order.{by.value}.asc"), False),
                                                 (tr(f"menu.order.{by.value}.desc"), True)])
    order = tr(f"menu.order.{by.value}.{'desc' if reverse else 'asc'}")
    if isinstance(by, UserSort):
        with ctx.busy("menu.busy.sort", count=count(len(s.users))):
            s.sort_users(by, reverse, month)
            totals = s.month_totals(month) if month is not None else {}
        if month is None:
            show_users(ctx, list(s.users), tr("menu.sorted.users", by=tr(f"menu.by.{by.value}"), order=order))
        else:
            rows = [user_row(i, u) + [money(totals.get(u.phone, 0))] for i, u in enumerate(s.users, 1)]
            ctx.view.table(user_columns(ctx) + [Column(tr("menu.col.total_of", month=month), "right")], rows,
                           tr("menu.sorted.total", month=month, order=order))
            if month not in s.billed_months():  # said as the batch says it of --month
                ctx.view.warn(tr("summary.month_empty", month=month))
    else:
        with ctx.busy("menu.busy.sort", count=count(len(s.calls))):
            s.sort_calls(by, reverse)
        show_calls(ctx, Walked(s.calls), tr("menu.sorted.calls", by=tr(f"menu.by.{by.value}"), order=order),
                   every=True)
    ctx.view.say(tr("menu.sort.kept"))


# -- 8: search, then act on what was found -------------------------------------------------


def item_search(ctx: Ctx) -> None:
    """8. Users by any name; calls by number, month or date range; then act on one found."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(Item.SEARCH.label(tr))
    how = ask.choose(tr("menu.ask.search_how"), [
        (tr("menu.search.users"), "users"), (tr("menu.search.call_number"), "call_number"),
        (tr("menu.search.call_month"), "call_month"), (tr("menu.search.call_dates"), "call_dates")])
    if how == "users":
        _search_users(ctx)
        return
    if how == "call_number":
        digits = ask.text(tr("menu.ask.digits"), validate_digits)
        _calls_found(ctx, tr("menu.found.call_number", value=digits), partial(s.find_calls_by_number, digits),
                     by_start=False)
    elif how == "call_month":
        month = ask_month(ctx)
        _calls_found(ctx, tr("menu.found.call_month", value=month), partial(s.find_calls_by_month, month))
    else:
        first = ask.text(tr("menu.ask.first_day"), validate_date)
        last = ask.text(tr("menu.ask.last_day"), partial(validate_last_day, first=first))
        _calls_found(ctx, tr("menu.found.call_dates", first=date.fromordinal(first).isoformat(),
                             last=date.fromordinal(last).isoformat()), partial(s.find_calls_by_days, first, last))


def _search_users(ctx: Ctx) -> None:
    s, tr = ctx.session, ctx.tr

    def parse(text: str) -> tuple[str, list[User]]:
        return text.strip(), s.find_users(text).users

    query, users = ctx.ask.text(tr("menu.ask.user"), parse, complete=suggest(ctx))
    title = tr("menu.found.users", value=quote(query))
    if not users:
        ctx.view.warn(tr("menu.found.none", what=title))
        return
    show_users(ctx, users, title)
    ctx.view.say(tr("menu.found.users_count", count=count(len(users))))
    if len(users) == 1:
        user = users[0]
    else:
        user = users[pick_from(ctx, "menu.ask.act_on_user", len(users)) - 1]
    act_on_user(ctx, user)


def _found_calls(ctx: Ctx, found: LinkedList[Call], title: str, *, one_caller: bool = False) -> None:
    """Calls found in the current order (by number, a subscriber's): listed by start."""
    if not found:
        ctx.view.warn(ctx.tr("menu.found.none", what=title))
        return
    with ctx.busy("menu.busy.list"):
        calls = sorted(found, key=_start)
        billed = ctx.session.billed_of(calls)
    _list_found(ctx, calls, title, billed, one_caller=one_caller)


def _calls_found(ctx: Ctx, title: str, find: Callable[[Done], list[Call]], *, by_start: bool = True) -> None:
    """Calls found by ``find`` (up to every record held), by start, then added up and measured for
    the list, under a bar of how far each part has got. ``by_start``: ``find`` sorts them by start
    as it finds them (a month's, some days'); else it finds them in the list's order, looking at
    every record (by number), and they are sorted here."""
    s, tr = ctx.session, ctx.tr
    with ctx.bar() as bar:
        if by_start:
            bar.phase(tr("menu.bar.sort"), 0)
            calls = find(bar.update)
        else:
            bar.phase(tr("menu.bar.search", count=count(len(s.calls))), len(s.calls))
            calls = find(bar.update)
            bar.phase(tr("menu.bar.sort"), len(calls))
            calls.sort(key=_start)  # stable: calls of the same second stay in the list's order
            bar.advance(len(calls))
        bar.phase(tr("menu.bar.fees"), len(calls))
        billed = s.billed_of(_counted(calls, bar))
        bar.phase(tr("menu.bar.widths"), len(calls))
        extents = s.call_extents(_counted(calls, bar))
    if not calls:
        ctx.view.warn(tr("menu.found.none", what=title))
        return
    _list_found(ctx, calls, title, billed, extents=extents)


def _list_found(ctx: Ctx, calls: list[Call], title: str, billed: tuple[int, int], *,
                one_caller: bool = False, extents: CallExtents | None = None) -> None:
    """The calls found, numbered, what they add up to, then what to do with one of them."""
    show_calls(ctx, calls, title, numbered=True, one_caller=one_caller, extents=extents)
    ctx.view.say(ctx.tr("menu.found.calls", count=count(len(calls)), billed=count(billed[0]),
                        total=money(billed[1])))
    number = pick_from(ctx, "menu.ask.act_on_call", len(calls))
    act_on_call(ctx, calls[number - 1])


COUNTED_EVERY = 20_000
"""Records walked between two moves of a bar (a move costs some microseconds; 50 a million)."""


def _counted(calls: list[Call], bar: StepBar | NoBar) -> Iterator[Call]:
    """``calls``, the bar moved on as each :data:`COUNTED_EVERY` of them have been walked."""
    for i in range(0, len(calls), COUNTED_EVERY):
        chunk = calls[i:i + COUNTED_EVERY]
        yield from chunk
        bar.advance(len(chunk))


def _start(call: Call) -> int:
    return call.start


def act_on_user(ctx: Ctx, user: User) -> None:
    """What can be done with a user found: their statement, their calls, modify, delete."""
    s, tr = ctx.session, ctx.tr
    action = ctx.ask.choose(tr("menu.ask.act", what=user_label(user)), [
        (tr("menu.act.statement"), "statement"), (tr("menu.act.calls"), "calls"),
        (tr("menu.act.modify"), "modify"), (tr("menu.act.delete"), "delete")])
    if action == "statement":
        show_statement(ctx, user.phone, ask_statement_month(ctx, user.phone))
    elif action == "calls":
        calls = s.calls_of(user.phone)
        if not calls:
            ctx.view.say(tr("menu.error.no_calls", phone=user.phone))
            return
        _found_calls(ctx, calls, tr("menu.calls.of", phone=user.phone, count=count(len(calls))), one_caller=True)
    elif action == "modify":
        modify_user(ctx, user)
    else:
        delete_user(ctx, user)


def act_on_call(ctx: Ctx, call: Call) -> None:
    """What can be done with a call record found: modify it, delete it."""
    tr = ctx.tr
    action = ctx.ask.choose(tr("menu.ask.act", what=record_text(call)), [
        (tr("menu.act.modify"), "modify"), (tr("menu.act.delete"), "delete")])
    if action == "modify":
        modify_call(ctx, call)
    else:
        delete_call(ctx, call)


