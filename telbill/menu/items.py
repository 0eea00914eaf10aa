"""Menu items 1 to 8: show, add, modify, delete, sort and search records (and act on what was found)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

from telbill.errors import ValidationError
from telbill.lists.linked import LinkedList
from telbill.menu.context import Ctx, Item
from telbill.menu.layout import Column
from telbill.menu.picking import ask_user, pick_call, pick_from, suggest
from telbill.menu.reports import ask_month, show_statement
from telbill.menu.rows import (
    class_label,
    count,
    duration_text,
    record_cell,
    report_change,
    report_saved,
    show_calls,
    show_users,
    user_columns,
    user_label,
    user_row,
)
from telbill.rules.fields import (
    SECONDS_PER_DAY,
    format_fen,
    format_moment,
    validate_clock,
    validate_date,
    validate_digits,
    validate_end,
    validate_last_day,
    validate_moment,
    validate_money,
    validate_name,
    validate_phone,
)
from telbill.rules.records import Call, User
from telbill.session.facade import (
    CALLS,
    USERS,
    CallSort,
    Change,
    RepeatAction,
    RepeatedPhoneError,
    UserSort,
    record_text,
)
from telbill.text.display import quote

SANITY_FEN = 1_000_000
"""A rent or feature fee above this (10,000 yuan a month) is asked about once more."""
PROBLEMS_AT_START = 5
"""Lines of users.txt that could not be read, listed when the menu opens (item 1 lists all)."""

# -- 1 and 2: show ------------------------------------------------------------------------


def item_show_users(ctx: Ctx) -> None:
    """1. Every user, in the current order; then the lines of users.txt that could not be used."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(Item.SHOW_USERS.label(tr))
    if show_users(ctx, list(s.users), tr("menu.users.title", path=str(s.paths.users))):
        ctx.view.say(tr("menu.users.count", count=count(len(s.users))))
    problems = s.problems
    if problems:
        rows = [[str(p.line_no), p.reason(tr)] for p in problems]
        ctx.view.table([Column(tr("menu.col.line"), "right"), Column(tr("menu.col.reason"), wrap=True)], rows,
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
    shown_all = show_calls(ctx, list(s.calls), tr("menu.calls.title", path=str(s.paths.calls)))
    billed, set_aside = s.counts()
    bad = s.dataset.calls_file.malformed
    if shown_all and bad:
        ctx.view.say(tr("menu.calls.count", records=count(s.records), path=str(s.paths.calls),
                        count=count(len(s.calls)), billed=count(billed), set_aside=count(set_aside - len(bad)),
                        bad=count(len(bad))))
    elif shown_all:
        ctx.view.say(tr("menu.calls.count_all", count=count(len(s.calls)), billed=count(billed),
                        set_aside=count(set_aside)))
    if bad:
        cols = [Column(tr("menu.col.line"), "right"), Column(tr("menu.col.text"), wrap=True),
                Column(tr("menu.col.reason"), wrap=True)]
        rows = [[str(b.line_no), record_cell(ctx, b.raw), b.reason(tr)] for b in bad]
        ctx.view.table(cols, rows, tr("menu.calls.malformed", path=str(s.paths.calls), count=count(len(bad))))


# -- 3 and 4: add -------------------------------------------------------------------------


def ask_money(ctx: Ctx, message: str, label: str, offer: str | None = None) -> int:
    """An amount of yuan (as fen); one above :data:`SANITY_FEN` is taken only after a yes."""
    while True:
        fen = ctx.ask.text(message, partial(validate_money, label=label), offer=offer)
        if fen <= SANITY_FEN or fen == _fen(offer):
            return fen
        if ctx.ask.confirm(ctx.tr(f"menu.money.sure.{label}", value=format_fen(fen), line=format_fen(SANITY_FEN))):
            return fen


def _fen(text: str | None) -> int | None:
    try:
        return validate_money(text) if text is not None else None
    except ValidationError:
        return None


def item_add_user(ctx: Ctx) -> None:
    """3. Ask for a new user's fields, each checked as typed; save."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(Item.ADD_USER.label(tr))
    s.check_writable(USERS)
    phone = ask.text(tr("menu.ask.phone"), s.validate_new_phone)
    name = ask.text(tr("menu.ask.name"), validate_name)
    rent = ask_money(ctx, tr("menu.ask.rent"), "rent")
    feature = ask_money(ctx, tr("menu.ask.feature"), "feature")
    change = s.add_user(phone, name, rent, feature)
    report_change(ctx, change)
    report_saved(ctx, change)


def _ask_call_fields(ctx: Ctx, old: Call | None) -> tuple[str, str, int, int]:
    tr, ask = ctx.tr, ctx.ask
    if old is None:
        caller = ask_user(ctx, tr("menu.ask.caller")).phone
    else:
        caller = ask_user(ctx, tr("menu.ask.caller"), offer=old.caller, allow=old.caller).phone
    callee = ask.text(tr("menu.ask.callee"), partial(validate_phone, key="calls.callee"),
                      offer=old.callee if old else None)
    if old is None:
        start = ask_moment(ctx, tr("menu.ask.start"), None, None)
    else:
        start = ask_moment(ctx, tr("menu.ask.new_start"), format_moment(old.start), None,
                           day=old.start // SECONDS_PER_DAY)
    end = ask_moment(ctx, tr("menu.ask.end"), format_moment(old.end) if old else None, start)
    return caller, callee, start, end


def ask_moment(ctx: Ctx, message: str, offer: str | None, start: int | None, *, day: int | None = None) -> int:
    """A date and time on one line, or the date and then the time on the next.

    With ``start`` (asking for an end) a time alone means that time on the
    start's day, and an end before ``start`` is refused. With ``day`` (a call's
    start being changed) a time alone means that time on ``day``.
    """
    tr = ctx.tr

    def first(text: str) -> tuple[int, bool]:
        if len(text.split()) == 1 and "-" in text:
            date = validate_date(text)
            if start is not None and date < start // SECONDS_PER_DAY:
                validate_end(f"{text.strip()} 00:00:00", start)
            return date, True
        moment = validate_moment(text, day) if start is None else validate_end(text, start)
        return moment, False

    value, date_only = ctx.ask.text(message, first, offer=offer)
    if not date_only:
        return value
    day_text = format_moment(value * SECONDS_PER_DAY)[:10]

    def clock(text: str) -> int:
        moment = value * SECONDS_PER_DAY + validate_clock(text)
        return moment if start is None else validate_end(format_moment(moment), start)

    return ctx.ask.text(tr("menu.ask.time", date=day_text), clock)


def _confirm_anomaly(ctx: Ctx, call: Call, replacing: Call | None) -> bool | None:
    """None if the call is fine; else whether the operator wants it saved anyway."""
    anomaly = ctx.session.anomaly_for(call, replacing)
    if anomaly is None:
        return None
    tr = ctx.tr
    ctx.view.warn(tr("menu.anomaly.warn", code=tr(f"code.{anomaly.code.value}"),
                     reason=anomaly.reason(tr)))
    return ctx.ask.confirm(tr("menu.anomaly.confirm"))


def report_call(ctx: Ctx, change: Change) -> None:
    """A saved call's class, duration and fee (or why it will be set aside)."""
    tr = ctx.tr
    held = change.record
    if not isinstance(held, Call):
        return
    call = held
    anomaly = ctx.session.anomaly_of(held)
    if anomaly is not None:
        ctx.view.warn(tr("menu.call.set_aside", klass=class_label(ctx, call.call_class),
                         duration=duration_text(call.duration),
                         reason=tr(f"code.{anomaly.code.value}")))
        return
    fee = ctx.session.fee(held)
    ctx.view.ok(tr("menu.call.rated", klass=class_label(ctx, call.call_class), duration=duration_text(call.duration),
                   fee=format_fen(fee or 0)))


def item_add_call(ctx: Ctx) -> None:
    """4. Ask for a call record; one that breaks an anomaly rule needs a yes first."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(Item.ADD_CALL.label(tr))
    s.check_writable(CALLS)
    caller, callee, start, end = _ask_call_fields(ctx, None)
    call = Call(caller, callee, start, end)
    answer = _confirm_anomaly(ctx, call, None)
    if answer is False:
        ctx.view.warn(tr("menu.not_saved"))
        return
    change = s.add_call(caller, callee, start, end, accept_anomaly=answer is True)
    report_change(ctx, change)
    report_call(ctx, change)
    report_saved(ctx, change)


# -- 5: modify ----------------------------------------------------------------------------


def item_modify(ctx: Ctx) -> None:
    """5. Change a user's fields or a call record's."""
    tr = ctx.tr
    ctx.view.title(Item.MODIFY.label(tr))
    what = ctx.ask.choose(tr("menu.ask.what_modify"), [(tr("menu.kind.user"), "user"), (tr("menu.kind.call"), "call")])
    ctx.session.check_writable(USERS if what == "user" else CALLS)
    if what == "user":
        modify_user(ctx, ask_user(ctx))
    else:
        modify_call(ctx, pick_call(ctx))


def modify_user(ctx: Ctx, user: User) -> None:
    """Ask for each field of ``user`` (the current value ready to keep); save."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    s.check_writable(USERS)
    calls = len(s.calls_of(user.phone))
    if calls:
        ctx.view.say(tr("menu.phone_fixed", phone=user.phone, count=count(calls)))
        new_phone = user.phone
    else:
        new_phone = ask.text(tr("menu.ask.phone"), partial(keep_or_check, user.phone, s.validate_new_phone),
                             offer=user.phone)
    name = ask.text(tr("menu.ask.name"), partial(keep_or_check, user.name, validate_name), offer=user.name)
    rent = ask_money(ctx, tr("menu.ask.rent"), "rent", format_fen(user.rent))
    feature = ask_money(ctx, tr("menu.ask.feature"), "feature", format_fen(user.feature))
    try:
        change = s.modify_user(user.phone, new_phone=new_phone, name=name, rent=rent, feature=feature)
    except RepeatedPhoneError as exc:
        change = s.modify_user(user.phone, new_phone=new_phone, name=name, rent=rent, feature=feature,
                               repeats=ask_repeats(ctx, exc))
    if change is None:
        ctx.view.say(tr("menu.no_change"))
        return
    report_change(ctx, change)
    report_saved(ctx, change)


def ask_repeats(ctx: Ctx, error: RepeatedPhoneError) -> RepeatAction:
    """Lines repeating the phone of a user whose line goes: show them, ask what to do (0 goes back)."""
    tr = ctx.tr
    ctx.view.warn(tr("menu.repeat.lines", path=str(ctx.session.paths.users), phone=error.phone))
    for number, text in error.lines:
        ctx.view.warn(tr("menu.repeat.line", line=number, text=text))
    choice: RepeatAction = ctx.ask.choose(tr("menu.ask.repeat_how"), [
        (tr("menu.repeat.delete"), RepeatAction.DELETE), (tr("menu.repeat.comment"), RepeatAction.COMMENT)],
        safe=True)
    return choice


def keep_or_check(current: str, check: Callable[[str], str], text: str) -> str:
    """The value kept as it is when typed again (or taken as offered), else checked as new."""
    if " ".join(text.split()) == current:
        return current
    return check(text)


def modify_call(ctx: Ctx, call: Call) -> None:
    """Ask for each field of ``call`` (the current value ready to keep); save."""
    s, tr = ctx.session, ctx.tr
    s.check_writable(CALLS)
    caller, callee, start, end = _ask_call_fields(ctx, call)
    if (caller, callee, start, end) == (call.caller, call.callee, call.start, call.end):
        ctx.view.say(tr("menu.no_change"))
        return
    new = Call(caller, callee, start, end)
    answer = _confirm_anomaly(ctx, new, call)
    if answer is False:
        ctx.view.warn(tr("menu.not_saved"))
        return
    change = s.modify_call(call, caller=caller, callee=callee, start=start, end=end, accept_anomaly=answer is True)
    if change is None:
        ctx.view.say(tr("menu.no_change"))
        return
    report_change(ctx, change)
    report_call(ctx, change)
    report_saved(ctx, change)


# -- 6: delete ----------------------------------------------------------------------------


def item_delete(ctx: Ctx) -> None:
    """6. Delete a user (saying how many call records they have) or a call record; always asks."""
    tr = ctx.tr
    ctx.view.title(Item.DELETE.label(tr))
    what = ctx.ask.choose(tr("menu.ask.what_delete"), [(tr("menu.kind.user"), "user"), (tr("menu.kind.call"), "call")])
    ctx.session.check_writable(USERS if what == "user" else CALLS)
    if what == "user":
        delete_user(ctx, ask_user(ctx))
    else:
        delete_call(ctx, pick_call(ctx))


def delete_user(ctx: Ctx, user: User) -> None:
    """Delete ``user``: with call records, first what happens to them, then a yes with the counts."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    s.check_writable(USERS)
    calls = len(s.calls_of(user.phone))
    with_calls = False
    if calls:
        ctx.view.warn(tr("menu.delete.has_calls", user=user_label(user), count=count(calls)))
        with_calls = ask.choose(tr("menu.ask.delete_how"), [
            (tr("menu.delete.keep_calls"), False),
            (tr("menu.delete.with_calls", count=count(calls)), True),
        ], safe=True)
        if with_calls:
            s.check_writable(CALLS)
        key = "menu.delete.confirm_with_calls" if with_calls else "menu.delete.confirm_keep_calls"
        question = tr(key, user=user_label(user), count=count(calls))
    else:
        question = tr("menu.delete.confirm_user", user=user_label(user))
    if not ask.confirm(question):
        ctx.view.warn(tr("menu.not_deleted"))
        return
    try:
        changes = s.delete_user(user.phone, with_calls=with_calls)
    except RepeatedPhoneError as exc:
        changes = s.delete_user(user.phone, with_calls=with_calls, repeats=ask_repeats(ctx, exc))
    deleted_calls = sum(1 for c in changes if c.action == "delete-call")
    for change in changes:
        if change.action in ("delete-user", "delete-line", "comment-line"):
            report_change(ctx, change)
    if deleted_calls:
        ctx.view.ok(tr("menu.delete.calls_done", count=count(deleted_calls)))
    elif calls:
        ctx.view.warn(tr("menu.delete.calls_kept", count=count(calls)))
    for path_change in {c.path: c for c in changes}.values():
        report_saved(ctx, path_change)


def delete_call(ctx: Ctx, call: Call) -> None:
    """Delete ``call`` after a yes."""
    s, tr = ctx.session, ctx.tr
    s.check_writable(CALLS)
    if not ctx.ask.confirm(tr("menu.delete.confirm_call", record=record_text(call))):
        ctx.view.warn(tr("menu.not_deleted"))
        return
    change = s.delete_call(call)
    report_change(ctx, change)
    report_saved(ctx, change)


# -- 7: sort ------------------------------------------------------------------------------

USER_SORTS = (UserSort.PHONE, UserSort.NAME, UserSort.MONTH_TOTAL)
CALL_SORTS = (CallSort.START, CallSort.CALLER, CallSort.DURATION, CallSort.FEE)


def item_sort(ctx: Ctx) -> None:
    """7. Sort users or calls with our linked list's stable sort, then show them."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(Item.SORT.label(tr))
    what = ask.choose(tr("menu.ask.what_sort"), [(tr("menu.kind.users"), "users"), (tr("menu.kind.calls"), "calls")])
    if what == "users":
        by: UserSort | CallSort = ask.choose(tr("menu.ask.sort_by"),
                                             [(tr(f"menu.sort.{k.value}"), k) for k in USER_SORTS])
    else:
        by = ask.choose(tr("menu.ask.sort_by"), [(tr(f"menu.sort.{k.value}"), k) for k in CALL_SORTS])
    month = ask_month(ctx) if by is UserSort.MONTH_TOTAL else None
    reverse = ask.choose(tr("menu.ask.order"), [(tr(f"menu.order.{by.value}.asc"), False),
                                                 (tr(f"menu.order.{by.value}.desc"), True)])
    order = tr(f"menu.order.{by.value}.{'desc' if reverse else 'asc'}")
    if isinstance(by, UserSort):
        s.sort_users(by, reverse, month)
        if month is None:
            show_users(ctx, list(s.users), tr("menu.sorted.users", by=tr(f"menu.by.{by.value}"), order=order))
        else:
            totals = s.month_totals(month)
            rows = [user_row(i, u) + [format_fen(totals.get(u.phone, 0))] for i, u in enumerate(s.users, 1)]
            ctx.view.table(user_columns(ctx) + [Column(tr("menu.col.total_of", month=month), "right")], rows,
                           tr("menu.sorted.total", month=month, order=order))
    else:
        s.sort_calls(by, reverse)
        show_calls(ctx, list(s.calls), tr("menu.sorted.calls", by=tr(f"menu.by.{by.value}"), order=order))
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
        found, title = s.find_calls_by_number(digits), tr("menu.found.call_number", value=digits)
    elif how == "call_month":
        month = ask_month(ctx)
        found, title = s.find_calls_by_month(month), tr("menu.found.call_month", value=month)
    else:
        first = ask.text(tr("menu.ask.first_day"), validate_date)
        last = ask.text(tr("menu.ask.last_day"), partial(validate_last_day, first=first))
        found = s.find_calls_by_days(first, last)
        title = tr("menu.found.call_dates", first=date.fromordinal(first).isoformat(),
                   last=date.fromordinal(last).isoformat())
    _found_calls(ctx, found, title)


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
        user = users[pick_from(ctx, tr("menu.ask.act_on_user", count=count(len(users))), len(users)) - 1]
    act_on_user(ctx, user)


def _found_calls(ctx: Ctx, found: LinkedList[Call], title: str, *, one_caller: bool = False) -> None:
    s, tr = ctx.session, ctx.tr
    if not found:
        ctx.view.warn(tr("menu.found.none", what=title))
        return
    found.sort(key=_start)
    calls = list(found)
    show_calls(ctx, calls, title, numbered=True, one_caller=one_caller)
    fees = [f for c in calls if (f := s.fee(c)) is not None]
    ctx.view.say(tr("menu.found.calls", count=count(len(calls)), billed=count(len(fees)), total=format_fen(sum(fees))))
    number = pick_from(ctx, tr("menu.ask.act_on_call", count=count(len(calls))), len(calls))
    act_on_call(ctx, calls[number - 1])


def _start(call: Call) -> int:
    return call.start


def act_on_user(ctx: Ctx, user: User) -> None:
    """What can be done with a user found: their statement, their calls, modify, delete."""
    s, tr = ctx.session, ctx.tr
    action = ctx.ask.choose(tr("menu.ask.act", what=user_label(user)), [
        (tr("menu.act.statement"), "statement"), (tr("menu.act.calls"), "calls"),
        (tr("menu.act.modify"), "modify"), (tr("menu.act.delete"), "delete")])
    if action == "statement":
        show_statement(ctx, user.phone, ask_month(ctx))
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


ITEM_ACTIONS: dict[Item, Callable[[Ctx], None]] = {
    Item.SHOW_USERS: item_show_users,
    Item.SHOW_CALLS: item_show_calls,
    Item.ADD_USER: item_add_user,
    Item.ADD_CALL: item_add_call,
    Item.MODIFY: item_modify,
    Item.DELETE: item_delete,
    Item.SORT: item_sort,
    Item.SEARCH: item_search,
}

