"""MRP end to end: the spec's worked example imported through the exchange format,
run by `manage.py mrp_run --export`, compared with the exact expected CSV."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from erp.errors import ConcurrencyError
from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text
from mrp.models import MrpRun, PlannedOrder
from mrp.services.runs import mrp_run_start

D0 = datetime.date(2026, 3, 2)


def d(n):
    return (D0 + datetime.timedelta(days=n)).isoformat()


def files(fg_mto=False):
    csvs = {
        "suppliers.csv": "code,name\nS1,Steel Co\nS2,Paint Shop\n",
        "warehouses.csv": "code,name,parent_code,nettable\nRM,Raw,,1\n",
        "items.csv": (
            "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,order_multiple,"
            "order_period_days,standard_cost,default_supplier\n"
            f"FG,Finished,pcs,manufacture,{int(fg_mto)},2,0,0,0,0,10,\n"
            "A,Part A,pcs,purchase,0,5,10,50,10,0,1,S1\n"
            "B,Part B,pcs,outsource,0,3,0,0,0,0,1,S2\n"
        ),
        "boms.csv": (
            "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,line_type\n"
            "FG,1,A,2,0,manual,component\nFG,1,B,1,0,manual,component\n"
        ),
        # A: 40 after issuing 15; B: 0 after issuing 20
        "stock.csv": "item_code,warehouse,qty,unit_cost\nFG,RM,30,10\nA,RM,55,1\nB,RM,20,1\n",
        "customers.csv": "code,name\nC1,Customer\n",
        "purchase_orders.csv": (
            "po_no,supplier,order_date,line_no,item_code,qty,received_qty,due_date,unit_price\n"
            f"PO-1,S1,{d(0)},1,A,30,0,{d(6)},1\n"
        ),
        "work_orders.csv": (
            "wo_no,item_code,qty,completed_qty,start_date,due_date,sales_order_no,sales_line_no\n"
            f"WO-1,FG,20,0,{d(3)},{d(8)},,\n"
        ),
    }
    if fg_mto:
        csvs["sales_orders.csv"] = (
            "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
            f"SO-9,C1,{d(0)},1,FG,7,0,{d(5)},100\nSO-9,C1,{d(0)},2,FG,5,0,{d(9)},100\n"
        )
    else:
        csvs["sales_orders.csv"] = (
            "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
            f"SO-1,C1,{d(0)},1,FG,100,0,{d(10)},100\n"
        )
    return {name: _rows_from_csv_text(text) for name, text in csvs.items()}


def issue_to_work_order(wo_no, qtys):
    from inventory.models import Item, Warehouse
    from production.models import WorkOrder
    from production.services.picking import picking_confirm, picking_create_batch

    Item.objects.update(default_warehouse=Warehouse.objects.get(code="RM"))
    wo = WorkOrder.objects.get(number=wo_no)
    by_code = {m.component.code: m.pk for m in wo.materials.select_related("component")}
    picking = picking_create_batch(
        work_order_id=wo.pk, qtys={by_code[c]: Decimal(q) for c, q in qtys.items()}, pick_date=D0
    )
    picking_confirm(picking_id=picking.pk)


@pytest.mark.django_db
def test_worked_example_through_import_and_mrp_run_export(tmp_path):
    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    out = tmp_path / "planned_orders.csv"
    stdout = io.StringIO()
    call_command("mrp_run", date=D0.isoformat(), horizon=90, export=str(out), stdout=stdout)
    assert out.read_text(encoding="utf-8").splitlines() == [
        "item_code,order_type,qty,release_date,due_date,late,pegged_to",
        f"A,purchase,70,{d(3)},{d(8)},0,",
        f"B,outsource,50,{d(5)},{d(8)},0,",
        f"FG,manufacture,50,{d(8)},{d(10)},0,",
    ]
    assert "3 planned orders" in stdout.getvalue()
    run = MrpRun.objects.get()
    assert PlannedOrder.objects.get(run=run, item__code="A").net_qty == Decimal(65)


@pytest.mark.django_db
def test_make_to_order_variant_pegs_each_sales_line(tmp_path):
    import_files(files(fg_mto=True))
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    out = tmp_path / "po.csv"
    call_command("mrp_run", date=D0.isoformat(), export=str(out), stdout=io.StringIO())
    fg = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("FG,")]
    assert fg == [f"FG,manufacture,7,{d(3)},{d(5)},0,SO-9/1", f"FG,manufacture,5,{d(7)},{d(9)},0,SO-9/2"]


@pytest.mark.django_db
def test_a_run_changes_no_existing_document():
    from procurement.models import PurchaseOrderLine
    from production.models import WorkOrder

    import_files(files())
    before = (list(WorkOrder.objects.values_list("status", "qty")), list(PurchaseOrderLine.objects.values_list("qty")))
    call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())
    after = (list(WorkOrder.objects.values_list("status", "qty")), list(PurchaseOrderLine.objects.values_list("qty")))
    assert before == after


@pytest.mark.django_db
def test_second_run_of_the_same_scope_is_refused_while_one_is_active():
    MrpRun.objects.create(run_date=D0, status="running")
    with pytest.raises(ConcurrencyError) as exc, translation.override("en"):
        mrp_run_start(run_date=D0)
    assert "already active (Running since" in str(exc.value)
    assert MrpRun.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())


@pytest.mark.django_db
def test_bad_date_is_refused():
    with pytest.raises(CommandError, match="not a date"):
        call_command("mrp_run", date="2026-13-01", stdout=io.StringIO())
    assert MrpRun.objects.count() == 0


@pytest.mark.celery
def test_run_started_from_the_page_executes_in_a_real_worker(celery_worker, login):
    import time

    import_files(files())
    client = login("计划", username="planner_mrp")
    response = client.post("/mrp/runs/start/", {"run_date": D0.isoformat(), "horizon_days": 90})
    run = MrpRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/mrp/runs/{run.pk}/"
    for _ in range(100):
        run.refresh_from_db()
        if run.status == "done":
            break
        time.sleep(0.1)
    assert run.status == "done" and run.progress == 100
    assert run.order_count == PlannedOrder.objects.filter(run=run).count() == 3
    page = client.get(f"/mrp/runs/{run.pk}/").content.decode()
    assert "A" in page and "70" in page


@pytest.mark.django_db(transaction=True)
def test_a_run_started_while_another_is_being_finished_is_refused_at_once():
    """The worker finishing a run changes its status just before its commit (after writing the
    plan); a run started in that moment is refused at once, not held until that commit."""
    import threading
    import time

    from django.db import connection, transaction

    running = MrpRun.objects.create(run_date=D0, status="running")
    updated, release = threading.Event(), threading.Event()

    def finishing_worker():
        try:
            with transaction.atomic():
                run = MrpRun.objects.select_for_update().get(pk=running.pk)
                run.status = "done"
                run.save(update_fields=["status"])
                updated.set()
                release.wait(10)  # the rest of the commit (deferred checks of the plan's rows)
        finally:
            connection.close()

    worker = threading.Thread(target=finishing_worker)
    worker.start()
    try:
        assert updated.wait(10)
        started = time.monotonic()
        with pytest.raises(ConcurrencyError), translation.override("en"):
            mrp_run_start(run_date=D0)
        assert time.monotonic() - started < 2  # not held until the other transaction ends
    finally:
        release.set()
        worker.join(10)
    assert list(MrpRun.objects.values_list("status", flat=True)) == ["done"]  # nothing queued
    mrp_run_start(run_date=D0)  # once it committed, a new run starts (and runs: eager in tests)
    assert MrpRun.objects.count() == 2
