"""Property: whatever sequence of documents is posted (or refused, or cancelled), every voucher
balances, the trial balance balances and the reconciliation report is empty."""

from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erp.errors import DomainError
from inventory.services import documents
from inventory.services.documents import LineInput
from ledger.models import Voucher
from ledger.services import reconcile, reports
from procurement import services as ps
from tests import factories as f
from tests.ledger.helpers import JAN

pytestmark = pytest.mark.django_db

OPS = st.lists(
    st.tuples(
        st.sampled_from(["in", "out", "cancel", "po", "po_invoice"]),
        st.integers(min_value=1, max_value=40),
        st.integers(min_value=1, max_value=99999),
        st.sampled_from(["A", "FG"]),
    ),
    min_size=1,
    max_size=8,
)


def _run(ops):
    wh = f.warehouse("WH")
    sup = f.supplier("S1")
    items = {
        "A": f.item("A", default_warehouse=wh),
        "FG": f.item("FG", supply_type="manufacture", default_warehouse=wh),
    }
    confirmed = []
    receipts = []
    for op, qty, cents, code in ops:
        item = items[code]
        price = D(cents) / 100
        try:
            if op == "in":
                doc = documents.other_receipt_create(
                    warehouse_id=wh.pk, lines=[LineInput(item.pk, D(qty), price)], doc_date=JAN
                )
                confirmed.append(("r", documents.other_receipt_confirm(doc_id=doc.pk)))
            elif op == "out":
                doc = documents.other_issue_create(warehouse_id=wh.pk, lines=[LineInput(item.pk, D(qty))], doc_date=JAN)
                confirmed.append(("i", documents.other_issue_confirm(doc_id=doc.pk)))
            elif op == "cancel" and confirmed:
                kind, doc = confirmed.pop(qty % len(confirmed))
                cancel = documents.other_receipt_cancel if kind == "r" else documents.other_issue_cancel
                cancel(doc_id=doc.pk, move_date=JAN)
            elif op == "po":
                po = ps.purchase_order_create(
                    supplier_id=sup.pk,
                    order_date=JAN,
                    warehouse_id=wh.pk,
                    lines=[{"item_id": item.pk, "qty": D(qty), "unit_price": price, "due_date": JAN}],
                )
                ps.purchase_order_confirm(order_id=po.pk)
                receipts.append(
                    ps.purchase_receipt_post(order_id=po.pk, lines=[(po.lines.get().pk, D(qty))], receipt_date=JAN)
                )
            elif op == "po_invoice" and receipts:
                gr = receipts.pop()
                line = gr.lines.get()
                inv = ps.supplier_invoice_create(
                    supplier_id=sup.pk,
                    invoice_date=JAN,
                    lines=[{"receipt_line_id": line.pk, "qty": line.qty, "unit_price": price, "tax_rate": D("0.13")}],
                )
                ps.supplier_invoice_confirm(invoice_id=inv.pk)
        except DomainError:
            pass  # refused (e.g. not enough stock): nothing posted, checked below


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_books_always_balance_and_agree_with_the_subledgers(ops):
    sid = transaction.savepoint()
    try:
        _run(ops)
        for v in Voucher.objects.prefetch_related("lines"):
            lines = list(v.lines.all())
            assert sum(ln.debit for ln in lines) == sum(ln.credit for ln in lines)
        t = reports.tb_totals(reports.trial_balance(2026, 1))
        assert t["debit"] == t["credit"] and t["closing_debit"] == t["closing_credit"]
        assert reconcile.reconcile(2026, 1) == []
    finally:
        transaction.savepoint_rollback(sid)
