"""Portal pages: the warehouse's one-step receipt against a notice, the buyer's queue, the
supplier's home page, invitations; query counts that do not grow with the lines."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal import services as portal
from portal.models import Invitation, LineAnswer, ShippingNotice
from portal.states import NoticeStatus
from procurement import services as proc
from procurement.models import PurchaseReceipt
from tests import factories as f
from tests.procurement.helpers import D
from tests.sweep import client_for

from .conftest import JAN5, JAN20, JAN25

pytestmark = pytest.mark.django_db


def _notice(world, qty="60"):
    line = world["po1"].lines.order_by("line_no").first()
    return portal.shipping_notice_create(
        order_id=world["po1"].pk,
        lines=[(line.pk, D(qty), "B-7")],
        ship_date=JAN20,
        expected_date=JAN25,
        user=world["u1"],
    )


def test_warehouse_receives_a_notice_in_one_step(world, make_user):
    notice = _notice(world)
    clerk = client_for(make_user("clerk", "仓库"))
    assert notice.number in clerk.get(reverse("portal:incoming_notices")).content.decode()
    url = reverse("portal:notice_receive", args=[notice.pk])
    page = clerk.get(url).content.decode()
    nl = notice.lines.get()
    # prefilled with the notified quantity, the notified value kept for highlighting
    assert re.search(rf'name="qty_{nl.pk}"[^>]*value="60"[^>]*data-expected="60"', page)
    response = clerk.post(url, {f"qty_{nl.pk}": "60", "receipt_date": "2026-01-25", "warehouse": ""})
    receipt = PurchaseReceipt.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "procurement:receipt_detail", args=[receipt.pk]
    )
    assert [(rl.item.code, rl.qty) for rl in receipt.lines.all()] == [("BOLT", D("60"))]
    notice.refresh_from_db()
    assert (notice.status, notice.receipt_id) == (NoticeStatus.RECEIVED, receipt.pk)
    # posting again (a second tab) receives nothing more
    clerk.post(url, {f"qty_{nl.pk}": "60", "receipt_date": "2026-01-25"})
    assert PurchaseReceipt.objects.count() == 1


def test_a_counted_difference_is_highlighted_when_refused_and_nothing_is_posted(world, make_user):
    notice = _notice(world)
    nl = notice.lines.get()
    clerk = client_for(make_user("clerk", "仓库"))
    url = reverse("portal:notice_receive", args=[notice.pk])
    response = clerk.post(url, {f"qty_{nl.pk}": "1,5", "receipt_date": "2026-01-25"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-row class="differs"' in html
    assert "1,5" in html
    assert PurchaseReceipt.objects.count() == 0
    assert ShippingNotice.objects.get().status == NoticeStatus.SUBMITTED


def test_over_shipment_is_refused_in_the_portal_with_a_message(world):
    client = client_for(world["u1"])
    line = world["po1"].lines.order_by("line_no").first()
    url = reverse("portal:notice_create", args=[world["po1"].pk])
    response = client.post(
        url, {"ship_date": "2026-01-20", "expected_date": "2026-01-25", f"qty_{line.pk}": "101", "carrier": "SF"}
    )
    assert response.status_code == 200
    assert "at most 100" in response.content.decode()
    assert ShippingNotice.objects.count() == 0
    response = client.post(
        url,
        {"ship_date": "2026-01-20", "expected_date": "2026-01-25", f"qty_{line.pk}": "100", f"batch_{line.pk}": "B1"},
    )
    notice = ShippingNotice.objects.get()
    assert response["Location"] == reverse("portal:notice_detail", args=[notice.pk])
    assert [(ln.qty, ln.batch_no) for ln in notice.lines.all()] == [(D("100"), "B1")]


def test_buyer_rejects_from_the_queue_with_a_reason(world, make_user):
    line = world["po1"].lines.order_by("line_no").first()
    answer = portal.line_propose(line_id=line.pk, qty=D("70"), note="capacity", user=world["u1"])
    buyer = client_for(make_user("buyer", "采购"))
    url = reverse("portal:proposal_reject", args=[answer.pk])
    buyer.post(url, {"reason": ""})
    answer.refresh_from_db()
    assert answer.status == "pending"
    buyer.post(url, {"reason": "need all 100"})
    answer.refresh_from_db()
    line.refresh_from_db()
    assert (answer.status, answer.reject_reason, line.qty) == ("rejected", "need all 100", D("100"))
    page = client_for(world["u1"]).get(reverse("portal:order_detail", args=[world["po1"].pk])).content.decode()
    assert "need all 100" in page


def test_warehouse_and_suppliers_may_not_review_proposals(world, make_user):
    line = world["po1"].lines.order_by("line_no").first()
    answer = portal.line_propose(line_id=line.pk, qty=D("70"), user=world["u1"])
    for client in (client_for(make_user("clerk", "仓库")), client_for(world["u1"])):
        assert client.post(reverse("portal:proposal_accept", args=[answer.pk])).status_code == 403
    answer.refresh_from_db()
    assert answer.status == "pending"


def test_buyer_invites_a_supplier_user_who_then_logs_in_to_the_portal(world, make_user, client):
    buyer = client_for(make_user("buyer", "采购"))
    buyer.post(
        reverse("portal:invitations"), {"supplier": str(world["s2"].pk), "email": "zhao@s2.example", "days": "3"}
    )
    inv = Invitation.objects.get()
    assert inv.supplier == world["s2"]
    page = buyer.get(reverse("portal:invitations")).content.decode()
    link = reverse("portal:invitation_accept", args=[inv.token])
    assert link in page
    # the public link: a weak password is refused, a good one creates the account
    client.post(link, {"username": "zhao", "password": "abc", "password2": "abc"})
    assert not LineAnswer.objects.exists() and Invitation.objects.get().accepted_at is None
    response = client.post(link, {"username": "zhao", "password": "Bike-Parts-77", "password2": "Bike-Parts-77"})
    assert response["Location"] == reverse("login")
    zhao = get_user_model().objects.get(username="zhao")
    assert zhao.check_password("Bike-Parts-77")
    client.force_login(zhao)
    html = client.get(reverse("portal:order_list")).content.decode()
    assert world["po2"].number in html and world["po1"].number not in html
    # the link works once
    client.logout()
    assert client.get(link).status_code == 404


def test_home_page_shows_counts_and_performance(world):
    line = world["po1"].lines.order_by("line_no").first()
    portal.line_confirm(line_id=line.pk, user=world["u1"])
    html = client_for(world["u1"]).get(reverse("portal:home")).content.decode()
    assert re.search(r'id="count-to-confirm">1<', html)
    assert "Supplier One" in html


@pytest.mark.parametrize("n", [5, 40])
def test_order_detail_queries_do_not_grow_with_lines(make_user, django_assert_max_num_queries, n):
    from portal.models import SupplierUser

    wh, sup = f.warehouse("WH"), f.supplier("S1")
    items = [f.item(f"I{i}") for i in range(n)]
    po = proc.purchase_order_create(
        supplier_id=sup.pk,
        order_date=JAN5,
        warehouse_id=wh.pk,
        lines=[{"item_id": it.pk, "qty": D("10"), "unit_price": D("1"), "due_date": JAN20} for it in items],
    )
    proc.purchase_order_confirm(order_id=po.pk)
    user = make_user("sq", "供应商")
    SupplierUser.objects.create(user=user, supplier=sup)
    for ln in list(po.lines.all())[:3]:
        portal.line_confirm(line_id=ln.pk, user=user)
    client = client_for(user)
    with django_assert_max_num_queries(24):
        assert client.get(reverse("portal:order_detail", args=[po.pk])).status_code == 200
    with django_assert_max_num_queries(24):
        assert client.get(reverse("portal:home")).status_code == 200
    with django_assert_max_num_queries(24):
        assert client.get(reverse("portal:order_list")).status_code == 200


def test_subcontractor_sees_material_at_its_site_and_reports_progress(world):
    oo = world["oo1"]
    proc.outsourcing_material_move(
        order_id=oo.pk, kind="issue", lines=[(oo.materials.get().pk, D("50"))], on_date=JAN20
    )
    client = client_for(world["u1"])
    url = reverse("portal:outsourcing_detail", args=[oo.pk])
    html = client.get(url).content.decode()
    # required 80 (40 × 2), sent 50, remaining 50, still to send 30
    assert re.search(
        r"STEEL.*?</td><td class=\"num\">80</td><td class=\"num\">50</td><td class=\"num\">0</td>"
        r"<td class=\"num\">50</td><td class=\"num\">30</td>",
        html,
        re.S,
    )
    response = client.post(
        reverse("portal:progress_create", args=[oo.pk]),
        {"finished_qty": "12", "expected_date": "2026-02-03", "note": "ok"},
    )
    assert response["Location"] == url
    oo.refresh_from_db()
    assert oo.due_date == datetime.date(2026, 2, 3)
