"""Headless Chromium, keyboard only, zh-hans and English: the documents converted to the line grid
last (issue 18 item 2) — an outsourcing order's material list, a planned work order's material
list, a manual voucher. Each: three lines entered by keyboard (looked up by number, name or
pinyin initials), the live total seen, saved, the draft edited, confirmed (released; audited and
posted by a second bookkeeper), the print view opened. Screenshots in
artifacts/screenshots/entry/."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.bom.helpers import make_bom
from tests.erp.test_linegrid_browser import _open, _shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DETAIL = re.compile(r".*/\d+/$")
LANGS = ["zh-hans", "en"]


def _enter_line(page, row: int, search: str, code: str, qty: str, *, field: str = "component"):
    """Keyboard only: type into the looked-up cell, pick with Enter, type the quantity, Enter
    through the remaining cells (defaults stay) past the last one: a new line appears."""
    item = page.locator(f"input[name=lines-{row}-{field}]")
    expect(item).to_be_focused()
    page.keyboard.type(search)
    expect(page.locator(f"tr[data-lg-row]:nth-child({row + 1}) [data-lg-suggest] [data-code='{code}']")).to_be_visible()
    page.keyboard.press("Enter")  # picks the highlighted item, moves to the quantity
    expect(item).to_have_value(code)
    page.keyboard.type(qty)
    row_cells = f"tr[data-lg-row]:nth-child({row + 1})"
    cells = page.locator(f"{row_cells} input:not([type=hidden]), {row_cells} select")
    for _ in range(cells.count() - 1):
        page.keyboard.press("Enter")


def _save(page):
    page.keyboard.press("Control+Enter")
    page.wait_for_url(DETAIL)


def _retype(page, name, value):
    cell = page.locator(f"[name='{name}']")
    cell.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def _print(context, page, url, name, *texts):
    page.goto(url)
    for text in texts:
        expect(page.locator(".sheet")).to_contain_text(text)
    _shot(page, name)


# --- outsourcing order ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_outsourcing_order_by_keyboard(lang, browser, live_server, make_user):
    from procurement.models import OutsourcingOrder, SupplierPrice

    context, page = _open(browser, live_server, make_user, "采购", lang=lang, username="u_oo")
    rm, fg = factories.warehouse("RM"), factories.warehouse("FG")
    sup = factories.supplier("SUB1", name="昆山焊接加工厂")
    frame = factories.item("FRAME", name="车架焊接件", supply_type="outsource", tax_rate=D("0.06"))
    tube = factories.item("TUBE", name="钢管", unit="kg", default_warehouse=rm)
    paint = factories.item("PAINT", name="油漆", unit="kg", default_warehouse=rm)
    factories.item("BOLT", name="螺栓", default_warehouse=rm)
    make_bom(frame, [(tube, "2.5"), (paint, "0.2")])
    SupplierPrice.objects.create(supplier=sup, item=frame, price=D("12.5"), min_qty=0)
    try:
        page.goto(live_server.url + "/procurement/outsourcing/new/")
        page.select_option("select[name=supplier]", str(sup.pk))
        page.select_option("select[name=product]", str(frame.pk))
        page.fill("input[name=qty]", "40")
        page.select_option("select[name=warehouse]", str(fg.pk))
        page.fill("input[name=due_date]", (timezone.localdate() + datetime.timedelta(days=20)).isoformat())
        fee = page.locator("[data-lg-header-amount]")  # the processing fee, live under the header
        blank = {"en": "from the supplier's price list", "zh-hans": "按供应商价目表"}[lang]
        expect(fee.locator("[data-lg-h=amount]")).to_have_text(blank)
        page.locator("input[name=lines-0-component]").focus()
        for row, (search, code, qty) in enumerate(
            [("TUBE", "TUBE", "100"), ("yq", "PAINT", "8.5"), ("螺栓", "BOLT", "160")]
        ):
            _enter_line(page, row, search, code, qty)
        expect(page.locator("tr[data-lg-row]")).to_have_count(4)
        total = page.locator("[data-lg-total=qty]")
        expect(total).to_have_text("268.5")
        # the unit and the issue warehouse came from the item
        expect(page.locator("tr[data-lg-row]").nth(1).locator("[data-lg-uom]")).to_have_text("kg")
        expect(page.locator("select[name=lines-2-warehouse]")).to_have_value(str(rm.pk))
        _shot(page, f"outsourcing_new_{lang}")
        _save(page)
        order = OutsourcingOrder.objects.get()
        # the fee from the supplier's price list: 40 × 12.50 = 500.00 + 6 % of the item = 530.00
        assert (order.status, order.unit_fee, order.total, order.materials.count()) == (
            "draft",
            D("12.5"),
            D("530.00"),
            3,
        )

        page.click("#edit-oo")
        page.wait_for_url("**/edit/")
        expect(fee.locator("[data-lg-h=gross]")).to_have_text("530.00")
        _retype(page, "qty", "48")  # 48 × 12.50 = 600.00, 6 % tax 36.00
        expect(fee.locator("[data-lg-h=amount]")).to_have_text("600.00")
        expect(fee.locator("[data-lg-h=tax]")).to_have_text("36.00")
        expect(fee.locator("[data-lg-h=gross]")).to_have_text("636.00")
        _retype(page, "qty", "40")
        expect(fee.locator("[data-lg-h=gross]")).to_have_text("530.00")
        _retype(page, "lines-2-required", "200")
        expect(total).to_have_text("308.5")
        _shot(page, f"outsourcing_edit_{lang}")
        _save(page)
        assert order.materials.get(component__code="BOLT").required_qty == D("200")

        page.click("#confirm-btn")
        page.wait_for_load_state()
        order.refresh_from_db()
        assert order.status == "confirmed"
        _shot(page, f"outsourcing_confirmed_{lang}")
        _print(
            context,
            page,
            f"{live_server.url}/procurement/outsourcing/{order.pk}/print/",
            f"outsourcing_print_{lang}",
            order.number,
            "530.00",
        )
    finally:
        context.close()


# --- work-order material list -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_work_order_material_list_by_keyboard(lang, browser, live_server, make_user):
    from production.services import work_orders as wos

    context, page = _open(browser, live_server, make_user, "生产", lang=lang, username="u_wo")
    rm = factories.warehouse("RM")
    bike = factories.item(
        "BIKE", name="城市自行车", supply_type="manufacture", default_warehouse=factories.warehouse("FG")
    )
    factories.item("FRAME", name="车架组件", default_warehouse=rm)
    factories.item("WHEEL", name="轮胎", default_warehouse=rm)
    factories.item("BELL", name="车铃", default_warehouse=rm)
    wo = wos.work_order_create(item_id=bike.pk, qty=D("10"), planned_start=timezone.localdate())
    try:
        page.goto(f"{live_server.url}/production/wo/{wo.pk}/")
        page.click("#edit-materials")
        page.wait_for_url("**/materials/")
        page.locator("input[name=lines-0-component]").focus()
        for row, (search, code, qty) in enumerate(
            [("FRAME", "FRAME", "10"), ("lt", "WHEEL", "20"), ("车铃", "BELL", "10")]
        ):
            _enter_line(page, row, search, code, qty)
        expect(page.locator("tr[data-lg-row]")).to_have_count(4)
        total = page.locator("[data-lg-total=qty]")
        expect(total).to_have_text("40")
        expect(page.locator("select[name=lines-1-warehouse]")).to_have_value(str(rm.pk))
        _shot(page, f"wo_materials_new_{lang}")
        _save(page)
        assert [(m.component.code, m.required) for m in wo.materials.order_by("line_no")] == [
            ("FRAME", D("10")),
            ("WHEEL", D("20")),
            ("BELL", D("10")),
        ]

        page.click("#edit-materials")
        page.wait_for_url("**/materials/")
        _retype(page, "lines-2-required", "12")
        expect(total).to_have_text("42")
        _shot(page, f"wo_materials_edit_{lang}")
        _save(page)
        assert wo.materials.get(component__code="BELL").required == D("12")

        page.click("#release-btn")
        page.wait_for_load_state()
        wo.refresh_from_db()
        assert wo.status == "released" and wo.materials.count() == 3
        _shot(page, f"wo_released_{lang}")
        _print(context, page, f"{live_server.url}/production/wo/{wo.pk}/print/", f"wo_print_{lang}", wo.number, "WHEEL")
    finally:
        context.close()


# --- manual voucher ---------------------------------------------------------------------------------


def _voucher_line(page, row, *, summary, search, code, debit="", credit=""):
    """Keyboard only: summary, account looked up and picked with Enter, auxiliary (blank), debit,
    credit; leaving the credit cell of the last line adds a line."""
    expect(page.locator(f"input[name=lines-{row}-summary]")).to_be_focused()
    page.keyboard.type(summary)
    page.keyboard.press("Enter")
    page.keyboard.type(search)
    expect(page.locator(f"tr[data-lg-row]:nth-child({row + 1}) [data-lg-suggest] [data-code='{code}']")).to_be_visible()
    page.keyboard.press("Enter")  # picks the account, moves to the auxiliary item
    expect(page.locator(f"input[name=lines-{row}-account]")).to_have_value(code)
    page.keyboard.press("Enter")
    page.keyboard.type(debit)
    page.keyboard.press("Enter")
    page.keyboard.type(credit)
    page.keyboard.press("Enter")


@pytest.mark.parametrize("lang", LANGS)
def test_manual_voucher_by_keyboard(lang, browser, live_server, make_user):
    from ledger.models import Voucher

    context, page = _open(browser, live_server, make_user, "会计", lang=lang, username="u_v1")
    try:
        page.goto(live_server.url + "/ledger/vouchers/new/")
        page.fill("input[name=summary]", "办公用品")
        page.locator("input[name=lines-0-summary]").focus()
        _voucher_line(page, 0, summary="办公用品", search="5602", code="5602", debit="50")
        _voucher_line(page, 1, summary="转账", search="yhck", code="1002", credit="30")
        diff = page.locator("[data-lg-diff]")
        expect(diff).to_have_text("20.00")
        _voucher_line(page, 2, summary="现金", search="库存现金", code="1001", credit="20")
        expect(page.locator("tr[data-lg-row]")).to_have_count(4)
        expect(page.locator("[data-lg-sum=debit]")).to_have_text("50.00")
        expect(page.locator("[data-lg-sum=credit]")).to_have_text("50.00")
        expect(diff).to_have_text("0.00")
        expect(page.locator("[data-lg-live-errors]")).to_be_hidden()
        _shot(page, f"voucher_new_{lang}")
        _save(page)
        v = Voucher.objects.get()
        assert (v.status, v.debit_total, v.credit_total, v.lines.count()) == ("draft", D("50.00"), D("50.00"), 3)

        # the draft edited: unbalanced is refused with the message above the grid, nothing saved
        page.click("#edit-voucher")
        page.wait_for_url("**/edit/")
        _retype(page, "lines-0-debit", "60")
        expect(diff).to_have_text("10.00")
        page.keyboard.press("Control+Enter")
        expect(page.locator("[data-lg-nonform]")).to_contain_text("10.00")
        _shot(page, f"voucher_unbalanced_{lang}")
        v.refresh_from_db()
        assert v.debit_total == D("50.00")
        _retype(page, "lines-2-credit", "30")
        expect(diff).to_have_text("0.00")
        _save(page)
        v.refresh_from_db()
        assert (v.debit_total, v.credit_total) == (D("60.00"), D("60.00"))

        # the maker may not audit it; a second bookkeeper audits and posts
        context2, page2 = _open(browser, live_server, make_user, "会计", lang=lang, username="u_v2")
        try:
            page2.goto(f"{live_server.url}/ledger/vouchers/{v.pk}/")
            page2.click("#audit-btn")
            page2.wait_for_load_state()
            page2.click("#post-btn")
            page2.wait_for_load_state()
            v.refresh_from_db()
            assert v.status == "posted" and v.posted_by == get_user_model().objects.get(username="u_v2")
            _shot(page2, f"voucher_posted_{lang}")
        finally:
            context2.close()
        _print(context, page, f"{live_server.url}/ledger/vouchers/{v.pk}/print/", f"voucher_print_{lang}", "60.00")
    finally:
        context.close()
