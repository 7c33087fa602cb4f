"""Net change equals a full run also when quantities have more places than the 6 stored
(docs/mrp.md "Net change"): a component's dependent demand comes from its parents' exact planned
quantities, as in a full run, not from the rounded column."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from erp.exchange import import_files
from erp.exchange.engine import _rows_from_csv_text
from inventory.models import PlanningChange
from mrp.models import MrpRun, PlannedOrder
from mrp.services.netchange import net_change_apply
from tests.mrp.test_mrp_run import D0, d


def _files():
    csvs = {
        "suppliers.csv": "code,name\nS1,Steel Co\n",
        "warehouses.csv": "code,name,parent_code,nettable\nRM,Raw,,1\n",
        "items.csv": (
            "code,name,uom,supply_type,make_to_order,lead_time_days,safety_stock,min_order_qty,order_multiple,"
            "order_period_days,standard_cost,default_supplier\n"
            "FG,Finished,pcs,manufacture,0,1,0,0,0,0,10,\n"
            "A,Coating,kg,manufacture,0,1,0,0,0,0,1,\n"
            "B,Resin,g,purchase,0,2,0,0,0,0,1,S1\n"
        ),
        # FG 7 → A 7 × 0.333333 / 3 × 1.07 = 0.83222139 kg (8 places); A → B 1,000 g per kg
        "boms.csv": (
            "parent_code,output_qty,component_code,qty_per,scrap_rate,issue_method,line_type\n"
            "FG,3,A,0.333333,0.07,manual,component\nA,1,B,1000,0,manual,component\n"
        ),
        "customers.csv": "code,name\nC1,Customer\n",
        "sales_orders.csv": (
            "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
            f"SO-1,C1,{d(0)},1,FG,7,0,{d(10)},100\n"
        ),
        "purchase_orders.csv": (
            "po_no,supplier,order_date,line_no,item_code,qty,received_qty,due_date,unit_price\n"
            f"PO-1,S1,{d(0)},1,B,100,0,{d(4)},1\n"
        ),
    }
    return {name: _rows_from_csv_text(text) for name, text in csvs.items()}


def _rows(run):
    return sorted(
        PlannedOrder.objects.filter(run=run, status="open").values_list(
            "item__code", "order_type", "qty", "net_qty", "release_date", "due_date", "late", "pegged_to"
        )
    )


@pytest.mark.django_db
def test_a_change_below_a_parent_with_an_unrounded_quantity_gives_the_full_runs_plan():
    from procurement.models import PurchaseOrderLine
    from procurement.services.orders import purchase_order_line_reschedule

    import_files(_files())
    PlanningChange.objects.all().delete()
    call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())
    run = MrpRun.objects.get()
    a = PlannedOrder.objects.get(run=run, item__code="A")
    assert (a.qty, a.qty_exact) == (Decimal("0.832221"), "0.83222139")  # stored rounded, the exact kept
    # B: 832.22139 g for A on D0+8 (not 832.221 from the rounded A), less the 100 on order
    assert PlannedOrder.objects.get(run=run, item__code="B").qty == Decimal("732.22139")

    # the PO moves: only B is planned again, A's orders are read from the stored plan
    line = PurchaseOrderLine.objects.get()
    with translation.override("en"):
        purchase_order_line_reschedule(line_id=line.pk, due_date=D0.replace(day=D0.day + 9), reason="late")
    update = net_change_apply().update
    assert update.item_count == 1
    b = PlannedOrder.objects.get(run=run, item__code="B")
    assert (b.qty, b.qty_exact) == (Decimal("832.221390"), "")  # the PO now comes after the need

    PlanningChange.objects.update(processed_at=update.created_at)
    call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())
    full = MrpRun.objects.latest("pk")
    assert full.pk != run.pk and _rows(full) == _rows(run)
