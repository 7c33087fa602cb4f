"""ledger.md worked example end to end through the real documents: every voucher line exact."""

from decimal import Decimal as D

import pytest

from ledger.models import Voucher
from ledger.services import reconcile, reports
from tests.ledger.helpers import lines_of, worked_example

pytestmark = pytest.mark.django_db


def test_worked_example(make_user):
    maker, auditor = make_user("maker"), make_user("auditor")
    ex = worked_example(maker, auditor)
    assert lines_of(ex[0]) == [("4101", "120.00", "0.00"), ("2211", "0.00", "120.00")]
    assert lines_of(ex[1]) == [("1403", "500.00", "0.00"), ("2202.02", "0.00", "500.00")]
    assert lines_of(ex[2]) == [
        ("2202.02", "500.00", "0.00"),
        ("2221.01.01", "65.00", "0.00"),
        ("2202.01", "0.00", "565.00"),
    ]
    assert lines_of(ex[3]) == [("4001.01", "400.00", "0.00"), ("1403", "0.00", "400.00")]
    assert lines_of(ex[4]) == [("4001.03", "120.00", "0.00"), ("4101", "0.00", "120.00")]
    # FG at the order's posted cost; the cost run adds the overhead (spec: "at cost run value;
    # provisional value at posting"): together Cr 4001.01 400.00, Cr 4001.03 120.00, 1405 520.00
    assert lines_of(ex[5]) == [("1405", "400.00", "0.00"), ("4001.01", "0.00", "400.00")]
    assert lines_of(ex[6]) == [("1405", "0.00", "160.00"), ("5401", "160.00", "0.00")]
    assert lines_of(ex["run"]) == [
        ("1405", "120.00", "0.00"),
        ("4001.03", "0.00", "120.00"),
        ("5401", "48.00", "0.00"),
        ("1405", "0.00", "48.00"),
    ]
    assert lines_of(ex[7]) == [("1122", "452.00", "0.00"), ("5001", "0.00", "400.00"), ("2221.01.02", "0.00", "52.00")]
    assert lines_of(ex[8]) == [
        ("5001", "400.00", "0.00"),
        ("3103", "0.00", "400.00"),
        ("3103", "208.00", "0.00"),
        ("5401", "0.00", "208.00"),
    ]
    # gap-free numbers in 2026-01, word 记, in posting order
    numbers = sorted(Voucher.objects.filter(year=2026, month=1).values_list("number", flat=True))
    assert numbers == list(range(1, 11))
    rows = {r.account.code: r for r in reports.trial_balance(2026, 1)}
    assert rows["1403"].closing == D("100.00")
    assert rows["1405"].closing == D("312.00")
    assert rows["3103"].closing == D("-192.00")
    assert rows["4001"].closing == D("0") and rows["4101"].closing == D("0")
    assert rows["2221.01.01"].closing == D("65.00")
    totals = reports.tb_totals(list(rows.values()))
    assert totals["closing_debit"] == totals["closing_credit"] == D("929.00")
    vat = reports.vat_summary(2026, 1)
    assert (vat["output"], vat["input"], vat["payable"]) == (D("52.00"), D("65.00"), D("-13.00"))
    assert reconcile.reconcile(2026, 1) == []
    bs = reports.balance_sheet(2026, 1)
    assert bs["balanced"] and bs["total_assets"] == D("864.00")  # 应交税费 −13.00 on the liability side
    inc = reports.income_statement(2026, 1)
    assert inc["net_profit"][0] == D("192.00")


def test_worked_example_through_the_real_cost_run(make_user):
    """The same month with the overhead as a cost pool: the cost run allocates it to WO-1 (Dr
    4001.03 / Cr 4101), revalues the FG receipt (+120.00) and the delivery (+48.00)."""
    ex = worked_example(make_user("maker"), make_user("auditor"), real_cost_run=True)
    pools_v = Voucher.objects.get(source_type="costing.pools")
    assert lines_of(pools_v) == [("4001.03", "120.00", "0.00"), ("4101", "0.00", "120.00")]
    run_v = Voucher.objects.get(source_type="costing.costrun", source_id=ex["run"].pk)
    got = sorted(lines_of(run_v))
    assert got == sorted(
        [
            ("1405", "120.00", "0.00"),
            ("4001.03", "0.00", "120.00"),
            ("5401", "48.00", "0.00"),
            ("1405", "0.00", "48.00"),
        ]
    )
    rows = {r.account.code: r for r in reports.trial_balance(2026, 1)}
    assert rows["1403"].closing == D("100.00") and rows["1405"].closing == D("312.00")
    assert rows["3103"].closing == D("-192.00")
    assert rows["4001"].closing == D("0") and rows["4101"].closing == D("0")
    totals = reports.tb_totals(list(rows.values()))
    assert totals["closing_debit"] == totals["closing_credit"] == D("929.00")
    assert reconcile.reconcile(2026, 1) == []
