"""Warehouse documents: other receipt (其他入库 OT), other issue (其他出库 OX), transfer (调拨 TR).

Create in draft, confirm (审核) posts through the ledger, cancel of a confirmed document posts
reversing moves. Confirmed documents are never edited.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as InputError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import ValidationError
from erp.fields import ZERO, round_money, to_decimal
from erp.input import errors_text, parse_price, parse_quantity
from erp.locks import lock_row
from erp.numbering import next_number
from erp.postings import announce
from erp.types import User

from ..models import (
    Item,
    OtherIssue,
    OtherIssueLine,
    OtherReceipt,
    OtherReceiptLine,
    StockDocStatus,
    Transfer,
    TransferLine,
    Warehouse,
)
from ..states import DOC_FLOW
from .ledger import MoveSpec, _lock_balances, stock_moves_post, stock_moves_reverse


@dataclass(frozen=True)
class LineInput:
    item_id: int
    qty: Decimal
    unit_cost: Decimal | None = None


def _check_lines(lines: list[LineInput], *, need_cost: bool = False) -> None:
    if not lines:
        raise ValidationError(_("A document needs at least one line."), code="no_lines")
    items = Item.objects.in_bulk({ln.item_id for ln in lines})
    for n, ln in enumerate(lines, start=1):
        if ln.item_id not in items:
            raise ValidationError(_("Line %(n)s: unknown item.") % {"n": n}, code="bad_item")
        try:  # NaN, over-precise or absurd values are refused, never rounded on save
            qty = parse_quantity(to_decimal(ln.qty), label=_("Line %(n)s: quantity") % {"n": n})
            cost = None
            if ln.unit_cost is not None:
                cost = parse_price(to_decimal(ln.unit_cost), label=_("Line %(n)s: unit cost") % {"n": n})
        except (InputError, InvalidOperation) as exc:
            text = errors_text(exc) if isinstance(exc, InputError) else _("Line %(n)s: not a number.") % {"n": n}
            raise ValidationError(text, code="bad_qty") from None
        if qty is None or qty <= 0:
            raise ValidationError(
                _("Line %(n)s: quantity of %(item)s must be greater than 0.") % {"n": n, "item": items[ln.item_id]},
                code="bad_qty",
            )
        if need_cost and cost is not None and cost < 0:
            raise ValidationError(_("Line %(n)s: unit cost cannot be negative.") % {"n": n}, code="bad_cost")


def _warehouse(wh_id: int) -> Warehouse:
    wh = Warehouse.objects.filter(pk=wh_id).first()
    if wh is None:
        raise ValidationError(_("Unknown warehouse."), code="bad_warehouse")
    return wh


# --- create ---------------------------------------------------------------------------


@transaction.atomic
def other_receipt_create(
    *,
    warehouse_id: int,
    lines: list[LineInput],
    doc_date: datetime.date | None = None,
    reason: str = "",
    note: str = "",
    user: User | None = None,
) -> OtherReceipt:
    doc_date = doc_date or timezone.localdate()
    _warehouse(warehouse_id)
    _check_lines(lines, need_cost=True)
    items = Item.objects.in_bulk({ln.item_id for ln in lines})
    doc = OtherReceipt.objects.create(
        number=next_number(OtherReceipt.PREFIX, on_date=doc_date),
        doc_date=doc_date,
        warehouse_id=warehouse_id,
        reason=reason,
        note=note,
        created_by=user,
    )
    rows = []
    for n, ln in enumerate(lines, start=1):
        cost = to_decimal(ln.unit_cost) if ln.unit_cost is not None else items[ln.item_id].standard_cost
        qty = to_decimal(ln.qty)
        rows.append(
            OtherReceiptLine(
                doc=doc, line_no=n, item_id=ln.item_id, qty=qty, unit_cost=cost, amount=round_money(qty * cost)
            )
        )
    OtherReceiptLine.objects.bulk_create(rows)
    return doc


@transaction.atomic
def other_issue_create(
    *,
    warehouse_id: int,
    lines: list[LineInput],
    doc_date: datetime.date | None = None,
    reason: str = "",
    note: str = "",
    user: User | None = None,
) -> OtherIssue:
    doc_date = doc_date or timezone.localdate()
    _warehouse(warehouse_id)
    _check_lines(lines)
    doc = OtherIssue.objects.create(
        number=next_number(OtherIssue.PREFIX, on_date=doc_date),
        doc_date=doc_date,
        warehouse_id=warehouse_id,
        reason=reason,
        note=note,
        created_by=user,
    )
    OtherIssueLine.objects.bulk_create(
        [
            OtherIssueLine(doc=doc, line_no=n, item_id=ln.item_id, qty=to_decimal(ln.qty))
            for n, ln in enumerate(lines, 1)
        ]
    )
    return doc


@transaction.atomic
def transfer_create(
    *,
    from_warehouse_id: int,
    to_warehouse_id: int,
    lines: list[LineInput],
    doc_date: datetime.date | None = None,
    note: str = "",
    user: User | None = None,
) -> Transfer:
    doc_date = doc_date or timezone.localdate()
    _warehouse(from_warehouse_id)
    _warehouse(to_warehouse_id)
    if from_warehouse_id == to_warehouse_id:
        raise ValidationError(_("A transfer needs two different warehouses."), code="same_warehouse")
    _check_lines(lines)
    doc = Transfer.objects.create(
        number=next_number(Transfer.PREFIX, on_date=doc_date),
        doc_date=doc_date,
        from_warehouse_id=from_warehouse_id,
        to_warehouse_id=to_warehouse_id,
        note=note,
        created_by=user,
    )
    TransferLine.objects.bulk_create(
        [TransferLine(doc=doc, line_no=n, item_id=ln.item_id, qty=to_decimal(ln.qty)) for n, ln in enumerate(lines, 1)]
    )
    return doc


# --- edit while draft (entry grid, issue 18) ---------------------------------------------


def _editable(model, doc_id: int):
    doc = lock_row(model, doc_id)
    DOC_FLOW.check_editable(doc, StockDocStatus.DRAFT)
    return doc


def _lines_again(doc, rows: list) -> None:
    """A draft's lines replaced (draft lines have no moves: nothing refers to them)."""
    doc.lines.all().delete()
    type(rows[0]).objects.bulk_create(rows)


@transaction.atomic
def other_receipt_update(
    *,
    doc_id: int,
    warehouse_id: int,
    lines: list[LineInput],
    doc_date: datetime.date,
    reason: str = "",
    note: str = "",
    user: User | None = None,
) -> OtherReceipt:
    """A draft other receipt changed in place; refused once confirmed (nothing written)."""
    doc = _editable(OtherReceipt, doc_id)
    _warehouse(warehouse_id)
    _check_lines(lines, need_cost=True)
    items = Item.objects.in_bulk({ln.item_id for ln in lines})
    doc.warehouse_id, doc.doc_date, doc.reason, doc.note = warehouse_id, doc_date, reason, note
    doc.save(update_fields=["warehouse", "doc_date", "reason", "note"])
    rows = []
    for n, ln in enumerate(lines, start=1):
        cost = to_decimal(ln.unit_cost) if ln.unit_cost is not None else items[ln.item_id].standard_cost
        qty = to_decimal(ln.qty)
        rows.append(
            OtherReceiptLine(
                doc=doc, line_no=n, item_id=ln.item_id, qty=qty, unit_cost=cost, amount=round_money(qty * cost)
            )
        )
    _lines_again(doc, rows)
    return doc


@transaction.atomic
def other_issue_update(
    *,
    doc_id: int,
    warehouse_id: int,
    lines: list[LineInput],
    doc_date: datetime.date,
    reason: str = "",
    note: str = "",
    user: User | None = None,
) -> OtherIssue:
    """A draft other issue changed in place; refused once confirmed (nothing written)."""
    doc = _editable(OtherIssue, doc_id)
    _warehouse(warehouse_id)
    _check_lines(lines)
    doc.warehouse_id, doc.doc_date, doc.reason, doc.note = warehouse_id, doc_date, reason, note
    doc.save(update_fields=["warehouse", "doc_date", "reason", "note"])
    _lines_again(
        doc,
        [
            OtherIssueLine(doc=doc, line_no=n, item_id=ln.item_id, qty=to_decimal(ln.qty))
            for n, ln in enumerate(lines, 1)
        ],
    )
    return doc


@transaction.atomic
def transfer_update(
    *,
    doc_id: int,
    from_warehouse_id: int,
    to_warehouse_id: int,
    lines: list[LineInput],
    doc_date: datetime.date,
    note: str = "",
    user: User | None = None,
) -> Transfer:
    """A draft transfer changed in place; refused once confirmed (nothing written)."""
    doc = _editable(Transfer, doc_id)
    _warehouse(from_warehouse_id)
    _warehouse(to_warehouse_id)
    if from_warehouse_id == to_warehouse_id:
        raise ValidationError(_("A transfer needs two different warehouses."), code="same_warehouse")
    _check_lines(lines)
    doc.from_warehouse_id, doc.to_warehouse_id, doc.doc_date, doc.note = (
        from_warehouse_id,
        to_warehouse_id,
        doc_date,
        note,
    )
    doc.save(update_fields=["from_warehouse", "to_warehouse", "doc_date", "note"])
    _lines_again(
        doc,
        [TransferLine(doc=doc, line_no=n, item_id=ln.item_id, qty=to_decimal(ln.qty)) for n, ln in enumerate(lines, 1)],
    )
    return doc


# --- confirm / cancel -------------------------------------------------------------------


def _mark_confirmed(doc, user):
    doc.confirmed_at = timezone.now()
    doc.confirmed_by = user if getattr(user, "pk", None) else None
    doc.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    announce(doc.SOURCE_TYPE, doc.pk, number=doc.number, on_date=doc.doc_date, user=user)


@transaction.atomic
def other_receipt_confirm(*, doc_id: int, user: User | None = None) -> OtherReceipt:
    doc = lock_row(OtherReceipt, doc_id)
    if not DOC_FLOW.apply(doc, StockDocStatus.CONFIRMED):
        return doc
    lines = list(doc.lines.all())
    stock_moves_post(
        source_type=doc.SOURCE_TYPE,
        source_id=doc.pk,
        moves=[
            MoveSpec(ln.item_id, doc.warehouse_id, ln.qty, ln.unit_cost, source_line=ln.pk, kind="other_receipt")
            for ln in lines
        ],
        move_date=doc.doc_date,
        user=user,
        source_number=doc.number,
    )
    _mark_confirmed(doc, user)
    return doc


@transaction.atomic
def other_issue_confirm(*, doc_id: int, user: User | None = None) -> OtherIssue:
    doc = lock_row(OtherIssue, doc_id)
    if not DOC_FLOW.apply(doc, StockDocStatus.CONFIRMED):
        return doc
    lines = list(doc.lines.all())
    moves = stock_moves_post(
        source_type=doc.SOURCE_TYPE,
        source_id=doc.pk,
        moves=[
            MoveSpec(ln.item_id, doc.warehouse_id, -ln.qty, None, source_line=ln.pk, kind="other_issue") for ln in lines
        ],
        move_date=doc.doc_date,
        user=user,
        source_number=doc.number,
    )
    by_line = {m.source_line: m for m in moves}
    for ln in lines:
        m = by_line[ln.pk]
        ln.unit_cost, ln.amount = m.unit_cost, -m.value
    OtherIssueLine.objects.bulk_update(lines, ["unit_cost", "amount"])
    _mark_confirmed(doc, user)
    return doc


@transaction.atomic
def transfer_confirm(*, doc_id: int, user: User | None = None) -> Transfer:
    """Issue from the source warehouse at its average cost; receive the same value at the target."""
    doc = lock_row(Transfer, doc_id)
    if not DOC_FLOW.apply(doc, StockDocStatus.CONFIRMED):
        return doc
    lines = list(doc.lines.all())
    # lock both sides in primary-key order up front: transfers A->B and B->A cannot deadlock
    _lock_balances({(ln.item_id, w) for ln in lines for w in (doc.from_warehouse_id, doc.to_warehouse_id)})
    outs = stock_moves_post(
        source_type=doc.SOURCE_TYPE,
        source_id=doc.pk,
        moves=[
            MoveSpec(ln.item_id, doc.from_warehouse_id, -ln.qty, None, source_line=ln.pk, kind="transfer_out")
            for ln in lines
        ],
        move_date=doc.doc_date,
        user=user,
        source_number=doc.number,
    )
    out_by_line = {m.source_line: m for m in outs if m.kind == "transfer_out"}
    stock_moves_post(
        source_type=doc.SOURCE_TYPE,
        source_id=doc.pk,
        moves=[
            MoveSpec(
                ln.item_id,
                doc.to_warehouse_id,
                ln.qty,
                out_by_line[ln.pk].unit_cost,
                source_line=ln.pk,
                kind="transfer_in",
                value=-out_by_line[ln.pk].value,
            )
            for ln in lines
        ],
        move_date=doc.doc_date,
        user=user,
        source_number=doc.number,
    )
    for ln in lines:
        m = out_by_line[ln.pk]
        ln.unit_cost, ln.amount = m.unit_cost, -m.value
    TransferLine.objects.bulk_update(lines, ["unit_cost", "amount"])
    _mark_confirmed(doc, user)
    return doc


def _cancel(model, doc_id: int, user, move_date):
    doc = lock_row(model, doc_id)
    was = doc.status
    if not DOC_FLOW.apply(doc, StockDocStatus.CANCELLED):
        return doc
    if was == StockDocStatus.CONFIRMED:
        stock_moves_reverse(
            source_type=doc.SOURCE_TYPE, source_id=doc.pk, move_date=move_date or timezone.localdate(), user=user
        )
        announce(
            doc.SOURCE_TYPE,
            doc.pk,
            number=doc.number,
            on_date=move_date or timezone.localdate(),
            reversal=True,
            user=user,
        )
    doc.cancelled_at = timezone.now()
    doc.save(update_fields=["status", "cancelled_at"])
    return doc


@transaction.atomic
def other_receipt_cancel(
    *, doc_id: int, user: User | None = None, move_date: datetime.date | None = None
) -> OtherReceipt:
    return _cancel(OtherReceipt, doc_id, user, move_date)


@transaction.atomic
def other_issue_cancel(*, doc_id: int, user: User | None = None, move_date: datetime.date | None = None) -> OtherIssue:
    return _cancel(OtherIssue, doc_id, user, move_date)


@transaction.atomic
def transfer_cancel(*, doc_id: int, user: User | None = None, move_date: datetime.date | None = None) -> Transfer:
    return _cancel(Transfer, doc_id, user, move_date)


__all__ = ["ZERO", "LineInput"]
