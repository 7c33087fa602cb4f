"""Quotation → order, payment plans, receipts matched to invoices, AR ageing, service tickets."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import SalesInvoice
from crm.selectors import ar_ageing, overdue_tickets
from crm.services.invoices import InvoiceLineInput, invoice_confirm, invoice_create
from crm.services.orders import LineInput, quotation_create, quotation_to_order
from crm.services.receipts import payment_plan_add, receipt_confirm, receipt_create
from crm.services.tickets import ticket_create, ticket_set_status
from erp.errors import ValidationError

from .helpers import TAX_CODE, bike, customer, order

D = Decimal
pytestmark = pytest.mark.django_db


def test_quotation_pushes_down_to_order_keeping_lines():
    item = bike()
    q = quotation_create(
        customer_id=customer().pk,
        user=None,
        lines=[LineInput(item.pk, D("10"), D("100"), datetime.date(2026, 7, 1), D("0.13"), D("0.05"))],
    )
    # 10 × 100 × 0.95 = 950.00, tax 123.50
    assert (q.amount, q.tax_amount, q.total) == (D("950.00"), D("123.50"), D("1073.50"))
    so = quotation_to_order(quotation_id=q.pk, user=None)
    q.refresh_from_db()
    assert q.status == "ordered" and so.quotation_id == q.pk and so.total == D("1073.50")
    assert so.lines.get().quotation_line_id == q.lines.get().pk
    assert quotation_to_order(quotation_id=q.pk, user=None).pk == so.pk


def _invoice(cust, total_qty, day):
    inv = invoice_create(
        customer_id=cust.pk,
        user=None,
        invoice_date=day,
        lines=[InvoiceLineInput(bike().pk, D(total_qty), D("100"), tax_code=TAX_CODE)],
    )
    invoice_confirm(invoice_id=inv.pk, user=None)
    inv.refresh_from_db()
    return inv


def test_receipt_matches_invoices_and_ageing_buckets():
    cust = customer(payment_terms_days=30)
    a = _invoice(cust, "10", datetime.date(2026, 3, 1))  # 1,130.00 due 03-31
    b = _invoice(cust, "5", datetime.date(2026, 5, 20))  # 565.00 due 06-19
    # a receipt of 1,000.00 matched to A; more than A's open amount is refused
    bad = receipt_create(customer_id=cust.pk, amount="2000", allocations={a.pk: D("1200")}, user=None)
    with pytest.raises(ValidationError):
        receipt_confirm(receipt_id=bad.pk, user=None)
    a.refresh_from_db()
    assert a.paid_amount == 0
    rc = receipt_create(customer_id=cust.pk, amount="1000", allocations={a.pk: D("1000")}, user=None)
    receipt_confirm(receipt_id=rc.pk, user=None)
    a.refresh_from_db()
    assert a.open_amount == D("130.00")
    # as of 06-30: A is 91 days overdue (130.00), B 11 days (565.00)
    report = ar_ageing(as_of=datetime.date(2026, 6, 30))
    assert report["totals"] == [D("0"), D("565.00"), D("0"), D("0"), D("130.00")]
    assert report["grand_total"] == D("695.00")
    assert SalesInvoice.objects.get(pk=b.pk).open_amount == D("565.00")


def test_payment_plan_advanced_by_receipt_of_the_order():
    item = bike()
    so = order(customer(), item, 10, "100", confirm=True)  # 1,130.00
    payment_plan_add(order_id=so.pk, due_date=datetime.date(2026, 6, 10), amount="330", user=None)
    payment_plan_add(order_id=so.pk, due_date=datetime.date(2026, 7, 10), amount="800", user=None)
    with pytest.raises(ValidationError):
        payment_plan_add(order_id=so.pk, due_date=datetime.date(2026, 8, 10), amount="0.01", user=None)
    rc = receipt_create(customer_id=so.customer_id, amount="500", order_id=so.pk, user=None)
    receipt_confirm(receipt_id=rc.pk, user=None)
    assert [(p.amount, p.received_amount) for p in so.payment_plans.all()] == [
        (D("330.00"), D("330.00")),
        (D("800.00"), D("170.00")),
    ]


def test_overdue_service_tickets():
    cust = customer()
    now = timezone.now()
    late = ticket_create(customer_id=cust.pk, subject="车把松动", due_at=now - datetime.timedelta(hours=2), user=None)
    ticket_create(customer_id=cust.pk, subject="咨询", due_at=now + datetime.timedelta(days=1), user=None)
    done = ticket_create(customer_id=cust.pk, subject="已修好", due_at=now - datetime.timedelta(days=1), user=None)
    ticket_set_status(ticket_id=done.pk, status="resolved", user=None)
    assert [t.pk for t in overdue_tickets()] == [late.pk]
