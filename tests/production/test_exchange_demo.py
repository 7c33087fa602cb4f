"""work_orders.csv import/export and the demo seed."""

import contextlib
import io
from decimal import Decimal as D

import pytest

from erp.exchange import ImportFailed, Row, import_files
from production.exchange import export_work_orders
from production.models import WorkOrder
from tests import factories as f
from tests.bom.helpers import make_bom

pytestmark = pytest.mark.django_db


def _rows(*dicts):
    rows = []
    for n, d in enumerate(dicts, start=2):
        r = Row(d)
        r.line = n
        rows.append(r)
    return rows


def test_import_work_orders_with_bom_valid_at_start_and_reimport_is_idempotent():
    fg = f.item("FG", supply_type="manufacture")
    a, c = f.item("A"), f.item("C")
    make_bom(fg, [(a, 2, {"issue_method": "manual"}), (c, "0.5", {"issue_method": "backflush"})])
    row = {
        "wo_no": "WO-OLD-1",
        "item_code": "FG",
        "qty": "10",
        "completed_qty": "4",
        "start_date": "2026-06-01",
        "due_date": "2026-06-10",
    }
    report = import_files({"work_orders.csv": _rows(row)})
    assert report.counts["work_orders.csv"]["created"] == 1
    wo = WorkOrder.objects.get(number="WO-OLD-1")
    assert (wo.status, wo.received_qty, wo.bom_version) == ("started", D(4), "V1.0")
    m = {x.component.code: x for x in wo.materials.all()}
    assert (m["A"].required, m["A"].issued_qty) == (D(20), D(8))
    assert (m["C"].required, m["C"].backflushed_qty) == (D(5), D(2))
    report = import_files({"work_orders.csv": _rows(row)})
    assert report.counts["work_orders.csv"]["unchanged"] == 1 and WorkOrder.objects.count() == 1
    exported = list(export_work_orders())
    assert exported == [{**row, "sales_order_no": "", "sales_line_no": ""}]


def test_bad_row_rolls_back_with_line_and_column():
    f.item("FG", supply_type="manufacture")
    good = {"wo_no": "W1", "item_code": "FG", "qty": "1", "start_date": "2026-06-01", "due_date": "2026-06-02"}
    bad = {**good, "wo_no": "W2", "item_code": "X-99"}
    with pytest.raises(ImportFailed) as exc:
        import_files({"work_orders.csv": _rows(good, bad)})
    assert "work_orders.csv line 3: item_code 'X-99' is not an item" in exc.value.errors
    assert WorkOrder.objects.count() == 0


def test_demo_seed_is_idempotent():
    import importlib

    out = io.StringIO()
    for app in ("erp", "inventory", "bom", "crm", "procurement"):
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(f"{app}.demo").seed(out)
    from production import demo

    demo.seed(out)
    n = WorkOrder.objects.count()
    assert n >= 3
    assert WorkOrder.objects.filter(status="started").exists()
    demo.seed(out)
    assert WorkOrder.objects.count() == n
