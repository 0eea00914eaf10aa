"""Items 3 to 6: add, modify and delete users and call records, each field checked as typed."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from telbill.constants import DataKind
from telbill.errors import ValidationError
from telbill.menu.context import Ctx, Item
from telbill.menu.picking import ask_user, pick_call
from telbill.menu.rows import (
    class_said,
    count,
    duration_text,
    money,
    report_change,
    report_saved,
    user_label,
)
from telbill.rules.fields import (
    SECONDS_PER_DAY,
    format_fen,
    format_moment,
    moment_at,
    validate_clock,
    validate_date,
    validate_end,
    validate_moment,
    validate_money,
    validate_name,
    validate_phone,
)
from telbill.rules.records import Call, User
from telbill.rules.screening import code_name
from telbill.session.facade import (
    Action,
    Change,
    RepeatAction,
    RepeatedPhoneError,
    record_text,
)

SANITY_FEN = 1_000_000
"""A rent or feature fee above this (10,000 yuan a month) is asked about once more."""

# -- 3 and 4: add -------------------------------------------------------------------------


def ask_money(ctx: Ctx, message: str, label: str, offer: str | None = None) -> int:
    """An amount of yuan (as fen); one above :data:`SANITY_FEN` is taken only after a yes."""
    while True:
        fen = ctx.ask.text(message, partial(validate_money, label=label), offer=offer)
        if fen <= SANITY_FEN or fen == _fen(offer):
            return fen
        if ctx.ask.confirm(ctx.tr(f"menu.money.sure.{label}", value=money(fen), line=money(SANITY_FEN))):
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
    s.check_writable(DataKind.USERS)
    phone = ask.text(tr("menu.ask.phone"), s.validate_new_phone)
    name = ask.text(tr("menu.ask.name"), validate_name)
    rent = ask_money(ctx, tr("menu.ask.rent"), "rent")
    feature = ask_money(ctx, tr("menu.ask.feature"), "feature")
    with ctx.busy("menu.busy.save"):
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
            if start is not None:  # refused now if even the day's last second is before the start
                validate_end(f"{text.strip()} 23:59:59", start)
            return date, True
        moment = validate_moment(text, day) if start is None else validate_end(text, start)
        return moment, False

    value, date_only = ctx.ask.text(message, first, offer=offer)
    if not date_only:
        return value
    day_text = format_moment(moment_at(value, 0))[:10]

    def clock(text: str) -> int:
        moment = moment_at(value, validate_clock(text))
        return moment if start is None else validate_end(format_moment(moment), start)

    return ctx.ask.text(tr("menu.ask.time", date=day_text), clock)


def _confirm_anomaly(ctx: Ctx, call: Call, replacing: Call | None) -> bool | None:
    """None if the call is fine; else whether the operator wants it saved anyway."""
    anomaly = ctx.session.anomaly_for(call, replacing)
    if anomaly is None:
        return None
    tr = ctx.tr
    ctx.view.warn(tr("menu.anomaly.warn", code=code_name(tr, anomaly.code),
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
        ctx.view.warn(tr("menu.call.set_aside", klass=class_said(ctx, call.call_class),
                         duration=duration_text(call.duration),
                         reason=code_name(tr, anomaly.code)))
        return
    fee = ctx.session.fee(held)
    ctx.view.ok(tr("menu.call.rated", klass=class_said(ctx, call.call_class), duration=duration_text(call.duration),
                   fee=money(fee or 0)))


def item_add_call(ctx: Ctx) -> None:
    """4. Ask for a call record; one that breaks an anomaly rule needs a yes first."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(Item.ADD_CALL.label(tr))
    s.check_writable(DataKind.CALLS)
    caller, callee, start, end = _ask_call_fields(ctx, None)
    _save_call(ctx, Call(caller, callee, start, end), None,
               lambda accept: s.add_call(caller, callee, start, end, accept_anomaly=accept))


def _save_call(ctx: Ctx, call: Call, replacing: Call | None, save: Callable[[bool], Change | None]) -> None:
    """Items 4 and 5: a call that breaks an anomaly rule is saved only after a yes (``save`` is
    told whether it was given); then what was saved, its class, duration and fee."""
    answer = _confirm_anomaly(ctx, call, replacing)
    if answer is False:
        ctx.view.warn(ctx.tr("menu.not_saved"))
        return
    with ctx.busy("menu.busy.save"):
        change = save(answer is True)
    if change is None:
        ctx.view.say(ctx.tr("menu.no_change"))
        return
    report_change(ctx, change)
    report_call(ctx, change)
    report_saved(ctx, change)


# -- 5: modify ----------------------------------------------------------------------------


def item_modify(ctx: Ctx) -> None:
    """5. Change a user's fields or a call record's."""
    _user_or_call(ctx, Item.MODIFY, "menu.ask.what_modify", modify_user, modify_call)


def _user_or_call(ctx: Ctx, item: Item, question: str, on_user: Callable[[Ctx, User], None],
                  on_call: Callable[[Ctx, Call], None]) -> None:
    """Items 5 and 6: ask whether a user or a call record, which one, then act on it."""
    tr = ctx.tr
    ctx.view.title(item.label(tr))
    what = ctx.ask.choose(tr(question), [(tr("menu.kind.user"), DataKind.USERS), (tr("menu.kind.call"), DataKind.CALLS)])
    ctx.session.check_writable(what)
    if what is DataKind.USERS:
        on_user(ctx, ask_user(ctx))
    else:
        on_call(ctx, pick_call(ctx))


def modify_user(ctx: Ctx, user: User) -> None:
    """Ask for each field of ``user`` (the current value ready to keep); save."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    s.check_writable(DataKind.USERS)
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
        with ctx.busy("menu.busy.save"):
            change = s.modify_user(user.phone, new_phone=new_phone, name=name, rent=rent, feature=feature)
    except RepeatedPhoneError as exc:
        repeats = ask_repeats(ctx, exc)
        with ctx.busy("menu.busy.save"):
            change = s.modify_user(user.phone, new_phone=new_phone, name=name, rent=rent, feature=feature,
                                   repeats=repeats)
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
    s.check_writable(DataKind.CALLS)
    caller, callee, start, end = _ask_call_fields(ctx, call)
    if (caller, callee, start, end) == (call.caller, call.callee, call.start, call.end):
        ctx.view.say(tr("menu.no_change"))
        return
    _save_call(ctx, Call(caller, callee, start, end), call,
               lambda accept: s.modify_call(call, caller=caller, callee=callee, start=start, end=end,
                                            accept_anomaly=accept))


# -- 6: delete ----------------------------------------------------------------------------


def item_delete(ctx: Ctx) -> None:
    """6. Delete a user (saying how many call records they have) or a call record; always asks."""
    _user_or_call(ctx, Item.DELETE, "menu.ask.what_delete", delete_user, delete_call)


def delete_user(ctx: Ctx, user: User) -> None:
    """Delete ``user``: with call records, first what happens to them, then a yes with the counts."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    s.check_writable(DataKind.USERS)
    calls = len(s.calls_of(user.phone))
    with_calls = False
    if calls:
        ctx.view.warn(tr("menu.delete.has_calls", user=user_label(user), count=count(calls)))
        with_calls = ask.choose(tr("menu.ask.delete_how"), [
            (tr("menu.delete.keep_calls"), False),
            (tr("menu.delete.with_calls", count=count(calls)), True),
        ], safe=True)
        if with_calls:
            s.check_writable(DataKind.CALLS)
            unread = [m for m in s.dataset.calls_file.malformed if m.raw.split(maxsplit=1)[:1] == [user.phone]]
            if unread:  # not call records, so not deleted with them: never lose a line (SPEC)
                ctx.view.warn(tr("menu.delete.unread_stay", count=count(len(unread)), path=str(s.paths.calls),
                                 phone=user.phone, item=Item.ANOMALIES.value))
        key = "menu.delete.confirm_with_calls" if with_calls else "menu.delete.confirm_keep_calls"
        question = tr(key, user=user_label(user), count=count(calls))
    else:
        question = tr("menu.delete.confirm_user", user=user_label(user))
    if not ask.confirm(question):
        ctx.view.warn(tr("menu.not_deleted"))
        return
    try:
        with ctx.busy("menu.busy.save"):
            changes = s.delete_user(user.phone, with_calls=with_calls)
    except RepeatedPhoneError as exc:
        repeats = ask_repeats(ctx, exc)
        with ctx.busy("menu.busy.save"):
            changes = s.delete_user(user.phone, with_calls=with_calls, repeats=repeats)
    deleted_calls = sum(1 for c in changes if c.action is Action.DELETE_CALL)
    for change in changes:
        if change.action in (Action.DELETE_USER, Action.DELETE_LINE, Action.COMMENT_LINE):
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
    s.check_writable(DataKind.CALLS)
    if not ctx.ask.confirm(tr("menu.delete.confirm_call", record=record_text(call))):
        ctx.view.warn(tr("menu.not_deleted"))
        return
    with ctx.busy("menu.busy.save"):
        change = s.delete_call(call)
    report_change(ctx, change)
    report_saved(ctx, change)


