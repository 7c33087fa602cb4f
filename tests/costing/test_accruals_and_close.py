"""Accruals reaching cost (§4 example +12.00), 月初一次冲回 re-accrual at close (153.00 / +6.75),
period close with the checklist, reopening (admin, latest, reason, audited)."""

import datetime
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from costing.models import CostEntry, OrderCost
from costing.services.periods import period_checklist, period_close, period_reopen
from erp.errors import ClosedPeriodError, StateError, ValidationError
from erp.models import CompanySettings, Period, PeriodStatus
from erp.periods import period_for
from inventory.models import StockMove
from procurement import services as proc
from procurement.models import CostAdjustmentEntry, InvoiceKind
from procurement.selectors import accrual_balance_report
from tests import factories as f
from tests.procurement.helpers import confirmed_po, outsourcing_setup

from .helpers import issue, run, work_order

pytestmark = pytest.mark.django_db


def test_fee_invoice_difference_of_issued_goods_reaches_the_consuming_order():
    # January: 60 frames received at fee 5.00 (accrual 300.00), all issued to a work order
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=60, per=1, fee="5.00")
    proc.outsourcing_material_move(
        order_id=order.pk, kind="issue", lines=[(order.materials.get().pk, D(60))], on_date=datetime.date(2026, 1, 6)
    )
    receipt = proc.outsourcing_receipt_post(order_id=order.pk, qty=D(60), receipt_date=datetime.date(2026, 1, 20))
    wo = work_order("BIKE", 60, [("FRAME", 1, "manual", fg_wh)])
    issue(wo, {"FRAME": 60}, on_date=datetime.date(2026, 1, 25))
    run(datetime.date(2026, 1, 1))
    # February: invoice 60 × 5.20 = 312.00 → +12.00, nothing left in stock: all to the issued goods
    inv = proc.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=datetime.date(2026, 2, 10),
        kind=InvoiceKind.OUTSOURCING,
        lines=[{"outsourcing_receipt_id": receipt.pk, "qty": D(60), "unit_price": D("5.20")}],
    )
    proc.supplier_invoice_confirm(invoice_id=inv.pk)
    feb = CostAdjustmentEntry.objects.filter(entry_date__month=2)
    assert feb.aggregate(s=Sum("amount"))["s"] == D("12.00")
    r = run(datetime.date(2026, 2, 1))
    # the order still in process carries it as material of February
    sheet = OrderCost.objects.get(run=r, work_order=wo, element="material")
    assert (sheet.opening_wip, sheet.this_period, sheet.closing_wip) == (D("420.00"), D("12.00"), D("432.00"))
    # cleared per procurement entry (reversal −300.00, invoice cost +312.00): net +12.00 to WIP
    entries = CostEntry.objects.filter(run=r, kind="invoice_difference")
    assert sorted(e.amount for e in entries) == [D("-300.00"), D("312.00")]
    assert {(e.debit, e.credit, e.work_order_id) for e in entries} == {("wip", "invoice_difference", wo.pk)}


def test_next_period_mode_close_reaccrues_153_and_november_gets_plus_6_75():
    CompanySettings.objects.update_or_create(pk=1, defaults={"accrual_mode": "next_period"})
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 10, "15.30", wh=wh, order_date=datetime.date(2026, 9, 1))
    gr = proc.purchase_receipt_post(
        order_id=po.pk, lines=[(po.lines.get().pk, D(10))], receipt_date=datetime.date(2026, 9, 20)
    )
    period_close(period_id=period_for(datetime.date(2026, 9, 1)).pk, acknowledge=True)
    # October: the September accrual is reversed on Oct 1; nobody presses the re-accrual button
    proc.accruals_period_start(on_date=datetime.date(2026, 10, 5))
    # closing October re-accrues by itself
    october = period_close(period_id=period_for(datetime.date(2026, 10, 1)).pk, acknowledge=True)
    assert october.status == PeriodStatus.CLOSED
    _rows, total = accrual_balance_report(year=2026, month=10)
    assert total.closing == D("153.00")
    # November invoice 10 × 15.975 = 159.75
    inv = proc.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=datetime.date(2026, 11, 10),
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D(10), "unit_price": D("15.975")}],
    )
    proc.supplier_invoice_confirm(invoice_id=inv.pk)
    nov = CostAdjustmentEntry.objects.filter(entry_date__month=11).aggregate(s=Sum("amount"))["s"]
    assert nov == D("6.75")
    nov_value = StockMove.objects.filter(move_date__month=11, item=bolt).aggregate(s=Sum("value"))["s"]
    assert nov_value == D("6.75")


def test_close_needs_a_clean_or_acknowledged_checklist_then_posting_is_refused(make_user):
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 10, "2", wh=wh)
    jan = datetime.date(2026, 1, 20)
    proc.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D(5))], receipt_date=jan)
    period = period_for(jan)
    points = {p.code: p.count for p in period_checklist(period=period)}
    assert points["accrued"] == 1 and points["cost_run"] == 1 and points["drafts"] == 0
    with pytest.raises(ValidationError, match="Receipts without invoice"):
        period_close(period_id=period.pk)
    period.refresh_from_db()
    assert period.status == PeriodStatus.OPEN
    user = make_user("acct")
    closed = period_close(period_id=period.pk, acknowledge=True, user=user)
    assert closed.status == PeriodStatus.CLOSED and closed.closed_by == user
    assert "Receipts without invoice" in closed.acknowledged
    with pytest.raises(ClosedPeriodError, match="2026-01 is closed"):
        proc.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D(5))], receipt_date=jan)


def test_reopen_only_latest_closed_by_admin_with_reason_audited(make_user):
    jan, feb = period_for(datetime.date(2026, 1, 1)), period_for(datetime.date(2026, 2, 1))
    period_close(period_id=jan.pk, acknowledge=True)
    period_close(period_id=feb.pk, acknowledge=True)
    clerk, admin = make_user("clerk", "成本会计"), make_user("boss", "管理员")
    with pytest.raises(StateError, match="Only an administrator"):
        period_reopen(period_id=feb.pk, reason="late invoice", user=clerk)
    with pytest.raises(StateError, match="latest closed"):
        period_reopen(period_id=jan.pk, reason="late invoice", user=admin)
    with pytest.raises(ValidationError, match="reason"):
        period_reopen(period_id=feb.pk, reason="  ", user=admin)
    assert Period.objects.get(pk=feb.pk).status == PeriodStatus.CLOSED
    p = period_reopen(period_id=feb.pk, reason="late invoice", user=admin)
    assert (p.status, p.reason, p.reopened_by) == ("open", "late invoice", admin)
    last = p.history.first()
    assert last.history_user == admin and "late invoice" in last.history_change_reason
