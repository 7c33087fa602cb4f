"""The item ledger page (库存明细账): running balances (结存) per item x warehouse when the list is
filtered to one item; over all items every move newest first in keyset pages, without balance
columns and without counting the list (issue 20: 1M moves)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from inventory.services.ledger import MoveSpec, stock_moves_post
from tests import factories as f

D = Decimal
pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 1, 5)
_src = [1000]


def post(item, wh, qty, cost=None, *, days=0):
    _src[0] += 1
    stock_moves_post(
        source_type="t.ledger",
        source_id=_src[0],
        moves=[MoveSpec(item.pk, wh.pk, D(qty), D(cost) if cost is not None else None)],
        move_date=DAY + datetime.timedelta(days=days),
    )


def rows(resp):
    return [
        (r.record.move_date.day, r.record.warehouse.code, r.record.qty, r.record.running_qty, r.record.running_value)
        for r in resp.context["table"].page.object_list
    ]


@pytest.fixture
def two_warehouses():
    bolt, nut = f.item("BOLT"), f.item("NUT")
    rm, fg = f.warehouse("RM"), f.warehouse("FG")
    post(bolt, rm, 10, "4.00")  # 5th: RM 10 @ 4
    post(bolt, fg, 5, "10.00")  # 5th: FG 5 @ 10
    post(nut, rm, 100, "0.10")  # another item in the same warehouse: not in BOLT's balance
    post(bolt, rm, 30, "6.00", days=1)  # 6th: RM 40, 220.00 (average 5.5)
    post(bolt, fg, -2, days=2)  # 7th: FG 3, 30.00
    post(bolt, rm, -8, days=2)  # 7th: RM 32, 176.00
    post(bolt, fg, 7, "20.00", days=3)  # 8th: FG 10, 170.00
    return bolt, rm, fg


def test_one_item_running_balance_per_warehouse(login, two_warehouses):
    client = login("仓库")
    bolt, rm, fg = two_warehouses
    resp = client.get(reverse("inventory:ledger"), {"item": "bolt"})  # item number in any case
    assert resp.status_code == 200 and resp.context["keyset"] is None
    assert resp.context["table"].paginator.count == 6
    assert rows(resp) == [
        (5, "FG", D(5), D(5), D("50.00")),
        (7, "FG", D(-2), D(3), D("30.00")),
        (8, "FG", D(7), D(10), D("170.00")),
        (5, "RM", D(10), D(10), D("40.00")),
        (6, "RM", D(30), D(40), D("220.00")),
        (7, "RM", D(-8), D(32), D("176.00")),
    ]
    assert [c.name for c in resp.context["table"].columns][-2:] == ["running_qty", "running_value"]
    # one warehouse; up to a date: the balances of the moves shown stay what they were
    resp = client.get(reverse("inventory:ledger"), {"item": "BOLT", "warehouse": fg.pk})
    assert [r[3:] for r in rows(resp)] == [(D(5), D("50.00")), (D(3), D("30.00")), (D(10), D("170.00"))]
    resp = client.get(reverse("inventory:ledger"), {"item": "BOLT", "date_to": "2026-01-06"})
    assert rows(resp) == [
        (5, "FG", D(5), D(5), D("50.00")),
        (5, "RM", D(10), D(10), D("40.00")),
        (6, "RM", D(30), D(40), D("220.00")),
    ]
    # the last balance of each warehouse is what the item's page shows on hand
    from inventory.selectors import item_stock_overview

    overview = item_stock_overview(bolt)
    assert [(b.warehouse.code, b.qty, b.value) for b in overview["balances"]] == [
        ("FG", D(10), D("170.00")),
        ("RM", D(32), D("176.00")),
    ]
    assert overview["total_value"] == D("346.00") and len(overview["moves"]) == 6


def test_export_of_one_item_has_its_balances(login, two_warehouses):
    client = login("仓库")
    resp = client.get(
        reverse("inventory:ledger"), {"item": "BOLT", "warehouse": two_warehouses[1].pk, "_export": "xlsx"}
    )
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content)).active
    assert ws.max_column == 10  # date … value, then balance quantity and balance value
    assert [(r[-2], r[-1]) for r in ws.iter_rows(min_row=2, values_only=True)] == [(10, 40), (40, 220), (32, 176)]


def test_all_items_newest_first_in_keyset_pages_without_balances(login, two_warehouses):
    client = login("仓库")
    bolt, rm, fg = two_warehouses
    for n in range(60):  # 67 moves in all, several on one day: the pages split inside a day
        post(bolt, rm, 1, "1.00", days=4 + n // 7)
    url = reverse("inventory:ledger")
    resp = client.get(url)
    columns = [c.name for c in resp.context["table"].columns]
    assert resp.status_code == 200 and "running_qty" not in columns and "running_value" not in columns
    page1 = resp.context["keyset"].rows
    assert len(page1) == 50 and resp.context["keyset"].first_url is None
    keys = [(m.move_date, m.pk) for m in page1]
    assert keys == sorted(keys, reverse=True) and page1[0].move_date == datetime.date(2026, 1, 17)
    resp = client.get(url + resp.context["keyset"].next_url)
    page2 = resp.context["keyset"].rows
    assert len(page2) == 17 and resp.context["keyset"].next_url is None and resp.context["keyset"].first_url
    ids = [m.pk for m in page1 + page2]
    assert len(set(ids)) == 67 and (page1[-1].move_date, page1[-1].pk) > (page2[0].move_date, page2[0].pk)
    assert page2[-1].move_date == DAY
    # a warehouse filter keeps to its warehouse and its own pages; a bad cursor is the first page
    resp = client.get(url, {"warehouse": fg.pk})
    assert [m.qty for m in resp.context["keyset"].rows] == [D(7), D(-2), D(5)]
    resp = client.get(url, {"after": "x_1"})
    assert resp.status_code == 200 and [m.pk for m in resp.context["keyset"].rows] == ids[:50]
    # the export streams every move, newest first, without balance columns
    resp = client.get(url, {"_export": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content) if resp.streaming else resp.content)).active
    assert ws.max_column == 8 and ws.max_row == 1 + 67


def test_unfiltered_page_query_count_does_not_grow_with_moves(login, two_warehouses, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("仓库")
    bolt, rm, _fg = two_warehouses
    url = reverse("inventory:ledger")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(120):
        post(bolt, rm, 1, "1.00", days=n // 10)
    with CaptureQueriesContext(connection) as many:
        resp = client.get(url)
    assert len(resp.context["keyset"].rows) == 50
    assert len(many.captured_queries) == len(few.captured_queries)
    assert not any("COUNT(" in q["sql"].upper() and "inventory_stockmove" in q["sql"] for q in many.captured_queries)
    with CaptureQueriesContext(connection) as deep:
        client.get(url + resp.context["keyset"].next_url)
    assert len(deep.captured_queries) == len(few.captured_queries)
