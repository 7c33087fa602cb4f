"""Headless Chromium: create a BOM through the pages (htmx line add), approve it, view its
explosion tree."""

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
