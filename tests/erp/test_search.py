"""Global search (issue 18 item 7): documents by number, items, customers and suppliers, grouped
by kind; a result only when the user may open it (module, page permissions, CRM ownership); one
query per kind whatever the number of rows; the trigram indexes serve the queries."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from erp.search import search, sources

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())


def _kinds(groups):
    return {g["kind"]: [r["title"] for r in g["results"]] for g in groups}


def test_administrator_finds_documents_by_number_infix_grouped_by_kind(demo, login):
    client = login("管理员", username="search_admin")
    found = _kinds(search(client.user, "2026-00000"))
    assert found["sales_order"][0] == "SO-2026-000007"  # newest first
    assert len(found["sales_order"]) == 7
    assert found["purchase_order"] == ["PO-2026-000002", "PO-2026-000001"]
    assert "work_order" in found and "item" not in found
    # items by code prefix (ranked first) or by name, case-insensitive
    items = _kinds(search(client.user, "bk-1"))["item"]
    assert items[0] == "BK-100 城市自行车"
    assert _kinds(search(client.user, "自行车"))["item"][0].endswith("自行车")
    # the page: groups with headings, links to the detail pages
    html = client.get("/search/", {"q": "SO-2026-000003"}).content.decode()
    assert 'data-kind="sales_order"' in html
    assert re.search(r'href="/crm/orders/\d+/"><span class="search-title">SO-2026-000003</span>', html)


def test_results_only_where_the_user_may_open_them(demo, login, make_user):
    sales = login("销售", username="search_sales2")  # owns nothing: the demo orders are `sales`'s
    assert _kinds(search(sales.user, "SO-2026")) == {}
    found = _kinds(search(sales.user, "PO-2026"))
    assert found == {}  # no purchasing module
    owner = make_user("search_owner", "销售")
    from crm.models import SalesOrder

    SalesOrder.objects.filter(number="SO-2026-000002").update(owner=owner)
    assert _kinds(search(owner, "SO-2026")) == {"sales_order": ["SO-2026-000002"]}
    buyer = make_user("search_buyer", "采购")
    found = _kinds(search(buyer, "2026-0000"))
    assert "purchase_order" in found and "sales_order" not in found and "work_order" not in found
    assert "supplier" in _kinds(search(buyer, "S0"))
    warehouse = make_user("search_wh", "仓库")
    assert set(_kinds(search(warehouse, "BK-100"))) == {"item"}
    # the drop-down (htmx) for a user who may open nothing of it
    response = sales.get("/search/", {"q": "PO-2026"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "search-hit" not in response.content.decode()


def test_short_query_and_anonymous(demo, client, login):
    assert client.get("/search/?q=SO").status_code == 302  # login first
    admin = login("管理员", username="search_admin2")
    assert search(admin.user, "S") == []
    assert admin.get("/search/", {"q": "S"}).status_code == 200


def test_one_query_per_kind_whatever_the_number_of_rows(demo, login):
    admin = login("管理员", username="search_admin3")
    search(admin.user, "2026")  # permissions cached on the user
    with CaptureQueriesContext(connection) as few:
        search(admin.user, "2026")
    from crm.models import Customer, SalesOrder

    customer = Customer.objects.first()
    SalesOrder.objects.bulk_create(
        [SalesOrder(number=f"SO-2026-9{i:05d}", customer=customer, order_date="2026-06-01") for i in range(60)]
    )
    with CaptureQueriesContext(connection) as many:
        groups = search(admin.user, "2026")
    assert len(many) == len(few) <= len(sources()) + 3
    assert len(_kinds(groups)["sales_order"]) == 8  # at most 8 per kind in the drop-down


def test_trigram_indexes_serve_the_search_queries(demo, login):
    """The queries the search sends (UPPER(col::text) LIKE UPPER('%q%')) use the GIN indexes."""
    admin = login("管理员", username="search_admin4")
    with CaptureQueriesContext(connection) as queries:
        search(admin.user, "2026-0001")
        search(admin.user, "自行车")
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # tiny tables: make the planner show the index
        cur.execute("SET LOCAL enable_indexscan = off")
        plans = []
        for q in queries.captured_queries:
            if "LIKE" in q["sql"]:
                cur.execute("EXPLAIN " + q["sql"])
                plans.append("\n".join(row[0] for row in cur.fetchall()))
    text = "\n".join(plans)
    for index in ("crm_salesorder_number_trgm", "procurement_purchaseorder_number_trgm", "inventory_item_name_trgm"):
        assert index in text
