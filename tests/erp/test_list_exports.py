"""Every list's xlsx export is typed (issue #18 item 5): opened with openpyxl as an administrator
over the demo data, in Chinese — numbers are number cells with a number format, dates date cells,
no HTML, no True/False, no raw choice codes; a bold frozen header, fitted widths, a file named
`<list>-<date>.xlsx`. The report pages with their own export (ledgers, costing, kitting …) go
through the same kernel writer (`erp.exports.xlsx_response`)."""

import datetime
import io
import re
from urllib.parse import unquote

import openpyxl
import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import URLResolver, get_resolver, reverse

from erp.views import ListPage

pytestmark = pytest.mark.django_db

NUMBER_TEXT = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)\.\d+%?$|^[+-]?\d{1,3}(,\d{3})+$")
DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$|^\d{4}年\d{1,2}月\d{1,2}日")
CODE_HEADER = re.compile(r"编码|代码|编号|号码|税号|电话|code|number", re.I)
HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
# Raw codes the page itself still shows (issue #18 item 6, labels of stock-move kinds): the export
# shows what the page shows.
RAW_ON_PAGE = {("inventory:ledger", "类型")}
FILENAME = re.compile(r"attachment; filename\*=UTF-8''(.+)-(\d{8})\.xlsx$")


def list_pages():
    """(url name, pattern, view class) of every ListPage in the URL configuration."""

    def walk(patterns, ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
            else:
                cls = getattr(p.callback, "view_class", None)
                if cls is not None and issubclass(cls, ListPage):
                    yield f"{ns}{p.name}", str(p.pattern), cls

    return list(walk(get_resolver().url_patterns))


def choice_codes() -> set[str]:
    """Stored choice values whose label differs (`fg_receipt`, a status `draft` …): never shown."""
    codes = set()
    for model in apps.get_models():
        for field in model._meta.fields:
            for value, label in field.flatchoices or ():
                if not isinstance(value, str) or value == label:
                    continue
                # every snake_case code; single words only from status-like fields (a user may be
                # called `sales`)
                if re.fullmatch(r"[a-z]+(_[a-z]+)+", value) or (
                    field.name in ("status", "stage", "state") and re.fullmatch(r"[a-z]{4,}", value)
                ):
                    codes.add(value)
    return codes


def _url(name, pattern):
    if "<int:pk>" not in pattern:
        return reverse(name)
    from costing.models import CostRun
    from mrp.models import MrpRun

    model = {"mrp:messages": MrpRun, "costing:item_costs": CostRun}[name]
    obj = model.objects.order_by("-pk").first()
    return reverse(name, args=[obj.pk]) if obj else None


# Report pages with an export of their own layout, through erp.exports.xlsx_response.
REPORTS = [
    "/inventory/value-by-category/?_export=xlsx",
    "/inventory/dead-stock/?_export=xlsx",
    "/procurement/accruals/?_export=xlsx",
    "/procurement/outsourcing/materials/?_export=xlsx",
    "/ledger/?export=xlsx",
    "/ledger/accounts/?export=xlsx",
    "/ledger/trial-balance/?export=xlsx",
    "/ledger/general-ledger/?export=xlsx",
    "/ledger/statements/?export=xlsx",
    "/mrp/analysis/kitting/?_export=xlsx",
    "/mrp/analysis/shortage/?_export=xlsx",
    "/costing/reports/products/?_export=xlsx",
    "/costing/reports/variance/?_export=xlsx",
    "/costing/reports/reconciliation/?_export=xlsx",
    "/crm/campaigns/report.xlsx",
]


def _check_export(name, response, codes, totals):
    assert response.status_code == 200, name
    data = b"".join(response.streaming_content) if response.streaming else response.content
    match = FILENAME.match(response["Content-Disposition"])
    assert match, (name, response["Content-Disposition"])
    assert match.group(2) == f"{datetime.date.today():%Y%m%d}" and "download" not in unquote(match.group(1))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.freeze_panes == "A2", name
    header = [c.value for c in ws[1]]
    assert all(header) and all(c.font.b for c in ws[1]), (name, header)
    assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in ws[1]), name
    totals["sheets"] += 1
    for row in ws.iter_rows(min_row=2):
        totals["rows"] += 1
        for cell in row:
            value, where = cell.value, (name, header[cell.column - 1], cell.value)
            if isinstance(value, str):
                assert not HTML.search(value), where
                assert value not in ("True", "False", "None"), where
                if not CODE_HEADER.search(str(header[cell.column - 1])):  # codes like 4001.01 are text
                    assert not NUMBER_TEXT.match(value), where  # a number left as text
                assert not DATE_TEXT.match(value), where  # a date left as text
                if (name, header[cell.column - 1]) not in RAW_ON_PAGE:
                    assert value not in codes, where  # a raw choice code
            elif isinstance(value, datetime.datetime | datetime.date):
                assert "yy" in cell.number_format, where
                totals["dates"] += 1
            elif isinstance(value, int | float):
                assert cell.data_type == "n" and "0" in cell.number_format, (where, cell.number_format)
                totals["numbers"] += 1


def test_every_list_export_is_typed(client, make_user):
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(make_user("export_boss", superuser=True))
    client.cookies["django_language"] = "zh-hans"
    codes = choice_codes()
    pages = list_pages()
    assert len(pages) >= 40  # the lists of every module
    totals = {"sheets": 0, "rows": 0, "numbers": 0, "dates": 0}
    for name, pattern, _cls in pages:
        url = _url(name, pattern)
        if url is not None:
            response = client.get(url + "?_export=xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans")
            _check_export(name, response, codes, totals)
    # the demo fills most lists: many rows, numbers and dates among them
    assert totals["sheets"] >= 40 and totals["rows"] > 200, totals
    assert totals["numbers"] > 500 and totals["dates"] > 100, totals
    for url in REPORTS:
        _check_export(url, client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"), codes, totals)
    assert totals["sheets"] == len(pages) + len(REPORTS) - sum(_url(n, p) is None for n, p, _c in pages)


def test_an_export_in_english_says_yes_and_no(client, make_user):
    from tests import factories

    factories.warehouse("=SUM(A1)", name="=SUM(A1)", nettable=False)
    client.force_login(make_user("export_en", superuser=True))
    client.cookies["django_language"] = "en"
    response = client.get("/inventory/warehouses/?_export=xlsx", HTTP_ACCEPT_LANGUAGE="en")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert {c.value for c in row.values()} >= {"No"}, header  # booleans in the user's language
    assert not {c.value for c in row.values()} & {"True", "False", True, False}
    codes = [c for c in row.values() if c.value == "=SUM(A1)"]
    assert codes and all(c.data_type == "s" for c in codes)  # formula-like text stays text
    assert unquote(response["Content-Disposition"]).endswith(f"-{datetime.date.today():%Y%m%d}.xlsx")


def test_a_large_export_streams(client, make_user, settings):
    """Over the size limit the xlsx is sent from its temporary file in chunks; the CSV of a long
    list row by row."""
    from erp import exports
    from tests import factories

    for i in range(30):
        factories.item(f"BIG-{i:03d}", standard_cost="12.5")
    client.force_login(make_user("export_big", superuser=True))
    small, rows = exports.STREAM_FROM_BYTES, exports.STREAM_FROM_ROWS
    try:
        exports.STREAM_FROM_BYTES, exports.STREAM_FROM_ROWS = 1000, 10
        response = client.get("/inventory/items/?_export=xlsx")
        assert response.streaming
        ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert ws.max_row == 31 and ws.freeze_panes == "A2"
        response = client.get("/inventory/items/?_export=csv")
        assert response.streaming
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert len(lines) == 31
    finally:
        exports.STREAM_FROM_BYTES, exports.STREAM_FROM_ROWS = small, rows
