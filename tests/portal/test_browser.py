"""Headless Chromium at phone width (390 × 844): a supplier confirms one line and proposes a later
date for another; the buyer accepts the proposal from the queue and the PO line moves."""

import datetime

import pytest
from django.utils import timezone

from portal.models import LineAnswer, SupplierUser
from procurement import services as proc
from tests import factories as f
from tests.conftest import PASSWORD, screenshot
from tests.procurement.helpers import D

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username, *, expect):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + expect)


def test_supplier_confirms_and_proposes_on_a_phone_and_the_buyer_accepts(browser, live_server, make_user):
    today = timezone.localdate()
    due10, due20 = today + datetime.timedelta(days=10), today + datetime.timedelta(days=14)
    later = today + datetime.timedelta(days=19)
    wh, sup = f.warehouse("RM", name="原材料仓"), f.supplier("S004", name="宁波顺达五金")
    spoke, bolt = f.item("PP-SPOKE", name="辐条"), f.item("PP-BOLT", name="螺栓")
    po = proc.purchase_order_create(
        supplier_id=sup.pk,
        order_date=today,
        warehouse_id=wh.pk,
        lines=[
            {"item_id": spoke.pk, "qty": D("1000"), "unit_price": D("0.62"), "due_date": due10},
            {"item_id": bolt.pk, "qty": D("5000"), "unit_price": D("0.08"), "due_date": due20},
        ],
    )
    proc.purchase_order_confirm(order_id=po.pk)
    SupplierUser.objects.create(user=make_user("zheng", "供应商"), supplier=sup)
    make_user("buyer", "采购")

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        _login(page, "zheng", expect="/portal/")
        assert page.locator("#count-to-confirm").inner_text() == "2"
        screenshot(page, "portal_phone_home")
        page.goto(page.base_url + f"/portal/orders/{po.pk}/")
        # the page fits the phone: nothing wider than the viewport
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("#line-10 button[name=confirm]")
        page.wait_for_selector("#line-10[data-state=confirmed]")
        page.click("#line-20 summary")
        page.fill("#line-20 input[name=due_date]", later.isoformat())
        page.fill("#line-20 input[name=note]", "热处理炉检修, 晚5天")
        screenshot(page, "portal_phone_propose")
        page.click("#line-20 button[name=propose]")
        page.wait_for_selector("#line-20[data-state=pending]")
        screenshot(page, "portal_phone_after")
    finally:
        phone.close()
    answers = {a.po_line.line_no: a for a in LineAnswer.objects.select_related("po_line")}
    assert (answers[10].status, answers[10].agreed_date) == ("confirmed", due10)
    assert (answers[20].status, answers[20].proposed_date, answers[20].note) == (
        "pending",
        later,
        "热处理炉检修, 晚5天",
    )

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    try:
        _login(page, "buyer", expect="/")
        page.goto(page.base_url + "/portal/proposals/")
        row = page.locator(f"#proposal-{answers[20].pk}")
        assert later.isoformat() in row.inner_text()
        screenshot(page, "portal_buyer_queue")
        row.locator("button.btn-success").click()
        page.wait_for_selector(".alert-success")
    finally:
        desk.close()
    line = po.lines.get(line_no=20)
    assert (line.qty, line.due_date) == (D("5000"), later)
    answers[20].refresh_from_db()
    assert answers[20].status == "accepted"


def test_warehouse_receives_a_notice_and_a_difference_is_highlighted(browser_login, make_user):
    today = timezone.localdate()
    wh, sup, tyre = f.warehouse("RM", name="原材料仓"), f.supplier("S002", name="厦门正新橡胶"), f.item("PP-TYRE")
    po = proc.purchase_order_create(
        supplier_id=sup.pk,
        order_date=today,
        warehouse_id=wh.pk,
        lines=[{"item_id": tyre.pk, "qty": D("100"), "unit_price": D("28"), "due_date": today}],
    )
    proc.purchase_order_confirm(order_id=po.pk)
    user = make_user("lin", "供应商")
    SupplierUser.objects.create(user=user, supplier=sup)
    from portal import services as portal

    notice = portal.shipping_notice_create(
        order_id=po.pk,
        lines=[(po.lines.get().pk, D("60"), "ZX-118")],
        ship_date=today,
        expected_date=today,
        carrier="顺丰速运",
        tracking_no="SF1402886655",
        user=user,
    )
    page = browser_login("仓库", username="clerk")
    page.goto(page.base_url + "/portal/incoming/")
    page.click(f"a[href='/portal/incoming/{notice.pk}/receive/']")
    field = page.locator(f"input[name=qty_{notice.lines.get().pk}]")
    assert field.input_value() == "60"
    field.fill("58")
    row = page.locator("tr[data-row]")
    assert "differs" in row.get_attribute("class")
    screenshot(page, "portal_warehouse_receive_notice")
    page.click("#post-notice-receipt")
    page.wait_for_url("**/procurement/receipts/*/")
    notice.refresh_from_db()
    assert notice.status == "received"
    assert notice.receipt.lines.get().qty == D("58")


def test_phone_proposal_accepted_by_the_buyer_shows_at_risk_to_the_salesperson(browser, live_server, make_user):
    """The closed loop: the supplier proposes a later date on a phone, the buyer accepts, net change
    flags the pegged customer-order line and the salesperson sees it (plan of tests/crm/test_at_risk)."""
    from crm.models import SalesOrderLine
    from inventory.models import Supplier
    from tests.crm.test_at_risk import d, setup_plan

    seller = make_user("seller", "销售")
    setup_plan(seller)
    SupplierUser.objects.create(user=make_user("steel", "供应商"), supplier=Supplier.objects.get(code="S1"))
    make_user("buyer", "采购")
    from procurement.models import PurchaseOrderLine

    pol = PurchaseOrderLine.objects.select_related("order").get()

    def ctx(width, height, **kw):
        c = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height}, **kw)
        p = c.new_page()
        p.set_default_timeout(20000)
        p.base_url = live_server.url
        return c, p

    phone, page = ctx(390, 844, is_mobile=True, has_touch=True)
    try:
        _login(page, "steel", expect="/portal/")
        page.goto(page.base_url + f"/portal/orders/{pol.order_id}/")
        page.click(f"#line-{pol.line_no} summary")
        page.fill(f"#line-{pol.line_no} input[name=due_date]", d(13).isoformat())
        page.fill(f"#line-{pol.line_no} input[name=note]", "mill delay")
        page.click(f"#line-{pol.line_no} button[name=propose]")
        page.wait_for_selector(f"#line-{pol.line_no}[data-state=pending]")
    finally:
        phone.close()
    desk, page = ctx(1366, 900)
    try:
        _login(page, "buyer", expect="/")
        page.goto(page.base_url + "/portal/proposals/")
        page.locator("button.btn-success").first.click()
        page.wait_for_selector(".alert-success")
        page.click("form[action='/accounts/logout/'] button")
        _login(page, "seller", expect="/")
        so_line = SalesOrderLine.objects.get()
        page.goto(page.base_url + f"/crm/orders/{so_line.order_id}/")
        badge = page.locator(".at-risk").first
        badge.wait_for()
        assert d(15).isoformat() in badge.inner_text()
        screenshot(page, "portal_salesperson_at_risk")
    finally:
        desk.close()
    so_line.refresh_from_db()
    assert so_line.at_risk and so_line.feasible_date == d(15)
