"""变更 of a confirmed sales-order line: quantity (never below delivered/invoiced) and due date,
with a reason (audit row); amounts and totals recomputed; the page offers the shortage analysis."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation

from crm.models import SalesOrder, SalesOrderLine
from crm.services.orders import sales_order_line_change
from erp.errors import DomainError

from .helpers import bike, customer, order


def confirmed(qty=100, delivered=0):
    so = order(customer(), bike(), qty, "10", confirm=True, tax_rate=D("0.13"))
    line = so.lines.get()
    if delivered:
        SalesOrderLine.objects.filter(pk=line.pk).update(delivered_qty=D(delivered))
        line.refresh_from_db()
    return so, line


def snapshot(so):
    so.refresh_from_db()
    ln = so.lines.get()
    return (ln.qty, ln.due_date, ln.amount, so.total, so.history.count())


@pytest.mark.django_db
def test_quantity_and_due_date_change_with_the_reason_in_the_audit_row():
    so, line = confirmed()
    new_due = datetime.date(2026, 7, 15)
    sales_order_line_change(line_id=line.pk, qty=D(150), due_date=new_due, reason="customer adds 50")
    line.refresh_from_db()
    so.refresh_from_db()
    assert (line.qty, line.due_date, line.amount, line.tax_amount) == (150, new_due, D("1500.00"), D("195.00"))
    assert (so.amount, so.total) == (D("1500.00"), D("1695.00"))
    rec = so.history.order_by("-history_id").first()
    assert "100 → 150" in rec.history_change_reason and "customer adds 50" in rec.history_change_reason


@pytest.mark.django_db
def test_never_below_what_was_delivered_and_nothing_changes_when_refused():
    so, line = confirmed(delivered=40)
    before = snapshot(so)
    with translation.override("en"), pytest.raises(DomainError) as exc:
        sales_order_line_change(line_id=line.pk, qty=D(39), reason="cut")
    assert "40" in str(exc.value)
    assert snapshot(so) == before
    sales_order_line_change(line_id=line.pk, qty=D(40), reason="cut to what was shipped")
    assert so.lines.get().qty == 40


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"qty": D(120), "reason": " "},  # no reason
        {"qty": D(0), "reason": "x"},
        {"due_date": datetime.date(2026, 5, 1), "reason": "before the order date"},
    ],
)
def test_refused_changes_leave_the_order_as_it_was(kwargs):
    so, line = confirmed()
    before = snapshot(so)
    with pytest.raises(DomainError):
        sales_order_line_change(line_id=line.pk, **kwargs)
    assert snapshot(so) == before


@pytest.mark.django_db
def test_only_lines_of_confirmed_orders():
    so = order(customer(), bike(), 10, "10")  # draft
    with pytest.raises(DomainError):
        sales_order_line_change(line_id=so.lines.get().pk, qty=D(12), reason="x")
    assert so.lines.get().qty == 10


@pytest.mark.django_db
def test_page_change_offers_the_shortage_analysis_in_one_click(admin_client_su):
    so, line = confirmed()
    url = reverse("crm:order_line_change", args=[so.pk])
    resp = admin_client_su.post(url, {"line": line.pk, "qty": "150", "due_date": "", "reason": "more"}, follow=True)
    assert SalesOrderLine.objects.get(pk=line.pk).qty == 150
    assert f"/mrp/analysis/shortage/?so_line={line.pk}" in resp.content.decode()
    # a line of another order is a 404; a refused quantity is a message, nothing changed
    other, other_line = confirmed()
    assert admin_client_su.post(url, {"line": other_line.pk, "qty": "5", "reason": "x"}).status_code == 404
    admin_client_su.post(url, {"line": line.pk, "qty": "1,5", "reason": "x"})
    assert SalesOrderLine.objects.get(pk=line.pk).qty == 150
    assert SalesOrder.objects.get(pk=other.pk).lines.get().qty == 100
