import datetime

import pytest

from crm import atp, progress
from crm.models import Customer, SalesOrder, SalesOrderLine
from procurement import services
from tests import factories as f
from tests.procurement.helpers import D, confirmed_po, outsourcing_setup

pytestmark = pytest.mark.django_db


def test_outsourcing_order_linked_to_a_sales_order_line_shows_in_its_progress():
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=100, per=2)
    customer = Customer.objects.create(code="C1", name="Customer")
    so = SalesOrder.objects.create(number="SO-T-1", customer=customer, order_date=datetime.date(2026, 1, 2))
    so_line = SalesOrderLine.objects.create(
        order=so, line_no=10, item=frame, qty=D("100"), due_date=datetime.date(2026, 2, 1)
    )
    order.sales_order_line = so_line
    order.save(update_fields=["sales_order_line"])
    mat = order.materials.get()
    services.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(mat.pk, 200)], on_date=order.order_date)
    services.outsourcing_receipt_post(order_id=order.pk, qty=D("60"), receipt_date=order.order_date)
    contribution = progress.collect([so_line.pk])[so_line.pk]
    assert (contribution.ordered, contribution.received) == (D("100"), D("60"))
    assert contribution.links[0][0] == order.number
    assert contribution.warning == "overdue"  # due 2026-01-25, long past


def test_open_po_lines_are_scheduled_receipts_for_atp():
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "1", wh=wh, due=datetime.date(2026, 3, 1))
    services.purchase_receipt_post(
        order_id=po.pk, lines=[(po.lines.get().pk, D("30"))], receipt_date=datetime.date(2026, 1, 10)
    )
    rows = [r for r in atp.scheduled_receipts([bolt.pk]) if r[0] == bolt.pk]
    assert rows == [(bolt.pk, datetime.date(2026, 3, 1), D("70"))]
