"""Builders for CRM tests (real rows through the services)."""

import datetime
from decimal import Decimal

from crm.models import Customer, ItemTaxCode
from crm.services.orders import LineInput, order_confirm, order_create
from tests import factories

D = Decimal
TAX_CODE = "1090305010000000000"


def customer(code="C1", **fields):
    return Customer.objects.get_or_create(code=code, defaults={"name": fields.pop("name", f"客户{code}"), **fields})[0]


def bike(code="BK-100", **fields):
    obj = factories.item(code, supply_type=fields.pop("supply_type", "manufacture"), **fields)
    ItemTaxCode.objects.get_or_create(item=obj, defaults={"code": TAX_CODE})
    return obj


def order(cust, item, qty, price="100", *, user=None, due=None, confirm=False, today=None, **kw):
    due = due or datetime.date(2026, 6, 30)
    so = order_create(
        customer_id=cust.pk,
        lines=[LineInput(item.pk, D(str(qty)), D(str(price)), due, **kw)],
        user=user,
        order_date=datetime.date(2026, 6, 1),
    )
    if confirm:
        order_confirm(order_id=so.pk, user=user, today=today or datetime.date(2026, 6, 1))
        so.refresh_from_db()
    return so
