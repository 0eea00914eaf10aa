"""Naming a subscriber, a call record or a month: by phone, name or pinyin; from a numbered list;
the month offered."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telbill.errors import ValidationError
from telbill.menu.ask import BackToMenu
from telbill.menu.context import Ctx
from telbill.menu.rows import count, show_calls, user_label
from telbill.rules.fields import halfwidth, is_phone, validate_month
from telbill.rules.records import Call, User
from telbill.session.finding import Found
from telbill.text.display import quote


def suggest(ctx: Ctx) -> Callable[[str], Sequence[tuple[str, str]]]:
    """Subscribers fitting what has been typed so far, as ``(phone, "phone  name")`` (terminal)."""

    def found(text: str) -> list[tuple[str, str]]:
        return [(u.phone, user_label(u)) for u in ctx.session.find_users(text).users]

    return found


def find(ctx: Ctx, text: str, *, limit: int | None) -> Found:
    """The subscribers ``text`` names; ValidationError when none does (or more than ``limit``)."""
    found = ctx.session.find_users(text)
    if not found.users:
        raise ValidationError("menu.error.nobody", value=quote(text.strip()))
    if limit is not None and len(found.users) > limit and found.meant() is None:
        raise ValidationError("menu.error.too_many", value=quote(text.strip()), count=count(len(found.users)))
    return found


def ask_user(ctx: Ctx, message: str | None = None, *, offer: str | None = None,
             allow: str | None = None) -> User:
    """Ask for a subscriber by any name; one match is taken (and said), several are a numbered list.

    ``offer`` (a phone) is the answer ready to take; ``allow`` (a phone) is accepted
    even when it is no subscriber's any more (the caller of a call being modified):
    then a stand-in :class:`User` with that phone and no name is returned.
    """
    tr = ctx.tr

    def parse(text: str) -> Found | str:
        if allow is not None and text.strip() == allow and ctx.session.user(allow) is None:
            return allow
        return find(ctx, text, limit=ctx.ask.pick_limit)

    found = ctx.ask.text(message or tr("menu.ask.user"), parse, offer=offer, complete=suggest(ctx))
    if isinstance(found, str):
        return User(found, "", 0, 0)
    user = found.meant()
    if user is not None:
        ctx.view.ok(tr("menu.user.taken", user=user_label(user)))
        return user
    return ctx.ask.choose(tr("menu.ask.which_user", count=count(len(found.users))),
                          [(user_label(u), u) for u in found.users])


def number_range(ctx: Ctx, total: int) -> str:
    """The numbers that may be typed to pick one of ``total`` rows, as the question and its
    refusal both say them: ``1-74108, 0 goes back`` (a range, so no thousands separator)."""
    return ctx.tr("menu.range.pick", last=total)


def which_number(ctx: Ctx, total: int) -> Callable[[str], int]:
    """Parse the number of a row in a list of ``total`` (``0`` goes back)."""

    def parse(text: str) -> int:
        value = halfwidth(text).strip()
        if value.isascii() and value.isdigit() and int(value) <= total:
            if int(value) == 0:
                raise BackToMenu
            return int(value)
        raise ValidationError("menu.error.not_number", value=quote(value), range=number_range(ctx, total))

    return parse


def pick_from(ctx: Ctx, question: str, total: int) -> int:
    """The number (1 to ``total``) of a row just listed; ``question`` is a message key whose
    ``{range}`` says which numbers may be typed."""
    return ctx.ask.text(ctx.tr(question, range=number_range(ctx, total)), which_number(ctx, total))


def pick_call(ctx: Ctx) -> Call:
    """Ask for a caller (any name, or the number of a caller who is no subscriber), list their
    call records, and ask which one."""
    s, tr = ctx.session, ctx.tr

    def parse(text: str) -> Found | str:
        value = text.strip()
        if is_phone(value) and s.calls_of(value):
            return value
        found = find(ctx, text, limit=ctx.ask.pick_limit)
        if len(found.users) == 1 and not s.calls_of(found.users[0].phone):
            raise ValidationError("menu.error.no_calls", phone=found.users[0].phone)
        return found

    answer = ctx.ask.text(tr("menu.ask.call_owner"), parse, complete=suggest(ctx))
    if isinstance(answer, str):
        phone = answer
    elif len(answer.users) == 1:
        phone = answer.users[0].phone
        ctx.view.ok(tr("menu.user.taken", user=user_label(answer.users[0])))
    else:
        user = ctx.ask.choose(tr("menu.ask.which_user", count=count(len(answer.users))),
                              [(user_label(u), u) for u in answer.users])
        phone = user.phone
    calls = list(s.calls_of(phone))
    if not calls:
        ctx.view.warn(tr("menu.error.no_calls", phone=phone))
        raise BackToMenu
    show_calls(ctx, calls, tr("menu.calls.of", phone=phone, count=count(len(calls))), numbered=True,
               one_caller=True)
    number = pick_from(ctx, "menu.ask.which_call", len(calls))
    return calls[number - 1]


# -- months -----------------------------------------------------------------------------


def latest_month(ctx: Ctx) -> str | None:
    """The last month with a billed call (offered where a month is asked)."""
    with ctx.busy("menu.busy.months"):
        months = ctx.session.billed_months()
    return months[-1] if months else None


def ask_month(ctx: Ctx, offer: str | None = None) -> str:
    """A month; ``offer`` (by default the last month with calls) is offered."""
    return ctx.ask.text(ctx.tr("menu.ask.month"), validate_month, offer=offer or latest_month(ctx))


def ask_statement_month(ctx: Ctx, phone: str) -> str:
    """The month of a subscriber's statement (item 11, and search → statement alike): the month of
    their latest call, billed or set aside, is offered; else the last month with a billed call."""
    return ask_month(ctx, ctx.session.latest_month_of(phone))
