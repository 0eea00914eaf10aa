"""Menu items 9 to 13: billing, anomalies, statement, statistics, backup and restore."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rich.text import Text

from telbill.constants import DEFAULT_ANOMALIES, DEFAULT_OUT
from telbill.errors import OutputError
from telbill.files.outputs import NotOursError
from telbill.menu.ask import BackToMenu
from telbill.menu.context import Ctx, Item
from telbill.menu.layout import Bar, Cell, Column
from telbill.menu.picking import ask_user, pick_from
from telbill.menu.rows import (
    bill_cells,
    bill_columns,
    class_label,
    count,
    duration_text,
    record_cell,
)
from telbill.rules.billing import revenue_by_month, top_subscribers
from telbill.rules.fields import format_fen, format_moment, validate_month
from telbill.rules.screening import AnomalyCode
from telbill.session.facade import Backup
from telbill.store.audit import AuditEntry
from telbill.text.messages import CATALOG

TOP_COUNT = 10
UNDO_SHOWN = 3
"""Records of one kind shown before a change is undone (a user deleted with 500 calls fits a screen)."""
T = TypeVar("T")


def latest_month(ctx: Ctx) -> str | None:
    """The last month with a billed call (offered where a month is asked)."""
    months = ctx.session.billed_months()
    return months[-1] if months else None


def ask_month(ctx: Ctx, offer: str | None = None) -> str:
    """A month; ``offer`` (by default the last month with calls) is offered."""
    return ctx.ask.text(ctx.tr("menu.ask.month"), validate_month, offer=offer or latest_month(ctx))


def latest_month_of(ctx: Ctx, phone: str) -> str | None:
    """The last month in which this subscriber has a billed call."""
    s = ctx.session
    return max((c.month for c in s.calls_of(phone) if s.anomaly_of(c) is None), default=None)


def bill_summary(ctx: Ctx, months: int, total: int) -> str:
    return ctx.tr("menu.bill.summary", count=count(months), total=format_fen(total))


def write_asking(ctx: Ctx, write: Callable[[bool], T]) -> T:
    """Write a report; over a file telbill did not write (or a read-only one) only after a yes."""
    try:
        return write(False)
    except NotOursError as exc:
        reason = exc.render(ctx.tr)
    if not ctx.ask.confirm(ctx.tr("menu.ask.replace", reason=reason)):
        ctx.view.warn(ctx.tr("menu.not_replaced"))
        raise BackToMenu from None
    return write(True)


# -- 9: billing ---------------------------------------------------------------------------


def item_billing(ctx: Ctx) -> None:
    """9. Write the bill-detail file for every month or one; show what it holds."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(Item.BILLING.label(tr))
    scope = ask.choose(tr("menu.ask.bill_scope"), [(tr("menu.bill.all"), "all"), (tr("menu.bill.one"), "one")])
    month = ask_month(ctx) if scope == "one" else None
    if month is not None and month not in s.billed_months():
        if not ask.confirm(tr("menu.bill.no_calls", month=month)):
            ctx.view.warn(tr("menu.not_written"))
            return
    while True:  # a file that cannot be written: the reason, and the question again
        path = ask.text(tr("menu.ask.out_path"), s.validate_out_path, offer=str(DEFAULT_OUT))
        try:
            bills = write_asking(ctx, lambda force: s.write_bills(path, tr, month, force=force))
            break
        except OutputError as exc:
            ctx.view.error(exc.render(tr))
    if month is not None:
        bill = bills.month(month)
        assert bill is not None
        cells = bill_cells(bill.totals)
        cells[0], cells[1] = tr("bill.totals_row"), ""
        rows: list[list[Cell]] = [list(bill_cells(r)) for r in bill.rows]
        rows.append([Text(c, style="bold") for c in cells])
        ctx.view.table(bill_columns(ctx), rows, tr("menu.bill.month_title", month=month), totals=1)
    else:
        cols = [Column(tr("menu.col.month"))] + bill_columns(ctx)[2:]
        rows = []
        for m in bills.months:
            t = m.totals
            rows.append([m.month, format_fen(t.rent), format_fen(t.feature), format_fen(t.local),
                         format_fen(t.long_distance), format_fen(t.total)])
        ctx.view.table(cols, rows, tr("menu.bill.months_title"))
    ctx.view.say(bill_summary(ctx, len(bills.months), bills.grand_total))
    _, set_aside = s.counts()
    if set_aside:
        ctx.view.warn(tr("menu.bill.set_aside", count=count(set_aside), item=Item.ANOMALIES.value))
    ctx.view.ok(tr("menu.wrote", path=str(path)))


# -- 10: anomalies ------------------------------------------------------------------------


def item_anomalies(ctx: Ctx) -> None:
    """10. The set-aside records grouped by reason; written to output/anomalies.txt."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(Item.ANOMALIES.label(tr))
    result = write_asking(ctx, lambda force: s.write_anomalies(DEFAULT_ANOMALIES, tr, force=force))
    counts = result.counts()
    cols = [Column(tr("menu.col.line"), "right"), Column(tr("menu.col.record"), wrap=True),
            Column(tr("menu.col.reason"), wrap=True)]
    sections: list[tuple[str, list[list[Cell]]]] = []
    for code in AnomalyCode:
        group = [a for a in result.set_aside if a.code is code]
        if group:
            rows: list[list[Cell]] = [[str(a.line_no) if a.line_no is not None else "-", record_cell(ctx, a.raw),
                                       a.reason(tr)] for a in group]
            sections.append((tr(f"menu.anomalies.group.{code.value}", count=count(len(group))), rows))
    ctx.view.sections(cols, sections)
    if not result.set_aside:
        ctx.view.ok(tr("menu.anomalies.none"))
    summary = tr("menu.list_sep").join(f"{tr(f'code.{c.value}')} {count(n)}" for c, n in counts.items())
    ctx.view.say(tr("menu.anomalies.total", count=count(len(result.set_aside)), parts=summary))
    ctx.view.ok(tr("menu.wrote", path=str(DEFAULT_ANOMALIES)))


# -- 11: statement ------------------------------------------------------------------------


def item_statement(ctx: Ctx) -> None:
    """11. One subscriber's calls of a month, itemised; the totals equal the bill row."""
    ctx.view.title(Item.STATEMENT.label(ctx.tr))
    user = ask_user(ctx)
    show_statement(ctx, user.phone, ask_month(ctx, latest_month_of(ctx, user.phone)))


def show_statement(ctx: Ctx, phone: str, month: str) -> None:
    """One subscriber's billed calls of ``month`` in start order, and their bill row."""
    s, tr = ctx.session, ctx.tr
    st = s.statement(phone, month)
    cols = [Column(tr("menu.col.no"), "right"), Column(tr("menu.col.start")), Column(tr("menu.col.callee")),
            Column(tr("menu.col.class")), Column(tr("menu.col.duration"), "right"), Column(tr("menu.col.fee"), "right")]
    rows = [[str(i), format_moment(line.call.start), line.call.callee, class_label(ctx, line.call_class),
             duration_text(line.seconds), format_fen(line.fee)] for i, line in enumerate(st.lines, 1)]
    title = tr("menu.statement.title", phone=st.user.phone, name=st.user.name, month=month)
    if rows:
        ctx.view.table(cols, rows, title)
    else:
        ctx.view.say(title)
        ctx.view.say(tr("menu.statement.no_calls"))
    ctx.view.table(bill_columns(ctx), [bill_cells(st.row)], tr("menu.statement.row"))
    aside = sum(1 for a in s.screening().set_aside
                if a.call is not None and a.call.caller == phone and a.call.month == month)
    if aside:
        ctx.view.warn(tr("menu.statement.set_aside", count=count(aside), item=Item.ANOMALIES.value))


# -- 12: statistics -----------------------------------------------------------------------


def item_statistics(ctx: Ctx) -> None:
    """12. Revenue per month (local / long distance) and the top subscribers, as bars."""
    s, tr, view = ctx.session, ctx.tr, ctx.view
    view.title(Item.STATISTICS.label(tr))
    bills = s.bills()
    revenue = revenue_by_month(bills)
    if not revenue:
        view.say(tr("menu.stats.none"))
        return
    view.say(tr("menu.stats.revenue"), style="bold")
    legend = Text(tr("menu.stats.legend_intro") + " ")
    legend.append("#" if view.plain else "█", style=None if view.plain else "green")
    legend.append(" " + tr("col.local") + "  ")
    legend.append("=" if view.plain else "█", style=None if view.plain else "blue")
    legend.append(" " + tr("col.long"))
    view.say(legend)
    top = max(r.local + r.long_distance for r in revenue) or 1
    rows: list[list[Cell]] = []
    for r in revenue:
        bar = Bar(((r.local, "#", "green"), (r.long_distance, "=", "blue")), top)
        rows.append([r.month, bar, format_fen(r.local), format_fen(r.long_distance),
                     format_fen(r.local + r.long_distance)])
    view.table([Column(tr("menu.col.month")), Column("", bar=True), Column(tr("col.local"), "right"),
                Column(tr("col.long"), "right"), Column(tr("menu.col.calls_total"), "right")], rows)
    ranked = top_subscribers(bills, TOP_COUNT)
    view.say(tr("menu.stats.top", count=len(ranked), months=count(len(bills.months))), style="bold")
    best = max((t for _, _, t in ranked), default=0) or 1
    rows = [[str(i), phone, name, Bar(((total, "#", "magenta"),), best), format_fen(total)]
            for i, (phone, name, total) in enumerate(ranked, 1)]
    view.table([Column(tr("menu.col.no"), "right"), Column(tr("col.phone")), Column(tr("col.name"), wrap=True),
                Column("", bar=True), Column(tr("col.total"), "right")], rows)
    view.say(bill_summary(ctx, len(bills.months), bills.grand_total))


# -- 13: backup and restore ---------------------------------------------------------------


def item_backup(ctx: Ctx) -> None:
    """13. Copy the data files into the backup folder, put a backup back, or undo the last change."""
    tr, ask = ctx.tr, ctx.ask
    ctx.view.title(Item.BACKUP.label(tr))
    what = ask.choose(tr("menu.ask.backup_what"), [(tr("menu.backup.now"), "now"),
                                                   (tr("menu.backup.restore"), "restore"),
                                                   (tr("menu.backup.undo"), "undo")])
    if what == "now":
        for change in ctx.session.backup_now():
            ctx.view.ok(tr("menu.backup.done", path=str(change.path), copy=str(change.backup)))
    elif what == "restore":
        _restore(ctx)
    else:
        _undo(ctx)


def _undo(ctx: Ctx) -> None:
    """Show the last change, ask, and take it back (both files where it changed both)."""
    s, tr = ctx.session, ctx.tr
    s.check_writable()
    last = s.last_change()
    if last is None:
        ctx.view.warn(tr("menu.undo.none"))
        raise BackToMenu
    entries, skipped = last
    if skipped:
        ctx.view.warn(tr("menu.undo.skipped", count=count(skipped)))
    ctx.view.say(tr("menu.undo.last"))
    groups: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.action, []).append(entry)
    for action, group in groups.items():
        label = action_label(ctx, action)
        ctx.view.say(tr("menu.undo.group", action=label, count=count(len(group))) if len(group) > 1
                     else "  " + label)
        for entry in group[:UNDO_SHOWN]:
            if entry.before:
                ctx.view.say(tr("menu.undo.before", record=entry.before))
            if entry.after:
                ctx.view.say(tr("menu.undo.after", record=entry.after))
        if len(group) > UNDO_SHOWN:
            ctx.view.say(tr("menu.undo.more", count=count(len(group) - UNDO_SHOWN)))
    if not ctx.ask.confirm(tr("menu.undo.confirm")):
        ctx.view.warn(tr("menu.not_undone"))
        return
    changes = s.undo()
    ctx.view.ok(tr("menu.undo.done", count=count(len(changes))))
    for path in dict.fromkeys(c.path for c in changes):
        ctx.view.say(tr("menu.saved_new", path=str(path)))
    ctx.saved()


def action_label(ctx: Ctx, action: str) -> str:
    """An audit-log action (``modify-call``) in words, in the interface language."""
    key = f"action.{action}"
    return ctx.tr(key) if key in CATALOG else action


def _restore(ctx: Ctx) -> None:
    s, tr = ctx.session, ctx.tr
    s.check_writable()
    backups = s.list_backups()
    if not backups:
        ctx.view.warn(tr("menu.backup.none", folder=str(s.backup_dir("users"))))
        raise BackToMenu

    def undoes(b: Backup) -> str:
        if b.changes:
            first = b.changes[0]
            text = f"{action_label(ctx, first.action)} {first.before or first.after or ''}".rstrip()
            if len(b.changes) > 1:
                text += tr("menu.backup.more", count=count(len(b.changes) - 1))
        else:
            text = tr("menu.backup.copy")
        return text if b.usable else tr("menu.backup.unusable", what=text)

    rows = [[str(i), b.taken.strftime("%Y-%m-%d %H:%M:%S") if b.taken else "-", s.path(b.kind).name,
             undoes(b)] for i, b in enumerate(backups, 1)]
    ctx.view.table([Column(tr("menu.col.no"), "right"), Column(tr("menu.col.taken")),
                    Column(tr("menu.col.file")), Column(tr("menu.col.undoes"), wrap=True)], rows,
                   tr("menu.backup.list", count=count(len(backups))))
    chosen = backups[pick_from(ctx, tr("menu.ask.which_backup", count=count(len(backups))), len(backups)) - 1]
    target = s.path(chosen.kind)
    if not ctx.ask.confirm(tr("menu.backup.confirm", path=str(target), backup=chosen.path.name)):
        ctx.view.warn(tr("menu.not_restored"))
        return
    change = s.restore(chosen)
    ctx.view.ok(tr("menu.backup.restored", path=str(target), backup=str(chosen.path)))
    if change.backup is not None:
        ctx.view.say(tr("menu.backup.previous", copy=str(change.backup)))
    ctx.saved()


REPORT_ACTIONS: dict[Item, Callable[[Ctx], None]] = {
    Item.BILLING: item_billing,
    Item.ANOMALIES: item_anomalies,
    Item.STATEMENT: item_statement,
    Item.STATISTICS: item_statistics,
    Item.BACKUP: item_backup,
}
