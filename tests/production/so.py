"""Sales-order rows for production tests (a confirmed order, built directly)."""

import datetime
from decimal import Decimal as D

from crm.models import Customer, SalesOrder, SalesOrderLine
from tests import factories as f


def sales_line(*, qty=100, item_code="FG", owner=None, due=datetime.date(2026, 6, 10), delivered=0):
    customer = Customer.objects.get_or_create(code="C1", defaults={"name": "客户一"})[0]
    so = SalesOrder.objects.create(
        number=f"SO-T-{SalesOrder.objects.count() + 1}",
        customer=customer,
        order_date=datetime.date(2026, 5, 20),
        status="confirmed",
        owner=owner,
    )
    item = f.item(item_code, supply_type="manufacture")
    return SalesOrderLine.objects.create(
        order=so, line_no=1, item=item, qty=D(str(qty)), due_date=due, delivered_qty=D(str(delivered))
    )
