"""Headless Chromium: a salesperson converts a lead, wins the opportunity, confirms an order and
sees its promise date."""

import datetime

import pytest
from django.utils import timezone

from crm.models import Lead, Opportunity, SalesOrder
from tests import factories
from tests.conftest import screenshot

from .helpers import bike

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_to_confirmed_order_with_promise_date(browser_login):
    # given a bike with 2 on hand and a lead time of 10 days, and a lead of the salesperson
    item = bike(lead_time_days=10, name="城市自行车")
    factories.stock(item, factories.warehouse("FG"), 2, "820")
    page = browser_login("销售", username="rep1")
    lead = Lead.objects.create(company="宁波海港自行车贸易", contact_name="钱先生", source="展会")
    today = timezone.localdate()

    # when the salesperson converts the lead
    page.goto(f"{page.base_url}/crm/leads/{lead.pk}/")
    page.fill("#convert-form input[name=amount]", "59000")
    page.click("#convert-form button")
    page.wait_for_url("**/crm/opportunities/*/")
    opp = Opportunity.objects.get(lead=lead)
    assert opp.customer.name == "宁波海港自行车贸易"

    # and wins the opportunity
    page.select_option("#stage-select", "won")
    page.click("#move-btn")
    page.wait_for_load_state()
    assert page.locator("#opp-stage").inner_text() == "赢单"
    screenshot(page, "crm_opportunity_won")

    # and enters an order of 5 bikes from it
    page.click("#new-order")
    page.wait_for_url("**/crm/orders/new/**")
    page.fill("input[name=lines-0-item]", item.code)
    page.fill("input[name=lines-0-qty]", "5")
    page.fill("input[name=lines-0-unit_price]", "1180")
    page.fill("input[name=lines-0-due_date]", (today + datetime.timedelta(days=7)).isoformat())
    screenshot(page, "crm_order_form")
    page.click("button[type=submit]")
    page.wait_for_url("**/crm/orders/*/")
    so = SalesOrder.objects.get(customer=opp.customer)
    assert so.opportunity_id == opp.pk and so.total == 6667

    # and confirms it
    page.click("#confirm-order")
    page.wait_for_load_state()

    # then the line shows the promise date: 2 on hand, the rest in 10 days' lead time
    promise = today + datetime.timedelta(days=10)
    assert page.locator("#order-lines .promise-date").first.inner_text() == promise.isoformat()
    assert "未安排" in page.locator("#order-lines").inner_text()
    so.refresh_from_db()
    assert so.status == "confirmed"
    screenshot(page, "crm_order_confirmed_promise_date")
    page.goto(f"{page.base_url}/crm/orders/")
    assert so.number in page.locator("table").inner_text()
    screenshot(page, "crm_order_list")


def test_board_moves_with_htmx_and_funnel_chart(browser_login):
    page = browser_login("销售", username="rep2")
    from crm.models import Customer

    cust = Customer.objects.create(code="C1", name="上海骑乐自行车商行")
    opp = Opportunity.objects.create(name="春季补货", customer=cust, amount=164000)
    Opportunity.objects.create(name="门店陈列车", customer=cust, amount=16400, stage="won", reached_rank=5)
    page.goto(f"{page.base_url}/crm/board/")
    card = page.locator(f"[data-opp='{opp.pk}']")
    card.get_by_role("button", name="需求确认").click()
    page.locator(f"[data-stage='needs'] [data-opp='{opp.pk}']").wait_for()
    opp.refresh_from_db()
    assert opp.stage == "needs"
    screenshot(page, "crm_board")
    page.goto(f"{page.base_url}/crm/funnel/?period=all")
    assert page.locator("svg.chart text").first.text_content() == "初步接触"
    screenshot(page, "crm_funnel")
