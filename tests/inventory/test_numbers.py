"""Issue #11 for the warehouse: the dead-stock numbers (cancelled receipts are no issue, a transfer
keeps the age of its goods, the "no open demand" hint), the report computed in SQL equals the
engine's definition, logic out of the views, and every tree write through the tree lock."""

import datetime
import io
import random
import threading
import time
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection, transaction
from django.urls import reverse

from inventory import selectors
from inventory.engine.deadstock import DEFAULT_BOUNDS, NO_ISSUE, NO_MOVEMENT, LedgerMove, carried_layers
from inventory.models import ItemCategory, Warehouse
from inventory.selectors import (
    OPEN_DEMAND_PROVIDERS,
    _carried,
    _dead_stock_python,
    _dead_stock_sql,
    dead_stock,
    register_open_demand_provider,
)
from inventory.services import masterdata, warehouses
from inventory.services.documents import (
    LineInput,
    other_issue_confirm,
    other_issue_create,
    other_receipt_cancel,
    other_receipt_confirm,
    other_receipt_create,
    transfer_cancel,
    transfer_confirm,
    transfer_create,
)
from inventory.services.ledger import MoveSpec, stock_moves_post, stock_moves_reverse
from inventory.services.trees import tree_lock
from inventory.services.valuation import Revaluation, stock_revalue
from tests import factories as f

D = Decimal
AS_OF = datetime.date(2025, 12, 1)  # 333 days after 2025-01-02, 10 days after 2025-11-21
pytestmark = pytest.mark.django_db


def _receipt(item, wh, qty, on, cost="10"):
    doc = other_receipt_create(warehouse_id=wh.pk, lines=[LineInput(item.pk, D(qty), D(cost))], doc_date=on)
    return other_receipt_confirm(doc_id=doc.pk)


def _transfer(item, src, dst, qty, on):
    doc = transfer_create(
        from_warehouse_id=src.pk, to_warehouse_id=dst.pk, lines=[LineInput(item.pk, D(qty))], doc_date=on
    )
    return transfer_confirm(doc_id=doc.pk)


def _row(rows, item, wh):
    (row,) = [r for r in rows if r["item"].pk == item.pk and r["warehouse"].pk == wh.pk]
    return row["result"]


# --- 1. a receipt cancelled the next day is no issue ------------------------------------------


def test_a_receipt_cancelled_the_next_day_is_no_issue():
    # given 100 received on 2025-01-02, never issued, and a mistaken receipt of 5 on 2025-11-20
    # cancelled on 2025-11-21
    item, rm = f.item("PAINT-R", standard_cost=D(10)), f.warehouse("RM")
    _receipt(item, rm, 100, datetime.date(2025, 1, 2))
    mistake = _receipt(item, rm, 5, datetime.date(2025, 11, 20))
    other_receipt_cancel(doc_id=mistake.pk, move_date=datetime.date(2025, 11, 21))
    # when the report runs as of 2025-12-01
    r = _row(dead_stock(as_of=AS_OF), item, rm)
    # then the cancellation is no issue: 333 idle days since the first receipt, dead (shown: 10, not dead)
    assert (r.idle_days, r.dead, r.last_issue) == (333, True, None)
    assert (r.on_hand, r.value, r.last_receipt) == (D(100), D("1000.00"), datetime.date(2025, 1, 2))
    assert [(q, age) for _d, q, age in r.layers] == [(D(100), 333)]
    assert dict(zip(selectors.bucket_labels(), r.bucket_value, strict=True))["181–365"] == D("1000.00")
    # "no movement": the cancelled pair is no movement either
    assert _row(dead_stock(as_of=AS_OF, criterion=NO_MOVEMENT), item, rm).idle_days == 333
    # as of 2025-11-20 (before the cancellation) the mistaken receipt was stock: 105, newest layer 0 days
    r = _row(dead_stock(as_of=datetime.date(2025, 11, 20)), item, rm)
    assert (r.on_hand, r.idle_days, [(q, age) for _d, q, age in r.layers]) == (D(105), 322, [(D(100), 322), (D(5), 0)])


def test_a_cancelled_issue_is_no_issue_either():
    item, rm = f.item("BOLT-C", standard_cost=D(2)), f.warehouse("RM")
    _receipt(item, rm, 50, datetime.date(2025, 1, 2), cost="2")
    issue = other_issue_create(
        warehouse_id=rm.pk, lines=[LineInput(item.pk, D(10))], doc_date=datetime.date(2025, 11, 20)
    )
    other_issue_confirm(doc_id=issue.pk)
    from inventory.services.documents import other_issue_cancel

    other_issue_cancel(doc_id=issue.pk, move_date=datetime.date(2025, 11, 21))
    r = _row(dead_stock(as_of=AS_OF), item, rm)
    assert (r.on_hand, r.idle_days, r.dead, r.last_issue) == (D(50), 333, True, None)


# --- 1. a transfer keeps the receipt dates of its FIFO layers ---------------------------------


def test_a_transfer_keeps_the_age_of_its_goods():
    # given 100 received in RM on 2025-01-02, moved to FG on 2025-11-01
    item, rm, fg = f.item("FRAME-OLD", standard_cost=D(10)), f.warehouse("RM"), f.warehouse("FG")
    _receipt(item, rm, 100, datetime.date(2025, 1, 2))
    _transfer(item, rm, fg, 100, datetime.date(2025, 11, 1))
    rows = dead_stock(as_of=AS_OF)
    # then FG shows the goods 333 days idle and aged 333 days (shown: 30), RM nothing (no stock)
    assert [(r["warehouse"].code, r["result"].idle_days) for r in rows] == [("FG", 333)]
    r = _row(rows, item, fg)
    assert r.dead is True and [(d, q, age) for d, q, age in r.layers] == [(datetime.date(2025, 1, 2), D(100), 333)]
    assert r.last_receipt == datetime.date(2025, 11, 1)  # the day the goods arrived in FG
    assert dict(zip(selectors.bucket_labels(), r.bucket_qty, strict=True))["181–365"] == D(100)
    # "no movement": the transfer moved them 30 days ago
    assert _row(dead_stock(as_of=AS_OF, criterion=NO_MOVEMENT), item, fg).idle_days == 30


def test_a_partial_transfer_takes_the_oldest_layers_and_a_chain_keeps_them():
    # given RM receipts 60 on 2025-01-02 and 40 on 2025-09-01; 80 moved to FG on 11-01; 50 of FG to QC on 11-15
    item = f.item("TUBE-OLD", standard_cost=D(10))
    rm, fg, qc = f.warehouse("RM"), f.warehouse("FG"), f.warehouse("QC")
    _receipt(item, rm, 60, datetime.date(2025, 1, 2))
    _receipt(item, rm, 40, datetime.date(2025, 9, 1))
    _transfer(item, rm, fg, 80, datetime.date(2025, 11, 1))
    _transfer(item, fg, qc, 50, datetime.date(2025, 11, 15))
    rows = dead_stock(as_of=AS_OF)
    labels = selectors.bucket_labels()
    # RM keeps the 20 of September (91 days), issued 30 days ago by the transfer
    r = _row(rows, item, rm)
    assert [(q, age) for _d, q, age in r.layers] == [(D(20), 91)] and (r.idle_days, r.dead) == (30, False)
    # FG: 10 of January (333 days) and 20 of September (91 days), never issued: idle since January
    r = _row(rows, item, fg)
    assert [(q, age) for _d, q, age in r.layers] == [(D(10), 333), (D(20), 91)]
    assert (r.idle_days, r.dead, r.value) == (16, False, D("300.00"))  # its last issue: the move to QC
    by_label = dict(zip(labels, r.bucket_value, strict=True))
    assert (by_label["181–365"], by_label["91–180"]) == (D("100.00"), D("200.00"))
    # QC: 50 of January, 333 days, dead
    r = _row(rows, item, qc)
    assert [(q, age) for _d, q, age in r.layers] == [(D(50), 333)] and (r.idle_days, r.dead) == (333, True)


def test_a_cancelled_transfer_leaves_the_goods_where_they_were():
    item, rm, fg = f.item("HUB-OLD", standard_cost=D(10)), f.warehouse("RM"), f.warehouse("FG")
    _receipt(item, rm, 100, datetime.date(2025, 1, 2))
    doc = _transfer(item, rm, fg, 100, datetime.date(2025, 11, 1))
    transfer_cancel(doc_id=doc.pk, move_date=datetime.date(2025, 11, 2))
    rows = dead_stock(as_of=AS_OF)
    assert [(r["warehouse"].code, r["result"].idle_days, r["result"].dead) for r in rows] == [("RM", 333, True)]


def test_carried_layers_of_the_engine():
    # A: +10 (01-01), +10 (02-01); A -> B 15 on 03-01; B -> C 12 on 03-02 (same day: receipts first)
    day = datetime.date
    moves = [
        LedgerMove(1, 1, day(2025, 1, 1), D(10)),
        LedgerMove(2, 1, day(2025, 2, 1), D(10)),
        LedgerMove(3, 1, day(2025, 3, 1), D(-15)),
        LedgerMove(4, 2, day(2025, 3, 1), D(15), transfer_of=3),
        LedgerMove(5, 2, day(2025, 3, 2), D(-12)),
        LedgerMove(6, 3, day(2025, 3, 2), D(12), transfer_of=5),
    ]
    assert carried_layers(moves) == {
        4: [(day(2025, 1, 1), D(10)), (day(2025, 2, 1), D(5))],
        6: [(day(2025, 1, 1), D(10)), (day(2025, 2, 1), D(2))],
    }


def test_a_revaluation_is_no_movement():
    item, rm = f.item("REVAL", standard_cost=D(10)), f.warehouse("RM")
    _receipt(item, rm, 10, datetime.date(2025, 1, 2))
    stock_revalue(
        source_type="test.cost",
        source_id=1,
        adjustments=[Revaluation(item.pk, rm.pk, D("5.00"))],
        move_date=datetime.date(2025, 11, 30),
    )
    r = _row(dead_stock(as_of=AS_OF, criterion=NO_MOVEMENT), item, rm)
    assert (r.idle_days, r.value, r.bucket_value[4]) == (333, D("105.00"), D("105.00"))


# --- 1. the "no open demand" hint ------------------------------------------------------------


@pytest.fixture
def demand():
    wanted: dict[int, Decimal] = {}
    seen: list[list[int]] = []

    def provider(item_ids):
        seen.append(sorted(item_ids))
        return {i: wanted[i] for i in item_ids if i in wanted}

    register_open_demand_provider(provider)
    yield wanted, seen
    OPEN_DEMAND_PROVIDERS.remove(provider)


def test_no_open_demand_is_a_hint_and_a_column(demand, login):
    wanted, _seen = demand
    rm = f.warehouse("RM")
    asked, idle = f.item("ASKED", standard_cost=D(10)), f.item("IDLE", standard_cost=D(10))
    for item in (asked, idle):
        _receipt(item, rm, 10, datetime.date(2025, 1, 2))
    wanted[asked.pk] = D("4.5")  # e.g. a sales-order line still to deliver
    rows = {r["item"].code: r for r in dead_stock(as_of=AS_OF)}
    assert rows["ASKED"]["open_demand"] == D("4.5") and "no open demand" not in rows["ASKED"]["hints"]
    assert (rows["IDLE"]["open_demand"], "no open demand" in rows["IDLE"]["hints"]) == (D(0), True)
    # the page shows the column, the export too
    client = login("仓库")
    client.cookies["django_language"] = "en"
    url = reverse("inventory:dead_stock") + "?as_of=2025-12-01&idle_days=90"
    html = client.get(url).content.decode()
    assert "Open demand" in html and "no open demand" in html
    ws = openpyxl.load_workbook(io.BytesIO(client.get(url + "&_export=xlsx").content)).active
    header = [c.value for c in ws[1]]
    got = {row[0]: dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)}
    assert got["ASKED"]["Open demand"] == 4.5 and got["IDLE"]["Open demand"] == 0
    assert "no open demand" in got["IDLE"]["Hints"] and "no open demand" not in (got["ASKED"]["Hints"] or "")


def test_without_a_demand_provider_nothing_is_claimed():
    rm, item = f.warehouse("RM"), f.item("LONELY", standard_cost=D(10))
    _receipt(item, rm, 10, datetime.date(2025, 1, 2))
    saved = list(OPEN_DEMAND_PROVIDERS)
    OPEN_DEMAND_PROVIDERS.clear()
    try:
        (row,) = dead_stock(as_of=AS_OF)
    finally:
        OPEN_DEMAND_PROVIDERS.extend(saved)
    assert row["open_demand"] is None and "no open demand" not in row["hints"]


# --- 2./3. one page at a time, totals over all rows; SQL = engine ------------------------------


def test_the_page_builds_hints_for_its_own_rows_only(demand, login, django_assert_max_num_queries):
    _wanted, seen = demand
    wh = f.warehouse("RM")
    for n in range(60):
        f.stock(f.item(f"DS-{n:03d}", standard_cost=D(2)), wh, 1, "2", on_date=datetime.date(2025, 1, 2))
    client = login("仓库", username="ds_page")
    url = reverse("inventory:dead_stock") + "?as_of=2025-07-15&idle_days=90&page=2"
    response = client.get(url)
    assert seen == [sorted(r["item"].pk for r in response.context["report"].rows)] and len(seen[0]) == 10
    report = response.context["report"]
    assert (report.count, report.dead_value, report.totals[4]) == (60, D("120.00"), D("120.00"))
    assert [r["item"].code for r in report.rows] == [f"DS-{n:03d}" for n in range(50, 60)]
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(60, 160):
        f.stock(f.item(f"DS-{n:03d}", standard_cost=D(2)), wh, 1, "2", on_date=datetime.date(2025, 1, 2))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def _random_history(seed: int):
    """Receipts, issues, transfers (out + in of one line) and cancellations of 3 items in 3
    warehouses over 2025, posted through the ledger."""
    rnd = random.Random(seed)
    whs = [f.warehouse(code) for code in ("W1", "W2", "W3")]
    items = [f.item(f"R{seed}-{n}", standard_cost=D(3)) for n in range(3)]
    stock = {(i.pk, w.pk): D(0) for i in items for w in whs}
    posted = []
    day = datetime.date(2025, 1, 1)
    for n in range(1, 60):
        day += datetime.timedelta(days=rnd.choice([0, 1, 3, 9]))
        item, wh = rnd.choice(items), rnd.choice(whs)
        have = stock[(item.pk, wh.pk)]
        roll = rnd.random()
        if roll < 0.45 or have < 1:
            qty = D(rnd.randint(1, 30))
            moves = [MoveSpec(item.pk, wh.pk, qty, D(rnd.choice(["2.5", "3", "3.333333"])), kind="receipt")]
            stock[(item.pk, wh.pk)] += qty
        elif roll < 0.75:
            qty = D(rnd.randint(1, int(have)))
            moves = [MoveSpec(item.pk, wh.pk, -qty, kind="issue")]
            stock[(item.pk, wh.pk)] -= qty
        else:
            qty, to = D(rnd.randint(1, int(have))), rnd.choice([w for w in whs if w != wh])
            moves = [
                MoveSpec(item.pk, wh.pk, -qty, kind="transfer_out"),
                MoveSpec(item.pk, to.pk, qty, kind="transfer_in"),
            ]
            stock[(item.pk, wh.pk)] -= qty
            stock[(item.pk, to.pk)] += qty
        stock_moves_post(source_type="test.random", source_id=seed * 1000 + n, moves=moves, move_date=day)
        posted.append((n, moves, day))
        if moves[0].qty > 0 and rnd.random() < 0.2:  # a receipt cancelled a few days later
            stock_moves_reverse(
                source_type="test.random", source_id=seed * 1000 + n, move_date=day + datetime.timedelta(days=2)
            )
            stock[(item.pk, wh.pk)] -= moves[0].qty
    return day


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sql_report_equals_the_engine(seed):
    last = _random_history(seed)
    for as_of in (datetime.date(2025, 3, 1), datetime.date(2025, 6, 1), last, last + datetime.timedelta(days=200)):
        carried = _carried(as_of, None)
        for criterion in (NO_ISSUE, NO_MOVEMENT):
            for include_zero, only_dead in ((False, False), (True, False), (False, True)):
                args = {
                    "as_of": as_of,
                    "threshold": 20,
                    "criterion": criterion,
                    "bounds": DEFAULT_BOUNDS,
                    "warehouse_ids": None,
                    "category_ids": None,
                    "include_zero": include_zero,
                    "only_dead": only_dead,
                    "carried": carried,
                    "limit": None,
                    "offset": 0,
                }
                sql, engine = _dead_stock_sql(**args), _dead_stock_python(**args)
                assert sql[:3] == engine[:3], (as_of, criterion, include_zero, only_dead)
                assert [(i, w, vars(r)) for i, w, r in sql[3]] == [(i, w, vars(r)) for i, w, r in engine[3]]


# --- 3. logic out of the views ---------------------------------------------------------------


def test_value_by_category_report_is_a_selector():
    cat = ItemCategory.objects.create(name="原材料")
    sub = ItemCategory.objects.create(name="钢材", parent=cat)
    rm = f.warehouse("RM")
    f.stock(f.item("STEEL", category=sub), rm, 4, "2.50")
    f.stock(f.item("LOOSE"), rm, 1, "7")
    report = selectors.value_by_category_report()
    assert report["total"] == D("17.00")
    assert report["chart"] == [
        {"label": "原材料", "value": D("10.00")},
        {"label": "(no category)", "value": D("7.00")},
    ]
    assert report["export"] == [["原材料", 1, D("10.00"), D(0)], ["原材料/钢材", 1, D("10.00"), D("10.00")],
                                ["(no category)", 1, D("7.00"), D("7.00")]]  # fmt: skip


# --- 4. every tree write through the tree lock -----------------------------------------------


@pytest.fixture
def tree_locks(monkeypatch):
    taken: list[str] = []

    def spy(label):
        taken.append(label)
        tree_lock(label)

    monkeypatch.setattr(masterdata, "tree_lock", spy)
    monkeypatch.setattr(warehouses, "tree_lock", spy)
    return taken


def test_admin_tree_writes_go_through_the_service_and_its_lock(tree_locks, admin_client_su):
    c = admin_client_su
    response = c.post(
        reverse("admin:inventory_warehouse_add"),
        {"code": "NEW-WH", "name": "新仓库", "kind": "warehouse", "nettable": "on", "is_active": "on"},
    )
    assert response.status_code == 302 and Warehouse.objects.filter(code="NEW-WH").exists()
    assert tree_locks == ["inventory.warehouse"]
    wh = Warehouse.objects.get(code="NEW-WH")
    assert wh.history.first().history_user.username == "root"
    c.post(reverse("admin:inventory_itemcategory_add"), {"name": "外购件", "_save": "Save"})  # a category
    assert tree_locks == ["inventory.warehouse", "inventory.itemcategory"]
    cat = ItemCategory.objects.get(name="外购件")
    c.post(reverse("admin:inventory_itemcategory_delete", args=[cat.pk]), {"post": "yes"})
    assert not ItemCategory.objects.filter(pk=cat.pk).exists() and tree_locks[-1] == "inventory.itemcategory"
    extra = [f.warehouse(code) for code in ("X1", "X2")]
    c.post(
        reverse("admin:inventory_warehouse_changelist"),
        {"action": "delete_selected", "_selected_action": [w.pk for w in extra], "post": "yes"},
    )
    assert not Warehouse.objects.filter(code__in=["X1", "X2"]).exists() and tree_locks[-1] == "inventory.warehouse"
    Warehouse.objects.rebuild()  # the tree is still consistent: a rebuild changes nothing
    assert list(Warehouse.objects.order_by("lft").values_list("code", flat=True)) == ["NEW-WH"]


def test_a_subcontractor_location_is_created_under_the_tree_lock(tree_locks):
    sup = f.supplier("S003", name="昆山华美涂装厂")
    loc = warehouses.subcontractor_location_for(supplier_id=sup.pk)
    assert (loc.code, loc.nettable, tree_locks) == ("SUB-S003", False, ["inventory.warehouse"])
    assert warehouses.subcontractor_location_for(supplier_id=sup.pk) == loc and tree_locks == ["inventory.warehouse"]


@pytest.mark.django_db(transaction=True)
def test_an_admin_save_waits_for_the_tree_lock(admin_client_su):
    held, release = threading.Event(), threading.Event()

    def holder():
        try:
            with transaction.atomic():
                tree_lock("inventory.warehouse")
                held.set()
                release.wait(5)
        finally:
            connection.close()

    t = threading.Thread(target=holder)
    t.start()
    assert held.wait(5)
    threading.Timer(0.6, release.set).start()
    started = time.monotonic()
    response = admin_client_su.post(
        reverse("admin:inventory_warehouse_add"), {"code": "LATE", "name": "等锁", "kind": "warehouse"}
    )
    waited = time.monotonic() - started
    t.join()
    assert response.status_code == 302 and waited >= 0.5
