"""委外加工 (domain §3): orders with their own material list, material issue / supplement /
return / scrap at the subcontractor's location, receipts that consume material by the BOM and
accrue the processing fee."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, round_money, round_qty, to_decimal
from erp.locks import lock_row, lock_rows
from erp.numbering import next_number
from erp.periods import assert_open
from erp.postings import announce
from erp.types import User
from inventory.models import Item, Supplier, Warehouse, WarehouseKind
from inventory.services.ledger import MoveSpec, stock_moves_post
from inventory.services.warehouses import subcontractor_location_for

from ..models import (
    AccrualReason,
    OutsourcingConsumption,
    OutsourcingIssue,
    OutsourcingIssueKind,
    OutsourcingIssueLine,
    OutsourcingMaterial,
    OutsourcingOrder,
    OutsourcingReceipt,
)
from ..states import ORDER_FLOW, OrderStatus
from . import prices
from .accruals import accrual_add, outsourcing_receipt_source
from .common import non_negative, positive_qty


def _user(user: User | None) -> User | None:
    return user if getattr(user, "pk", None) else None


def _planning_change(order: OutsourcingOrder, cause: str) -> None:
    """Net change (docs/mrp.md §5): the order's item (supply) and its materials (demand)."""
    from inventory.services.planning import record_planning_change

    items = [order.item_id, *order.materials.values_list("component_id", flat=True)]
    record_planning_change(
        item_ids=items, cause=cause, params={"doc": order.number}, document=order.number, kind="outsourcing_order"
    )


def _checked_header(*, supplier_id, item_id, qty, unit_fee, order_date, start_date, due_date):
    """(supplier, item, qty, fee, start date) of an order's header, checked: the fee blank is the
    supplier's price-list fee for the quantity on the order date (issue 18), never a silent guess."""
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    item = Item.objects.filter(pk=item_id).first()
    if supplier is None or item is None:
        raise ValidationError(_("Choose a supplier and an item."), code="missing")
    qty = positive_qty(qty, label=str(item))
    if unit_fee is None or unit_fee == "":
        row = prices.price_for(item_id=item.pk, supplier_id=supplier.pk, qty=qty, on_date=order_date)
        if row is None:
            raise ValidationError(
                _("%(supplier)s has no processing fee for %(item)s in the price list: enter the fee.")
                % {"supplier": supplier.name, "item": item},
                code="no_price",
            )
        unit_fee = row.price
    start_date = start_date or order_date
    if start_date < order_date:
        raise ValidationError(_("The start date is before the order date."), code="dates")
    if due_date < start_date:
        raise ValidationError(_("The due date is before the start date."), code="dates")
    return supplier, item, qty, non_negative(unit_fee, label=_("Processing fee")), start_date


@transaction.atomic
def outsourcing_order_create(
    *,
    supplier_id: int,
    item_id: int,
    qty,
    unit_fee,
    order_date: datetime.date,
    due_date: datetime.date,
    start_date: datetime.date | None = None,
    tax_rate=None,
    warehouse_id: int | None = None,
    issue_warehouse_id: int | None = None,
    bom_id: int | None = None,
    sales_order_line_id: int | None = None,
    materials: list[dict] | None = None,
    user: User | None = None,
    number: str | None = None,
    source: dict | None = None,
    note: str = "",
) -> OutsourcingOrder:
    """A draft order; its material list is copied from the BOM (bom.selectors.material_list, valid
    on the start date) unless `materials` (component_id, qty_per, required) is given. The fee
    blank: the supplier's price list; the tax rate blank: the item's."""
    from bom.selectors import default_bom

    supplier, item, qty, unit_fee, start_date = _checked_header(
        supplier_id=supplier_id,
        item_id=item_id,
        qty=qty,
        unit_fee=unit_fee,
        order_date=order_date,
        start_date=start_date,
        due_date=due_date,
    )
    if bom_id is None and materials is None:
        bom = default_bom(item.pk)
        bom_id = bom.pk if bom else None
    order = OutsourcingOrder(
        number=number or next_number("OO", on_date=order_date),
        supplier=supplier,
        item=item,
        qty=qty,
        unit_fee=unit_fee,
        tax_rate=item.tax_rate if tax_rate in (None, "") else to_decimal(tax_rate),
        bom_id=bom_id,
        order_date=order_date,
        start_date=start_date,
        due_date=due_date,
        warehouse_id=warehouse_id or item.default_warehouse_id,
        sales_order_line_id=sales_order_line_id,
        note=note,
        created_by=_user(user),
        **(source or {}),
    )
    order.set_totals()
    order.save()
    _build_materials(order, materials=materials, issue_warehouse_id=issue_warehouse_id)
    _planning_change(order, gettext_noop("%(doc)s created"))
    return order


@transaction.atomic
def outsourcing_order_update(
    *,
    order_id: int,
    supplier_id: int,
    item_id: int,
    qty,
    unit_fee,
    order_date: datetime.date,
    due_date: datetime.date,
    start_date: datetime.date | None = None,
    tax_rate=None,
    warehouse_id: int | None = None,
    issue_warehouse_id: int | None = None,
    materials: list[dict] | None = None,
    user: User | None = None,
    note: str = "",
) -> OutsourcingOrder:
    """A draft order changed in place (entry grid, issue 18): header and material list are
    replaced (`materials` None: the BOM's list for the new item and quantity). Refused once
    confirmed, with nothing written."""
    from bom.selectors import default_bom

    order = lock_row(OutsourcingOrder, order_id)
    ORDER_FLOW.check_editable(order, OrderStatus.DRAFT)
    supplier, item, qty, unit_fee, start_date = _checked_header(
        supplier_id=supplier_id,
        item_id=item_id,
        qty=qty,
        unit_fee=unit_fee,
        order_date=order_date,
        start_date=start_date,
        due_date=due_date,
    )
    before = set(order.materials.values_list("component_id", flat=True)) | {order.item_id}
    if item.pk != order.item_id or order.bom_id is None:
        bom = default_bom(item.pk)
        order.bom_id = bom.pk if bom else None
    order.supplier, order.item, order.qty, order.unit_fee = supplier, item, qty, unit_fee
    order.tax_rate = item.tax_rate if tax_rate in (None, "") else to_decimal(tax_rate)
    order.order_date, order.start_date, order.due_date = order_date, start_date, due_date
    order.warehouse_id = warehouse_id or item.default_warehouse_id
    order.note = note
    order.set_totals()
    order.save()
    order.materials.all().delete()
    _build_materials(order, materials=materials, issue_warehouse_id=issue_warehouse_id)
    from inventory.services.planning import record_planning_change

    record_planning_change(
        item_ids=sorted(before | set(order.materials.values_list("component_id", flat=True)) | {item.pk}),
        cause=gettext_noop("%(doc)s changed"),
        params={"doc": order.number},
        document=order.number,
        kind="outsourcing_order",
    )
    return order


def _build_materials(order: OutsourcingOrder, *, materials=None, issue_warehouse_id=None) -> None:
    from bom.selectors import material_list

    rows = []
    if materials is not None:
        for i, m in enumerate(materials, start=1):
            per = positive_qty(m["qty_per"], label=_("Quantity per"))
            rows.append(
                OutsourcingMaterial(
                    order=order,
                    line_no=i * 10,
                    component_id=m["component_id"],
                    qty_per=per,
                    required_qty=round_qty(m.get("required") or per * order.qty),
                    warehouse_id=m.get("warehouse_id") or issue_warehouse_id,
                )
            )
    elif order.bom_id:
        reqs = material_list(item_id=order.item_id, qty=order.qty, as_of=order.start_date, bom_id=order.bom_id)
        for i, r in enumerate(reqs, start=1):
            rows.append(
                OutsourcingMaterial(
                    order=order,
                    line_no=i * 10,
                    component_id=r.component_id,
                    qty_per=round_qty(r.qty_per),
                    required_qty=round_qty(r.required),
                    issue_method=r.issue_method,
                    warehouse_id=issue_warehouse_id or r.warehouse_id,
                    bom_line_id=r.bom_line_id,
                )
            )
    OutsourcingMaterial.objects.bulk_create(rows)


@transaction.atomic
def outsourcing_order_change(*, order_id: int, qty=None, unit_fee=None, due_date=None, user: User | None = None):
    """Change a draft order (or a confirmed one before any material moved): the material list
    is recomputed for a new quantity."""
    order = lock_row(OutsourcingOrder, order_id)
    if order.status not in (OrderStatus.DRAFT, OrderStatus.CONFIRMED) or order.issues.exists():
        raise StateError(_("%(doc)s has material movements: it can no longer change.") % {"doc": order})
    if unit_fee is not None:
        order.unit_fee = non_negative(unit_fee, label=_("Processing fee"))
    if due_date is not None:
        order.due_date = due_date
    if qty is not None:
        new = positive_qty(qty)
        factor = new / order.qty
        mats = list(lock_rows(order.materials.all()).values())
        for m in mats:
            m.required_qty = round_qty(m.required_qty * factor)
        OutsourcingMaterial.objects.bulk_update(mats, ["required_qty"])
        order.qty = new
    order.set_totals()
    order.save()
    _planning_change(order, gettext_noop("%(doc)s changed"))
    return order


@transaction.atomic
def outsourcing_order_reschedule(
    *, order_id: int, due_date: datetime.date, reason: str, user: User | None = None
) -> OutsourcingOrder:
    """Move the expected completion (due date) of a confirmed order, also after material moved
    (e.g. a subcontractor's progress report). Not before the start date. Audited: the order's
    history row carries the old and new date and the reason."""
    if not (reason or "").strip():
        raise ValidationError(_("Give a reason for the change."), code="no_reason")
    order = lock_row(OutsourcingOrder, order_id)
    if order.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("%(doc)s is %(status)s: only confirmed orders can be rescheduled.")
            % {"doc": order, "status": order.get_status_display()},
            code="bad_state",
        )
    if due_date < order.start_date:
        raise ValidationError(
            _("%(doc)s: the due date %(due)s is before the start date %(start)s.")
            % {"doc": order, "due": due_date.isoformat(), "start": order.start_date.isoformat()},
            code="due_before_start",
        )
    if due_date == order.due_date:
        return order
    why = f"due {order.due_date.isoformat()} → {due_date.isoformat()}; {reason.strip()}"
    order._change_reason = why[:100]  # type: ignore[attr-defined]  # simple-history: the audit row says why
    if _user(user):
        order._history_user = user  # type: ignore[attr-defined]
    order.due_date = due_date
    order.save(update_fields=["due_date", "updated_at"])
    _planning_change(order, gettext_noop("%(doc)s rescheduled"))
    return order


@transaction.atomic
def outsourcing_order_confirm(*, order_id: int, user: User | None = None) -> OutsourcingOrder:
    order = lock_row(OutsourcingOrder, order_id)
    if order.status == OrderStatus.CONFIRMED:
        return order
    ORDER_FLOW.apply(order, OrderStatus.CONFIRMED)
    order.confirmed_at = timezone.now()
    order.confirmed_by = _user(user)
    order.save()
    subcontractor_location_for(supplier_id=order.supplier_id)
    _planning_change(order, gettext_noop("%(doc)s confirmed"))
    return order


@transaction.atomic
def outsourcing_order_close(*, order_id: int, user: User | None = None) -> OutsourcingOrder:
    order = lock_row(OutsourcingOrder, order_id)
    if ORDER_FLOW.apply(order, OrderStatus.CLOSED):
        order.save()
        _planning_change(order, gettext_noop("%(doc)s closed short"))
    return order


@transaction.atomic
def outsourcing_order_cancel(*, order_id: int, user: User | None = None) -> OutsourcingOrder:
    order = lock_row(OutsourcingOrder, order_id)
    if order.status == OrderStatus.CANCELLED:
        return order
    if order.received_qty > 0 or any(m.remaining_qty != 0 for m in order.materials.all()):
        raise StateError(
            _("%(doc)s has receipts or material at the subcontractor: return the material and close it.")
            % {"doc": order},
            code="in_progress",
        )
    ORDER_FLOW.apply(order, OrderStatus.CANCELLED)
    order.save()
    _planning_change(order, gettext_noop("%(doc)s cancelled"))
    return order


@transaction.atomic
def outsourcing_material_move(
    *,
    order_id: int,
    kind: str,
    lines: list[tuple[int, Decimal]],
    on_date: datetime.date,
    warehouse_id: int | None = None,
    user: User | None = None,
    note: str = "",
) -> OutsourcingIssue:
    """委外发料 (issue), 补料 (supplement), 退料 (return) or 报废 (scrap) of (material_id, qty).

    issue/supplement: our warehouse → the subcontractor's location; return: back; scrap: written
    off at the subcontractor. Issues beyond the still-to-issue quantity must be supplements.
    The order, then its material lines are locked (primary-key order, erp.locks)."""
    assert_open(on_date)
    order = lock_row(OutsourcingOrder, order_id)
    if order.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("%(doc)s is %(status)s: material moves need a confirmed order.")
            % {"doc": order, "status": order.get_status_display()},
            code="not_confirmed",
        )
    if kind not in OutsourcingIssueKind.values:
        raise ValidationError(_("Unknown movement kind."), code="bad_kind")
    kind = OutsourcingIssueKind(kind)
    if not lines:
        raise ValidationError(_("Enter a quantity on at least one line."), code="no_lines")
    wanted = {int(mid): positive_qty(q) for mid, q in lines}
    mats = lock_rows(OutsourcingMaterial.objects.select_related("component").filter(order=order), wanted, of=("self",))
    if len(mats) != len(wanted):
        raise ValidationError(_("Some lines do not belong to %(doc)s.") % {"doc": order}, code="foreign_line")
    sub = subcontractor_location_for(supplier_id=order.supplier_id)
    our_wh = None
    line_wh: dict[int, int] = {}
    if kind != OutsourcingIssueKind.SCRAP:
        # our side per line: the chosen warehouse, else the material line's, else the component's default
        for mid, m in mats.items():
            wid = warehouse_id or m.warehouse_id or m.component.default_warehouse_id
            if not wid:
                raise ValidationError(_("Choose our warehouse."), code="no_warehouse")
            line_wh[mid] = wid
        whs = Warehouse.objects.in_bulk(set(line_wh.values()))
        if any(w.kind == WarehouseKind.SUBCONTRACTOR for w in whs.values()):
            raise ValidationError(_("Choose one of our own warehouses."), code="bad_warehouse")
        our_wh = whs[line_wh[next(iter(wanted))]]
    for mid, qty in wanted.items():
        m = mats[mid]
        if kind == OutsourcingIssueKind.ISSUE:
            still = m.required_qty - m.net_issued_qty
            if qty > still:
                raise ValidationError(
                    _("%(item)s: only %(still)s are still to issue; issue more as a supplement (补料).")
                    % {"item": m.component, "still": fmt_decimal(max(still, ZERO))},
                    code="over_issue",
                )
        elif kind in (OutsourcingIssueKind.RETURN, OutsourcingIssueKind.SCRAP) and qty > m.remaining_qty:
            raise ValidationError(
                _("%(item)s: only %(left)s are at the subcontractor.")
                % {"item": m.component, "left": fmt_decimal(m.remaining_qty)},
                code="over_return",
            )
    doc = OutsourcingIssue.objects.create(
        number=next_number("OI", on_date=on_date),
        order=order,
        kind=kind,
        issue_date=on_date,
        warehouse=our_wh,
        note=note,
        created_by=_user(user),
    )
    field = {
        OutsourcingIssueKind.ISSUE: "issued_qty",
        OutsourcingIssueKind.SUPPLEMENT: "supplement_qty",
        OutsourcingIssueKind.RETURN: "returned_qty",
        OutsourcingIssueKind.SCRAP: "scrapped_qty",
    }[kind]
    objs = []
    for i, (mid, qty) in enumerate(wanted.items(), start=1):
        m = mats[mid]
        objs.append(OutsourcingIssueLine(issue=doc, line_no=i * 10, material=m, item_id=m.component_id, qty=qty))
        setattr(m, field, getattr(m, field) + qty)
    OutsourcingIssueLine.objects.bulk_create(objs)
    OutsourcingMaterial.objects.bulk_update(list(mats.values()), [field])
    moves = []
    for o in objs:
        if kind in (OutsourcingIssueKind.ISSUE, OutsourcingIssueKind.SUPPLEMENT):
            out_wh, in_wh = line_wh[o.material_id], sub.pk
        elif kind == OutsourcingIssueKind.RETURN:
            out_wh, in_wh = sub.pk, line_wh[o.material_id]
        else:
            out_wh, in_wh = sub.pk, None
        moves.append(MoveSpec(o.item_id, out_wh, -o.qty, source_line=o.pk, kind=f"outsourcing_{kind}_out"))
        if in_wh:
            moves.append(MoveSpec(o.item_id, in_wh, o.qty, source_line=o.pk, kind=f"outsourcing_{kind}_in"))
    # the "in" side takes the cost of the "out" side: post the issues first, then the receipts
    outs = stock_moves_post(
        source_type="procurement.outsourcingissue",
        source_id=doc.pk,
        moves=[m for m in moves if m.qty < 0],
        move_date=on_date,
        user=_user(user),
        source_number=doc.number,
    )
    out_value = {mv.source_line: -mv.value for mv in outs}
    ins = [
        MoveSpec(
            m.item_id, m.warehouse_id, m.qty, value=out_value[m.source_line], source_line=m.source_line, kind=m.kind
        )
        for m in moves
        if m.qty > 0
    ]
    if ins:
        stock_moves_post(
            source_type="procurement.outsourcingissue",
            source_id=doc.pk,
            moves=ins,
            move_date=on_date,
            user=_user(user),
            source_number=doc.number,
        )
    announce("procurement.outsourcingissue", doc.pk, number=doc.number, on_date=on_date, user=user)
    return doc


@transaction.atomic
def outsourcing_receipt_post(
    *,
    order_id: int,
    qty,
    receipt_date: datetime.date,
    warehouse_id: int | None = None,
    user: User | None = None,
    note: str = "",
) -> OutsourcingReceipt:
    """委外入库: the finished item into our warehouse at material + fee; each material line is
    consumed at the subcontractor by the BOM (required × qty / order qty; the last receipt takes
    exactly what is still theoretical); the fee (qty × unit fee) is accrued until invoiced."""
    from erp.models import CompanySettings

    assert_open(receipt_date)
    order = lock_row(OutsourcingOrder, order_id)
    if order.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("%(doc)s is %(status)s: only confirmed orders can be received.")
            % {"doc": order, "status": order.get_status_display()},
            code="not_confirmed",
        )
    qty = positive_qty(qty, label=_("Received quantity"))
    limit = order.qty * (1 + to_decimal(CompanySettings.get().over_receipt_tolerance_pct) / 100)
    if order.received_qty + qty > limit:
        raise ValidationError(
            _("%(doc)s: receiving %(qty)s would make %(total)s of %(ordered)s ordered; at most %(limit)s allowed.")
            % {
                "doc": order,
                "qty": fmt_decimal(qty),
                "total": fmt_decimal(order.received_qty + qty),
                "ordered": fmt_decimal(order.qty),
                "limit": fmt_decimal(limit),
            },
            code="over_receipt",
        )
    wid = warehouse_id or order.warehouse_id
    if not wid:
        raise ValidationError(_("Choose the warehouse the goods go into."), code="no_warehouse")
    sub = subcontractor_location_for(supplier_id=order.supplier_id)
    mats = list(lock_rows(order.materials.all()).values())
    receipt = OutsourcingReceipt.objects.create(
        number=next_number("OR", on_date=receipt_date),
        order=order,
        supplier_id=order.supplier_id,
        item_id=order.item_id,
        receipt_date=receipt_date,
        warehouse_id=wid,
        qty=qty,
        unit_fee=order.unit_fee,
        fee_value=round_money(qty * order.unit_fee),
        note=note,
        created_by=_user(user),
    )
    final = order.received_qty + qty >= order.qty
    consumptions = []
    for m in mats:
        if m.issue_method == "none":
            continue
        theoretical_total = m.required_qty * min(order.received_qty + qty, order.qty) / order.qty
        use = round_qty(m.required_qty if final else theoretical_total) - m.consumed_qty
        use = max(use, ZERO)
        if use > 0:
            consumptions.append((m, use))
    moves = [
        MoveSpec(m.component_id, sub.pk, -use, source_line=m.pk, kind="outsourcing_consume") for m, use in consumptions
    ]
    posted = (
        stock_moves_post(
            source_type="procurement.outsourcingreceipt",
            source_id=receipt.pk,
            moves=moves,
            move_date=receipt_date,
            user=_user(user),
            source_number=receipt.number,
        )
        if moves
        else []
    )
    value_by_mat = {mv.source_line: -mv.value for mv in posted}
    OutsourcingConsumption.objects.bulk_create(
        [
            OutsourcingConsumption(receipt=receipt, material=m, qty=use, value=value_by_mat[m.pk])
            for m, use in consumptions
        ]
    )
    for m, use in consumptions:
        m.consumed_qty += use
    OutsourcingMaterial.objects.bulk_update([m for m, _u in consumptions], ["consumed_qty"])
    receipt.material_value = sum(value_by_mat.values(), ZERO)
    receipt.save(update_fields=["material_value"])
    stock_moves_post(
        source_type="procurement.outsourcingreceipt",
        source_id=receipt.pk,
        moves=[
            MoveSpec(
                order.item_id,
                wid,
                qty,
                value=receipt.material_value + receipt.fee_value,
                source_line=0,
                kind="outsourcing_receipt",
            )
        ],
        move_date=receipt_date,
        user=_user(user),
        source_number=receipt.number,
    )
    order.received_qty += qty
    order.save(update_fields=["received_qty", "updated_at"])
    accrual_add(
        src=outsourcing_receipt_source(receipt),
        on_date=receipt_date,
        qty=qty,
        amount=receipt.fee_value,
        reason=AccrualReason.RECEIPT,
        document_number=receipt.number,
    )
    announce("procurement.outsourcingreceipt", receipt.pk, number=receipt.number, on_date=receipt_date, user=user)
    return receipt
