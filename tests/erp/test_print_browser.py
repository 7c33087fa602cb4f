"""Headless Chromium: every document's print view in Chinese and English, as the browser shows it
before printing (screenshots in artifacts/screenshots/print/), and the PDF download from a detail
page."""

import pytest
from django.urls import reverse

from erp.models import CompanySettings
from tests.conftest import PASSWORD, SCREENSHOTS
from tests.erp.test_printing import KINDS, docs  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(context, base_url, username):
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")
    return page


def test_print_views_in_both_languages(browser, live_server, docs, make_user):  # noqa: F811
    company = CompanySettings.get()
    company.address, company.phone, company.tax_id = (
        "江苏省苏州市工业园区星湖街 88 号",
        "0512-6666 8888",
        "91320594MA1XXXXX7Q",
    )
    company.bank_account = "工商银行苏州分行 1102 0200 0900 0012 345"
    company.save()
    make_user("printer", superuser=True)
    out = SCREENSHOTS / "print"
    out.mkdir(parents=True, exist_ok=True)
    voucher = _voucher()
    urls = {kind: reverse(f"{kind}_print", args=[docs[kind][0].pk]) for kind in KINDS}
    urls["ledger:voucher"] = reverse("ledger:voucher_print", args=[voucher.pk]) + "?paper=voucher"
    numbers = {kind: docs[kind][0].number for kind in KINDS} | {"ledger:voucher": f"记-{voucher.number:04d}"}
    for lang, locale in (("zh-hans", "zh-CN"), ("en", "en-US")):
        context = browser.new_context(locale=locale, viewport={"width": 980, "height": 1200})
        context.add_init_script("window.print = function () {};")  # the voucher opens the dialog
        page = _login(context, live_server.url, "printer")
        for kind, url in urls.items():
            page.goto(live_server.url + url)
            assert page.locator(".sheet h1").is_visible()
            assert numbers[kind] in page.locator(".number").inner_text()
            assert page.locator(".qr svg").count() == 1
            assert page.locator(".toolbar button[data-print]").is_visible()
            if lang == "en":
                assert "Number" in page.locator(".number").inner_text()
            else:
                assert "单据编号" in page.locator(".number").inner_text()
            page.screenshot(path=str(out / f"{kind.replace(':', '-')}-{lang}.png"), full_page=True)
        context.close()


def _voucher():
    import datetime
    from decimal import Decimal as D

    from ledger.services import vouchers as vs
    from ledger.services.accounts import ensure_default_chart

    ensure_default_chart()
    v = vs.voucher_create(
        on_date=datetime.date(2026, 1, 10),
        summary="工资",
        lines=[
            vs.LineSpec("4101", debit=D("12000.00"), summary="计提一月工资"),
            vs.LineSpec("2211", credit=D("12000.00"), summary="计提一月工资"),
        ],
        attachments=2,
        post=True,
    )
    v.refresh_from_db()
    return v


def test_pdf_button_on_the_detail_page_downloads_the_pdf(browser, live_server, docs, make_user):  # noqa: F811
    make_user("pdfuser", superuser=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = _login(context, live_server.url, "pdfuser")
    order = docs["crm:order"][0]
    page.goto(live_server.url + reverse("crm:order_detail", args=[order.pk]))
    with page.expect_download() as info:
        page.click(f"a[href='{reverse('crm:order_pdf', args=[order.pk])}']")
    download = info.value
    assert download.suggested_filename == f"{order.number}.pdf"
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    print_link = page.locator(f"a[href='{reverse('crm:order_print', args=[order.pk])}']")
    assert print_link.get_attribute("target") == "_blank"
    context.close()
