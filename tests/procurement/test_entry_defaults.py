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
            "item": frame.pk,
            "qty": "100",
            "unit_fee": "",
            "order_date": "2026-01-05",
            "due_date": "2026-01-25",
            "warehouse": wh.pk,
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
