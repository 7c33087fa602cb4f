"""Defaults on single-document forms (issue 18): an outsourcing order left without a fee takes
the supplier's price-list fee, and its tax rate is the item's; without a price-list fee the form
says so and nothing is saved (no silent guess)."""

import datetime
from decimal import Decimal as D

import pytest

from procurement.models import OutsourcingOrder, SupplierPrice
from tests import factories as f

pytestmark = pytest.mark.django_db


def _post(client, sup, frame, wh, **extra):
    return client.post(
        "/procurement/outsourcing/new/",
        {
            "supplier": sup.pk,
            "product": frame.pk,
            "qty": "100",
            "unit_fee": "",
            "order_date": "2026-01-05",
            "due_date": "2026-01-25",
            "warehouse": wh.pk,
            "lines-TOTAL_FORMS": "1",  # one blank material line: the BOM's list
            "lines-INITIAL_FORMS": "0",
            **extra,
        },
    )


def test_fee_from_the_price_list_and_tax_from_the_item(login):
    sup, wh = f.supplier("SUB1"), f.warehouse("FG")
    frame = f.item("FRAME", supply_type="outsource", tax_rate=D("0.09"))
    SupplierPrice.objects.create(supplier=sup, item=frame, price=D("5.5"), min_qty=0)
    SupplierPrice.objects.create(supplier=sup, item=frame, price=D("5.2"), min_qty=500)
    response = _post(login("采购"), sup, frame, wh)
    assert response.status_code == 302
    order = OutsourcingOrder.objects.get()
    assert (order.unit_fee, order.tax_rate, order.amount) == (D("5.5"), D("0.09"), D("550.00"))
    assert order.order_date == datetime.date(2026, 1, 5)


def test_no_price_list_fee_is_refused_with_a_message(login):
    sup, wh = f.supplier("SUB1", name="Subcontractor"), f.warehouse("FG")
    frame = f.item("FRAME", supply_type="outsource")
    response = _post(login("采购"), sup, frame, wh)
    assert response.status_code == 200
    assert "的价目表中没有 FRAME" in response.content.decode()  # the zh-hans message naming the item
    assert OutsourcingOrder.objects.count() == 0


def test_po_line_without_price_list_takes_the_items_tax_rate_and_standard_cost(login):
    from procurement import services

    sup = f.supplier("S1")
    bike = f.item("BK-1", standard_cost=D("900"), tax_rate=D("0.09"), lead_time_days=10)
    client = login("采购")
    got = client.get("/procurement/orders/new/", {"lg": "defaults", "item": "BK-1", "supplier": sup.pk}).json()
    assert got["values"]["unit_price"] == "900" and got["values"]["tax_rate"] == "9"
    po = services.purchase_order_create(
        supplier_id=sup.pk, order_date=datetime.date(2026, 1, 5), lines=[{"item_id": bike.pk, "qty": D("3")}]
    )
    line = po.lines.get()
    # 3 × 900 = 2,700.00; 9 % of the item = 243.00 (not the 13 % model default)
    assert (line.unit_price, line.tax_rate, line.tax_amount, po.total) == (
        D("900"),
        D("0.09"),
        D("243.00"),
        D("2943.00"),
    )
