"""发货通知 (ASN): a supplier announces a shipment against its purchase order (or a
subcontractor a delivery against its outsourcing order); the warehouse receives it in one step
through procurement's receipt services."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, to_decimal
from erp.locks import lock_row, lock_rows
from erp.models import CompanySettings
from erp.numbering import next_number
from erp.types import User
from procurement.models import OutsourcingOrder, PurchaseOrder, PurchaseOrderLine
from procurement.services import outsourcing_receipt_post, purchase_receipt_post
from procurement.states import OrderStatus

from ..models import ShippingNotice, ShippingNoticeLine
from ..states import NOTICE_FLOW, NoticeStatus
from .common import real_user, supplier_for


def _tolerance() -> Decimal:
    return to_decimal(CompanySettings.get().over_receipt_tolerance_pct)


def _check_dates(ship_date: datetime.date, expected_date: datetime.date) -> None:
    if expected_date < ship_date:
        raise ValidationError(
            _("The expected arrival %(arrival)s is before the ship date %(ship)s.")
            % {"arrival": expected_date.isoformat(), "ship": ship_date.isoformat()},
            code="dates",
        )


def announced_open(po_line_ids) -> dict[int, Decimal]:
    """Quantity on notices not yet received (announced, on its way), per PO line."""
    rows = (
        ShippingNoticeLine.objects.filter(po_line_id__in=list(po_line_ids), notice__status=NoticeStatus.SUBMITTED)
        .values("po_line_id")
        .annotate(q=Sum("qty"))
    )
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for r in rows:
        out[r["po_line_id"]] = r["q"]
    return out


@transaction.atomic
def shipping_notice_create(
    *,
    order_id: int,
    lines: list[tuple[int, Decimal, str]],
    ship_date: datetime.date,
    expected_date: datetime.date,
    carrier: str = "",
    tracking_no: str = "",
    note: str = "",
    user: User | None,
) -> ShippingNotice:
    """lines: (po_line_id, qty, batch number). A line may not ship more than ordered × (1 +
    over-receipt tolerance) − received net − already announced on open notices: over-shipment
    is refused and nothing is written."""
    supplier = supplier_for(user)
    po = lock_row(PurchaseOrder.objects.filter(supplier=supplier), order_id)  # another supplier's: 404
    if po.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("%(doc)s is %(status)s: nothing can be shipped against it.")
            % {"doc": po, "status": po.get_status_display()},
            code="not_confirmed",
        )
    wanted = [(int(lid), to_decimal(q), (b or "").strip()[:60]) for lid, q, b in lines if q]
    if not wanted:
        raise ValidationError(_("Enter a quantity on at least one line."), code="no_lines")
    _check_dates(ship_date, expected_date)
    po_lines = lock_rows(
        PurchaseOrderLine.objects.select_related("item").filter(order=po), {lid for lid, _q, _b in wanted}, of=("self",)
    )
    if len(po_lines) != len({lid for lid, _q, _b in wanted}):
        raise ValidationError(_("Some lines do not belong to %(doc)s.") % {"doc": po}, code="foreign_line")
    on_way = announced_open(po_lines)
    shipping: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for lid, qty, _b in wanted:
        if qty <= 0:
            raise ValidationError(_("The shipped quantity must be greater than 0."), code="qty")
        shipping[lid] += qty
    tolerance = _tolerance()
    for lid, qty in shipping.items():
        ln = po_lines[lid]
        if ln.closed:
            raise StateError(_("%(doc)s line %(line)s is closed.") % {"doc": po, "line": ln.line_no}, code="closed")
        limit = ln.qty * (1 + tolerance / 100) - ln.net_received_qty - on_way[lid]
        if qty > limit:
            raise ValidationError(
                _(
                    "Line %(line)s (%(item)s): shipping %(qty)s is more than the order allows; at most %(limit)s "
                    "(ordered %(ordered)s, received %(received)s, announced %(announced)s, tolerance %(tol)s %%)."
                )
                % {
                    "line": ln.line_no,
                    "item": ln.item,
                    "qty": fmt_decimal(qty),
                    "limit": fmt_decimal(max(limit, ZERO)),
                    "ordered": fmt_decimal(ln.qty),
                    "received": fmt_decimal(ln.net_received_qty),
                    "announced": fmt_decimal(on_way[lid]),
                    "tol": fmt_decimal(tolerance),
                },
                code="over_shipment",
            )
    notice = ShippingNotice.objects.create(
        number=next_number("ASN", on_date=ship_date),
        supplier=supplier,
        order=po,
        ship_date=ship_date,
        expected_date=expected_date,
        carrier=(carrier or "").strip()[:100],
        tracking_no=(tracking_no or "").strip()[:100],
        note=(note or "").strip(),
        created_by=real_user(user),
    )
    ShippingNoticeLine.objects.bulk_create(
        [
            ShippingNoticeLine(
                notice=notice, line_no=i * 10, po_line=po_lines[lid], item=po_lines[lid].item, qty=qty, batch_no=batch
            )
            for i, (lid, qty, batch) in enumerate(wanted, start=1)
        ]
    )
    return notice


@transaction.atomic
def delivery_notice_create(
    *,
    order_id: int,
    qty: Decimal,
    ship_date: datetime.date,
    expected_date: datetime.date,
    batch_no: str = "",
    carrier: str = "",
    tracking_no: str = "",
    note: str = "",
    user: User | None,
) -> ShippingNotice:
    """A subcontractor announces finished goods of its outsourcing order (same tolerance rule)."""
    supplier = supplier_for(user)
    order = lock_row(OutsourcingOrder.objects.select_related("item").filter(supplier=supplier), order_id)
    if order.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("%(doc)s is %(status)s: nothing can be shipped against it.")
            % {"doc": order, "status": order.get_status_display()},
            code="not_confirmed",
        )
    qty = to_decimal(qty)
    if qty <= 0:
        raise ValidationError(_("The shipped quantity must be greater than 0."), code="qty")
    _check_dates(ship_date, expected_date)
    on_way = (
        ShippingNoticeLine.objects.filter(
            notice__outsourcing_order=order, notice__status=NoticeStatus.SUBMITTED
        ).aggregate(q=Sum("qty"))["q"]
        or ZERO
    )
    limit = order.qty * (1 + _tolerance() / 100) - order.received_qty - on_way
    if qty > limit:
        raise ValidationError(
            _("%(doc)s: delivering %(qty)s is more than the order allows; at most %(limit)s.")
            % {"doc": order, "qty": fmt_decimal(qty), "limit": fmt_decimal(max(limit, ZERO))},
            code="over_shipment",
        )
    notice = ShippingNotice.objects.create(
        number=next_number("ASN", on_date=ship_date),
        supplier=supplier,
        outsourcing_order=order,
        ship_date=ship_date,
        expected_date=expected_date,
        carrier=(carrier or "").strip()[:100],
        tracking_no=(tracking_no or "").strip()[:100],
        note=(note or "").strip(),
        created_by=real_user(user),
    )
    ShippingNoticeLine.objects.create(
        notice=notice, line_no=10, item=order.item, qty=qty, batch_no=(batch_no or "").strip()[:60]
    )
    return notice


@transaction.atomic
def shipping_notice_cancel(*, notice_id: int, user: User | None) -> ShippingNotice:
    """The supplier withdraws a notice that was not received yet."""
    supplier = supplier_for(user)
    notice = lock_row(ShippingNotice.objects.filter(supplier=supplier), notice_id)
    if NOTICE_FLOW.apply(notice, NoticeStatus.CANCELLED):
        notice.save()
    return notice


@transaction.atomic
def shipping_notice_receive(
    *,
    notice_id: int,
    receipt_date: datetime.date,
    qtys: dict[int, Decimal] | None = None,
    warehouse_id: int | None = None,
    user: User | None = None,
) -> ShippingNotice:
    """收货 against a notice in one step: the receipt is posted with the notified quantities (or
    the counted ones in `qtys`, notice line id -> qty; 0 = nothing arrived) through procurement's
    receipt services (their tolerance applies). Receiving it again returns the notice unchanged."""
    notice = lock_row(ShippingNotice, notice_id)
    if notice.status == NoticeStatus.RECEIVED:
        return notice
    NOTICE_FLOW.check(notice, NoticeStatus.RECEIVED)
    lines = list(notice.lines.all())
    counted = {ln.pk: (ln.qty if qtys is None or ln.pk not in qtys else to_decimal(qtys[ln.pk])) for ln in lines}
    if any(q < 0 for q in counted.values()):
        raise ValidationError(_("A received quantity cannot be negative."), code="negative")
    if not any(counted.values()):
        raise ValidationError(_("Enter a quantity on at least one line."), code="no_lines")
    note = _("Shipping notice %(number)s") % {"number": notice.number}
    if notice.order_id:
        per_po_line: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for ln in lines:
            if counted[ln.pk] and ln.po_line_id is not None:
                per_po_line[ln.po_line_id] += counted[ln.pk]
        receipt = purchase_receipt_post(
            order_id=notice.order_id,
            lines=list(per_po_line.items()),
            receipt_date=receipt_date,
            warehouse_id=warehouse_id,
            user=user,
            note=note,
        )
        notice.receipt = receipt
    else:
        assert notice.outsourcing_order_id is not None  # a notice belongs to exactly one order (constraint)
        oo_receipt = outsourcing_receipt_post(
            order_id=notice.outsourcing_order_id,
            qty=sum(counted.values(), ZERO),
            receipt_date=receipt_date,
            warehouse_id=warehouse_id,
            user=user,
            note=note,
        )
        notice.outsourcing_receipt = oo_receipt
    for ln in lines:
        ln.received_qty = counted[ln.pk]
    ShippingNoticeLine.objects.bulk_update(lines, ["received_qty"])
    NOTICE_FLOW.apply(notice, NoticeStatus.RECEIVED)
    notice.received_at = timezone.now()
    notice.confirmed_by = real_user(user)
    notice.confirmed_at = notice.received_at
    notice.save()
    return notice
