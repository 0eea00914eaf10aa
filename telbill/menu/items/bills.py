"""Items 9 and 10: write the bill-detail file and the anomalies file, and show what they hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rich.text import Text

from telbill.constants import DEFAULT_ANOMALIES, DEFAULT_OUT
from telbill.errors import OutputError
from telbill.files.outputs import NotOursError
from telbill.menu.ask import BackToMenu
from telbill.menu.context import Ctx, Item
from telbill.menu.layout import Cell, Column
from telbill.menu.picking import ask_month
from telbill.menu.rows import bill_cells, bill_columns, count, record_cell
from telbill.rules.records import AnomalyCode, format_fen

T = TypeVar("T")


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
        group = [a for a in result.anomalies if a.code is code]
        if group:
            rows: list[list[Cell]] = [[str(a.line_no) if a.line_no is not None else "-", record_cell(ctx, a.raw),
                                       tr(a.key, **a.params)] for a in group]
            sections.append((tr(f"menu.anomalies.group.{code.value}", count=count(len(group))), rows))
    ctx.view.sections(cols, sections)
    if not result.anomalies:
        ctx.view.ok(tr("menu.anomalies.none"))
    summary = tr("menu.list_sep").join(f"{tr(f'code.{c.value}')} {count(n)}" for c, n in counts.items())
    ctx.view.say(tr("menu.anomalies.total", count=count(len(result.anomalies)), parts=summary))
    ctx.view.ok(tr("menu.wrote", path=str(DEFAULT_ANOMALIES)))


