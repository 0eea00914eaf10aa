"""Items 9 and 10: write the bill-detail file and the anomalies file, and show what they hold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from rich.text import Text

from telbill.constants import DEFAULT_ANOMALIES, DEFAULT_OUT
from telbill.errors import OutputError
from telbill.files.outputs import NotOursError
from telbill.files.report import users_named
from telbill.menu.context import Ctx, Item
from telbill.menu.layout import Cell, Column
from telbill.menu.picking import ask_month
from telbill.menu.rows import bill_cells, bill_columns, count, money, record_cell
from telbill.menu.view import LazyRows
from telbill.rules.fields import PHONE_MAX
from telbill.rules.screening import AnomalyCode, SetAside, code_counts, code_name, limit_values
from telbill.text.display import shown, width

T = TypeVar("T")


def bill_summary(ctx: Ctx, months: int, total: int) -> str:
    return ctx.tr("menu.bill.summary", count=count(months), total=money(total))


def write_asking(ctx: Ctx, write: Callable[[Path, bool], T], busy: str, question: str, default: Path,
                 *, ask_first: bool = True) -> tuple[Path, T]:
    """Write a report to a file the operator names (``default`` offered), a spinner saying
    ``busy`` meanwhile; return the file and what ``write(path, force)`` returned.

    A name refused (an input, a file that cannot be written, an existing file telbill did not
    write, or a read-only one, that the operator would not replace) is said with the reason
    and the way back, and the name is asked again; ``default`` is not offered again once it
    was refused. Without ``ask_first``, ``default`` is tried before anything is asked (item
    10). The way back at any question leaves the item (BackToMenu) with nothing written."""
    offer: Path | None = default
    path = None if ask_first else default
    while True:
        if path is None:
            path = ctx.ask.text(ctx.tr(question), ctx.session.validate_out_path,
                                offer=None if offer is None else str(offer))
        try:
            return path, _write_once(ctx, path, write, busy)
        except OutputError as exc:
            ctx.ask.refuse(exc.render(ctx.tr))
        if path == offer:
            offer = None
        path = None


def _write_once(ctx: Ctx, path: Path, write: Callable[[Path, bool], T], busy: str) -> T:
    """``write`` to ``path``; over a file telbill did not write (or a read-only one) only after
    a yes. A no raises OutputError saying the file is kept (the name is then asked again)."""
    try:
        with ctx.busy(busy):
            return write(path, False)
    except NotOursError as exc:
        reason = exc.render(ctx.tr)
    if not ctx.ask.confirm(ctx.tr("menu.ask.replace", reason=reason)):
        raise OutputError("menu.not_replaced", path=str(path))
    with ctx.busy(busy):
        return write(path, True)


# -- 9: billing ---------------------------------------------------------------------------


def item_billing(ctx: Ctx) -> None:
    """9. Write the bill-detail file for every month or one; show what it holds."""
    s, tr, ask = ctx.session, ctx.tr, ctx.ask
    ctx.view.title(Item.BILLING.label(tr))
    scope = ask.choose(tr("menu.ask.bill_scope"), [(tr("menu.bill.all"), "all"), (tr("menu.bill.one"), "one")])
    month = ask_month(ctx) if scope == "one" else None
    with ctx.busy("menu.busy.months"):
        billed = s.billed_months() if month is not None else []
    if month is not None and month not in billed and not ask.confirm(tr("menu.bill.no_calls", month=month)):
        ctx.view.warn(tr("menu.not_written"))
        return
    path, bills = write_asking(ctx, lambda out, force: s.write_bills(out, tr, month, force=force),
                               "menu.busy.bills", "menu.ask.out_path", DEFAULT_OUT)
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
            rows.append([m.month, money(t.rent), money(t.feature), money(t.local), money(t.long_distance),
                         money(t.total)])
        ctx.view.table(cols, rows, tr("menu.bill.months_title"))
    ctx.view.say(bill_summary(ctx, len(bills.months), bills.grand_total))
    _, set_aside = s.counts()
    if set_aside:
        ctx.view.warn(tr("menu.bill.set_aside", count=count(set_aside), item=Item.ANOMALIES.value))
    ctx.view.ok(tr("menu.wrote", path=str(path)))


# -- 10: anomalies ------------------------------------------------------------------------


def item_anomalies(ctx: Ctx) -> None:
    """10. The set-aside records grouped by reason, a record a line; written to output/anomalies.txt."""
    s, tr = ctx.session, ctx.tr
    ctx.view.title(Item.ANOMALIES.label(tr))
    with ctx.busy("menu.busy.anomalies"):
        result = s.set_aside()
    counts = code_counts(result)
    # The reason gets its width first (it names the value that failed, the other line of an
    # overlap and its times); the record's text gives way (its phones come first in it).
    by_code: dict[AnomalyCode, list[SetAside]] = {code: [] for code in AnomalyCode}
    for record in result:
        by_code[record.code].append(record)
    # Its caller is never cut: a phone has at most 20 digits (a longer first field is no phone).
    caller = max((min(width(shown(a.raw.split(maxsplit=1)[0])), PHONE_MAX) for a in result if a.raw.strip()),
                 default=0)
    cols = [Column(tr("menu.col.line"), "right"), Column(tr("menu.col.record"), wrap=True, least=caller + 1),
            Column(tr("menu.col.reason"), wrap=True, first=True)]
    ordered: list[SetAside] = []
    groups: list[tuple[int, str]] = []
    for code, group in by_code.items():
        if group:
            groups.append((len(ordered), tr(f"menu.anomalies.group.{code.value}", count=count(len(group)), **limit_values())))
            ordered += group

    named = users_named(tr, str(s.paths.users))

    def cells(_: int, a: SetAside) -> list[Cell]:
        return [str(a.line_no) if a.line_no is not None else "-", record_cell(ctx, a.raw), a.reason(named)]

    if ordered:
        ctx.view.table(cols, LazyRows(ordered, cells), tr("menu.anomalies.title", path=str(DEFAULT_ANOMALIES)),
                       groups=groups, fold=False)
    else:
        ctx.view.ok(tr("menu.anomalies.none"))
    summary = tr("menu.list_sep").join(f"{code_name(tr, c)} {count(n)}" for c, n in counts.items())
    ctx.view.say(tr("menu.anomalies.total", count=count(len(result)), parts=summary))
    # the list is shown first: when output/anomalies.txt is not written, another name is asked after it
    path, _ = write_asking(ctx, lambda out, force: s.write_anomalies(out, tr, force=force), "menu.busy.anomalies",
                           "menu.ask.anomalies_path", DEFAULT_ANOMALIES, ask_first=False)
    ctx.view.ok(tr("menu.wrote", path=str(path)))
