"""Hand-offs between roles (issue 18): a picking draft waits for the warehouse, an approved
requisition for the buyer, a receipt for invoice matching. Each shows in the bell of the right
role (not of the others), by e-mail where configured, and as a to-do with its count on that
role's dashboard; when the work is done the to-do vanishes and the notification is read."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.core import mail
from django.test import Client

from erp.models import Notification
from procurement import services as proc
from production.services import picking as pk
from tests import factories as f
from tests.production.helpers import JUNE1, make_wo, wh

pytestmark = pytest.mark.django_db


def _todos(user) -> dict[str, int]:
    client = Client()
    client.force_login(user)
    html = client.get("/").content.decode()
    return {
        key: int(count)
        for key, count in re.findall(r'data-todo="([^"]+)">.*?<span[^>]*data-count>(\d+)</span>', html, re.S)
    }


def _unread(user, key: str) -> int:
    return Notification.objects.filter(user=user, dedupe_key=f"handoff:{key}", read_at__isnull=True).count()


def test_picking_draft_waits_for_the_warehouse_until_posted(make_user, django_capture_on_commit_callbacks):
    clerk = make_user("clerk", "仓库", email="clerk@example.com")
    clerk2 = make_user("clerk2", "仓库")  # no address: bell only
    buyer = make_user("buyer", "采购", email="buyer@example.com")
    rm = wh()
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm)])
    f.stock(f.item("A"), rm, 50)
    # when production proposes two kit pickings
    with django_capture_on_commit_callbacks(execute=True):
        p1 = pk.picking_create_kit(work_order_id=wo.pk, target_sets=D(3), pick_date=JUNE1)
        p2 = pk.picking_create_kit(work_order_id=wo.pk, target_sets=D(2), pick_date=JUNE1)
    # then both clerks have them in the bell, the buyer does not; one mail per picking to the clerk
    assert (_unread(clerk, f"picking:{p1.pk}"), _unread(clerk2, f"picking:{p2.pk}")) == (1, 1)
    assert Notification.objects.filter(user=buyer).count() == 0
    assert [m.to for m in mail.outbox] == [["clerk@example.com"], ["clerk@example.com"]]
    assert p1.number in mail.outbox[0].subject
    # and the warehouse dashboard lists 2 pickings to post; the buyer's has no such to-do
    assert _todos(clerk)["production.pickings_to_post"] == 2
    assert "production.pickings_to_post" not in _todos(buyer)
    # when the warehouse posts one and cancels the other
    pk.picking_confirm(picking_id=p1.pk)
    assert _todos(clerk)["production.pickings_to_post"] == 1
    pk.picking_cancel(picking_id=p2.pk)
    # then the to-do vanishes and the notifications are read
    assert "production.pickings_to_post" not in _todos(clerk)
    assert _unread(clerk, f"picking:{p1.pk}") == _unread(clerk2, f"picking:{p2.pk}") == 0


def test_approved_requisition_waits_for_the_buyer_until_closed(make_user):
    buyer = make_user("buyer", "采购")
    clerk = make_user("clerk", "仓库")
    item = f.item("BOLT")
    req = proc.requisition_create(
        request_date=datetime.date(2026, 1, 5),
        lines=[{"item_id": item.pk, "qty": D(100), "need_date": datetime.date(2026, 1, 20)}],
    )
    # a draft waits for its approval, not for the buyer
    assert "procurement.requisitions_to_order" not in _todos(buyer)
    proc.requisition_approve(requisition_id=req.pk)
    proc.requisition_approve(requisition_id=req.pk)  # twice: still one notification
    assert _unread(buyer, f"requisition:{req.pk}") == 1
    assert Notification.objects.filter(user=clerk).count() == 0
    assert _todos(buyer)["procurement.requisitions_to_order"] == 1
    proc.requisition_close(requisition_id=req.pk)
    assert "procurement.requisitions_to_order" not in _todos(buyer)
    assert _unread(buyer, f"requisition:{req.pk}") == 0


def test_receipt_waits_for_invoice_matching_until_fully_invoiced(make_user):
    from tests.procurement.helpers import confirmed_po

    buyer = make_user("buyer", "采购")
    sup = f.supplier("S1")
    bolt = f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "2.00", wh=f.warehouse("WH"))
    line = po.lines.get()
    gr = proc.purchase_receipt_post(
        order_id=po.pk, lines=[(line.pk, D("100"))], receipt_date=datetime.date(2026, 1, 10)
    )
    assert _unread(buyer, f"receipt:{gr.pk}") == 1
    assert _todos(buyer)["procurement.receipts_to_match"] == 1
    # a partial invoice leaves it waiting
    inv = proc.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=datetime.date(2026, 1, 28),
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D("40"), "unit_price": D("2.00")}],
    )
    proc.supplier_invoice_confirm(invoice_id=inv.pk)
    assert _todos(buyer)["procurement.receipts_to_match"] == 1
    assert _unread(buyer, f"receipt:{gr.pk}") == 1
    inv = proc.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=datetime.date(2026, 1, 28),
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D("60"), "unit_price": D("2.00")}],
    )
    proc.supplier_invoice_confirm(invoice_id=inv.pk)
    assert "procurement.receipts_to_match" not in _todos(buyer)
    assert _unread(buyer, f"receipt:{gr.pk}") == 0


def test_no_mail_setup_is_no_failure(make_user, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens
    clerk = make_user("clerk", "仓库", email="clerk@example.com")
    rm = wh()
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm)])
    f.stock(f.item("A"), rm, 50)
    with django_capture_on_commit_callbacks(execute=True):
        p = pk.picking_create_kit(work_order_id=wo.pk, target_sets=D(3), pick_date=JUNE1)
    assert _unread(clerk, f"picking:{p.pk}") == 1
