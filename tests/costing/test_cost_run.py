"""Domain §5: the period cost run with the spec's exact numbers."""

import datetime
from decimal import Decimal as D

import pytest

from costing import selectors
from costing.models import CostEntry, CostRun, ItemCost, OrderCost
from costing.services import pools
from costing.services.runs import cost_run_now
from erp.errors import ClosedPeriodError
from erp.models import PeriodStatus
from erp.periods import period_for
from inventory.models import StockMove
from inventory.services.ledger import MoveSpec, stock_moves_post
from tests import factories as f

from .helpers import JAN, JAN10, hours, issue, pool, receive, run, settings, value, wh, work_order

pytestmark = pytest.mark.django_db
DEC31 = datetime.date(2025, 12, 31)


def _sheet(wo, run_obj=None):
    qs = OrderCost.objects.filter(work_order=wo)
    if run_obj:
        qs = qs.filter(run=run_obj)
    return {oc.element: (oc.opening_wip, oc.this_period, oc.fg, oc.closing_wip) for oc in qs}


def test_wip_by_equivalent_units_and_overhead_by_hours_spec_example():
    # given 100 planned, material 10,000 issued at start, 80 completed, 20 at 50 %
    rm = wh("RM")
    f.stock(f.item("M"), rm, 100, "100", on_date=DEC31)
    wo = work_order("P", 100, [("M", 1, "manual", rm)])
    other = work_order("Q", 10, [])
    issue(wo, {"M": 100})
    receive(wo, 80)
    # labour 3,000 and overhead 6,000 of one centre split by hours 300 : 200
    centre = pools.cost_centre_get_or_create(code="C1", name="Assembly")
    hours(wo, centre, 300)
    hours(other, centre, 200)
    pool(JAN, centre, "labour", 3000)
    pool(JAN, centre, "overhead", 6000)
    # when the cost run runs
    r = run()
    # then overhead 3,600 / 2,400, labour 1,800 / 1,200
    sheet = _sheet(wo, r)
    assert sheet["overhead"] == (D("0"), D("3600.00"), D("3200.00"), D("400.00"))
    assert sheet["labour"] == (D("0"), D("1800.00"), D("1600.00"), D("200.00"))
    assert sheet["material"] == (D("0"), D("10000.00"), D("8000.00"), D("2000.00"))
    assert _sheet(other, r)["overhead"] == (D("0"), D("2400.00"), D("0.00"), D("2400.00"))
    # FG 12,800.00 (unit 160.00), WIP 2,600.00
    assert sum(v[2] for v in sheet.values()) == D("12800.00")
    assert sum(v[3] for v in sheet.values()) == D("2600.00")
    assert value("P") == D("12800.00")
    ic = ItemCost.objects.get(run=r, item__code="P")
    assert ic.unit_cost == D("160.000000") and ic.closing_value == D("12800.00")
    # the FG revaluation is an append-only entry WIP → stock
    entry = CostEntry.objects.get(run=r, item__code="P")
    assert (entry.kind, entry.debit, entry.credit) == ("receipt_revaluation", "stock", "wip")
    assert entry.amount == D("12800.00") - D("8000.00")  # posted at the material's share of WIP
    # variance to standard by element: standard 150.00 of which material 1 × 90.00
    f.item("M", standard_cost=D("90"))
    f.item("P", supply_type="manufacture", standard_cost=D("150"))
    (var,) = [v for v in selectors.variances(r) if v["item"].code == "P"]
    assert (var["unit"], var["material_std"], var["material_var"]) == (D("160.00"), D("90.00"), D("10.00"))
    assert (var["conversion_actual"], var["conversion_std"], var["conversion_var"]) == (
        D("60.00"),
        D("60.00"),
        D("0.00"),
    )
    assert (var["variance"], var["variance_total"]) == (D("10.00"), D("800.00"))


def test_rerun_is_idempotent_and_a_closed_period_never_changes():
    rm = wh("RM")
    f.stock(f.item("M"), rm, 100, "10", on_date=DEC31)
    wo = work_order("P", 10, [("M", 2, "manual", rm)])
    issue(wo, {"M": 20})
    f.stock(f.item("M"), rm, 100, "13", on_date=datetime.date(2026, 1, 15))
    receive(wo, 10)
    first = run()
    values = (value("M"), value("P"))
    moves = StockMove.objects.count()
    second = run()
    assert second.entry_count == 0 and first.entry_count > 0
    assert (value("M"), value("P")) == values == (D("2070.00"), D("230.00"))
    assert StockMove.objects.count() == moves
    assert _sheet(wo, first) == _sheet(wo, second)
    # inventory value reconciliation: ledger = balances = costed value, per item and in total
    rows, total = selectors.reconciliation(period_for(JAN))
    assert [r["item"].code for r in rows] == ["M", "P"] and not any(r["difference"] for r in rows)
    assert total["ledger"] == total["balance"] == total["costed"] == D("2300.00")
    # a closed period is never recomputed
    p = period_for(JAN)
    p.status = PeriodStatus.CLOSED
    p.save()
    runs = CostRun.objects.count()
    with pytest.raises(ClosedPeriodError):
        cost_run_now(period_id=p.pk)
    assert CostRun.objects.count() == runs and StockMove.objects.count() == moves


def test_weighted_average_revalues_issues_hand_computed():
    # given 100 @ 10.00 opening, issue 50 (Jan 3), receipt 100 @ 13.00 (Jan 5), issue 100 (Jan 10)
    rm = wh("RM")
    m = f.item("M")
    f.stock(m, rm, 100, "10", on_date=DEC31)

    def out(n, qty, day):
        stock_moves_post(
            source_type="test.issue",
            source_id=n,
            moves=[MoveSpec(m.pk, rm.pk, D(-qty), kind="other_issue")],
            move_date=day,
        )

    out(1, 50, datetime.date(2026, 1, 3))
    f.stock(m, rm, 100, "13", on_date=datetime.date(2026, 1, 5))
    out(2, 100, JAN10)
    # posted at the moving average: 500.00 and 1,200.00; stock 600.00
    assert value("M") == D("600.00")
    r = run()
    # monthly average (1,000 + 1,300) / 200 = 11.50: issues 575.00 and 1,150.00, closing 575.00
    ic = ItemCost.objects.get(run=r, item=m)
    assert (ic.unit_cost, ic.issue_qty, ic.issue_value, ic.closing_qty, ic.closing_value) == (
        D("11.500000"),
        D("150"),
        D("1725.00"),
        D("50"),
        D("575.00"),
    )
    assert value("M") == D("575.00")
    # +75.00 on the first issue, −50.00 on the second: one entry per item, warehouse and consumer
    entry = CostEntry.objects.get(run=r)
    assert (entry.kind, entry.debit, entry.credit, entry.amount) == (
        "issue_revaluation",
        "expense",
        "stock",
        D("25.00"),
    )
    assert (entry.source_type, entry.source_id) == ("test.issue", 0)  # two documents


def test_two_level_product_takes_the_semi_finished_cost_of_the_same_run():
    rm, fg = wh("RM"), wh("FG")
    f.stock(f.item("M"), rm, 100, "10", on_date=DEC31)
    sa = work_order("SA", 10, [("M", 2, "manual", rm)])
    issue(sa, {"M": 20})  # posted at 10.00 = 200.00
    f.stock(f.item("M"), rm, 100, "13", on_date=datetime.date(2026, 1, 15))  # average 11.50
    receive(sa, 10, on_date=datetime.date(2026, 1, 16))
    top = work_order("TOP", 10, [("SA", 1, "manual", fg)])
    issue(top, {"SA": 10}, on_date=datetime.date(2026, 1, 17))
    receive(top, 10, on_date=datetime.date(2026, 1, 18))
    assert value("TOP") == D("200.00")  # provisional
    r = run()
    # M at 11.50: SA 230.00 flows into TOP in the same run
    assert _sheet(sa, r)["material"][2] == D("230.00")
    assert _sheet(top, r)["material"] == (D("0"), D("230.00"), D("230.00"), D("0.00"))
    assert (value("SA"), value("TOP")) == (D("0.00"), D("230.00"))


def _joint_order():
    rm = wh("RM")
    f.stock(f.item("M"), rm, 100, "100", on_date=DEC31)
    wo = work_order(
        "P",
        100,
        [
            ("M", 1, "manual", rm),
            ("J", "0.5", "manual", rm, "joint_product", "0.25"),
            ("BP", "0.2", "manual", rm, "by_product", "0.05"),
        ],
    )
    issue(wo, {"M": 100})
    receive(wo, 100)
    return wo


def test_joint_and_by_products_by_ratio_lose_no_value_at_receipt_and_in_the_run():
    # total 10,000; P 100 kg, J 50 kg, BP 20 kg; ratio J 0.25, BP 0.05
    _joint_order()
    # at the receipt already: nothing lost from stock value (was 6,000 + 2,000 + 100 at standard)
    assert (value("P"), value("J"), value("BP")) == (D("7000.00"), D("2500.00"), D("500.00"))
    run()
    assert (value("P"), value("J"), value("BP")) == (D("7000.00"), D("2500.00"), D("500.00"))
    assert value("P") + value("J") + value("BP") + value("M") == D("10000.00")


def test_joint_and_by_products_by_quota():
    settings(joint_method="quota")
    f.item("BP", standard_cost=D("5.00"))
    wo = _joint_order()
    wo.materials.filter(component__code="J").update(cost_share=D("0.8"))  # weight per kg, P = 1.0
    run()
    assert (value("BP"), value("P"), value("J")) == (D("100.00"), D("7071.43"), D("2828.57"))
    assert value("P") + value("J") + value("BP") == D("10000.00")


def test_warehouse_scope_revalues_transfers_at_the_source_average():
    settings(scope="item_warehouse")
    w1, w2 = wh("W1"), wh("W2")
    a = f.item("A")
    f.stock(a, w1, 100, "10", on_date=DEC31)

    def post(n, moves, day):
        stock_moves_post(source_type="test.doc", source_id=n, moves=moves, move_date=day)

    # transfer 50 W1 → W2 on Jan 3 (posted at 10.00), receipt 100 @ 13.00 in W1, issue 50 from W2
    post(1, [MoveSpec(a.pk, w1.pk, D(-50), source_line=1, kind="transfer_out")], datetime.date(2026, 1, 3))
    post(1, [MoveSpec(a.pk, w2.pk, D(50), D(10), source_line=1, kind="transfer_in")], datetime.date(2026, 1, 3))
    f.stock(a, w1, 100, "13", on_date=datetime.date(2026, 1, 5))
    post(2, [MoveSpec(a.pk, w2.pk, D(-50), kind="other_issue")], JAN10)
    r = run()
    # W1: (1,000 + 1,300) / 200 = 11.50 → transfer 575.00 (posted 500.00); W2: 575 / 50 = 11.50,
    # its issue 575.00, nothing left; W1 keeps 150 × 11.50
    costs = {ic.warehouse.code: ic for ic in ItemCost.objects.filter(run=r).select_related("warehouse")}
    assert costs["W1"].unit_cost == D("11.500000") and costs["W2"].unit_cost == D("11.500000")
    assert (costs["W2"].receipt_value, costs["W2"].issue_value) == (D("575.00"), D("575.00"))
    assert (value("A", w1), value("A", w2)) == (D("1725.00"), D("0.00"))


def test_first_costed_month_takes_the_posted_wip_of_earlier_months_as_opening():
    # January (never costed): 10,000 issued, 50 of 100 received (5,000.00 at the posted WIP)
    rm = wh("RM")
    f.stock(f.item("M"), rm, 100, "100", on_date=DEC31)
    wo = work_order("P", 100, [("M", 1, "manual", rm)])
    issue(wo, {"M": 100})
    receive(wo, 50)
    # February: the other 50 are received; the first cost run is February's
    receive(wo, 50, on_date=datetime.date(2026, 2, 5))
    r = run(datetime.date(2026, 2, 1))
    assert _sheet(wo, r)["material"] == (D("5000.00"), D("0.00"), D("5000.00"), D("0.00"))
    assert value("P") == D("10000.00")
