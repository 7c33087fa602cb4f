"""Issue 12: the five defects found by a new user, each failing before its fix (exact numbers)."""

import datetime
from decimal import Decimal as D

import pytest

from mrp.engine import BomLineData, PlanItem, SalesLine, run_mrp
from mrp.models import MrpRun, PlannedOrder
from mrp.services.runs import _take, fail_stale_runs, mrp_run_create, mrp_run_execute

from .workbench_data import BOM_HEAD, D0, ITEM_HEAD, PO_HEAD, SO_HEAD, WO_HEAD, d, load, plan_rows, run_now


@pytest.mark.django_db
def test_a_po_line_closed_short_is_no_supply():
    from procurement.models import PurchaseOrderLine
    from procurement.services.orders import purchase_order_line_close

    load(
        items=ITEM_HEAD + "P,Part,pcs,purchase,0,2,0,0,0,0,1,S1\n",
        stock="item_code,warehouse,qty,unit_cost\nP,RM,40,1\n",  # the 40 received
        purchase_orders=PO_HEAD + f"PO-1,S1,{d(0)},1,P,100,40,{d(3)},1\n",
        sales_orders=SO_HEAD + f"SO-1,C1,{d(0)},1,P,100,0,{d(10)},5\n",
    )
    line = PurchaseOrderLine.objects.get()
    purchase_order_line_close(line_id=line.pk)
    run = run_now()
    assert plan_rows(run) == [("P", "purchase", D(60), 8, 10, "")]


@pytest.mark.django_db
def test_open_work_order_demand_is_its_material_list_not_the_current_bom():
    from bom.models import BomLine
    from inventory.models import Item
    from production.models import WorkOrder
    from production.services.work_orders import work_order_material_add

    load(
        items=ITEM_HEAD
        + "FG,Finished,pcs,manufacture,0,2,0,0,0,0,10,\n"
        + "".join(f"{c},Part {c},pcs,purchase,0,1,0,0,0,0,1,S1\n" for c in ("A", "A2", "B", "PACK")),
        boms=BOM_HEAD + "FG,1,A,2,0,manual,component\nFG,1,B,1,0,manual,component\n",
        work_orders=WO_HEAD + f"WO-1,FG,10,0,{d(3)},{d(8)},,\n",
    )
    wo = WorkOrder.objects.get(number="WO-1")
    assert wo.materials.count() == 2  # the snapshot taken at release: A 20, B 10
    # a line added to this order by hand, and an ECN (A → A2) not applied to the open order
    work_order_material_add(work_order_id=wo.pk, component_id=Item.objects.get(code="PACK").pk, qty_per=1)
    BomLine.objects.filter(component__code="A").update(component=Item.objects.get(code="A2"))
    run = run_now()
    assert plan_rows(run) == [
        ("A", "purchase", D(20), 2, 3, ""),
        ("B", "purchase", D(10), 2, 3, ""),
        ("PACK", "purchase", D(10), 2, 3, ""),
    ]


def test_the_make_to_order_peg_survives_a_phantom():
    # FG (MTO) = 1 PH (phantom); PH = 2 C (C make-to-order, 50 free in stock)
    items = {
        1: PlanItem(1, "FG", "manufacture", make_to_order=True, lead_time_days=2),
        2: PlanItem(2, "PH", "phantom"),
        3: PlanItem(3, "C", "manufacture", make_to_order=True, lead_time_days=3),
        4: PlanItem(4, "R", "purchase", lead_time_days=1),
    }
    bom = [BomLineData(1, 2, D(1)), BomLineData(2, 3, D(2)), BomLineData(3, 4, D(1))]
    result = run_mrp(
        d0=D0,
        horizon_days=60,
        items=items,
        bom_lines=bom,
        on_hand={3: D(50)},
        sales_lines=[SalesLine(1, D0 + datetime.timedelta(days=10), D(5), "SO-7/1")],
    )
    rows = [(p.item_code, p.qty, (p.due_date - D0).days, p.pegged_to) for p in result.planned_orders]
    assert rows == [("C", D(10), 8, "SO-7/1"), ("FG", D(5), 10, "SO-7/1"), ("R", D(10), 5, "")]


@pytest.mark.django_db
def test_a_redelivered_task_of_a_running_run_does_nothing():
    load(
        items=ITEM_HEAD + "P,Part,pcs,purchase,0,2,0,0,0,0,1,S1\n",
        sales_orders=SO_HEAD + f"SO-1,C1,{d(0)},1,P,100,0,{d(10)},5\n",
    )
    run = mrp_run_create(run_date=D0)
    run, taken = _take(run.pk)  # the first delivery is computing
    assert taken and run.status == "running"
    again = mrp_run_execute(run_id=run.pk)  # the broker delivers the task again
    assert again.status == "running"
    assert PlannedOrder.objects.filter(run=run).count() == 0
    run.refresh_from_db()
    assert (run.status, run.order_count, run.finished_at) == ("running", 0, None)


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_failed_after_the_timeout_and_a_new_run_starts(settings):
    from django.utils import timezone
    from django.utils.translation import override

    settings.MRP_RUN_STALE_SECONDS = 60
    load(
        items=ITEM_HEAD + "P,Part,pcs,purchase,0,2,0,0,0,0,1,S1\n",
        sales_orders=SO_HEAD + f"SO-1,C1,{d(0)},1,P,100,0,{d(10)},5\n",
    )
    dead = mrp_run_create(run_date=D0)
    _take(dead.pk)
    # heartbeat 30 s ago: still alive, a new run is refused
    MrpRun.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=30))
    assert fail_stale_runs() == 0
    from erp.errors import ConcurrencyError

    with pytest.raises(ConcurrencyError):
        mrp_run_create(run_date=D0)
    # no heartbeat for 2 minutes: the worker was killed
    MrpRun.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=120))
    with override("en"):
        run = run_now()
    dead.refresh_from_db()
    assert dead.status == "failed"
    assert dead.message.startswith("The worker stopped answering (no heartbeat since ")
    assert "timeout 60 s" in dead.message
    assert plan_rows(run) == [("P", "purchase", D(100), 8, 10, "")]
    assert PlannedOrder.objects.filter(run=dead).count() == 0
