"""Supplier answers, the buyer's review, shipping notices, progress reports and invitations,
through the real services (exact figures; refused actions change nothing)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from erp.errors import DomainError
from erp.models import CompanySettings
from inventory.models import StockBalance
from portal import selectors
from portal import services as portal
from portal.models import Invitation, LineAnswer, ProgressReport, ShippingNotice, SupplierUser
from portal.states import AnswerStatus, LineState, NoticeStatus
from procurement import services as proc
from procurement.models import OutsourcingOrder, PurchaseReceipt
from procurement.selectors import po_scheduled_receipts
from tests.procurement.helpers import D

from .conftest import JAN5, JAN20, JAN25

JAN30 = datetime.date(2026, 1, 30)
FEB3 = datetime.date(2026, 2, 3)
pytestmark = pytest.mark.django_db


def _lines(po):
    return list(po.lines.order_by("line_no"))


def test_accepted_date_proposal_moves_the_scheduled_receipt(world):
    # given the BOLT line of supplier 1's order: 100 due 2026-01-20 at 0.35
    bolt_line, _nut = _lines(world["po1"])
    assert po_scheduled_receipts([world["bolt"].pk]) == [(world["bolt"].pk, JAN20, D("200"))]
    # when the supplier proposes 80 on 2026-01-30 and the buyer accepts
    answer = portal.line_propose(
        line_id=bolt_line.pk, qty=D("80"), due_date=JAN30, note="furnace repair", user=world["u1"]
    )
    assert (answer.status, answer.proposed_qty, answer.proposed_date) == (AnswerStatus.PENDING, D("80"), JAN30)
    buyer = get_user_model().objects.create_user("buyer1")
    portal.proposal_accept(answer_id=answer.pk, user=buyer)
    # then the line is 80 due 2026-01-30, its amount 28.00, the order's totals follow
    bolt_line.refresh_from_db()
    assert (bolt_line.qty, bolt_line.due_date, bolt_line.amount) == (D("80"), JAN30, D("28.00"))
    po = world["po1"]
    po.refresh_from_db()
    assert (po.amount, po.tax_amount, po.total) == (D("33.00"), D("4.29"), D("37.29"))
    # the scheduled receipts: supplier 2's 100 on the 20th, supplier 1's 80 on the 30th
    assert po_scheduled_receipts([world["bolt"].pk]) == [
        (world["bolt"].pk, JAN20, D("100")),
        (world["bolt"].pk, JAN30, D("80")),
    ]
    # audited: the order's history row says what changed, why and who did it
    rec = po.history.order_by("-history_id").first()
    assert rec.history_change_reason.startswith("line 10: quantity 100 → 80, due 2026-01-20 → 2026-01-30;")
    assert rec.history_user == buyer
    answer.refresh_from_db()
    assert (answer.status, answer.agreed_qty, answer.agreed_date, answer.reviewed_by) == (
        AnswerStatus.ACCEPTED,
        D("80"),
        JAN30,
        buyer,
    )
    # accepting again changes nothing
    history = po.history.count()
    portal.proposal_accept(answer_id=answer.pk, user=buyer)
    assert po.history.count() == history
    bolt_line.refresh_from_db()
    assert bolt_line.qty == D("80")
    # and the line now reads as confirmed to the supplier
    line = world["po1"].lines.select_related("order").get(pk=bolt_line.pk)
    selectors.line_states([line])
    assert line.state == LineState.CONFIRMED


def test_rejected_proposal_leaves_the_line_as_it_was(world):
    bolt_line, _nut = _lines(world["po1"])
    answer = portal.line_propose(line_id=bolt_line.pk, due_date=JAN30, note="late", user=world["u1"])
    history = world["po1"].history.count()
    # without a reason the rejection is refused
    with pytest.raises(DomainError, match="reason"):
        portal.proposal_reject(answer_id=answer.pk, reason="  ", user=None)
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.PENDING
    # with a reason: rejected, the line unchanged
    portal.proposal_reject(answer_id=answer.pk, reason="we need them on the 20th", user=None)
    answer.refresh_from_db()
    bolt_line.refresh_from_db()
    assert (answer.status, answer.reject_reason) == (AnswerStatus.REJECTED, "we need them on the 20th")
    assert (bolt_line.qty, bolt_line.due_date) == (D("100"), JAN20)
    assert world["po1"].history.count() == history
    # a rejected proposal can no longer be accepted; nothing changes
    with pytest.raises(DomainError):
        portal.proposal_accept(answer_id=answer.pk, user=None)
    bolt_line.refresh_from_db()
    assert (bolt_line.qty, bolt_line.due_date) == (D("100"), JAN20)
    assert world["po1"].history.count() == history


def test_confirm_is_idempotent_and_a_buyer_change_asks_again(world):
    bolt_line, nut_line = _lines(world["po1"])
    first = portal.line_confirm(line_id=bolt_line.pk, user=world["u1"])
    again = portal.line_confirm(line_id=bolt_line.pk, user=world["u1"])
    assert first.pk == again.pk
    assert LineAnswer.objects.count() == 1
    lines = list(world["po1"].lines.select_related("order").order_by("line_no"))
    selectors.line_states(lines)
    assert [ln.state for ln in lines] == [LineState.CONFIRMED, LineState.NEW]
    # the buyer moves the confirmed line: the supplier must confirm again
    proc.purchase_order_line_reschedule(line_id=bolt_line.pk, due_date=JAN25, reason="earlier need", user=None)
    lines = list(world["po1"].lines.select_related("order").order_by("line_no"))
    selectors.line_states(lines)
    assert lines[0].state == LineState.CHANGED


def test_one_proposal_waits_at_a_time_and_a_repeat_returns_it(world):
    bolt_line, _nut = _lines(world["po1"])
    first = portal.line_propose(line_id=bolt_line.pk, qty=D("90"), user=world["u1"])
    assert portal.line_propose(line_id=bolt_line.pk, qty=D("90"), user=world["u1"]).pk == first.pk
    with pytest.raises(DomainError, match="waiting for the buyer"):
        portal.line_propose(line_id=bolt_line.pk, qty=D("95"), user=world["u1"])
    with pytest.raises(DomainError, match="waiting for the buyer"):
        portal.line_confirm(line_id=bolt_line.pk, user=world["u1"])
    with pytest.raises(DomainError, match="another quantity or another date"):
        portal.line_propose(line_id=_lines(world["po1"])[1].pk, qty=D("50"), user=world["u1"])
    assert LineAnswer.objects.count() == 1


def test_a_supplier_cannot_answer_another_suppliers_line(world):
    other_line = _lines(world["po2"])[0]
    with pytest.raises(ObjectDoesNotExist):  # a 404 in views
        portal.line_confirm(line_id=other_line.pk, user=world["u1"])
    with pytest.raises(ObjectDoesNotExist):
        portal.progress_report_create(
            order_id=world["oo2"].pk, finished_qty=D("1"), expected_date=FEB3, user=world["u1"]
        )
    assert LineAnswer.objects.count() == 0
    assert ProgressReport.objects.count() == 0


def test_reschedule_refusals_change_nothing(world):
    bolt_line, _nut = _lines(world["po1"])
    proc.purchase_receipt_post(order_id=world["po1"].pk, lines=[(bolt_line.pk, D("30"))], receipt_date=JAN20)
    history = world["po1"].history.count()
    with pytest.raises(DomainError, match="30 were already received"):
        proc.purchase_order_line_reschedule(line_id=bolt_line.pk, qty=D("29"), reason="less", user=None)
    with pytest.raises(DomainError, match="before the order date"):
        proc.purchase_order_line_reschedule(
            line_id=bolt_line.pk, due_date=datetime.date(2026, 1, 4), reason="x", user=None
        )
    with pytest.raises(DomainError, match="reason"):
        proc.purchase_order_line_reschedule(line_id=bolt_line.pk, qty=D("40"), reason="", user=None)
    bolt_line.refresh_from_db()
    assert (bolt_line.qty, bolt_line.due_date, bolt_line.received_qty) == (D("100"), JAN20, D("30"))
    assert world["po1"].history.count() == history
    # a line with receipts can still be rescheduled down to what arrived
    proc.purchase_order_line_reschedule(line_id=bolt_line.pk, qty=D("30"), reason="rest cancelled", user=None)
    bolt_line.refresh_from_db()
    assert (bolt_line.qty, bolt_line.open_qty) == (D("30"), D("0"))


def test_shipping_notice_received_in_one_step_posts_the_notified_quantities(world):
    bolt_line, nut_line = _lines(world["po1"])
    notice = portal.shipping_notice_create(
        order_id=world["po1"].pk,
        lines=[(bolt_line.pk, D("60"), "B-2026-01"), (nut_line.pk, D("50"), "")],
        ship_date=JAN20,
        expected_date=JAN25,
        carrier="SF Express",
        tracking_no="SF123456",
        user=world["u1"],
    )
    assert notice.number.startswith("ASN-2026-")
    assert [(ln.qty, ln.batch_no) for ln in notice.lines.all()] == [(D("60"), "B-2026-01"), (D("50"), "")]
    # the warehouse receives it in one step
    done = portal.shipping_notice_receive(notice_id=notice.pk, receipt_date=JAN25, user=None)
    assert done.status == NoticeStatus.RECEIVED
    receipt = PurchaseReceipt.objects.get()
    assert done.receipt_id == receipt.pk
    assert sorted((rl.item.code, rl.qty, rl.value) for rl in receipt.lines.all()) == [
        ("BOLT", D("60"), D("21.00")),
        ("NUT", D("50"), D("5.00")),
    ]
    bolt_line.refresh_from_db()
    nut_line.refresh_from_db()
    assert (bolt_line.received_qty, bolt_line.open_qty, nut_line.open_qty) == (D("60"), D("40"), D("0"))
    assert StockBalance.objects.get(item=world["bolt"], warehouse=world["wh"]).qty == D("60")
    # receiving it again posts nothing more
    portal.shipping_notice_receive(notice_id=notice.pk, receipt_date=JAN25, user=None)
    assert PurchaseReceipt.objects.count() == 1
    assert StockBalance.objects.get(item=world["bolt"], warehouse=world["wh"]).qty == D("60")


def test_counted_quantities_that_differ_from_the_notice_are_posted_and_kept(world):
    bolt_line, _nut = _lines(world["po1"])
    notice = portal.shipping_notice_create(
        order_id=world["po1"].pk,
        lines=[(bolt_line.pk, D("60"), "")],
        ship_date=JAN20,
        expected_date=JAN20,
        user=world["u1"],
    )
    line = notice.lines.get()
    portal.shipping_notice_receive(notice_id=notice.pk, receipt_date=JAN25, qtys={line.pk: D("58")}, user=None)
    line.refresh_from_db()
    assert (line.qty, line.received_qty, line.difference) == (D("60"), D("58"), D("-2"))
    assert PurchaseReceipt.objects.get().lines.get().qty == D("58")


def test_over_shipment_beyond_the_tolerance_is_refused(world):
    CompanySettings.objects.update_or_create(pk=1, defaults={"over_receipt_tolerance_pct": D("5")})
    bolt_line, _nut = _lines(world["po1"])

    def ship(qty):
        return portal.shipping_notice_create(
            order_id=world["po1"].pk,
            lines=[(bolt_line.pk, D(qty), "")],
            ship_date=JAN20,
            expected_date=JAN25,
            user=world["u1"],
        )

    with pytest.raises(DomainError, match="at most 105"):
        ship("105.5")
    ship("60")
    # 60 announced and on their way: at most 45 more
    with pytest.raises(DomainError, match=r"at most 45 \(ordered 100, received 0, announced 60, tolerance 5 %\)"):
        ship("46")
    assert ShippingNotice.objects.count() == 1
    ship("45")
    assert ShippingNotice.objects.count() == 2
    # a withdrawn notice frees its quantity
    first = ShippingNotice.objects.order_by("pk").first()
    portal.shipping_notice_cancel(notice_id=first.pk, user=world["u1"])
    ship("60")
    assert ShippingNotice.objects.filter(status=NoticeStatus.SUBMITTED).count() == 2


def test_notice_dates_and_foreign_lines_are_refused(world):
    bolt_line, _nut = _lines(world["po1"])
    other = _lines(world["po2"])[0]
    with pytest.raises(DomainError, match="before the ship date"):
        portal.shipping_notice_create(
            order_id=world["po1"].pk,
            lines=[(bolt_line.pk, D("1"), "")],
            ship_date=JAN25,
            expected_date=JAN20,
            user=world["u1"],
        )
    with pytest.raises(DomainError, match="do not belong"):
        portal.shipping_notice_create(
            order_id=world["po1"].pk,
            lines=[(other.pk, D("1"), "")],
            ship_date=JAN20,
            expected_date=JAN25,
            user=world["u1"],
        )
    assert ShippingNotice.objects.count() == 0


def test_progress_report_moves_the_outsourcing_orders_expected_date(world):
    oo = world["oo1"]
    # material already sent: the order can no longer be changed, but it can be rescheduled
    proc.outsourcing_material_move(
        order_id=oo.pk, kind="issue", lines=[(oo.materials.get().pk, D("80"))], on_date=JAN20
    )
    with pytest.raises(DomainError, match="material movements"):
        proc.outsourcing_order_change(order_id=oo.pk, due_date=FEB3)
    assert oo.due_date == JAN25
    report = portal.progress_report_create(
        order_id=oo.pk, finished_qty=D("25"), expected_date=FEB3, note="paint line down", user=world["u1"]
    )
    oo.refresh_from_db()
    assert (oo.due_date, report.previous_date, report.finished_qty) == (FEB3, JAN25, D("25"))
    rec = oo.history.order_by("-history_id").first()
    assert rec.history_change_reason.startswith("due 2026-01-25 → 2026-02-03;")
    assert po_scheduled_receipts([world["frame"].pk]) == [
        (world["frame"].pk, JAN25, D("40")),  # supplier 2's order, unchanged
        (world["frame"].pk, FEB3, D("40")),
    ]
    # over the ordered quantity: refused, nothing written
    with pytest.raises(DomainError, match="between 0 and the ordered 40"):
        portal.progress_report_create(order_id=oo.pk, finished_qty=D("41"), expected_date=FEB3, user=world["u1"])
    assert ProgressReport.objects.count() == 1
    assert OutsourcingOrder.objects.get(pk=oo.pk).due_date == FEB3


def test_delivery_notice_of_a_subcontractor_is_received_as_an_outsourcing_receipt(world):
    oo = world["oo1"]
    notice = portal.delivery_notice_create(
        order_id=oo.pk, qty=D("40"), ship_date=JAN20, expected_date=JAN25, batch_no="F-1", user=world["u1"]
    )
    with pytest.raises(DomainError, match="at most 0"):
        portal.delivery_notice_create(
            order_id=oo.pk, qty=D("1"), ship_date=JAN20, expected_date=JAN25, user=world["u1"]
        )
    # material at the subcontractor, then the one-step receipt
    mat = oo.materials.get()
    proc.outsourcing_material_move(order_id=oo.pk, kind="issue", lines=[(mat.pk, D("80"))], on_date=JAN20)
    portal.shipping_notice_receive(notice_id=notice.pk, receipt_date=JAN25, user=None)
    oo.refresh_from_db()
    notice.refresh_from_db()
    assert (oo.received_qty, notice.status, notice.outsourcing_receipt.qty) == (D("40"), NoticeStatus.RECEIVED, D("40"))


def test_invitation_creates_one_supplier_user_once(world):
    inv = portal.invitation_create(supplier_id=world["s1"].pk, email="li@s1.example", user=None)
    with pytest.raises(DomainError):
        portal.invitation_accept(token=inv.token, username="li_s1", password="123")  # too short, numeric
    assert not get_user_model().objects.filter(username="li_s1").exists()
    user = portal.invitation_accept(token=inv.token, username="li_s1", password="Steel-Frames-2026")
    assert SupplierUser.objects.get(user=user).supplier == world["s1"]
    assert list(user.groups.values_list("name", flat=True)) == ["供应商"]
    with pytest.raises(DomainError, match="already used"):
        portal.invitation_accept(token=inv.token, username="li_s1b", password="Steel-Frames-2026")
    old = portal.invitation_create(supplier_id=world["s1"].pk, email="wang@s1.example", user=None)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(DomainError, match="expired"):
        portal.invitation_accept(token=old.token, username="wang_s1", password="Steel-Frames-2026")
    assert SupplierUser.objects.filter(supplier=world["s1"]).count() == 2  # sup1 of the fixture + li_s1


def test_performance_on_time_and_confirmation_rates(world):
    # supplier 1: BOLT line due 01-20 received 01-20 (on time), NUT due 01-25 received 01-28 (late);
    # one of its two lines answered
    bolt_line, nut_line = _lines(world["po1"])
    proc.purchase_receipt_post(order_id=world["po1"].pk, lines=[(bolt_line.pk, D("100"))], receipt_date=JAN20)
    proc.purchase_receipt_post(
        order_id=world["po1"].pk, lines=[(nut_line.pk, D("50"))], receipt_date=datetime.date(2026, 1, 28)
    )
    portal.line_confirm(line_id=_lines(world["po2"])[0].pk, user=world["u2"])  # the other supplier's
    months, total = selectors.performance(world["u1"], today=datetime.date(2026, 6, 30))
    assert [m.month for m in months][:2] == [datetime.date(2025, 7, 1), datetime.date(2025, 8, 1)]
    jan = next(m for m in months if m.month == datetime.date(2026, 1, 1))
    assert (jan.lines, jan.on_time, jan.on_time_pct) == (2, 1, D("50.0"))
    assert (jan.sent, jan.answered, jan.confirmed_pct) == (2, 0, D("0.0"))
    months2, total2 = selectors.performance(world["u2"], today=datetime.date(2026, 6, 30))
    assert (total2.sent, total2.answered, total2.confirmed_pct, total2.on_time_pct) == (2, 1, D("50.0"), None)
    assert (total.lines, total.on_time) == (2, 1)


def test_order_mail_only_where_configured(world, settings, mailoutbox, django_capture_on_commit_callbacks):
    world["u1"].email = "sales@s1.example"
    world["u1"].save()
    wh, bolt = world["wh"], world["bolt"]

    def new_order():
        po = proc.purchase_order_create(
            supplier_id=world["s1"].pk,
            order_date=JAN5,
            warehouse_id=wh.pk,
            lines=[{"item_id": bolt.pk, "qty": D("10"), "unit_price": D("1"), "due_date": JAN20}],
        )
        with django_capture_on_commit_callbacks(execute=True):
            proc.purchase_order_confirm(order_id=po.pk)
        return po

    new_order()
    assert mailoutbox == []  # off by default
    settings.PORTAL_EMAIL = True
    po = new_order()
    assert [(m.subject, m.to) for m in mailoutbox] == [(f"New purchase order {po.number}", ["sales@s1.example"])]
    with django_capture_on_commit_callbacks(execute=True):
        proc.purchase_order_line_reschedule(line_id=po.lines.get().pk, due_date=JAN25, reason="earlier", user=None)
    assert [m.subject for m in mailoutbox][1:] == [f"Purchase order {po.number} changed"]
