"""Safe exports (issue #10 item 6): text a spreadsheet would run as a formula is written as text
(xlsx string cells; in CSV a leading apostrophe that the importer removes again). Numbers stay
numbers, negative ones too."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command

from crm.models import Customer
from erp.exports import csv_text, csv_untext, xlsx_append

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://x")'
FORMULA_LIKE = [EVIL, "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd"]


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_is_text_in_both_formats(text):
    wb = openpyxl.Workbook()
    ws = wb.active
    xlsx_append(ws, [text, -5, 3.5, "-12.50", "plain"])
    buf = io.BytesIO()
    wb.save(buf)
    row = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active[1]
    assert [c.data_type for c in row] == ["s", "n", "n", "s", "s"]
    assert row[0].value == text.replace("\r", "\n") and row[1].value == -5  # XML reads CR as LF
    assert csv_text(text) == "'" + text and csv_untext(csv_text(text)) == text
    # numbers, negative ones too, are left alone
    assert [csv_text(v) for v in ("-5", "-12.50", "+3", "-1,234.5", -5, "plain")] == [
        "-5",
        "-12.50",
        "+3",
        "-1,234.5",
        -5,
        "plain",
    ]


def _customer_rows(client, fmt):
    resp = client.get(f"/crm/customers/?_export={fmt}")
    assert resp.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    return [list(r) for r in ws.iter_rows()]


def test_customer_named_like_a_formula_is_text_in_the_list_exports(login):
    Customer.objects.create(code="EVIL", name=EVIL, credit_limit=5000)
    Customer.objects.create(code="NEG", name="-2+3", phone="-")
    client = login("管理员", username="exp_admin")
    client.cookies["django_language"] = "en"

    rows = _customer_rows(client, "xlsx")
    header = [c.value for c in rows[0]]
    evil = next(r for r in rows if r[0].value == "EVIL")
    name = evil[header.index("Name")]
    assert name.value == EVIL and name.data_type == "s"  # shown, never evaluated
    assert evil[header.index("Credit limit")].data_type == "n"  # numbers stay numbers
    neg = next(r for r in rows if r[0].value == "NEG")
    assert neg[header.index("Name")].value == "-2+3" and neg[header.index("Name")].data_type == "s"

    rows = _customer_rows(client, "csv")
    header = rows[0]
    evil = next(r for r in rows if r[0] == "EVIL")
    assert evil[header.index("Name")] == "'" + EVIL
    assert next(r for r in rows if r[0] == "NEG")[header.index("Name")] == "'-2+3"


def test_export_data_writes_an_apostrophe_and_import_data_restores_the_name(tmp_path):
    Customer.objects.create(code="EVIL", name=EVIL, contact="@admin", phone="-", address="plain")
    Customer.objects.create(code="TAB", name="\tTabbed", phone="-138 0000")
    call_command("export_data", str(tmp_path), stdout=io.StringIO())
    with open(tmp_path / "customers.csv", encoding="utf-8", newline="") as fh:
        rows = {r["code"]: r for r in csv.DictReader(fh)}
    assert rows["EVIL"]["name"] == "'" + EVIL and rows["EVIL"]["contact"] == "'@admin"
    assert rows["EVIL"]["address"] == "plain" and rows["EVIL"]["phone"] == "'-"
    assert rows["TAB"]["phone"] == "'-138 0000"
    # the names are changed in Tiangong, then the export is imported back: the originals return
    Customer.objects.filter(code="EVIL").update(name="renamed", contact="x")
    Customer.objects.filter(code="TAB").update(phone="1")
    out = io.StringIO()
    call_command("import_data", str(tmp_path), stdout=out, stderr=io.StringIO())
    evil = Customer.objects.get(code="EVIL")
    assert (evil.name, evil.contact, evil.phone) == (EVIL, "@admin", "-")
    assert Customer.objects.get(code="TAB").phone == "-138 0000"
    assert "customers.csv: 2 rows, 0 created, 2 updated, 0 unchanged" in out.getvalue()


def test_invoice_workbook_keeps_a_formula_like_buyer_as_text():
    from crm.services.deliveries import delivery_confirm, delivery_create
    from crm.services.invoices import invoice_confirm, invoice_create_from_deliveries, invoices_xlsx
    from tests import factories
    from tests.crm.helpers import bike, customer, order

    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 20, "500", on_date=datetime.date(2026, 6, 1))
    cust = customer("C1", name=EVIL, tax_id="91310000MA1FL0XX1X")
    so = order(cust, item, 10, "100.00", confirm=True)
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, delivery_date=datetime.date(2026, 6, 5))
    delivery_confirm(delivery_id=dn.pk, user=None)
    inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=None, invoice_date=datetime.date(2026, 6, 6))
    invoice_confirm(invoice_id=inv.pk, user=None)
    inv.refresh_from_db()
    wb = openpyxl.load_workbook(io.BytesIO(invoices_xlsx([inv])))
    buyer = wb["发票基本信息"].cell(row=2, column=4)
    assert buyer.value == EVIL and buyer.data_type == "s"
