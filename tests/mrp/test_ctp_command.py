"""`manage.py ctp` on the spec's worked example, imported through the exchange format (§4, §5)."""

import io

import pytest
from django.core.management import CommandError, call_command

from erp.exchange import import_files
from mrp.models import MrpRun, PlannedOrder
from tests.mrp.test_mrp_run import D0, d, files, issue_to_work_order


def ctp(item, qty, date=None):
    date = date or D0.isoformat()
    out = io.StringIO()
    call_command("ctp", date=date, item=item, qty=str(qty), stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_new_demand_of_50_fg_is_promised_d0_plus_7_and_nothing_is_written():
    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    lines = ctp("FG", 50)
    assert lines[-1] == d(7)
    assert "CTP" in lines[0] and "A: buy, 5 days; FG: make, 2 days" in lines[0]
    assert MrpRun.objects.count() == 0 and PlannedOrder.objects.count() == 0


@pytest.mark.django_db
def test_demand_covered_by_stock_is_promised_today():
    import_files(files())
    issue_to_work_order("WO-1", {"A": 15, "B": 20})
    # FG on hand 30, WO 20 on D0+8, SO 100 on D0+10 → nothing free; B on hand 0: only A can be promised
    lines = ctp("A", 5)
    assert lines[-1] == D0.isoformat()
    assert "ATP" in lines[0]


@pytest.mark.django_db
def test_bad_arguments_are_one_clear_line():
    import_files(files())
    with pytest.raises(CommandError, match="not a date"):
        ctp("FG", 1, date="2026-02-30")
    with pytest.raises(CommandError, match="--item"):
        ctp("NOPE", 1)
    with pytest.raises(CommandError, match="--qty"):
        ctp("FG", 0)
