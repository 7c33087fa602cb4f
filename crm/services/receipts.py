"""回款: receipts matched (核销) to invoices; payment plans (回款计划) of sales orders."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, to_decimal
from erp.locks import lock_rows
from erp.numbering import next_number
from erp.periods import assert_open
from erp.postings import announce
from erp.types import User

from ..models import PaymentPlan, Receipt, ReceiptAllocation, SalesInvoice, SalesOrder
from ..selectors import receipt_matching
from ..states import POST_FLOW, InvoiceKind, PostStatus


@transaction.atomic
def payment_plan_add(
    *, order_id: int, due_date: datetime.date, amount, user: User | None, note: str = ""
) -> PaymentPlan:
    amount = to_decimal(amount)
    if amount <= 0:
        raise ValidationError(_("The planned amount must be greater than 0."))
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    planned = sum(order.payment_plans.values_list("amount", flat=True), ZERO)
    if planned + amount > order.total:
        raise ValidationError(
            _("Planned receipts %(planned)s would exceed the order total %(total)s.")
            % {"planned": f"{planned + amount:,.2f}", "total": f"{order.total:,.2f}"}
        )
    return PaymentPlan.objects.create(order=order, due_date=due_date, amount=amount, note=note)


@transaction.atomic
def receipt_create(
    *,
    customer_id: int,
    amount,
    user: User | None,
    allocations: dict[int, Decimal] | None = None,
    match_open_invoices: bool = False,
    receipt_date=None,
    method: str = "",
    order_id: int | None = None,
) -> Receipt:
    """A draft receipt matched (核销) to invoices: `allocations` {invoice id: amount}, or with
    `match_open_invoices` the customer's open invoices, earliest due first, each up to its open
    amount (selectors.receipt_matching); what is left is an advance. The matched invoices must be
    confirmed blue invoices of the customer and the matched total at most the amount received;
    each invoice's open amount is checked again, under lock, at confirmation."""
    amount = to_decimal(amount)
    if amount <= 0:
        raise ValidationError(_("The amount received must be greater than 0."))
    if allocations is None and match_open_invoices:
        allocations = receipt_matching(customer_id=customer_id, amount=amount)
    allocations = {int(k): to_decimal(v) for k, v in (allocations or {}).items()}
    if any(v <= 0 for v in allocations.values()):
        raise ValidationError(_("Matched amounts must be greater than 0."))
    if sum(allocations.values(), ZERO) > amount:
        raise ValidationError(_("The matched amounts exceed the amount received."))
    matchable = set(
        SalesInvoice.objects.filter(pk__in=sorted(allocations), customer_id=customer_id)
        .confirmed()
        .blue()
        .values_list("pk", flat=True)
    )
    foreign = sorted(set(allocations) - matchable)
    if foreign:
        raise ValidationError(
            _("Invoice %(id)s is not a confirmed invoice of this customer; it cannot be matched.") % {"id": foreign[0]}
        )
    receipt_date = receipt_date or timezone.localdate()
    rc = Receipt.objects.create(
        number=next_number("RC", on_date=receipt_date),
        customer_id=customer_id,
        receipt_date=receipt_date,
        amount=amount,
        method=method,
        order_id=order_id,
        created_by=user,
    )
    ReceiptAllocation.objects.bulk_create(
        [ReceiptAllocation(receipt=rc, invoice_id=inv_id, amount=value) for inv_id, value in allocations.items()]
    )
    return rc


@transaction.atomic
def receipt_confirm(*, receipt_id: int, user: User | None) -> Receipt:
    """Match to invoices (each at most its open amount, net of red-letter invoices; together at
    most the receipt) and advance the order's payment plans in due-date order."""
    rc = Receipt.objects.select_for_update().get(pk=receipt_id)
    if rc.status == PostStatus.CONFIRMED:
        return rc
    POST_FLOW.check(rc, PostStatus.CONFIRMED)
    assert_open(rc.receipt_date)
    allocs = list(rc.allocations.all())
    if sum((a.amount for a in allocs), ZERO) > rc.amount:
        raise ValidationError(_("The matched amounts exceed the amount received."))
    invoices = lock_rows(SalesInvoice.objects.all(), {a.invoice_id for a in allocs})
    for a in allocs:
        inv = invoices[a.invoice_id]
        if inv.customer_id != rc.customer_id or inv.kind != InvoiceKind.BLUE or inv.status != PostStatus.CONFIRMED:
            raise ValidationError(_("%(inv)s cannot be matched to this receipt.") % {"inv": inv})
        if a.amount > inv.open_amount:
            raise ValidationError(
                _("%(inv)s has %(open)s open; %(amount)s cannot be matched.")
                % {"inv": inv, "open": f"{inv.open_amount:,.2f}", "amount": f"{a.amount:,.2f}"}
            )
        inv.paid_amount += a.amount
    SalesInvoice.objects.bulk_update(list(invoices.values()), ["paid_amount"])
    if rc.order_id:
        left = rc.amount
        advanced = []
        plans = lock_rows(PaymentPlan.objects.filter(order_id=rc.order_id)).values()  # locked in pk order
        for plan in sorted(plans, key=lambda p: (p.due_date, p.pk)):  # filled earliest due first
            take = min(left, plan.amount - plan.received_amount)
            if take > 0:
                plan.received_amount += take
                advanced.append(plan)
                left -= take
        PaymentPlan.objects.bulk_update(advanced, ["received_amount"])
    POST_FLOW.apply(rc, PostStatus.CONFIRMED)
    rc.confirmed_at, rc.confirmed_by = timezone.now(), user
    rc.save()
    announce("crm.receipt", rc.pk, number=rc.number, on_date=rc.receipt_date, user=user)
    return rc


@transaction.atomic
def receipt_cancel(*, receipt_id: int, user: User | None) -> Receipt:
    rc = Receipt.objects.select_for_update().get(pk=receipt_id)
    if rc.status == PostStatus.CANCELLED:
        return rc
    if rc.status == PostStatus.CONFIRMED:
        raise StateError(_("A confirmed receipt cannot be cancelled."))
    POST_FLOW.apply(rc, PostStatus.CANCELLED)
    rc.save()
    return rc
