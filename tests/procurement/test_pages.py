import datetime

import pytest
from django.urls import reverse

from erp.navigation import _registry
from erp.roles import ROLES
from procurement import services
from procurement.models import InvoiceKind, SupplierPrice
from tests import factories as f
from tests.procurement.helpers import D, confirmed_po, outsourcing_setup

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 1, 10)


def _our_nav():
    for module, items in _registry.items():
        for item in items:
            if item.url_name.startswith("procurement:"):
                yield module, item.url_name, item.perm


def test_each_role_opens_exactly_the_procurement_pages_of_its_modules(login):
    for role, (modules, _apps, _extra) in ROLES.items():
        client = login(role, username=f"p_{role}")
        for _module, url_name, _perm in _our_nav():
            allowed = any(
                m in modules and (not perm or client.user.has_perm(perm)) for m, u, perm in _our_nav() if u == url_name
            )
            response = client.get(reverse(url_name))
            assert response.status_code == (200 if allowed else 403), f"{role} {url_name}"


def _data():
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    SupplierPrice.objects.create(supplier=sup, item=bolt, price=D("0.5"))
    req = services.requisition_create(request_date=DAY, lines=[{"item_id": bolt.pk, "qty": 10, "need_date": DAY}])
    po = confirmed_po(sup, bolt, 100, "0.5", wh=wh, order_date=DAY)
    gr = services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("50"))], receipt_date=DAY)
    inv = services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=DAY,
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": 50, "unit_price": "0.52"}],
    )
    services.supplier_invoice_confirm(invoice_id=inv.pk)
    order, *_ = outsourcing_setup()
    return req, po, gr, inv, order


def test_detail_pages_and_reports_render_for_a_buyer(login):
    req, po, gr, inv, order = _data()
    client = login("采购")
    for url in [
        reverse("procurement:requisition_detail", args=[req.pk]),
        reverse("procurement:po_detail", args=[po.pk]),
        reverse("procurement:po_receive", args=[po.pk]),
        reverse("procurement:receipt_detail", args=[gr.pk]),
        reverse("procurement:invoice_detail", args=[inv.pk]),
        reverse("procurement:outsourcing_detail", args=[order.pk]),
        reverse("procurement:invoice_create") + f"?supplier={po.supplier_id}&kind=purchase&invoice_date=2026-01-10",
        reverse("procurement:requisition_create"),
        reverse("procurement:po_create"),
        reverse("procurement:outsourcing_create"),
        reverse("procurement:price_create"),
        reverse("procurement:accrual_report") + "?year=2026&month=1",
        reverse("procurement:accrual_report") + "?year=2026&month=1&_export=xlsx",
        reverse("procurement:po_list") + "?_export=xlsx",
    ]:
        assert client.get(url).status_code == 200, url
    html = client.get(reverse("procurement:invoice_detail", args=[inv.pk])).content.decode()
    assert "26.00" in html and "1.00" in html  # amount 50 × 0.52, difference +1.00
    report = client.get(reverse("procurement:accrual_report") + "?year=2026&month=1").content.decode()
    assert "<svg" in report


def test_warehouse_clerk_receives_a_po_through_the_page(login):
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "0.5", wh=wh, order_date=DAY)
    line = po.lines.get()
    client = login("仓库")
    client.cookies["django_language"] = "en"
    assert client.get(reverse("procurement:po_detail", args=[po.pk])).status_code == 403
    response = client.post(
        reverse("procurement:po_receive", args=[po.pk]),
        {"receipt_date": "2026-01-11", "warehouse": wh.pk, f"qty_{line.pk}": "40"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.received_qty == D("40")
    # over-receipt through the page: an error message, nothing posted
    response = client.post(
        reverse("procurement:po_receive", args=[po.pk]),
        {"receipt_date": "2026-01-11", "warehouse": wh.pk, f"qty_{line.pk}": "61"},
        follow=True,
    )
    assert "at most 100" in response.content.decode()
    line.refresh_from_db()
    assert line.received_qty == D("40")


@pytest.mark.parametrize("n", [5, 50])
def test_list_pages_do_not_grow_queries_with_rows(login, django_assert_max_num_queries, n):
    wh, sup = f.warehouse("WH"), f.supplier("S1")
    for i in range(n):
        it = f.item(f"I{i}")
        po = confirmed_po(sup, it, 10, "1", wh=wh, order_date=DAY)
        services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("5"))], receipt_date=DAY)
    client = login("采购")
    for name in [
        "po_list",
        "receipt_list",
        "receiving",
        "supplier_performance",
        "accrual_report",
        "payables_ageing",
        "requisition_list",
        "invoice_list",
        "price_list",
        "outsourcing_list",
        "outsourcing_materials",
    ]:
        with django_assert_max_num_queries(25):
            assert client.get(reverse(f"procurement:{name}")).status_code == 200


def test_fee_invoice_page_lists_outsourcing_receipts(login):
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=10, per=1)
    services.outsourcing_material_move(
        order_id=order.pk, kind="issue", lines=[(order.materials.get().pk, 10)], on_date=DAY
    )
    rc = services.outsourcing_receipt_post(order_id=order.pk, qty=D("10"), receipt_date=DAY)
    client = login("采购")
    html = client.get(
        reverse("procurement:invoice_create")
        + f"?supplier={sup.pk}&kind={InvoiceKind.OUTSOURCING}&invoice_date=2026-01-31"
    ).content.decode()
    assert rc.number in html
