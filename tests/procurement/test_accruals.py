"""Domain §4: price differences, cross-period adjustment in the three accrual modes."""

import datetime

import pytest
from django.db.models import Sum

from erp.errors import DomainError
from erp.models import CompanySettings
from inventory.models import StockBalance, StockMove
from inventory.services.ledger import MoveSpec, stock_moves_post
from procurement import services
from procurement.models import AccrualEntry, CostAdjustmentEntry, InvoiceKind
from procurement.selectors import accrual_balance_report
from tests import factories as f
from tests.procurement.helpers import D, confirmed_po, outsourcing_setup

pytestmark = pytest.mark.django_db
JAN20 = datetime.date(2026, 1, 20)
FEB10 = datetime.date(2026, 2, 10)


def _month_snapshot(year, month):
    moves = list(
        StockMove.objects.filter(move_date__year=year, move_date__month=month)
        .order_by("pk")
        .values_list("pk", "item_id", "qty", "value")
    )
    adj = list(
        CostAdjustmentEntry.objects.filter(entry_date__year=year, entry_date__month=month).values_list("pk", "amount")
    )
    acc = list(AccrualEntry.objects.filter(entry_date__year=year, entry_date__month=month).values_list("pk", "amount"))
    return moves, adj, acc


def test_same_period_price_difference_corrects_the_receipt_value():
    # given 100 received at PO price 2.00 (stock 200.00), 30 already issued
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "2.00", wh=wh)
    gr = services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("100"))], receipt_date=JAN20)
    stock_moves_post(
        source_type="test.issue", source_id=1, moves=[MoveSpec(bolt.pk, wh.pk, D("-30"), kind="issue")], move_date=JAN20
    )
    # when the invoice of the same month says 2.10 (210.00)
    inv = services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=datetime.date(2026, 1, 28),
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D("100"), "unit_price": D("2.10")}],
    )
    services.supplier_invoice_confirm(invoice_id=inv.pk)
    # then the difference +10.00 corrects the receipt value: 7.00 on the 70 still in stock
    # (a value-only stock move), 3.00 on the 30 issued (a cost adjustment entry)
    bal = StockBalance.objects.get(item=bolt, warehouse=wh)
    assert (bal.qty, bal.value) == (D("70"), D("147.00"))
    value_move = StockMove.objects.get(source_type="procurement.supplierinvoice")
    assert (value_move.qty, value_move.value, value_move.kind) == (D("0"), D("7.00"), "price_difference")
    adj = {(e.target, e.kind): e.amount for e in CostAdjustmentEntry.objects.all()}
    assert adj == {("stock", "price_difference"): D("7.00"), ("issued", "price_difference"): D("3.00")}
    line = inv.lines.get()
    assert (line.accrued_value, line.amount, line.difference) == (D("200.00"), D("210.00"), D("10.00"))
    # the accrual is cleared
    assert AccrualEntry.objects.aggregate(s=Sum("amount"))["s"] == D("0.00")
    assert inv.tax_amount == D("27.30")


def test_over_invoicing_is_refused_with_nothing_changed():
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "2.00", wh=wh)
    gr = services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("50"))], receipt_date=JAN20)
    inv = services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=JAN20,
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D("60"), "unit_price": D("2")}],
    )
    with pytest.raises(DomainError, match="only 50"):
        services.supplier_invoice_confirm(invoice_id=inv.pk)
    inv.refresh_from_db()
    assert inv.status == "draft"
    assert gr.lines.get().invoiced_qty == 0
    assert CostAdjustmentEntry.objects.count() == 0
    assert AccrualEntry.objects.count() == 1


@pytest.mark.parametrize("mode", ["on_invoice", "next_period", "difference"])
def test_cross_period_fee_invoice_adjusts_february_by_12_in_every_mode(mode):
    # given the company's accrual mode, an outsourcing order at fee 5.00 and 60 received in January
    CompanySettings.objects.update_or_create(pk=1, defaults={"accrual_mode": mode})
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=60, per=1, fee="5.00")
    a_mat = order.materials.get()
    services.outsourcing_material_move(
        order_id=order.pk, kind="issue", lines=[(a_mat.pk, D("60"))], on_date=datetime.date(2026, 1, 6)
    )
    rc = services.outsourcing_receipt_post(order_id=order.pk, qty=D("60"), receipt_date=JAN20)
    # then January accrues 300.00
    assert rc.fee_value == D("300.00")
    jan_rows, jan_total = accrual_balance_report(year=2026, month=1)
    assert (jan_total.opening, jan_total.accrued, jan_total.reversed, jan_total.closing) == (
        D("0"),
        D("300.00"),
        D("0"),
        D("300.00"),
    )
    january_before = _month_snapshot(2026, 1)
    # when the fee invoice arrives in February: 60 × 5.20 = 312.00
    inv = services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=FEB10,
        kind=InvoiceKind.OUTSOURCING,
        lines=[{"outsourcing_receipt_id": rc.pk, "qty": D("60"), "unit_price": D("5.20")}],
    )
    services.supplier_invoice_confirm(invoice_id=inv.pk)
    assert inv.lines.get().amount == D("312.00")
    # then February's net adjustment is +12.00 (all still in stock: all to stock value)
    feb = CostAdjustmentEntry.objects.filter(entry_date__year=2026, entry_date__month=2)
    assert feb.aggregate(s=Sum("amount"))["s"] == D("12.00")
    feb_value = StockMove.objects.filter(move_date__month=2, item=frame).aggregate(s=Sum("value"))["s"]
    assert feb_value == D("12.00")
    # the frames are worth material 60 × 2.00 + fee 312.00
    assert StockBalance.objects.get(item=frame, warehouse=fg_wh).value == D("432.00")
    # January unchanged
    assert _month_snapshot(2026, 1) == january_before
    # accrual balance report: January closes 300, February 300 -> 0
    _rows, feb_total = accrual_balance_report(year=2026, month=2)
    assert (feb_total.opening, feb_total.closing) == (D("300.00"), D("0.00"))
    assert feb_total.reversed == D("300.00")
    _rows, jan_total_after = accrual_balance_report(year=2026, month=1)
    assert jan_total_after.closing == D("300.00")
    # the entries by mode
    kinds = sorted((e.kind, e.amount) for e in feb)
    expected = {
        "on_invoice": [("accrual_reversal", D("-300.00")), ("invoice_cost", D("312.00"))],
        "next_period": [("accrual_reversal", D("-300.00")), ("invoice_cost", D("312.00"))],
        "difference": [("price_difference", D("12.00"))],
    }[mode]
    assert kinds == expected


def test_next_period_mode_reaccrues_what_is_still_not_invoiced_at_period_end():
    CompanySettings.objects.update_or_create(pk=1, defaults={"accrual_mode": "next_period"})
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 10, "3", wh=wh)
    services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("10"))], receipt_date=JAN20)
    # February starts: the January accrual is reversed on Feb 1 (stock value too)
    assert services.accruals_period_start(on_date=FEB10) == 1
    assert services.accruals_period_start(on_date=FEB10) == 0  # idempotent
    assert StockBalance.objects.get(item=bolt).value == D("0.00")
    # no invoice in February: re-accrued at the end of February
    assert services.accruals_period_end(year=2026, month=2) == 1
    _rows, total = accrual_balance_report(year=2026, month=2)
    assert (total.opening, total.accrued, total.reversed, total.closing) == (
        D("30.00"),
        D("30.00"),
        D("30.00"),
        D("30.00"),
    )
    assert StockBalance.objects.get(item=bolt).value == D("30.00")


def test_return_after_a_period_start_reversal_keeps_stock_value_and_accrual_right():
    # given mode 月初一次冲回, 100 received in January at 3.00, reversed on February 1
    CompanySettings.objects.update_or_create(pk=1, defaults={"accrual_mode": "next_period"})
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "3", wh=wh)
    gr = services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("100"))], receipt_date=JAN20)
    services.accruals_period_start(on_date=FEB10)
    assert StockBalance.objects.get(item=bolt).value == D("0.00")
    # when 30 go back to the supplier in February
    services.purchase_return_post(receipt_id=gr.pk, lines=[(gr.lines.get().pk, D("30"))], return_date=FEB10)
    bal = StockBalance.objects.get(item=bolt)
    assert (bal.qty, bal.value) == (D("70"), D("0.00"))
    # then the period-end re-accrual puts back the 70 still not invoiced: 210.00
    services.accruals_period_end(year=2026, month=2)
    assert StockBalance.objects.get(item=bolt).value == D("210.00")
    _rows, total = accrual_balance_report(year=2026, month=2)
    assert (total.opening, total.reversed, total.accrued, total.closing) == (
        D("300.00"),
        D("300.00"),
        D("210.00"),
        D("210.00"),
    )
