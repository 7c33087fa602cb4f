"""Sales invoices (数电): domain.md §7 worked example, tax-inclusive rounding, red-letter limits."""

import datetime
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from crm.engine import line_amounts
from crm.models import SalesInvoice
from crm.services.deliveries import delivery_confirm, delivery_create
from crm.services.invoices import (
    invoice_confirm,
    invoice_create_from_deliveries,
    invoice_payload,
    invoice_record_tax_number,
    invoice_red_create,
    invoices_xlsx,
)
from erp.errors import ValidationError
from tests import factories

from .helpers import bike, customer, order

D = Decimal
pytestmark = pytest.mark.django_db


def _blue_invoice(user=None):
    """given an order 10 × 100.00 at 13 %, delivered and invoiced"""
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 20, "500", on_date=datetime.date(2026, 6, 1))
    cust = customer("C1", tax_id="91310000MA1FL0XX1X")
    so = order(cust, item, 10, "100.00", confirm=True)
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=user, delivery_date=datetime.date(2026, 6, 5))
    delivery_confirm(delivery_id=dn.pk, user=user)
    inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=user, invoice_date=datetime.date(2026, 6, 6))
    invoice_confirm(invoice_id=inv.pk, user=user)
    inv.refresh_from_db()
    return inv, so


def test_spec_example_blue_then_red_for_return_of_3():
    inv, so = _blue_invoice()
    # then 1,000.00 + 130.00 = 1,130.00
    assert (inv.amount, inv.tax_amount, inv.total) == (D("1000.00"), D("130.00"), D("1130.00"))
    line = inv.lines.get()
    assert line.tax_code == "1090305010000000000" and len(line.tax_code) == 19
    assert so.lines.get().invoiced_qty == D("10")
    # when returning 3 -> red invoice, reason 2
    red = invoice_red_create(blue_id=inv.pk, reason="2", quantities={line.pk: D("3")}, user=None)
    invoice_confirm(invoice_id=red.pk, user=None)
    red.refresh_from_db()
    assert (red.amount, red.tax_amount, red.total) == (D("-300.00"), D("-39.00"), D("-339.00"))
    assert red.red_reason == "2" and red.original_id == inv.pk and red.kind == "red"
    assert red.lines.get().original_line_id == line.pk
    assert so.lines.get().invoiced_qty == D("7")


def test_red_over_blue_refused_and_nothing_changed():
    inv, so = _blue_invoice()
    line = inv.lines.get()
    red = invoice_red_create(blue_id=inv.pk, reason="2", quantities={line.pk: D("8")}, user=None)
    invoice_confirm(invoice_id=red.pk, user=None)
    count = SalesInvoice.objects.count()
    # when reversing 3 more (8 + 3 > 10)
    with pytest.raises(ValidationError) as exc:
        invoice_red_create(blue_id=inv.pk, reason="1", quantities={line.pk: D("3")}, user=None)
    assert exc.value.code == "red_over_blue"
    assert SalesInvoice.objects.count() == count
    assert so.lines.get().invoiced_qty == D("2")
    # a red invoice that alone exceeds the blue one
    with pytest.raises(ValidationError):
        invoice_red_create(blue_id=inv.pk, reason="2", quantities={line.pk: D("11")}, user=None)
    assert SalesInvoice.objects.count() == count


def test_two_draft_reds_cannot_together_exceed_the_blue_at_confirm():
    inv, _so = _blue_invoice()
    line = inv.lines.get()
    r1 = invoice_red_create(blue_id=inv.pk, reason="4", quantities={line.pk: D("6")}, user=None)
    r2 = invoice_red_create(blue_id=inv.pk, reason="4", quantities={line.pk: D("6")}, user=None)
    invoice_confirm(invoice_id=r1.pk, user=None)
    with pytest.raises(ValidationError):
        invoice_confirm(invoice_id=r2.pk, user=None)
    r2.refresh_from_db()
    assert r2.status == "draft" and r2.request_serial is None


def test_tax_inclusive_rounding_per_line():
    # gross 100.00 at 13 %: tax = 100.00 − round(100.00 / 1.13, 2) = 100.00 − 88.50 = 11.50
    a = line_amounts(D("1"), D("100.00"), D("0.13"), inclusive=True)
    assert (a.amount, a.tax, a.gross) == (D("88.50"), D("11.50"), D("100.00"))
    # 3 × 33.33 incl. 13 %: gross 99.99, net round(88.4867…) = 88.49, tax 11.50
    a = line_amounts(D("3"), D("33.33"), D("0.13"), inclusive=True)
    assert (a.amount, a.tax, a.gross) == (D("88.49"), D("11.50"), D("99.99"))
    # exclusive: 3 × 33.33 = 99.99, tax round(12.9987) = 13.00
    a = line_amounts(D("3"), D("33.33"), D("0.13"))
    assert (a.amount, a.tax, a.gross) == (D("99.99"), D("13.00"), D("112.99"))


def test_inclusive_invoice_from_delivery():
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 5, "500", on_date=datetime.date(2026, 6, 1))
    so = order(customer(), item, 1, "100.00", confirm=True)
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, delivery_date=datetime.date(2026, 6, 2))
    delivery_confirm(delivery_id=dn.pk, user=None)
    inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=None, prices_include_tax=True)
    # price incl. tax 113.00 -> gross 113.00, net 100.00, tax 13.00
    assert (inv.amount, inv.tax_amount, inv.total) == (D("100.00"), D("13.00"), D("113.00"))


def test_export_json_and_xlsx_with_unique_serials_and_record_number():
    inv, so = _blue_invoice()
    red = invoice_red_create(blue_id=inv.pk, reason="2", quantities={inv.lines.get().pk: D("3")}, user=None)
    invoice_confirm(invoice_id=red.pk, user=None)
    red.refresh_from_db()
    assert inv.request_serial and red.request_serial and inv.request_serial != red.request_serial
    body = json.loads(json.dumps(invoice_payload(inv)))
    assert body["requestSerialNo"] == inv.request_serial
    assert body["buyer"] == {
        "name": "客户C1",
        "taxId": "91310000MA1FL0XX1X",
        "address": "",
        "bank": "",
        "bankAccount": "",
    }
    assert body["lines"][0]["taxClassificationCode"] == "1090305010000000000"
    assert (body["totalAmount"], body["totalTax"], body["totalWithTax"]) == ("1000.00", "130.00", "1130.00")
    assert invoice_payload(red)["redReason"] == "2"
    wb = load_workbook(__import__("io").BytesIO(invoices_xlsx([inv, red])))
    head = list(wb["发票基本信息"].values)
    assert head[1][0] == inv.request_serial and head[2][0] == red.request_serial
    assert head[2][6:9] == ("-300.00", "-39.00", "-339.00")
    # the platform returns the 20-digit number
    with pytest.raises(ValidationError):
        invoice_record_tax_number(
            invoice_id=inv.pk, number="2532000000012345", issued_on=datetime.date(2026, 6, 6), user=None
        )
    inv.refresh_from_db()
    assert inv.tax_invoice_number == ""
    invoice_record_tax_number(
        invoice_id=inv.pk, number="25320000000012345678", issued_on=datetime.date(2026, 6, 6), user=None
    )
    inv.refresh_from_db()
    assert inv.tax_invoice_number == "25320000000012345678" and inv.tax_invoice_date == datetime.date(2026, 6, 6)


def test_invoice_without_19_digit_tax_code_refused():
    item = factories.item("NOCODE")
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 5, on_date=datetime.date(2026, 6, 1))
    so = order(customer(), item, 1, "10", confirm=True)
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, delivery_date=datetime.date(2026, 6, 2))
    delivery_confirm(delivery_id=dn.pk, user=None)
    inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=None)
    with pytest.raises(ValidationError) as exc:
        invoice_confirm(invoice_id=inv.pk, user=None)
    assert exc.value.code == "tax_code"
    inv.refresh_from_db()
    assert inv.status == "draft" and so.lines.get().invoiced_qty == 0
