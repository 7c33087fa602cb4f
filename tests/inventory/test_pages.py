"""Warehouse pages: render, create/confirm through the pages, query counts flat, exports."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from inventory.models import OtherReceipt, StockBalance, StockCount
from inventory.services.documents import LineInput, other_receipt_confirm, other_receipt_create
from inventory.services.ledger import MoveSpec, stock_moves_post
from tests import factories as f

D = Decimal
pytestmark = pytest.mark.django_db


def make_rows(n, start=0):
    wh = f.warehouse("RM")
    for i in range(start, start + n):
        it = f.item(f"P{i:03d}", standard_cost=D(2))
        f.stock(it, wh, 10 + i, "2.5", on_date=datetime.date.today() - datetime.timedelta(days=i * 3))
        doc = other_receipt_create(warehouse_id=wh.pk, lines=[LineInput(it.pk, D(1), D(3))])
        other_receipt_confirm(doc_id=doc.pk)
    return wh


PAGES = [
    "inventory:item_list",
    "inventory:warehouse_list",
    "inventory:on_hand",
    "inventory:ledger",
    "inventory:value_by_category",
    "inventory:dead_stock",
    "inventory:other_receipt_list",
    "inventory:other_issue_list",
    "inventory:transfer_list",
    "inventory:stock_count_list",
]


def test_list_query_count_does_not_grow_with_rows(login, django_assert_max_num_queries):
    # given 5 rows in every list, then 50: each page runs the same number of queries
    client = login("仓库")
    make_rows(5)
    few = {}
    for name in PAGES:
        with django_assert_max_num_queries(25) as q:
            assert client.get(reverse(name)).status_code == 200
        few[name] = len(q.captured_queries)
    make_rows(45, start=5)
    for name in PAGES:
        with django_assert_max_num_queries(few[name]) as q:
            assert client.get(reverse(name)).status_code == 200
        assert len(q.captured_queries) == few[name], name


@pytest.mark.parametrize("name,rows", [("inventory:on_hand", 3), ("inventory:ledger", 6), ("inventory:item_list", 3)])
def test_xlsx_export(name, rows, login):
    client = login("仓库")
    make_rows(3)
    resp = client.get(reverse(name) + "?_export=xlsx")
    assert resp.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    assert wb.active.max_row == 1 + rows  # header + rows (the ledger has opening + receipt per item)


def test_dead_stock_page_chart_and_export(login):
    client = login("仓库")
    item, wh = f.item("OLD-1", standard_cost=D(10)), f.warehouse("RM")
    for n, (day, qty) in enumerate([((2025, 1, 2), 100), ((2025, 1, 10), -50), ((2025, 3, 20), 100)], start=1):
        stock_moves_post(
            source_type="t",
            source_id=n,
            moves=[MoveSpec(item.pk, wh.pk, D(qty), D(10) if qty > 0 else None)],
            move_date=datetime.date(*day),
        )
    resp = client.get(reverse("inventory:dead_stock"), {"as_of": "2025-07-15", "idle_days": "90"})
    html = resp.content.decode()
    assert resp.status_code == 200 and "<svg" in html and "OLD-1" in html and ">186<" in html
    resp = client.get(reverse("inventory:dead_stock"), {"as_of": "2025-07-15", "idle_days": "90", "_export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    header = [c.value for c in ws[1]]
    row = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert row[header[8]] == 186
    assert D(str(row[header[3]])) == D(150)


def test_other_receipt_through_pages_then_print(login):
    client = login("仓库")
    wh, item = f.warehouse("RM"), f.item("BOLT")
    data = {
        "doc_date": "2026-01-05",
        "warehouse": wh.pk,
        "reason": "样品",
        "note": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": "BOLT",
        "lines-0-qty": "12",
        "lines-0-unit_cost": "0.5",
        "lines-1-item": "",
        "lines-1-qty": "",
    }
    resp = client.post(reverse("inventory:other_receipt_create"), data)
    doc = OtherReceipt.objects.get()
    assert resp.status_code == 302 and doc.lines.get().amount == D("6.00")
    client.post(reverse("inventory:other_receipt_confirm", args=[doc.pk]))
    assert StockBalance.objects.get(item=item, warehouse=wh).value == D("6.00")
    resp = client.get(reverse("inventory:other_receipt_print", args=[doc.pk]))
    assert resp.status_code == 200 and doc.number in resp.content.decode()


def test_bad_item_code_in_form_shows_error_nothing_saved(login):
    client = login("仓库")
    wh = f.warehouse("RM")
    data = {
        "doc_date": "2026-01-05",
        "warehouse": wh.pk,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-item": "NOPE",
        "lines-0-qty": "1",
    }
    resp = client.post(reverse("inventory:other_issue_create"), data)
    assert resp.status_code == 200 and "NOPE" in resp.content.decode()
    from inventory.models import OtherIssue

    assert not OtherIssue.objects.exists()


def test_stock_count_through_pages(login):
    client = login("仓库")
    wh, item = f.warehouse("RM"), f.item("BOLT")
    f.stock(item, wh, 40, "5.5")
    client.post(
        reverse("inventory:stock_count_create"), {"doc_date": datetime.date.today().isoformat(), "warehouse": wh.pk}
    )
    count = StockCount.objects.get()
    line = count.lines.get()
    client.post(reverse("inventory:stock_count_enter", args=[count.pk]), {f"line_{line.pk}": "43"})
    client.post(reverse("inventory:stock_count_confirm", args=[count.pk]))
    assert StockBalance.objects.get(item=item, warehouse=wh).value == D("236.50")
    assert client.get(reverse("inventory:stock_count_detail", args=[count.pk])).status_code == 200


def test_import_page_preview_then_import(login):
    client = login(superuser=True, username="boss")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "items"
    ws.append(["code", "name", "uom", "category", "supply_type"])
    ws.append(["WB-1", "Workbook item", "pcs", "A/B", "purchase"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "data.xlsx"
    resp = client.post(reverse("inventory:data_import"), {"file": buf})
    html = resp.content.decode()
    assert "import-btn" in html
    from inventory.models import Item

    assert not Item.objects.filter(code="WB-1").exists()  # preview changes nothing
    token = html.split('name="token" value="')[1].split('"')[0]
    client.post(reverse("inventory:data_import"), {"token": token, "filename": "data.xlsx", "confirm": "1"})
    assert Item.objects.get(code="WB-1").category.path == "A/B"


def test_item_detail_shows_stock_and_moves(login, django_assert_max_num_queries):
    client = login("仓库")
    wh = f.warehouse("RM")
    item = f.item("BOLT", name="螺栓")
    f.stock(item, wh, 40, "5.5")
    with django_assert_max_num_queries(20):
        resp = client.get(reverse("inventory:item_detail", args=[item.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200 and "220.00" in html and "5.5" in html


def test_supplier_list_for_buyers_query_count_flat(login, django_assert_max_num_queries):
    client = login("采购")
    for n in range(3):
        f.supplier(f"S{n}")
    with django_assert_max_num_queries(25) as few:
        assert client.get(reverse("inventory:supplier_list")).status_code == 200
    for n in range(3, 40):
        f.supplier(f"S{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = client.get(reverse("inventory:supplier_list"))
    html = resp.content.decode()
    assert resp.status_code == 200 and ">S10<" in html and ">S39<" not in html  # 25 a page, sorted by code
    assert client.get(reverse("inventory:supplier_create")).status_code == 200  # buyers maintain suppliers
