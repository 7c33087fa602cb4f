"""采购入库 and 采购退货: post stock at the PO price, accrue (暂估), write back to the PO."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, round_money, to_decimal
from erp.locks import lock_row, lock_rows
from erp.models import CompanySettings
from erp.notify import notifications_resolve, notify_module
from erp.numbering import next_number
from erp.periods import assert_open
from erp.postings import announce
from erp.types import User
from inventory.models import Warehouse, WarehouseKind
from inventory.services.ledger import MoveSpec, stock_moves_post

from ..models import (
    AccrualReason,
    AdjustmentKind,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseReturn,
    PurchaseReturnLine,
)
from ..states import OrderStatus
from .accruals import (
    GR_LINE,
    AccrualSpec,
    AdjustmentSpec,
    accrual_add_many,
    accrual_balances,
    post_adjustments_many,
    receipt_line_source,
)
from .common import positive_qty


def _user(user: User | None) -> User | None:
    return user if getattr(user, "pk", None) else None


def receipt_warehouse(po: PurchaseOrder, line: PurchaseOrderLine, warehouse_id: int | None) -> int:
    wid = warehouse_id or po.warehouse_id or line.item.default_warehouse_id
    if not wid:
        raise ValidationError(_("Choose the warehouse the goods go into."), code="no_warehouse")
    return wid


@transaction.atomic
def purchase_receipt_post(
    *,
    order_id: int,
    lines: list[tuple[int, Decimal]],
    receipt_date: datetime.date,
    warehouse_id: int | None = None,
    user: User | None = None,
    note: str = "",
) -> PurchaseReceipt:
    """Receive (po_line_id, qty) pairs of one confirmed order. The PO lines are locked, so two
    clerks receiving the last open quantity at once cannot both succeed. Over-receipt beyond
    CompanySettings.over_receipt_tolerance_pct is refused and nothing is posted."""
    if not lines:
        raise ValidationError(_("Enter a quantity on at least one line."), code="no_lines")
    period = assert_open(receipt_date)
    po = lock_row(PurchaseOrder.objects.select_related("supplier", "warehouse"), order_id, of=("self",))
    if po.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("%(doc)s is %(status)s: only confirmed orders can be received.")
            % {"doc": po, "status": po.get_status_display()},
            code="not_confirmed",
        )
    wanted = {int(lid): positive_qty(q, label=_("Received quantity")) for lid, q in lines}
    po_lines = lock_rows(PurchaseOrderLine.objects.select_related("item").filter(order=po), wanted, of=("self",))
    if len(po_lines) != len(wanted):
        raise ValidationError(_("Some lines do not belong to %(doc)s.") % {"doc": po}, code="foreign_line")
    tolerance = to_decimal(CompanySettings.get().over_receipt_tolerance_pct)
    first = po_lines[next(iter(wanted))]
    wid = receipt_warehouse(po, first, warehouse_id)
    wh = po.warehouse if po.warehouse is not None and wid == po.warehouse_id else Warehouse.objects.get(pk=wid)
    if wh.kind == WarehouseKind.SUBCONTRACTOR:
        raise ValidationError(_("Purchased goods cannot be received into a subcontractor location."))
    for lid, qty in wanted.items():
        ln = po_lines[lid]
        if ln.closed:
            raise StateError(_("%(doc)s line %(line)s is closed.") % {"doc": po, "line": ln.line_no}, code="closed")
        limit = ln.qty * (1 + tolerance / 100)
        if ln.net_received_qty + qty > limit:
            raise ValidationError(
                _(
                    "%(doc)s line %(line)s (%(item)s): receiving %(qty)s would make %(total)s of %(ordered)s "
                    "ordered; the tolerance allows at most %(limit)s."
                )
                % {
                    "doc": po,
                    "line": ln.line_no,
                    "item": ln.item,
                    "qty": fmt_decimal(qty),
                    "total": fmt_decimal(ln.net_received_qty + qty),
                    "ordered": fmt_decimal(ln.qty),
                    "limit": fmt_decimal(limit),
                },
                code="over_receipt",
            )
    receipt = PurchaseReceipt.objects.create(
        number=next_number("GR", on_date=receipt_date),
        supplier=po.supplier,
        order=po,
        receipt_date=receipt_date,
        warehouse=wh,
        note=note,
        created_by=_user(user),
    )
    rlines = []
    for i, (lid, qty) in enumerate(wanted.items(), start=1):
        ln = po_lines[lid]
        rlines.append(
            PurchaseReceiptLine(
                receipt=receipt,
                line_no=i * 10,
                po_line=ln,
                item=ln.item,
                qty=qty,
                unit_price=ln.unit_price,
                value=round_money(qty * ln.unit_price),
            )
        )
        ln.received_qty += qty
    PurchaseReceiptLine.objects.bulk_create(rlines)
    PurchaseOrderLine.objects.bulk_update(list(po_lines.values()), ["received_qty"])
    stock_moves_post(
        source_type="procurement.purchasereceipt",
        source_id=receipt.pk,
        moves=[
            MoveSpec(
                item_id=rl.item_id,
                warehouse_id=wh.pk,
                qty=rl.qty,
                unit_cost=rl.unit_price,
                value=rl.value,
                source_line=rl.pk,
                kind="purchase_receipt",
            )
            for rl in rlines
        ],
        move_date=receipt_date,
        user=_user(user),
        source_number=receipt.number,
        period=period,
        items={ln.item_id: ln.item for ln in po_lines.values()},
        warehouses={wh.pk: wh},
        savepoint=False,  # any error rolls back this whole receipt (nothing here catches it)
    )
    accrual_add_many(
        [
            AccrualSpec(receipt_line_source(rl), receipt_date, rl.qty, rl.value, AccrualReason.RECEIPT, receipt.number)
            for rl in rlines
        ],
        period=period,
    )
    announce("procurement.purchasereceipt", receipt.pk, number=receipt.number, on_date=receipt_date, user=user)
    notify_module(
        module="purchasing",
        key=f"receipt:{receipt.pk}",
        title=_("Receipt %(number)s waits for invoice matching") % {"number": receipt.number},
        body=_("Match the supplier's invoice to the received lines."),
        url=reverse("procurement:receipt_detail", args=[receipt.pk]),
    )
    return receipt


def receipts_resolve_invoiced(receipt_ids) -> None:
    """Receipts with nothing left to invoice (received − returned − invoiced) leave the buyer's
    hand-offs."""
    lines = PurchaseReceiptLine.objects.filter(receipt_id__in=list(receipt_ids)).only(
        "receipt_id", "qty", "returned_qty", "invoiced_qty"
    )
    open_ids = {ln.receipt_id for ln in lines if ln.qty - ln.returned_qty - ln.invoiced_qty > 0}
    for rid in set(receipt_ids) - open_ids:
        notifications_resolve(key=f"receipt:{rid}")


@transaction.atomic
def purchase_return_post(
    *,
    receipt_id: int,
    lines: list[tuple[int, Decimal]],
    return_date: datetime.date,
    user: User | None = None,
    reason: str = "",
) -> PurchaseReturn:
    """退货: give back (receipt_line_id, qty) of goods not yet invoiced (invoiced goods need a
    red-letter invoice first). Stock leaves at the receipt price; the accrual is reversed; the
    PO line's open quantity grows again unless the line is closed."""
    assert_open(return_date)
    receipt = lock_row(PurchaseReceipt, receipt_id)
    if not lines:
        raise ValidationError(_("Enter a quantity on at least one line."), code="no_lines")
    wanted = {int(lid): positive_qty(q, label=_("Returned quantity")) for lid, q in lines}
    # the receipt, its lines, their PO lines: each table in primary-key order (erp.locks)
    rlines = lock_rows(PurchaseReceiptLine.objects.select_related("item").filter(receipt=receipt), wanted, of=("self",))
    if len(rlines) != len(wanted):
        raise ValidationError(_("Some lines do not belong to %(doc)s.") % {"doc": receipt}, code="foreign_line")
    po_lines = lock_rows(PurchaseOrderLine.objects.all(), {rl.po_line_id for rl in rlines.values()})
    for lid, qty in wanted.items():
        rl = rlines[lid]
        if qty > rl.uninvoiced_qty:
            raise ValidationError(
                _("%(item)s: at most %(max)s can be returned (received, not returned and not invoiced).")
                % {"item": rl.item, "max": fmt_decimal(rl.uninvoiced_qty)},
                code="over_return",
            )
    ret = PurchaseReturn.objects.create(
        number=next_number("RT", on_date=return_date),
        supplier_id=receipt.supplier_id,
        receipt=receipt,
        return_date=return_date,
        reason=reason,
        created_by=_user(user),
    )
    objs = []
    for i, (lid, qty) in enumerate(wanted.items(), start=1):
        rl = rlines[lid]
        value = rl.value if qty == rl.qty else round_money(qty * rl.unit_price)
        objs.append(
            PurchaseReturnLine(purchase_return=ret, line_no=i * 10, receipt_line=rl, item=rl.item, qty=qty, value=value)
        )
        rl.returned_qty += qty
    PurchaseReturnLine.objects.bulk_create(objs)
    PurchaseReceiptLine.objects.bulk_update(list(rlines.values()), ["returned_qty"])
    for obj in objs:
        po_lines[obj.receipt_line.po_line_id].returned_qty += obj.qty
    PurchaseOrderLine.objects.bulk_update(list(po_lines.values()), ["returned_qty"])
    # The accrual of the returned value is reversed. Where it was already reversed at a period
    # start (mode 月初一次冲回), that part is first put back on the stock value, so the return takes
    # out exactly what it adds back and the period-end re-accrual stays right.
    for rl in rlines.values():
        rl.receipt = receipt  # the accrual sources below read the receipt's number, date and warehouse
    balances = accrual_balances([(GR_LINE, o.receipt_line_id) for o in objs])
    entries, reaccruals = [], []
    for o in objs:
        src = receipt_line_source(rlines[o.receipt_line_id])
        key = (GR_LINE, o.receipt_line_id)
        open_part = min(o.value, max(balances[key], ZERO))
        balances[key] -= open_part
        if open_part:
            entries.append(AccrualSpec(src, return_date, -o.qty, -open_part, AccrualReason.RETURN, ret.number))
        if o.value - open_part:
            reaccruals.append(AdjustmentSpec(src, [(AdjustmentKind.REACCRUAL, o.value - open_part)], o.qty, o.pk))
    accrual_add_many(entries)
    post_adjustments_many(
        reaccruals,
        on_date=return_date,
        stock_source_type="procurement.purchasereturn",
        stock_source_id=ret.pk,
        document_number=ret.number,
        user=user,
    )
    stock_moves_post(
        source_type="procurement.purchasereturn",
        source_id=ret.pk,
        moves=[
            MoveSpec(
                item_id=o.item_id,
                warehouse_id=receipt.warehouse_id,
                qty=-o.qty,
                unit_cost=o.receipt_line.unit_price,
                value=-o.value,
                source_line=o.pk,
                kind="purchase_return",
            )
            for o in objs
        ],
        move_date=return_date,
        user=_user(user),
        source_number=ret.number,
    )
    announce("procurement.purchasereturn", ret.pk, number=ret.number, on_date=return_date, user=user)
    return ret
