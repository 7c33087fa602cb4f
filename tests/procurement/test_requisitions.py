import datetime

import pytest

from erp.errors import DomainError
from procurement import services
from procurement.models import PurchaseOrder, PurchaseOrderLine, RequisitionLine, SupplierPrice
from procurement.states import OrderStatus, RequisitionStatus
from tests import factories as f
from tests.procurement.helpers import D

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 2)


def _setup():
    s1, s2 = f.supplier("S1"), f.supplier("S2")
    bolt = f.item("BOLT", default_supplier=s1)
    nut = f.item("NUT", default_supplier=s1)
    tyre = f.item("TYRE")
    SupplierPrice.objects.create(supplier=s1, item=bolt, price=D("0.50"), lead_time_days=7)
    SupplierPrice.objects.create(supplier=s1, item=bolt, price=D("0.45"), min_qty=D("1000"))
    SupplierPrice.objects.create(supplier=s2, item=tyre, price=D("30"), lead_time_days=10)
    return s1, s2, bolt, nut, tyre


def test_requisition_from_sources_becomes_one_po_per_supplier_keeping_source_links():
    # given two MRP planned orders and a shortage line of a work order, approved
    s1, s2, bolt, nut, tyre = _setup()
    req = services.requisition_create_from_sources(
        request_date=DAY,
        approve=True,
        sources=[
            {
                "item_id": bolt.pk,
                "qty": D("1200"),
                "need_date": datetime.date(2026, 3, 20),
                "source_type": "mrp.plannedorder",
                "source_id": 11,
                "source_line": 0,
                "source_number": "MRP-11",
            },
            {
                "item_id": tyre.pk,
                "qty": D("40"),
                "need_date": datetime.date(2026, 3, 25),
                "source_type": "mrp.plannedorder",
                "source_id": 12,
                "source_line": 0,
            },
            {
                "item_id": nut.pk,
                "qty": D("300"),
                "need_date": datetime.date(2026, 3, 18),
                "source_type": "production.workorderline",
                "source_id": 7,
                "source_line": 3,
            },
        ],
    )
    assert req.status == RequisitionStatus.APPROVED
    lines = list(req.lines.order_by("line_no"))
    # when the buyer converts all lines
    orders = services.requisition_lines_to_orders(line_ids=[ln.pk for ln in lines], order_date=DAY)
    # then one PO for S1 (bolt + nut merged) and one for S2 (tyre, cheapest price-list supplier)
    assert sorted(o.supplier.code for o in orders) == ["S1", "S2"]
    po1 = next(o for o in orders if o.supplier_id == s1.pk)
    po1_lines = list(po1.lines.order_by("line_no"))
    assert [(ln.item.code, ln.qty, ln.unit_price) for ln in po1_lines] == [
        ("BOLT", D("1200"), D("0.45")),  # price break from 1000
        ("NUT", D("300"), D("0")),
    ]
    assert po1_lines[0].due_date == datetime.date(2026, 3, 20)
    tyre_line = PurchaseOrderLine.objects.get(item=tyre)
    assert tyre_line.unit_price == D("30") and tyre_line.order.supplier == s2
    # the source links are kept: PO line -> requisition line -> MRP / work order line
    assert po1_lines[1].requisition_line.source_type == "production.workorderline"
    assert (po1_lines[1].requisition_line.source_id, po1_lines[1].requisition_line.source_line) == (7, 3)
    assert po1_lines[0].requisition_line.source_number == "MRP-11"
    # ordered quantities written back; the requisition is closed when fully ordered
    assert [ln.ordered_qty for ln in RequisitionLine.objects.filter(requisition=req).order_by("line_no")] == [
        D("1200"),
        D("40"),
        D("300"),
    ]
    req.refresh_from_db()
    assert req.status == RequisitionStatus.CLOSED


def test_converting_a_draft_requisition_is_refused_and_nothing_changes():
    s1, _s2, bolt, *_ = _setup()
    req = services.requisition_create(request_date=DAY, lines=[{"item_id": bolt.pk, "qty": D("10"), "need_date": DAY}])
    line = req.lines.get()
    with pytest.raises(DomainError):
        services.requisition_lines_to_orders(line_ids=[line.pk], order_date=DAY)
    assert PurchaseOrder.objects.count() == 0
    line.refresh_from_db()
    assert line.ordered_qty == 0


def test_line_without_any_supplier_is_refused_and_nothing_changes():
    f.supplier("S1")
    orphan = f.item("ORPHAN")
    req = services.requisition_create(request_date=DAY, lines=[{"item_id": orphan.pk, "qty": 5, "need_date": DAY}])
    services.requisition_approve(requisition_id=req.pk)
    with pytest.raises(DomainError, match="No supplier"):
        services.requisition_lines_to_orders(line_ids=[req.lines.get().pk], order_date=DAY)
    assert PurchaseOrder.objects.count() == 0


def test_cancelling_the_po_gives_the_quantity_back_to_the_requisition():
    s1, _s2, bolt, *_ = _setup()
    req = services.requisition_create(request_date=DAY, lines=[{"item_id": bolt.pk, "qty": 100, "need_date": DAY}])
    services.requisition_approve(requisition_id=req.pk)
    (po,) = services.requisition_lines_to_orders(line_ids=[req.lines.get().pk], order_date=DAY)
    services.purchase_order_confirm(order_id=po.pk)
    # change before receipt: 100 -> 80 writes back 80
    services.purchase_order_line_change(line_id=po.lines.get().pk, qty=D("80"))
    assert req.lines.get().ordered_qty == D("80")
    services.purchase_order_cancel(order_id=po.pk)
    po.refresh_from_db()
    req.refresh_from_db()
    assert po.status == OrderStatus.CANCELLED
    assert req.lines.get().ordered_qty == 0
    assert req.status == RequisitionStatus.APPROVED


def test_purchase_order_takes_price_and_lead_time_from_the_price_list():
    s1, _s2, bolt, *_ = _setup()
    po = services.purchase_order_create(
        supplier_id=s1.pk, order_date=DAY, lines=[{"item_id": bolt.pk, "qty": D("200")}]
    )
    line = po.lines.get()
    # 200 < 1000: the base price 0.50 with its 7-day lead time
    assert (line.unit_price, line.due_date) == (D("0.5"), datetime.date(2026, 3, 9))
    assert line.amount == D("100.00")
