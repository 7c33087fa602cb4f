"""The MRP engine against the worked examples of docs/mrp.md (exact numbers)."""

import datetime
from decimal import Decimal as D

import pytest

from mrp.engine import (
    BomLineData,
    Demand,
    Forecast,
    MrpCycleError,
    PlanItem,
    Receipt,
    SalesLine,
    lot_size,
    run_mrp,
)

D0 = datetime.date(2026, 3, 2)


def day(n):
    return D0 + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("net", "moq", "mult", "expected"),
    [(13, 10, 4, 14), (65, 50, 10, 70), (7, 0, 5, 10), (5, 10, 4, 10), (3, 0, 0, 3)],
)
def test_lot_size_kingdee_rule(net, moq, mult, expected):
    assert lot_size(D(net), D(moq), D(mult)) == D(expected)


def worked_example(fg_mto=False):
    items = {
        1: PlanItem(1, "FG", "manufacture", make_to_order=fg_mto, lead_time_days=2),
        2: PlanItem(
            2, "A", "purchase", lead_time_days=5, safety_stock=D(10), min_order_qty=D(50), order_multiple=D(10)
        ),
        3: PlanItem(3, "B", "outsource", lead_time_days=3),
    }
    bom = [BomLineData(1, 2, D(2)), BomLineData(1, 3, D(1))]
    # open WO FG 20 due D0+8 start D0+3: A required 40, 15 issued; B required 20, all issued
    demands = [Demand(2, day(3), D(40) - D(15)), Demand(3, day(3), D(20) - D(20))]
    receipts = [Receipt(1, day(8), D(20), "manufacture", "WO-1"), Receipt(2, day(6), D(30), "purchase", "PO-1")]
    return items, bom, demands, receipts


def rows(result):
    return [
        (p.item_code, p.order_type, p.qty, (p.release_date - D0).days, (p.due_date - D0).days, p.late, p.pegged_to)
        for p in result.planned_orders
    ]


def test_worked_example_of_the_spec():
    items, bom, demands, receipts = worked_example()
    result = run_mrp(
        d0=D0,
        horizon_days=90,
        items=items,
        bom_lines=bom,
        on_hand={1: D(30), 2: D(40), 3: D(0)},
        sales_lines=[SalesLine(1, day(10), D(100), "SO-1/1")],
        demands=demands,
        receipts=receipts,
    )
    assert rows(result) == [
        ("A", "purchase", D(70), 3, 8, False, ""),
        ("B", "outsource", D(50), 5, 8, False, ""),
        ("FG", "manufacture", D(50), 8, 10, False, ""),
    ]
    a = next(p for p in result.planned_orders if p.item_code == "A")
    assert a.net == D(65)
    assert result.llc == {1: 0, 2: 1, 3: 1}


def test_worked_example_make_to_order_pegs_each_line():
    items, bom, demands, receipts = worked_example(fg_mto=True)
    result = run_mrp(
        d0=D0,
        horizon_days=90,
        items=items,
        bom_lines=bom,
        on_hand={1: D(20), 2: D(40), 3: D(0)},
        sales_lines=[SalesLine(1, day(5), D(7), "SO-9/1"), SalesLine(1, day(9), D(5), "SO-9/2")],
        demands=demands,
        receipts=receipts,
    )
    fg = [r for r in rows(result) if r[0] == "FG"]
    assert fg == [
        ("FG", "manufacture", D(7), 3, 5, False, "SO-9/1"),
        ("FG", "manufacture", D(5), 7, 9, False, "SO-9/2"),
    ]


def test_forecast_consumed_by_orders_of_the_same_month():
    items = {1: PlanItem(1, "P", "purchase")}
    result = run_mrp(
        d0=D0,
        horizon_days=90,
        items=items,
        bom_lines=[],
        on_hand={},
        sales_lines=[SalesLine(1, datetime.date(2026, 3, 20), D(30), "SO-1/1")],
        forecasts=[Forecast(1, datetime.date(2026, 3, 5), D(20)), Forecast(1, datetime.date(2026, 3, 15), D(20))],
    )
    # 30 on order consumes the 5th's 20 and 10 of the 15th's: left 10 on 03-15, plus the order's 30 on 03-20
    assert [(p.due_date.day, p.qty) for p in result.planned_orders] == [(15, D(10)), (20, D(30))]


def test_phantom_nets_own_stock_then_passes_through():
    items = {
        1: PlanItem(1, "BIKE", "manufacture", lead_time_days=1),
        2: PlanItem(2, "WHEELSET", "phantom"),
        3: PlanItem(3, "RIM", "purchase", lead_time_days=2),
    }
    bom = [BomLineData(1, 2, D(1)), BomLineData(2, 3, D(2), scrap_rate=D("0.1"))]
    result = run_mrp(
        d0=D0,
        horizon_days=30,
        items=items,
        bom_lines=bom,
        on_hand={2: D(4)},
        sales_lines=[SalesLine(1, day(10), D(10), "SO-1/1")],
    )
    # bike 10 released D0+9 → wheel set 10, 4 in stock → 6 × 2 × 1.1 = 13.2 rims on D0+9
    assert rows(result) == [
        ("BIKE", "manufacture", D(10), 9, 10, False, ""),
        ("RIM", "purchase", D("13.2"), 7, 9, False, ""),
    ]


def test_safety_stock_at_run_date_gives_a_late_order():
    items = {1: PlanItem(1, "S", "purchase", lead_time_days=4, safety_stock=D(10))}
    result = run_mrp(d0=D0, horizon_days=30, items=items, bom_lines=[], on_hand={1: D(3)})
    assert rows(result) == [("S", "purchase", D(7), -4, 0, True, "")]
    assert [e.kind for e in result.exceptions] == ["late_release"]


def test_period_order_quantity_covers_the_window():
    items = {1: PlanItem(1, "P", "purchase", order_period_days=7)}
    sales = [SalesLine(1, day(d), D(10), f"SO-{d}/1") for d in (1, 3, 6, 9)]
    result = run_mrp(d0=D0, horizon_days=30, items=items, bom_lines=[], on_hand={}, sales_lines=sales)
    assert [(p.due_date - D0).days for p in result.planned_orders] == [1, 9]
    assert [p.qty for p in result.planned_orders] == [D(30), D(10)]


def test_cycle_names_the_items():
    items = {1: PlanItem(1, "A", "manufacture"), 2: PlanItem(2, "B", "manufacture")}
    with pytest.raises(MrpCycleError) as exc:
        run_mrp(
            d0=D0,
            horizon_days=10,
            items=items,
            bom_lines=[BomLineData(1, 2, D(1)), BomLineData(2, 1, D(1))],
            on_hand={},
        )
    assert str(exc.value) in ("A → B → A", "B → A → B")
