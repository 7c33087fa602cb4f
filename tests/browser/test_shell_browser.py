import pytest

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_and_dashboard_screenshot(browser_login):
    page = browser_login("计划", username="planner1")
    assert page.locator("h1").inner_text() == "仪表盘"
    modules = page.locator("#sidebar [data-module]").evaluate_all("els => els.map(e => e.dataset.module)")
    assert modules == ["bom", "planning", "production", "reports"]
    reports = page.locator('#sidebar [data-module="reports"] a').all_inner_texts()
    assert reports == ["生产任务跟踪", "进度甘特图"]  # shortcuts to the production reports only
    screenshot(page, "dashboard_planner_zh")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("h1").inner_text() == "Dashboard"
    screenshot(page, "dashboard_planner_en")
