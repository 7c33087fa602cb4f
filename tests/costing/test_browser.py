"""Headless Chromium: the cost accountant works through the checklist, runs the cost run with
progress, reads a cost sheet, closes the period; a later posting into it is refused."""

import datetime

import pytest

from costing.services import pools
from erp.models import PeriodStatus
from erp.periods import period_for
from tests import factories as f
from tests.conftest import screenshot

from .helpers import issue, receive, work_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_checklist_run_cost_sheet_close_and_refused_posting(browser_login):
    jan = datetime.date(2026, 1, 1)
    rm = f.warehouse("RM")
    f.stock(f.item("M"), rm, 100, "100", on_date=jan)
    wo = work_order("P", 100, [("M", 1, "manual", rm)])
    issue(wo, {"M": 100})
    receive(wo, 80)
    centre = pools.cost_centre_get_or_create(code="C1", name="Assembly")
    pools.work_hours_report(
        work_order_id=wo.pk, cost_centre_id=centre.pk, work_date=datetime.date(2026, 1, 20), actual_hours=300
    )
    pools.cost_pool_save(period_id=period_for(jan).pk, cost_centre_id=centre.pk, element="overhead", amount=3600)
    period = period_for(jan)
    page = browser_login("成本会计")

    # the checklist: no cost run yet (the close does it), nothing blocking
    page.goto(f"{page.base_url}/costing/periods/{period.pk}/")
    page.wait_for_selector("#checklist")
    assert page.inner_text("#checklist tr[data-code=cost_run] td.num") == "1"
    screenshot(page, "costing_checklist")

    # run the cost calculation: progress, then the cost sheet
    page.click("#run-btn")
    page.wait_for_selector("#run-progress .badge")
    page.wait_for_selector(".cost-sheet")
    sheet = page.inner_text(f".cost-sheet[data-order='{wo.number}']")
    # FG: material 8,000 + overhead 3,200 (3,600 with 20 of 100 at 50 % in WIP)
    assert "11,200.00" in sheet or "11200.00" in sheet
    screenshot(page, "costing_cost_sheet")

    # close the period
    page.goto(f"{page.base_url}/costing/periods/{period.pk}/")
    page.check("#ack")
    page.click("#close-btn")
    page.wait_for_selector(".alert-success")
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED
    screenshot(page, "costing_closed")

    # a later posting into the closed period is refused with a message
    page.goto(f"{page.base_url}/costing/pools/")
    page.fill("#id_h-work_order", wo.number)
    page.select_option("#id_h-cost_centre", str(centre.pk))
    page.fill("#id_h-work_date", "2026-01-25")
    page.fill("#id_h-actual_hours", "5")
    page.click("form[action$='/costing/hours/'] button")
    page.wait_for_selector(".alert-danger")
    assert "2026-01" in page.inner_text(".alert-danger")
    screenshot(page, "costing_refused_posting")
