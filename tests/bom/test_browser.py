"""Headless Chromium: create a BOM through the pages (htmx line add), approve it, view its
explosion tree; an ECN through the pages and the version comparison."""

import pytest

from bom.models import Bom
from tests.conftest import screenshot

from .helpers import D, bought, made, make_bom

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_bom_and_view_explosion_tree(browser_login):
    # given items: a bike, a skip-level drive train with its BOM, purchased parts
    made("BIKE", name="城市自行车")
    dt = made("DRIVE", name="传动系统")
    chain, crank = bought("CHAIN", name="链条", standard_cost=D(18)), bought("CRANK", name="曲柄", standard_cost=D(45))
    bought("SADDLE", name="车座", standard_cost=D(32))
    make_bom(dt, [(chain, 1), (crank, 1)], skip_level=True)
    page = browser_login("计划")
    # when the planner creates the BOM on the pages
    page.goto(page.base_url + "/bom/new/")
    page.fill("input[name=item]", "BIKE")
    page.fill("input[name=output_qty]", "1")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("#line-form")
    for code, qty in (("DRIVE", "1"), ("SADDLE", "1")):
        page.fill("#line-form input[name=component]", code)
        page.fill("#line-form input[name=qty_per]", qty)
        page.click("#add-line-btn")
        page.wait_for_selector(f"#lines-table td:text-is('{code}')")
    screenshot(page, "bom_editor")
    page.click("#approve-btn")
    page.wait_for_selector(".badge:text-is('已审核')")
    bom = Bom.objects.get(item__code="BIKE")
    assert (bom.status, bom.lines.count()) == ("approved", 2)
    # then the explosion of 10 bikes shows the skip-level drive train blown into its parts
    page.goto(page.base_url + "/bom/explosion/?item=BIKE&qty=10&as_of=2026-03-01")
    page.wait_for_selector("#explosion-tree")
    rows = page.locator("#explosion-tree tbody tr")
    assert rows.count() == 5
    text = page.inner_text("#explosion-tree")
    assert "跳层" in text and "950" in text  # (18 + 45 + 32) × 10
    screenshot(page, "bom_explosion")
    # and an engineering change made on the pages creates V1.1 (one browser session: the
    # transactional flush after each browser test costs more than the test itself)
    _ecn_through_the_pages_then_compare_versions(page)


def _ecn_through_the_pages_then_compare_versions(page):
    # given a controlled bike BOM V1.0 = saddle + old bell
    bike = made("BIKE2", name="城市自行车", ecn_controlled=True)
    saddle, bell, _bell2 = bought("SADDLE2", name="车座"), bought("BELL", name="车铃"), bought("BELL2", name="新车铃")
    make_bom(bike, [(saddle, 1), (bell, 1)])
    # when an ECN replaces the bell from 2026-04-01, switch now
    page.goto(page.base_url + "/bom/ecn/new/?item=BIKE2")
    page.fill("input[name=effective_date]", "2026-04-01")
    page.select_option("select[name=stock_handling]", "switch_now")
    page.fill("input[name=reason]", "换新款车铃")
    page.click("form.card button[type=submit]")
    page.wait_for_selector("select[name=action]")
    page.select_option("select[name=action]", "replace")
    page.fill("input[name=old_component]", "BELL")
    page.fill("input[name=new_component]", "BELL2")
    page.click("form.card.mb-3 button")
    page.wait_for_selector("td:text-is('替换')")
    page.click("button:text-is('审核')")
    page.wait_for_selector("text=V1.1")
    screenshot(page, "bom_ecn")
    assert Bom.objects.get(item=bike, version="V1.1").status == "approved"
    # then the comparison shows the replaced line
    v10, v11 = Bom.objects.get(item=bike, version="V1.0"), Bom.objects.get(item=bike, version="V1.1")
    page.goto(page.base_url + f"/bom/compare/?old={v10.pk}&new={v11.pk}")
    page.wait_for_selector("#compare-table")
    text = page.inner_text("#compare-table")
    assert "BELL2" in text and "失效日期" in text
    screenshot(page, "bom_compare")
