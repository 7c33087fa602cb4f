"""Headless Chromium: a planner runs MRP, watches progress, opens an item's MRP record and a
sales order's supply tree, converts the planned orders, and the buyer sees the requisition."""

import pytest

from mrp.models import MrpRun, PlannedOrder
from procurement.models import Requisition
from tests.conftest import PASSWORD, screenshot

from .test_mrp_run import D0
from .test_workbench_conversion import worked_example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_planner_runs_mrp_converts_and_the_buyer_sees_the_requisition(browser_login, browser, live_server, make_user):
    worked_example()
    page = browser_login("计划", username="planner_b12")
    page.goto(f"{page.base_url}/mrp/runs/")
    page.fill("#run-form input[name=run_date]", D0.isoformat())
    page.click("#run-btn")
    page.wait_for_url("**/mrp/runs/*/")
    run = MrpRun.objects.get()
    page.wait_for_selector("#planned-orders")
    run.refresh_from_db()
    assert run.status == "done" and run.order_count == 3
    assert page.locator("#run-progress").count() == 1
    screenshot(page, "mrp_workbench")

    # the MRP record of A: gross 25 / 100, planned release 70
    a = PlannedOrder.objects.get(run=run, item__code="A")
    page.click(f"#planned-orders a[href='/mrp/runs/{run.pk}/items/{a.item_id}/record/']")
    page.wait_for_selector("#mrp-record")
    record = page.locator("#mrp-record").inner_text()
    assert "70" in record and "100" in record and "25" in record
    screenshot(page, "mrp_record")

    # the supply tree of SO-1/1
    page.goto(f"{page.base_url}/mrp/runs/{run.pk}/supply/?so=SO-1/1")
    rows = page.locator("#supply-tree tbody tr")
    assert rows.count() == 8
    page.locator(".tree-toggle").first.click()  # collapse a branch
    screenshot(page, "mrp_supply_tree")

    # convert all planned orders
    page.goto(f"{page.base_url}/mrp/runs/{run.pk}/")
    page.check("#planned-orders thead input[type=checkbox]")
    with page.expect_navigation():
        page.click("#convert-selected")
    page.wait_for_load_state()
    screenshot(page, "mrp_converted")
    assert PlannedOrder.objects.filter(run=run, status="converted").count() == 3
    req = Requisition.objects.get()

    # the buyer sees the requisition
    make_user("buyer_b12", "采购")
    context = browser.new_context(locale="zh-CN")
    buyer = context.new_page()
    buyer.set_default_timeout(15000)
    buyer.goto(f"{live_server.url}/accounts/login/")
    buyer.fill("input[name=username]", "buyer_b12")
    buyer.fill("input[name=password]", PASSWORD)
    buyer.click("button[type=submit]")
    buyer.wait_for_url(f"{live_server.url}/")
    buyer.goto(f"{live_server.url}/procurement/requisitions/")
    assert req.number in buyer.content()
    buyer.goto(f"{live_server.url}/procurement/requisitions/{req.pk}/")
    assert "A" in buyer.content()
    screenshot(buyer, "mrp_buyer_requisition")
    context.close()
