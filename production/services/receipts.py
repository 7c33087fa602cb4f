"""产品入库: finished-goods receipts with by/joint products and backflush (倒冲).

Confirming a receipt posts, in one ledger call: the product (+q), by/joint products (+q × per)
and the backflush of every backflush line (−q × per; the receipt that completes the order
flushes the remainder so the total equals required). Missing stock refuses the whole receipt
with the shortage list; nothing is posted. Cancelling reverses all of it.
"""

import datetime
from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, round_money
from erp.locks import lock_rows
from erp.numbering import next_number
from erp.periods import assert_open
from erp.postings import announce
from erp.types import User
from inventory.models import StockMove
from inventory.services.ledger import MoveSpec, stock_moves_post, stock_moves_reverse

from ..engine import backflush as bf
from ..models import FGReceipt, FGReceiptLine, PickingAllocation, WorkOrder, WorkOrderMaterial
from ..selectors import receivable_qty
from ..states import DOC_FLOW, WO_FLOW, DocStatus, WorkOrderStatus
from .common import issue_warehouse_id, lock_orders, positive
from .work_orders import mark_started

SOURCE = "production.fgreceipt"
PICKING_SOURCE = "production.picking"
# completed orders still take receipts within the over-receipt tolerance
RECEIVABLE = (WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED, WorkOrderStatus.COMPLETED)


def _check_receivable(wo: WorkOrder, qty):
    if wo.status not in RECEIVABLE:
        raise StateError(
            _("%(wo)s is %(status)s: nothing can be received on it.") % {"wo": wo, "status": wo.get_status_display()},
            code="not_receivable",
        )
    room, sets = receivable_qty(wo)
    if qty > room:
        if sets is not None:
            msg = _("%(wo)s: at most %(room)s more can be received (issued sets %(sets)s, received %(received)s).")
        else:
            msg = _(
                "%(wo)s: at most %(room)s more can be received (order %(qty)s, tolerance %(tol)s %%, received %(received)s)."
            )
        raise ValidationError(
            msg
            % {
                "wo": wo,
                "room": fmt_decimal(room),
                "sets": fmt_decimal(sets or ZERO),
                "qty": fmt_decimal(wo.qty),
                "tol": fmt_decimal(wo.receipt_tolerance_pct),
                "received": fmt_decimal(wo.received_qty),
            },
            code="over_receipt",
        )


@transaction.atomic
def fg_receipt_create(
    *,
    work_order_id: int,
    qty,
    receipt_date: datetime.date | None = None,
    warehouse_id: int | None = None,
    user: User | None = None,
) -> FGReceipt:
    wo = lock_orders([work_order_id])[work_order_id]
    qty = positive(qty, _("Quantity"))
    _check_receivable(wo, qty)
    wh = warehouse_id or wo.warehouse_id or wo.item.default_warehouse_id
    if not wh:
        raise ValidationError(_("Choose the warehouse that receives the goods."), code="no_warehouse")
    receipt_date = receipt_date or timezone.localdate()
    return FGReceipt.objects.create(
        number=next_number("FR", on_date=receipt_date),
        work_order=wo,
        receipt_date=receipt_date,
        qty=qty,
        warehouse_id=wh,
        created_by=user if getattr(user, "pk", None) else None,
    )


@transaction.atomic
def fg_receipt_confirm(*, receipt_id: int, user: User | None = None) -> FGReceipt:
    receipt = FGReceipt.objects.select_for_update().get(pk=receipt_id)
    if receipt.status == DocStatus.CONFIRMED:
        return receipt
    DOC_FLOW.check(receipt, DocStatus.CONFIRMED)
    assert_open(receipt.receipt_date)
    wo = lock_orders([receipt.work_order_id])[receipt.work_order_id]
    materials = list(
        lock_rows(
            WorkOrderMaterial.objects.select_related("component", "component__default_warehouse").filter(work_order=wo),
            of=("self",),
        ).values()
    )
    wo._prefetched_objects_cache = {"materials": materials}  # type: ignore[attr-defined]  # reuse the locked rows
    _check_receivable(wo, receipt.qty)
    q = receipt.qty
    moves = [MoveSpec(item_id=wo.item_id, warehouse_id=receipt.warehouse_id, qty=q, kind="fg_receipt")]
    lines = []
    changed = []
    for out in bf.receipt_outputs(
        receipt_qty=q, order_qty=wo.qty, received_before=wo.received_qty, materials=materials
    ):
        m = out.material
        if out.kind == bf.BACKFLUSH:
            wh = issue_warehouse_id(m, wo)
            m.backflushed_qty += out.qty
            kind = FGReceiptLine.Kind.BACKFLUSH
        else:
            wh = m.warehouse_id or m.component.default_warehouse_id or receipt.warehouse_id
            m.received_qty += out.qty
            kind = FGReceiptLine.Kind(out.kind)
        lines.append(
            FGReceiptLine(receipt=receipt, kind=kind, material=m, item_id=m.component_id, warehouse_id=wh, qty=out.qty)
        )
        changed.append(m)
    for line in lines:
        sign = -1 if line.kind == FGReceiptLine.Kind.BACKFLUSH else 1
        moves.append(
            MoveSpec(
                item_id=line.item_id,
                warehouse_id=line.warehouse_id,
                qty=sign * line.qty,
                source_line=line.material.pk,
                kind="backflush" if sign < 0 else "co_product",
            )
        )
    # backflush first (a shortage raises InsufficientStock listing every short line and the
    # transaction rolls back: all or nothing), then the outputs at the order's cost
    stock_moves_post(
        source_type=SOURCE,
        source_id=receipt.pk,
        moves=[m for m in moves if m.qty < 0],
        move_date=receipt.receipt_date,
        user=user,
        source_number=receipt.number,
    )
    stock_moves_post(
        source_type=SOURCE,
        source_id=receipt.pk,
        moves=_valued_outputs(wo, receipt, [m for m in moves if m.qty > 0], lines),
        move_date=receipt.receipt_date,
        user=user,
        source_number=receipt.number,
    )
    FGReceiptLine.objects.bulk_create(lines)
    if changed:
        WorkOrderMaterial.objects.bulk_update(changed, ["backflushed_qty", "received_qty"])
    mark_started(wo, receipt.receipt_date)
    wo.received_qty += q
    fields = ["received_qty", "updated_at"]
    if wo.received_qty >= wo.qty and wo.status == WorkOrderStatus.STARTED:
        WO_FLOW.apply(wo, WorkOrderStatus.COMPLETED)
        wo.actual_finish = receipt.receipt_date
        fields += ["status", "actual_finish"]
    wo.save(update_fields=fields)
    DOC_FLOW.apply(receipt, DocStatus.CONFIRMED)
    receipt.confirmed_at = timezone.now()
    receipt.confirmed_by = user if getattr(user, "pk", None) else None
    receipt.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
    announce(SOURCE, receipt.pk, number=receipt.number, on_date=receipt.receipt_date, user=user)
    return receipt


def _order_wip_value(wo: WorkOrder) -> Decimal:
    """Value still in process on the order as posted: material issued (pickings by their
    allocations, backflush) less what its receipts took out (product, joint/by-products)."""
    allocs = list(
        PickingAllocation.objects.filter(material__work_order=wo, issued_qty__gt=0)
        .select_related("line")
        .only("issued_qty", "line__issued_qty", "line__picking_id")
    )
    consumed = ZERO
    if allocs:
        line_value = dict(
            StockMove.objects.filter(
                source_type=PICKING_SOURCE,
                source_id__in={a.line.picking_id for a in allocs},
                source_line__in={a.line_id for a in allocs},
            )
            .values_list("source_line")
            .annotate(v=Sum("value"))
            .order_by()
        )
        for a in allocs:
            if a.line.issued_qty:
                consumed -= line_value.get(a.line_id, ZERO) * a.issued_qty / a.line.issued_qty
    receipts = StockMove.objects.filter(
        source_type=SOURCE, source_id__in=FGReceipt.objects.filter(work_order=wo).values("pk")
    ).aggregate(v=Sum("value"))["v"]
    # backflush moves are negative (consumed), outputs positive (taken out): both subtract
    return consumed - (receipts or ZERO)


def _valued_outputs(wo: WorkOrder, receipt: FGReceipt, outputs: list[MoveSpec], lines) -> list[MoveSpec]:
    """The product and its joint/by-products valued at the order's cost so no value is lost:
    this receipt's share of the WIP (all of it on the final receipt), joint and by-products by
    their cost share of it, the product the rest. Without WIP value (nothing issued) they keep
    the ledger's default (average, else standard cost); the period cost run recomputes."""
    wip = _order_wip_value(wo)
    if wip <= 0:
        return outputs
    open_qty = wo.qty - wo.received_qty
    total = wip if receipt.qty >= open_qty else round_money(wip * receipt.qty / open_qty)
    share = {ln.material.pk: ln.material.cost_share or ZERO for ln in lines if ln.kind != FGReceiptLine.Kind.BACKFLUSH}
    valued = []
    rest = total
    for m in outputs:
        if m.kind == "co_product":
            v = round_money(total * share.get(m.source_line, ZERO))
            rest -= v
            valued.append(replace(m, value=v))
    main = [m for m in outputs if m.kind != "co_product"]
    return [replace(m, value=rest) for m in main] + valued


@transaction.atomic
def fg_receipt_cancel(*, receipt_id: int, on_date: datetime.date | None = None, user: User | None = None) -> FGReceipt:
    """Cancel a draft; a confirmed receipt is reversed (product out, backflush back in)."""
    receipt = FGReceipt.objects.select_for_update().get(pk=receipt_id)
    if receipt.status == DocStatus.CANCELLED:
        return receipt
    DOC_FLOW.check(receipt, DocStatus.CANCELLED)
    if receipt.status == DocStatus.CONFIRMED:
        wo = lock_orders([receipt.work_order_id])[receipt.work_order_id]
        if wo.status in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED):
            raise StateError(
                _("%(wo)s is closed: its receipts can no longer be cancelled.") % {"wo": wo}, code="closed"
            )
        lines = list(receipt.lines.all())
        materials = lock_rows(WorkOrderMaterial.objects.all(), [line.material_id for line in lines])
        stock_moves_reverse(
            source_type=SOURCE, source_id=receipt.pk, move_date=on_date or receipt.receipt_date, user=user
        )
        announce(
            SOURCE,
            receipt.pk,
            number=receipt.number,
            on_date=on_date or receipt.receipt_date,
            reversal=True,
            user=user,
        )
        for line in lines:
            m = materials[line.material_id]
            if line.kind == FGReceiptLine.Kind.BACKFLUSH:
                m.backflushed_qty -= line.qty
            else:
                m.received_qty -= line.qty
        WorkOrderMaterial.objects.bulk_update(list(materials.values()), ["backflushed_qty", "received_qty"])
        wo.received_qty -= receipt.qty
        fields = ["received_qty", "updated_at"]
        if wo.status == WorkOrderStatus.COMPLETED and wo.received_qty < wo.qty:
            WO_FLOW.apply(wo, WorkOrderStatus.STARTED)
            wo.actual_finish = None
            fields += ["status", "actual_finish"]
        wo.save(update_fields=fields)
    DOC_FLOW.apply(receipt, DocStatus.CANCELLED)
    receipt.save(update_fields=["status", "updated_at"])
    return receipt
