"""`manage.py bench_pages` at a tiny size: it generates the data set through the exchange files
(twice: the second run creates nothing), finds the list pages from the URL resolver, and prints
one line per page with its median time, query count and status."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from bom.models import Bom, BomLine
from erp.management.commands.bench_pages import list_pages
from inventory.models import Item, StockBalance

pytestmark = pytest.mark.django_db

SIZES = {"items": 200, "stock": 100, "boms": 20, "orders": 10, "repeat": 1}
LINE = re.compile(r"^(?P<page>\S+)\s+(?P<ms>\d+\.\d)\s+(?P<queries>\d+)\s+(?P<status>\d{3})$")


def _run(**options) -> dict[str, tuple[float, int, int]]:
    out = io.StringIO()
    call_command("bench_pages", stdout=out, **options)
    rows = {}
    for line in out.getvalue().splitlines():
        m = LINE.match(line)
        if m:
            rows[m["page"]] = (float(m["ms"]), int(m["queries"]), int(m["status"]))
    return rows


def test_generates_idempotently_and_times_every_list_page():
    rows = _run(**SIZES, pages="bom:bom_list,inventory:dead_stock,inventory:on_hand,mrp:run_list")
    assert set(rows) == {"bom:bom_list", "inventory:dead_stock", "inventory:on_hand", "mrp:run_list"}
    for page, (ms, queries, status) in rows.items():
        assert ms > 0 and queries > 0 and status == 200, page
    assert Item.objects.filter(code__startswith="BI").count() == 200
    assert StockBalance.objects.filter(item__code__startswith="BI").count() == 100
    # 20 BOMs: three bought components each, the next parent as a sub-assembly except every tenth
    assert (Bom.objects.count(), BomLine.objects.count()) == (20, 78)
    before = (Item.objects.count(), Bom.objects.count(), BomLine.objects.count(), StockBalance.objects.count())
    # again: nothing new, and without --pages every ListPage without arguments is timed
    rows = _run(**SIZES)
    after = (Item.objects.count(), Bom.objects.count(), BomLine.objects.count(), StockBalance.objects.count())
    assert after == before
    expected = {name for name, needs_args in list_pages() if not needs_args}
    assert expected | {"inventory:dead_stock"} <= set(rows)
    assert {"bom:bom_list", "bom:ecn_list", "procurement:po_list", "production:wo_list"} <= expected
    assert all(status == 200 for _ms, _q, status in rows.values())


def test_an_unknown_page_is_one_clear_error():
    with pytest.raises(CommandError, match="unknown page"):
        call_command("bench_pages", no_generate=True, pages="bom:nope", stdout=io.StringIO())
