"""Headless Chromium: import a small workbook through the web page and see the items."""

import datetime
from decimal import Decimal

import openpyxl
import pytest

from inventory.models import Item, StockBalance
from inventory.services.ledger import MoveSpec, stock_moves_post
from tests import factories as f
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "warehouses"
    ws.append(["code", "name", "parent_code", "nettable"])
    ws.append(["RM", "原材料仓", "", 1])
    ws = wb.create_sheet("items")
    ws.append(["code", "name", "uom", "category", "supply_type", "lead_time_days", "standard_cost"])
    ws.append(["PP-TYRE", "轮胎", "pcs", "外购件", "purchase", 10, 28])
    ws.append(["PP-RIM", "轮圈", "pcs", "外购件", "purchase", 10, 35])
    ws = wb.create_sheet("stock")
    ws.append(["item_code", "warehouse", "qty", "unit_cost"])
    ws.append(["PP-TYRE", "RM", 120, 28])
    path = tmp_path / "master.xlsx"
    wb.save(path)
    return path


def bad_workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "items"
    ws.append(["code", "name", "uom", "safety_stock"])
    ws.append(["OK-1", "好", "pcs", "1"])
    ws.append(["OK-1", "坏", "pcs", "x"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    return path


def test_import_workbook_through_web_page_then_dead_stock(browser_login, tmp_path):
    # one browser session (transactional tests are slow to tear down)
    page = browser_login(superuser=True, username="admin1")

    # a bad workbook: the row errors are shown, nothing is imported
    page.goto(page.base_url + "/inventory/import/")
    page.set_input_files("input[name=file]", str(bad_workbook(tmp_path)))
    page.click("#preview-btn")
    errors = page.locator("#import-errors").inner_text()
    assert "items.csv line 3: code" in errors and "items.csv line 3: safety_stock" in errors
    assert Item.objects.count() == 0
    screenshot(page, "inventory_import_errors")

    # a good workbook: preview changes nothing, then import, then the items are listed
    page.set_input_files("input[name=file]", str(workbook(tmp_path)))
    page.click("#preview-btn")
    page.wait_for_selector("#import-report")
    assert Item.objects.count() == 0
    screenshot(page, "inventory_import_preview")
    page.click("#import-btn")
    page.wait_for_selector("#import-report")
    assert "已导入" in page.locator("#import-report h2").inner_text()
    page.goto(page.base_url + "/inventory/items/")
    body = page.locator("table").inner_text()
    assert "PP-TYRE" in body and "轮圈" in body
    screenshot(page, "inventory_items_after_import")
    page.goto(page.base_url + "/inventory/on-hand/")
    assert "3,360.00" in page.locator("table").inner_text()  # 120 x 28
    assert StockBalance.objects.get(item__code="PP-TYRE").value == Decimal("3360.00")
    screenshot(page, "inventory_on_hand")

    # the dead-stock example of the spec, with its chart
    item, wh = f.item("OLD-1", name="旧油漆", standard_cost=Decimal(10)), f.warehouse("RM")
    for n, (day, qty) in enumerate([((2025, 1, 2), 100), ((2025, 1, 10), -50), ((2025, 3, 20), 100)], start=1):
        stock_moves_post(
            source_type="t",
            source_id=n,
            moves=[MoveSpec(item.pk, wh.pk, Decimal(qty), Decimal(10) if qty > 0 else None)],
            move_date=datetime.date(*day),
        )
    page.goto(page.base_url + "/inventory/dead-stock/?as_of=2025-07-15&idle_days=90&warehouse=%d" % wh.pk)
    row = page.locator("#dead-stock tbody tr").filter(has_text="OLD-1").inner_text()
    assert "186" in row and "500.00" in row and "1,000.00" in row
    assert page.locator("svg.chart rect").count() == 6
    screenshot(page, "inventory_dead_stock")

    # a stock count: enter the counted quantity on the page, post gains and losses
    from inventory.services.counts import stock_count_open

    count = stock_count_open(warehouse_id=wh.pk, item_ids=[Item.objects.get(code="PP-TYRE").pk])
    page.goto(page.base_url + f"/inventory/stock-counts/{count.pk}/")
    page.fill(f"input[name=line_{count.lines.get().pk}]", "118")
    page.click("button[form=count-entry]")
    page.wait_for_load_state()
    page.once("dialog", lambda d: d.accept())
    page.click("#confirm-btn")
    page.wait_for_load_state()
    assert StockBalance.objects.get(item__code="PP-TYRE", warehouse=wh).value == Decimal("3304.00")  # -2 x 28
    screenshot(page, "inventory_stock_count_posted")
