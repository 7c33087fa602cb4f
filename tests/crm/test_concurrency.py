"""Two clerks post deliveries for the same order line at the same time: only one may win."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from crm.services.deliveries import delivery_confirm, delivery_create
from erp.errors import DomainError
from inventory.models import StockMove
from tests import factories

from .helpers import bike, customer, order

D = Decimal


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_cannot_over_deliver():
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 50, "500", on_date=datetime.date(2026, 6, 1))
    so = order(customer(), item, 10, confirm=True)
    line = so.lines.get()
    drafts = [
        delivery_create(
            order_id=so.pk,
            warehouse_id=wh.pk,
            user=None,
            quantities={line.pk: D("6")},
            delivery_date=datetime.date(2026, 6, 2),
        )
        for _ in range(2)
    ]
    barrier = threading.Barrier(2)
    results = []

    def post(dn_id):
        try:
            barrier.wait()
            delivery_confirm(delivery_id=dn_id, user=None)
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(d.pk,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "over_delivery"]
    line.refresh_from_db()
    assert line.delivered_qty == D("6")
    assert StockMove.objects.filter(source_type="crm.delivery").count() == 1
