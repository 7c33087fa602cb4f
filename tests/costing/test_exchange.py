"""Cost pools and reported hours imported (CSV / xlsx through the exchange engine)."""

import datetime
from decimal import Decimal as D

import pytest

from costing.models import CostPool, WorkHours
from erp.exchange import ImportFailed, Row, import_files
from erp.models import Period, PeriodStatus
from erp.periods import period_for
from tests import factories as f

from .helpers import work_order

pytestmark = pytest.mark.django_db


def _rows(*dicts):
    rows = []
    for n, d in enumerate(dicts, start=2):
        r = Row(d)
        r.line = n
        rows.append(r)
    return rows


def test_pools_and_hours_import_idempotent_and_refused_for_a_closed_period():
    wo = work_order("P", 10, [("M", 1, "manual", f.warehouse("RM"))])
    files = {
        "cost_pools.csv": _rows(
            {"period": "2026-01", "cost_centre": "C1", "element": "overhead", "amount": "6,000", "basis": ""},
            {
                "period": "2026-01",
                "cost_centre": "C1",
                "element": "labour",
                "amount": "1800.5",
                "basis": "standard_hours",
            },
        ),
        "work_hours.csv": _rows(
            {"wo_no": wo.number, "cost_centre": "C1", "date": "2026-01-20", "actual_hours": "300", "standard_hours": ""}
        ),
    }
    import_files(files)
    import_files(files)  # again: updates, no duplicates
    pools = {p.element: (p.amount, p.basis) for p in CostPool.objects.all()}
    assert pools == {"overhead": (D("6000.00"), "actual_hours"), "labour": (D("1800.50"), "standard_hours")}
    h = WorkHours.objects.get()
    assert (h.actual_hours, h.work_date) == (D("300"), datetime.date(2026, 1, 20))
    Period.objects.filter(pk=period_for(datetime.date(2026, 1, 1)).pk).update(status=PeriodStatus.CLOSED)
    bad = {"work_hours.csv": _rows({**files["work_hours.csv"][0], "actual_hours": "5"})}
    with pytest.raises(ImportFailed, match="not open"):
        import_files(bad)
    assert WorkHours.objects.get().actual_hours == D("300")
