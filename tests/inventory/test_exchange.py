"""items.csv / warehouses.csv / stock.csv / suppliers.csv: errors roll back, re-import changes nothing."""

from decimal import Decimal

import pytest

from erp.exchange import ImportFailed, Row, export_folder, import_files, read_folder
from inventory.models import (
    Item,
    ItemCategory,
    OpeningBalance,
    StockBalance,
    StockMove,
    Supplier,
    UnitOfMeasure,
    Warehouse,
)

D = Decimal
pytestmark = pytest.mark.django_db


def rows(*dicts):
    out = []
    for n, d in enumerate(dicts, start=2):
        r = Row(d)
        r.line = n
        out.append(r)
    return out


def item_row(code, **kw):
    base = {
        "code": code,
        "name": f"Item {code}",
        "uom": "pcs",
        "category": "原材料/钢材",
        "supply_type": "purchase",
        "make_to_order": "0",
        "lead_time_days": "7",
        "safety_stock": "10",
        "min_order_qty": "0",
        "order_multiple": "0",
        "order_period_days": "0",
        "standard_cost": "12.5",
        "default_supplier": "S1",
    }
    base.update(kw)
    return base


def good_files():
    return {
        "suppliers.csv": rows(
            {"code": "S1", "name": "天津钢管", "contact": "", "phone": "", "email": "", "address": "", "tax_id": ""}
        ),
        "warehouses.csv": rows(
            {"code": "RM", "name": "原材料仓", "parent_code": "", "nettable": "1"},
            {"code": "RM-A1", "name": "A1 库位", "parent_code": "RM", "nettable": "1"},
            {"code": "QC", "name": "不良品仓", "parent_code": "", "nettable": "0"},
        ),
        "items.csv": rows(item_row("TUBE", uom="kg"), item_row("BOLT", category="外购件", default_supplier="")),
        "stock.csv": rows(
            {"item_code": "TUBE", "warehouse": "RM", "qty": "100", "unit_cost": "12.5"},
            {"item_code": "BOLT", "warehouse": "RM-A1", "qty": "3000", "unit_cost": "0.15"},
        ),
    }


def snapshot():
    return (
        list(Item.objects.order_by("code").values()),
        list(Warehouse.objects.order_by("code").values()),
        list(ItemCategory.objects.order_by("path").values()),
        list(StockBalance.objects.order_by("pk").values()),
        StockMove.objects.count(),
        Supplier.objects.count(),
        UnitOfMeasure.objects.count(),
    )


def test_import_creates_everything_with_tree_and_opening_stock():
    report = import_files(good_files())
    assert report.counts["items.csv"]["created"] == 2
    tube = Item.objects.get(code="TUBE")
    assert tube.uom.code == "kg" and tube.category.path == "原材料/钢材" and tube.default_supplier.code == "S1"
    assert (tube.lead_time_days, tube.safety_stock, tube.standard_cost) == (7, D(10), D("12.5"))
    assert ItemCategory.objects.get(path="原材料/钢材").parent.path == "原材料"
    a1 = Warehouse.objects.get(code="RM-A1")
    assert a1.parent.code == "RM" and a1.kind == "location" and a1.is_child_node()
    assert Warehouse.objects.get(code="QC").nettable is False
    b = StockBalance.objects.get(item=tube, warehouse__code="RM")
    assert (b.qty, b.value) == (D(100), D("1250.00"))
    assert StockBalance.objects.get(item__code="BOLT").value == D("450.00")


def test_reimport_changes_nothing():
    import_files(good_files())
    before = snapshot()
    report = import_files(good_files())
    assert snapshot() == before
    assert all(c["created"] == 0 and c["updated"] == 0 for c in report.counts.values())


def test_corrected_stock_posts_only_the_difference():
    import_files(good_files())
    files = good_files()
    files["stock.csv"][0]["qty"] = "120"
    import_files({"stock.csv": files["stock.csv"]})
    b = StockBalance.objects.get(item__code="TUBE")
    assert (b.qty, b.value) == (D(120), D("1500.00"))
    assert OpeningBalance.objects.get(item__code="TUBE").qty == D(120)
    assert sorted(m.qty for m in StockMove.objects.filter(item__code="TUBE")) == [D(20), D(100)]


@pytest.mark.parametrize(
    "file,line,change,message",
    [
        ("items.csv", 3, {"code": "BAD\tCODE"}, "items.csv line 3: code 'BAD\tCODE' is not a valid code"),
        ("items.csv", 2, {"safety_stock": "1O"}, "items.csv line 2: safety_stock '1O' is not a number"),
        ("items.csv", 2, {"uom": ""}, "items.csv line 2: uom is required"),
        ("items.csv", 2, {"uom": "k\tg"}, "items.csv line 2: uom 'k\tg' is not a valid code"),
        ("items.csv", 2, {"supply_type": "buy"}, "items.csv line 2: supply_type 'buy' must be one of"),
        ("items.csv", 2, {"default_supplier": "S9"}, "items.csv line 2: default_supplier 'S9' is not a supplier"),
        ("items.csv", 3, {"code": "TUBE"}, "items.csv line 3: code 'TUBE' appears more than once"),
        ("stock.csv", 3, {"warehouse": "XX"}, "stock.csv line 3: warehouse 'XX' is not a warehouse"),
        ("stock.csv", 2, {"item_code": "NOPE"}, "stock.csv line 2: item_code 'NOPE' is not an item"),
        ("stock.csv", 2, {"qty": "-1"}, "stock.csv line 2: qty '-1' must be at least 0"),
        ("warehouses.csv", 2, {"parent_code": "RM-A1"}, "warehouses.csv line 2: parent_code cycle"),
    ],
)
def test_bad_row_rolls_everything_back(file, line, change, message):
    # given: a valid import already done, then a folder with one bad row (and other changes)
    import_files(good_files())
    before = snapshot()
    files = good_files()
    files["items.csv"].extend(rows(item_row("NEW-1"), item_row("NEW-2"))[:2])
    files["items.csv"][-2].line, files["items.csv"][-1].line = 4, 5
    files["items.csv"][0]["name"] = "renamed"
    files[file][line - 2].update(change)
    with pytest.raises(ImportFailed) as exc:
        import_files(files)
    assert any(e.startswith(message) for e in exc.value.errors), exc.value.errors
    assert snapshot() == before


def test_unknown_unit_is_created():
    files = good_files()
    files["items.csv"][0]["uom"] = "roll"
    import_files(files)
    assert Item.objects.get(code="TUBE").uom.code == "roll"


def test_export_then_import_round_trip(tmp_path):
    import_files(good_files())
    export_folder(tmp_path)
    assert (tmp_path / "items.csv").read_text(encoding="utf-8").splitlines()[0].startswith("code,name,uom,category")
    before = snapshot()
    report = import_files(read_folder(tmp_path))
    assert snapshot() == before
    assert report.counts["stock.csv"]["unchanged"] == 2


@pytest.mark.django_db
def test_codes_with_inner_spaces_import():
    from erp.exchange import import_files
    from erp.exchange.engine import _rows_from_csv_text
    from inventory.models import Item

    text = "code,name,uom,supply_type\nM6 BOLT,Bolt M6,pcs,purchase\n"
    import_files({"items.csv": _rows_from_csv_text(text)})
    assert Item.objects.get(code="M6 BOLT").name == "Bolt M6"


@pytest.mark.django_db
def test_web_import_keeps_the_previewed_file_on_the_server_for_its_session_only(login, client):
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventory.models import Item

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("items.csv", "code,name,uom,supply_type\nP-1,Pedal,pcs,purchase\n")
    admin = login("管理员", username="imp_admin")
    preview = admin.post("/inventory/import/", {"file": SimpleUploadedFile("m.zip", buf.getvalue())})
    token = preview.context["token"]
    assert len(token) == 32 and Item.objects.count() == 0

    from django.test import Client

    other = Client()
    other.force_login(admin.user)  # same user, another session: the token is not theirs
    refused = other.post("/inventory/import/", {"token": token, "confirm": "1"})
    assert refused.context["errors"] and Item.objects.count() == 0

    done = admin.post("/inventory/import/", {"token": token, "confirm": "1"})
    assert done.context.get("done") is True
    assert Item.objects.get(code="P-1").name == "Pedal"
