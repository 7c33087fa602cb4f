"""Headless Chromium, keyboard only: every document type entered in the line grid with three
lines (item picked by number, name or pinyin initials; price and tax rate from the defaults),
the live total checked, saved, the draft edited, confirmed. Screenshots in
artifacts/screenshots/entry/ (zh-hans and English)."""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.conftest import PASSWORD, SCREENSHOTS

D = Decimal
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = SCREENSHOTS / "entry"
DETAIL = re.compile(r".*/\d+/$")


def _open(browser, live_server, make_user, role, *, lang, username):
    make_user(username, role)
    context = browser.new_context(
        locale="zh-CN" if lang == "zh-hans" else "en-US",
        extra_http_headers={"Accept-Language": "zh-Hans" if lang == "zh-hans" else "en"},
        viewport={"width": 1366, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return context, page


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _enter_line(page, row: int, search: str, code: str, qty: str):
    """Keyboard only: type into the item cell, pick with Enter, type the quantity, Enter through
    the remaining cells (prices and rates stay as the defaults filled them)."""
    item = page.locator(f"input[name=lines-{row}-item]")
    expect(item).to_be_focused()
    page.keyboard.type(search)
    expect(page.locator(f"tr[data-lg-row]:nth-child({row + 1}) [data-lg-suggest] [data-code='{code}']")).to_be_visible()
    page.keyboard.press("Enter")  # picks the highlighted item, moves to the quantity
    expect(item).to_have_value(code)
    page.keyboard.type(qty)
    cells = page.locator(
        f"tr[data-lg-row]:nth-child({row + 1}) input:not([type=hidden]), tr[data-lg-row]:nth-child({row + 1}) select"
    )
    for _ in range(cells.count() - 1):  # from the quantity past the last cell: a new line appears
        page.keyboard.press("Enter")


@dataclass
class Case:
    name: str
    role: str
    url: str
    header: callable
    lines: list  # (search text, code, qty)
    total: str  # document total shown live (incl. tax)
    edit_qty: str  # the third line's new quantity in the draft
    edited_total: str
    confirm: str  # selector of the confirm button on the detail page
    edit: str
    check: callable = None
    extra: dict = field(default_factory=dict)


def _sales_world(user):
    from crm.models import Customer

    cust = Customer.objects.create(code="C1", name="宁波海港自行车贸易", owner=user)
    factories.item("BOLT", name="螺栓", sales_price=D("2.5"))
    bike = factories.item("BK-1", name="城市自行车", sales_price=D("1180"), tax_rate=D("0.09"))
    factories.item("FR-01", name="车架组件", sales_price=D("350"))
    factories.stock(bike, factories.warehouse("FG"), 100, "800")
    return cust


SALES_LINES = [("BOLT", "BOLT", "100"), ("csz", "BK-1", "3"), ("车架", "FR-01", "2")]
# 250.00 + 32.50; 3540.00 + 318.60; 700.00 + 91.00 = 4,932.10; third line 4 pcs: 5,723.10


def _sales_case(kind):
    from crm.models import Quotation, SalesOrder

    model = SalesOrder if kind == "order" else Quotation
    return Case(
        name=f"sales_{kind}",
        role="销售",
        url=f"/crm/{'orders' if kind == 'order' else 'quotations'}/new/",
        header=lambda page, w: page.select_option("select[name=customer]", str(w.pk)),
        lines=SALES_LINES,
        total="4,932.10",
        edit_qty="4",
        edited_total="5,723.10",
        confirm="#confirm-order" if kind == "order" else "form[action$='/confirm/'] button",
        edit="#edit-order" if kind == "order" else "#edit-quotation",
        check=lambda: model.objects.get(),
        extra={"world": _sales_world},
    )


def _purchase_world(user):
    from procurement.models import SupplierPrice

    supplier = factories.supplier("S1", name="苏州紧固件")
    bolt = factories.item("BOLT", name="螺栓", standard_cost=D("0.5"))
    factories.item("BK-1", name="城市自行车", standard_cost=D("900"), tax_rate=D("0.09"), lead_time_days=10)
    frame = factories.item("FR-01", name="车架组件", standard_cost=D("300"), default_supplier=supplier)
    SupplierPrice.objects.create(supplier=supplier, item=bolt, price=D("0.45"), lead_time_days=5)
    SupplierPrice.objects.create(supplier=supplier, item=bolt, price=D("0.40"), min_qty=1000, lead_time_days=5)
    SupplierPrice.objects.create(supplier=supplier, item=frame, price=D("320"), lead_time_days=7)
    return supplier


def _po_case():
    from procurement.models import PurchaseOrder

    # 100 × 0.45 (price list) = 45.00 + 5.85; 3 × 900 (no price: standard cost) = 2700.00 + 9 % 243.00;
    # 2 × 320 (price list) = 640.00 + 83.20 → 3,717.05; four frames: 1280.00 + 166.40 → 4,440.25
    return Case(
        name="purchase_order",
        role="采购",
        url="/procurement/orders/new/",
        header=lambda page, w: page.select_option("select[name=supplier]", str(w.pk)),
        lines=SALES_LINES,
        total="3,717.05",
        edit_qty="4",
        edited_total="4,440.25",
        confirm="#confirm-btn",
        edit="#edit-po",
        check=lambda: PurchaseOrder.objects.get(),
        extra={"world": _purchase_world, "price": "900", "tax": "9"},
    )


def _requisition_case():
    from procurement.models import Requisition

    return Case(
        name="requisition",
        role="采购",
        url="/procurement/requisitions/new/",
        header=lambda page, w: None,
        lines=SALES_LINES,
        total="105",
        edit_qty="4",
        edited_total="107",
        confirm="#approve-btn",
        edit="#edit-requisition",
        check=lambda: Requisition.objects.get(),
        extra={
            "world": _purchase_world,
            "total": "qty",
            "doc_total": lambda doc: str(sum(ln.qty for ln in doc.lines.all()).normalize()),
            "confirmed": "approved",
            "defaults": {"lines-2-supplier": "S1"},  # the item's default supplier
        },
    )


def _stock_world(user):
    rm, fg = factories.warehouse("RM"), factories.warehouse("FG")
    for code, name, cost in (("BOLT", "螺栓", "0.5"), ("BK-1", "城市自行车", "900"), ("FR-01", "车架组件", "300")):
        factories.stock(factories.item(code, name=name, standard_cost=D(cost)), rm, 500, cost)
    return rm, fg


def _stock_case(kind):
    from inventory.models import OtherIssue, OtherReceipt, Transfer

    model = {"other_receipt": OtherReceipt, "other_issue": OtherIssue, "transfer": Transfer}[kind]

    def header(page, w):
        rm, fg = w
        if kind == "transfer":
            page.select_option("select[name=from_warehouse]", str(rm.pk))
            page.select_option("select[name=to_warehouse]", str(fg.pk))
        else:
            page.select_option("select[name=warehouse]", str(rm.pk))

    extra = {
        "world": _stock_world,
        "total": "qty",
        "doc_total": lambda doc: str(sum(ln.qty for ln in doc.lines.all()).normalize()),
        "defaults": {"lines-1-unit_cost": "900"} if kind == "other_receipt" else {},
    }
    return Case(
        name=kind,
        role="仓库",
        url=f"/inventory/{kind.replace('_', '-')}{'s' if kind != 'transfer' else 's'}/new/",
        header=header,
        lines=SALES_LINES,
        total="105",
        edit_qty="4",
        edited_total="107",
        confirm="#confirm-btn",
        edit="#edit-doc",
        check=lambda: model.objects.get(),
        extra=extra,
    )


CASES = {
    "sales_order": lambda: _sales_case("order"),
    "quotation": lambda: _sales_case("quotation"),
    "purchase_order": _po_case,
    "requisition": _requisition_case,
    "other_receipt": lambda: _stock_case("other_receipt"),
    "other_issue": lambda: _stock_case("other_issue"),
    "transfer": lambda: _stock_case("transfer"),
}


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", list(CASES))
def test_enter_three_lines_by_keyboard_edit_the_draft_and_confirm(kind, lang, browser, live_server, make_user):
    case = CASES[kind]()
    context, page = _open(browser, live_server, make_user, case.role, lang=lang, username=f"u_{kind}")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=f"u_{kind}")
    world = case.extra["world"](user)
    try:
        page.goto(live_server.url + case.url)
        case.header(page, world)
        page.locator("input[name=lines-0-item]").focus()
        for row, (search, code, qty) in enumerate(case.lines):
            _enter_line(page, row, search, code, qty)
        # a fourth, blank line appeared after the last cell of the third
        expect(page.locator("tr[data-lg-row]")).to_have_count(4)
        expect(page.locator("input[name=lines-3-item]")).to_be_focused()
        total = page.locator(f"[data-lg-total={case.extra.get('total', 'gross')}]")
        expect(total).to_have_text(case.total)
        # price and tax rate came from the defaults (the item, the price list, the customer)
        if "defaults" in case.extra:
            for name, value in case.extra["defaults"].items():
                expect(page.locator(f"input[name={name}]")).to_have_value(value)
        else:
            expect(page.locator("input[name=lines-1-unit_price]")).to_have_value(case.extra.get("price", "1180"))
            expect(page.locator("input[name=lines-1-tax_rate]")).to_have_value(case.extra.get("tax", "9"))
        _shot(page, f"{case.name}_new_{lang}")
        page.keyboard.press("Control+Enter")
        page.wait_for_url(DETAIL)
        doc = case.check()
        doc_total = case.extra.get("doc_total", lambda d: str(d.total))
        assert doc.status == "draft" and doc_total(doc) == case.total.replace(",", "")
        assert doc.lines.count() == 3

        # the draft is edited: the third line's quantity
        page.click(case.edit)
        page.wait_for_url("**/edit/")
        qty = page.locator("input[name=lines-2-qty]")
        qty.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type(case.edit_qty)
        expect(total).to_have_text(case.edited_total)
        _shot(page, f"{case.name}_edit_{lang}")
        page.keyboard.press("Control+Enter")
        page.wait_for_url(DETAIL)
        doc.refresh_from_db()
        assert doc_total(doc) == case.edited_total.replace(",", "") and doc.lines.count() == 3

        # and confirmed
        page.click(case.confirm)
        page.wait_for_load_state()
        doc.refresh_from_db()
        assert doc.status == case.extra.get("confirmed", "confirmed")
        _shot(page, f"{case.name}_confirmed_{lang}")
    finally:
        context.close()


def test_cell_message_from_the_server_and_duplicate_and_remove(browser, live_server, make_user):
    context, page = _open(browser, live_server, make_user, "销售", lang="en", username="u_msg")
    from django.contrib.auth import get_user_model

    cust = _sales_world(get_user_model().objects.get(username="u_msg"))
    try:
        page.goto(live_server.url + "/crm/orders/new/")
        page.select_option("select[name=customer]", str(cust.pk))
        page.locator("input[name=lines-0-item]").focus()
        _enter_line(page, 0, "BOLT", "BOLT", "1,5")
        # the server's message appears in the quantity cell of the line
        expect(page.locator("tr[data-lg-row]").first.locator("[data-lg-error]").nth(1)).to_contain_text("1,5")
        page.locator("input[name=lines-0-qty]").fill("10")
        page.locator("tr[data-lg-row]").first.locator("[data-lg-dup]").click()
        expect(page.locator("input[name=lines-1-item]")).to_have_value("BOLT")
        expect(page.locator("[data-lg-total=gross]")).to_have_text("56.50")  # 2 × 25.00 + 2 × 3.25
        page.locator("tr[data-lg-row]").first.locator("[data-lg-remove]").click()
        expect(page.locator("[data-lg-total=gross]")).to_have_text("28.25")
        expect(page.locator("input[name=lines-0-item]")).to_have_value("BOLT")
        _shot(page, "sales_order_cell_message_en")
        assert timezone.localdate() >= datetime.date(2026, 1, 1)
    finally:
        context.close()
