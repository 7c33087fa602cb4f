import datetime
import threading

import pytest
from django.db import connection

from erp.errors import DomainError, InsufficientStock
from erp.models import CompanySettings
from inventory.models import StockBalance, StockMove
from procurement import services
from procurement.models import AccrualEntry, PurchaseReceipt
from procurement.states import OrderStatus
from tests import factories as f
from tests.procurement.helpers import D, confirmed_po

JAN10 = datetime.date(2026, 1, 10)


@pytest.mark.django_db
def test_receipt_posts_stock_at_po_price_and_accrues():
    # given a confirmed PO of 100 bolts at 0.35
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "0.35", wh=wh)
    line = po.lines.get()
    # when 60 are received
    gr = services.purchase_receipt_post(order_id=po.pk, lines=[(line.pk, D("60"))], receipt_date=JAN10)
    # then stock 60 worth 21.00, accrued 21.00, open 40
    bal = StockBalance.objects.get(item=bolt, warehouse=wh)
    assert (bal.qty, bal.value) == (D("60"), D("21.00"))
    assert AccrualEntry.objects.get().amount == D("21.00")
    line.refresh_from_db()
    assert (line.received_qty, line.open_qty) == (D("60"), D("40"))
    assert gr.number.startswith("GR-2026-")


@pytest.mark.django_db
def test_over_receipt_beyond_tolerance_is_refused_with_nothing_posted():
    # given a 5% tolerance and a PO of 100
    CompanySettings.objects.update_or_create(pk=1, defaults={"over_receipt_tolerance_pct": D("5")})
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "1", wh=wh)
    line = po.lines.get()
    # 105 is within the tolerance
    services.purchase_receipt_post(order_id=po.pk, lines=[(line.pk, D("100"))], receipt_date=JAN10)
    moves_before = StockMove.objects.count()
    # when one more unit than the tolerance allows is received
    with pytest.raises(DomainError, match="at most 105"):
        services.purchase_receipt_post(order_id=po.pk, lines=[(line.pk, D("5.5"))], receipt_date=JAN10)
    # then nothing changed
    line.refresh_from_db()
    assert line.received_qty == D("100")
    assert StockMove.objects.count() == moves_before
    assert PurchaseReceipt.objects.count() == 1
    assert AccrualEntry.objects.count() == 1
    assert StockBalance.objects.get(item=bolt, warehouse=wh).qty == D("100")
    # exactly the tolerance is accepted
    services.purchase_receipt_post(order_id=po.pk, lines=[(line.pk, D("5"))], receipt_date=JAN10)
    line.refresh_from_db()
    assert line.received_qty == D("105")


@pytest.mark.django_db
def test_receiving_a_draft_or_closed_order_is_refused():
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = services.purchase_order_create(
        supplier_id=sup.pk, order_date=JAN10, warehouse_id=wh.pk, lines=[{"item_id": bolt.pk, "qty": 10}]
    )
    with pytest.raises(DomainError):
        services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, 1)], receipt_date=JAN10)
    services.purchase_order_confirm(order_id=po.pk)
    services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, 4)], receipt_date=JAN10)
    # close short: 6 never come
    services.purchase_order_close(order_id=po.pk)
    po.refresh_from_db()
    assert po.status == OrderStatus.CLOSED and po.lines.get().open_qty == 0
    with pytest.raises(DomainError):
        services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, 1)], receipt_date=JAN10)
    assert StockBalance.objects.get(item=bolt).qty == D("4")
    # a received line can no longer change; a received order can no longer be cancelled
    with pytest.raises(DomainError):
        services.purchase_order_line_change(line_id=po.lines.get().pk, qty=D("20"))
    with pytest.raises(DomainError):
        services.purchase_order_cancel(order_id=po.pk)


@pytest.mark.django_db
def test_return_to_supplier_reverses_stock_and_accrual_and_reopens_the_line():
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "2", wh=wh)
    gr = services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("100"))], receipt_date=JAN10)
    rl = gr.lines.get()
    services.purchase_return_post(receipt_id=gr.pk, lines=[(rl.pk, D("30"))], return_date=JAN10, reason="damaged")
    bal = StockBalance.objects.get(item=bolt, warehouse=wh)
    assert (bal.qty, bal.value) == (D("70"), D("140.00"))
    assert sum(e.amount for e in AccrualEntry.objects.all()) == D("140.00")
    assert po.lines.get().open_qty == D("30")
    # more than received-and-not-returned is refused, nothing changed
    with pytest.raises(DomainError):
        services.purchase_return_post(receipt_id=gr.pk, lines=[(rl.pk, D("71"))], return_date=JAN10)
    assert StockBalance.objects.get(item=bolt, warehouse=wh).qty == D("70")


@pytest.mark.django_db(transaction=True)
def test_two_clerks_receiving_the_last_open_quantity_at_once_only_one_succeeds():
    # given a PO line with 10 still open
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    po = confirmed_po(sup, bolt, 100, "1", wh=wh)
    line = po.lines.get()
    services.purchase_receipt_post(order_id=po.pk, lines=[(line.pk, D("90"))], receipt_date=JAN10)
    barrier = threading.Barrier(2)
    results = []

    def receive():
        try:
            barrier.wait()
            services.purchase_receipt_post(order_id=po.pk, lines=[(line.pk, D("10"))], receipt_date=JAN10)
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly one succeeds, the other is refused as over-receipt
    assert sorted(results) == ["ok", "over_receipt"]
    line.refresh_from_db()
    assert line.received_qty == D("100")
    assert StockBalance.objects.get(item=bolt, warehouse=wh).qty == D("100")
    assert PurchaseReceipt.objects.count() == 2


@pytest.mark.django_db
def test_return_of_more_than_in_stock_is_refused_by_the_ledger():
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1"), f.item("BOLT")
    other = f.warehouse("OUT")
    po = confirmed_po(sup, bolt, 10, "1", wh=wh)
    gr = services.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D("10"))], receipt_date=JAN10)
    from inventory.services.ledger import MoveSpec, stock_moves_post

    stock_moves_post(
        source_type="test.issue",
        source_id=1,
        moves=[MoveSpec(bolt.pk, wh.pk, D("-8"), kind="issue"), MoveSpec(bolt.pk, other.pk, D("8"), kind="in")],
        move_date=JAN10,
    )
    with pytest.raises(InsufficientStock):
        services.purchase_return_post(receipt_id=gr.pk, lines=[(gr.lines.get().pk, D("5"))], return_date=JAN10)
    assert gr.lines.get().returned_qty == 0
    assert AccrualEntry.objects.count() == 1
