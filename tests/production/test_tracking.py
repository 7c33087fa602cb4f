"""Tracking list figures, the daily warnings task (real Celery worker) and sales-order progress."""

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail

from crm import progress as crm_progress
from crm.selectors import line_progress
from erp.models import Notification
from production.models import WorkOrderWarning
from production.selectors import open_work_order_receipts, tracking_rows
from production.services import receipts as rc
from production.services.warnings import warnings_record
from production.tasks import record_warnings

from .helpers import JUNE1, make_wo
from .so import sales_line

JUNE = {d: datetime.date(2026, 6, d) for d in range(1, 31)}


def _warning_case(make_user, **kw):
    planner = make_user("planner", "计划", email="planner@example.com")
    owner = make_user("seller", "销售")
    line = sales_line(qty=100, owner=owner)
    wo = make_wo("FG", qty=100, start=JUNE[1], finish=JUNE[10], planner=planner, sales_order_line_id=line.pk, **kw)
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(40), receipt_date=JUNE[5])
    rc.fg_receipt_confirm(receipt_id=r.pk)
    return wo, planner, owner


@pytest.mark.django_db
def test_tracking_and_warnings_example(make_user, django_capture_on_commit_callbacks):
    # qty 100, planned 06-01 -> 06-10, received 40
    wo, planner, owner = _warning_case(make_user)
    (row,) = tracking_rows(today=JUNE[8])
    assert row.tracking.elapsed_pct == D("77.8") and row.tracking.completion_pct == D("40.0")
    assert row.tracking.warnings == ["due_soon", "behind"]
    # the daily job records them and notifies planner and sales owner once a day
    with django_capture_on_commit_callbacks(execute=True):
        result = warnings_record(on_date=JUNE[8])
    assert result["orders"] == 1
    assert set(WorkOrderWarning.objects.values_list("kind", flat=True)) == {"due_soon", "behind"}
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"planner", "seller"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["planner@example.com"]
    warnings_record(on_date=JUNE[8])
    assert Notification.objects.count() == 2 and WorkOrderWarning.objects.count() == 2
    # on 06-11: overdue 1 day, 未入库 60
    (row,) = tracking_rows(today=JUNE[11])
    assert "overdue" in row.tracking.warnings and row.tracking.overdue_days == 1 and row.tracking.open_qty == 60
    assert tracking_rows(today=JUNE[11], warning="overdue") == [row]
    assert tracking_rows(today=JUNE[11], warning="late_start") == []


@pytest.mark.django_db
def test_short_of_material_warning():
    from tests import factories as f

    rm = f.warehouse("RM")
    make_wo("FG", qty=10, start=JUNE[1], finish=JUNE[30], lines=[("A", 2, "manual", rm)])
    f.stock(f.item("A"), rm, 5)
    (row,) = tracking_rows(today=JUNE[1])
    assert row.kitting_status == "short" and row.tracking.warnings == ["short"]
    f.stock(f.item("A"), rm, 15)
    (row,) = tracking_rows(today=JUNE[1])
    assert row.kitting_status == "ready" and row.tracking.warnings == []


@pytest.mark.django_db
def test_sales_order_progress_from_work_orders(make_user):
    # SO line 100; WO 60 (received 40), OO 40 (received 10), shipped 30 -> 50 %, 部分完工, ready to ship 20
    line = sales_line(qty=100, delivered=30)
    wo = make_wo("FG", qty=60, start=JUNE[1], finish=JUNE[10], sales_order_line_id=line.pk)
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(40), receipt_date=JUNE[5])
    rc.fg_receipt_confirm(receipt_id=r.pk)

    def outsourcing(line_ids):  # the outsourcing order's part, as procurement contributes it
        return {line.pk: crm_progress.Contribution(D(40), D(10))} if line.pk in line_ids else {}

    crm_progress.register_provider(outsourcing)
    try:
        p = line_progress([line])[line.pk]
    finally:
        crm_progress.unregister_provider(outsourcing)
    assert (p.ordered, p.received) == (D(100), D(50))
    assert p.completion_pct == D(50) and p.ready_to_ship == 20 and p.status == "partial"
    assert p.links[0][0] == wo.number
    # ATP: the open WO supplies its 20 still to come on its planned finish
    assert open_work_order_receipts([wo.item_id]) == [(wo.item_id, JUNE[10], D(20))]


@pytest.mark.django_db(transaction=True)
def test_daily_task_on_the_real_worker(celery_worker, make_user):
    wo, planner, owner = _warning_case(make_user)
    result = record_warnings.delay("2026-06-11").get(timeout=30)
    assert result["orders"] == 1
    kinds = set(WorkOrderWarning.objects.filter(on_date=JUNE[11]).values_list("kind", flat=True))
    assert kinds == {"behind", "overdue"}
    assert WorkOrderWarning.objects.get(kind="overdue").days == 1
    assert Notification.objects.filter(user=owner, kind="production_warning").count() == 1
    assert JUNE1


@pytest.mark.django_db
def test_open_component_demand_for_mrp():
    from production.selectors import open_component_demand
    from production.services import picking as pk
    from tests import factories as f

    rm = f.warehouse("RM")
    wo = make_wo("FG", qty=10, start=JUNE[2], lines=[("A", 2, "manual", rm), ("C", "0.5", "backflush", rm)])
    f.stock(f.item("A"), rm, 6)
    p = pk.picking_create_batch(work_order_id=wo.pk, qtys={wo.materials.get(component__code="A").pk: D(6)})
    pk.picking_confirm(picking_id=p.pk)
    rows = sorted(open_component_demand(), key=lambda r: r[2])
    assert [(r[1], r[2], r[3]) for r in rows] == [(JUNE[2], D(5), wo.number), (JUNE[2], D(14), wo.number)]


@pytest.mark.django_db
def test_impact_rows_and_dashboard_card(login):
    from bom import impact

    wo = make_wo("FG", qty=10, start=JUNE[1], finish=JUNE[2])
    rows = [r for r in impact.collect([wo.item_id]) if r.kind == impact.WORK_ORDER]
    assert [(r.number, r.qty) for r in rows] == [(wo.number, D(10))]
    client = login("生产")
    html = client.get("/").content.decode()
    assert "有预警的生产任务单" in html  # overdue since 06-02
