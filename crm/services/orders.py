"""Quotations and sales orders: lines, totals, credit check, confirm with promise dates."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, to_decimal
from erp.numbering import next_number
from erp.types import User
from inventory.models import Item

from ..engine import line_amounts
from ..models import (
    DEFAULT_TAX_RATE,
    Customer,
    Quotation,
    QuotationLine,
    SalesInvoice,
    SalesOrder,
    SalesOrderLine,
)
from ..states import ORDER_FLOW, QUOTATION_FLOW, OrderStatus, PostStatus, QuotationStatus
from .atp import promise_dates


@dataclass
class LineInput:
    item_id: int
    qty: Decimal
    unit_price: Decimal
    due_date: datetime.date | None = None
    tax_rate: Decimal = DEFAULT_TAX_RATE
    discount_rate: Decimal = ZERO


MAX_AMOUNT = Decimal(10) ** 16  # MoneyField(18, 2): 16 digits before the decimal point


def _check_lines(lines: list[LineInput], *, doc_date: datetime.date | None = None) -> None:
    """Line rules; `doc_date` given: every due date on or after it. Amounts must fit the money
    fields and a priced line may not round to 0.00 (nothing is silently rounded away)."""
    if not lines:
        raise ValidationError(_("Add at least one line."))
    known = set(Item.objects.filter(pk__in=[ln.item_id for ln in lines]).values_list("pk", flat=True))
    total = ZERO
    for n, ln in enumerate(lines, start=1):
        if ln.item_id not in known:
            raise ValidationError(_("Line %(n)s: unknown item.") % {"n": n})
        if to_decimal(ln.qty) <= 0:
            raise ValidationError(_("Line %(n)s: the quantity must be greater than 0.") % {"n": n})
        if to_decimal(ln.unit_price) < 0:
            raise ValidationError(_("Line %(n)s: the unit price cannot be negative.") % {"n": n})
        if not (ZERO <= to_decimal(ln.tax_rate) < 1):
            raise ValidationError(_("Line %(n)s: the tax rate must be between 0 and 1.") % {"n": n})
        if not (ZERO <= to_decimal(ln.discount_rate) < 1):
            raise ValidationError(_("Line %(n)s: the discount must be between 0 and 1.") % {"n": n})
        if doc_date and ln.due_date and ln.due_date < doc_date:
            raise ValidationError(
                _("Line %(n)s: the due date %(due)s lies before the document date %(date)s.")
                % {"n": n, "due": ln.due_date.isoformat(), "date": doc_date.isoformat()}
            )
        gross = to_decimal(ln.qty) * to_decimal(ln.unit_price) * (1 + to_decimal(ln.tax_rate))
        if gross >= MAX_AMOUNT:
            raise ValidationError(
                _("Line %(n)s: quantity × unit price is too large for an amount (at most %(max)s digits).")
                % {"n": n, "max": 16}
            )
        a = line_amounts(
            to_decimal(ln.qty),
            to_decimal(ln.unit_price),
            to_decimal(ln.tax_rate),
            discount=to_decimal(ln.discount_rate),
        )
        if to_decimal(ln.unit_price) > 0 and to_decimal(ln.discount_rate) < 1 and a.amount == 0:
            raise ValidationError(
                _("Line %(n)s: quantity × unit price rounds to 0.00; enter the quantity and price in full.") % {"n": n}
            )
        total += a.gross
    if total >= MAX_AMOUNT:
        raise ValidationError(_("The document total is too large (at most %(max)s digits).") % {"max": 16})


def _totals(doc, lines) -> None:
    doc.amount = sum((ln.amount for ln in lines), ZERO)
    doc.tax_amount = sum((ln.tax_amount for ln in lines), ZERO)
    doc.total = doc.amount + doc.tax_amount


def _add_priced_lines(doc, line_model, parent_field: str, lines: list[LineInput]) -> None:
    """Create the document's lines with their amounts (2 dp) and set the document totals."""
    objs = []
    for n, ln in enumerate(lines, start=1):
        a = line_amounts(
            to_decimal(ln.qty),
            to_decimal(ln.unit_price),
            to_decimal(ln.tax_rate),
            discount=to_decimal(ln.discount_rate),
        )
        objs.append(
            line_model(
                **{parent_field: doc},
                line_no=n,
                item_id=ln.item_id,
                qty=ln.qty,
                unit_price=ln.unit_price,
                tax_rate=ln.tax_rate,
                discount_rate=ln.discount_rate,
                due_date=ln.due_date,
                amount=a.amount,
                tax_amount=a.tax,
            )
        )
    line_model.objects.bulk_create(objs)
    _totals(doc, objs)
    doc.save(update_fields=["amount", "tax_amount", "total"])


def _replace_priced_lines(doc, line_model, parent_field: str, lines: list[LineInput]) -> None:
    """A draft's lines replaced by `lines`: line n keeps its row (and id) when it exists, new
    lines are added, surplus lines deleted; amounts and document totals recomputed."""
    existing = list(line_model.objects.filter(**{parent_field: doc}).order_by("line_no", "pk"))
    keep: list = []
    create: list = []
    for n, ln in enumerate(lines, start=1):
        a = line_amounts(
            to_decimal(ln.qty),
            to_decimal(ln.unit_price),
            to_decimal(ln.tax_rate),
            discount=to_decimal(ln.discount_rate),
        )
        row = existing[n - 1] if n <= len(existing) else line_model(**{parent_field: doc})
        row.line_no, row.item_id, row.qty, row.unit_price = n, ln.item_id, ln.qty, ln.unit_price
        row.tax_rate, row.discount_rate, row.due_date = ln.tax_rate, ln.discount_rate, ln.due_date
        row.amount, row.tax_amount = a.amount, a.tax
        (keep if row.pk else create).append(row)
    surplus = existing[len(lines) :]
    if surplus:
        line_model.objects.filter(pk__in=[r.pk for r in surplus]).delete()
    if keep:
        # line numbers move: free them first (unique per document), then write the rows
        line_model.objects.filter(pk__in=[r.pk for r in keep]).update(line_no=F("line_no") + 100000)
        line_model.objects.bulk_update(
            keep,
            [
                "line_no",
                "item_id",
                "qty",
                "unit_price",
                "tax_rate",
                "discount_rate",
                "due_date",
                "amount",
                "tax_amount",
            ],
        )
    line_model.objects.bulk_create(create)
    _totals(doc, keep + create)
    doc.save(update_fields=["amount", "tax_amount", "total"])


# --------------------------------------------------------------------------- quotations
@transaction.atomic
def quotation_create(
    *,
    customer_id: int,
    lines: list[LineInput],
    user: User | None,
    quote_date=None,
    valid_until=None,
    opportunity_id=None,
) -> Quotation:
    quote_date = quote_date or timezone.localdate()
    _check_lines(lines)
    q = Quotation.objects.create(
        number=next_number("QT", on_date=quote_date),
        customer_id=customer_id,
        opportunity_id=opportunity_id,
        quote_date=quote_date,
        valid_until=valid_until,
        owner=user,
        created_by=user,
    )
    _add_priced_lines(q, QuotationLine, "quotation", lines)
    return q


@transaction.atomic
def quotation_update(
    *,
    quotation_id: int,
    customer_id: int,
    lines: list[LineInput],
    user: User | None,
    quote_date=None,
    valid_until=None,
) -> Quotation:
    """A draft quotation changed in place (header and lines); refused once confirmed."""
    q = Quotation.objects.select_for_update().get(pk=quotation_id)
    QUOTATION_FLOW.check_editable(q, QuotationStatus.DRAFT)
    _check_lines(lines)
    q.customer_id = customer_id
    q.quote_date = quote_date or q.quote_date
    q.valid_until = valid_until if valid_until is not None else q.valid_until
    q.save(update_fields=["customer", "quote_date", "valid_until"])
    _replace_priced_lines(q, QuotationLine, "quotation", lines)
    return q


@transaction.atomic
def quotation_confirm(*, quotation_id: int, user: User | None) -> Quotation:
    q = Quotation.objects.select_for_update().get(pk=quotation_id)
    if QUOTATION_FLOW.apply(q, QuotationStatus.CONFIRMED):
        q.confirmed_at, q.confirmed_by = timezone.now(), user
        q.save()
    return q


@transaction.atomic
def quotation_to_order(*, quotation_id: int, user: User | None, order_date=None) -> SalesOrder:
    """下推: a draft sales order from a confirmed quotation (lines keep their quotation line)."""
    q = Quotation.objects.select_for_update().get(pk=quotation_id)
    if q.status == QuotationStatus.ORDERED:
        existing = q.orders.order_by("pk").first()
        if existing:
            return existing
    if q.status == QuotationStatus.DRAFT:
        quotation_confirm(quotation_id=q.pk, user=user)
        q.refresh_from_db()
    QUOTATION_FLOW.check(q, QuotationStatus.ORDERED)
    order_date = order_date or timezone.localdate()
    qlines = list(q.lines.all())
    order = order_create(
        customer_id=q.customer_id,
        user=user,
        order_date=order_date,
        lines=[
            LineInput(ln.item_id, ln.qty, ln.unit_price, ln.due_date or order_date, ln.tax_rate, ln.discount_rate)
            for ln in qlines
        ],
        quotation_id=q.pk,
        opportunity_id=q.opportunity_id,
        check_due_dates=False,
    )
    for ol, ql in zip(order.lines.order_by("line_no"), qlines, strict=True):
        ol.quotation_line = ql
        ol.save(update_fields=["quotation_line"])
    QUOTATION_FLOW.apply(q, QuotationStatus.ORDERED)
    q.save(update_fields=["status"])
    return order


# --------------------------------------------------------------------------- sales orders
@transaction.atomic
def order_create(
    *,
    customer_id: int,
    lines: list[LineInput],
    user: User | None,
    order_date=None,
    quotation_id=None,
    opportunity_id=None,
    number: str | None = None,
    customer_po: str = "",
    check_due_dates: bool = True,
) -> SalesOrder:
    """A draft order; due dates on or after the order date unless pushed down from a quotation
    (`check_due_dates=False`: the quotation's dates are kept as they were agreed)."""
    order_date = order_date or timezone.localdate()
    _check_lines(lines, doc_date=order_date if check_due_dates else None)
    for n, ln in enumerate(lines, start=1):
        if ln.due_date is None:
            raise ValidationError(_("Line %(n)s: the due date is required.") % {"n": n})
    order = SalesOrder.objects.create(
        number=number or next_number("SO", on_date=order_date),
        customer_id=customer_id,
        order_date=order_date,
        owner=user,
        created_by=user,
        quotation_id=quotation_id,
        opportunity_id=opportunity_id,
        customer_po=customer_po,
    )
    _add_priced_lines(order, SalesOrderLine, "order", lines)
    return order


@transaction.atomic
def order_update(
    *,
    order_id: int,
    customer_id: int,
    lines: list[LineInput],
    user: User | None,
    order_date=None,
    customer_po: str | None = None,
) -> SalesOrder:
    """A draft sales order changed in place (header and lines); refused once confirmed. Due
    dates on or after the order date, as on entry."""
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    ORDER_FLOW.check_editable(order, OrderStatus.DRAFT)
    order_date = order_date or order.order_date
    _check_lines(lines, doc_date=order_date)
    for n, ln in enumerate(lines, start=1):
        if ln.due_date is None:
            raise ValidationError(_("Line %(n)s: the due date is required.") % {"n": n})
    order.customer_id = customer_id
    order.order_date = order_date
    if customer_po is not None:
        order.customer_po = customer_po
    order.save(update_fields=["customer", "order_date", "customer_po"])
    _replace_priced_lines(order, SalesOrderLine, "order", lines)
    return order


@dataclass(frozen=True)
class CreditExposure:
    limit: Decimal
    open_orders: Decimal
    unpaid_invoices: Decimal

    @property
    def used(self) -> Decimal:
        return self.open_orders + self.unpaid_invoices


def credit_exposure(customer_id: int, *, exclude_order_id: int | None = None) -> CreditExposure:
    """Open orders = the not yet invoiced share of confirmed, open order lines incl. tax
    (`SalesOrderLine.uninvoiced_amount`, rounded per line); unpaid invoices = the open amounts of
    confirmed blue invoices (`SalesInvoice.open_amount`: total − reversed by red invoices − received)."""
    customer = Customer.objects.get(pk=customer_id)
    lines = SalesOrderLine.objects.filter(order__customer_id=customer_id).uninvoiced()
    if exclude_order_id:
        lines = lines.exclude(order_id=exclude_order_id)
    open_orders = sum((ln.uninvoiced_amount for ln in lines.only("qty", "invoiced_qty", "amount", "tax_amount")), ZERO)
    unpaid = (
        SalesInvoice.objects.filter(customer_id=customer_id)
        .confirmed()
        .blue()
        .open_amount()
        .aggregate(s=Sum("open_amount"))["s"]
        or ZERO
    )
    return CreditExposure(limit=customer.credit_limit, open_orders=open_orders, unpaid_invoices=unpaid)


@transaction.atomic
def order_confirm(*, order_id: int, user: User | None, today: datetime.date | None = None) -> SalesOrder:
    """审核: credit check (limit 0 = none), then promise dates per line: ATP, else CTP (services.atp)."""
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    if order.status == OrderStatus.CONFIRMED:
        return order
    ORDER_FLOW.check(order, OrderStatus.CONFIRMED)
    customer = Customer.objects.select_for_update().get(pk=order.customer_id)
    if customer.credit_limit > 0:
        exp = credit_exposure(customer.pk, exclude_order_id=order.pk)
        if exp.used + order.total > customer.credit_limit:
            raise ValidationError(
                _(
                    "Credit limit exceeded for %(customer)s: open orders %(orders)s + unpaid invoices %(invoices)s "
                    "+ this order %(order)s = %(total)s, above the limit of %(limit)s. The order was not confirmed."
                )
                % {
                    "customer": customer,
                    "orders": f"{exp.open_orders:,.2f}",
                    "invoices": f"{exp.unpaid_invoices:,.2f}",
                    "order": f"{order.total:,.2f}",
                    "total": f"{exp.used + order.total:,.2f}",
                    "limit": f"{customer.credit_limit:,.2f}",
                },
                code="credit_limit",
            )
    lines = list(order.lines.order_by("due_date", "line_no"))
    dates = promise_dates([(ln.pk, ln.item_id, ln.qty) for ln in lines], today=today, exclude_order_id=order.pk)
    for ln in lines:
        ln.promise_date = dates.get(ln.pk)
    SalesOrderLine.objects.bulk_update(lines, ["promise_date"])
    ORDER_FLOW.apply(order, OrderStatus.CONFIRMED)
    order.confirmed_at, order.confirmed_by = timezone.now(), user
    order.save()
    _planning_change(order, [ln.item_id for ln in lines], gettext_noop("%(doc)s confirmed"))
    return order


def _planning_change(order: SalesOrder, item_ids, cause: str, **params) -> None:
    """Net change (docs/mrp.md §5): the plan of these items follows this order."""
    from inventory.services.planning import record_planning_change

    record_planning_change(
        item_ids=item_ids,
        cause=cause,
        params={"doc": order.number, **params},
        document=order.number,
        line_no=params.get("line"),
        kind="sales_order",
    )


@transaction.atomic
def order_close(*, order_id: int, user: User | None) -> SalesOrder:
    """结案: nothing more will be delivered; open quantities stop counting as demand."""
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    if ORDER_FLOW.apply(order, OrderStatus.CLOSED):
        items = list(order.lines.filter(closed=False).values_list("item_id", flat=True))
        order.lines.update(closed=True)
        order.save()
        _planning_change(order, items, gettext_noop("%(doc)s closed"))
    return order


@transaction.atomic
def order_cancel(*, order_id: int, user: User | None) -> SalesOrder:
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    if order.status == OrderStatus.CANCELLED:
        return order
    if (
        order.lines.filter(delivered_qty__gt=0).exists()
        or order.deliveries.filter(status=PostStatus.CONFIRMED).exists()
    ):
        raise StateError(_("%(order)s has deliveries: close it instead of cancelling.") % {"order": order})
    was_confirmed = order.status == OrderStatus.CONFIRMED
    ORDER_FLOW.apply(order, OrderStatus.CANCELLED)
    items = list(order.lines.filter(closed=False).values_list("item_id", flat=True))
    order.lines.update(closed=True)
    order.save()
    if was_confirmed:
        _planning_change(order, items, gettext_noop("%(doc)s cancelled"))
    return order


@transaction.atomic
def sales_order_line_change(
    *,
    line_id: int,
    reason: str,
    qty: Decimal | None = None,
    due_date: datetime.date | None = None,
    user: User | None = None,
) -> SalesOrderLine:
    """变更: change the quantity and/or the due date of a line of a confirmed order, with a reason.

    The quantity never goes below what was delivered (net of returns) or invoiced; the due date
    not before the order date. Amounts and the order's totals are recomputed; the order's history
    row carries the reason (audit). The only place that changes these fields after confirmation."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the change."), code="no_reason")
    line = SalesOrderLine.objects.select_related("order").get(pk=line_id)
    order = SalesOrder.objects.select_for_update().get(pk=line.order_id)
    line = SalesOrderLine.objects.select_for_update().get(pk=line_id)
    if order.status != OrderStatus.CONFIRMED or line.closed:
        raise StateError(
            _("%(order)s is %(status)s: only lines of confirmed orders that are not closed can be changed.")
            % {"order": order, "status": order.get_status_display()},
            code="not_changeable",
        )
    new_qty = line.qty if qty is None else to_decimal(qty)
    new_due = line.due_date if due_date is None else due_date
    if new_qty <= 0:
        raise ValidationError(_("The quantity must be greater than 0."), code="qty")
    floor_qty = max(line.delivered_qty, line.invoiced_qty)
    if new_qty < floor_qty:
        raise ValidationError(
            _("Line %(line)s of %(order)s: the quantity cannot go below the %(done)s already delivered or invoiced.")
            % {"line": line.line_no, "order": order, "done": fmt_decimal(floor_qty)},
            code="below_delivered",
        )
    if new_due < order.order_date:
        raise ValidationError(_("The due date cannot be before the order date."), code="due_before_order")
    if new_qty == line.qty and new_due == line.due_date:
        return line
    old_qty, old_due = line.qty, line.due_date
    a = line_amounts(new_qty, line.unit_price, line.tax_rate, discount=line.discount_rate)
    line.qty, line.due_date, line.amount, line.tax_amount = new_qty, new_due, a.amount, a.tax
    line.save(update_fields=["qty", "due_date", "amount", "tax_amount"])
    _totals(order, list(order.lines.all()))
    note = _("Line %(line)s: quantity %(old)s → %(new)s, due %(od)s → %(nd)s: %(reason)s") % {
        "line": line.line_no,
        "old": fmt_decimal(old_qty),
        "new": fmt_decimal(new_qty),
        "od": old_due.isoformat(),
        "nd": new_due.isoformat(),
        "reason": reason,
    }
    order._change_reason = note[:100]  # type: ignore[attr-defined]  # the history row's reason (audit)
    order.save(update_fields=["amount", "tax_amount", "total", "updated_at"])
    _planning_change(order, [line.item_id], gettext_noop("%(doc)s line %(line)s changed"), line=line.line_no)
    return line
