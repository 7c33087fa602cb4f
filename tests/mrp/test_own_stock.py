"""A sales-order line's own stock (docs/mrp.md §2): finished goods received from work or outsourcing
orders pegged to the line and not yet delivered cover the line (capped at on hand) and are not free
stock for other demand. Found end to end: after the make-to-order work order's last receipt the
plan held a new planned order of 5 bikes plus all parts, and the finished line was flagged at risk."""

import datetime
import io
from collections import Counter
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from crm.models import SalesOrderLine
from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text
from inventory.models import Item, PlanningChange
from mrp.engine import MrpResult, run_mrp
from mrp.models import MrpRun
from mrp.services.risk import check_at_risk
from mrp.sources import collect
from production.models import WorkOrder

D0 = datetime.date(2026, 3, 2)


def d(n):
    return (D0 + datetime.timedelta(days=n)).isoformat()


def load(fg_stock):
    csvs = {
        "suppliers.csv": "code,name\nS1,Steel Co\n",
        "warehouses.csv": "code,name,parent_code,nettable\nRM,Raw,,1\n",
        "items.csv": (
            "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,order_multiple,"
            "order_period_days,standard_cost,default_supplier\n"
            "FG,Bike,pcs,manufacture,1,2,0,0,0,0,10,\n"
            "A,Frame,pcs,purchase,0,5,0,0,0,0,1,S1\n"
        ),
        "boms.csv": (
            "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,line_type\nFG,1,A,2,0,manual,component\n"
        ),
        "stock.csv": f"item_code,warehouse,qty,unit_cost\nFG,RM,{fg_stock},10\n",
        "customers.csv": "code,name\nC1,Customer\n",
        # line 1 due in 3 days (its work order is received), line 2 (3 bikes) in 12 days
        "sales_orders.csv": (
            "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
            f"SO-9,C1,{d(0)},1,FG,5,0,{d(3)},100\nSO-9,C1,{d(0)},2,FG,3,0,{d(12)},100\n"
        ),
    }
    import_files({name: _rows_from_csv_text(text) for name, text in csvs.items()})


def received_work_order(received):
    line = SalesOrderLine.objects.get(order__number="SO-9", line_no=1)
    return WorkOrder.objects.create(
        number="WO-9",
        item=line.item,
        qty=D(5),
        received_qty=D(received),
        status="completed",
        planned_start=D0,
        planned_finish=D0,
        sales_order_line=line,
    )


def plan_rows(**kw):
    result = run_mrp(d0=D0, horizon_days=90, **collect(d0=D0, horizon_days=90, **kw))
    return sorted((p.item_code, p.qty, p.due_date.isoformat(), p.pegged_to) for p in result.planned_orders)


@pytest.mark.django_db
def test_a_received_make_to_order_line_is_not_planned_again_and_its_stock_is_not_free():
    load(fg_stock=5)
    # before the receipt (the 5 in stock are free stock, unused by make-to-order lines): both lines planned
    assert plan_rows() == [
        ("A", D(6), d(10), ""),
        ("A", D(10), d(1), ""),
        ("FG", D(3), d(12), "SO-9/2"),
        ("FG", D(5), d(3), "SO-9/1"),
    ]
    received_work_order(5)
    # the 5 bikes received for SO-9/1 are its own: no order for it, none of them for SO-9/2
    assert plan_rows() == [("A", D(6), d(10), ""), ("FG", D(3), d(12), "SO-9/2")]
    ids = list(Item.objects.filter(code__in=["FG", "A"]).values_list("pk", flat=True))
    assert plan_rows(item_ids=ids) == plan_rows()  # the net change reads the same
    data = collect(d0=D0, horizon_days=90)
    fg = Item.objects.get(code="FG").pk
    assert data["on_hand"][fg] == D(0)
    assert [(s.peg, s.open_qty) for s in data["sales_lines"]] == [("SO-9/2", D(3))]


@pytest.mark.django_db
def test_own_stock_is_capped_at_on_hand_and_less_what_the_line_delivered():
    load(fg_stock=2)  # 5 received, 3 of them gone elsewhere (nettable on hand 2)
    received_work_order(5)
    assert plan_rows() == [("A", D(6), d(1), ""), ("A", D(6), d(10), ""),
                           ("FG", D(3), d(3), "SO-9/1"), ("FG", D(3), d(12), "SO-9/2")]  # fmt: skip
    SalesOrderLine.objects.filter(order__number="SO-9", line_no=1).update(delivered_qty=D(4))
    # 1 still open on the line, 5 received − 4 delivered = 1 of the 2 on hand is its own
    data = collect(d0=D0, horizon_days=90)
    assert [(s.peg, s.open_qty) for s in data["sales_lines"]] == [("SO-9/2", D(3))]
    assert data["on_hand"][Item.objects.get(code="FG").pk] == D(1)


@pytest.mark.django_db
def test_a_received_line_flagged_at_risk_is_cleared():
    load(fg_stock=5)
    received_work_order(5)
    PlanningChange.objects.all().delete()
    call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())
    run = MrpRun.objects.get()
    line = SalesOrderLine.objects.get(order__number="SO-9", line_no=1)
    SalesOrderLine.objects.filter(pk=line.pk).update(at_risk=True, feasible_date=D0 + datetime.timedelta(days=7))
    fg = Item.objects.get(code="FG").pk
    # without its own stock the line would need frames (5 days) and assembly (2): day 7 > due day 3
    flagged = check_at_risk(run=run, data=None, above={fg}, part=MrpResult(), late_before=Counter(), cause="x")
    line.refresh_from_db()
    assert (flagged, line.at_risk, line.feasible_date) == (0, False, None)
