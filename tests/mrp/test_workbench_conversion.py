"""Planned orders become documents: the spec's worked example converted into one requisition,
one work order and one outsourcing order with their source links; twice or concurrently → one
document; firm / edit / delete; the next run counts the new documents as scheduled receipts."""

import datetime
import io
import threading
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection

from erp.errors import StateError
from mrp.models import PlannedOrder
from mrp.services.conversion import (
    planned_order_delete,
    planned_order_firm,
    planned_order_update,
    planned_orders_convert,
)
from procurement.models import OutsourcingOrder, Requisition, RequisitionLine
from production.models import WorkOrder

from .test_mrp_run import D0, files, issue_to_work_order
from .workbench_data import plan_rows, run_now


def worked_example():
    from erp.exchange import import_files

    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})


def day(n):
    return D0 + datetime.timedelta(days=n)


@pytest.mark.django_db
def test_the_worked_example_becomes_one_requisition_one_work_order_and_one_outsourcing_order():
    worked_example()
    run = run_now()
    ids = list(PlannedOrder.objects.filter(run=run).values_list("pk", flat=True))
    out = planned_orders_convert(ids=ids, on_date=D0)
    assert (len(out.requisitions), len(out.work_orders), len(out.outsourcing_orders), out.converted) == (1, 1, 1, 3)

    a = PlannedOrder.objects.get(run=run, item__code="A")
    line = RequisitionLine.objects.select_related("requisition", "item", "supplier").get()
    assert (line.item.code, line.qty, line.need_date, line.supplier.code) == ("A", D(70), day(8), "S1")
    assert (line.source_type, line.source_id, line.source_number) == (
        "mrp.plannedorder",
        a.pk,
        "MRP %s/%s" % (run.pk, PlannedOrder.objects.get(run=run, item__code="FG").seq),
    )
    assert (a.status, a.document_type, a.document_id) == ("converted", "procurement.requisitionline", line.pk)

    fg = PlannedOrder.objects.get(run=run, item__code="FG")
    wo = WorkOrder.objects.exclude(number="WO-1").get()
    assert (wo.item.code, wo.qty, wo.planned_start, wo.planned_finish, wo.source) == (
        "FG",
        D(50),
        day(8),
        day(10),
        "mrp",
    )
    assert "SO-1/1" in wo.note
    assert (fg.document_type, fg.document_id, fg.document_number) == ("production.workorder", wo.pk, wo.number)

    b = PlannedOrder.objects.get(run=run, item__code="B")
    oo = OutsourcingOrder.objects.get()
    assert (oo.item.code, oo.qty, oo.start_date, oo.due_date, oo.supplier.code, oo.status) == (
        "B",
        D(50),
        day(5),
        day(8),
        "S2",
        "draft",
    )
    assert (oo.source_type, oo.source_id) == ("mrp.plannedorder", b.pk)
    assert (b.document_type, b.document_id) == ("procurement.outsourcingorder", oo.pk)

    # converting again creates nothing
    again = planned_orders_convert(ids=ids, on_date=D0)
    assert (again.converted, again.skipped) == (0, 3)
    assert (Requisition.objects.count(), WorkOrder.objects.count(), OutsourcingOrder.objects.count()) == (1, 2, 1)

    # the next run counts the new documents as scheduled receipts: nothing left to plan
    nxt = run_now()
    assert plan_rows(nxt) == []


@pytest.mark.django_db
def test_make_to_order_planned_orders_become_work_orders_of_their_sales_line():
    from erp.exchange import import_files

    import_files(files(fg_mto=True))
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    run = run_now()
    ids = list(PlannedOrder.objects.filter(run=run, item__code="FG").values_list("pk", flat=True))
    planned_orders_convert(ids=ids, on_date=D0)
    made = WorkOrder.objects.exclude(number="WO-1").select_related("sales_order_line__order").order_by("qty")
    assert [(w.qty, f"{w.sales_order_line.order.number}/{w.sales_order_line.line_no}") for w in made] == [
        (D(5), "SO-9/2"),
        (D(7), "SO-9/1"),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_planners_converting_the_same_orders_at_once_create_one_document():
    worked_example()
    run = run_now()
    ids = list(PlannedOrder.objects.filter(run=run).values_list("pk", flat=True))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def convert():
        try:
            barrier.wait(timeout=10)
            results.append(planned_orders_convert(ids=ids, on_date=D0).converted)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == [0, 3]
    assert (Requisition.objects.count(), WorkOrder.objects.count(), OutsourcingOrder.objects.count()) == (1, 2, 1)


@pytest.mark.django_db
def test_a_firm_order_keeps_its_date_and_quantity_in_the_next_run(tmp_path):
    worked_example()
    run = run_now()
    a = PlannedOrder.objects.get(run=run, item__code="A")
    planned_order_update(planned_order_id=a.pk, qty=D(80), release_date=day(2), due_date=day(7))
    fg = PlannedOrder.objects.get(run=run, item__code="FG")
    planned_order_firm(planned_order_id=fg.pk)
    out = tmp_path / "po.csv"
    call_command("mrp_run", date=D0.isoformat(), export=str(out), stdout=io.StringIO())
    assert out.read_text().splitlines()[1:] == [
        f"A,purchase,80,{day(2)},{day(7)},0,",
        f"B,outsource,50,{day(5)},{day(8)},0,",
        f"FG,manufacture,50,{day(8)},{day(10)},0,",
    ]
    from mrp.selectors import current_run

    assert list(
        PlannedOrder.objects.filter(run=current_run(), firm=True)
        .values_list("item__code", flat=True)
        .order_by("item__code")
    ) == ["A", "FG"]


@pytest.mark.django_db
def test_converted_orders_cannot_be_edited_or_deleted_and_open_ones_can_be_deleted():
    worked_example()
    run = run_now()
    a = PlannedOrder.objects.get(run=run, item__code="A")
    b = PlannedOrder.objects.get(run=run, item__code="B")
    planned_orders_convert(ids=[a.pk], on_date=D0)
    with pytest.raises(StateError):
        planned_order_update(planned_order_id=a.pk, qty=D(1), release_date=day(1), due_date=day(2))
    with pytest.raises(StateError):
        planned_order_delete(planned_order_id=a.pk)
    a.refresh_from_db()
    assert (a.qty, a.status) == (D(70), "converted")
    planned_order_delete(planned_order_id=b.pk)
    assert not PlannedOrder.objects.filter(pk=b.pk).exists()
