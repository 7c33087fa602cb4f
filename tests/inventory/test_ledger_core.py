import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from erp.errors import InsufficientStock
from inventory.models import Item, StockBalance, StockMove, UnitOfMeasure, Warehouse
from inventory.services.ledger import MoveSpec, stock_moves_post

D = Decimal


@pytest.fixture
def bike(db):
    pcs = UnitOfMeasure.objects.create(code="pcs")
    return Item.objects.create(code="A", name="Bolt", uom=pcs), Warehouse.objects.create(code="WH1", name="Main")


def test_moving_average_after_receipts_at_different_costs(bike):
    item, wh = bike
    stock_moves_post(source_type="t", source_id=1, moves=[MoveSpec(item.pk, wh.pk, D(10), D("4.00"))])
    stock_moves_post(source_type="t", source_id=2, moves=[MoveSpec(item.pk, wh.pk, D(30), D("6.00"))])
    (issue,) = stock_moves_post(source_type="t", source_id=3, moves=[MoveSpec(item.pk, wh.pk, D(-8))])
    assert issue.unit_cost == D("5.5") and issue.value == D("-44.00")
    bal = StockBalance.objects.get(item=item, warehouse=wh)
    assert (bal.qty, bal.value) == (D(32), D("176.00"))


def test_negative_stock_refused_with_message_and_nothing_written(bike):
    item, wh = bike
    stock_moves_post(source_type="t", source_id=1, moves=[MoveSpec(item.pk, wh.pk, D(5), D(1))])
    with pytest.raises(InsufficientStock) as exc:
        stock_moves_post(source_type="t", source_id=2, moves=[MoveSpec(item.pk, wh.pk, D(-7))])
    assert "A Bolt" in str(exc.value) and "WH1 Main" in str(exc.value)
    assert "needed 7" in str(exc.value) and "available 5" in str(exc.value)
    assert StockMove.objects.count() == 1
    assert StockBalance.objects.get(item=item, warehouse=wh).qty == D(5)


def test_posting_is_idempotent_per_source_line(bike):
    item, wh = bike
    spec = MoveSpec(item.pk, wh.pk, D(5), D(2), source_line=7, kind="receipt")
    stock_moves_post(source_type="t", source_id=1, moves=[spec])
    stock_moves_post(source_type="t", source_id=1, moves=[spec])
    assert StockMove.objects.count() == 1
    assert StockBalance.objects.get(item=item, warehouse=wh).qty == D(5)


def test_database_refuses_update_and_delete_of_a_move(bike):
    item, wh = bike
    (move,) = stock_moves_post(source_type="t", source_id=1, moves=[MoveSpec(item.pk, wh.pk, D(5), D(2))])
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).update(qty=D(6))
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).delete()
    assert StockMove.objects.get(pk=move.pk).qty == D(5)


@pytest.mark.django_db(transaction=True)
def test_ten_threads_issue_three_each_of_twenty():
    pcs = UnitOfMeasure.objects.create(code="pcs")
    item = Item.objects.create(code="C", name="Chain", uom=pcs)
    wh = Warehouse.objects.create(code="W", name="W")
    stock_moves_post(source_type="t", source_id=0, moves=[MoveSpec(item.pk, wh.pk, D(20), D(1))])
    ok, refused, other = [], [], []
    barrier = threading.Barrier(10)

    def issue(n):
        try:
            barrier.wait()
            stock_moves_post(source_type="t", source_id=n, moves=[MoveSpec(item.pk, wh.pk, D(-3))])
            ok.append(n)
        except InsufficientStock:
            refused.append(n)
        except Exception as exc:  # deadlocks or anything else would land here
            other.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(1, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert other == []
    assert len(ok) == 6 and len(refused) == 4
    bal = StockBalance.objects.get(item=item, warehouse=wh)
    assert bal.qty == D(2)
    assert sum(m.qty for m in StockMove.objects.filter(item=item)) == bal.qty
