"""Headless Chromium: the planner runs the kitting analysis (three statuses), records it, runs the
shortage analysis and creates a requisition from source; the buyer opens it and sees the source."""

import pytest

from procurement.models import Requisition
from tests.conftest import screenshot

from .analysis_data import D0, kitting_example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_planner_kitting_shortage_requisition_buyer_sees_source(browser_login):
    kitting_example()
    page = browser_login("计划", username="planner")
    page.goto(f"{page.base_url}/mrp/analysis/kitting/?date={D0.isoformat()}")
    page.click("#kitting-run")
    page.wait_for_selector("#kitting-table")
    assert page.get_attribute("tr[data-demand=WO1]", "data-status") == "complete"
    assert page.get_attribute("tr[data-demand=WO2]", "data-status") == "partial"
    assert page.get_attribute("tr[data-demand=WO3]", "data-status") == "short"
    assert page.inner_text("tr[data-demand=WO2] .kittable") == "7"
    page.click("tr[data-demand=WO2] button")  # expand its components
    page.wait_for_selector(".kd-2.show")
    screenshot(page, "mrp_kitting_analysis")
    page.click("#kitting-record")
    page.wait_for_selector(".alert-success")
    # manual order by dragging: WO3 first
    page.drag_and_drop("tr[data-demand=WO3]", "tr[data-demand=WO1]")
    assert page.input_value("#k-order").split() == ["WO3", "WO1", "WO2"]
    assert page.input_value("#k-priority") == "manual"
    page.click("#kitting-run")
    page.wait_for_selector("#kitting-table")
    assert page.get_attribute("tr[data-demand=WO3]", "data-status") == "complete"

    page.goto(f"{page.base_url}/mrp/analysis/shortage/?date={D0.isoformat()}")
    page.wait_for_selector("#shortage-table")
    for code in ("A", "B", "C"):
        page.check(f"tr[data-order=WO3][data-component={code}] input[name=key]")
    screenshot(page, "mrp_shortage_analysis")
    page.click("#requisition-create")
    page.wait_for_selector(".alert-success")
    req = Requisition.objects.get()
    assert req.number in page.inner_text(".alert-success")
    assert sorted((ln.item.code, int(ln.qty)) for ln in req.lines.all()) == [("A", 16), ("B", 3), ("C", 24)]

    page.context.clear_cookies()
    page = browser_login("采购", username="buyer")
    page.goto(f"{page.base_url}/procurement/requisitions/{req.pk}/")
    page.wait_for_selector(".req-sources")
    assert "WO3 / A" in page.inner_text("body")
    screenshot(page, "mrp_requisition_from_source")
