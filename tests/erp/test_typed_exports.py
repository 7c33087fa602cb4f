"""List exports are typed (issue #18): numbers are numbers, dates are dates, no HTML, named by list."""

import datetime
import io
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
from django.utils import translation

from erp.exports import export_value
from tests import factories


def test_export_value_types():
    translation.activate("en")
    assert export_value(None, "12,995.00") == (Decimal("12995.00"), "#,##0.00")
    assert export_value(None, "500000") == (Decimal("500000"), "#,##0")
    assert export_value(None, "15%") == (Decimal("0.15"), "0%")
    assert export_value(None, "12.5%") == (Decimal("0.125"), "0.0%")
    assert export_value(True, "✔") == ("Yes", None)
    assert export_value(datetime.date(2026, 12, 3), "2026年12月3日") == (datetime.date(2026, 12, 3), "yyyy-mm-dd")
    assert export_value(None, '<span class="badge text-bg-success">已确认</span>') == ("已确认", None)
    assert export_value(None, "A-100") == ("A-100", None)  # a code is text, not a negative number
    assert export_value(None, "=HYPERLINK(1)")[0] == "=HYPERLINK(1)"
    translation.activate("zh-hans")
    assert export_value(False, "✘") == ("否", None)


def test_item_list_export_has_typed_cells_and_a_named_file(login):
    for i in range(3):
        factories.item(f"EXP-{i}", standard_cost=Decimal("1234.5"), safety_stock=Decimal("10"))
    client = login("仓库")
    response = client.get("/inventory/items/?_export=xlsx")
    assert response.status_code == 200
    disposition = unquote(response["Content-Disposition"])
    assert disposition.endswith(f"-{datetime.date.today():%Y%m%d}.xlsx") and "download" not in disposition
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in ws[1]]
    rows = [[c for c in r] for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 3 and ws.freeze_panes == "A2"
    for row in rows:
        for cell in row:
            assert "<" not in str(cell.value or "")  # no HTML anywhere
    numeric = [i for i, h in enumerate(headers) if rows[0][i].data_type == "n" and rows[0][i].value is not None]
    assert numeric, f"no numeric column among {headers}"
    assert all(isinstance(rows[0][i].value, int | float) for i in numeric)
