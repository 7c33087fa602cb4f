"""Transfers racing in opposite directions do not deadlock; ledger sums equal balances."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from erp.errors import InsufficientStock
from inventory.models import StockBalance, StockMove
from inventory.services.documents import LineInput, transfer_confirm, transfer_create
from tests import factories as f

D = Decimal


@pytest.mark.django_db(transaction=True)
def test_opposite_transfers_race_without_deadlock():
    a, b = f.warehouse("A"), f.warehouse("B")
    items = [f.item(f"X{n}") for n in range(3)]
    for it in items:
        f.stock(it, a, 10, "2")
        f.stock(it, b, 10, "4")
    docs = []
    for n in range(8):
        src, dst = (a, b) if n % 2 == 0 else (b, a)
        lines = [LineInput(it.pk, D(2)) for it in (items if n % 2 == 0 else list(reversed(items)))]
        docs.append(transfer_create(from_warehouse_id=src.pk, to_warehouse_id=dst.pk, lines=lines))
    errors, barrier = [], threading.Barrier(len(docs))

    def run(doc_id):
        try:
            barrier.wait()
            transfer_confirm(doc_id=doc_id)
        except InsufficientStock:
            pass
        except Exception as exc:  # a deadlock would land here
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(d.pk,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for it in items:
        assert sum(bal.qty for bal in StockBalance.objects.filter(item=it)) == D(20)
        assert sum(bal.value for bal in StockBalance.objects.filter(item=it)) == D("60.00")  # value is only moved
    for bal in StockBalance.objects.all():
        moves = StockMove.objects.filter(item_id=bal.item_id, warehouse_id=bal.warehouse_id)
        assert sum(m.qty for m in moves) == bal.qty and sum(m.value for m in moves) == bal.value
