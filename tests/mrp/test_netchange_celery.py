"""Net change with a real Celery worker and Redis: confirming a sales order updates the planned
orders of its item and its components without a full run; the plan update names the change."""

import datetime
import io
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from crm.models import Customer
from crm.services.orders import LineInput, order_confirm, order_create
from erp.exchange import import_files
from inventory.models import Item, PlanningChange
from mrp.models import MrpRun, PlannedOrder, PlanUpdate
from tests.mrp.test_mrp_run import D0, files, issue_to_work_order


def rows(run):
    return sorted(
        (p.item.code, p.qty, (p.release_date - D0).days, (p.due_date - D0).days)
        for p in PlannedOrder.objects.filter(run=run).select_related("item")
    )


@pytest.mark.celery
def test_confirming_a_sales_order_replans_in_the_worker(celery_worker, make_user):
    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())
    run = MrpRun.objects.get()
    for _ in range(50):  # the import's own changes are planned first (or marked done)
        if not PlanningChange.objects.filter(processed_at__isnull=True).exists():
            break
        time.sleep(0.1)
    PlanningChange.objects.filter(processed_at__isnull=True).update(processed_at=timezone.now())
    before = rows(run)
    assert before == [("A", Decimal(70), 3, 8), ("B", Decimal(50), 5, 8), ("FG", Decimal(50), 8, 10)]

    seller = make_user("seller_celery")
    order = order_create(
        customer_id=Customer.objects.get(code="C1").pk,
        lines=[LineInput(Item.objects.get(code="FG").pk, Decimal(30), Decimal(100), D0 + datetime.timedelta(days=12))],
        user=seller,
        order_date=D0,
    )
    with translation.override("en"):
        order_confirm(order_id=order.pk, user=seller, today=D0)  # commits: the listener queues the task

    update = None
    for _ in range(150):
        update = PlanUpdate.objects.filter(document=order.number).first()
        if update:
            break
        time.sleep(0.1)
    assert update is not None, "the worker did not update the plan"
    assert update.run_id == run.pk and MrpRun.objects.count() == 1  # no full run
    assert update.item_count == 3 and update.latency_ms < 10_000
    # FG 30 more due D0+12 (made from D0+10); A 2 × 30 = 60 on D0+10 → 60 (MOQ 50, MULT 10); B 30
    after = rows(run)
    assert ("FG", Decimal(30), 10, 12) in after
    assert ("A", Decimal(60), 5, 10) in after and ("B", Decimal(30), 7, 10) in after
    assert [r for r in after if r not in before] == [("A", Decimal(60), 5, 10), ("B", Decimal(30), 7, 10),
                                                       ("FG", Decimal(30), 10, 12)]  # fmt: skip
    change = PlanningChange.objects.get(document=order.number)
    assert change.plan_update_id == update.pk
