"""The item lookup of the entry grids finds names holding one or two characters (轮胎, most
Chinese words) through the character/pair index (migration 0010) and longer texts through the
trigram index (0007): the plans name the indexes, so 50,000 items are no full scan."""

import pytest
from django.db import connection

from inventory.models import Item
from inventory.selectors import _name_holds, item_lookup
from tests import factories as f

pytestmark = pytest.mark.django_db


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as c:
        c.execute("SET LOCAL enable_seqscan = off")  # a few rows: make the planner show the index
        c.execute("EXPLAIN " + sql, params)
        return "\n".join(r[0] for r in c.fetchall())


def test_short_and_long_name_texts_are_found_through_their_indexes():
    f.item("T-1", name="山地自行车轮胎 26寸")
    f.item("T-2", name="城市自行车内胎")
    f.item("T-3", name="车铃")
    assert [i.code for i in item_lookup("轮胎")] == ["T-1"]
    assert [i.code for i in item_lookup("胎")] == ["T-1", "T-2"]
    assert [i.code for i in item_lookup("自行车")] == ["T-1", "T-2"]
    assert [i.code for i in item_lookup("26寸")] == ["T-1"]
    base = Item.objects.filter(is_active=True)
    assert "inventory_item_name_ngrams" in _plan(_name_holds(base, "轮胎").order_by("code")[:12])
    assert "inventory_item_name_trgm" in _plan(_name_holds(base, "自行车").order_by("code")[:12])
