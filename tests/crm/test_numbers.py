"""Issue #11 (CRM part): red-letter remainders, AR ageing netted by red invoices, receipt matching
against the netted open amount, one definition per derived value, queries that do not grow
with lines."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import ItemTaxCode, Receipt, SalesInvoice, SalesOrder, SalesOrderLine, ServiceTicket
from crm.selectors import ar_ageing
from crm.services.deliveries import delivery_confirm, delivery_create
from crm.services.invoices import (
    InvoiceLineInput,
    invoice_confirm,
    invoice_create,
    invoice_create_from_deliveries,
    invoice_red_create,
)
from crm.services.orders import LineInput, credit_exposure, order_confirm, order_create
from crm.services.receipts import payment_plan_add, receipt_confirm, receipt_create
from crm.services.tickets import ticket_create
from erp.errors import ValidationError
from inventory.services.ledger import MoveSpec, stock_moves_post
from tests import factories
from tests.sweep import form_token, snapshot

from .helpers import TAX_CODE, bike, customer, order

D = Decimal
pytestmark = pytest.mark.django_db

JUNE_5 = datetime.date(2026, 6, 5)
JUNE_6 = datetime.date(2026, 6, 6)


def _delivered_and_invoiced(qty, price):
    """given a sales order of `qty` × `price` excl. 13 %, delivered and invoiced (blue, confirmed)"""
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 50, "5", on_date=datetime.date(2026, 6, 1))
    so = order(customer("C1"), item, qty, price, confirm=True)
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, delivery_date=JUNE_5)
    delivery_confirm(delivery_id=dn.pk, user=None)
    inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=None, invoice_date=JUNE_6)
    invoice_confirm(invoice_id=inv.pk, user=None)
    inv.refresh_from_db()
    return inv, so.lines.get()


def _invoiced_inclusive(qty, price):
    """given a blue invoice of `qty` × `price` incl. 13 % (confirmed, no delivery)"""
    inv = invoice_create(
        customer_id=customer("C1").pk,
        user=None,
        invoice_date=JUNE_6,
        prices_include_tax=True,
        lines=[InvoiceLineInput(bike().pk, D(str(qty)), D(price), tax_code=TAX_CODE)],
    )
    invoice_confirm(invoice_id=inv.pk, user=None)
    inv.refresh_from_db()
    return inv, None


def _amounts(inv):
    inv.refresh_from_db()
    return (inv.amount, inv.tax_amount, inv.total)


# --------------------------------------------------------------------------- red-letter remainder
# 3 × 12.35 excl. 13 %: amount 37.05, tax round(4.8165) = 4.82, total 41.87. One unit: 12.35 +
# round(1.6055) = 1.61 → 13.96; three of them would be 41.88. The third takes the remainder:
# 37.05 − 24.70 = 12.35 and 4.82 − 3.22 = 1.60 → 13.95.
# 3 × 1.00 incl. 13 %: gross 3.00, net round(2.6549) = 2.65, tax 0.35. One unit: net round(0.8850) =
# 0.88, tax 0.12; three would be 2.64 + 0.36 (more tax than the blue). The third takes 0.89 + 0.11.
RED_CASES = {
    "exclusive 3 x 12.35": (
        "12.35",
        False,
        (D("37.05"), D("4.82"), D("41.87")),
        [(D("-12.35"), D("-1.61"), D("-13.96")), (D("-12.35"), D("-1.61"), D("-13.96"))],
        (D("-12.35"), D("-1.60"), D("-13.95")),
    ),
    "inclusive 3 x 1.00": (
        "1.00",
        True,
        (D("2.65"), D("0.35"), D("3.00")),
        [(D("-0.88"), D("-0.12"), D("-1.00")), (D("-0.88"), D("-0.12"), D("-1.00"))],
        (D("-0.89"), D("-0.11"), D("-1.00")),
    ),
}


@pytest.mark.parametrize("case", list(RED_CASES))
def test_red_letter_one_unit_at_a_time_the_last_takes_the_remainder(case):
    price, inclusive, blue_amounts, first_two, last = RED_CASES[case]
    blue, so_line = (_invoiced_inclusive if inclusive else _delivered_and_invoiced)(3, price)
    assert _amounts(blue) == blue_amounts
    bl = blue.lines.get()
    reds = []
    for expected in [*first_two, last]:
        # when reversing one unit at a time, each red confirmed before the next one is made
        red = invoice_red_create(blue_id=blue.pk, reason="2", quantities={bl.pk: D("1")}, user=None)
        assert _amounts(red) == expected
        invoice_confirm(invoice_id=red.pk, user=None)
        assert _amounts(red) == expected
        reds.append(red)
    # then the reds add up exactly to the blue invoice, line and totals
    assert sum((r.total for r in reds), D(0)) == -blue.total
    assert sum((r.amount for r in reds), D(0)) == -blue.amount
    assert sum((r.tax_amount for r in reds), D(0)) == -blue.tax_amount
    assert [r.lines.get().gross for r in reds] == [t for _a, _t2, t in [*first_two, last]]
    if so_line is not None:
        so_line.refresh_from_db()
        assert so_line.invoiced_qty == 0
    blue.refresh_from_db()
    assert blue.reversed_amount == blue_amounts[2] and blue.open_amount == 0
    # and nothing more can be reversed
    with pytest.raises(ValidationError) as exc:
        invoice_red_create(blue_id=blue.pk, reason="2", quantities={bl.pk: D("1")}, user=None)
    assert exc.value.code == "red_over_blue"


def test_red_letter_drafts_made_together_the_one_confirmed_last_takes_the_remainder():
    blue, _line = _delivered_and_invoiced(3, "12.35")
    bl = blue.lines.get()
    # given three draft reds of one unit, made before any is confirmed (each shows 13.96)
    drafts = [invoice_red_create(blue_id=blue.pk, reason="1", quantities={bl.pk: D("1")}, user=None) for _ in "abc"]
    assert [_amounts(r)[2] for r in drafts] == [D("-13.96")] * 3
    # when confirmed one after the other, the last one (under the blue's lock) takes the remainder
    for red in drafts:
        invoice_confirm(invoice_id=red.pk, user=None)
    assert [_amounts(r) for r in drafts] == [
        (D("-12.35"), D("-1.61"), D("-13.96")),
        (D("-12.35"), D("-1.61"), D("-13.96")),
        (D("-12.35"), D("-1.60"), D("-13.95")),
    ]
    assert sum((r.total for r in drafts), D(0)) == D("-41.87")
    ln = drafts[2].lines.get()
    assert (ln.amount, ln.tax_amount, ln.gross) == (D("-12.35"), D("-1.60"), D("-13.95"))


def test_red_letter_of_two_units_then_one_sums_to_the_blue():
    # 2 units: 24.70 + round(3.211) = 3.21 → 27.91; the last unit takes 41.87 − 27.91 = 13.96
    blue, _line = _delivered_and_invoiced(3, "12.35")
    bl = blue.lines.get()
    r1 = invoice_red_create(blue_id=blue.pk, reason="2", quantities={bl.pk: D("2")}, user=None)
    invoice_confirm(invoice_id=r1.pk, user=None)
    r2 = invoice_red_create(blue_id=blue.pk, reason="2", quantities={bl.pk: D("1")}, user=None)
    invoice_confirm(invoice_id=r2.pk, user=None)
    assert (_amounts(r1), _amounts(r2)) == (
        (D("-24.70"), D("-3.21"), D("-27.91")),
        (D("-12.35"), D("-1.61"), D("-13.96")),
    )


# --------------------------------------------------------------------------- AR ageing, receipts
def _blue_and_red(terms_days):
    """blue 10 × 100.00 + 13 % = 1,130.00 on 06-06; red for 3 units (−339.00) 40 days later."""
    cust = customer("C1", payment_terms_days=terms_days)
    blue = invoice_create(
        customer_id=cust.pk,
        user=None,
        invoice_date=JUNE_6,
        lines=[InvoiceLineInput(bike().pk, D("10"), D("100"), tax_code=TAX_CODE)],
    )
    invoice_confirm(invoice_id=blue.pk, user=None)
    red = invoice_red_create(
        blue_id=blue.pk,
        reason="2",
        quantities={blue.lines.get().pk: D("3")},
        user=None,
        invoice_date=JUNE_6 + datetime.timedelta(days=40),
    )
    invoice_confirm(invoice_id=red.pk, user=None)
    blue.refresh_from_db()
    red.refresh_from_db()
    assert (blue.total, red.total, red.invoice_date) == (D("1130.00"), D("-339.00"), datetime.date(2026, 7, 16))
    return cust, blue, red


AGEING_CASES = {
    # 60 days' terms: blue due 08-05 (15 days past on 08-20); the red, dated and due 07-16, would be
    # 35 days past and land in 31–60 on its own
    "terms 60, as of 08-20": (60, datetime.date(2026, 8, 20), [D(0), D("791.00"), D(0), D(0), D(0)]),
    # 30 days' terms: blue due 07-06 (35 days past on 08-10); the red alone would sit in 1–30
    "terms 30, as of 08-10": (30, datetime.date(2026, 8, 10), [D(0), D(0), D("791.00"), D(0), D(0)]),
}


@pytest.mark.parametrize("case", list(AGEING_CASES))
def test_ar_ageing_nets_a_red_invoice_against_its_blue_one(case):
    terms, as_of, expected = AGEING_CASES[case]
    cust, blue, _red = _blue_and_red(terms)
    report = ar_ageing(as_of=as_of)
    assert report["totals"] == expected
    assert report["grand_total"] == D("791.00")
    assert [(r["customer"].pk, r["cells"]) for r in report["rows"]] == [(cust.pk, expected)]
    assert blue.open_amount == D("791.00")
    # the credit check counts the same open amount
    assert credit_exposure(cust.pk).unpaid_invoices == D("791.00")


def test_receipt_is_matched_at_most_to_the_open_amount_net_of_red_invoices(login):
    client = login("销售")
    cust, blue, _red = _blue_and_red(30)
    cust.owner = client.user
    cust.save(update_fields=["owner"])
    # a receipt of 1,130.00 matched in full to the blue invoice is refused: 791.00 is open
    bad = receipt_create(customer_id=cust.pk, amount="1130", allocations={blue.pk: D("1130")}, user=None)
    with pytest.raises(ValidationError) as exc:
        receipt_confirm(receipt_id=bad.pk, user=None)
    assert "791.00" in str(exc.value)
    blue.refresh_from_db()
    assert blue.paid_amount == 0
    # the receipt page matches 1,000.00 to open invoices: 791.00 to the blue one, 209.00 is an advance
    url = reverse("crm:receipt_create")
    data = {
        "customer": cust.pk,
        "amount": "1,000.00",
        "receipt_date": "2026-08-10",
        "match_open_invoices": "on",
        "_submit_token": form_token(client, url),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    rc = Receipt.objects.exclude(pk=bad.pk).get()
    assert [(a.invoice_id, a.amount) for a in rc.allocations.all()] == [(blue.pk, D("791.00"))]
    client.post(
        reverse("crm:receipt_confirm", args=[rc.pk]), {"_submit_token": form_token(client, response["Location"])}
    )
    blue.refresh_from_db()
    assert (blue.paid_amount, blue.open_amount) == (D("791.00"), D("0.00"))
    assert ar_ageing(as_of=datetime.date(2026, 8, 10))["grand_total"] == 0


def test_receipt_matching_refuses_a_foreign_invoice_and_writes_nothing():
    cust, blue, _red = _blue_and_red(30)
    other = customer("C2")
    before = snapshot()
    with pytest.raises(ValidationError):
        receipt_create(customer_id=other.pk, amount="100", allocations={blue.pk: D("100")}, user=None)
    assert snapshot() == before


# --------------------------------------------------------------------------- one definition per value
def test_open_quantity_and_uninvoiced_amount_one_definition():
    item = bike()
    wh = factories.warehouse("FG")
    factories.stock(item, wh, 50, "5", on_date=datetime.date(2026, 6, 1))
    so = order(customer("C1"), item, 10, "100.00", confirm=True)  # 1,130.00
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, quantities={so.lines.get().pk: D("4")})
    delivery_confirm(delivery_id=dn.pk, user=None)
    inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=None)
    invoice_confirm(invoice_id=inv.pk, user=None)
    line = SalesOrderLine.objects.open_qty().get(pk=so.lines.get().pk)
    # open 10 − 4 = 6; not invoiced 1,130.00 × 6 / 10 = 678.00
    assert (line.open_qty, line.uninvoiced_amount) == (D("6"), D("678.00"))
    assert SalesOrderLine.objects.open().open_qty().values_list("open_qty", flat=True).get() == D("6")
    assert SalesOrderLine.objects.uninvoiced().count() == 1
    assert credit_exposure(so.customer_id).open_orders == D("678.00")
    # a closed line has nothing open and stops counting
    SalesOrderLine.objects.filter(pk=line.pk).update(closed=True)
    line.refresh_from_db()
    assert line.open_qty == 0 and not SalesOrderLine.objects.open().exists()
    assert SalesOrderLine.objects.open_qty().values_list("open_qty", flat=True).get() == 0
    assert list(SalesOrder.objects.open()) == [so]


def test_overdue_tickets_one_definition():
    cust = customer("C1")
    now = timezone.now()
    late = ticket_create(customer_id=cust.pk, subject="迟", due_at=now - datetime.timedelta(hours=1), user=None)
    ticket_create(customer_id=cust.pk, subject="早", due_at=now + datetime.timedelta(hours=1), user=None)
    assert [t.pk for t in ServiceTicket.objects.overdue(now=now)] == [late.pk]
    assert late.is_overdue and not ServiceTicket.objects.exclude(pk=late.pk).get().is_overdue


def test_for_owner_narrows_to_what_the_user_may_see(make_user):
    a, b = make_user("seller_a", "销售"), make_user("seller_b", "销售")
    mine = customer("CA", owner=a)
    customer("CB", owner=b)
    so = order(mine, bike(), 1, "10", user=a)
    assert list(SalesOrder.objects.for_owner(a)) == [so]
    assert not SalesOrder.objects.for_owner(b).exists()
    assert set(SalesInvoice.objects.for_owner(b).values_list("pk", flat=True)) == set()


# --------------------------------------------------------------------------- queries per lines
# Posting services also write their voucher in the same transaction (ledger, ADR 0007) and
# record the planning change (net change): a fixed number of queries more, whatever the lines.
BOUNDS = {
    "delivery_confirm": 45,
    "invoice_create_from_deliveries": 18,
    "invoice_confirm": 35,
    "invoice_red_create": 13,
    "invoice_red_confirm": 40,
    "receipt_create": 12,
    "receipt_confirm": 35,
}


def _world(n):
    """n items with stock and tax codes, an order of n lines (3 × 12.35 each), n payment plans."""
    wh = factories.warehouse("FG")
    items = [factories.item(f"Q{i:03}", supply_type="manufacture") for i in range(n)]
    ItemTaxCode.objects.bulk_create([ItemTaxCode(item=it, code=TAX_CODE) for it in items])
    stock_moves_post(
        source_type="test.opening",
        source_id=1,
        moves=[MoveSpec(it.pk, wh.pk, D("10"), D("5"), source_line=i, kind="opening") for i, it in enumerate(items)],
        move_date=datetime.date(2026, 6, 1),
    )
    cust = customer("C1")
    so = order_create(
        customer_id=cust.pk,
        user=None,
        order_date=datetime.date(2026, 6, 1),
        lines=[LineInput(it.pk, D("3"), D("12.35"), datetime.date(2026, 6, 30)) for it in items],
    )
    order_confirm(order_id=so.pk, user=None, today=datetime.date(2026, 6, 1))
    for i in range(n):
        payment_plan_add(order_id=so.pk, due_date=datetime.date(2026, 7, 1 + i % 28), amount="1.00", user=None)
    return wh, items, cust, so


@pytest.mark.parametrize("n", [1, 40])
def test_crm_services_run_the_same_queries_for_1_and_40_lines(n, django_assert_max_num_queries):
    wh, items, cust, so = _world(n)
    dn = delivery_create(order_id=so.pk, warehouse_id=wh.pk, user=None, delivery_date=JUNE_5)
    with django_assert_max_num_queries(BOUNDS["delivery_confirm"]):
        delivery_confirm(delivery_id=dn.pk, user=None)
    with django_assert_max_num_queries(BOUNDS["invoice_create_from_deliveries"]):
        inv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=None, invoice_date=JUNE_6)
    with django_assert_max_num_queries(BOUNDS["invoice_confirm"]):
        invoice_confirm(invoice_id=inv.pk, user=None)
    assert SalesOrderLine.objects.filter(order=so, invoiced_qty=3).count() == n
    lines = list(inv.lines.all())
    with django_assert_max_num_queries(BOUNDS["invoice_red_create"]):
        red = invoice_red_create(blue_id=inv.pk, reason="2", quantities={ln.pk: D("3") for ln in lines}, user=None)
    with django_assert_max_num_queries(BOUNDS["invoice_red_confirm"]):
        invoice_confirm(invoice_id=red.pk, user=None)
    inv.refresh_from_db()
    assert inv.reversed_amount == inv.total == D("41.87") * n
    # n more invoices of 10.00 + 1.30 each, matched by one receipt that also advances n payment plans
    invs = []
    for it in items:
        v = invoice_create(customer_id=cust.pk, user=None, lines=[InvoiceLineInput(it.pk, D("1"), D("10"))])
        invoice_confirm(invoice_id=v.pk, user=None)
        invs.append(v)
    with django_assert_max_num_queries(BOUNDS["receipt_create"]):
        rc = receipt_create(
            customer_id=cust.pk, amount=D("11.30") * n, user=None, order_id=so.pk, match_open_invoices=True
        )
    assert rc.allocations.count() == n
    with django_assert_max_num_queries(BOUNDS["receipt_confirm"]):
        receipt_confirm(receipt_id=rc.pk, user=None)
    assert SalesInvoice.objects.filter(pk__in=[v.pk for v in invs], paid_amount=D("11.30")).count() == n
    assert so.payment_plans.filter(received_amount=D("1.00")).count() == n
