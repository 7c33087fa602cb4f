"""Print views and PDFs (issue #18 item 4): every document type prints on the kernel's A4 layout
(erp/print_base.html) with its number, lines and totals, and downloads as a PDF (WeasyPrint, CJK
fonts); the print and PDF URLs have the access of the detail page (module, crm ownership)."""

import datetime
import re
import zlib
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation

from crm.services.deliveries import delivery_create
from crm.services.orders import LineInput, quotation_create
from inventory.services import counts, documents
from inventory.services.documents import LineInput as StockLine
from procurement import services as purchasing
from production.services import picking as picking_svc
from production.services import receipts as receipt_svc
from tests import factories as f
from tests.crm import helpers as crm
from tests.procurement.helpers import confirmed_po, outsourcing_setup
from tests.production.helpers import make_wo

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 6, 1)


@pytest.fixture
def docs(make_user):
    """One document of every printed type, with numbers a reader can check by hand."""
    seller = make_user("seller_a", "销售")
    cust = crm.customer("C1", name="华东车行")
    bike = crm.bike("BK-100", name="城市自行车")
    fg = f.warehouse("FGW")
    f.stock(bike, fg, 20, "700", on_date=DAY)
    # 10 × 1,180.00 = 11,800.00, 13 % tax 1,534.00, total 13,334.00
    quote = quotation_create(
        customer_id=cust.pk, lines=[LineInput(bike.pk, D(10), D(1180), DAY)], user=seller, quote_date=DAY
    )
    order = crm.order(cust, bike, 10, "1180", user=seller, confirm=True)
    delivery = delivery_create(order_id=order.pk, warehouse_id=fg.pk, user=seller, delivery_date=DAY)
    bolt = f.item("BOLT", name="螺栓 M8")
    sup = f.supplier("S1", name="苏州五金")
    req = purchasing.requisition_create(
        request_date=DAY,
        department="生产部",
        lines=[{"item_id": bolt.pk, "qty": D(250), "need_date": DAY, "supplier_id": sup.pk}],
    )
    po = confirmed_po(sup, bolt, 250, "0.48", order_date=DAY)  # 120.00 + 15.60 = 135.60
    oo, *_rest = outsourcing_setup(qty=100, per=2, fee="5.00")  # 500.00 + 65.00 = 565.00; A 200
    rm = f.warehouse("RM")
    wo = make_wo("FG1", qty=10, lines=[("PA", 2, "manual", rm)])
    f.stock(f.item("PA"), rm, 30, on_date=DAY)
    pick = picking_svc.picking_create_kit(work_order_id=wo.pk, pick_date=DAY)  # 10 sets: 20 PA
    picking_svc.picking_confirm(picking_id=pick.pk)
    receipt = receipt_svc.fg_receipt_create(work_order_id=wo.pk, qty=D(4), receipt_date=DAY)
    wh = f.warehouse("WH")
    other_receipt = documents.other_receipt_create(
        warehouse_id=wh.pk, lines=[StockLine(bolt.pk, D(12), D("0.5"))], doc_date=DAY, reason="样品"
    )  # 12 × 0.50 = 6.00
    documents.other_receipt_confirm(doc_id=other_receipt.pk)
    other_issue = documents.other_issue_create(warehouse_id=wh.pk, lines=[StockLine(bolt.pk, D(5))], doc_date=DAY)
    transfer = documents.transfer_create(
        from_warehouse_id=wh.pk, to_warehouse_id=rm.pk, lines=[StockLine(bolt.pk, D(7))], doc_date=DAY
    )
    count = counts.stock_count_open(warehouse_id=wh.pk, item_ids=[bolt.pk], doc_date=DAY)
    return {
        "seller": seller,
        "crm:quotation": (quote, ["报价单", "BK-100", "城市自行车", "1,180.00", "11,800.00", "1,534.00", "13,334.00"]),
        "crm:order": (order, ["销售订单", "BK-100", "13%", "11,800.00", "1,534.00", "13,334.00"]),
        "crm:delivery": (delivery, ["送货单", "BK-100", order.number, "华东车行"]),
        "procurement:requisition": (req, ["采购申请", "BOLT", "螺栓 M8", "250", "生产部", "2026-06-01", "苏州五金"]),
        "procurement:po": (po, ["采购订单", "BOLT", "250", "0.48", "120.00", "15.60", "135.60", "苏州五金"]),
        "procurement:outsourcing": (oo, ["委外加工单", "FRAME", "5.00", "500.00", "65.00", "565.00", "200"]),
        "production:picking": (pick, ["领料单", "PA", wo.number, "20"]),
        "production:receipt": (receipt, ["完工入库单", "FG1", wo.number, ">4<"]),
        "inventory:other_receipt": (other_receipt, ["其他入库单", "BOLT", "12", "0.50", "6.00", "样品"]),
        "inventory:other_issue": (other_issue, ["其他出库单", "BOLT", ">5<"]),
        "inventory:transfer": (transfer, ["调拨单", "BOLT", ">7<", "RM"]),
        "inventory:stock_count": (count, ["盘点单", "BOLT", ">12<"]),
    }


KINDS = [
    "crm:quotation",
    "crm:order",
    "crm:delivery",
    "procurement:requisition",
    "procurement:po",
    "procurement:outsourcing",
    "production:picking",
    "production:receipt",
    "inventory:other_receipt",
    "inventory:other_issue",
    "inventory:transfer",
    "inventory:stock_count",
]


def _zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


@pytest.mark.parametrize("kind", KINDS)
def test_print_page_shows_number_lines_and_totals(kind, docs, login):
    doc, expected = docs[kind]
    client = _zh(login(superuser=True, username="boss"))
    html = client.get(reverse(f"{kind}_print", args=[doc.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert doc.number in html and "<svg" in html  # the QR code of the number
    assert "天工" in html or "company" not in html  # the company header from the settings
    for text in expected:
        assert text in html, (kind, text)
    assert 'class="sheet"' in html and "@page" in html  # the kernel's A4 layout
    assert not re.search(r"\bon(click|load)=", html)  # no inline JavaScript (CSP)
    # the detail page links to both
    detail = client.get(reverse(f"{kind}_detail", args=[doc.pk])).content.decode()
    assert reverse(f"{kind}_print", args=[doc.pk]) in detail and reverse(f"{kind}_pdf", args=[doc.pk]) in detail


def _pdf_text(data: bytes) -> bytes:
    """The PDF's streams inflated (its metadata with the title sits in a compressed object stream)."""
    out = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(out)


@pytest.mark.parametrize("kind", ["crm:order", "procurement:po", "production:picking", "inventory:other_receipt"])
def test_pdf_download_is_a_pdf_named_by_the_number(kind, docs, login):
    doc, _expected = docs[kind]
    client = _zh(login(superuser=True, username="boss"))
    response = client.get(reverse(f"{kind}_pdf", args=[doc.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{doc.number}.pdf"
    data = response.content
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 20_000  # the Chinese glyphs are embedded (Noto Sans CJK subset)
    text = _pdf_text(data)
    assert f"/Title ({doc.number})".encode() in text
    assert b"NotoSansCJK" in text  # the CJK font, not a fallback without Chinese glyphs


def test_every_document_type_renders_as_pdf(docs, login):
    client = login(superuser=True, username="boss")
    with translation.override("zh-hans"):
        for kind in KINDS:
            doc, _expected = docs[kind]
            response = client.get(reverse(f"{kind}_pdf", args=[doc.pk]))
            assert response.status_code == 200 and response.content.startswith(b"%PDF-"), kind


def test_another_salespersons_order_is_not_printed(docs, make_user, client):
    """Ownership (crm.access): the document of another salesperson is a 404, as its detail page."""
    client.force_login(make_user("seller_b", "销售"))
    for kind in ("crm:quotation", "crm:order", "crm:delivery"):
        doc, _expected = docs[kind]
        for suffix in ("print", "pdf", "detail"):
            assert client.get(reverse(f"{kind}_{suffix}", args=[doc.pk])).status_code == 404, (kind, suffix)
    client.force_login(docs["seller"])  # the owner prints it
    order = docs["crm:order"][0]
    assert client.get(reverse("crm:order_print", args=[order.pk])).status_code == 200


def test_print_needs_the_module_of_the_document(docs, login, client):
    order, po = docs["crm:order"][0], docs["procurement:po"][0]
    anonymous = client.get(reverse("crm:order_print", args=[order.pk]))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    warehouse = login("仓库", username="keeper")
    assert warehouse.get(reverse("crm:order_print", args=[order.pk])).status_code == 403
    assert warehouse.get(reverse("procurement:po_pdf", args=[po.pk])).status_code == 403
    pick = docs["production:picking"][0]
    assert warehouse.get(reverse("production:picking_print", args=[pick.pk])).status_code == 200
    assert warehouse.get(reverse("production:picking_print", args=[999999])).status_code == 404
    assert warehouse.post(reverse("production:picking_print", args=[pick.pk])).status_code == 405


def test_print_in_english(docs, login):
    client = login(superuser=True, username="boss")
    client.cookies["django_language"] = "en"
    po = docs["procurement:po"][0]
    html = client.get(reverse("procurement:po_print", args=[po.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in ("Purchase order", "Unit price", "Total incl. tax", "135.60", po.number):
        assert text in html, text


def test_voucher_prints_on_the_same_layout_on_a4_and_voucher_paper(login):
    from ledger.services import vouchers as vs
    from ledger.services.accounts import ensure_default_chart

    ensure_default_chart()
    v = vs.voucher_create(
        on_date=datetime.date(2026, 1, 10),
        summary="工资",
        lines=[vs.LineSpec("4101", debit=D("1200.00"), summary="工资"), vs.LineSpec("2211", credit=D("1200.00"))],
        post=True,
    )
    v.refresh_from_db()
    client = _zh(login("会计", username="acct"))
    html = client.get(reverse("ledger:voucher_print", args=[v.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    number = f"2026-01-记-{v.number:04d}"
    assert number in html and "记账凭证" in html and "1,200.00" in html and "4101" in html
    assert f"记字第 {v.number} 号" in html
    assert "size: A4" in html and "data-autoprint" in html
    paper = client.get(reverse("ledger:voucher_print", args=[v.pk]) + "?paper=voucher").content.decode()
    assert "size: 240mm 140mm" in paper and reverse("ledger:voucher_pdf", args=[v.pk]) + "?paper=voucher" in paper
    pdf = client.get(reverse("ledger:voucher_pdf", args=[v.pk]) + "?paper=voucher")
    assert pdf.content.startswith(b"%PDF-") and b"/MediaBox [0 0 680.3" in _pdf_text(pdf.content)  # 240 mm wide
    assert login("销售", username="sales9").get(reverse("ledger:voucher_pdf", args=[v.pk])).status_code == 403


def test_an_open_count_prints_as_a_blank_count_sheet(docs, login):
    count = docs["inventory:stock_count"][0]
    client = _zh(login(superuser=True, username="boss"))
    html = client.get(reverse("inventory:stock_count_print", args=[count.pk])).content.decode()
    row = re.search(r"<tbody><tr>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[4:9] == ["12", "", "", "0.50", ""]  # book 12; counted, difference, value left blank


@pytest.mark.parametrize("lines", [5, 50])
def test_print_queries_do_not_grow_with_lines(lines, login, django_assert_max_num_queries):
    from procurement.services import purchase_order_create

    sup = f.supplier("S9")
    items = [f.item(f"Q-{i:03d}") for i in range(lines)]
    po = purchase_order_create(
        supplier_id=sup.pk,
        order_date=DAY,
        lines=[{"item_id": it.pk, "qty": D(2), "unit_price": D("1.50"), "due_date": DAY} for it in items],
    )
    client = login(superuser=True, username="boss")
    url = reverse("procurement:po_print", args=[po.pk])
    client.get(url)  # warm-up: session, company settings row
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert html.count("<tr><td") >= lines and f"{lines * 3:,}.00" in html  # 2 × 1.50 per line
