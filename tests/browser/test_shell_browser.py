import pytest

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_and_dashboard_screenshot(browser_login):
    page = browser_login("计划", username="planner1")
    assert page.locator("h1").inner_text() == "仪表盘"
    modules = page.locator("#sidebar [data-module]").evaluate_all("els => els.map(e => e.dataset.module)")
    # planners hold the reports module too, but no report of theirs exists yet: it is not shown
    assert modules == ["bom", "planning", "production"]
    screenshot(page, "dashboard_planner_zh")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("h1").inner_text() == "Dashboard"
    screenshot(page, "dashboard_planner_en")
