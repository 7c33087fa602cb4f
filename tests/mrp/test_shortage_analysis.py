"""Shortage analysis (mrp.md §3) on imported data: the spec example WO-101 (30 / 22 / 7 / 15 / 5)
through the service, the `shortage_analysis` command (CSV row for row) and the requisition from
source (按源单生成采购申请), refused the second time naming the requisition."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.utils import translation

from erp.errors import ValidationError
from mrp.services.analysis import shortage_analyse, shortage_requisition_create
from procurement.models import Requisition, RequisitionLine, RequisitionLineSource
from production.models import WorkOrder
from production.services.work_orders import work_order_change

from .analysis_data import D0, d, issue, load, shortage_example

HEAD = "order_no,item_code,component_code,required,issued,outstanding,allocated,short,receipts_before_start,net_short"


def spec_state():
    shortage_example()
    issue("WO-101", {"A": 8})  # stock A 20 -> 12
    wo = WorkOrder.objects.get(number="WO-101")
    work_order_change(work_order_id=wo.pk, qty=D(15), reason="customer increased the order")
    return wo


@pytest.mark.django_db
def test_spec_example_through_the_command_row_for_row(tmp_path):
    spec_state()
    out = tmp_path / "shortage.csv"
    call_command("shortage_analysis", date=D0.isoformat(), export=str(out), stdout=io.StringIO())
    assert out.read_text(encoding="utf-8").splitlines() == [
        HEAD,
        "WO-100,FG2,A,5,0,5,5,0,0,0",
        "WO-101,FG,A,30,8,22,7,15,10,5",
    ]


@pytest.mark.django_db
def test_the_change_recomputes_the_material_list_and_keeps_the_issue():
    wo = spec_state()
    m = wo.materials.get()
    assert (m.required, m.issued_qty) == (30, 8)
    rec = wo.history.order_by("-history_id").first()
    assert "customer increased the order" in rec.history_change_reason


@pytest.mark.django_db
def test_requisition_from_source_short_and_refused_twice():
    wo = spec_state()
    report = shortage_analyse(on_date=D0)
    row = next(r for r in report.rows if r.order_no == "WO-101")
    req = shortage_requisition_create(on_date=D0, keys=[row.key], basis="short")
    (line,) = req.lines.all()
    assert (line.item.code, line.qty, line.need_date.isoformat()) == ("A", 15, d(5))
    (src,) = RequisitionLineSource.objects.filter(line=line)
    assert (src.source_type, src.source_id, src.source_line, src.source_number) == (
        "production.workorder",
        wo.pk,
        row.line_id,
        "WO-101 / A",
    )
    before = (Requisition.objects.count(), RequisitionLine.objects.count())
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        shortage_requisition_create(on_date=D0, keys=[row.key], basis="net_short")
    assert req.number in str(exc.value)
    assert (Requisition.objects.count(), RequisitionLine.objects.count()) == before


@pytest.mark.django_db
def test_requisition_net_short_and_merged_per_item_and_supplier():
    spec_state()
    load({"work_orders.csv": "wo_no,item_code,qty,completed_qty,start_date,due_date,sales_order_no,sales_line_no\n"
                             f"WO-102,FG,4,0,{d(6)},{d(9)},,\n"})  # fmt: skip
    report = shortage_analyse(on_date=D0)
    rows = {r.order_no: r for r in report.rows}
    assert (rows["WO-102"].short, rows["WO-102"].net_short) == (8, 8)
    req = shortage_requisition_create(
        on_date=D0, keys=[rows["WO-101"].key, rows["WO-102"].key], basis="net_short", merge=True
    )
    (line,) = req.lines.all()
    assert (line.qty, line.need_date.isoformat()) == (13, d(5))  # 5 + 8, the earliest need date
    assert sorted(RequisitionLineSource.objects.filter(line=line).values_list("source_number", "qty")) == [
        ("WO-101 / A", 5),
        ("WO-102 / A", 8),
    ]


@pytest.mark.django_db
def test_nothing_short_is_refused():
    spec_state()
    row = next(r for r in shortage_analyse(on_date=D0).rows if r.order_no == "WO-100")
    with pytest.raises(ValidationError):
        shortage_requisition_create(on_date=D0, keys=[row.key])
    assert Requisition.objects.count() == 0


@pytest.mark.django_db
def test_outsourcing_orders_are_included_on_request(tmp_path):
    spec_state()
    from inventory.models import Item, Supplier
    from procurement.services.outsourcing import outsourcing_order_confirm, outsourcing_order_create

    fg2 = Item.objects.get(code="FG2")
    oo = outsourcing_order_create(
        supplier_id=Supplier.objects.get(code="S1").pk, item_id=fg2.pk, qty=D(3), unit_fee=D(1),
        order_date=D0, start_date=D0, due_date=D0,
    )  # fmt: skip
    outsourcing_order_confirm(order_id=oo.pk)
    out = tmp_path / "s.csv"
    call_command("shortage_analysis", date=D0.isoformat(), export=str(out), stdout=io.StringIO())
    assert oo.number not in out.read_text()
    call_command(
        "shortage_analysis", date=D0.isoformat(), include_outsourcing=True, export=str(out), stdout=io.StringIO()
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1] == f"{oo.number},FG2,A,3,0,3,3,0,0,0"  # starts first: takes 3 of the 12
    assert lines[3] == "WO-101,FG,A,30,8,22,4,18,10,8"


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_orders(django_assert_max_num_queries):
    spec_state()
    load({"work_orders.csv": "wo_no,item_code,qty,completed_qty,start_date,due_date,sales_order_no,sales_line_no\n"
          + "".join(f"WX{i:03},FG,1,0,{d(7)},{d(9)},,\n" for i in range(40))})  # fmt: skip
    with django_assert_max_num_queries(10):
        report = shortage_analyse(on_date=D0, include_outsourcing=True)
    assert report.orders == 42
