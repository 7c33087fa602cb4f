"""采购发票 / 委外加工费发票: matched to receipt lines (钩稽); price difference and cross-period
adjustment by the company's accrual mode (domain §4, docs/procurement.md)."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, round_money, to_decimal
from erp.locks import lock_row, lock_rows
from erp.models import CompanySettings
from erp.numbering import next_number
from erp.periods import assert_open
from erp.postings import announce
from erp.types import User
from inventory.models import Supplier

from ..models import (
    AccrualReason,
    InvoiceKind,
    OutsourcingReceipt,
    PurchaseOrderLine,
    PurchaseReceiptLine,
    PurchaseReturnLine,
    SupplierInvoice,
    SupplierInvoiceLine,
    line_amounts,
)
from ..states import INVOICE_FLOW, InvoiceStatus, PostedStatus
from . import accruals
from .common import non_negative, positive_qty
from .receipts import receipts_resolve_invoiced


def _user(user: User | None) -> User | None:
    return user if getattr(user, "pk", None) else None


@transaction.atomic
def supplier_invoice_create(
    *,
    supplier_id: int,
    invoice_date: datetime.date,
    lines: list[dict],
    kind: str = InvoiceKind.PURCHASE,
    supplier_invoice_no: str = "",
    user: User | None = None,
    note: str = "",
) -> SupplierInvoice:
    """A draft invoice. lines: receipt_line_id (purchase) or outsourcing_receipt_id (fee), qty,
    unit_price (excl. tax), optional tax_rate (default: the order line's)."""
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None:
        raise ValidationError(_("Unknown supplier."), code="unknown_supplier")
    if not lines:
        raise ValidationError(_("An invoice needs at least one line."), code="no_lines")
    inv = SupplierInvoice.objects.create(
        number=next_number("PI", on_date=invoice_date),
        supplier=supplier,
        kind=kind,
        invoice_date=invoice_date,
        due_date=invoice_date + datetime.timedelta(days=supplier.payment_terms_days),
        supplier_invoice_no=supplier_invoice_no,
        note=note,
        created_by=_user(user),
    )
    gr = PurchaseReceiptLine.objects.select_related("receipt", "po_line").in_bulk(
        [ln["receipt_line_id"] for ln in lines if ln.get("receipt_line_id")]
    )
    orc = OutsourcingReceipt.objects.select_related("order").in_bulk(
        [ln["outsourcing_receipt_id"] for ln in lines if ln.get("outsourcing_receipt_id")]
    )
    objs = []
    ref: dict[str, PurchaseReceiptLine | OutsourcingReceipt]
    for i, ln in enumerate(lines, start=1):
        qty = positive_qty(ln["qty"], label=_("Invoiced quantity"))
        price = non_negative(ln["unit_price"], label=_("Unit price"))
        if kind == InvoiceKind.PURCHASE:
            rl = gr.get(ln.get("receipt_line_id"))
            if rl is None or rl.receipt.supplier_id != supplier.pk:
                raise ValidationError(_("Match purchase receipt lines of this supplier."), code="bad_match")
            item_id, tax = rl.item_id, rl.po_line.tax_rate
            ref = {"receipt_line": rl}
        else:
            rc = orc.get(ln.get("outsourcing_receipt_id"))
            if rc is None or rc.supplier_id != supplier.pk:
                raise ValidationError(_("Match outsourcing receipts of this supplier."), code="bad_match")
            item_id, tax = rc.item_id, rc.order.tax_rate
            ref = {"outsourcing_receipt": rc}
        tax = to_decimal(ln["tax_rate"]) if ln.get("tax_rate") not in (None, "") else tax
        amount, tax_amount = line_amounts(qty, price, tax)
        if not amount and qty * price:
            raise ValidationError(
                _("Line %(line)s: %(qty)s × %(price)s rounds to an amount of 0.00; check the quantity and price.")
                % {"line": i, "qty": fmt_decimal(qty, 6), "price": fmt_decimal(price, 6)},
                code="rounds_to_zero",
            )
        objs.append(
            SupplierInvoiceLine(
                invoice=inv,
                line_no=i * 10,
                item_id=item_id,
                qty=qty,
                unit_price=price,
                amount=amount,
                tax_rate=tax,
                tax_amount=tax_amount,
                **ref,
            )
        )
    SupplierInvoiceLine.objects.bulk_create(objs)
    inv.set_totals(objs)
    _refuse_zero_total(inv)
    inv.save(update_fields=["amount", "tax_amount", "total"])
    return inv


def _refuse_zero_total(inv: SupplierInvoice) -> None:
    """An invoice whose total is 0.00 is a typing or rounding mistake: refused."""
    if not inv.amount + inv.tax_amount:
        raise ValidationError(
            _("The invoice total is 0.00: enter the invoiced quantities and prices."), code="zero_total"
        )


def _matched_accruals(field: str, ids) -> dict[int, Decimal]:
    """Accrual value already matched by earlier posted invoices, per receipt line / receipt."""
    if not ids:
        return {}
    rows = (
        SupplierInvoiceLine.objects.filter(invoice__status=InvoiceStatus.CONFIRMED, **{f"{field}__in": list(ids)})
        .values(field)
        .annotate(s=Sum("accrued_value"))
        .order_by()
    )
    return {r[field]: r["s"] or ZERO for r in rows}


@transaction.atomic
def supplier_invoice_confirm(*, invoice_id: int, user: User | None = None) -> SupplierInvoice:
    """审核 = match: for each line, the accrual of the invoiced quantity is reversed and the
    difference to the invoice amount posted (same period: corrects the receipt value; later
    period: by CompanySettings.accrual_mode). Over-invoicing is refused, nothing changed.

    Every matched row is locked at once, each table in primary-key order (erp.locks): the
    invoice, the receipt lines, their PO lines, the outsourcing receipts, then (in the ledger)
    the stock balances. Two invoices over the same receipt lines in any line order therefore
    wait for each other instead of deadlocking. Reads and writes are in bulk: the number of
    queries does not grow with the lines."""
    inv = lock_row(SupplierInvoice, invoice_id)
    if inv.status == InvoiceStatus.CONFIRMED:
        return inv
    INVOICE_FLOW.check(inv, InvoiceStatus.CONFIRMED)
    _refuse_zero_total(inv)
    assert_open(inv.invoice_date)
    lines = list(inv.lines.order_by("pk"))
    gr_ids = {ln.receipt_line_id for ln in lines if ln.receipt_line_id}
    # not matched to a receipt line: matched to an outsourcing receipt (a check constraint)
    or_ids = {ln.outsourcing_receipt_id for ln in lines if not ln.receipt_line_id and ln.outsourcing_receipt_id}
    gr_lines = lock_rows(PurchaseReceiptLine.objects.select_related("receipt"), gr_ids, of=("self",)) if gr_ids else {}
    po_lines = lock_rows(PurchaseOrderLine.objects.all(), {r.po_line_id for r in gr_lines.values()}) if gr_ids else {}
    or_docs = lock_rows(OutsourcingReceipt.objects.all(), or_ids) if or_ids else {}
    mode = CompanySettings.get().accrual_mode
    if mode == "next_period":
        accruals.accruals_period_start(on_date=inv.invoice_date, user=user)

    returned: dict[int, Decimal] = {}
    if gr_ids:
        for r in (
            PurchaseReturnLine.objects.filter(receipt_line_id__in=gr_ids)
            .values("receipt_line_id")
            .annotate(s=Sum("value"))
            .order_by()
        ):
            returned[r["receipt_line_id"]] = r["s"] or ZERO
    matched = {(accruals.GR_LINE, k): v for k, v in _matched_accruals("receipt_line_id", gr_ids).items()}
    matched |= {(accruals.OR_RECEIPT, k): v for k, v in _matched_accruals("outsourcing_receipt_id", or_ids).items()}
    balances = accruals.accrual_balances(
        [(accruals.GR_LINE, i) for i in gr_ids] + [(accruals.OR_RECEIPT, i) for i in or_ids]
    )

    entries: list[accruals.AccrualSpec] = []
    adjustments: list[accruals.AdjustmentSpec] = []
    doc: PurchaseReceiptLine | OutsourcingReceipt
    for ln in lines:
        if ln.receipt_line_id:
            key = (accruals.GR_LINE, ln.receipt_line_id)
            doc = gr_lines[ln.receipt_line_id]
            if doc.receipt.status != PostedStatus.DONE:
                raise StateError(_("The receipt was cancelled."), code="cancelled")
            src = accruals.receipt_line_source(doc)
            unit, left_value = doc.unit_price, doc.value - returned.get(doc.pk, ZERO)
        else:
            or_id = ln.outsourcing_receipt_id
            assert or_id is not None  # check constraint: every line is matched to a receipt
            key = (accruals.OR_RECEIPT, or_id)
            doc = or_docs[or_id]
            src = accruals.outsourcing_receipt_source(doc)
            unit, left_value = doc.unit_fee, doc.fee_value
        open_qty = doc.uninvoiced_qty
        if ln.qty > open_qty:
            raise ValidationError(
                _("%(doc)s: invoicing %(qty)s but only %(open)s are received and not yet invoiced.")
                % {"doc": src.number, "qty": fmt_decimal(ln.qty), "open": fmt_decimal(open_qty)},
                code="over_invoice",
            )
        # the last invoice of a line takes exactly what is left, so cents never drift
        accrued = left_value - matched.get(key, ZERO) if ln.qty == open_qty else round_money(ln.qty * unit)
        still = min(max(balances[key], ZERO), accrued)
        components = accruals.invoice_components(
            mode=mode,
            same_period=accruals._same_period(src.received_date, inv.invoice_date),
            accrued=accrued,
            still_accrued=still,
            invoiced=ln.amount,
        )
        if still:
            entries.append(
                accruals.AccrualSpec(src, inv.invoice_date, -ln.qty, -still, AccrualReason.INVOICE, inv.number)
            )
            balances[key] -= still
        adjustments.append(accruals.AdjustmentSpec(src, components, ln.qty, ln.pk))
        matched[key] = matched.get(key, ZERO) + accrued
        ln.accrued_value = accrued
        ln.difference = ln.amount - accrued
        doc.invoiced_qty += ln.qty
        doc.invoiced_value += ln.amount
        if isinstance(doc, PurchaseReceiptLine):
            po_lines[doc.po_line_id].invoiced_qty += ln.qty

    accruals.accrual_add_many(entries)
    accruals.post_adjustments_many(
        adjustments,
        on_date=inv.invoice_date,
        stock_source_type="procurement.supplierinvoice",
        stock_source_id=inv.pk,
        document_number=inv.number,
        user=user,
    )
    SupplierInvoiceLine.objects.bulk_update(lines, ["accrued_value", "difference"])
    if gr_lines:
        PurchaseReceiptLine.objects.bulk_update(list(gr_lines.values()), ["invoiced_qty", "invoiced_value"])
        PurchaseOrderLine.objects.bulk_update(list(po_lines.values()), ["invoiced_qty"])
    if or_docs:
        bulk_update_with_history(
            list(or_docs.values()), OutsourcingReceipt, ["invoiced_qty", "invoiced_value"], default_user=_user(user)
        )
    INVOICE_FLOW.apply(inv, InvoiceStatus.CONFIRMED)
    inv.confirmed_at = timezone.now()
    inv.confirmed_by = _user(user)
    inv.save()
    announce("procurement.supplierinvoice", inv.pk, number=inv.number, on_date=inv.invoice_date, user=user)
    receipts_resolve_invoiced({doc.receipt_id for doc in gr_lines.values()})
    return inv


@transaction.atomic
def supplier_invoice_cancel(*, invoice_id: int, user: User | None = None) -> SupplierInvoice:
    """Only drafts; a posted invoice is corrected by a red-letter invoice."""
    inv = lock_row(SupplierInvoice, invoice_id)
    if INVOICE_FLOW.apply(inv, InvoiceStatus.CANCELLED):
        inv.save()
    return inv


@transaction.atomic
def supplier_invoice_pay(*, invoice_id: int, amount, user: User | None = None) -> SupplierInvoice:
    """Record a payment against a posted invoice (payables ageing uses the open amount)."""
    inv = lock_row(SupplierInvoice, invoice_id)
    amount = round_money(positive_qty(amount, label=_("Payment")))
    if inv.status != InvoiceStatus.CONFIRMED:
        raise StateError(_("Only posted invoices can be paid."), code="not_posted")
    if amount > inv.open_amount:
        raise ValidationError(
            _("The payment %(amount)s is more than the open %(open)s.") % {"amount": amount, "open": inv.open_amount},
            code="overpaid",
        )
    inv.paid_amount += amount
    inv.save(update_fields=["paid_amount", "updated_at"])
    announce("procurement.supplierpayment", inv.pk, number=inv.number, amount=amount, user=user)
    return inv
