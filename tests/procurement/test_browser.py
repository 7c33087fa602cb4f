"""Headless Chromium: a buyer turns a requisition into a PO, receives it and matches an invoice."""

import datetime

import pytest
from django.utils import timezone

from inventory.models import StockBalance
from procurement import services
from procurement.models import PurchaseOrder, SupplierInvoice, SupplierPrice
from tests import factories as f
from tests.conftest import screenshot
from tests.procurement.helpers import D

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_requisition_to_po_to_receipt_to_invoice(browser_login):
    # given an approved requisition for 100 tyres, supplier S2 on the price list at 28.00
    wh = f.warehouse("RM", name="原材料仓")
    sup = f.supplier("S2", name="厦门正新橡胶工业")
    tyre = f.item("PP-TYRE", name="轮胎", default_supplier=sup, default_warehouse=wh)
    SupplierPrice.objects.create(supplier=sup, item=tyre, price=D("28"), lead_time_days=10)
    today = timezone.localdate()
    req = services.requisition_create(
        request_date=today,
        lines=[
            {
                "item_id": tyre.pk,
                "qty": D("100"),
                "need_date": today + datetime.timedelta(days=10),
                "source_type": "mrp.plannedorder",
                "source_id": 1,
                "source_number": "MRP-1",
            }
        ],
    )
    services.requisition_approve(requisition_id=req.pk)
    page = browser_login("采购", username="buyer")

    # the buyer converts the requisition
    page.goto(page.base_url + f"/procurement/requisitions/{req.pk}/")
    screenshot(page, "procurement_requisition")
    page.click("#convert-btn")
    page.wait_for_selector("#confirm-btn")
    po = PurchaseOrder.objects.get()
    assert page.url.endswith(f"/procurement/orders/{po.pk}/")
    page.click("#confirm-btn")
    page.wait_for_selector("#receive-link")
    screenshot(page, "procurement_po_confirmed")

    # receives 100 into the raw-material warehouse
    page.click("#receive-link")
    page.wait_for_selector("#post-receipt")
    page.select_option("select[name=warehouse]", str(wh.pk))
    screenshot(page, "procurement_receive")
    page.click("#post-receipt")
    page.wait_for_url("**/procurement/receipts/*/")
    screenshot(page, "procurement_receipt")
    assert StockBalance.objects.get(item=tyre, warehouse=wh).value == D("2800.00")

    # and matches the supplier's invoice at 28.50
    page.goto(page.base_url + "/procurement/invoices/new/")
    page.select_option("select[name=supplier]", str(sup.pk))
    page.fill("input[name=supplier_invoice_no]", "44001234")
    page.click("#show-lines")
    line = po.lines.get().receipt_lines.get()
    page.wait_for_selector(f"input[name=qty_{line.pk}]")
    page.fill(f"input[name=qty_{line.pk}]", "100")
    page.fill(f"input[name=price_{line.pk}]", "28.5")
    screenshot(page, "procurement_invoice_form")
    page.click("#save-invoice")
    page.wait_for_selector("#post-invoice")
    page.click("#post-invoice")
    page.wait_for_selector(".badge.text-bg-primary")
    screenshot(page, "procurement_invoice_posted")
    inv = SupplierInvoice.objects.get()
    assert inv.status == "confirmed"
    assert (inv.amount, inv.lines.get().difference) == (D("2850.00"), D("50.00"))
    assert StockBalance.objects.get(item=tyre, warehouse=wh).value == D("2850.00")
    assert "2,850.00" in page.content()


def test_outsourcing_material_report_and_accruals_pages(browser_login):
    from tests.procurement.helpers import outsourcing_setup

    order, *_ = outsourcing_setup(qty=100, per=2, order_date=timezone.localdate())
    mat = order.materials.get()
    services.outsourcing_material_move(
        order_id=order.pk, kind="issue", lines=[(mat.pk, D("200"))], on_date=timezone.localdate()
    )
    services.outsourcing_material_move(
        order_id=order.pk, kind="supplement", lines=[(mat.pk, D("10"))], on_date=timezone.localdate()
    )
    services.outsourcing_receipt_post(order_id=order.pk, qty=D("60"), receipt_date=timezone.localdate())
    page = browser_login("采购", username="buyer2")
    page.goto(page.base_url + "/procurement/outsourcing/materials/")
    page.wait_for_selector("#material-report")
    screenshot(page, "procurement_outsourcing_materials")
    row = page.inner_text("#material-report tbody tr")
    assert "90" in row and "80" in row
    page.goto(page.base_url + f"/procurement/outsourcing/{order.pk}/")
    screenshot(page, "procurement_outsourcing_order")
    page.goto(page.base_url + "/procurement/accruals/")
    page.wait_for_selector("#accrual-table")
    screenshot(page, "procurement_accruals")
    assert "300.00" in page.inner_text("#accrual-table")
