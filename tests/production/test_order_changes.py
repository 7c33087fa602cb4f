"""变更 of a released work order: quantity and dates with a reason; the material list recomputed
for the new quantity (issued stays); never below what was received. End to end: a sales-order
increase 100 → 150 shows the new shortage of its make-to-order work order once the work order is
changed, and the requisition from source (turned into a purchase order) closes it."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from crm.models import SalesOrderLine
from crm.services.orders import sales_order_line_change
from erp.errors import DomainError
from mrp.services.analysis import shortage_analyse, shortage_requisition_create
from production.models import WorkOrder
from production.services.work_orders import work_order_change
from tests.mrp.analysis_data import D0, ITEMS_HEAD, WO_HEAD, d, issue, load


def scenario(fixed_loss=False):
    load(
        {
            "items.csv": ITEMS_HEAD
            + "FG,Bike,pcs,manufacture,1,2,0,0,0,0,10,\nA,Tube,pcs,purchase,0,5,0,0,0,0,1,S1\n"
            + "B,Paint,kg,purchase,0,5,0,0,0,0,1,S1\n",
            "boms.csv": "parent_code,output_qty,component_code,qty_per,scrap_rate,fixed_loss,issue_method,line_type\n"
            + "FG,1,A,2,0,0,manual,component\n"
            + f"FG,1,B,0.5,0.1,{2 if fixed_loss else 0},manual,component\n",
            "stock.csv": "item_code,warehouse,qty,unit_cost\nA,RM,200,1\nB,RM,500,1\n",
            "sales_orders.csv": (
                "order_no,customer,order_date,line_no,item_code,qty,delivered_qty,due_date,unit_price\n"
                f"SO-1,C1,{d(0)},1,FG,100,0,{d(10)},100\n"
            ),
            "work_orders.csv": WO_HEAD + f"WO-1,FG,100,0,{d(3)},{d(10)},SO-1,1\n",
        }
    )
    return WorkOrder.objects.get(number="WO-1")


def materials(wo):
    return {m.component.code: (m.required, m.issued_qty) for m in wo.materials.select_related("component")}


@pytest.mark.django_db
def test_quantity_change_recomputes_the_material_list_and_keeps_the_issue():
    wo = scenario(fixed_loss=True)
    issue("WO-1", {"A": 30})
    assert materials(wo) == {"A": (200, 30), "B": (D("57"), 0)}  # 100 × 0.5 × 1.1 + 2
    work_order_change(work_order_id=wo.pk, qty=D(150), reason="customer increase")
    wo.refresh_from_db()
    assert wo.qty == 150
    assert materials(wo) == {"A": (300, 30), "B": (D("84.5"), 0)}  # 150 × 0.55 + 2
    rec = wo.history.order_by("-history_id").first()
    assert "100 → 150" in rec.history_change_reason and "customer increase" in rec.history_change_reason


@pytest.mark.django_db
def test_dates_change_and_the_stale_kitting_result_is_cleared():
    wo = scenario()
    WorkOrder.objects.filter(pk=wo.pk).update(kit_status="complete", kittable_sets=100)
    work_order_change(work_order_id=wo.pk, planned_start=D0, planned_finish=D0, reason="moved up")
    wo.refresh_from_db()
    assert (wo.planned_start, wo.planned_finish, wo.qty, wo.kit_status, wo.kittable_sets) == (D0, D0, 100, "", None)


def state(wo):
    wo.refresh_from_db()
    return (wo.qty, wo.planned_start, wo.planned_finish, materials(wo), wo.history.count())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"qty": D(150), "reason": ""},
        {"qty": D(19), "reason": "below what was received"},
        {"qty": D(0), "reason": "zero"},
        {"planned_finish": D0, "reason": "finish before start"},
    ],
)
def test_refused_changes_leave_the_order_as_it_was(kwargs):
    wo = scenario()
    WorkOrder.objects.filter(pk=wo.pk).update(received_qty=D(20))
    before = state(wo)
    with pytest.raises(DomainError):
        work_order_change(work_order_id=wo.pk, **kwargs)
    assert state(wo) == before


@pytest.mark.django_db
def test_closed_orders_are_not_changed():
    wo = scenario()
    WorkOrder.objects.filter(pk=wo.pk).update(status="closed")
    with pytest.raises(DomainError):
        work_order_change(work_order_id=wo.pk, qty=D(120), reason="x")
    assert WorkOrder.objects.get(pk=wo.pk).qty == 100


@pytest.mark.django_db
def test_sales_increase_100_to_150_shortage_and_the_requisition_from_source_closes_it():
    from procurement.services.orders import purchase_order_confirm
    from procurement.services.requisitions import requisition_approve, requisition_lines_to_orders

    wo = scenario()
    line = SalesOrderLine.objects.get(order__number="SO-1")

    def wo_row(code="A"):
        return next(r for r in shortage_analyse(on_date=D0).rows if r.order_no == "WO-1" and r.component_code == code)

    assert (wo_row().required, wo_row().short) == (200, 0)
    sales_order_line_change(line_id=line.pk, qty=D(150), reason="customer increase")
    work_order_change(work_order_id=wo.pk, qty=D(150), reason="follows SO-1/1")
    row = wo_row()
    assert (row.required, row.outstanding, row.allocated, row.short, row.net_short) == (300, 300, 200, 100, 100)
    req = shortage_requisition_create(on_date=D0, keys=[row.key], basis="net_short")
    requisition_approve(requisition_id=req.pk)
    (po,) = requisition_lines_to_orders(line_ids=list(req.lines.values_list("pk", flat=True)), order_date=D0)
    purchase_order_confirm(order_id=po.pk)
    row = wo_row()
    assert (row.short, row.receipts_before_start, row.net_short) == (100, 100, 0)
    assert po.lines.get().due_date.isoformat() == d(3)


@pytest.mark.django_db
def test_change_page_is_the_planners_and_offers_the_shortage_analysis(login):
    wo = scenario()
    url = reverse("production:wo_change", args=[wo.pk])
    clerk = login("仓库", username="clerk")
    assert clerk.post(url, {"qty": "120", "reason": "x"}).status_code == 403
    planner = login("计划", username="planner")
    resp = planner.post(url, {"qty": "120", "planned_start": "", "planned_finish": "", "reason": "x"}, follow=True)
    assert WorkOrder.objects.get(pk=wo.pk).qty == 120
    assert f"/mrp/analysis/shortage/?orders=wo:{wo.pk}" in resp.content.decode()
    planner.post(url, {"qty": "1,5", "reason": "bad number"})
    planner.post(url, {"qty": "130", "reason": ""})
    assert WorkOrder.objects.get(pk=wo.pk).qty == 120
