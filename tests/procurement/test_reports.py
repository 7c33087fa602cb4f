import datetime

import pytest

from bom.impact import collect
from procurement import services
from procurement.selectors import payables_ageing, supplier_performance
from tests import factories as f
from tests.procurement.helpers import D, confirmed_po, outsourcing_setup

pytestmark = pytest.mark.django_db


def _invoice(sup, gr, qty, price, on):
    inv = services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=on,
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": qty, "unit_price": price}],
    )
    return services.supplier_invoice_confirm(invoice_id=inv.pk)


def test_payables_ageing_buckets_open_amounts_by_days_past_due():
    # given supplier terms 30 days and two invoices with tax 13%
    wh, sup, bolt = f.warehouse("WH"), f.supplier("S1", payment_terms_days=30), f.item("BOLT")
    po = confirmed_po(sup, bolt, 200, "1", wh=wh, order_date=datetime.date(2026, 1, 2))
    gr1 = services.purchase_receipt_post(
        order_id=po.pk, lines=[(po.lines.get().pk, 100)], receipt_date=datetime.date(2026, 1, 3)
    )
    gr2 = services.purchase_receipt_post(
        order_id=po.pk, lines=[(po.lines.get().pk, 100)], receipt_date=datetime.date(2026, 3, 1)
    )
    old = _invoice(sup, gr1, 100, "1", datetime.date(2026, 1, 5))  # due 2026-02-04
    _invoice(sup, gr2, 100, "1", datetime.date(2026, 3, 2))  # due 2026-04-01
    services.supplier_invoice_pay(invoice_id=old.pk, amount=D("13.00"))
    # when aged on 2026-04-10
    rows, totals = payables_ageing(as_of=datetime.date(2026, 4, 10))
    # then 100.00 (113 − 13 paid) is 65 days past due, 113.00 is 9 days past due
    assert rows[0].buckets == {"not_due": 0, "1-30": D("113.00"), "31-60": 0, "61-90": D("100.00"), "90+": 0}
    assert totals["total"] == D("213.00")


def test_supplier_performance_on_time_rate_and_quantity_accuracy():
    wh, sup = f.warehouse("WH"), f.supplier("S1")
    a, b = f.item("A"), f.item("B")
    po1 = confirmed_po(sup, a, 100, "1", wh=wh, due=datetime.date(2026, 1, 10))
    po2 = confirmed_po(sup, b, 100, "1", wh=wh, due=datetime.date(2026, 1, 10))
    services.purchase_receipt_post(
        order_id=po1.pk, lines=[(po1.lines.get().pk, 100)], receipt_date=datetime.date(2026, 1, 9)
    )
    services.purchase_receipt_post(
        order_id=po2.pk, lines=[(po2.lines.get().pk, 90)], receipt_date=datetime.date(2026, 1, 12)
    )
    services.purchase_order_close(order_id=po2.pk)
    (row,) = supplier_performance()
    # one of two lines on time; 190 received of 200 ordered on finished lines
    assert (row.lines, row.on_time, row.on_time_pct) == (2, 1, D("50.0"))
    assert row.accuracy_pct == D("95.0")


def test_open_orders_are_listed_for_an_engineering_change():
    order, wh, fg_wh, sup, a, frame = outsourcing_setup(qty=100, per=2)
    po = confirmed_po(sup, a, 50, "1", wh=wh)
    rows = collect([frame.pk, a.pk])
    kinds = {(r.kind, r.number, r.qty) for r in rows if r.number.startswith(("OO-", "PO-"))}
    assert ("outsourcing_order", order.number, D("100")) in kinds
    assert ("purchase_order", f"{po.number}/10", D("50")) in kinds
