"""The hook for the general ledger: listeners get the run's entries in the run's transaction; a
failing listener leaves the period's numbers unchanged."""

import datetime
from decimal import Decimal as D

import pytest

from costing.models import CostEntry, CostRun
from costing.services import register_cost_run_listener, unregister_cost_run_listener
from costing.services.runs import cost_run_now
from erp.periods import period_for
from inventory.models import StockMove
from tests import factories as f

from .helpers import issue, receive, work_order

pytestmark = pytest.mark.django_db


def _month():
    rm = f.warehouse("RM")
    f.stock(f.item("M"), rm, 100, "10", on_date=datetime.date(2026, 1, 2))
    wo = work_order("P", 10, [("M", 2, "manual", rm)])
    issue(wo, {"M": 20})
    f.stock(f.item("M"), rm, 100, "13", on_date=datetime.date(2026, 1, 15))
    receive(wo, 10)
    return wo


def test_listener_gets_the_entries_of_the_run():
    wo = _month()
    seen = []
    register_cost_run_listener(seen.append)
    try:
        run = cost_run_now(period_id=period_for(datetime.date(2026, 1, 1)).pk)
        again = cost_run_now(period_id=run.period_id)
    finally:
        unregister_cost_run_listener(seen.append)
    assert [e.run_id for e in seen] == [run.pk, again.pk] and seen[0].period == "2026-01"
    kinds = {(e.kind, e.debit, e.credit, e.amount, e.work_order_id) for e in seen[0].entries}
    # M issued at 10.00 (200.00) is 11.50 (230.00): +30 to WIP; P received 200.00 → 230.00: +30 to stock
    assert kinds == {
        ("issue_revaluation", "wip", "stock", D("30.00"), wo.pk),
        ("receipt_revaluation", "stock", "wip", D("30.00"), wo.pk),
    }
    assert {e.entry_id for e in seen[0].entries} == set(CostEntry.objects.values_list("pk", flat=True))
    assert seen[1].entries == []  # a re-run with unchanged inputs posts nothing


def test_failing_listener_rolls_the_run_back():
    _month()
    moves = StockMove.objects.count()

    def broken(event):
        raise RuntimeError("ledger down")

    register_cost_run_listener(broken)
    try:
        with pytest.raises(RuntimeError):
            cost_run_now(period_id=period_for(datetime.date(2026, 1, 1)).pk)
    finally:
        unregister_cost_run_listener(broken)
    assert CostEntry.objects.count() == 0 and StockMove.objects.count() == moves
    assert CostRun.objects.get().status == "failed"
