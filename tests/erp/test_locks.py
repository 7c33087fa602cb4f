"""The kernel lock helper (issue #11): rows in primary-key order, advisory locks by named key."""

import threading
import time

import pytest
from django.db import connection, transaction

from erp.locks import AdvisoryLock, advisory_lock, lock_row, lock_rows
from erp.models import Sequence


def _sequences(n):
    return [Sequence.objects.create(doc_type=f"T{i}", year=2026, last=0) for i in range(n)]


def test_lock_rows_returns_the_rows_by_pk_in_pk_order(db, django_assert_num_queries):
    rows = _sequences(3)
    ids = [rows[2].pk, rows[0].pk, rows[1].pk, rows[0].pk]
    with transaction.atomic(), django_assert_num_queries(1) as ctx:
        locked = lock_rows(Sequence.objects.all(), ids)
    assert list(locked) == sorted({r.pk for r in rows})
    sql = ctx.captured_queries[0]["sql"]
    assert "FOR UPDATE" in sql and "ORDER BY" in sql


def test_lock_row_of_a_missing_row_is_does_not_exist(db):
    with transaction.atomic(), pytest.raises(Sequence.DoesNotExist):
        lock_row(Sequence, 999999)


@pytest.mark.django_db(transaction=True)
def test_an_advisory_lock_makes_the_second_transaction_wait():
    order: list[str] = []
    holding = threading.Event()

    def first():
        try:
            with transaction.atomic():
                advisory_lock(AdvisoryLock.BOM_STRUCTURE)
                holding.set()
                time.sleep(0.5)
                order.append("first done")
        finally:
            connection.close()

    def second():
        try:
            holding.wait(5)
            with transaction.atomic():
                advisory_lock(AdvisoryLock.BOM_STRUCTURE)
                order.append("second got the lock")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert order == ["first done", "second got the lock"]
