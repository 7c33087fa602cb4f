"""Shortage engine (mrp/engine/shortage.py) on the spec's example (mrp.md §3), exact numbers."""

import datetime
from decimal import Decimal as D

from mrp.engine.shortage import ScheduledReceipt, ShortageLine, ShortageOrder, analyse

A = 1
JUNE = datetime.date(2026, 6, 1)


def test_spec_example_wo101_30_22_7_15_5():
    wo100 = ShortageOrder("WO-100", JUNE, (ShortageLine(100, A, D(5), D(0)),))
    # WO-101 changed from 10 to 15, A 2 per FG (required 30), 8 issued
    wo101 = ShortageOrder("WO-101", JUNE + datetime.timedelta(days=3), (ShortageLine(101, A, D(30), D(8)),))
    po = ScheduledReceipt(A, JUNE + datetime.timedelta(days=2), D(10))
    rows = analyse([wo100, wo101], {A: D(12)}, [po])
    assert [(r.order_key, r.required, r.issued, r.outstanding, r.allocated, r.short) for r in rows] == [
        ("WO-100", 5, 0, 5, 5, 0),
        ("WO-101", 30, 8, 22, 7, 15),
    ]
    assert [(r.receipts_before_start, r.net_short) for r in rows] == [(0, 0), (10, 5)]


def test_receipts_after_the_start_do_not_count_and_are_shared_in_priority_order():
    o1 = ShortageOrder("O1", JUNE, (ShortageLine(1, A, D(6), D(0)),))
    o2 = ShortageOrder("O2", JUNE + datetime.timedelta(days=5), (ShortageLine(2, A, D(6), D(0)),))
    receipts = [
        ScheduledReceipt(A, JUNE, D(4)),  # on the start date: counts for O1
        ScheduledReceipt(A, JUNE + datetime.timedelta(days=5), D(5)),  # counts from O2 on
        ScheduledReceipt(A, JUNE + datetime.timedelta(days=6), D(50)),  # after every start
    ]
    rows = analyse([o1, o2], {A: D(1)}, receipts)
    assert [(r.allocated, r.short, r.receipts_before_start, r.net_short) for r in rows] == [
        (1, 5, 4, 1),
        (0, 6, 5, 1),
    ]


def test_over_issued_line_has_nothing_outstanding():
    o = ShortageOrder("O", JUNE, (ShortageLine(1, A, D(5), D(7)),))
    row = analyse([o], {}, [])[0]
    assert (row.outstanding, row.allocated, row.short, row.net_short) == (0, 0, 0, 0)
