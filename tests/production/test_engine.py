"""Pure engine: every example of domain §2 with exact numbers (no database)."""

import datetime
from decimal import Decimal as D

from production.engine import backflush as bf
from production.engine import picking as eng
from production.engine.tracking import track


def test_kit_picking_example():
    # given order 10, A per 2, B per 3, issued A 6, B 3, stock A 10, B 12
    lines = [eng.KitLine("A", D(2), D(6), D(10)), eng.KitLine("B", D(3), D(3), D(12))]
    # then S = 1 and T_max = 5
    assert eng.issued_sets(lines) == 1
    assert eng.max_target_sets(lines, D(10)) == 5
    # when picking for 5 sets, then A 4, B 12
    assert eng.kit_pick(lines, D(5)) == {"A": D(4), "B": D(12)}


def test_kit_pick_never_negative_and_t_max_capped_by_order_qty():
    lines = [eng.KitLine("A", D(2), D(8), D(1000))]
    assert eng.max_target_sets(lines, D(10)) == 10
    assert eng.kit_pick(lines, D(3)) == {"A": D(0)}


def test_batch_cap_example():
    # required 100, tolerance 5 %, issued 40 + 50 -> 15 more, or 10 when over-issue is forbidden
    assert eng.batch_cap(required=D(100), net_issued=D(90), tolerance_pct=D(5), forbidden=False) == 15
    assert eng.batch_cap(required=D(100), net_issued=D(90), tolerance_pct=D(5), forbidden=True) == 10
    assert eng.batch_cap(required=D(100), net_issued=D(110), tolerance_pct=D(5), forbidden=False) == 0


def test_merged_picking_example():
    # WO1 5 x FG1 (A 2, B 1) + WO2 3 x FG2 (A 1, C 4)
    d1, d2 = datetime.date(2026, 6, 1), datetime.date(2026, 6, 3)
    demands = [
        eng.Demand("wo1-A", "A", 1, D(10), (d1,)),
        eng.Demand("wo1-B", "B", 1, D(5), (d1,)),
        eng.Demand("wo2-A", "A", 1, D(3), (d2,)),
        eng.Demand("wo2-C", "C", 1, D(12), (d2,)),
    ]
    lines = {line.item: line for line in eng.consolidate(demands)}
    assert {k: v.qty for k, v in lines.items()} == {"A": D(13), "B": D(5), "C": D(12)}
    # issuing A 10 only gives WO1 10, WO2 0 (earliest planned start first)
    assert eng.allocate(D(10), lines["A"].demands) == {"wo1-A": D(10), "wo2-A": D(0)}
    assert eng.allocate(D(12), lines["A"].demands) == {"wo1-A": D(10), "wo2-A": D(2)}


def test_backflush_example_two_receipts():
    # order 10, C 0.5 kg backflush; receipts 4 then 6 -> 2.0 kg then 3.0 kg
    first = bf.backflush_qty(
        receipt_qty=D(4), per=D("0.5"), received_before=D(0), order_qty=D(10), required=D(5), flushed_before=D(0)
    )
    second = bf.backflush_qty(
        receipt_qty=D(6), per=D("0.5"), received_before=D(4), order_qty=D(10), required=D(5), flushed_before=first
    )
    assert (first, second) == (D("2.0"), D("3.0"))


def test_final_receipt_flushes_remainder_with_scrap_and_fixed_loss():
    # per 0.33 incl. scrap, fixed loss 0.2: required = 3 x 0.33 + 0.2 = 1.19
    first = bf.backflush_qty(
        receipt_qty=D(1), per=D("0.33"), received_before=D(0), order_qty=D(3), required=D("1.19"), flushed_before=D(0)
    )
    rest = bf.backflush_qty(
        receipt_qty=D(2), per=D("0.33"), received_before=D(1), order_qty=D(3), required=D("1.19"), flushed_before=first
    )
    assert first == D("0.33") and rest == D("0.86") and first + rest == D("1.19")


def test_receipt_cap_tolerance_and_issued_sets():
    assert bf.receipt_cap(order_qty=D(10), received=D(4), tolerance_pct=D(10)) == 7
    assert bf.receipt_cap(order_qty=D(10), received=D(4), tolerance_pct=D(10), issued_sets=D(6)) == 2


def test_warning_example_on_0608_and_0611():
    base = dict(
        status="started",
        qty=D(100),
        received=D(40),
        planned_start=datetime.date(2026, 6, 1),
        planned_finish=datetime.date(2026, 6, 10),
    )
    t = track(**base, today=datetime.date(2026, 6, 8))
    assert t.elapsed_pct == D("77.8") and t.completion_pct == D("40.0")
    assert t.warnings == ["due_soon", "behind"]
    t = track(**base, today=datetime.date(2026, 6, 11))
    assert "overdue" in t.warnings and t.overdue_days == 1
    assert t.open_qty == 60
    assert t.worst == "overdue"


def test_late_start_and_short_and_no_warnings_when_completed():
    t = track(
        status="released",
        qty=D(10),
        received=D(0),
        planned_start=datetime.date(2026, 6, 1),
        planned_finish=datetime.date(2026, 6, 30),
        today=datetime.date(2026, 6, 2),
        short=True,
    )
    assert t.warnings == ["late_start", "short"]
    t = track(
        status="completed",
        qty=D(10),
        received=D(10),
        planned_start=datetime.date(2026, 6, 1),
        planned_finish=datetime.date(2026, 6, 3),
        today=datetime.date(2026, 6, 20),
    )
    assert t.warnings == [] and t.completion_pct == D("100.0")
