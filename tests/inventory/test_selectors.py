import datetime
from decimal import Decimal

import pytest

from erp.exchange import Row, import_files
from inventory.models import StockMove
from inventory.selectors import item_ledger_queryset, on_hand_queryset, value_by_category
from tests import factories as f

D = Decimal
pytestmark = pytest.mark.django_db


def _items():
    rows = []
    for n, (code, cat) in enumerate([("A1", "成品"), ("B1", "原材料/钢材"), ("B2", "原材料")], start=2):
        r = Row({"code": code, "name": code, "uom": "pcs", "category": cat})
        r.line = n
        rows.append(r)
    import_files({"items.csv": rows})


def test_value_by_category_rolls_up_the_tree():
    _items()
    wh = f.warehouse("RM")
    f.stock(f.item("A1"), wh, 10, "5")  # 50.00
    f.stock(f.item("B1"), wh, 4, "25")  # 100.00
    f.stock(f.item("B2"), wh, 3, "10")  # 30.00
    rows = {str(r["category"]): r for r in value_by_category()}
    assert (rows["原材料"]["value"], rows["原材料"]["own"], rows["原材料"]["items"]) == (D("130.00"), D("30.00"), 2)
    assert rows["原材料/钢材"]["value"] == D("100.00") and rows["成品"]["value"] == D("50.00")


def test_item_ledger_running_balance_and_on_hand_average():
    item, wh = f.item("BOLT"), f.warehouse("RM")
    day = datetime.date(2026, 1, 5)
    f.stock(item, wh, 10, "4.00", on_date=day)
    f.stock(item, wh, 30, "6.00", on_date=day + datetime.timedelta(days=1))
    from inventory.services.ledger import MoveSpec, stock_moves_post

    stock_moves_post(
        source_type="t",
        source_id=1,
        moves=[MoveSpec(item.pk, wh.pk, D(-8))],
        move_date=day + datetime.timedelta(days=2),
    )
    ledger = list(item_ledger_queryset().filter(item=item))
    assert [(m.running_qty, m.running_value) for m in ledger] == [
        (D(10), D("40.00")),
        (D(40), D("220.00")),
        (D(32), D("176.00")),
    ]
    (row,) = on_hand_queryset().filter(item=item)
    assert (row.qty, row.value, row.avg) == (D(32), D("176.00"), D("5.5"))
    assert StockMove.objects.count() == 3


def test_renaming_a_category_renames_the_paths_below():
    from inventory.models import ItemCategory

    _items()
    raw = ItemCategory.objects.get(path="原材料")
    raw.name = "原料"
    raw.save()
    assert ItemCategory.objects.get(pk=ItemCategory.objects.get(name="钢材").pk).path == "原料/钢材"
