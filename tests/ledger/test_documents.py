"""A voucher per document type, matching the templates; cancelling posts the exact red reversal;
document and voucher are atomic."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from crm.services.receipts import receipt_confirm, receipt_create
from inventory.models import StockMove
from inventory.services import counts, documents
from inventory.services.documents import LineInput
from ledger.models import Account, PostingRule, Voucher, VoucherLine
from ledger.services import reconcile, reports
from procurement import services as ps
from production.services import picking as pk
from production.services import receipts as rc
from tests import factories as f
from tests.ledger.helpers import JAN, lines_of, source_voucher, worked_example
from tests.procurement.helpers import outsourcing_setup

pytestmark = pytest.mark.django_db


def reversal_of(v: Voucher) -> Voucher:
    return Voucher.objects.get(reversal_of=v)


def negated(lines):
    def neg(x):
        return f"{-D(x):.2f}"

    return [(a, neg(d), neg(c)) for a, d, c in lines]


def balanced(v: Voucher) -> bool:
    lines = list(v.lines.all())
    return sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines) == v.debit_total


def test_other_receipt_and_issue_and_their_cancellation():
    wh = f.warehouse("WH")
    a = f.item("A")
    r = documents.other_receipt_create(warehouse_id=wh.pk, lines=[LineInput(a.pk, D("10"), D("3.50"))], doc_date=JAN)
    documents.other_receipt_confirm(doc_id=r.pk)
    v = source_voucher("inventory.other_receipt", r.pk)
    assert lines_of(v) == [("1403", "35.00", "0.00"), ("1901", "0.00", "35.00")]
    i = documents.other_issue_create(warehouse_id=wh.pk, lines=[LineInput(a.pk, D("4"))], doc_date=JAN)
    documents.other_issue_confirm(doc_id=i.pk)
    vi = source_voucher("inventory.other_issue", i.pk)
    assert lines_of(vi) == [("1403", "0.00", "14.00"), ("5602", "14.00", "0.00")]
    documents.other_issue_cancel(doc_id=i.pk, move_date=JAN)
    red = reversal_of(vi)
    assert red.is_reversal and red.number == vi.number + 1
    assert lines_of(red) == negated(lines_of(vi))
    assert balanced(v) and balanced(vi) and balanced(red)
    assert reconcile.reconcile(2026, 1) == []


def test_stock_count_gain_and_loss():
    wh = f.warehouse("WH")
    a, b = f.item("A"), f.item("B")
    r = documents.other_receipt_create(
        warehouse_id=wh.pk, lines=[LineInput(a.pk, D("10"), D("2")), LineInput(b.pk, D("5"), D("4"))], doc_date=JAN
    )
    documents.other_receipt_confirm(doc_id=r.pk)
    c = counts.stock_count_open(warehouse_id=wh.pk, doc_date=JAN)
    lines = {ln.item_id: ln.pk for ln in c.lines.all()}
    counts.stock_count_enter(doc_id=c.pk, counted={lines[a.pk]: D("12"), lines[b.pk]: D("4")})
    counts.stock_count_confirm(doc_id=c.pk)
    v = source_voucher("inventory.stock_count", c.pk)
    assert lines_of(v) == [
        ("1403", "0.00", "4.00"),
        ("1403", "4.00", "0.00"),
        ("1901", "0.00", "4.00"),
        ("1901", "4.00", "0.00"),
    ]
    assert reconcile.reconcile(2026, 1) == []


def test_purchase_receipt_return_and_payment():
    wh = f.warehouse("RM")
    sup = f.supplier("S1")
    a = f.item("A", default_warehouse=wh)
    po = ps.purchase_order_create(
        supplier_id=sup.pk,
        order_date=JAN,
        warehouse_id=wh.pk,
        lines=[{"item_id": a.pk, "qty": D("10"), "unit_price": D("2.50"), "due_date": JAN}],
    )
    ps.purchase_order_confirm(order_id=po.pk)
    gr = ps.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("10"))], receipt_date=JAN)
    ret = ps.purchase_return_post(receipt_id=gr.pk, lines=[(gr.lines.get().pk, D("4"))], return_date=JAN)
    v = source_voucher("procurement.purchasereturn", ret.pk)
    assert lines_of(v) == [("1403", "0.00", "10.00"), ("2202.02", "10.00", "0.00")]
    assert v.lines.get(account__code="2202.02").aux_label == str(sup)
    inv = ps.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=JAN,
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D("6"), "unit_price": D("2.60"), "tax_rate": D("0.13")}],
    )
    ps.supplier_invoice_confirm(invoice_id=inv.pk)
    vi = source_voucher("procurement.supplierinvoice", inv.pk)
    # accrual 15.00 cleared, VAT 2.03, the price difference 0.60 on the 6 still in stock
    assert lines_of(vi) == [
        ("2202.02", "15.00", "0.00"),
        ("2221.01.01", "2.03", "0.00"),
        ("1403", "0.60", "0.00"),
        ("2202.01", "0.00", "17.63"),
    ]
    ps.supplier_invoice_pay(invoice_id=inv.pk, amount=D("10"))
    vp = Voucher.objects.get(source_type="procurement.supplierpayment", source_id=inv.pk)
    assert lines_of(vp) == [("2202.01", "10.00", "0.00"), ("1002", "0.00", "10.00")]
    # a payment carries no date of its own: it is booked today (docs/ledger.md)
    today = timezone.localdate()
    assert (vp.year, vp.month) == (today.year, today.month)
    assert reconcile.reconcile(today.year, today.month) == []


def test_outsourcing_issue_and_receipt():
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=10, per=2, fee="5.00", order_date=JAN)
    m = order.materials.get()
    iss = ps.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(m.pk, D("20"))], on_date=JAN)
    v = source_voucher("procurement.outsourcingissue", iss.pk)
    assert lines_of(v) == [("1403", "0.00", "40.00"), ("1408", "40.00", "0.00")]
    rcpt = ps.outsourcing_receipt_post(order_id=order.pk, qty=D("10"), receipt_date=JAN)
    vr = source_voucher("procurement.outsourcingreceipt", rcpt.pk)
    # FRAME at material 40.00 + fee 50.00; the fee accrued to 2202.02
    assert lines_of(vr) == [("1405", "90.00", "0.00"), ("1408", "0.00", "40.00"), ("2202.02", "0.00", "50.00")]


def test_picking_and_fg_receipt_cancellations_post_exact_reversals(make_user):
    ex = worked_example(make_user("m"), make_user("a"), upto=5)
    v_fg, v_pick = ex[5], ex[3]
    rc.fg_receipt_cancel(receipt_id=ex["fg"].pk, on_date=JAN)
    assert lines_of(reversal_of(v_fg)) == negated(lines_of(v_fg))
    pk.picking_cancel(picking_id=ex["picking"].pk, on_date=JAN)
    red = reversal_of(v_pick)
    assert lines_of(red) == negated(lines_of(v_pick))
    assert red.lines.get(account__code="4001.01").aux_label == str(ex["wo"].number)
    assert reconcile.reconcile(2026, 1) == []


def test_sales_return_and_customer_receipt(make_user):
    from crm.services.deliveries import return_confirm, return_create

    user = make_user("m")
    ex = worked_example(user, make_user("a"), upto=7)
    dn = ex["dn"]
    sr = return_create(delivery_id=dn.pk, quantities={dn.lines.get().pk: D("1")}, user=user, return_date=JAN)
    return_confirm(return_id=sr.pk, user=user)
    assert lines_of(source_voucher("crm.sales_return", sr.pk)) == [("1405", "40.00", "0.00"), ("5401", "0.00", "40.00")]
    si = ex["si"]
    rcpt = receipt_create(
        customer_id=si.customer_id, amount=D("500"), user=user, allocations={si.pk: D("452")}, receipt_date=JAN
    )
    receipt_confirm(receipt_id=rcpt.pk, user=user)
    v = source_voucher("crm.receipt", rcpt.pk)
    assert lines_of(v) == [("1002", "500.00", "0.00"), ("1122", "0.00", "452.00"), ("2203", "0.00", "48.00")]
    assert reconcile.reconcile(2026, 1) == []


def test_failure_in_the_voucher_leaves_neither_document_nor_voucher(make_user):
    """A template pointing at an account with sub-accounts makes the voucher fail: the other
    receipt stays a draft, no stock move, no voucher."""
    wh = f.warehouse("WH")
    a = f.item("A")
    reports.trial_balance(2026, 1)  # the chart exists
    PostingRule.objects.create(
        source_type="inventory.other_receipt", role="counter", account=Account.objects.get(code="2202")
    )
    r = documents.other_receipt_create(warehouse_id=wh.pk, lines=[LineInput(a.pk, D("1"), D("1"))], doc_date=JAN)
    from erp.errors import DomainError

    with pytest.raises(DomainError):
        documents.other_receipt_confirm(doc_id=r.pk)
    r.refresh_from_db()
    assert r.status == "draft"
    assert not StockMove.objects.filter(source_type="inventory.other_receipt").exists()
    assert not Voucher.objects.exists() and not VoucherLine.objects.exists()


def test_every_voucher_balances_and_trial_balance_balances(make_user):
    worked_example(make_user("m"), make_user("a"))
    for v in Voucher.objects.prefetch_related("lines"):
        assert balanced(v), v
    t = reports.tb_totals(reports.trial_balance(2026, 1))
    assert t["debit"] == t["credit"] and t["closing_debit"] == t["closing_credit"]


def test_vouchers_are_in_the_period_of_the_document():
    wh = f.warehouse("WH")
    a = f.item("A")
    feb = datetime.date(2026, 2, 3)
    r = documents.other_receipt_create(warehouse_id=wh.pk, lines=[LineInput(a.pk, D("1"), D("1"))], doc_date=feb)
    documents.other_receipt_confirm(doc_id=r.pk)
    v = source_voucher("inventory.other_receipt", r.pk)
    assert (v.year, v.month, v.number, v.voucher_date) == (2026, 2, 1, feb)
