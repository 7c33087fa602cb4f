"""List pages under load (issue #20): the rows are written in Python (erp_tags.table_rows) as
django-tables2's bootstrap5 template writes them; deep pages read their keys first
(erp.views.ListPaginator); the on-hand list counts its rows with its totals."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from erp.views import ListPaginator
from tests import factories as f

pytestmark = pytest.mark.django_db


def _table(html: str) -> str:
    """The table and its pager, whitespace aside."""
    html = html[html.index('<div class="table-container">') : html.rindex("</table>") + 2000]
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))


@pytest.mark.parametrize(
    "name,query",
    [
        ("inventory:on_hand", ""),
        ("inventory:item_list", "?sort=-code"),
        ("inventory:ledger", ""),
    ],
)
def test_rows_written_in_python_are_the_template_rows(name, query, login):
    # given three items with stock (one page of rows with links, numbers and dates)
    client = login(superuser=True, username="root")
    wh = f.warehouse("RM")
    for i in range(3):
        f.stock(f.item(f"P{i}<&>"), wh, 10 + i, "2.5", on_date=datetime.date(2026, 1, 2 + i))
    url = reverse(name) + query
    # when the page is rendered with django-tables2's template and with ours
    with override_settings(DJANGO_TABLES2_TEMPLATE="django_tables2/bootstrap5.html"):
        theirs = client.get(url).content.decode()
    ours = client.get(url).content.decode()
    # then the HTML is the same (whitespace aside), the item codes escaped once
    assert _table(ours) == _table(theirs)
    assert ours.count("P1&lt;&amp;&gt;") >= 1 and "P1<&>" not in ours


def test_on_hand_counts_its_rows_with_the_totals(login, django_assert_max_num_queries):
    # given 3 balances, one of them empty (0 and 0: not listed)
    client = login("仓库")
    wh = f.warehouse("RM")
    for code, qty in (("A", 10), ("B", 4), ("C", 0)):
        f.stock(f.item(code), wh, qty, "2.5", on_date=datetime.date(2026, 1, 2))
    # when the on-hand page is shown
    with django_assert_max_num_queries(25) as q:
        resp = client.get(reverse("inventory:on_hand"))
    # then 2 rows worth 35.00, counted by the totals' query (no COUNT(*) of the balances)
    assert resp.context["table"].paginator.count == 2
    assert resp.context["totals"]["v"] == Decimal("35.00")
    balance_counts = [
        x["sql"] for x in q.captured_queries if 'COUNT(*) AS "__count" FROM "inventory_stockbalance"' in x["sql"]
    ]
    assert balance_counts == []
    assert "35.00" in resp.content.decode()


def test_a_deep_page_reads_its_keys_first_and_shows_the_same_rows(login, monkeypatch):
    # given 30 items: page 2 of 25 holds the last 5 in descending code order
    client = login("仓库")
    for i in range(30):
        f.item(f"K{i:02d}")
    url = reverse("inventory:item_list") + "?page=2&sort=-code"
    # when page 2 is read with OFFSET over the full rows, then as a deep page (keys first)
    monkeypatch.setattr(ListPaginator, "DEEP_ROWS", 10**9)
    plain = client.get(url)
    monkeypatch.setattr(ListPaginator, "DEEP_ROWS", 25)
    with CaptureQueriesContext(connection) as q:
        deep = client.get(url)

    # then the same five rows, the same HTML, and one query read the page's keys
    def codes(resp):
        return [row.record.code for row in resp.context["table"].page.object_list]

    assert codes(plain) == codes(deep) == ["K04", "K03", "K02", "K01", "K00"]
    assert _table(deep.content.decode()) == _table(plain.content.decode())
    keys = [x["sql"] for x in q.captured_queries if x["sql"].startswith('SELECT "inventory_item"."id" AS "pk"')]
    assert len(keys) == 1 and "OFFSET 25" in keys[0]
