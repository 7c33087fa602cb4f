"""Dead-stock report (呆滞料查询表), the worked example of the spec."""

import datetime
from decimal import Decimal

import pytest

from inventory.engine.deadstock import NO_MOVEMENT, analyse, bucket_labels
from inventory.selectors import ITEM_HINT_PROVIDERS, dead_stock, register_item_hint_provider
from inventory.services.ledger import MoveSpec, stock_moves_post
from tests import factories as f

D = Decimal
AS_OF = datetime.date(2025, 7, 15)


@pytest.fixture
def example(db):
    # unit cost 10; +100 on 2025-01-02, −50 on 01-10, +100 on 03-20
    item, wh = f.item("OLD-1", standard_cost=D(10)), f.warehouse("RM")
    for n, (day, qty) in enumerate([((2025, 1, 2), 100), ((2025, 1, 10), -50), ((2025, 3, 20), 100)], start=1):
        stock_moves_post(
            source_type="t",
            source_id=n,
            moves=[MoveSpec(item.pk, wh.pk, D(qty), D(10) if qty > 0 else None)],
            move_date=datetime.date(*day),
        )
    return item, wh


def test_spec_example_no_issue(example):
    (row,) = dead_stock(as_of=AS_OF, idle_threshold=90)
    r = row["result"]
    assert r.idle_days == 186 and r.dead is True
    assert (r.on_hand, r.value, r.unit_cost) == (D(150), D("1500.00"), D(10))
    assert r.last_receipt == datetime.date(2025, 3, 20) and r.last_issue == datetime.date(2025, 1, 10)
    labels = bucket_labels()
    assert labels == ["0–30", "31–60", "61–90", "91–180", "181–365", ">365"]
    by_label = dict(zip(labels, r.bucket_value, strict=True))
    assert by_label["181–365"] == D("500.00") and by_label["91–180"] == D("1000.00")
    assert sum(r.bucket_value) == D("1500.00")
    assert [(q, age) for _d, q, age in r.layers] == [(D(50), 194), (D(100), 117)]


def test_spec_example_no_movement(example):
    (row,) = dead_stock(as_of=AS_OF, idle_threshold=90, criterion=NO_MOVEMENT)
    assert row["result"].idle_days == 117 and row["result"].dead is True


def test_never_issued_counts_from_first_receipt_and_threshold():
    r = analyse(
        [(datetime.date(2025, 6, 1), D(5), D(0), D(50)), (datetime.date(2025, 7, 1), D(5), D(0), D(50))],
        as_of=AS_OF,
        idle_threshold=45,
    )
    assert r.idle_days == 44 and r.dead is False
    assert r.bucket_qty == [D(5), D(5), D(0), D(0), D(0), D(0)]


def test_zero_stock_hidden_unless_asked_and_hints_shown(example):
    item, wh = example
    stock_moves_post(source_type="t", source_id=9, moves=[MoveSpec(item.pk, wh.pk, D(-150))], move_date=AS_OF)
    assert dead_stock(as_of=AS_OF) == []
    provider = lambda ids: {i: ["used by no approved BOM"] for i in ids}  # noqa: E731
    register_item_hint_provider(provider)
    try:
        (row,) = dead_stock(as_of=AS_OF, include_zero=True)
    finally:
        ITEM_HINT_PROVIDERS.remove(provider)
    assert row["result"].on_hand == 0 and row["result"].dead is False
    assert "used by no approved BOM" in row["hints"]


@pytest.mark.django_db
def test_dead_stock_page_shows_fifty_rows_a_page_with_totals_over_all(login):
    wh = f.warehouse("RM")
    for n in range(60):
        f.stock(f.item(f"DS-{n:03d}"), wh, 1, "2", on_date=datetime.date(2025, 1, 2))
    client = login("仓库", username="ds_pager")
    url = "/inventory/dead-stock/?as_of=2025-07-15&idle_days=90&criterion=no_issue&buckets=30,60,90,180,365"
    first = client.get(url)
    html = first.content.decode()
    assert first.context["page_obj"].paginator.count == 60
    assert "DS-049" in html and "DS-050" not in html
    assert first.context["dead_value"] == Decimal("120.00")
    second = client.get(url + "&page=2").content.decode()
    assert "DS-050" in second and "DS-059" in second and "DS-049" not in second
