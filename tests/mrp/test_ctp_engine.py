"""Capable to promise (docs/mrp.md §5) on the engine's plain data: exact dates of the spec."""

import datetime
from decimal import Decimal as D

import pytest

from mrp.engine import BomLineData, Demand, PlanItem, Receipt, SalesLine, run_mrp
from mrp.engine.ctp import CtpError, capable_to_promise

D0 = datetime.date(2026, 3, 2)


def day(n):
    return D0 + datetime.timedelta(days=n)


def worked_example(**fg):
    items = {
        1: PlanItem(1, "FG", "manufacture", lead_time_days=2, **fg),
        2: PlanItem(
            2, "A", "purchase", lead_time_days=5, safety_stock=D(10), min_order_qty=D(50), order_multiple=D(10)
        ),
        3: PlanItem(3, "B", "outsource", lead_time_days=3),
    }
    return {
        "items": items,
        "bom_lines": [BomLineData(1, 2, D(2)), BomLineData(1, 3, D(1))],
        "on_hand": {1: D(30), 2: D(40), 3: D(0)},
        "sales_lines": [SalesLine(1, day(10), D(100), "SO-1/1")],
        "forecasts": [],
        "demands": [Demand(2, day(3), D(25)), Demand(3, day(3), D(0))],
        "receipts": [Receipt(1, day(8), D(20), "manufacture", "WO-1"), Receipt(2, day(6), D(30), "purchase", "PO-1")],
    }


def test_spec_example_new_demand_of_50_fg_is_promised_d0_plus_7():
    data = worked_example()
    result = capable_to_promise(d0=D0, horizon_days=90, data=data, item_id=1, qty=D(50))
    assert result.date == day(7)
    assert result.kind == "ctp"
    # one day earlier A (bought in 5 days) would be late: FG needs 2 days, A 5 → D0 + 7
    assert result.limiting_item_id == 2
    assert [(c.item_code, c.supply_type, c.lead_time_days) for c in result.chain] == [
        ("A", "purchase", 5),
        ("FG", "manufacture", 2),
    ]
    # the what-if orders at D0+7: FG 20 made D0+5 → D0+7, A 50 bought D0 → D0+5, B 20 D0+2 → D0+5
    new = sorted((p.item_code, p.qty, (p.release_date - D0).days, (p.due_date - D0).days) for p in result.new_orders)
    assert ("FG", D(20), 5, 7) in new and ("A", D(50), 0, 5) in new and ("B", D(20), 2, 5) in new


def test_stock_alone_covers_the_demand_atp_is_today():
    data = worked_example()
    data["on_hand"] = {1: D(200), 2: D(40), 3: D(0)}
    result = capable_to_promise(d0=D0, horizon_days=90, data=data, item_id=1, qty=D(50))
    assert (result.date, result.kind, result.chain) == (D0, "atp", ())


def test_scheduled_receipt_covers_it_from_its_date():
    # FG: 30 on hand, WO 20 on D0+8, SO 100 on D0+10; a new demand of 40: 30 today would leave the
    # WO and SO short → planned through the BOM; with LT 0 on every item it is made today
    data = worked_example()
    data["items"] = {i: PlanItem(i, it.code, it.supply_type) for i, it in data["items"].items()}
    result = capable_to_promise(d0=D0, horizon_days=90, data=data, item_id=1, qty=D(40))
    assert (result.date, result.kind) == (D0, "ctp")


def test_nothing_is_changed_and_the_base_plan_is_the_full_run():
    data = worked_example()
    before = run_mrp(d0=D0, horizon_days=90, **data).planned_orders
    capable_to_promise(d0=D0, horizon_days=90, data=data, item_id=1, qty=D(50))
    assert run_mrp(d0=D0, horizon_days=90, **data).planned_orders == before
    assert len(data["sales_lines"]) == 1


def test_make_to_order_demand_is_pegged_and_uses_no_free_stock():
    data = worked_example(make_to_order=True)
    result = capable_to_promise(d0=D0, horizon_days=90, data=data, item_id=1, qty=D(5))
    # MTO: free FG stock unused → FG 5 made (LT 2) from A: A 10 more on D0+d-2; A has 40 − 25 = 15 ≥ SS + 10?
    # 15 − 10 = 5 < SS 10 → A bought (LT 5): release ≥ D0 → FG released ≥ D0+5 → due D0+7
    assert result.date == day(7)
    assert all(p.pegged_to == "CTP/1" for p in result.new_orders if p.item_code == "FG")


def test_unknown_item_and_bad_quantity_are_refused():
    data = worked_example()
    with pytest.raises(CtpError):
        capable_to_promise(d0=D0, horizon_days=90, data=data, item_id=99, qty=D(1))
    with pytest.raises(CtpError):
        capable_to_promise(d0=D0, horizon_days=90, data=data, item_id=1, qty=D(0))
