"""Nothing posts into a closed period: one guard (erp.periods.assert_open) in every posting
service. One test per document type; each asserts nothing was written."""

import datetime
from decimal import Decimal as D

import pytest

from crm.models import Delivery, Receipt, SalesInvoice, SalesReturn
from crm.services import deliveries as dsvc
from crm.services.invoices import InvoiceLineInput, invoice_confirm, invoice_create
from crm.services.receipts import receipt_confirm, receipt_create
from erp.errors import ClosedPeriodError
from erp.models import Period, PeriodStatus
from erp.periods import period_for
from inventory.models import StockMove
from procurement import services as proc
from procurement.models import AccrualEntry, OutsourcingIssue, OutsourcingReceipt, PurchaseReceipt, PurchaseReturn
from production.models import FGReceipt, Picking
from production.services import picking as pk
from production.services import receipts as rc
from tests import factories as f
from tests.crm.helpers import TAX_CODE, bike, customer, order
from tests.procurement.helpers import confirmed_po, outsourcing_setup

from .helpers import work_order

pytestmark = pytest.mark.django_db
JUNE5 = datetime.date(2026, 6, 5)
JAN20 = datetime.date(2026, 1, 20)


def _close(day):
    Period.objects.filter(pk=period_for(day).pk).update(status=PeriodStatus.CLOSED)


def _refused(fn):
    moves = StockMove.objects.count()
    with pytest.raises(ClosedPeriodError, match="is closed"):
        fn()
    assert StockMove.objects.count() == moves


def _delivered():
    wh = f.warehouse("FG")
    item = bike()
    f.stock(item, wh, 10, "50", on_date=datetime.date(2026, 5, 1))
    so = order(customer(), item, 5, confirm=True)
    dn = dsvc.delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, delivery_date=JUNE5)
    return so, dn


def test_sales_delivery_refused():
    _so, dn = _delivered()
    _close(JUNE5)
    _refused(lambda: dsvc.delivery_confirm(delivery_id=dn.pk, user=None))
    assert Delivery.objects.get(pk=dn.pk).status == "draft"


def test_sales_return_refused():
    _so, dn = _delivered()
    dsvc.delivery_confirm(delivery_id=dn.pk, user=None)
    ret = dsvc.return_create(
        delivery_id=dn.pk, quantities={dn.lines.get().pk: D(1)}, user=None, return_date=datetime.date(2026, 7, 2)
    )
    _close(datetime.date(2026, 7, 2))
    _refused(lambda: dsvc.return_confirm(return_id=ret.pk, user=None))
    assert SalesReturn.objects.get(pk=ret.pk).status == "draft"


def test_sales_invoice_refused():
    cust, item = customer(), bike()
    inv = invoice_create(
        customer_id=cust.pk,
        lines=[InvoiceLineInput(item.pk, D(1), D(100), tax_code=TAX_CODE)],
        user=None,
        invoice_date=JUNE5,
    )
    _close(JUNE5)
    _refused(lambda: invoice_confirm(invoice_id=inv.pk, user=None))
    assert SalesInvoice.objects.get(pk=inv.pk).status == "draft"


def test_customer_receipt_refused():
    r = receipt_create(customer_id=customer().pk, amount="100", user=None, receipt_date=JUNE5)
    _close(JUNE5)
    _refused(lambda: receipt_confirm(receipt_id=r.pk, user=None))
    assert Receipt.objects.get(pk=r.pk).status == "draft"


def _wo():
    rm = f.warehouse("RM")
    f.stock(f.item("M"), rm, 100, "1", on_date=datetime.date(2026, 5, 1))
    return work_order("P", 10, [("M", 1, "manual", rm)], start=datetime.date(2026, 6, 1))


def test_production_picking_refused():
    wo = _wo()
    p = pk.picking_create_batch(work_order_id=wo.pk, qtys={wo.materials.get().pk: D(10)}, pick_date=JUNE5)
    _close(JUNE5)
    _refused(lambda: pk.picking_confirm(picking_id=p.pk))
    assert Picking.objects.get(pk=p.pk).status == "draft" and wo.materials.get().issued_qty == 0


def test_fg_receipt_refused():
    wo = _wo()
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(5), receipt_date=JUNE5)
    _close(JUNE5)
    _refused(lambda: rc.fg_receipt_confirm(receipt_id=r.pk))
    wo.refresh_from_db()
    assert FGReceipt.objects.get(pk=r.pk).status == "draft" and wo.received_qty == 0


def test_purchase_receipt_and_return_refused():
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 10, "2", wh=wh)
    _close(JAN20)
    receipts = PurchaseReceipt.objects.count()
    _refused(lambda: proc.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D(10))], receipt_date=JAN20))
    assert PurchaseReceipt.objects.count() == receipts and AccrualEntry.objects.count() == 0
    feb = datetime.date(2026, 2, 3)
    gr = proc.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D(10))], receipt_date=feb)
    _close(feb)
    _refused(lambda: proc.purchase_return_post(receipt_id=gr.pk, lines=[(gr.lines.get().pk, D(1))], return_date=feb))
    assert PurchaseReturn.objects.count() == 0


def test_outsourcing_issue_and_receipt_refused():
    order, *_rest = outsourcing_setup(qty=10, per=1)
    m = order.materials.get()
    day = datetime.date(2026, 1, 8)
    proc.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(m.pk, D(10))], on_date=day)
    _close(day)
    _refused(lambda: proc.outsourcing_material_move(order_id=order.pk, kind="issue", lines=[(m.pk, D(1))], on_date=day))
    _refused(lambda: proc.outsourcing_receipt_post(order_id=order.pk, qty=D(5), receipt_date=day))
    assert OutsourcingIssue.objects.count() == 1 and OutsourcingReceipt.objects.count() == 0


def test_supplier_invoice_refused():
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 10, "2", wh=wh)
    gr = proc.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D(10))], receipt_date=JAN20)
    inv = proc.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=datetime.date(2026, 2, 5),
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D(10), "unit_price": D("2.1")}],
    )
    _close(datetime.date(2026, 2, 5))
    _refused(lambda: proc.supplier_invoice_confirm(invoice_id=inv.pk))
    inv.refresh_from_db()
    assert inv.status == "draft"


def test_inventory_documents_refused_through_the_ledger():
    wh = f.warehouse("WH")
    item = f.item("X")
    _close(JUNE5)
    with pytest.raises(ClosedPeriodError):
        f.stock(item, wh, 1, on_date=JUNE5)
    assert StockMove.objects.count() == 0  # other receipts, issues, transfers, counts: the same ledger


def test_closing_period_refuses_business_documents_but_not_period_end_steps():
    from erp.periods import period_end_steps

    wh, item = f.warehouse("WH"), f.item("X")
    Period.objects.filter(pk=period_for(JUNE5).pk).update(status=PeriodStatus.CLOSING)
    with pytest.raises(ClosedPeriodError, match="being closed"):
        f.stock(item, wh, 1, on_date=JUNE5)
    with period_end_steps():
        f.stock(item, wh, 1, on_date=JUNE5)
    assert StockMove.objects.count() == 1
