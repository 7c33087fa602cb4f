"""Headless Chromium: release a work order, kit-pick it, receive it with backflush, see the
progress on the sales order."""

import datetime
from decimal import Decimal as D

import pytest

from production.models import WorkOrder
from production.services import work_orders as wos
from tests import factories as f
from tests.conftest import screenshot

from .helpers import on_hand
from .so import sales_line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_release_kit_pick_receive_and_sales_progress(browser_login):
    # given a confirmed sales-order line of 10 FG and a work order made from it (以销定产)
    today = datetime.date.today()
    rm, fgw = f.warehouse("RM"), f.warehouse("FG")
    line = sales_line(qty=10, due=today + datetime.timedelta(days=5))
    f.item("FG", supply_type="manufacture", default_warehouse=fgw)
    wo = wos.work_order_from_sales_line(sales_order_line_id=line.pk)
    a, c = f.item("A"), f.item("C", unit="kg")
    wos.work_order_material_add(work_order_id=wo.pk, component_id=a.pk, qty_per=D(2), warehouse_id=rm.pk)
    wos.work_order_material_add(
        work_order_id=wo.pk, component_id=c.pk, qty_per=D("0.5"), issue_method="backflush", warehouse_id=rm.pk
    )
    f.stock(a, rm, 20)
    f.stock(c, rm, 10)
    page = browser_login("管理员")

    # when the planner releases it
    page.goto(f"{page.base_url}/production/wo/{wo.pk}/")
    page.click("#release-btn")
    page.wait_for_selector("#kit-card")
    assert page.inner_text("#kit-tmax") == "10"
    screenshot(page, "production_wo_detail")
    # and kit-picks the max sets
    page.click("#kit-pick-btn")
    page.wait_for_selector("#picking-lines")
    assert page.inner_text("#picking-lines tr[data-item=A] .proposed").startswith("20")
    screenshot(page, "production_kit_picking")
    page.click("#confirm-btn")
    page.wait_for_selector("#picking-lines .issued")
    assert on_hand("A", rm) == 0

    # and receives 4 with backflush of 2 kg C
    page.goto(f"{page.base_url}/production/wo/{wo.pk}/")
    page.fill("#receipt-qty", "4")
    page.click("#receive-btn")
    page.wait_for_selector("#confirm-receipt-btn")
    assert page.inner_text("#receipt-lines tr[data-item=C]").count("-2") == 1
    page.click("#confirm-receipt-btn")
    page.wait_for_selector("#receipt-lines .qty")
    screenshot(page, "production_receipt_backflush")
    assert on_hand("C", rm) == 8 and on_hand("FG", fgw) == 4
    assert WorkOrder.objects.get(pk=wo.pk).received_qty == 4

    # then the sales order shows 40 % from the work order
    page.goto(f"{page.base_url}/crm/orders/{line.order.pk}/")
    body = page.inner_text("main") if page.query_selector("main") else page.inner_text("body")
    assert wo.number in body
    assert "40%" in body and "4 / 10" in body
    screenshot(page, "production_sales_progress")

    # and the tracking list and the timeline show the order with its progress
    page.goto(f"{page.base_url}/production/")
    assert wo.number in page.inner_text("table")
    screenshot(page, "production_tracking_list")
    page.goto(f"{page.base_url}/production/timeline/")
    assert page.query_selector("svg rect") is not None
    screenshot(page, "production_timeline")
