"""采购订单: create, confirm, change before receipt, close short, cancel."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, to_decimal
from erp.locks import lock_row, lock_rows
from erp.numbering import next_number
from erp.texts import render_text
from erp.types import User
from inventory.models import Item, Supplier

from ..models import PurchaseOrder, PurchaseOrderLine
from ..states import ORDER_FLOW, OrderStatus
from . import prices
from .common import non_negative, positive_qty
from .requisitions import write_back_ordered


def _user(user: User | None) -> User | None:
    return user if getattr(user, "pk", None) else None


def _planning_change(po: PurchaseOrder, item_ids, cause: str, **params) -> None:
    """Net change (docs/mrp.md §5): the plan of these items follows this order."""
    from inventory.services.planning import record_planning_change

    record_planning_change(
        item_ids=item_ids,
        cause=cause,
        params={"doc": po.number, **params},
        document=po.number,
        line_no=params.get("line"),
        kind="purchase_order",
    )


@transaction.atomic
def purchase_order_create(
    *,
    supplier_id: int,
    order_date: datetime.date,
    lines: list[dict],
    user: User | None = None,
    warehouse_id: int | None = None,
    note: str = "",
    number: str | None = None,
) -> PurchaseOrder:
    """lines: item_id, qty, unit_price (None → price list → standard cost), due_date (None → order
    date + price-list or item lead time), tax_rate (optional)."""
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None:
        raise ValidationError(_("Unknown supplier."), code="unknown_supplier")
    if not lines:
        raise ValidationError(_("A purchase order needs at least one line."), code="no_lines")
    items = Item.objects.in_bulk({ln["item_id"] for ln in lines})
    po = PurchaseOrder.objects.create(
        number=number or next_number("PO", on_date=order_date),
        supplier=supplier,
        order_date=order_date,
        warehouse_id=warehouse_id,
        note=note,
        created_by=_user(user),
    )
    objs = []
    for i, ln in enumerate(lines, start=1):
        obj = PurchaseOrderLine(order=po)
        _fill_line(obj, ln, i, items=items, supplier=supplier, order_date=order_date)
        objs.append(obj)
    PurchaseOrderLine.objects.bulk_create(objs)
    po.set_totals(objs)
    po.save(update_fields=["amount", "tax_amount", "total"])
    _planning_change(po, [o.item_id for o in objs], gettext_noop("%(doc)s created"))
    return po


def _fill_line(obj: PurchaseOrderLine, ln: dict, i: int, *, items: dict, supplier, order_date) -> None:
    """One order line from its input: price empty → price list → standard cost; due date empty →
    order date + the price list's or the item's lead time; tax rate empty → the item's (the price
    list holds no tax rate)."""
    item = items.get(ln["item_id"])
    if item is None:
        raise ValidationError(_("Unknown item %(id)s.") % {"id": ln["item_id"]}, code="unknown_item")
    qty = positive_qty(ln["qty"], label=str(item))
    row = prices.price_for(item_id=item.pk, supplier_id=supplier.pk, qty=qty, on_date=order_date)
    price = ln.get("unit_price")
    if price is None or price == "":
        price = row.price if row else item.standard_cost
    lead = row.lead_time_days if row else item.lead_time_days
    due = ln.get("due_date") or order_date + datetime.timedelta(days=lead)
    _check_due(due, order_date, item)
    obj.line_no = ln.get("line_no") or i * 10
    obj.item, obj.qty, obj.due_date = item, qty, due
    obj.unit_price = non_negative(price, label=_("Unit price"))
    obj.note = ln.get("note", "")
    obj.tax_rate = item.tax_rate if ln.get("tax_rate") in (None, "") else to_decimal(ln["tax_rate"])
    obj.set_amounts()


@transaction.atomic
def purchase_order_update(
    *,
    order_id: int,
    supplier_id: int,
    order_date: datetime.date,
    lines: list[dict],
    user: User | None = None,
    warehouse_id: int | None = None,
    note: str = "",
) -> PurchaseOrder:
    """A draft purchase order changed in place (entry grid, issue 18): line n keeps its row (its
    requisition links stay), surplus lines are deleted. Refused once confirmed (nothing written)."""
    po = lock_row(PurchaseOrder, order_id)
    ORDER_FLOW.check_editable(po, OrderStatus.DRAFT)
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None:
        raise ValidationError(_("Unknown supplier."), code="unknown_supplier")
    if not lines:
        raise ValidationError(_("A purchase order needs at least one line."), code="no_lines")
    items = Item.objects.in_bulk({ln["item_id"] for ln in lines})
    existing = list(po.lines.order_by("line_no", "pk"))
    before = {o.item_id for o in existing}
    keep: list[PurchaseOrderLine] = []
    create: list[PurchaseOrderLine] = []
    deltas: dict[int | None, Decimal] = defaultdict(Decimal)
    for i, ln in enumerate(lines, start=1):
        obj = existing[i - 1] if i <= len(existing) else PurchaseOrderLine(order=po)
        old_item, old_qty = obj.item_id, obj.qty
        _fill_line(obj, ln, i, items=items, supplier=supplier, order_date=order_date)
        if obj.requisition_line_id:
            if obj.item_id != old_item:
                raise ValidationError(
                    _("Line %(n)s comes from a requisition: its item cannot change.") % {"n": i},
                    code="line_from_requisition",
                )
            deltas[obj.requisition_line_id] += obj.qty - old_qty
        (keep if obj.pk else create).append(obj)
    surplus = existing[len(lines) :]
    if any(o.requisition_line_id for o in surplus):
        raise ValidationError(
            _("A line converted from a requisition cannot be removed from the draft; cancel the order instead."),
            code="line_from_requisition",
        )
    PurchaseOrderLine.objects.filter(pk__in=[o.pk for o in surplus]).delete()
    fields = ["line_no", "item", "qty", "unit_price", "due_date", "note", "tax_rate", "amount", "tax_amount"]
    PurchaseOrderLine.objects.bulk_update(keep, fields)
    PurchaseOrderLine.objects.bulk_create(create)
    po.supplier, po.order_date, po.warehouse_id, po.note = supplier, order_date, warehouse_id, note
    po.set_totals(keep + create)
    po.save(
        update_fields=["supplier", "order_date", "warehouse", "note", "amount", "tax_amount", "total", "updated_at"]
    )
    write_back_ordered(deltas=dict(deltas))
    _planning_change(po, before | {o.item_id for o in keep + create}, gettext_noop("%(doc)s changed"))
    return po


def refresh_order_totals(po: PurchaseOrder) -> None:
    """Store the order's totals again after a line changed (sums of the rounded line amounts)."""
    po.set_totals(list(po.lines.all()))
    po.save(update_fields=["amount", "tax_amount", "total", "updated_at"])


def _check_due(due: datetime.date, order_date: datetime.date, what) -> None:
    if due < order_date:
        raise ValidationError(
            _("%(what)s: the due date %(due)s is before the order date %(date)s.")
            % {"what": what, "due": due.isoformat(), "date": order_date.isoformat()},
            code="due_before_order",
        )


@transaction.atomic
def purchase_order_confirm(*, order_id: int, user: User | None = None) -> PurchaseOrder:
    po = lock_row(PurchaseOrder, order_id)
    if po.status == OrderStatus.CONFIRMED:
        return po
    if not po.lines.exists():
        raise ValidationError(_("A purchase order needs at least one line."), code="no_lines")
    ORDER_FLOW.apply(po, OrderStatus.CONFIRMED)
    po.confirmed_at = timezone.now()
    po.confirmed_by = _user(user)
    po.save()
    _planning_change(po, po.lines.values_list("item_id", flat=True), gettext_noop("%(doc)s confirmed"))
    return po


@transaction.atomic
def purchase_order_line_change(
    *,
    line_id: int,
    user: User | None = None,
    qty=None,
    unit_price=None,
    due_date: datetime.date | None = None,
) -> PurchaseOrderLine:
    """变更 before receipt: quantity, price and due date of a line nothing was received on yet.
    A changed quantity is written back to the requisition line it came from."""
    order_id = PurchaseOrderLine.objects.filter(pk=line_id).values_list("order_id", flat=True).get()
    po = lock_row(PurchaseOrder, order_id)  # the order before its line, as every service (erp.locks)
    line = lock_row(PurchaseOrderLine.objects.select_related("item"), line_id, of=("self",))
    if po.status not in (OrderStatus.DRAFT, OrderStatus.CONFIRMED) or line.closed:
        raise StateError(
            _("%(doc)s is %(status)s: its lines cannot change.") % {"doc": po, "status": po.get_status_display()},
            code="bad_state",
        )
    if line.received_qty > 0:
        raise StateError(
            _("%(doc)s line %(line)s has receipts: it can no longer change (close it short instead).")
            % {"doc": po, "line": line.line_no},
            code="received",
        )
    if qty is not None:
        new_qty = positive_qty(qty, label=str(line.item_id))
        write_back_ordered(deltas={line.requisition_line_id: new_qty - line.qty})
        line.qty = new_qty
    if unit_price is not None:
        line.unit_price = non_negative(unit_price, label=_("Unit price"))
    if due_date is not None:
        _check_due(due_date, po.order_date, line.item)
        line.due_date = due_date
    line.set_amounts()
    line.save()
    refresh_order_totals(po)  # the order's history shows when it changed
    _planning_change(po, [line.item_id], gettext_noop("%(doc)s line %(line)s changed"), line=line.line_no)
    return line


@transaction.atomic
def purchase_order_line_reschedule(
    *,
    line_id: int,
    qty=None,
    due_date: datetime.date | None = None,
    reason: str,
    user: User | None = None,
) -> PurchaseOrderLine:
    """改期/改量 of a confirmed order's line (e.g. a supplier's proposal the buyer accepted): the only
    place a confirmed line's quantity or due date changes once goods may have arrived. The new
    quantity may not fall below what was received net; the date may not precede the order date.
    Audited: the order's history row carries the old and new values and the reason."""
    if not (reason or "").strip():
        raise ValidationError(_("Give a reason for the change."), code="no_reason")
    order_id = PurchaseOrderLine.objects.filter(pk=line_id).values_list("order_id", flat=True).get()
    po = lock_row(PurchaseOrder, order_id)  # the order before its line (erp.locks)
    line = lock_row(PurchaseOrderLine.objects.select_related("item"), line_id, of=("self",))
    if po.status != OrderStatus.CONFIRMED or line.closed:
        raise StateError(
            _("%(doc)s line %(line)s is closed or its order is not confirmed: it cannot be rescheduled.")
            % {"doc": po, "line": line.line_no},
            code="bad_state",
        )
    changes = []
    if qty is not None:
        new_qty = positive_qty(qty, label=str(line.item))
        if new_qty < line.net_received_qty:
            raise ValidationError(
                _("%(doc)s line %(line)s: %(received)s were already received; the quantity cannot be less.")
                % {"doc": po, "line": line.line_no, "received": fmt_decimal(line.net_received_qty)},
                code="below_received",
            )
        if new_qty != line.qty:
            write_back_ordered(deltas={line.requisition_line_id: new_qty - line.qty})
            changes.append(
                [
                    gettext_noop("quantity %(old)s → %(new)s"),
                    {"old": fmt_decimal(line.qty), "new": fmt_decimal(new_qty)},
                ]
            )
            line.qty = new_qty
    if due_date is not None and due_date != line.due_date:
        _check_due(due_date, po.order_date, line.item)
        changes.append(
            [gettext_noop("due %(old)s → %(new)s"), {"old": line.due_date.isoformat(), "new": due_date.isoformat()}]
        )
        line.due_date = due_date
    if not changes:
        return line
    line.set_amounts()
    line.save()
    why = render_text(
        gettext_noop("line %(line)s: %(changes)s; %(reason)s"),
        {"line": line.line_no, "changes": changes, "reason": reason.strip()},
    )
    po._change_reason = why[:100]  # type: ignore[attr-defined]  # simple-history: the audit row says why
    if _user(user):
        po._history_user = user  # type: ignore[attr-defined]
    refresh_order_totals(po)  # the order's history row (with the change reason) is the audit record
    _planning_change(
        po, [line.item_id], gettext_noop("%(doc)s line %(line)s: %(changes)s"), line=line.line_no, changes=changes
    )
    return line


@transaction.atomic
def purchase_order_close(*, order_id: int, user: User | None = None) -> PurchaseOrder:
    """Close short (关闭): what was received stays; nothing more can be received."""
    po = lock_row(PurchaseOrder, order_id)
    if ORDER_FLOW.apply(po, OrderStatus.CLOSED):
        items = list(po.lines.filter(closed=False).values_list("item_id", flat=True))
        po.lines.update(closed=True)
        po.save()
        _planning_change(po, items, gettext_noop("%(doc)s closed short"))
    return po


@transaction.atomic
def purchase_order_line_close(*, line_id: int, user: User | None = None) -> PurchaseOrderLine:
    order_id = PurchaseOrderLine.objects.filter(pk=line_id).values_list("order_id", flat=True).get()
    po = lock_row(PurchaseOrder, order_id)
    line = lock_row(PurchaseOrderLine, line_id)
    if po.status != OrderStatus.CONFIRMED:
        raise StateError(_("Only lines of confirmed orders can be closed short."), code="bad_state")
    if not line.closed:
        line.closed = True
        line.save(update_fields=["closed"])
        _planning_change(po, [line.item_id], gettext_noop("%(doc)s line %(line)s closed short"), line=line.line_no)
    if not po.lines.filter(closed=False).exists():
        ORDER_FLOW.apply(po, OrderStatus.CLOSED)
        po.save()
    return line


@transaction.atomic
def purchase_order_cancel(*, order_id: int, user: User | None = None) -> PurchaseOrder:
    """Cancel an order nothing was received on; its quantities go back to the requisitions."""
    po = lock_row(PurchaseOrder, order_id)
    if po.status == OrderStatus.CANCELLED:
        return po
    lines = list(lock_rows(po.lines.all()).values())
    if any(ln.received_qty > 0 for ln in lines):
        raise StateError(
            _("%(doc)s has receipts: return the goods and close it instead of cancelling.") % {"doc": po},
            code="received",
        )
    ORDER_FLOW.check(po, OrderStatus.CANCELLED)
    back: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for ln in lines:
        back[ln.requisition_line_id] -= ln.qty
    write_back_ordered(deltas=back)
    ORDER_FLOW.apply(po, OrderStatus.CANCELLED)
    po.save()
    _planning_change(po, [ln.item_id for ln in lines], gettext_noop("%(doc)s cancelled"))
    return po
