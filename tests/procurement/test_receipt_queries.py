"""Posting a purchase receipt: the number of database round trips does not grow with its lines
(issue #20: receipts under load)."""

import datetime

import pytest

from erp.models import Notification
from inventory.models import ItemCategory, StockBalance, StockMove
from ledger.models import CategoryAccount, Voucher
from ledger.services.accounts import accounts_by_code, stock_accounts
from procurement import services
from procurement.models import AccrualEntry
from tests import factories as f
from tests.procurement.helpers import D

JAN10 = datetime.date(2026, 1, 10)
# a receipt's round trips, whatever its number of lines (the savepoint of the test's transaction
# included): its number, the document and history rows, the order lines, stock, accrual, voucher,
# the buyer's hand-off (43 before the one-statement numbers, the voucher's reads in one pass and the
# hand-off's users with their earlier notifications in one read)
ROUND_TRIPS = 31


def _order(sup, wh, items):
    po = services.purchase_order_create(
        supplier_id=sup.pk,
        order_date=datetime.date(2026, 1, 5),
        warehouse_id=wh.pk,
        lines=[{"item_id": it.pk, "qty": D("100"), "unit_price": D("0.35")} for it in items],
    )
    return services.purchase_order_confirm(order_id=po.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 10])
def test_receipt_round_trips_do_not_grow_with_lines(n, make_user, django_assert_max_num_queries):
    # given a buyer to notify, a first receipt already posted this month (period, sequences and
    # the chart exist, as under load) and a confirmed order of n lines
    # (each item in a category of its own under one whose stock account is 1405)
    make_user("buyer", "采购")
    wh, sup = f.warehouse("WH"), f.supplier("S1")
    first = _order(sup, wh, [f.item("FIRST")])
    services.purchase_receipt_post(order_id=first.pk, lines=[(first.lines.get().pk, D("1"))], receipt_date=JAN10)
    parts = ItemCategory.objects.create(name="Parts")
    CategoryAccount.objects.create(category=parts, account=accounts_by_code()["1405"])
    items = [
        f.item(f"P{i:02d}", category=ItemCategory.objects.create(name=f"Group {i}", parent=parts)) for i in range(n)
    ]
    f.stock(items[0], wh, 40, "0.30", on_date=datetime.date(2026, 1, 2))
    po = _order(sup, wh, items)
    lines = [(ln.pk, D("60")) for ln in po.lines.order_by("pk")]
    # when 60 of each line are received
    # then the same number of round trips for 1 and for 10 lines (62 for 10 lines of 10
    # categories before issue #20; 53 for 1) ...
    with django_assert_max_num_queries(ROUND_TRIPS):
        gr = services.purchase_receipt_post(order_id=po.pk, lines=lines, receipt_date=JAN10)
    # ... and the same results: 60 more of each item worth 21.00, one accrual and one stock move
    # per line, one voucher of n × 21.00, one hand-off for the buyer
    first_bal = StockBalance.objects.get(item=items[0], warehouse=wh)
    assert (first_bal.qty, first_bal.value) == (D("100"), D("33.00"))
    assert sorted(StockBalance.objects.filter(item__in=items[1:]).values_list("qty", "value")) == [
        (D("60"), D("21.00"))
    ] * (n - 1)
    assert StockMove.objects.filter(source_type="procurement.purchasereceipt", source_id=gr.pk).count() == n
    assert (
        sorted(AccrualEntry.objects.filter(document_number=gr.number).values_list("amount", flat=True))
        == [D("21.00")] * n
    )
    voucher = Voucher.objects.get(source_type="procurement.purchasereceipt", source_id=gr.pk)
    assert voucher.debit_total == voucher.credit_total == D("21.00") * n
    assert list(voucher.lines.order_by("line_no").values_list("account__code", "debit", "credit")) == [
        ("1405", D("21.00") * n, D("0")),
        ("2202.02", D("0"), D("21.00") * n),
    ]
    assert Notification.objects.filter(dedupe_key__endswith=f"receipt:{gr.pk}").count() == 1
    po.refresh_from_db()
    assert [ln.received_qty for ln in po.lines.order_by("pk")] == [D("60")] * n


@pytest.mark.django_db
def test_stock_account_is_the_nearest_category_setting(django_assert_max_num_queries):
    # given Parts (1405) > Bought (1403) > Screws, Parts > Frames, and Loose without a setting
    wh = f.warehouse("WH")
    codes = accounts_by_code()
    parts = ItemCategory.objects.create(name="Parts")
    bought = ItemCategory.objects.create(name="Bought", parent=parts)
    screws = ItemCategory.objects.create(name="Screws", parent=bought)
    frames = ItemCategory.objects.create(name="Frames", parent=parts)
    loose = ItemCategory.objects.create(name="Loose")
    CategoryAccount.objects.create(category=parts, account=codes["1405"])
    CategoryAccount.objects.create(category=bought, account=codes["1403"])
    cats = {"SCREW": screws, "FRAME": frames, "BOUGHT": bought, "LOOSE": loose}
    items = {code: f.item(code, category=cat) for code, cat in cats.items()}
    made = f.item("MADE", supply_type="manufacture", category=loose)
    # when the stock accounts are looked up
    with django_assert_max_num_queries(4):
        got = stock_accounts({(it.pk, wh.pk) for it in [*items.values(), made]})
    # then each item takes its nearest category's setting, else the default of its supply type
    assert {code: got[(it.pk, wh.pk)] for code, it in items.items()} == {
        "SCREW": "1403",
        "FRAME": "1405",
        "BOUGHT": "1403",
        "LOOSE": "1403",
    }
    assert got[(made.pk, wh.pk)] == "1405"
