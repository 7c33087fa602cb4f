"""销售出库 deliveries (post stock, write back delivered quantity) and 销售退货 returns."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, to_decimal
from erp.locks import lock_rows
from erp.numbering import next_number
from erp.periods import assert_open
from erp.postings import announce
from erp.types import User
from inventory.models import StockMove
from inventory.services.ledger import MoveSpec, stock_moves_post

from ..models import Delivery, DeliveryLine, SalesOrder, SalesOrderLine, SalesReturn, SalesReturnLine
from ..states import POST_FLOW, OrderStatus, PostStatus

DELIVERY_SOURCE = "crm.delivery"
RETURN_SOURCE = "crm.sales_return"


def _positive(value, n) -> Decimal:
    q = to_decimal(value)
    if q <= 0:
        raise ValidationError(_("Line %(n)s: the quantity must be greater than 0.") % {"n": n})
    return q


@transaction.atomic
def delivery_create(
    *,
    order_id: int,
    warehouse_id: int,
    user: User | None,
    quantities: dict[int, Decimal] | None = None,
    delivery_date: datetime.date | None = None,
) -> Delivery:
    """下推 a draft delivery from a confirmed order; `quantities` {order line id: qty}, default
    every open quantity."""
    order = SalesOrder.objects.select_for_update().get(pk=order_id)
    if order.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("Only confirmed sales orders can be delivered: %(order)s is %(status)s.")
            % {"order": order, "status": order.get_status_display()}
        )
    lines = {ln.pk: ln for ln in order.lines.filter(closed=False)}
    if quantities is None:
        quantities = {pk: ln.open_qty for pk, ln in lines.items() if ln.open_qty > 0}
    quantities = {int(k): to_decimal(v) for k, v in quantities.items() if to_decimal(v) != 0}
    if not quantities:
        raise ValidationError(_("Nothing left to deliver on %(order)s.") % {"order": order})
    delivery_date = delivery_date or timezone.localdate()
    dn = Delivery.objects.create(
        number=next_number("DN", on_date=delivery_date),
        customer_id=order.customer_id,
        order=order,
        delivery_date=delivery_date,
        warehouse_id=warehouse_id,
        created_by=user,
    )
    objs = []
    for n, (line_id, qty) in enumerate(sorted(quantities.items()), start=1):
        if line_id not in lines:
            raise ValidationError(_("Line %(n)s does not belong to %(order)s.") % {"n": n, "order": order})
        ol = lines[line_id]
        objs.append(DeliveryLine(delivery=dn, line_no=n, order_line=ol, item_id=ol.item_id, qty=_positive(qty, n)))
    DeliveryLine.objects.bulk_create(objs)
    return dn


@transaction.atomic
def delivery_confirm(*, delivery_id: int, user: User | None) -> Delivery:
    """Post the issue; each line's cumulative delivery may not exceed its order line (over-delivery
    refused, nothing changed)."""
    dn = Delivery.objects.select_for_update().get(pk=delivery_id)
    if dn.status == PostStatus.CONFIRMED:
        return dn
    POST_FLOW.check(dn, PostStatus.CONFIRMED)
    assert_open(dn.delivery_date)
    dlines = list(dn.lines.order_by("line_no"))
    ol_ids = sorted({dl.order_line_id for dl in dlines})
    order_lines = lock_rows(SalesOrderLine.objects.all(), ol_ids)
    order = SalesOrder.objects.get(pk=dn.order_id)
    if order.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("%(order)s is %(status)s: nothing can be delivered.")
            % {"order": order, "status": order.get_status_display()}
        )
    wanted: dict[int, Decimal] = {}
    for dl in dlines:
        wanted[dl.order_line_id] = wanted.get(dl.order_line_id, ZERO) + dl.qty
    for ol_id, qty in wanted.items():
        ol = order_lines[ol_id]
        if ol.closed or ol.delivered_qty + qty > ol.qty:
            raise ValidationError(
                _(
                    "Over-delivery refused: %(order)s line %(line)s ordered %(ordered)s, delivered %(done)s, "
                    "this delivery %(qty)s."
                )
                % {
                    "order": order,
                    "line": ol.line_no,
                    "ordered": fmt_decimal(ol.qty),
                    "done": fmt_decimal(ol.delivered_qty),
                    "qty": fmt_decimal(qty),
                },
                code="over_delivery",
            )
    stock_moves_post(
        source_type=DELIVERY_SOURCE,
        source_id=dn.pk,
        source_number=dn.number,
        move_date=dn.delivery_date,
        user=user,
        moves=[
            MoveSpec(dl.item_id, dn.warehouse_id, -dl.qty, None, source_line=dl.pk, kind="sales_issue") for dl in dlines
        ],
    )
    for ol_id, qty in wanted.items():
        ol = order_lines[ol_id]
        ol.delivered_qty += qty
    SalesOrderLine.objects.bulk_update(list(order_lines.values()), ["delivered_qty"])
    POST_FLOW.apply(dn, PostStatus.CONFIRMED)
    dn.confirmed_at, dn.confirmed_by = timezone.now(), user
    dn.save()
    announce(DELIVERY_SOURCE, dn.pk, number=dn.number, on_date=dn.delivery_date, user=user)
    return dn


@transaction.atomic
def delivery_cancel(*, delivery_id: int, user: User | None) -> Delivery:
    dn = Delivery.objects.select_for_update().get(pk=delivery_id)
    if dn.status == PostStatus.CANCELLED:
        return dn
    if dn.status == PostStatus.CONFIRMED:
        raise StateError(_("%(doc)s is posted: record a sales return instead.") % {"doc": dn})
    POST_FLOW.apply(dn, PostStatus.CANCELLED)
    dn.save()
    return dn


@transaction.atomic
def return_create(
    *,
    delivery_id: int,
    quantities: dict[int, Decimal],
    user: User | None,
    return_date=None,
    reason: str = "",
    warehouse_id=None,
) -> SalesReturn:
    """Draft return of a posted delivery; `quantities` {delivery line id: qty}."""
    dn = Delivery.objects.get(pk=delivery_id)
    if dn.status != PostStatus.CONFIRMED:
        raise StateError(_("Only posted deliveries can be returned."))
    lines = {dl.pk: dl for dl in dn.lines.all()}
    quantities = {int(k): to_decimal(v) for k, v in quantities.items() if to_decimal(v) != 0}
    if not quantities:
        raise ValidationError(_("Enter the quantities returned."))
    return_date = return_date or timezone.localdate()
    sr = SalesReturn.objects.create(
        number=next_number("SR", on_date=return_date),
        customer_id=dn.customer_id,
        delivery=dn,
        return_date=return_date,
        warehouse_id=warehouse_id or dn.warehouse_id,
        reason=reason,
        created_by=user,
    )
    objs = []
    for n, (dl_id, qty) in enumerate(sorted(quantities.items()), start=1):
        if dl_id not in lines:
            raise ValidationError(_("Line %(n)s does not belong to %(doc)s.") % {"n": n, "doc": dn})
        objs.append(
            SalesReturnLine(
                sales_return=sr, line_no=n, delivery_line_id=dl_id, item_id=lines[dl_id].item_id, qty=_positive(qty, n)
            )
        )
    SalesReturnLine.objects.bulk_create(objs)
    return sr


@transaction.atomic
def return_confirm(*, return_id: int, user: User | None) -> SalesReturn:
    """Post the goods back at the cost they left with; the order line's delivered quantity drops."""
    sr = SalesReturn.objects.select_for_update().get(pk=return_id)
    if sr.status == PostStatus.CONFIRMED:
        return sr
    POST_FLOW.check(sr, PostStatus.CONFIRMED)
    assert_open(sr.return_date)
    rlines = list(sr.lines.order_by("line_no"))
    dl_ids = sorted({r.delivery_line_id for r in rlines})
    dlines = lock_rows(DeliveryLine.objects.all(), dl_ids)
    ol_ids = sorted({dl.order_line_id for dl in dlines.values()})
    olines = lock_rows(SalesOrderLine.objects.all(), ol_ids)
    costs = dict(
        StockMove.objects.filter(
            source_type=DELIVERY_SOURCE, source_id=sr.delivery_id, source_line__in=dl_ids, reversal=False
        ).values_list("source_line", "unit_cost")
    )
    wanted: dict[int, Decimal] = {}
    for r in rlines:
        wanted[r.delivery_line_id] = wanted.get(r.delivery_line_id, ZERO) + r.qty
    for dl_id, qty in wanted.items():
        dl = dlines[dl_id]
        if dl.returned_qty + qty > dl.qty:
            raise ValidationError(
                _("Return refused: line %(line)s delivered %(qty)s, already returned %(done)s, this return %(ret)s.")
                % {
                    "line": dl.line_no,
                    "qty": fmt_decimal(dl.qty),
                    "done": fmt_decimal(dl.returned_qty),
                    "ret": fmt_decimal(qty),
                },
                code="over_return",
            )
    stock_moves_post(
        source_type=RETURN_SOURCE,
        source_id=sr.pk,
        source_number=sr.number,
        move_date=sr.return_date,
        user=user,
        moves=[
            MoveSpec(
                r.item_id, sr.warehouse_id, r.qty, costs.get(r.delivery_line_id), source_line=r.pk, kind="sales_return"
            )
            for r in rlines
        ],
    )
    for dl_id, qty in wanted.items():
        dl = dlines[dl_id]
        dl.returned_qty += qty
        olines[dl.order_line_id].delivered_qty -= qty
    DeliveryLine.objects.bulk_update(list(dlines.values()), ["returned_qty"])
    SalesOrderLine.objects.bulk_update(list(olines.values()), ["delivered_qty"])
    POST_FLOW.apply(sr, PostStatus.CONFIRMED)
    sr.confirmed_at, sr.confirmed_by = timezone.now(), user
    sr.save()
    announce(RETURN_SOURCE, sr.pk, number=sr.number, on_date=sr.return_date, user=user)
    return sr
