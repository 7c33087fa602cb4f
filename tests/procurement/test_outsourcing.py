"""Domain §3: material at the subcontractor (委外加工原材料剩余情况)."""

import datetime
import io

import openpyxl
import pytest

from erp.errors import DomainError, InsufficientStock
from inventory.models import StockBalance, StockMove
from inventory.services.warehouses import subcontractor_location_for
from procurement import services
from procurement.models import OutsourcingReceipt
from procurement.selectors import outsourcing_material_report
from tests.procurement.helpers import D, outsourcing_setup

pytestmark = pytest.mark.django_db
JAN6 = datetime.date(2026, 1, 6)


def _row(order):
    (row,) = [r for r in outsourcing_material_report() if r.order_id == order.pk]
    return row


def test_material_remaining_at_subcontractor_worked_example():
    # given order 100, A per 2 (200 required), 210 issued
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=100, per=2)
    mat = order.materials.get()
    assert mat.required_qty == D("200")
    services.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(mat.pk, D("200"))], on_date=JAN6)
    services.outsourcing_material_move(order_id=order.pk, kind="supplement", lines=[(mat.pk, D("10"))], on_date=JAN6)
    sub = subcontractor_location_for(supplier_id=sup.pk)
    assert StockBalance.objects.get(item=a, warehouse=sub).qty == D("210")
    assert StockBalance.objects.get(item=a, warehouse=wh).qty == D("790")
    # when 60 are received: 120 consumed
    rc = services.outsourcing_receipt_post(order_id=order.pk, qty=D("60"), receipt_date=datetime.date(2026, 1, 15))
    row = _row(order)
    assert (row.issued, row.supplement, row.consumed) == (D("200"), D("10"), D("120"))
    # then remaining 90, still needed 80 for the 40 open, surplus 10, nothing left to issue
    assert row.remaining == D("90")
    assert row.still_needed == D("80")
    assert row.surplus == D("10")
    assert row.still_to_issue == D("0")
    assert row.over_consumption == D("0")
    assert StockBalance.objects.get(item=a, warehouse=sub).qty == D("90")
    # the frames carry material 120 × 2.00 + fee 60 × 5.00
    assert (rc.material_value, rc.fee_value) == (D("240.00"), D("300.00"))
    assert StockBalance.objects.get(item=frame, warehouse=fg_wh).value == D("540.00")
    # when the final 40 are received: remaining 10 to return or write off
    services.outsourcing_receipt_post(order_id=order.pk, qty=D("40"), receipt_date=datetime.date(2026, 1, 25))
    row = _row(order)
    assert (row.consumed, row.remaining, row.still_needed, row.surplus) == (D("200"), D("10"), D("0"), D("10"))
    # 委外退料: the 10 come back
    services.outsourcing_material_move(
        order_id=order.pk,
        kind="return",
        lines=[(mat.pk, D("10"))],
        on_date=datetime.date(2026, 1, 26),
        warehouse_id=wh.pk,
    )
    row = _row(order)
    assert (row.returned, row.remaining) == (D("10"), D("0"))
    assert StockBalance.objects.get(item=a, warehouse=wh).qty == D("800")


def test_issue_beyond_the_material_list_must_be_a_supplement_and_nothing_moves():
    order, wh, *_ = outsourcing_setup(qty=100, per=2)
    mat = order.materials.get()
    with pytest.raises(DomainError, match="supplement"):
        services.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(mat.pk, D("201"))], on_date=JAN6)
    mat.refresh_from_db()
    assert mat.issued_qty == 0
    assert not StockMove.objects.filter(source_type="procurement.outsourcingissue").exists()


def test_receipt_without_material_at_the_subcontractor_is_refused_and_nothing_posts():
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=100, per=2)
    mat = order.materials.get()
    services.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(mat.pk, D("50"))], on_date=JAN6)
    with pytest.raises(InsufficientStock):
        services.outsourcing_receipt_post(order_id=order.pk, qty=D("60"), receipt_date=JAN6)
    order.refresh_from_db()
    mat.refresh_from_db()
    assert order.received_qty == 0 and mat.consumed_qty == 0
    assert OutsourcingReceipt.objects.count() == 0
    assert not StockBalance.objects.filter(item=frame, qty__gt=0).exists()


def test_material_report_exports_to_xlsx(login):
    order, *_ = outsourcing_setup(qty=100, per=2)
    mat = order.materials.get()
    services.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(mat.pk, D("200"))], on_date=JAN6)
    services.outsourcing_receipt_post(order_id=order.pk, qty=D("60"), receipt_date=JAN6)
    client = login("采购")
    page = client.get("/procurement/outsourcing/materials/")
    assert page.status_code == 200
    assert "委外加工原材料剩余情况" in page.content.decode() or "Material at subcontractors" in page.content.decode()
    resp = client.get("/procurement/outsourcing/materials/?_export=xlsx")
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    data = values[1]
    assert order.number in data
    # issued 200, consumed 120, remaining 80
    assert 200 in data and 120 in data and 80 in data


def test_scrap_at_the_subcontractor_counts_as_over_consumption():
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=100, per=2)
    mat = order.materials.get()
    services.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(mat.pk, D("200"))], on_date=JAN6)
    services.outsourcing_material_move(order_id=order.pk, kind="supplement", lines=[(mat.pk, D("5"))], on_date=JAN6)
    services.outsourcing_material_move(order_id=order.pk, kind="scrap", lines=[(mat.pk, D("5"))], on_date=JAN6)
    services.outsourcing_receipt_post(order_id=order.pk, qty=D("50"), receipt_date=JAN6)
    row = _row(order)
    # 205 sent, 5 scrapped, 100 consumed for 50 received (theoretical 100)
    assert (row.scrapped, row.consumed, row.remaining, row.over_consumption) == (D("5"), D("100"), D("100"), D("5"))
    sub = subcontractor_location_for(supplier_id=sup.pk)
    assert StockBalance.objects.get(item=a, warehouse=sub).qty == D("100")
    # scrapping more than is there is refused, nothing changes
    with pytest.raises(DomainError):
        services.outsourcing_material_move(order_id=order.pk, kind="scrap", lines=[(mat.pk, D("101"))], on_date=JAN6)
    assert _row(order).scrapped == D("5")


def test_material_list_comes_from_the_approved_bom_with_scrap_and_fixed_loss():
    from bom.models import Bom, BomLine
    from tests import factories as f

    sup, wh = f.supplier("SUB2"), f.warehouse("WH")
    frame, paint = f.item("FRP"), f.item("PAINT", unit="kg")
    raw = f.item("FR")
    bom = Bom.objects.create(item=frame, version="V1.0", status="approved")
    BomLine.objects.create(bom=bom, line_no=10, component=raw, qty_per=D("1"), issue_warehouse=wh)
    BomLine.objects.create(
        bom=bom, line_no=20, component=paint, qty_per=D("0.4"), scrap_rate=D("0.05"), fixed_loss=D("0.2")
    )
    order = services.outsourcing_order_create(
        supplier_id=sup.pk,
        item_id=frame.pk,
        qty=D("10"),
        unit_fee=D("35"),
        order_date=JAN6,
        due_date=datetime.date(2026, 1, 16),
    )
    assert order.bom_id == bom.pk
    mats = {m.component.code: m for m in order.materials.all()}
    # FR: 10 × 1; paint: 10 × 0.4 × 1.05 + 0.2 = 4.4
    assert (mats["FR"].required_qty, mats["FR"].warehouse_id) == (D("10"), wh.pk)
    assert mats["PAINT"].required_qty == D("4.4")
    assert mats["PAINT"].qty_per == D("0.42")  # per unit incl. scrap; the fixed loss is once per order
