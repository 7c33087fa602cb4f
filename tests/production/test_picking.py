"""Picking through the database: kit, batch, merged, returns, supplements (domain §2 numbers)."""

import datetime
import threading
from decimal import Decimal as D

import pytest
from django.db import close_old_connections, connection

from erp.errors import DomainError, InsufficientStock, StateError, ValidationError
from production.models import Picking
from production.services import picking as pk
from tests import factories as f

from .helpers import JUNE1, make_wo, mat, move_count, on_hand, wh

pytestmark = pytest.mark.django_db


def _issue(wo, qtys, **kw):
    p = pk.picking_create_batch(work_order_id=wo.pk, qtys={mat(wo, c).pk: D(str(q)) for c, q in qtys.items()}, **kw)
    return pk.picking_confirm(picking_id=p.pk)


def test_kit_picking_example_through_the_database():
    # given order 10, A per 2, B per 3; issued A 6, B 3; then stock A 10, B 12
    rm = wh()
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm), ("B", 3, "manual", rm)])
    f.stock(f.item("A"), rm, 16)
    f.stock(f.item("B"), rm, 15)
    _issue(wo, {"A": 6, "B": 3}, pick_date=JUNE1)
    assert (on_hand("A", rm), on_hand("B", rm)) == (D(10), D(12))
    fig = pk.kit_figures(wo)
    assert fig["issued_sets"] == 1 and fig["max_sets"] == 5
    # when kit-picking T_max (the default)
    p = pk.picking_create_kit(work_order_id=wo.pk, pick_date=JUNE1)
    assert p.target_sets == 5
    assert {ln.item.code: ln.qty for ln in p.lines.all()} == {"A": D(4), "B": D(12)}
    pk.picking_confirm(picking_id=p.pk)
    # then stock and issued sets follow
    assert (on_hand("A", rm), on_hand("B", rm)) == (D(6), D(0))
    assert pk.kit_figures(wo)["issued_sets"] == 5
    wo.refresh_from_db()
    assert wo.status == "started" and wo.actual_start == JUNE1


def test_kit_target_above_order_qty_refused():
    rm = wh()
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm)])
    before = (Picking.objects.count(), move_count())
    with pytest.raises(ValidationError):
        pk.picking_create_kit(work_order_id=wo.pk, target_sets=D(11))
    assert (Picking.objects.count(), move_count()) == before


def test_batch_cap_with_tolerance_and_forbidden():
    # required 100, tolerance 5 %, issued 40 + 50 -> a third picking may take 15 (10 if forbidden)
    rm = wh()
    f.stock(f.item("A"), rm, 500)
    wo = make_wo("FG1", qty=100, lines=[("A", 1, "manual", rm)], issue_tolerance_pct=D(5))
    wo2 = make_wo("FG2", qty=100, lines=[("A", 1, "manual", rm)], over_issue_forbidden=True, issue_tolerance_pct=D(5))
    for order in (wo, wo2):
        _issue(order, {"A": 40})
        _issue(order, {"A": 50})
    before = (Picking.objects.count(), move_count(), mat(wo, "A").issued_qty)
    with pytest.raises(ValidationError) as exc:
        _issue(wo, {"A": 16})
    assert "at most 15" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        _issue(wo2, {"A": 11})
    assert "at most 10" in str(exc.value)
    assert (Picking.objects.count(), move_count(), mat(wo, "A").issued_qty) == before
    _issue(wo, {"A": 15})
    _issue(wo2, {"A": 10})
    assert mat(wo, "A").issued_qty == 105 and mat(wo2, "A").issued_qty == 100
    assert on_hand("A", rm) == 500 - 105 - 100


def test_merged_picking_example_and_partial_allocation():
    # WO1 5 x FG1 (A 2, B 1) + WO2 3 x FG2 (A 1, C 4) -> A 13, B 5, C 12
    rm = wh()
    wo1 = make_wo("FG1", qty=5, lines=[("A", 2, "manual", rm), ("B", 1, "manual", rm)], start=JUNE1)
    wo2 = make_wo(
        "FG2", qty=3, lines=[("A", 1, "manual", rm), ("C", 4, "manual", rm)], start=JUNE1 + datetime.timedelta(days=2)
    )
    f.stock(f.item("A"), rm, 10)
    f.stock(f.item("B"), rm, 5)
    f.stock(f.item("C"), rm, 12)
    p = pk.picking_create_merged(work_order_ids=[wo2.pk, wo1.pk])
    lines = {ln.item.code: ln for ln in p.lines.all()}
    assert {c: ln.qty for c, ln in lines.items()} == {"A": D(13), "B": D(5), "C": D(12)}
    assert sorted(a.qty for a in lines["A"].allocations.all()) == [D(3), D(10)]
    # when only A 10 is issued
    pk.picking_confirm(picking_id=p.pk, issue_qtys={lines["A"].pk: D(10)})
    # then WO1 gets 10, WO2 0; B and C in full; both orders updated
    assert mat(wo1, "A").issued_qty == 10 and mat(wo2, "A").issued_qty == 0
    assert mat(wo1, "B").issued_qty == 5 and mat(wo2, "C").issued_qty == 12
    assert on_hand("A", rm) == 0


def test_return_and_supplement():
    rm = wh()
    f.stock(f.item("A"), rm, 30)
    wo = make_wo(qty=10, lines=[("A", 2, "manual", rm)], over_issue_forbidden=True)
    _issue(wo, {"A": 20})
    # return 3 -> net issued 17, stock back
    r = pk.picking_create_return(work_order_id=wo.pk, qtys={mat(wo, "A").pk: D(3)}, reason="damaged")
    pk.picking_confirm(picking_id=r.pk)
    m = mat(wo, "A")
    assert (m.issued_qty, m.returned_qty, m.net_issued) == (D(20), D(3), D(17))
    assert on_hand("A", rm) == 13
    # returning more than issued is refused
    before = move_count()
    with pytest.raises(ValidationError):
        pk.picking_create_return(work_order_id=wo.pk, qtys={m.pk: D(18)})
    assert move_count() == before
    # supplement beyond the cap needs a reason, then passes
    with pytest.raises(ValidationError):
        pk.picking_create_supplement(work_order_id=wo.pk, qtys={m.pk: D(5)}, reason="")
    s = pk.picking_create_supplement(work_order_id=wo.pk, qtys={m.pk: D(5)}, reason="scrap at press")
    pk.picking_confirm(picking_id=s.pk)
    assert mat(wo, "A").net_issued == 22 and on_hand("A", rm) == 8


def test_cancel_confirmed_picking_reverses_stock():
    rm = wh()
    f.stock(f.item("A"), rm, 10)
    wo = make_wo(qty=5, lines=[("A", 2, "manual", rm)])
    p = _issue(wo, {"A": 4})
    pk.picking_cancel(picking_id=p.pk)
    assert on_hand("A", rm) == 10 and mat(wo, "A").issued_qty == 0
    pk.picking_cancel(picking_id=p.pk)  # twice is harmless
    assert on_hand("A", rm) == 10


def test_insufficient_stock_refuses_the_picking_and_changes_nothing():
    rm = wh()
    f.stock(f.item("A"), rm, 3)
    wo = make_wo(qty=5, lines=[("A", 2, "manual", rm)])
    p = pk.picking_create_batch(work_order_id=wo.pk, qtys={mat(wo, "A").pk: D(4)})
    before = move_count()
    with pytest.raises(InsufficientStock):
        pk.picking_confirm(picking_id=p.pk)
    p.refresh_from_db()
    assert p.status == "draft" and move_count() == before and mat(wo, "A").issued_qty == 0


def test_planned_order_cannot_be_picked():
    rm = wh()
    fg = f.item("FG9", supply_type="manufacture")
    from production.services.work_orders import work_order_create

    wo = work_order_create(item_id=fg.pk, qty=D(1), planned_start=JUNE1)
    with pytest.raises(StateError):
        pk.picking_create_kit(work_order_id=wo.pk)
    assert Picking.objects.count() == 0 and rm


@pytest.mark.django_db(transaction=True)
def test_two_merged_pickings_racing_never_issue_more_than_stock():
    # given 12 A in stock and two merged pickings that each want 12 A
    rm = wh()
    orders = [make_wo(f"FG{i}", qty=3, lines=[("A", 2, "manual", rm)]) for i in range(4)]
    f.stock(f.item("A"), rm, 12)
    p1 = pk.picking_create_merged(work_order_ids=[orders[0].pk, orders[1].pk])
    p2 = pk.picking_create_merged(work_order_ids=[orders[2].pk, orders[3].pk])
    results = {}
    barrier = threading.Barrier(2)

    def run(p):
        close_old_connections()
        try:
            barrier.wait()
            pk.picking_confirm(picking_id=p.pk)
            results[p.pk] = "ok"
        except DomainError as exc:
            results[p.pk] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in (p1, p2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly one posted; stock never went below zero
    assert sorted(results.values()) == ["InsufficientStock", "ok"]
    assert on_hand("A", rm) == 0
    issued = sum(mat(o, "A").issued_qty for o in orders)
    assert issued == 12
