"""Headless Chromium: the accountant opens a delivery's voucher from the delivery, enters a manual
voucher that a second accountant audits and posts, runs 结转损益 and reads the statements."""

import pytest
from django.contrib.auth import get_user_model

from ledger.models import Voucher, VoucherStatus
from tests.conftest import PASSWORD, screenshot
from tests.ledger.helpers import worked_example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def test_accountant_day(browser_login, make_user):
    page = browser_login("会计", "销售", username="acc1")
    acc1 = get_user_model().objects.get(username="acc1")
    acc2 = make_user("acc2", "会计")
    ex = worked_example(acc1, acc2, upto=7)

    # the delivery shows its voucher; the voucher shows its lines and links back
    page.goto(f"{page.base_url}/crm/deliveries/{ex['dn'].pk}/")
    page.click("[data-test=vouchers] a")
    page.wait_for_url("**/ledger/vouchers/*/")
    lines = page.locator("[data-test=lines]").inner_text()
    assert "5401" in lines and "1405" in lines and "160.00" in lines
    screenshot(page, "ledger_delivery_voucher")

    # a manual voucher: acc1 enters it and may not audit it
    page.goto(f"{page.base_url}/ledger/vouchers/new/")
    page.fill("input[name=voucher_date]", "2026-01-20")
    page.fill("input[name=summary]", "办公用品")
    page.fill("input[name=lines-0-account]", "5602")
    page.fill("input[name=lines-0-debit]", "50.00")
    page.fill("input[name=lines-1-account]", "1002")
    page.fill("input[name=lines-1-credit]", "50.00")
    screenshot(page, "ledger_voucher_entry")
    page.click("[data-lg-save]")
    page.wait_for_url("**/ledger/vouchers/*/")
    v = Voucher.objects.get(summary="办公用品")
    assert v.status == VoucherStatus.DRAFT
    page.click("text=审核")
    page.wait_for_load_state()
    v.refresh_from_db()
    assert v.status == VoucherStatus.DRAFT

    # acc2 audits and posts it
    _login(page, "acc2")
    page.goto(f"{page.base_url}/ledger/vouchers/{v.pk}/")
    page.click("text=审核")
    page.wait_for_load_state()
    page.click("button:has-text('过账')")
    page.wait_for_load_state()
    v.refresh_from_db()
    assert v.status == VoucherStatus.POSTED and v.number == 10
    screenshot(page, "ledger_voucher_posted")

    # 结转损益 for 2026-01
    page.goto(f"{page.base_url}/ledger/period-end/?period=2026-01")
    page.click("[data-test=close-pl]")
    page.wait_for_url("**/ledger/vouchers/*/")
    closing = Voucher.objects.get(source_type="ledger.period_end")
    assert str(closing.debit_total) == "658.00"  # Dr 5001 400.00; Dr 3103 258.00 (5401 208.00 + 5602 50.00)
    screenshot(page, "ledger_period_end_voucher")

    # statements
    page.goto(f"{page.base_url}/ledger/balance-sheet/?period=2026-01")
    assert page.locator("[data-test=total-assets]").inner_text() == "814.00"
    assert page.locator("[data-test=total-le]").inner_text() == "814.00"
    screenshot(page, "ledger_balance_sheet")
    page.goto(f"{page.base_url}/ledger/income-statement/?period=2026-01")
    assert page.locator("[data-test=net-profit]").inner_text() == "142.00"
    screenshot(page, "ledger_income_statement")
