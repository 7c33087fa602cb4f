"""FG receipts: caps, by/joint products, backflush once per receipt, reversal, shortage refusal."""

from decimal import Decimal as D

import pytest

from erp.errors import InsufficientStock, ValidationError
from inventory.models import StockMove
from production.models import FGReceipt
from production.services import picking as pk
from production.services import receipts as rc
from tests import factories as f

from .helpers import JUNE1, make_wo, mat, move_count, on_hand, wh

pytestmark = pytest.mark.django_db


def _receive(wo, qty, **kw):
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(str(qty)), receipt_date=JUNE1, **kw)
    return rc.fg_receipt_confirm(receipt_id=r.pk)


def _flushed(receipt):
    return [
        m.qty
        for m in StockMove.objects.filter(source_type="production.fgreceipt", source_id=receipt.pk, kind="backflush")
    ]


def test_backflush_example_2_then_3_kg_once_per_receipt_and_reversed_on_cancel():
    # given order 10, C 0.5 kg backflush, 20 kg C on hand
    rm = wh()
    wo = make_wo(qty=10, lines=[("C", "0.5", "backflush", rm, {"unit": "kg"})])
    f.stock(f.item("C", unit="kg"), rm, 20)
    # when receiving 4 then 6
    r1 = _receive(wo, 4)
    assert _flushed(r1) == [D("-2.0")]
    rc.fg_receipt_confirm(receipt_id=r1.pk)  # a second confirm flushes nothing more
    assert _flushed(r1) == [D("-2.0")] and on_hand("C", rm) == 18
    r2 = _receive(wo, 6)
    # then 3.0 kg; total = required 5
    assert _flushed(r2) == [D("-3.0")]
    assert mat(wo, "C").backflushed_qty == 5 and on_hand("C", rm) == 15
    wo.refresh_from_db()
    assert wo.received_qty == 10 and wo.status == "completed" and on_hand("FG1", wo.warehouse) == 10
    # when the second receipt is cancelled, its backflush and product are reversed
    rc.fg_receipt_cancel(receipt_id=r2.pk)
    wo.refresh_from_db()
    assert on_hand("C", rm) == 18 and mat(wo, "C").backflushed_qty == 2
    assert wo.received_qty == 4 and wo.status == "started" and on_hand("FG1", wo.warehouse) == 4


def test_backflush_refused_when_short_lists_shortage_and_posts_nothing():
    rm = wh()
    wo = make_wo(qty=10, lines=[("C", "0.5", "backflush", rm, {"unit": "kg"}), ("D", 1, "backflush", rm)])
    f.stock(f.item("C", unit="kg"), rm, 1)
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(4), receipt_date=JUNE1)
    before = move_count()
    with pytest.raises(InsufficientStock) as exc:
        rc.fg_receipt_confirm(receipt_id=r.pk)
    # both short lines are named with needed and available
    assert len(exc.value.details) == 2
    assert "needed 2, available 1" in exc.value.details[0] and "needed 4, available 0" in exc.value.details[1]
    r.refresh_from_db()
    wo.refresh_from_db()
    assert r.status == "draft" and move_count() == before
    assert wo.received_qty == 0 and mat(wo, "C").backflushed_qty == 0 and on_hand("C", rm) == 1


def test_receipt_cap_with_tolerance_and_by_issued_sets():
    rm = wh()
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm)], receipt_tolerance_pct=D(10))
    _receive(wo, 8)
    before = (FGReceipt.objects.count(), move_count())
    with pytest.raises(ValidationError) as exc:
        rc.fg_receipt_create(work_order_id=wo.pk, qty=D(4))
    assert "at most 3" in str(exc.value)
    assert (FGReceipt.objects.count(), move_count()) == before
    _receive(wo, 3)
    wo.refresh_from_db()
    assert wo.received_qty == 11 and wo.status == "completed"
    # capped by issued sets: 7 A issued at 2 per set -> 3 sets
    wo2 = make_wo("FG2", qty=10, lines=[("A", 2, "manual", rm)], cap_by_issued_sets=True)
    f.stock(f.item("A"), rm, 7)
    p = pk.picking_create_batch(work_order_id=wo2.pk, qtys={mat(wo2, "A").pk: D(7)})
    pk.picking_confirm(picking_id=p.pk)
    with pytest.raises(ValidationError) as exc:
        rc.fg_receipt_create(work_order_id=wo2.pk, qty=D(4))
    assert "issued sets 3" in str(exc.value)
    _receive(wo2, 3)


def test_by_and_joint_products_are_received_and_reversed():
    rm = wh()
    wo = make_wo(qty=10, lines=[])
    from production.services.work_orders import work_order_material_add

    scrap = f.item("SCRAP", unit="kg")
    from production.models import WorkOrder

    wo = WorkOrder.objects.get(pk=wo.pk)
    work_order_material_add(
        work_order_id=wo.pk, component_id=scrap.pk, qty_per=D("0.2"), line_type="by_product", warehouse_id=rm.pk
    )
    r = _receive(wo, 5)
    assert on_hand("SCRAP", rm) == 1 and mat(wo, "SCRAP").received_qty == 1
    rc.fg_receipt_cancel(receipt_id=r.pk)
    assert on_hand("SCRAP", rm) == 0 and mat(wo, "SCRAP").received_qty == 0


def test_completed_order_takes_receipts_within_tolerance_and_scrap_reduces_open_qty():
    from production.services.work_orders import work_order_report_scrap

    wo = make_wo(qty=10, receipt_tolerance_pct=D(10))
    work_order_report_scrap(work_order_id=wo.pk, qty=D(2))
    with pytest.raises(ValidationError):
        work_order_report_scrap(work_order_id=wo.pk, qty=D(9))
    _receive(wo, 8)
    wo.refresh_from_db()
    assert (wo.scrapped_qty, wo.open_qty, wo.status) == (D(2), D(0), "started")
    _receive(wo, 2)
    wo.refresh_from_db()
    assert wo.status == "completed" and wo.received_qty == 10
    _receive(wo, 1)  # 10 % tolerance: 11 in all
    with pytest.raises(ValidationError):
        rc.fg_receipt_create(work_order_id=wo.pk, qty=D("0.5"))
    wo.refresh_from_db()
    assert wo.received_qty == 11 and wo.receipts.count() == 3
