"""Dates in the Chinese UI (issue 18): forms pre-fill `<input type="date">` with ISO dates (the
widget takes only YYYY-MM-DD; `2026/12/03` shows as empty and the submit does nothing). In
zh-hans, the MRP run and a stock transfer are submitted with their pre-filled dates and succeed;
dates in text stay localised."""

import datetime

import pytest

from inventory.models import StockBalance, Transfer
from mrp.models import MrpRun
from tests import factories as f
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _chinese(page):
    assert page.get_attribute("html", "lang") == "zh-hans"


def test_mrp_run_with_the_prefilled_date_in_chinese(browser_login):
    today = datetime.date.today()
    page = browser_login("管理员")
    page.goto(page.base_url + "/mrp/runs/")
    _chinese(page)
    # the widget shows the pre-filled date (an invalid value would read as "")
    assert page.input_value("#id_run_date") == today.isoformat()
    page.click("#run-btn")
    page.wait_for_url("**/mrp/runs/*/")
    run = MrpRun.objects.get()
    assert run.run_date == today
    screenshot(page, "erp_dates_mrp_run_zh")


def test_stock_transfer_with_the_prefilled_date_in_chinese(browser_login):
    today = datetime.date.today()
    a, b = f.warehouse("WA"), f.warehouse("WB")
    bolt = f.item("BOLT")
    f.stock(bolt, a, 10)
    page = browser_login("管理员")
    page.goto(page.base_url + "/inventory/transfers/new/")
    _chinese(page)
    assert page.input_value("#id_doc_date") == today.isoformat()
    page.select_option("select[name=from_warehouse]", value=str(a.pk))
    page.select_option("select[name=to_warehouse]", value=str(b.pk))
    item = page.locator("[name='lines-0-item']")
    if item.evaluate("el => el.tagName") == "SELECT":
        page.select_option("[name='lines-0-item']", value=str(bolt.pk))
    else:
        item.fill("BOLT")
    page.fill("[name='lines-0-qty']", "4")
    page.click("form.card button[type=submit], form.card button:not([type])")
    page.wait_for_url("**/inventory/transfers/*/")
    transfer = Transfer.objects.get()
    assert transfer.doc_date == today
    assert list(transfer.lines.values_list("item__code", "qty")) == [("BOLT", 4)]
    screenshot(page, "erp_dates_transfer_zh")
    assert StockBalance.objects.get(item=bolt, warehouse=a).qty == 10  # a draft moves nothing yet
