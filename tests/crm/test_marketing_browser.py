"""Headless Chromium: a marketing user creates a campaign, imports leads with one bad row (error
shown, nothing written), fixes the file, and sees the campaign's funnel and ROI after an order
is won."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Campaign, Lead
from crm.services.customers import lead_convert, opportunity_move
from tests.conftest import screenshot

from .helpers import bike
from .test_marketing import _won_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketing_user_runs_a_campaign(browser_login, make_user, tmp_path):
    page = browser_login("市场", username="mkt1")
    rep = make_user("rep", "销售")
    today = timezone.localdate()

    # when the marketing user creates a campaign
    page.goto(f"{page.base_url}/crm/campaigns/new/")
    page.fill("#id_name", "2026 上海国际自行车展")
    page.select_option("#id_channel", "trade_fair")
    page.fill("#id_start_date", today.isoformat())
    page.fill("#id_end_date", (today + datetime.timedelta(days=3)).isoformat())
    page.fill("#id_budget", "12000")
    page.click("button[type=submit]")
    page.wait_for_url("**/crm/campaigns/*/")
    campaign = Campaign.objects.get()
    assert campaign.name == "2026 上海国际自行车展"

    # and books its cost
    page.fill("#cost-form input[name=description]", "展位费")
    page.fill("#cost-form input[name=amount]", "10,000.00")
    page.click("#cost-form button")
    page.wait_for_load_state()
    assert campaign.costs.get().amount == Decimal("10000.00")

    # and imports the business cards, one row without company
    bad = tmp_path / "cards.csv"
    bad.write_text("company,contact_name,phone\n宁波海港自行车贸易,钱先生,13900000001\n,孙老师,13900000002\n")
    page.click("#import-link")
    page.wait_for_url("**/leads/import/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("#import-btn")
    page.wait_for_load_state()
    errors = page.locator("#import-errors").inner_text()
    assert "cards.csv line 3: company" in errors
    assert Lead.objects.count() == 0
    screenshot(page, "crm_campaign_import_error")

    # then fixes the file and imports again
    good = tmp_path / "cards2.csv"
    good.write_text(
        "company,contact_name,phone\n宁波海港自行车贸易,钱先生,13900000001\n无锡校园服务中心,孙老师,13900000002\n"
    )
    page.set_input_files("input[name=file]", str(good))
    page.click("#import-btn")
    page.wait_for_url(f"**/crm/campaigns/{campaign.pk}/")
    assert Lead.objects.filter(campaign=campaign).count() == 2

    # sales converts one lead and wins an order of 45,000.00
    lead = Lead.objects.get(company="宁波海港自行车贸易")
    opp = lead_convert(lead_id=lead.pk, user=rep)
    opportunity_move(opportunity_id=opp.pk, stage="won", user=rep)
    _won_order(opp.customer_id, "45000", bike(), rep)

    # the campaign page shows funnel and ROI
    page.reload()
    assert page.locator("#roi-cpl").inner_text() == "5,000.00"
    assert page.locator("#roi-cpw").inner_text() == "10,000.00"
    assert page.locator("#roi-revenue").inner_text() == "45,000.00"
    assert page.locator("#roi-value").inner_text() == "350.00 %"
    funnel = page.locator("#campaign-funnel").inner_text()
    assert "线索" in funnel
    screenshot(page, "crm_campaign_roi")
    page.click("text=末次触点")
    page.wait_for_load_state()
    assert page.locator("#roi-value").inner_text() == "350.00 %"
