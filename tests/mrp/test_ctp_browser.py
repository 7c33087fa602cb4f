"""Headless Chromium: a salesperson enters a quotation line and sees its capable-to-promise date
with the limiting item, turns it into an order and confirms it; the planner sees the new planned
orders appear without starting a run (net change, docs/mrp.md §5)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from crm.models import SalesOrder
from inventory.models import Item, PlanningChange
from mrp.models import MrpRun, PlannedOrder, PlanUpdate
from tests.conftest import screenshot

from .test_ctp_pages import example_files

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quotation_ctp_then_confirmed_order_updates_the_plan(browser_login, page):
    from decimal import Decimal

    from erp.exchange import import_files
    from production.models import WorkOrder

    today = timezone.localdate()
    import_files(example_files(today))
    wo = WorkOrder.objects.get(number="WO-1")
    for m in wo.materials.select_related("component"):
        m.issued_qty = {"A": Decimal(15), "B": Decimal(20)}[m.component.code]
        m.save(update_fields=["issued_qty"])
    call_command("mrp_run", date=today.isoformat(), stdout=io.StringIO())
    PlanningChange.objects.update(processed_at=timezone.now())
    run = MrpRun.objects.get()
    fg = Item.objects.get(code="FG")
    assert PlannedOrder.objects.filter(run=run, item=fg).count() == 1

    # a salesperson enters a quotation line of 50 FG
    page = browser_login("销售", username="rep_ctp")
    from django.contrib.auth import get_user_model

    page.user = get_user_model().objects.get(username="rep_ctp")
    from crm.models import Customer

    customer = Customer.objects.get(code="C1")
    Customer.objects.filter(pk=customer.pk).update(owner=page.user if hasattr(page, "user") else None)
    page.goto(f"{page.base_url}/crm/quotations/new/")
    page.select_option("select[name=customer]", str(customer.pk))
    page.fill("input[name=lines-0-item]", fg.code)
    page.fill("input[name=lines-0-qty]", "50")
    page.fill("input[name=lines-0-unit_price]", "100")
    page.fill("input[name=lines-0-due_date]", (today + datetime.timedelta(days=20)).isoformat())
    page.click("button[type=submit]")
    page.wait_for_url("**/crm/quotations/*/")

    # sees the CTP date (FG made in 2 days from A bought in 5: today + 7) and its limiting item
    cell = page.locator("td.ctp").first
    assert cell.locator(".ctp-date").inner_text() == (today + datetime.timedelta(days=7)).isoformat()
    assert (
        "A: 采购, 5 天; FG: 自制, 2 天" in cell.inner_text() or "A: buy, 5 days; FG: make, 2 days" in cell.inner_text()
    )
    screenshot(page, "mrp_quotation_ctp")

    # turns it into an order and confirms it
    page.click("text=生成销售订单")
    page.wait_for_url("**/crm/orders/*/")
    page.click("#confirm-order")
    page.wait_for_load_state()
    order = SalesOrder.objects.get(quotation__isnull=False)
    assert order.status == "confirmed"

    # the plan follows without a run: FG 50 more (due the order's date), A and B for it
    update = PlanUpdate.objects.get()
    assert update.cause.startswith(order.number) and MrpRun.objects.count() == 1
    assert PlannedOrder.objects.filter(run=run, item=fg).count() == 2

    # the planner sees the new planned orders and what caused the update
    page.context.clear_cookies()
    page = browser_login("计划", username="planner_ctp_b")
    page.goto(f"{page.base_url}/mrp/runs/{run.pk}/")
    assert page.locator("text=FG").count() >= 2
    page.goto(f"{page.base_url}/mrp/netchange/")
    assert order.number in page.locator("#nc-updates").inner_text()
    assert order.number in page.locator("#plan-freshness").inner_text()
    screenshot(page, "mrp_netchange")
