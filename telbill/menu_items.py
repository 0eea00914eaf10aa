"""Menu items 1 to 8: show, add, modify, delete, sort and search records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

from rich.text import Text

from telbill.display import shown
from telbill.errors import ValidationError
from telbill.fields import (
    SECONDS_PER_DAY,
    validate_date,
    validate_digits,
    validate_end,
    validate_last_day,
    validate_moment,
    validate_money,
    validate_month,
    validate_name,
    validate_phone,
)
from telbill.menu_io import BackToMenu, Column, Ctx, LazyRows
from telbill.records import (
    Call,
    CallClass,
    User,
    format_duration,
    format_fen,
    format_moment,
)
from telbill.session import (
    CallSort,
    Change,
    RepeatAction,
    RepeatedPhoneError,
    UserSort,
    record_text,
)

# -- how records look -------------------------------------------------------------------


def class_label(ctx: Ctx, call_class: CallClass) -> str:
    """市内 / 国内长途 / 国际长途, or local / domestic / international."""
    return ctx.tr(f"menu.class.{call_class.value}")


def duration_text(ctx: Ctx, seconds: int) -> str:
    """``0:04:01``, ``72:00:01`` (hours past a day, as in the anomalies file); negative with ``-``."""
    return ("-" if seconds < 0 else "") + format_duration(abs(seconds))


def user_columns(ctx: Ctx) -> list[Column]:
    tr = ctx.tr
    return [Column(tr("menu.col.no"), "right"), Column(tr("col.phone")), Column(tr("col.name"), wrap=True),
            Column(tr("col.rent"), "right"), Column(tr("col.feature"), "right")]


def user_row(number: int, user: User) -> list[str]:
    return [str(number), user.phone, user.name, format_fen(user.rent), format_fen(user.feature)]


def show_users(ctx: Ctx, users: Iterable[User], title: str) -> int:
    """A numbered table of users; returns how many."""
    rows = LazyRows(list(users), user_row)
    ctx.view.table(user_columns(ctx), rows, title)
    return len(rows)


def class_short(ctx: Ctx) -> dict[str, str]:
    """Each class label → its short form (``国际长途`` → ``国际``), for narrow screens."""
    return {class_label(ctx, c): ctx.tr(f"menu.class_short.{c.value}") for c in CallClass}


def call_columns(ctx: Ctx, picking: bool = False) -> list[Column]:
    """The columns of a call list. On a narrow screen the end goes first (the duration
    says it), then the row number of a plain listing, or the caller of one caller's list."""
    tr = ctx.tr
    return [Column(tr("menu.col.no"), "right", drop=0 if picking else 2),
            Column(tr("menu.col.caller"), drop=1 if picking else 0), Column(tr("menu.col.callee")),
            Column(tr("menu.col.start")), Column(tr("menu.col.end"), drop=2 if picking else 1),
            Column(tr("menu.col.class"), short=class_short(ctx)),
            Column(tr("menu.col.duration"), "right"), Column(tr("menu.col.fee"), "right"),
            Column(tr("menu.col.note"), wrap=True)]


def call_row(ctx: Ctx, number: int, call: Call) -> list[str | Text]:
    anomaly = ctx.session.anomaly_of(call)
    fen = ctx.session.fee(call)
    fee: str | Text = "-" if fen is None else format_fen(fen)
    note: str | Text = "" if anomaly is None else Text(ctx.tr(f"code.{anomaly.code.value}"), style="yellow")
    return [str(number), call.caller, call.callee, format_moment(call.start), end_text(call),
            class_label(ctx, call.call_class), duration_text(ctx, call.duration), fee, note]


def end_text(call: Call) -> str:
    """The end as ``HH:MM:SS`` when it is on the start's day, else date and time."""
    end = format_moment(call.end)
    return end[11:] if call.end // SECONDS_PER_DAY == call.start // SECONDS_PER_DAY else end


def show_calls(ctx: Ctx, calls: Sequence[Call], title: str, picking: bool = False) -> None:
    """A numbered table of call records with class, duration and fee (``picking``: to choose one by number)."""
    ctx.view.table(call_columns(ctx, picking), LazyRows(calls, partial(call_row, ctx)), title)


def report_change(ctx: Ctx, change: Change) -> None:
    """What was saved: the record before and after, the file and its backup."""
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


def ask_repeats(ctx: Ctx, error: RepeatedPhoneError) -> RepeatAction:
    """Lines repeating the phone of a user whose line goes: show them, ask what to do (0 goes back)."""
    tr = ctx.tr
    ctx.view.warn(tr("menu.repeat.lines", path=str(ctx.session.paths.users), phone=error.phone))
    for number, text in error.lines:
        ctx.view.warn(tr("menu.repeat.line", line=number, text=shown(text)))
    choice: RepeatAction = ctx.ask.choose(tr("menu.ask.repeat_how"), [
        (tr("menu.repeat.delete"), RepeatAction.DELETE), (tr("menu.repeat.comment"), RepeatAction.COMMENT)],
        safe=True)
    return choice


# -- 1 and 2: show ------------------------------------------------------------------------


def item_show_users(ctx: Ctx) -> None:
    """1. Every user, in the current order; then the lines of users.txt that could not be used."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(tr("menu.item.1"))
    count = show_users(ctx, s.users, tr("menu.users.title", path=str(s.paths.users)))
    ctx.view.say(tr("menu.users.count", count=count))
    show_problems(ctx)


def show_problems(ctx: Ctx) -> None:
    problems = ctx.session.problems
    if problems:
        ctx.view.warn(ctx.tr("menu.problems", path=str(ctx.session.paths.users), count=len(problems)))
        for problem in problems:
            ctx.view.warn("  " + problem.render(ctx.tr))


def item_show_calls(ctx: Ctx) -> None:
    """2. Every call record with class, duration and fee (set-aside ones marked)."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(tr("menu.item.2"))
    show_calls(ctx, list(s.calls), tr("menu.calls.title", path=str(s.paths.calls)))
    billed, set_aside = s.counts()
    bad = s.dataset.calls_file.malformed
    ctx.view.say(tr("menu.calls.count", count=len(s.calls), billed=billed, set_aside=set_aside - len(bad)))
    if bad:
        if ctx.view.pages > 1 and not ctx.ask.more():  # the list was paged: this is one more screen
            return
        cols = [Column(tr("menu.col.line"), "right"), Column(tr("menu.col.text"), wrap=True),
                Column(tr("menu.col.reason"), wrap=True)]
        rows = [[str(b.line_no), b.raw.strip(), tr(b.key, **b.params)] for b in bad]
        ctx.view.table(cols, rows, tr("menu.calls.malformed", path=str(s.paths.calls), count=len(bad)))


# -- 3 and 4: add -------------------------------------------------------------------------


def item_add_user(ctx: Ctx) -> None:
    """3. Ask for a new user's fields, each checked as typed; save."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(tr("menu.item.3"))
    phone = ask.text(tr("menu.ask.phone"), s.validate_new_phone)
    name = ask.text(tr("menu.ask.name"), validate_name)
    rent = ask.text(tr("menu.ask.rent"), partial(validate_money, label="rent"))
    feature = ask.text(tr("menu.ask.feature"), partial(validate_money, label="feature"))
    change = s.add_user(phone, name, rent, feature)
    report_change(ctx, change)
    report_saved(ctx, change)


def _ask_call_fields(ctx: Ctx, old: Call | None) -> tuple[str, str, int, int]:
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    caller = ask.text(tr("menu.ask.caller"), partial(s.validate_caller, allow=old.caller if old else None),
                      old.caller if old else None)
    callee = ask.text(tr("menu.ask.callee"), partial(validate_phone, key="calls.callee"),
                      old.callee if old else None)
    start = ask_moment(ctx, tr("menu.ask.start"), format_moment(old.start) if old else None, None)
    end = ask_moment(ctx, tr("menu.ask.end"), format_moment(old.end) if old else None, start)
    return caller, callee, start, end


def ask_moment(ctx: Ctx, message: str, default: str | None, start: int | None) -> int:
    """A date and time on one line, or the date and then the time on the next.

    With ``start`` (asking for an end) a time alone means that time on the
    start's day, and an end before ``start`` is refused.
    """
    tr = ctx.tr

    def first(text: str) -> tuple[int, bool]:
        if len(text.split()) == 1 and "-" in text:
            day = validate_date(text)
            if start is not None and day < start // SECONDS_PER_DAY:
                validate_end(f"{text} 00:00:00", start)
            return day, True
        moment = validate_moment(text) if start is None else validate_end(text, start)
        return moment, False

    value, date_only = ctx.ask.text(message, first, default)
    if not date_only:
        return value
    day_text = format_moment(value * SECONDS_PER_DAY)[:10]

    def clock(text: str) -> int:
        moment = validate_moment(f"{day_text} {text.strip()}")
        return moment if start is None else validate_end(f"{day_text} {text.strip()}", start)

    return ctx.ask.text(tr("menu.ask.time", date=day_text), clock)


def _confirm_anomaly(ctx: Ctx, call: Call, replacing: Call | None) -> bool | None:
    """None if the call is fine; else whether the operator wants it saved anyway."""
    anomaly = ctx.session.anomaly_for(call, replacing)
    if anomaly is None:
        return None
    tr = ctx.tr
    ctx.view.warn(tr("menu.anomaly.warn", code=tr(f"code.{anomaly.code.value}"),
                     reason=tr(anomaly.key, **anomaly.params)))
    return ctx.ask.confirm(tr("menu.anomaly.confirm"), default=False)


def item_add_call(ctx: Ctx) -> None:
    """4. Ask for a call record; one that breaks an anomaly rule needs a yes first."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(tr("menu.item.4"))
    caller, callee, start, end = _ask_call_fields(ctx, None)
    answer = _confirm_anomaly(ctx, Call(caller, callee, start, end), None)
    if answer is False:
        ctx.view.warn(tr("menu.not_saved"))
        return
    change = s.add_call(caller, callee, start, end, accept_anomaly=answer is True)
    report_change(ctx, change)
    report_saved(ctx, change)


# -- picking a record ---------------------------------------------------------------------


def ask_user(ctx: Ctx) -> User:
    """Ask for an existing user's phone and show the record."""
    s = ctx.session
    phone = ctx.ask.text(ctx.tr("menu.ask.user_phone"), s.validate_user_phone)
    user = s.require_user(phone)
    ctx.view.table(user_columns(ctx), [user_row(1, user)])
    return user


def pick_call(ctx: Ctx) -> Call:
    """Ask for a caller, list their call records, and ask which one."""
    s, tr = ctx.session, ctx.tr

    def has_calls(text: str) -> list[Call]:
        phone = validate_phone(text, "calls.caller")
        found = list(s.calls_of(phone))
        if not found:
            raise ValidationError("menu.error.no_calls", phone=phone)
        return found

    calls = ctx.ask.text(tr("menu.ask.call_owner"), has_calls)
    show_calls(ctx, calls, tr("menu.calls.of", phone=calls[0].caller, count=len(calls)), picking=True)

    def which(text: str) -> int:
        value = text.strip()
        if value.isdigit() and int(value) <= len(calls):
            return int(value)
        raise ValidationError("menu.error.not_item", value=value, span=f"0-{len(calls)}")

    number = ctx.ask.text(tr("menu.ask.which_call", count=len(calls)), which)
    if number == 0:
        raise BackToMenu
    return calls[number - 1]


# -- 5: modify ----------------------------------------------------------------------------


def item_modify(ctx: Ctx) -> None:
    """5. Change a user's fields or a call record's."""
    tr = ctx.tr
    ctx.view.title(tr("menu.item.5"))
    what = ctx.ask.choose(tr("menu.ask.what_modify"), [(tr("menu.kind.user"), "user"), (tr("menu.kind.call"), "call")])
    if what == "user":
        _modify_user(ctx)
    else:
        _modify_call(ctx)


def _modify_user(ctx: Ctx) -> None:
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    user = ask_user(ctx)
    calls = len(s.calls_of(user.phone))
    if calls:
        ctx.view.say(tr("menu.phone_fixed", phone=user.phone, count=calls))
        new_phone = user.phone
    else:
        new_phone = ask.text(tr("menu.ask.phone"),
                             lambda t: t.strip() if t.strip() == user.phone else s.validate_new_phone(t), user.phone)
    name = ask.text(tr("menu.ask.name"), partial(keep_or_check, user.name, validate_name), user.name)
    rent = ask.text(tr("menu.ask.rent"), partial(validate_money, label="rent"), format_fen(user.rent))
    feature = ask.text(tr("menu.ask.feature"), partial(validate_money, label="feature"), format_fen(user.feature))
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


def keep_or_check(current: str, check: Callable[[str], str], text: str) -> str:
    """The value kept as it is when typed again (or taken by Enter), else checked as new."""
    if " ".join(text.split()) == current:
        return current
    return check(text)


def _modify_call(ctx: Ctx) -> None:
    s, tr = ctx.session, ctx.tr
    call = pick_call(ctx)
    caller, callee, start, end = _ask_call_fields(ctx, call)
    new = Call(caller, callee, start, end)
    if (caller, callee, start, end) == (call.caller, call.callee, call.start, call.end):
        ctx.view.say(tr("menu.no_change"))
        return
    answer = _confirm_anomaly(ctx, new, call)
    if answer is False:
        ctx.view.warn(tr("menu.not_saved"))
        return
    change = s.modify_call(call, caller=caller, callee=callee, start=start, end=end, accept_anomaly=answer is True)
    if change is None:
        ctx.view.say(tr("menu.no_change"))
        return
    report_change(ctx, change)
    report_saved(ctx, change)


# -- 6: delete ----------------------------------------------------------------------------


def item_delete(ctx: Ctx) -> None:
    """6. Delete a user (saying how many call records they have) or a call record; always asks."""
    tr = ctx.tr
    ctx.view.title(tr("menu.item.6"))
    what = ctx.ask.choose(tr("menu.ask.what_delete"), [(tr("menu.kind.user"), "user"), (tr("menu.kind.call"), "call")])
    if what == "user":
        _delete_user(ctx)
    else:
        _delete_call(ctx)


def _delete_user(ctx: Ctx) -> None:
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    user = ask_user(ctx)
    count = len(s.calls_of(user.phone))
    if count:
        ctx.view.warn(tr("menu.delete.has_calls", phone=user.phone, name=user.name, count=count))
        with_calls = ask.choose(tr("menu.ask.delete_how"), [
            (tr("menu.delete.keep_calls"), False),
            (tr("menu.delete.with_calls", count=count), True),
        ], safe=True)
    else:
        if not ask.confirm(tr("menu.delete.confirm_user", phone=user.phone, name=user.name)):
            ctx.view.warn(tr("menu.not_deleted"))
            return
        with_calls = False
    try:
        changes = s.delete_user(user.phone, with_calls=with_calls)
    except RepeatedPhoneError as exc:
        changes = s.delete_user(user.phone, with_calls=with_calls, repeats=ask_repeats(ctx, exc))
    deleted_calls = sum(1 for c in changes if c.action == "delete-call")
    for change in changes:
        if change.action in ("delete-user", "delete-line", "comment-line"):
            report_change(ctx, change)
    if deleted_calls:
        ctx.view.ok(tr("menu.delete.calls_done", count=deleted_calls))
    elif count:
        ctx.view.warn(tr("menu.delete.calls_kept", count=count))
    for path_change in {c.path: c for c in changes}.values():
        report_saved(ctx, path_change)


def _delete_call(ctx: Ctx) -> None:
    s, tr = ctx.session, ctx.tr
    call = pick_call(ctx)
    if not ctx.ask.confirm(tr("menu.delete.confirm_call", record=record_text(call))):
        ctx.view.warn(tr("menu.not_deleted"))
        return
    change = s.delete_call(call)
    report_change(ctx, change)
    report_saved(ctx, change)


# -- 7: sort ------------------------------------------------------------------------------


def latest_month(ctx: Ctx) -> str | None:
    months = ctx.session.billed_months()
    return months[-1] if months else None


def item_sort(ctx: Ctx) -> None:
    """7. Sort users or calls with our linked list's stable sort, then show them."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(tr("menu.item.7"))
    what = ask.choose(tr("menu.ask.what_sort"), [(tr("menu.kind.users"), "users"), (tr("menu.kind.calls"), "calls")])
    if what == "users":
        by = ask.choose(tr("menu.ask.sort_by"), [
            (tr("menu.sort.phone"), UserSort.PHONE), (tr("menu.sort.name"), UserSort.NAME),
            (tr("menu.sort.total"), UserSort.MONTH_TOTAL)])
        month = None
        if by is UserSort.MONTH_TOTAL:
            month = ask.text(tr("menu.ask.month"), validate_month, latest_month(ctx))
        reverse = _ask_order(ctx)
        s.sort_users(by, reverse, month)
        label = tr(f"menu.sort.{by.value}") + (f" {month}" if month else "")
        order = tr("menu.order.desc" if reverse else "menu.order.asc")
        title = tr("menu.sorted", what=tr("menu.kind.users"), by=label, order=order)
        if month is None:
            show_users(ctx, s.users, title)
        else:
            totals = s.month_totals(month)
            rows = [user_row(i, u) + [format_fen(totals.get(u.phone, 0))] for i, u in enumerate(s.users, 1)]
            ctx.view.table(user_columns(ctx) + [Column(f"{tr('col.total')} {month}", "right")], rows, title)
    else:
        key = ask.choose(tr("menu.ask.sort_by"), [
            (tr("menu.sort.start"), CallSort.START), (tr("menu.sort.caller"), CallSort.CALLER),
            (tr("menu.sort.duration"), CallSort.DURATION), (tr("menu.sort.fee"), CallSort.FEE)])
        reverse = _ask_order(ctx)
        s.sort_calls(key, reverse)
        order = tr("menu.order.desc" if reverse else "menu.order.asc")
        show_calls(ctx, list(s.calls), tr("menu.sorted", what=tr("menu.kind.calls"),
                                          by=tr(f"menu.sort.{key.value}"), order=order))
    ctx.view.say(tr("menu.sort.kept"))


def _ask_order(ctx: Ctx) -> bool:
    tr = ctx.tr
    return ctx.ask.choose(tr("menu.ask.order"), [(tr("menu.order.asc"), False), (tr("menu.order.desc"), True)])


# -- 8: search ----------------------------------------------------------------------------


def item_search(ctx: Ctx) -> None:
    """8. Users by phone or part of a name; calls by number, month or date range."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(tr("menu.item.8"))
    how = ask.choose(tr("menu.ask.search_how"), [
        (tr("menu.search.user_phone"), "user_phone"), (tr("menu.search.user_name"), "user_name"),
        (tr("menu.search.call_number"), "call_number"), (tr("menu.search.call_month"), "call_month"),
        (tr("menu.search.call_dates"), "call_dates")])
    if how == "user_phone":
        digits = ask.text(tr("menu.ask.digits"), validate_digits)
        users = s.find_users_by_phone(digits)
        _show_found_users(ctx, users, tr("menu.found.user_phone", value=digits))
    elif how == "user_name":
        part = ask.text(tr("menu.ask.name_part"), _check_part)
        users = s.find_users_by_name(part)
        _show_found_users(ctx, users, tr("menu.found.user_name", value=part))
    elif how == "call_number":
        digits = ask.text(tr("menu.ask.digits"), validate_digits)
        _show_found_calls(ctx, s.find_calls_by_number(digits), tr("menu.found.call_number", value=digits))
    elif how == "call_month":
        month = ask.text(tr("menu.ask.month"), validate_month, latest_month(ctx))
        _show_found_calls(ctx, s.find_calls_by_month(month), tr("menu.found.call_month", value=month))
    else:
        first = ask.text(tr("menu.ask.first_day"), validate_date)
        last = ask.text(tr("menu.ask.last_day"), partial(validate_last_day, first=first))
        from datetime import date

        _show_found_calls(ctx, s.find_calls_by_days(first, last), tr(
            "menu.found.call_dates", first=date.fromordinal(first).isoformat(), last=date.fromordinal(last).isoformat()))


def _check_part(text: str) -> str:
    part = " ".join(text.split())
    if not part:
        raise ValidationError("menu.error.name_empty")
    return part


def _show_found_users(ctx: Ctx, users: Iterable[User], title: str) -> None:
    found = list(users)
    if not found:
        ctx.view.warn(ctx.tr("menu.found.none", what=title))
        return
    show_users(ctx, found, title)
    ctx.view.say(ctx.tr("menu.found.count", count=len(found)))


def _show_found_calls(ctx: Ctx, calls: Iterable[Call], title: str) -> None:
    found = list(calls)
    if not found:
        ctx.view.warn(ctx.tr("menu.found.none", what=title))
        return
    show_calls(ctx, found, title)
    ctx.view.say(ctx.tr("menu.found.count", count=len(found)))
