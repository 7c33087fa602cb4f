"""Deliveries post stock and write back; over-delivery refused; returns reverse."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Delivery
from crm.services.deliveries import delivery_confirm, delivery_create, return_confirm, return_create
from erp.errors import ValidationError
from inventory.models import StockMove
from inventory.services.ledger import available_qty
from tests import factories

from .helpers import bike, customer, order

D = Decimal
pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 6, 3)


def test_delivery_posts_stock_updates_shipped_status_and_return_reverses():
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 50, "500", on_date=DAY)
    so = order(customer(), item, 10, confirm=True)
    line = so.lines.get()
    # when 4 are delivered
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, quantities={line.pk: D("4")}, delivery_date=DAY)
    delivery_confirm(delivery_id=dn.pk, user=None)
    line.refresh_from_db()
    assert available_qty(item.pk, wh.pk) == D("46")
    assert line.delivered_qty == D("4") and line.ship_status == "partial"
    mv = StockMove.objects.get(source_type="crm.delivery", source_id=dn.pk)
    assert (mv.qty, mv.value) == (D("-4"), D("-2000.00"))
    # double confirm is harmless
    delivery_confirm(delivery_id=dn.pk, user=None)
    assert StockMove.objects.filter(source_type="crm.delivery").count() == 1
    # the rest
    dn2 = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, delivery_date=DAY)
    delivery_confirm(delivery_id=dn2.pk, user=None)
    line.refresh_from_db()
    assert line.delivered_qty == D("10") and line.ship_status == "full"
    assert available_qty(item.pk, wh.pk) == D("40")
    # a return of 3 from the first delivery reverses at the cost it left with
    sr = return_create(delivery_id=dn.pk, quantities={dn.lines.get().pk: D("3")}, user=None, return_date=DAY)
    return_confirm(return_id=sr.pk, user=None)
    line.refresh_from_db()
    assert line.delivered_qty == D("7") and line.ship_status == "partial"
    assert available_qty(item.pk, wh.pk) == D("43")
    back = StockMove.objects.get(source_type="crm.sales_return", source_id=sr.pk)
    assert (back.qty, back.value) == (D("3"), D("1500.00"))
    # returning more than delivered on that delivery is refused
    sr2 = return_create(delivery_id=dn.pk, quantities={dn.lines.get().pk: D("2")}, user=None, return_date=DAY)
    with pytest.raises(ValidationError):
        return_confirm(return_id=sr2.pk, user=None)
    assert available_qty(item.pk, wh.pk) == D("43")


def test_over_delivery_refused_nothing_changed():
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 50, "500", on_date=DAY)
    so = order(customer(), item, 10, confirm=True)
    line = so.lines.get()
    first = delivery_create(
        order_id=so.pk, warehouse_id=wh.pk, user=None, quantities={line.pk: D("8")}, delivery_date=DAY
    )
    second = delivery_create(
        order_id=so.pk, warehouse_id=wh.pk, user=None, quantities={line.pk: D("3")}, delivery_date=DAY
    )
    delivery_confirm(delivery_id=first.pk, user=None)
    moves = StockMove.objects.count()
    with pytest.raises(ValidationError) as exc:
        delivery_confirm(delivery_id=second.pk, user=None)
    assert exc.value.code == "over_delivery"
    assert "ordered 10, delivered 8, this delivery 3" in str(exc.value)
    line.refresh_from_db()
    second.refresh_from_db()
    assert line.delivered_qty == D("8") and second.status == "draft"
    assert StockMove.objects.count() == moves and available_qty(item.pk, wh.pk) == D("42")
    assert Delivery.objects.filter(status="confirmed").count() == 1
