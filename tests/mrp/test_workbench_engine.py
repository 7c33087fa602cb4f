"""Engine: action messages on textbook cases, FIFO pegging, firm orders (pure, no database)."""

import datetime
from decimal import Decimal as D

from mrp.engine import FirmOrder, PlanItem, Receipt, SalesLine, run_mrp
from mrp.engine.pegging import DemandRec, SupplyRec, allocate

D0 = datetime.date(2026, 3, 2)


def day(n):
    return D0 + datetime.timedelta(days=n)


def messages(result):
    return [
        (e.kind, e.ref, e.qty, (e.date - D0).days if e.date else None, (e.new_date - D0).days if e.new_date else None)
        for e in result.exceptions
    ]


def one_item(on_hand, sales, receipts, ss=D(0)):
    items = {1: PlanItem(1, "P", "purchase", lead_time_days=1, safety_stock=ss)}
    return run_mrp(
        d0=D0,
        horizon_days=30,
        items=items,
        bom_lines=[],
        on_hand={1: D(on_hand)},
        sales_lines=[SalesLine(1, day(n), D(q), f"SO-{n}/1") for n, q in sales],
        receipts=[Receipt(1, day(n), D(q), "purchase", ref) for n, q, ref in receipts],
    )


def test_orlicky_receipt_due_in_period_5_needed_in_period_3_is_rescheduled_in():
    result = one_item(10, [(3, 30), (7, 20)], [(5, 50, "PO-1/1")])
    assert messages(result) == [("reschedule_in", "PO-1/1", D(50), 5, 3)]


def test_a_receipt_needed_later_is_rescheduled_out():
    result = one_item(100, [(10, 120)], [(2, 50, "PO-2/1")])
    assert messages(result) == [("reschedule_out", "PO-2/1", D(50), 2, 10)]


def test_a_receipt_not_needed_within_the_horizon_is_cancelled():
    result = one_item(100, [(10, 50)], [(4, 40, "PO-3/1")])
    assert messages(result) == [("receipt_not_needed", "PO-3/1", D(40), 4, None)]


def test_second_receipt_needed_after_the_first_is_used_up():
    # stock 0; demand 30 on day 2, 30 on day 6; receipts 30 due day 4 and 30 due day 4
    result = one_item(0, [(2, 30), (6, 30)], [(4, 30, "PO-4/1"), (4, 30, "PO-4/2")])
    assert messages(result) == [
        ("reschedule_in", "PO-4/1", D(30), 4, 2),
        ("reschedule_out", "PO-4/2", D(30), 4, 6),
    ]


def test_fifo_allocation_covers_each_demand_in_date_order():
    pegs = allocate(
        7,
        [DemandRec(day(5), D(30), "sales", "SO-1/1"), DemandRec(day(2), D(20), "sales", "SO-2/1")],
        [SupplyRec(day(0), D(25), "stock", ""), SupplyRec(day(4), D(40), "purchase", "PO-1/1")],
    )
    assert [(g.demand_ref, g.supply_kind, g.supply_ref, g.qty, g.late) for g in pegs] == [
        ("SO-2/1", "stock", "", D(20), False),
        ("SO-1/1", "stock", "", D(5), False),
        ("SO-1/1", "purchase", "PO-1/1", D(25), False),
        ("", "purchase", "PO-1/1", D(15), False),
    ]


def test_a_firm_order_is_kept_and_covers_demand():
    items = {1: PlanItem(1, "P", "purchase", lead_time_days=2, min_order_qty=D(10))}
    result = run_mrp(
        d0=D0,
        horizon_days=30,
        items=items,
        bom_lines=[],
        on_hand={},
        sales_lines=[SalesLine(1, day(10), D(25), "SO-1/1")],
        firm_orders=[FirmOrder(1, D(12), day(3), day(6))],
    )
    assert [(p.qty, (p.due_date - D0).days, p.firm) for p in result.planned_orders] == [
        (D(12), 6, True),
        (D(13), 10, False),
    ]
