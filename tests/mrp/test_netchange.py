"""Net change on the database: a change is recorded by the service that makes it, the current plan
is patched for the changed items and everything below them, and equals a full run (docs/mrp.md §5)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import translation

from crm.models import Customer
from crm.services.orders import LineInput, order_confirm, order_create
from erp.exchange import import_files
from inventory.models import Item, PlanningChange
from mrp.engine import run_mrp
from mrp.models import MrpPeg, MrpRun, PlannedOrder, PlanUpdate
from mrp.services.netchange import net_change_apply
from mrp.sources import collect
from tests.mrp.test_mrp_run import D0, d, files, issue_to_work_order


def stored_rows(run):
    return sorted(
        (p.item.code, p.order_type, p.qty, p.release_date, p.due_date, p.late, p.pegged_to)
        for p in PlannedOrder.objects.filter(run=run, status="open").select_related("item")
    )


def full_run_rows(run):
    result = run_mrp(d0=run.run_date, horizon_days=run.horizon_days, **collect(d0=run.run_date, horizon_days=90))
    return sorted(
        (p.item_code, p.order_type, p.qty, p.release_date, p.due_date, p.late, p.pegged_to)
        for p in result.planned_orders
    )


@pytest.fixture
def planned(db):
    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    PlanningChange.objects.all().delete()  # the import's stock postings: planned by the full run below
    call_command("mrp_run", date=D0.isoformat(), stdout=io.StringIO())
    return MrpRun.objects.get()


@pytest.mark.django_db
def test_confirming_a_sales_order_patches_the_plan_of_its_item_and_components(planned, make_user):
    run = planned
    seller = make_user("seller_nc")
    fg = Item.objects.get(code="FG")
    order = order_create(
        customer_id=Customer.objects.get(code="C1").pk,
        lines=[LineInput(fg.pk, Decimal(50), Decimal(100), D0 + datetime.timedelta(days=12))],
        user=seller,
        order_date=D0,
    )
    with translation.override("en"):
        order_confirm(order_id=order.pk, user=seller, today=D0)
    change = PlanningChange.objects.get()
    # stored language-neutral: each reader sees the cause in their language
    assert change.cause == "%(doc)s confirmed" and change.params == {"doc": order.number}
    with translation.override("en"):
        assert change.item_ids == [fg.pk] and change.cause_text == f"{order.number} confirmed"
    with translation.override("zh-hans"):
        assert change.cause_text == f"{order.number} 已审核"

    with translation.override("en"):  # the worker's language: the update's cause as text (admin)
        outcome = net_change_apply()
    update = outcome.update
    assert update is not None and update.run_id == run.pk
    assert update.cause == f"{order.number} confirmed" and update.document == order.number
    assert (update.change_count, update.seed_count, update.item_count) == (1, 1, 3)  # FG, A, B
    # FG 50 more on D0+12 (made from D0+10), A and B for it; equal to a full run on the same data
    assert stored_rows(run) == full_run_rows(run)
    assert ("FG", "manufacture", Decimal(50), D0 + datetime.timedelta(days=10), D0 + datetime.timedelta(days=12),
            False, "") in stored_rows(run)  # fmt: skip
    assert MrpRun.objects.count() == 1  # no full run
    assert PlanningChange.objects.get().plan_update_id == update.pk
    # pegs of the patched items name orders of the same run
    seqs = set(PlannedOrder.objects.filter(run=run).values_list("seq", flat=True))
    planned_refs = MrpPeg.objects.filter(run=run, supply_kind="planned").values_list("supply_ref", flat=True)
    assert planned_refs and {int(r) for r in planned_refs} <= seqs

    # applied once: nothing pending, a second call does nothing
    assert net_change_apply().update is None and PlanUpdate.objects.count() == 1


@pytest.mark.django_db
def test_without_a_plan_changes_are_marked_done(db):
    import_files(files())
    assert PlanningChange.objects.filter(processed_at__isnull=True).exists()
    assert net_change_apply().update is None
    assert not PlanningChange.objects.filter(processed_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_full_run_active_makes_the_net_change_wait(planned):
    PlanningChange.objects.create(cause="x", item_ids=[Item.objects.get(code="A").pk])
    MrpRun.objects.create(run_date=D0, status="running")
    outcome = net_change_apply()
    assert outcome.waiting and PlanningChange.objects.filter(processed_at__isnull=True).count() == 1
    assert PlanUpdate.objects.count() == 0


@pytest.mark.django_db
def test_purchase_order_change_replans_only_the_item(planned):
    from procurement.models import PurchaseOrderLine
    from procurement.services.orders import purchase_order_line_reschedule

    run = planned
    line = PurchaseOrderLine.objects.get(order__number="PO-1")
    with translation.override("en"):
        purchase_order_line_reschedule(line_id=line.pk, due_date=D0 + datetime.timedelta(days=9), reason="late")
    with translation.override("en"):
        assert PlanningChange.objects.get().cause_text == f"PO-1 line {line.line_no}: due {d(6)} → {d(9)}"
    update = net_change_apply().update
    assert (update.seed_count, update.item_count) == (1, 1)
    # A: 25 on D0+3 from 40 on hand, 100 for FG on D0+8 → 15 − 100 < SS 10: 95 net → 100 (MOQ 50 + 5 × 10)
    assert stored_rows(run) == full_run_rows(run)
    a = PlannedOrder.objects.get(run=run, item__code="A")
    assert (a.qty, a.due_date) == (Decimal(100), D0 + datetime.timedelta(days=8))


@pytest.mark.django_db
def test_a_change_that_moves_no_planned_order_replans_only_its_item_and_keeps_the_rows(planned):
    """The descent stops at an item whose planned orders come out equal: only FG is planned again
    (not A and B below it), its planned-order rows stay (same ids and numbers), the plan equals a
    full run."""
    from inventory.services.planning import record_planning_change

    run = planned
    fg = Item.objects.get(code="FG")
    before = {p.pk: (p.seq, p.item_id) for p in PlannedOrder.objects.filter(run=run)}
    pegs_below = MrpPeg.objects.filter(run=run).exclude(item=fg).count()
    record_planning_change(item_ids=[fg.pk], cause="FG looked at again")
    update = net_change_apply().update
    assert (update.seed_count, update.item_count, update.order_count, update.removed_count) == (1, 1, 0, 0)
    assert {p.pk: (p.seq, p.item_id) for p in PlannedOrder.objects.filter(run=run)} == before
    assert MrpPeg.objects.filter(run=run).exclude(item=fg).count() == pegs_below
    assert stored_rows(run) == full_run_rows(run)
