"""Bills (SPEC §4): billing month, one row per subscriber, conservation, reference check."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from telbill.batch.run import BatchResult
from telbill.cli import main
from telbill.files.dataset import DataPaths, load_users_file
from telbill.files.loader import load_calls, load_users
from telbill.lists.linked import LinkedList
from telbill.rules.billing import MonthSums, Usage, bills_from_sums, compute_bills, statement
from telbill.rules.rating import Rating
from telbill.rules.records import Call
from telbill.rules.screening import AnomalyCode, screen, screen_calls
from telbill.rules.tariff import DEFAULT_TARIFF
from telbill.session.facade import Session

from oracle import reference

USERS = "83470000  Zhang Qiang  25.00  6.00\n83470001  张强  25  6.5\n83470002  Li Na  0  0\n"


def bills_for(calls_text: str, only_month: str | None = None):  # type: ignore[no-untyped-def]
    users = load_users(io.StringIO(USERS), "u").users
    loaded = load_calls(io.StringIO(calls_text), "c")
    result = screen_calls(loaded.calls, {u.phone for u in users}, loaded.malformed)
    return compute_bills(users, result.valid, DEFAULT_TARIFF, only_month)


def test_call_crossing_the_year_is_billed_in_its_start_month() -> None:
    """2020-12-31 23:58:10 → 2021-01-01 00:03:05 (295 s domestic) belongs to 2020-12."""
    bills = bills_for("83470000  02584561234  2020-12-31 23:58:10  2021-01-01 00:03:05\n")
    assert [m.month for m in bills.months] == ["2020-12"]
    row = bills.months[0].rows[0]
    assert (row.local, row.long_distance) == (0, 50 * 7)
    assert row.total == 2500 + 600 + 350


def test_every_subscriber_gets_a_row_in_every_billed_month() -> None:
    """Subscribers without calls still pay rent and feature in each billed month."""
    bills = bills_for(
        "83470000  83461234  2021-01-31 23:59:00  2021-02-01 00:02:01\n"
        "83470001  0044207946000  2021-03-01 08:00:00  2021-03-01 08:00:07\n"
    )
    assert [m.month for m in bills.months] == ["2021-01", "2021-03"]
    jan, mar = bills.months
    assert [(r.phone, r.local, r.long_distance, r.total) for r in jan.rows] == [
        ("83470000", 33, 0, 3133), ("83470001", 0, 0, 3150), ("83470002", 0, 0, 0)]
    assert [(r.phone, r.long_distance) for r in mar.rows] == [("83470000", 0), ("83470001", 160), ("83470002", 0)]
    assert jan.totals.total == 3133 + 3150
    assert bills.grand_total == 3133 + 3150 + 3100 + 3310


def test_a_named_month_is_billed_even_without_calls() -> None:
    """--month bills only that month, with a row for every subscriber."""
    bills = bills_for("83470000  83461234  2021-01-05 10:00:00  2021-01-05 10:01:00\n", "2021-02")
    assert [m.month for m in bills.months] == ["2021-02"]
    assert [r.total for r in bills.months[0].rows] == [3100, 3150, 0]


def test_statement_totals_equal_the_bill_row() -> None:
    """An itemised statement's sums equal that subscriber's row of the bill."""
    text = ("83470001  83461234  2021-01-05 10:00:00  2021-01-05 10:04:01\n"
            "83470001  01012345678  2021-01-02 10:00:00  2021-01-02 10:00:07\n"
            "83470001  0081312345678  2021-01-03 10:00:00  2021-01-03 10:00:06\n")
    users = load_users(io.StringIO(USERS), "u").users
    loaded = load_calls(io.StringIO(text), "c")
    valid = screen_calls(loaded.calls, {u.phone for u in users}, loaded.malformed).valid
    bills = compute_bills(users, valid, DEFAULT_TARIFF)
    user = list(users)[1]
    st_ = statement(user, "2021-01", valid, Rating(DEFAULT_TARIFF))
    assert [line.fee for line in st_.lines] == [14, 80, 44]
    assert st_.row == bills.months[0].rows[1]


call_st = st.builds(
    lambda caller, callee, start, length: Call(caller, callee, start, start + length),
    st.sampled_from(["83470000", "83470001", "83479999"]),
    st.sampled_from(["8346123", "02584561234", "0044207946000"]),
    st.integers(737_790 * 86_400, 737_790 * 86_400 + 120 * 86_400),
    st.one_of(st.integers(-100, 4000), st.integers(259_190, 259_210), st.just(0)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(call_st, max_size=25))
def test_matches_a_pairwise_reference(calls: list[Call]) -> None:
    """On random records, the O(n log n) checks and integer rating equal a naive reference."""
    for i, c in enumerate(calls, 1):
        c.line_no = i
    phones = {"83470000", "83470001"}
    result = screen_calls(LinkedList(calls), phones)
    ref_reasons, ref_fees = reference(calls, phones)
    assert {id(a.call): a.code.value for a in result.set_aside} == ref_reasons
    assert len(result.valid) + len(result.set_aside) == len(calls)
    users = load_users(io.StringIO("83470000  A  0  0\n83470001  B  0  0\n"), "u").users
    bills = compute_bills(users, result.valid, DEFAULT_TARIFF)
    got = {(m.month, r.phone): Decimal(r.local + r.long_distance) / 100 for m in bills.months for r in m.rows}
    for key, fee in ref_fees.items():
        assert got[key] == fee
    assert sum(got.values()) == sum(ref_fees.values())


def test_a_partition_of_callers_is_billed_by_the_rules_alone(workdir: Path) -> None:
    """The sample data's callers split into partitions, each screened and billed by calling the rules on
    its callers' columns (screen, Usage) with no other code: the same bills and counts as the batch
    and the menu (what a memory-bounded or a distributed engine does with a partition)."""
    users = list(load_users_file(Path("data/users.txt"))[0].users)
    loaded = load_calls(Path("data/calls.txt").read_text("utf-8").splitlines(), "calls.txt")
    phones = {u.phone for u in users}
    callers = sorted(loaded.by_caller)
    counts = dict.fromkeys(AnomalyCode, 0)
    counts[AnomalyCode.MALFORMED] = len(loaded.malformed)
    sums: dict[str, MonthSums] = {}
    for partition in (callers[0::3], callers[1::3], callers[2::3]):
        usage = Usage(Rating(DEFAULT_TARIFF))
        for caller in partition:
            records = loaded.by_caller[caller]
            verdicts = screen([c.start for c in records], [c.end for c in records], caller in phones)
            for _, code, _ in verdicts:
                counts[code] += 1
            aside = {i for i, _, _ in verdicts}
            billed = [c for i, c in enumerate(records) if i not in aside]
            usage.add([c.caller for c in billed], [c.callee for c in billed], [c.start for c in billed],
                      [c.end for c in billed])
        for month, (local, far) in usage.month_sums().items():  # the partitions' callers are apart
            merged = sums.setdefault(month, ({}, {}))
            merged[0].update(local)
            merged[1].update(far)
    bills = bills_from_sums(users, sums)

    kept: list[object] = []
    assert main(["--lang", "en", "bill"], stdout=io.StringIO(), stderr=io.StringIO(), keep=kept) == 0
    [result] = kept
    assert isinstance(result, BatchResult)
    assert (counts, [m.month for m in bills.months], bills.grand_total) == (
        result.counts, result.months, result.grand_total)
    menu = Session(DataPaths(Path("data/users.txt"), Path("data/calls.txt")), audit_log=Path("output/audit.log"))
    assert bills == menu.bills()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5 * 86_400), st.integers(0, 4000),
                          st.sampled_from(["8346123", "02584561234", "0044207946000"])), max_size=60),
       st.sampled_from([None, "2021-01", "2021-02"]), st.booleans())
def test_calls_in_start_order_across_months_are_billed_as_one_at_a_time(
        rows: list[tuple[int, int, str]], only_month: str | None, in_order: bool) -> None:
    """Usage.add of a column of calls spanning months, in start order (a month a run, found by
    bisection, as a swept caller's held records are billed) or not, sums what adding them one
    at a time sums."""
    base = date(2021, 1, 29).toordinal() * 86_400
    if in_order:
        rows = sorted(rows)
    calls = [Call("83470000" if i % 3 else "83470001", callee, base + start, base + start + length, i)
             for i, (start, length, callee) in enumerate(rows)]
    one_by_one = Usage(Rating(DEFAULT_TARIFF), only_month)
    one_by_one.add_calls(calls)
    columns = Usage(Rating(DEFAULT_TARIFF), only_month)
    columns.add([c.caller for c in calls], [c.callee for c in calls], [c.start for c in calls],
                [c.end for c in calls])
    assert columns.month_sums() == one_by_one.month_sums()
    assert {m: u.calls for m, u in columns.months.items()} == {m: u.calls for m, u in one_by_one.months.items()}


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), max_size=4),
       st.lists(st.tuples(st.integers(0, 10**5), st.integers(0, 10**5)), max_size=5))
def test_the_grand_total_is_the_sum_of_every_months_totals_row(users: list[tuple[int, int]],
                                                              fees: list[tuple[int, int]]) -> None:
    """grand_total (the one home of 总计): each billed month's totals row (every subscriber's rent
    and feature, the month's fees) summed over the months, as Bills.grand_total adds its rows."""
    from telbill.rules.billing import BillRow, Bills, MonthBill, grand_total, row_total

    rents, features = sum(r for r, _ in users), sum(f for _, f in users)
    bills = Bills([MonthBill(f"2021-{m:02d}", [BillRow(str(i), "", r, f, local if i == 0 else 0, far if i == 0 else 0)
                                               for i, (r, f) in enumerate(users)])
                   for m, (local, far) in enumerate(fees, 1) if users])
    expected = sum(row_total(rents, features, local, far) for local, far in fees)
    assert grand_total(rents, features, fees) == expected
    if users:
        assert bills.grand_total == expected


def test_every_engine_takes_its_grand_total_from_the_one_rule(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Were 总计's rule to change (here: one fen more), the batch's bill-detail file, the menu's bills
    and its statistics would all follow it: none adds the months up itself."""
    import sys

    from telbill.batch.run import BatchOptions, run_batch
    from telbill.rules import billing
    from telbill.text.i18n import Translator

    (tmp_path / "u.txt").write_text(USERS, "utf-8")
    (tmp_path / "c.txt").write_text("83470000  83471111  2021-01-05 10:00:00  2021-01-05 10:04:01\n"
                                    "83470001  0105551234  2021-02-05 10:00:00  2021-02-05 10:01:00\n", "utf-8")
    paths = DataPaths(tmp_path / "u.txt", tmp_path / "c.txt", None)

    def totals() -> list[int]:
        batch = run_batch(BatchOptions(paths=paths, out=tmp_path / "b.txt", anomalies=tmp_path / "a.txt",
                                       processes=1, force=True), Translator("en"))
        menu = Session(paths, backup_dir=tmp_path / "backup", audit_log=tmp_path / "audit.log", operator="t")
        return [batch.grand_total, menu.bills().grand_total, menu.statistics(3).grand_total]

    before = totals()
    assert before == [before[0]] * 3
    rule = billing.grand_total
    for module in list(sys.modules.values()):
        if getattr(module, "grand_total", None) is rule:
            monkeypatch.setattr(module, "grand_total", lambda *args: rule(*args) + 1)
    assert totals() == [before[0] + 1] * 3


def test_a_months_call_revenue_is_its_local_and_long_distance_together() -> None:
    """MonthRevenue.calls (what item 12's last column shows): local + long distance, added in rules/."""
    from telbill.rules.billing import MonthRevenue

    assert MonthRevenue("2021-01", 120, 35).calls == 155


def test_the_oracle_classes_a_call_on_its_own(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """tests/oracle.py restates SPEC §2's classes itself: with telbill's class of every call made
    local, it still rates a call to 0044… as international (8.00 yuan for a minute)."""
    from telbill.rules.classes import CallClass

    monkeypatch.setattr(Call, "call_class", property(lambda self: CallClass.LOCAL))
    start = 738_000 * 86_400
    call = Call("83470000", "0044207946000", start, start + 60, 1)
    _, fees = reference([call], {"83470000"})
    assert fees == {(call.month, "83470000"): Decimal("8.00")}
