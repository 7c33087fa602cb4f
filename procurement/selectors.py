"""Reads for the purchasing and outsourcing pages and reports (bulk queries, no per-row queries)."""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Min, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from erp.fields import ZERO

from .models import (
    PO_LINE_OPEN_QTY,
    QTY,
    AccrualEntry,
    InvoiceKind,
    OutsourcingMaterial,
    OutsourcingOrder,
    OutsourcingReceipt,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    Requisition,
    SupplierInvoice,
    SupplierPrice,
)
from .states import InvoiceStatus, OrderStatus, PostedStatus

MONEY = DecimalField(max_digits=18, decimal_places=2)


def requisition_with_lines(pk: int) -> Requisition:
    return Requisition.objects.prefetch_related(
        "lines__item", "lines__supplier", "lines__po_lines__order", "lines__sources"
    ).get(pk=pk)


def requisition_list():
    return Requisition.objects.annotate(line_count=Count("lines")).order_by("-number")


def purchase_order_list():
    """The purchase order list: stored totals, open quantity by the one rule (PO_LINE_OPEN_QTY)
    summed per order in a subquery, so it is worked out for the orders of the page only (not
    for every order joined to its lines before the sort: 12 ms → 1 ms on the load-test data)."""
    open_qty = (
        PurchaseOrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(s=Sum(PO_LINE_OPEN_QTY))
        .values("s")
    )
    return (
        PurchaseOrder.objects.select_related("supplier")
        .annotate(open_qty=Coalesce(Subquery(open_qty), Value(ZERO), output_field=QTY))
        .order_by("-number")
    )


def receipt_list():
    """The receipts with their value, summed in a subquery for the rows of the page only."""
    value = (
        PurchaseReceiptLine.objects.filter(receipt=OuterRef("pk"))
        .order_by()
        .values("receipt")
        .annotate(s=Sum("value"))
        .values("s")
    )
    return (
        PurchaseReceipt.objects.select_related("supplier", "order", "warehouse")
        .annotate(value=Coalesce(Subquery(value), ZERO, output_field=MONEY))
        .order_by("-number")
    )


def receipt_with_lines(pk: int) -> PurchaseReceipt:
    return (
        PurchaseReceipt.objects.select_related("supplier", "order", "warehouse")
        .prefetch_related("lines__item__uom", "returns", "lines__invoice_lines__invoice")
        .get(pk=pk)
    )


def invoice_list(kind: str | None = None):
    qs = SupplierInvoice.objects.select_related("supplier").order_by("-number")
    return qs.filter(kind=kind) if kind else qs


def price_list():
    return SupplierPrice.objects.select_related("supplier", "item").order_by("item__code", "supplier__code")


def outsourcing_list():
    return OutsourcingOrder.objects.select_related("supplier", "item").order_by("-number")


def order_with_lines(pk: int) -> PurchaseOrder:
    """The order with its lines (their items and units joined), requisitions and receipts;
    Http404 when there is none."""
    return get_object_or_404(
        PurchaseOrder.objects.select_related("supplier", "warehouse").prefetch_related(
            Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("item__uom")),
            "lines__requisition_line__requisition",
            "receipts",
        ),
        pk=pk,
    )


def lines_to_receive(po: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The lines of `po` (from order_with_lines) with an open quantity."""
    return [ln for ln in po.lines.all() if ln.open_qty > 0]


def open_po_lines():
    """Lines of confirmed orders with something left to receive, annotated with `open_qty`."""
    return PurchaseOrderLine.objects.open()


def receiving_lines(limit: int = 300):
    """收货: the open PO lines, earliest due first."""
    return open_po_lines().select_related("order__supplier", "item__uom").order_by("due_date", "pk")[:limit]


def uninvoiced_receipt_lines(supplier_id: int | None = None):
    qs = (
        PurchaseReceiptLine.objects.filter(receipt__status=PostedStatus.DONE)
        .annotate(open=F("qty") - F("returned_qty") - F("invoiced_qty"))
        .filter(open__gt=0)
        .select_related("receipt__supplier", "item", "po_line__order")
        .order_by("receipt__receipt_date", "pk")
    )
    if supplier_id:
        qs = qs.filter(receipt__supplier_id=supplier_id)
    return qs


def uninvoiced_outsourcing_receipts(supplier_id: int | None = None):
    qs = (
        OutsourcingReceipt.objects.filter(status=PostedStatus.DONE)
        .annotate(open=F("qty") - F("invoiced_qty"))
        .filter(open__gt=0)
        .select_related("item", "order")
        .order_by("receipt_date", "pk")
    )
    if supplier_id:
        qs = qs.filter(supplier_id=supplier_id)
    return qs


@dataclass
class InvoiceCandidate:
    """A received line a supplier invoice can be matched to (钩稽): a purchase receipt line or,
    for fee invoices, an outsourcing receipt; `open` = received, not returned, not invoiced."""

    id: int
    doc: str
    date: datetime.date
    item: object
    open: Decimal
    price: Decimal
    order: str


def invoice_candidates(*, supplier_id: int, kind: str) -> list[InvoiceCandidate]:
    if kind == InvoiceKind.PURCHASE:
        return [
            InvoiceCandidate(
                ln.pk,
                f"{ln.receipt.number}/{ln.line_no}",
                ln.receipt.receipt_date,
                ln.item,
                ln.open,
                ln.unit_price,
                ln.po_line.order.number,
            )
            for ln in uninvoiced_receipt_lines(supplier_id)
        ]
    return [
        InvoiceCandidate(rc.pk, rc.number, rc.receipt_date, rc.item, rc.open, rc.unit_fee, rc.order.number)
        for rc in uninvoiced_outsourcing_receipts(supplier_id)
    ]


def invoice_with_lines(pk: int) -> SupplierInvoice:
    return (
        SupplierInvoice.objects.select_related("supplier")
        .prefetch_related("lines__item", "lines__receipt_line__receipt", "lines__outsourcing_receipt")
        .get(pk=pk)
    )


def outsourcing_order_detail(pk: int) -> OutsourcingOrder:
    """One outsourcing order with its materials (still needed: OutsourcingMaterial.still_needed_qty)."""
    return (
        OutsourcingOrder.objects.select_related("supplier", "item__uom", "bom", "warehouse")
        .prefetch_related("materials__component__uom", "issues", "receipts")
        .get(pk=pk)
    )


# --- 期末暂估余额表 ---------------------------------------------------------------------------


@dataclass
class AccrualRow:
    supplier: str
    item: str
    source_number: str
    opening: Decimal = ZERO
    accrued: Decimal = ZERO
    reversed: Decimal = ZERO
    closing: Decimal = ZERO


def period_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def accrual_balance_report(*, year: int, month: int) -> tuple[list[AccrualRow], AccrualRow]:
    """Per accrued line: opening (before the period), accrued (+) and reversed (−, shown positive)
    in the period, closing. Rows with nothing in any column are left out."""
    start, end = period_bounds(year, month)
    qs = (
        AccrualEntry.objects.filter(entry_date__lte=end)
        .values(
            "source_type", "source_id", "source_number", "supplier__code", "supplier__name", "item__code", "item__name"
        )
        .annotate(
            opening=Sum("amount", filter=Q(entry_date__lt=start)),
            accrued=Sum("amount", filter=Q(entry_date__gte=start, amount__gt=0)),
            reversed=Sum("amount", filter=Q(entry_date__gte=start, amount__lt=0)),
        )
        .order_by("supplier__code", "source_number")
    )
    rows = []
    total = AccrualRow(supplier="", item="", source_number="")
    for r in qs:
        row = AccrualRow(
            supplier=f"{r['supplier__code']} {r['supplier__name']}",
            item=f"{r['item__code']} {r['item__name']}",
            source_number=r["source_number"],
            opening=r["opening"] or ZERO,
            accrued=r["accrued"] or ZERO,
            reversed=-(r["reversed"] or ZERO),
        )
        row.closing = row.opening + row.accrued - row.reversed
        if not any((row.opening, row.accrued, row.reversed, row.closing)):
            continue
        rows.append(row)
        for f in ("opening", "accrued", "reversed", "closing"):
            setattr(total, f, getattr(total, f) + getattr(row, f))
    return rows, total


# --- 委外加工原材料剩余情况 -------------------------------------------------------------------


@dataclass
class MaterialRow:
    supplier: str
    order_number: str
    order_id: int
    item: str
    component: str
    required: Decimal
    issued: Decimal
    supplement: Decimal
    returned: Decimal
    consumed: Decimal
    scrapped: Decimal
    remaining: Decimal
    still_to_issue: Decimal
    still_needed: Decimal
    surplus: Decimal
    over_consumption: Decimal


def outsourcing_material_report(*, supplier_id: int | None = None, open_only: bool = False) -> list[MaterialRow]:
    """Per supplier, order and component: issued, supplement, returned, consumed, scrapped,
    remaining (= issued + supplement − returned − consumed − scrapped), still to issue
    (required − net issued), still needed for the open quantity, surplus (remaining − still needed)
    and over-consumption (consumed + scrapped − theoretical for the received quantity)."""
    qs = OutsourcingMaterial.objects.select_related("order__supplier", "order__item", "component").order_by(
        "order__supplier__code", "order__number", "line_no"
    )
    if supplier_id:
        qs = qs.filter(order__supplier_id=supplier_id)
    qs = qs.filter(order__status=OrderStatus.CONFIRMED) if open_only else qs.exclude(order__status=OrderStatus.DRAFT)
    rows = []
    for m in qs:
        o = m.order
        open_qty = o.open_qty
        still_needed = m.still_needed_qty
        theoretical = m.required_qty * min(o.received_qty, o.qty) / o.qty if o.qty else ZERO
        remaining = m.remaining_qty
        rows.append(
            MaterialRow(
                supplier=str(o.supplier),
                order_number=o.number,
                order_id=o.pk,
                item=str(o.item),
                component=str(m.component),
                required=m.required_qty,
                issued=m.issued_qty,
                supplement=m.supplement_qty,
                returned=m.returned_qty,
                consumed=m.consumed_qty,
                scrapped=m.scrapped_qty,
                remaining=remaining,
                still_to_issue=max(m.required_qty - m.net_issued_qty, ZERO) if open_qty else ZERO,
                still_needed=still_needed,
                surplus=remaining - still_needed,
                over_consumption=max(m.consumed_qty + m.scrapped_qty - theoretical, ZERO),
            )
        )
    return rows


# --- payables ageing -------------------------------------------------------------------------

AGEING_BUCKETS = [(0, "not_due"), (30, "1-30"), (60, "31-60"), (90, "61-90"), (None, "90+")]


@dataclass
class AgeingRow:
    supplier: str
    supplier_id: int
    buckets: dict = field(default_factory=dict)
    total: Decimal = ZERO


def payables_ageing(*, as_of: datetime.date | None = None) -> tuple[list[AgeingRow], dict]:
    """Open amounts of posted invoices per supplier by days past the payment due date."""
    as_of = as_of or timezone.localdate()
    keys = [k for _d, k in AGEING_BUCKETS]
    rows: dict[int, AgeingRow] = {}
    totals = dict.fromkeys(keys, ZERO)
    totals["total"] = ZERO
    qs = (
        SupplierInvoice.objects.filter(status=InvoiceStatus.CONFIRMED, invoice_date__lte=as_of)
        .select_related("supplier")
        .order_by("supplier__code")
    )
    for inv in qs:
        open_amount = inv.open_amount
        if open_amount == 0:
            continue
        row = rows.get(inv.supplier_id)
        if row is None:
            row = rows[inv.supplier_id] = AgeingRow(str(inv.supplier), inv.supplier_id, dict.fromkeys(keys, ZERO))
        days = (as_of - inv.due_date).days
        key = "90+"
        for limit, k in AGEING_BUCKETS:
            if limit is not None and days <= limit:
                key = k
                break
        row.buckets[key] += open_amount
        row.total += open_amount
        totals[key] += open_amount
        totals["total"] += open_amount
    return list(rows.values()), totals


# --- supplier performance --------------------------------------------------------------------


@dataclass
class PerformanceRow:
    supplier: str
    supplier_id: int
    lines: int = 0
    on_time: int = 0
    ordered: Decimal = ZERO
    received: Decimal = ZERO

    @property
    def on_time_pct(self) -> Decimal:
        return (Decimal(self.on_time) * 100 / self.lines).quantize(Decimal("0.1")) if self.lines else ZERO

    @property
    def accuracy_pct(self) -> Decimal:
        """Quantity accuracy: 100 − |received − ordered| / ordered, over lines received in full or closed."""
        if not self.ordered:
            return ZERO
        return max(ZERO, (100 - abs(self.received - self.ordered) * 100 / self.ordered)).quantize(Decimal("0.1"))


def supplier_performance(*, date_from: datetime.date | None = None, date_to: datetime.date | None = None):
    """Per supplier over PO lines with receipts: a line is on time when its first receipt is on or
    before the due date (the promised date); quantity accuracy compares net received with ordered
    on lines that are finished (closed, or received at least in full)."""
    lines = PurchaseOrderLine.objects.filter(received_qty__gt=0).exclude(order__status=OrderStatus.CANCELLED)
    if date_from:
        lines = lines.filter(due_date__gte=date_from)
    if date_to:
        lines = lines.filter(due_date__lte=date_to)

    data = lines.values(
        "pk",
        "order__supplier_id",
        "order__supplier__code",
        "order__supplier__name",
        "qty",
        "received_qty",
        "returned_qty",
        "closed",
        "due_date",
    ).annotate(first=Min("receipt_lines__receipt__receipt_date"))
    out: dict[int, PerformanceRow] = {}
    for r in data:
        sid = r["order__supplier_id"]
        row = out.get(sid)
        if row is None:
            row = out[sid] = PerformanceRow(f"{r['order__supplier__code']} {r['order__supplier__name']}", sid)
        row.lines += 1
        if r["first"] and r["first"] <= r["due_date"]:
            row.on_time += 1
        net = r["received_qty"] - r["returned_qty"]
        if r["closed"] or net >= r["qty"]:
            row.ordered += r["qty"]
            row.received += net
    return sorted(out.values(), key=lambda x: x.supplier)


# --- other apps' registries ------------------------------------------------------------------


def po_scheduled_receipts(item_ids) -> list[tuple[int, datetime.date, Decimal]]:
    """crm.atp supply provider: open quantity of confirmed PO lines by due date."""
    rows = defaultdict(lambda: ZERO)
    item_ids = list(item_ids)
    for r in open_po_lines().filter(item_id__in=item_ids).values("item_id", "due_date", "open_qty"):
        rows[(r["item_id"], r["due_date"])] += r["open_qty"]
    for r in OutsourcingOrder.objects.open().filter(item_id__in=item_ids).values("item_id", "due_date", "open_qty"):
        rows[(r["item_id"], r["due_date"])] += r["open_qty"]
    return [(i, d, q) for (i, d), q in sorted(rows.items())]


def outsourcing_progress(line_ids):
    """crm.progress provider: one row per outsourcing order linked to the sales-order lines
    (crm.progress counts the orders of the line's own item as finished goods; an order for a
    component adds its link and warning only)."""
    from django.urls import reverse

    from crm.progress import LinkedOrder
    from erp.models import CompanySettings

    today = timezone.localdate()
    soon = today + datetime.timedelta(days=CompanySettings.get().due_soon_days)
    rows = []
    qs = OutsourcingOrder.objects.filter(sales_order_line_id__in=list(line_ids)).exclude(status=OrderStatus.CANCELLED)
    fields = (
        "pk",
        "number",
        "item_id",
        "qty",
        "received_qty",
        "due_date",
        "start_date",
        "status",
        "sales_order_line_id",
    )
    for o in qs.only(*fields).order_by("number"):
        warning = ""
        if o.status == OrderStatus.CONFIRMED and o.open_qty > 0:
            if o.due_date < today:
                warning = "overdue"
            elif o.due_date <= soon:
                warning = "due_soon"
        elif o.status == OrderStatus.DRAFT and o.start_date < today:
            warning = "late_start"
        rows.append(
            LinkedOrder(
                line_id=o.sales_order_line_id,
                item_id=o.item_id,
                qty=o.qty,
                received=o.received_qty,
                to_come=o.open_qty,  # ordered − received; nothing once closed
                warning=warning,
                label=o.number,
                url=reverse("procurement:outsourcing_detail", args=[o.pk]),
            )
        )
    return rows


def open_demand_by_item(item_ids) -> dict:
    """Material still to send to subcontractors for confirmed outsourcing orders, per component
    (inventory's dead-stock hint)."""
    from django.db.models import F, Sum, Value
    from django.db.models.functions import Greatest

    from erp.fields import ZERO

    from .models import QTY, OutsourcingMaterial

    rows = (
        OutsourcingMaterial.objects.of_confirmed_orders()
        .filter(component_id__in=list(item_ids))
        .with_net_issued()
        .annotate(left=Greatest(F("required_qty") - F("net_issued_qty"), Value(ZERO), output_field=QTY))
        .filter(left__gt=0)
        .values("component_id")
        .annotate(q=Sum("left"))
    )
    return {r["component_id"]: r["q"] for r in rows}
