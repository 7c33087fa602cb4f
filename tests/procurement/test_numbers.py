"""Issue #11 (procurement part): stored document totals rounded per line, one rule for the open
quantity of PO lines and outsourcing orders, locks in primary-key order (no invoice deadlock),
queries that do not grow with lines, status changes only through the transition tables."""

import csv
import datetime
import importlib
import io
import threading

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from erp.errors import DomainError, StateError
from erp.models import CompanySettings
from mrp.sources import collect
from procurement import selectors, services
from procurement.models import (
    AccrualEntry,
    OutsourcingOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceiptLine,
    Requisition,
    SupplierInvoice,
)
from procurement.states import REQUISITION_FLOW, OrderStatus, RequisitionStatus
from tests import factories as f
from tests.procurement.helpers import D, confirmed_po
from tests.sweep import snapshot

JAN5 = datetime.date(2026, 1, 5)
JAN10 = datetime.date(2026, 1, 10)
JAN20 = datetime.date(2026, 1, 20)


def _csv_rows(client, url: str) -> list[dict]:
    """The rows of a list page's CSV export (English headers)."""
    response = client.get(url, {"_export": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------- stored totals
# Three lines of 1 × 0.333 at 13 %: each line 0.33 + tax round(0.0429) = 0.04. The document is
# 0.99 + 0.12 = 1.11 everywhere; the old list summed the unrounded 0.999.
THIRDS = [{"qty": D("1"), "unit_price": D("0.333")}] * 3


@pytest.mark.django_db
def test_purchase_order_total_is_the_sum_of_rounded_lines_on_list_detail_and_export(login):
    sup = f.supplier("S1")
    items = [f.item(f"P{i}") for i in range(3)]
    po = services.purchase_order_create(
        supplier_id=sup.pk, order_date=JAN5, lines=[{"item_id": it.pk, **ln} for it, ln in zip(items, THIRDS)]
    )
    client = login("采购")
    page = client.get(reverse("procurement:po_list")).content.decode()
    assert "0.999" not in page and "0.99" in page
    rows = _csv_rows(client, reverse("procurement:po_list"))
    assert [(r["Amount excl. tax"], r["Total incl. tax"]) for r in rows] == [("0.99", "1.11")]
    po.refresh_from_db()
    assert (po.amount, po.tax_amount, po.total) == (D("0.99"), D("0.12"), D("1.11"))
    assert [ln.amount for ln in po.lines.all()] == [D("0.33")] * 3
    detail = client.get(reverse("procurement:po_detail", args=[po.pk])).content.decode()
    assert '<dd class="col-sm-4" id="po-amount">0.99 CNY</dd>' in detail
    assert "<strong>1.11</strong>" in detail

    # changing a line stores the totals again: 2 × 0.333 = 0.67 (tax 0.09) → 1.33 + 0.17 = 1.50
    services.purchase_order_line_change(line_id=po.lines.order_by("line_no")[0].pk, qty=D("2"))
    po.refresh_from_db()
    assert (po.amount, po.tax_amount, po.total) == (D("1.33"), D("0.17"), D("1.50"))


@pytest.mark.django_db
def test_requisition_outsourcing_order_and_invoice_store_totals_rounded_per_line(login):
    wh, sup = f.warehouse("WH"), f.supplier("S1")
    items = [f.item(f"P{i}", standard_cost=D("0.333")) for i in range(3)]
    req = services.requisition_create(
        request_date=JAN5, lines=[{"item_id": it.pk, "qty": D("1"), "need_date": JAN20} for it in items]
    )
    req.refresh_from_db()
    assert req.amount == D("0.99")  # estimated at the standard cost (no price list): 3 × 0.33

    po = services.purchase_order_create(
        supplier_id=sup.pk,
        order_date=JAN5,
        warehouse_id=wh.pk,
        lines=[{"item_id": it.pk, "qty": D("1"), "unit_price": D("0.333")} for it in items],
    )
    services.purchase_order_confirm(order_id=po.pk)
    gr = services.purchase_receipt_post(
        order_id=po.pk, lines=[(ln.pk, D("1")) for ln in po.lines.all()], receipt_date=JAN10
    )
    inv = services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=JAN20,
        lines=[{"receipt_line_id": rl.pk, "qty": D("1"), "unit_price": D("0.333")} for rl in gr.lines.all()],
    )
    inv.refresh_from_db()
    assert (inv.amount, inv.tax_amount, inv.total) == (D("0.99"), D("0.12"), D("1.11"))

    frame = f.item("FRAME", supply_type="outsource")
    oo = services.outsourcing_order_create(
        supplier_id=sup.pk,
        item_id=frame.pk,
        qty=D("3"),
        unit_fee=D("0.333"),
        order_date=JAN5,
        due_date=JAN20,
        materials=[],
    )
    oo.refresh_from_db()
    # one line: round(3 × 0.333 = 0.999) = 1.00, tax round(0.13) = 0.13
    assert (oo.amount, oo.tax_amount, oo.total) == (D("1.00"), D("0.13"), D("1.13"))
    oo = services.outsourcing_order_change(order_id=oo.pk, qty=D("7"))
    assert (oo.amount, oo.tax_amount, oo.total) == (D("2.33"), D("0.30"), D("2.63"))

    client = login("采购")
    rows = _csv_rows(client, reverse("procurement:invoice_list"))
    assert [r["Total incl. tax"] for r in rows] == ["1.11"]
    rows = _csv_rows(client, reverse("procurement:requisition_list"))
    assert [r["Estimated amount"] for r in rows] == ["0.99"]
    rows = _csv_rows(client, reverse("procurement:outsourcing_list"))
    assert [r["Processing fee excl. tax"] for r in rows] == ["2.33"]


@pytest.mark.django_db
def test_the_data_migration_fills_the_totals_of_existing_documents():
    sup = f.supplier("S1")
    items = [f.item(f"P{i}", standard_cost=D("0.333")) for i in range(3)]
    po = services.purchase_order_create(
        supplier_id=sup.pk, order_date=JAN5, lines=[{"item_id": it.pk, **ln} for it, ln in zip(items, THIRDS)]
    )
    req = services.requisition_create(
        request_date=JAN5, lines=[{"item_id": it.pk, "qty": D("1"), "need_date": JAN20} for it in items]
    )
    oo = services.outsourcing_order_create(
        supplier_id=sup.pk, item_id=items[0].pk, qty=D("3"), unit_fee=D("0.333"), order_date=JAN5, due_date=JAN20,
        materials=[],
    )  # fmt: skip
    # as rows written before the migration: nothing stored
    PurchaseOrder.objects.update(amount=0, tax_amount=0, total=0)
    PurchaseOrderLine.objects.update(amount=0, tax_amount=0)
    Requisition.objects.update(amount=0)
    req.lines.update(amount=0, unit_price=0)
    OutsourcingOrder.objects.update(amount=0, tax_amount=0, total=0)

    importlib.import_module("procurement.migrations.0006_stored_totals").fill_totals(django_apps, None)

    po.refresh_from_db()
    req.refresh_from_db()
    oo.refresh_from_db()
    assert (po.amount, po.tax_amount, po.total) == (D("0.99"), D("0.12"), D("1.11"))
    assert req.amount == D("0.99")
    assert (oo.amount, oo.tax_amount, oo.total) == (D("1.00"), D("0.13"), D("1.13"))


# --------------------------------------------------------------------------- open quantity
@pytest.mark.django_db
def test_open_quantity_of_po_lines_is_one_rule_on_pages_selectors_atp_and_mrp(login):
    # given a 10 % over-receipt tolerance and one confirmed order of three lines:
    #   A 100 ordered, 60 received, 10 returned                → 50 open
    #   B  30 ordered, 33 received (within the tolerance)      →  0 open (never −3)
    #   C  20 ordered,  5 received, closed short               →  0 open (never 15)
    CompanySettings.objects.update_or_create(pk=1, defaults={"over_receipt_tolerance_pct": D("10")})
    wh, sup = f.warehouse("WH"), f.supplier("S1")
    a, b, c = f.item("A"), f.item("B"), f.item("C")
    po = services.purchase_order_create(
        supplier_id=sup.pk,
        order_date=JAN5,
        warehouse_id=wh.pk,
        lines=[
            {"item_id": a.pk, "qty": D("100"), "unit_price": D("1"), "due_date": JAN20},
            {"item_id": b.pk, "qty": D("30"), "unit_price": D("1"), "due_date": JAN20},
            {"item_id": c.pk, "qty": D("20"), "unit_price": D("1"), "due_date": JAN20},
        ],
    )
    services.purchase_order_confirm(order_id=po.pk)
    la, lb, lc = po.lines.order_by("line_no")
    gr = services.purchase_receipt_post(
        order_id=po.pk, lines=[(la.pk, D("60")), (lb.pk, D("33")), (lc.pk, D("5"))], receipt_date=JAN10
    )
    services.purchase_return_post(receipt_id=gr.pk, lines=[(gr.lines.get(po_line=la).pk, D("10"))], return_date=JAN10)
    services.purchase_order_line_close(line_id=lc.pk)

    # the MRP read (C's 15 is not coming), the list page and its export (50, not 62)
    plan_input = collect(d0=JAN5, horizon_days=90)
    assert [(r.item_id, r.qty) for r in plan_input["receipts"] if r.kind == "purchase"] == [(a.pk, D("50"))]
    client = login("采购")
    rows = _csv_rows(client, reverse("procurement:po_list"))
    assert [r["Open quantity"] for r in rows] == ["50"]
    # the model property and the QuerySet annotation
    expected = {a.pk: D("50"), b.pk: D("0"), c.pk: D("0")}
    assert {ln.item_id: ln.open_qty for ln in PurchaseOrderLine.objects.all()} == expected
    assert {ln.item_id: ln.open_qty for ln in PurchaseOrderLine.objects.with_open_qty()} == expected
    # the selector of the receiving page, available-to-promise
    assert [(ln.item_id, ln.open_qty) for ln in selectors.open_po_lines()] == [(a.pk, D("50"))]
    assert selectors.po_scheduled_receipts([a.pk, b.pk, c.pk]) == [(a.pk, JAN20, D("50"))]
    # the pages: detail, receiving, receive form
    detail = client.get(reverse("procurement:po_detail", args=[po.pk]))
    assert [ln.open_qty for ln in detail.context["lines"]] == [D("50"), D("0"), D("0")]
    receiving = client.get(reverse("procurement:receiving"))
    assert [(ln.item_id, ln.open_qty) for ln in receiving.context["lines"]] == [(a.pk, D("50"))]
    receive = client.get(reverse("procurement:po_receive", args=[po.pk]))
    assert [(ln.item_id, ln.open_qty) for ln in receive.context["lines"]] == [(a.pk, D("50"))]

    # a cancelled order expects nothing: 0 open everywhere
    po2 = confirmed_po(sup, a, 40, "1", wh=wh, due=JAN20)
    assert selectors.po_scheduled_receipts([a.pk]) == [(a.pk, JAN20, D("90"))]
    services.purchase_order_cancel(order_id=po2.pk)
    assert PurchaseOrderLine.objects.get(order=po2).open_qty == 0
    assert PurchaseOrderLine.objects.with_open_qty().get(order=po2).open_qty == 0
    assert selectors.po_scheduled_receipts([a.pk]) == [(a.pk, JAN20, D("50"))]


@pytest.mark.django_db
def test_open_quantity_of_outsourcing_orders_is_one_rule(login):
    # order 100 received 40 → 60 open; order 30 received 10, then closed → 0 open
    sup, wh = f.supplier("SUB1"), f.warehouse("FG")
    frame = f.item("FRAME", supply_type="outsource")
    open_order, closed_order = (
        services.outsourcing_order_confirm(
            order_id=services.outsourcing_order_create(
                supplier_id=sup.pk,
                item_id=frame.pk,
                qty=D(qty),
                unit_fee=D("1"),
                order_date=JAN5,
                due_date=JAN20,
                warehouse_id=wh.pk,
                materials=[],
            ).pk  # fmt: skip
        )
        for qty in ("100", "30")
    )
    services.outsourcing_receipt_post(order_id=open_order.pk, qty=D("40"), receipt_date=JAN10)
    services.outsourcing_receipt_post(order_id=closed_order.pk, qty=D("10"), receipt_date=JAN10)
    services.outsourcing_order_close(order_id=closed_order.pk)

    expected = {open_order.pk: D("60"), closed_order.pk: D("0")}
    assert {o.pk: o.open_qty for o in OutsourcingOrder.objects.all()} == expected
    assert {o.pk: o.open_qty for o in OutsourcingOrder.objects.with_open_qty()} == expected
    assert list(OutsourcingOrder.objects.open().values_list("pk", "open_qty")) == [(open_order.pk, D("60"))]
    assert selectors.po_scheduled_receipts([frame.pk]) == [(frame.pk, JAN20, D("60"))]
    plan_input = collect(d0=JAN5, horizon_days=90)
    assert [(r.ref, r.qty) for r in plan_input["receipts"] if r.kind == "outsource"] == [(open_order.number, D("60"))]
    page = login("采购").get(reverse("procurement:outsourcing_detail", args=[open_order.pk]))
    assert page.context["order"].open_qty == D("60")
    assert page.context["receive_form"].initial["qty"] == "60"


# --------------------------------------------------------------------------- locks
def _two_lines_received(n: int):
    """A receipt of 10 + 10 (two items at 1.00) of a fresh supplier: (supplier, [line1, line2])."""
    wh, sup = f.warehouse("WH"), f.supplier(f"S{n}")
    x, y = f.item(f"X{n}"), f.item(f"Y{n}")
    po = services.purchase_order_create(
        supplier_id=sup.pk,
        order_date=JAN5,
        warehouse_id=wh.pk,
        lines=[{"item_id": it.pk, "qty": D("10"), "unit_price": D("1")} for it in (x, y)],
    )
    services.purchase_order_confirm(order_id=po.pk)
    gr = services.purchase_receipt_post(
        order_id=po.pk, lines=[(ln.pk, D("10")) for ln in po.lines.all()], receipt_date=JAN10
    )
    return sup, list(gr.lines.order_by("pk"))


def _invoice(sup, lines, qty, price="1.10"):
    return services.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=JAN20,
        lines=[{"receipt_line_id": rl.pk, "qty": D(qty), "unit_price": D(price)} for rl in lines],
    )


def _confirm_concurrently(invoice_ids) -> dict[int, str]:
    barrier = threading.Barrier(len(invoice_ids))
    results = {}

    def run(pk):
        try:
            barrier.wait()
            services.supplier_invoice_confirm(invoice_id=pk)
            results[pk] = "ok"
        except DomainError as exc:
            results[pk] = exc.code
        except Exception as exc:  # a deadlock reaches here as OperationalError
            results[pk] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pk,)) for pk in invoice_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_invoices_over_the_same_receipt_lines_in_opposite_order_never_deadlock():
    for n in range(4):
        # given a receipt of 10 + 10; invoice 1 matches lines (1, 2), invoice 2 (2, 1), 5 each
        sup, (l1, l2) = _two_lines_received(n)
        first, second = _invoice(sup, [l1, l2], "5"), _invoice(sup, [l2, l1], "5")
        # when both are confirmed at the same moment
        results = _confirm_concurrently([first.pk, second.pk])
        # then both are posted: every receipt line fully invoiced, 11.00 each, accrual cleared
        assert results == {first.pk: "ok", second.pk: "ok"}, f"round {n}"
        for rl in PurchaseReceiptLine.objects.filter(pk__in=[l1.pk, l2.pk]):
            assert (rl.invoiced_qty, rl.invoiced_value) == (D("10"), D("11.00"))
            assert rl.po_line.invoiced_qty == D("10")
        assert sum(e.amount for e in AccrualEntry.objects.filter(supplier=sup)) == D("0.00")


@pytest.mark.django_db(transaction=True)
def test_two_invoices_over_invoicing_in_opposite_order_one_is_refused_with_a_message():
    for n in range(3):
        # given invoices of 6 + 6 over receipt lines of 10 + 10, in opposite line order
        sup, (l1, l2) = _two_lines_received(n)
        first, second = _invoice(sup, [l1, l2], "6"), _invoice(sup, [l2, l1], "6")
        results = _confirm_concurrently([first.pk, second.pk])
        # then exactly one is posted, the other refused as over-invoicing and still a draft
        assert sorted(results.values()) == ["ok", "over_invoice"], f"round {n}"
        refused = first if results[first.pk] == "over_invoice" else second
        assert SupplierInvoice.objects.get(pk=refused.pk).status == "draft"
        assert sorted(
            PurchaseReceiptLine.objects.filter(pk__in=[l1.pk, l2.pk]).values_list("invoiced_qty", flat=True)
        ) == [
            D("6"),
            D("6"),
        ]
        with pytest.raises(DomainError, match=r"invoicing 6 but only 4 are received and not yet invoiced"):
            services.supplier_invoice_confirm(invoice_id=refused.pk)


# --------------------------------------------------------------------------- query counts
def _order_of(n: int, wh, sup):
    items = [f.item(f"Q{i:02d}") for i in range(n)]
    po = services.purchase_order_create(
        supplier_id=sup.pk,
        order_date=JAN5,
        warehouse_id=wh.pk,
        lines=[{"item_id": it.pk, "qty": D("10"), "unit_price": D("1.5")} for it in items],
    )
    return services.purchase_order_confirm(order_id=po.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 40])
def test_receipt_post_queries_do_not_grow_with_lines(n, django_assert_max_num_queries):
    wh, sup = f.warehouse("WH"), f.supplier("S1")
    po = _order_of(n, wh, sup)
    lines = [(ln.pk, D("10")) for ln in po.lines.all()]
    # with its voucher (ledger) and planning change: a fixed number, whatever the lines
    with django_assert_max_num_queries(62):
        gr = services.purchase_receipt_post(order_id=po.pk, lines=lines, receipt_date=JAN10)
    assert gr.lines.count() == n
    assert AccrualEntry.objects.count() == n


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 40])
def test_invoice_confirm_queries_do_not_grow_with_lines(n, django_assert_max_num_queries):
    wh, sup = f.warehouse("WH"), f.supplier("S1")
    po = _order_of(n, wh, sup)
    gr = services.purchase_receipt_post(
        order_id=po.pk, lines=[(ln.pk, D("10")) for ln in po.lines.all()], receipt_date=JAN10
    )
    inv = _invoice(sup, list(gr.lines.all()), "10", price="1.6")
    with django_assert_max_num_queries(56):
        services.supplier_invoice_confirm(invoice_id=inv.pk)
    # each line: accrued 15.00 reversed, +1.00 price difference to stock (same period)
    inv.refresh_from_db()
    assert inv.status == "confirmed"
    assert sum(e.amount for e in AccrualEntry.objects.all()) == D("0.00")
    assert [ln.difference for ln in inv.lines.all()] == [D("1.00")] * n


# --------------------------------------------------------------------------- transitions
@pytest.mark.django_db
def test_requisition_status_moves_only_through_its_table():
    # the table holds exactly the legal moves, the reopening of a closed requisition included
    assert REQUISITION_FLOW.transitions == {
        RequisitionStatus.DRAFT: {RequisitionStatus.APPROVED, RequisitionStatus.CANCELLED},
        RequisitionStatus.APPROVED: {RequisitionStatus.CLOSED, RequisitionStatus.CANCELLED},
        RequisitionStatus.CLOSED: {RequisitionStatus.APPROVED},
    }
    a = f.item("A", default_supplier=f.supplier("S1"))
    req = services.requisition_create(request_date=JAN5, lines=[{"item_id": a.pk, "qty": D("10"), "need_date": JAN20}])
    # a draft cannot be closed; nothing changes
    before = snapshot()
    with pytest.raises(StateError, match="cannot change to Closed"):
        services.requisition_close(requisition_id=req.pk)
    req.refresh_from_db()
    assert req.status == RequisitionStatus.DRAFT and snapshot() == before
    # approved, fully ordered → closed; the order cancelled → open again (closed → approved)
    services.requisition_approve(requisition_id=req.pk)
    (po,) = services.requisition_lines_to_orders(line_ids=[req.lines.get().pk], order_date=JAN5)
    req.refresh_from_db()
    assert req.status == RequisitionStatus.CLOSED
    services.purchase_order_cancel(order_id=po.pk)
    req.refresh_from_db()
    assert (req.status, req.lines.get().ordered_qty) == (RequisitionStatus.APPROVED, D("0"))
    assert PurchaseOrder.objects.get(pk=po.pk).status == OrderStatus.CANCELLED
    # closed by hand: approving it again does not reopen it; a cancelled one cannot be approved
    services.requisition_close(requisition_id=req.pk)
    with pytest.raises(StateError, match="only draft requisitions are approved"):
        services.requisition_approve(requisition_id=req.pk)
    req.refresh_from_db()
    assert req.status == RequisitionStatus.CLOSED
    other = services.requisition_create(request_date=JAN5, lines=[{"item_id": a.pk, "qty": D("1"), "need_date": JAN20}])
    services.requisition_cancel(requisition_id=other.pk)
    with pytest.raises(StateError):
        services.requisition_approve(requisition_id=other.pk)
    with pytest.raises(StateError, match="cannot change to"):
        services.requisition_close(requisition_id=other.pk)
    assert Requisition.objects.get(pk=other.pk).status == RequisitionStatus.CANCELLED
