"""采购发票 / 委外加工费发票: matched to receipt lines (钩稽); price difference and cross-period
adjustment by the company's accrual mode (domain §4, docs/procurement.md)."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, round_money, to_decimal
from erp.models import CompanySettings
from erp.numbering import next_number
from erp.periods import assert_open
from inventory.models import Supplier

from ..models import (
    AccrualReason,
    InvoiceKind,
    OutsourcingReceipt,
    PurchaseReceiptLine,
    SupplierInvoice,
    SupplierInvoiceLine,
)
from ..states import INVOICE_FLOW, InvoiceStatus, PostedStatus
from . import accruals
from .common import non_negative, positive_qty


def _user(user):
    return user if getattr(user, "pk", None) else None


@transaction.atomic
def supplier_invoice_create(
    *,
    supplier_id: int,
    invoice_date: datetime.date,
    lines: list[dict],
    kind: str = InvoiceKind.PURCHASE,
    supplier_invoice_no: str = "",
    user=None,
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
        amount = round_money(qty * price)
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
                tax_amount=round_money(amount * tax),
                **ref,
            )
        )
    SupplierInvoiceLine.objects.bulk_create(objs)
    inv.amount = sum((o.amount for o in objs), ZERO)
    inv.tax_amount = sum((o.tax_amount for o in objs), ZERO)
    _refuse_zero_total(inv)
    inv.save(update_fields=["amount", "tax_amount"])
    return inv


def _refuse_zero_total(inv: SupplierInvoice) -> None:
    """An invoice whose total is 0.00 is a typing or rounding mistake: refused."""
    if not inv.amount + inv.tax_amount:
        raise ValidationError(
            _("The invoice total is 0.00: enter the invoiced quantities and prices."), code="zero_total"
        )


def _matched_accrual(source_type: str, source_id: int) -> Decimal:
    """Accrual value already matched by earlier posted invoices."""
    field = "receipt_line_id" if source_type == accruals.GR_LINE else "outsourcing_receipt_id"
    return (
        SupplierInvoiceLine.objects.filter(invoice__status=InvoiceStatus.CONFIRMED, **{field: source_id}).aggregate(
            s=Sum("accrued_value")
        )["s"]
        or ZERO
    )


@transaction.atomic
def supplier_invoice_confirm(*, invoice_id: int, user=None) -> SupplierInvoice:
    """审核 = match: for each line, the accrual of the invoiced quantity is reversed and the
    difference to the invoice amount posted (same period: corrects the receipt value; later
    period: by CompanySettings.accrual_mode). Over-invoicing is refused, nothing changed."""
    inv = SupplierInvoice.objects.select_for_update().get(pk=invoice_id)
    if inv.status == InvoiceStatus.CONFIRMED:
        return inv
    INVOICE_FLOW.check(inv, InvoiceStatus.CONFIRMED)
    _refuse_zero_total(inv)
    assert_open(inv.invoice_date)
    mode = CompanySettings.get().accrual_mode
    if mode == "next_period":
        accruals.accruals_period_start(on_date=inv.invoice_date, user=user)
    lines = list(inv.lines.order_by("pk"))
    for ln in lines:
        if ln.receipt_line_id:
            source_type, source_id = accruals.GR_LINE, ln.receipt_line_id
            doc = PurchaseReceiptLine.objects.select_for_update().select_related("receipt", "po_line").get(pk=source_id)
            unit, total_value = doc.unit_price, doc.value
            if doc.receipt.status != PostedStatus.DONE:
                raise StateError(_("The receipt was cancelled."), code="cancelled")
        else:
            source_type, source_id = accruals.OR_RECEIPT, ln.outsourcing_receipt_id
            doc = OutsourcingReceipt.objects.select_for_update().get(pk=source_id)
            unit, total_value = doc.unit_fee, doc.fee_value
        open_qty = doc.uninvoiced_qty
        if ln.qty > open_qty:
            raise ValidationError(
                _("%(doc)s: invoicing %(qty)s but only %(open)s are received and not yet invoiced.")
                % {
                    "doc": accruals.sources(source_type, [source_id])[source_id].number,
                    "qty": fmt_decimal(ln.qty),
                    "open": fmt_decimal(open_qty),
                },
                code="over_invoice",
            )
        src = accruals.sources(source_type, [source_id])[source_id]
        if ln.qty == open_qty:
            returned_value = (
                doc.return_lines.aggregate(s=Sum("value"))["s"] or ZERO if source_type == accruals.GR_LINE else ZERO
            )
            accrued = total_value - returned_value - _matched_accrual(source_type, source_id)
        else:
            accrued = round_money(ln.qty * unit)
        balance = accruals.accrual_balance(source_type, source_id)
        still = min(max(balance, ZERO), accrued)
        same = accruals._same_period(src.received_date, inv.invoice_date)
        components = accruals.invoice_components(
            mode=mode, same_period=same, accrued=accrued, still_accrued=still, invoiced=ln.amount
        )
        if still:
            accruals.accrual_add(
                src=src,
                on_date=inv.invoice_date,
                qty=-ln.qty,
                amount=-still,
                reason=AccrualReason.INVOICE,
                document_number=inv.number,
            )
        accruals.post_adjustments(
            src=src,
            components=components,
            qty=ln.qty,
            on_date=inv.invoice_date,
            stock_source_type="procurement.supplierinvoice",
            stock_source_id=inv.pk,
            stock_source_line=ln.pk,
            document_number=inv.number,
            user=user,
        )
        ln.accrued_value = accrued
        ln.difference = ln.amount - accrued
        ln.save(update_fields=["accrued_value", "difference"])
        doc.invoiced_qty += ln.qty
        doc.invoiced_value += ln.amount
        doc.save(update_fields=["invoiced_qty", "invoiced_value"])
        if source_type == accruals.GR_LINE:
            po_line = doc.po_line
            po_line.invoiced_qty += ln.qty
            po_line.save(update_fields=["invoiced_qty"])
    INVOICE_FLOW.apply(inv, InvoiceStatus.CONFIRMED)
    inv.confirmed_at = timezone.now()
    inv.confirmed_by = _user(user)
    inv.save()
    return inv


@transaction.atomic
def supplier_invoice_cancel(*, invoice_id: int, user=None) -> SupplierInvoice:
    """Only drafts; a posted invoice is corrected by a red-letter invoice."""
    inv = SupplierInvoice.objects.select_for_update().get(pk=invoice_id)
    if INVOICE_FLOW.apply(inv, InvoiceStatus.CANCELLED):
        inv.save()
    return inv


@transaction.atomic
def supplier_invoice_pay(*, invoice_id: int, amount, user=None) -> SupplierInvoice:
    """Record a payment against a posted invoice (payables ageing uses the open amount)."""
    inv = SupplierInvoice.objects.select_for_update().get(pk=invoice_id)
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
    return inv
