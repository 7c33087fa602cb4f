import datetime
import io

import pytest

from erp.exchange.engine import ImportFailed, Row, export_folder, import_files
from procurement.models import OutsourcingOrder, PurchaseOrder, PurchaseOrderLine, PurchaseReceipt, SupplierInvoice
from procurement.states import OrderStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


def _rows(dicts):
    out = []
    for i, d in enumerate(dicts, start=2):
        r = Row(d)
        r.line = i
        out.append(r)
    return out


def test_demo_seed_is_idempotent():
    from bom import demo as bom_demo
    from inventory import demo as inv_demo
    from procurement import demo

    out = io.StringIO()
    inv_demo.seed(out)
    bom_demo.seed(out)
    demo.seed(out)
    counts = (
        PurchaseOrder.objects.count(),
        PurchaseReceipt.objects.count(),
        SupplierInvoice.objects.count(),
        OutsourcingOrder.objects.count(),
    )
    assert counts[0] >= 2 and counts[1] == 1 and counts[3] == 1
    demo.seed(out)
    assert counts == (
        PurchaseOrder.objects.count(),
        PurchaseReceipt.objects.count(),
        SupplierInvoice.objects.count(),
        OutsourcingOrder.objects.count(),
    )


PO_ROWS = [
    {
        "po_no": "PO-OLD-1",
        "supplier": "S1",
        "order_date": "2026-01-05",
        "line_no": "1",
        "item_code": "BOLT",
        "qty": "100",
        "received_qty": "40",
        "due_date": "2026-01-20",
        "unit_price": "0.35",
    },
    {
        "po_no": "PO-OLD-1",
        "supplier": "S1",
        "order_date": "2026-01-05",
        "line_no": "2",
        "item_code": "NUT",
        "qty": "50",
        "received_qty": "",
        "due_date": "2026-01-22",
        "unit_price": "0.2",
    },
]


def test_purchase_orders_csv_imports_open_orders_idempotently_and_exports(tmp_path):
    f.supplier("S1"), f.item("BOLT"), f.item("NUT")
    report = import_files({"purchase_orders.csv": _rows(PO_ROWS)})
    assert report.counts["purchase_orders.csv"]["created"] == 2
    po = PurchaseOrder.objects.get(number="PO-OLD-1")
    assert po.status == OrderStatus.CONFIRMED
    line = po.lines.get(line_no=1)
    assert (line.qty, line.received_qty, line.open_qty) == (100, 40, 60)
    # same file again: nothing changes
    report = import_files({"purchase_orders.csv": _rows(PO_ROWS)})
    assert report.counts["purchase_orders.csv"] == {"rows": 2, "created": 0, "updated": 0, "unchanged": 2}
    assert PurchaseOrderLine.objects.count() == 2
    export_folder(tmp_path)
    text = (tmp_path / "purchase_orders.csv").read_text(encoding="utf-8")
    assert "PO-OLD-1,S1,2026-01-05,1,BOLT,100,40,2026-01-20,0.35" in text


def test_bad_purchase_order_row_names_file_line_and_column_and_changes_nothing():
    f.supplier("S1"), f.item("BOLT")
    bad = [dict(PO_ROWS[0]), dict(PO_ROWS[0], line_no="2", item_code="X-99")]
    with pytest.raises(ImportFailed) as exc:
        import_files({"purchase_orders.csv": _rows(bad)})
    assert "purchase_orders.csv line 3: item_code 'X-99' is not an item" in exc.value.errors
    assert PurchaseOrder.objects.count() == 0


def test_outsourcing_orders_csv_creates_confirmed_orders_with_material_list(tmp_path):
    f.supplier("SUB1"), f.item("FRAME", supply_type="outsource")
    rows = [
        {
            "oo_no": "OO-OLD-1",
            "supplier": "SUB1",
            "item_code": "FRAME",
            "qty": "100",
            "received_qty": "20",
            "start_date": "2026-01-05",
            "due_date": "2026-01-25",
            "unit_fee": "5",
        }
    ]
    import_files({"outsourcing_orders.csv": _rows(rows)})
    order = OutsourcingOrder.objects.get(number="OO-OLD-1")
    assert (order.status, order.qty, order.received_qty, order.open_qty) == ("confirmed", 100, 20, 80)
    assert order.start_date == datetime.date(2026, 1, 5)
    report = import_files({"outsourcing_orders.csv": _rows(rows)})
    assert report.counts["outsourcing_orders.csv"]["unchanged"] == 1
    export_folder(tmp_path)
    assert "OO-OLD-1,SUB1,FRAME,100,20,2026-01-05,2026-01-25,5" in (tmp_path / "outsourcing_orders.csv").read_text()
