"""Sales orders: credit limit, available-to-promise dates, execution progress (domain.md §2)."""

import datetime
from decimal import Decimal

import pytest

from crm import atp, progress
from crm.selectors import line_progress
from crm.services.customers import customer_set_credit_limit
from crm.services.deliveries import delivery_confirm, delivery_create
from crm.services.invoices import invoice_confirm, invoice_create_from_deliveries
from crm.services.orders import credit_exposure, order_confirm
from erp.errors import ValidationError
from tests import factories

from .helpers import bike, customer, order

D = Decimal
pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


def test_credit_limit_blocks_confirm_with_message_and_nothing_confirmed(make_user):
    admin = make_user("boss", "管理员")
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 10, "500", on_date=TODAY)
    cust = customer("C9", name="华东车行")
    customer_set_credit_limit(customer_id=cust.pk, credit_limit="5000", user=admin)
    # given an open order of 2 × 1,000.00 + 13 % = 2,260.00, delivered 1 and invoiced (1,130.00 unpaid)
    first = order(cust, item, 2, "1000", confirm=True)
    dn = delivery_create(
        order_id=first.pk, warehouse_id=wh.pk, user=None, quantities={first.lines.get().pk: D("1")}, delivery_date=TODAY
    )
    delivery_confirm(delivery_id=dn.pk, user=None)
    invoice_confirm(invoice_id=invoice_create_from_deliveries(delivery_ids=[dn.pk], user=None).pk, user=None)
    exp = credit_exposure(cust.pk)
    assert (exp.open_orders, exp.unpaid_invoices) == (D("1130.00"), D("1130.00"))
    # when confirming another 2 × 1,000.00 (2,260.00): 1,130 + 1,130 + 2,260 = 4,520 <= 5,000 passes
    second = order(cust, item, 2, "1000", confirm=True)
    assert second.status == "confirmed"
    # a third of 1 × 1,000.00 (1,130.00): 3,390 + 1,130 + 1,130 = 5,650 > 5,000 refused
    third = order(cust, item, 1, "1000")
    with pytest.raises(ValidationError) as exc:
        order_confirm(order_id=third.pk, user=None, today=TODAY)
    assert exc.value.code == "credit_limit"
    assert str(exc.value) == (
        "Credit limit exceeded for C9 华东车行: open orders 3,390.00 + unpaid invoices 1,130.00 + this order "
        "1,130.00 = 5,650.00, above the limit of 5,000.00. The order was not confirmed."
    )
    third.refresh_from_db()
    assert third.status == "draft" and third.confirmed_at is None
    assert third.lines.get().promise_date is None


def test_only_admins_change_credit_limits(make_user):
    sales = make_user("s1", "销售")
    cust = customer()
    with pytest.raises(ValidationError):
        customer_set_credit_limit(customer_id=cust.pk, credit_limit="9999", user=sales)
    cust.refresh_from_db()
    assert cust.credit_limit == 0


@pytest.fixture
def receipts_registry():
    """A scheduled receipt of 50 on 06-10 for the bike (what production/purchasing register)."""
    rows = []

    def provider(item_ids):
        return [r for r in rows if r[0] in item_ids]

    atp.register_supply_provider(provider)
    yield rows
    atp.unregister_supply_provider(provider)


def test_promise_date_from_stock_scheduled_receipt_and_lead_time(receipts_registry):
    item = bike(lead_time_days=20)
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 12, "500", on_date=TODAY)
    receipts_registry.append((item.pk, datetime.date(2026, 6, 10), D("50")))
    cust = customer()
    # 10 from free stock: today
    a = order(cust, item, 10, confirm=True, today=TODAY)
    assert a.lines.get().promise_date == TODAY
    # 30 more: free stock is 2 now, the receipt of 50 on 06-10 covers it
    b = order(cust, item, 30, confirm=True, today=TODAY)
    assert b.lines.get().promise_date == datetime.date(2026, 6, 10)
    # 40 more: 2 + 50 − 30 = 22 left, the rest only by lead time: 06-01 + 20 = 06-21
    c = order(cust, item, 40, confirm=True, today=TODAY)
    assert c.lines.get().promise_date == datetime.date(2026, 6, 21)


@pytest.fixture
def spec_provider():
    """Production/outsourcing contributions of the spec example: WO 60 (received 40), OO 40 (received 10)."""
    data = {}

    def work_orders(line_ids):
        return {
            i: progress.Contribution(D("60"), D("40"), "behind", [("WO-1", "/wo/1/")]) for i in line_ids if i in data
        }

    def outsourcing(line_ids):
        return {
            i: progress.Contribution(D("40"), D("10"), "due_soon", [("OO-1", "/oo/1/")]) for i in line_ids if i in data
        }

    progress.register_provider(work_orders)
    progress.register_provider(outsourcing)
    yield data
    progress.unregister_provider(work_orders)
    progress.unregister_provider(outsourcing)


def test_progress_spec_example(spec_provider):
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 30, "500", on_date=TODAY)
    so = order(customer(), item, 100, confirm=True)
    line = so.lines.get()
    before = line_progress([line])[line.pk]
    assert before.status == "unplanned" and before.status_label == "Not arranged"
    spec_provider[line.pk] = True
    dn = delivery_create(
        order_id=so.pk, warehouse_id=wh.pk, user=None, quantities={line.pk: D("30")}, delivery_date=TODAY
    )
    delivery_confirm(delivery_id=dn.pk, user=None)
    line.refresh_from_db()
    p = line_progress([line])[line.pk]
    assert (p.ordered, p.received, p.shipped) == (D("100"), D("50"), D("30"))
    assert p.completion_pct == D("50.0")
    assert p.status == "partial"  # 部分完工
    assert p.ready_to_ship == D("20")
    assert p.ship_status == "partial"  # 部分出库
    assert p.warning == "behind"
    assert [label for label, _url in p.links] == ["WO-1", "OO-1"]
