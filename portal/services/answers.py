"""A supplier's answers to purchase order lines (confirm, or propose another quantity / date) and
the buyer's review of proposals. An accepted proposal changes the line only through
procurement's `purchase_order_line_reschedule` (audited; net change hooks it)."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal
from erp.locks import lock_row
from erp.types import User
from procurement.models import PurchaseOrder, PurchaseOrderLine
from procurement.services import purchase_order_line_reschedule
from procurement.states import OrderStatus

from ..models import LineAnswer
from ..states import ANSWER_FLOW, AnswerKind, AnswerStatus
from .common import real_user, supplier_for


def _lock_line(line_id: int, user: User | None) -> tuple[PurchaseOrder, PurchaseOrderLine]:
    """The supplier's own open line of a confirmed order, locked (order first, erp.locks).
    Another supplier's line does not exist for this user (DoesNotExist: a 404 in views)."""
    supplier = supplier_for(user)
    order_id = (
        PurchaseOrderLine.objects.filter(pk=line_id, order__supplier=supplier).values_list("order_id", flat=True).get()
    )
    po = lock_row(PurchaseOrder, order_id)
    line = lock_row(PurchaseOrderLine.objects.select_related("item"), line_id, of=("self",))
    if po.status != OrderStatus.CONFIRMED or line.closed or line.open_qty <= ZERO:
        raise StateError(
            _("%(doc)s line %(line)s is no longer open: nothing to confirm.") % {"doc": po, "line": line.line_no},
            code="not_open",
        )
    return po, line


def _pending(line: PurchaseOrderLine) -> LineAnswer | None:
    return LineAnswer.objects.filter(po_line=line, status=AnswerStatus.PENDING).first()


@transaction.atomic
def line_confirm(*, line_id: int, user: User | None) -> LineAnswer:
    """The supplier confirms the line as it stands (quantity and due date). Confirming it again
    unchanged returns the first confirmation."""
    po, line = _lock_line(line_id, user)
    if _pending(line):
        raise StateError(
            _("%(doc)s line %(line)s has a proposal waiting for the buyer.") % {"doc": po, "line": line.line_no},
            code="pending",
        )
    agreed = (
        LineAnswer.objects.filter(
            po_line=line,
            status__in=(AnswerStatus.CONFIRMED, AnswerStatus.ACCEPTED),
            agreed_qty=line.qty,
            agreed_date=line.due_date,
        )
        .order_by("-id")
        .first()
    )
    if agreed is not None:
        return agreed
    return LineAnswer.objects.create(
        po_line=line,
        supplier_id=po.supplier_id,
        kind=AnswerKind.CONFIRM,
        status=AnswerStatus.CONFIRMED,
        line_qty=line.qty,
        line_due_date=line.due_date,
        agreed_qty=line.qty,
        agreed_date=line.due_date,
        created_by=real_user(user),
    )


@transaction.atomic
def line_propose(
    *,
    line_id: int,
    qty: Decimal | None = None,
    due_date: datetime.date | None = None,
    note: str = "",
    user: User | None,
) -> LineAnswer:
    """The supplier proposes another quantity and/or date, with a note; the buyer decides. One
    proposal per line waits at a time (the same proposal again returns the waiting one)."""
    po, line = _lock_line(line_id, user)
    new_qty = qty if qty is not None and qty != line.qty else None
    new_date = due_date if due_date is not None and due_date != line.due_date else None
    if new_qty is None and new_date is None:
        raise ValidationError(
            _("Propose another quantity or another date (or confirm the line as it stands)."), code="no_change"
        )
    if new_qty is not None and new_qty <= ZERO:
        raise ValidationError(_("The proposed quantity must be greater than 0."), code="qty")
    if new_qty is not None and new_qty < line.net_received_qty:
        raise ValidationError(
            _("%(received)s were already received: the quantity cannot be less.")
            % {"received": fmt_decimal(line.net_received_qty)},
            code="below_received",
        )
    if new_date is not None and new_date < po.order_date:
        raise ValidationError(
            _("The proposed date %(date)s is before the order date %(order)s.")
            % {"date": new_date.isoformat(), "order": po.order_date.isoformat()},
            code="date",
        )
    waiting = _pending(line)
    if waiting is not None:
        if waiting.proposed_qty == new_qty and waiting.proposed_date == new_date:
            return waiting
        raise StateError(
            _("%(doc)s line %(line)s has a proposal waiting for the buyer.") % {"doc": po, "line": line.line_no},
            code="pending",
        )
    return LineAnswer.objects.create(
        po_line=line,
        supplier_id=po.supplier_id,
        kind=AnswerKind.PROPOSE,
        status=AnswerStatus.PENDING,
        line_qty=line.qty,
        line_due_date=line.due_date,
        proposed_qty=new_qty,
        proposed_date=new_date,
        note=(note or "").strip()[:500],
        created_by=real_user(user),
    )


def _lock_answer(answer_id: int) -> LineAnswer:
    order_id = LineAnswer.objects.filter(pk=answer_id).values_list("po_line__order_id", flat=True).get()
    lock_row(PurchaseOrder, order_id)  # the order first, as every service that changes its lines
    return lock_row(LineAnswer.objects.select_related("po_line__order"), answer_id, of=("self",))


@transaction.atomic
def proposal_accept(*, answer_id: int, user: User | None) -> LineAnswer:
    """The buyer accepts a proposal: the line gets the proposed quantity / date through
    `purchase_order_line_reschedule` (audited), and the answer records what was agreed."""
    answer = _lock_answer(answer_id)
    if answer.status == AnswerStatus.ACCEPTED:
        return answer
    ANSWER_FLOW.check(answer, AnswerStatus.ACCEPTED)
    line = purchase_order_line_reschedule(
        line_id=answer.po_line_id,
        qty=answer.proposed_qty,
        due_date=answer.proposed_date,
        reason=_("supplier proposal %(id)s accepted") % {"id": answer.pk},
        user=user,
    )
    ANSWER_FLOW.apply(answer, AnswerStatus.ACCEPTED)
    answer.agreed_qty = line.qty
    answer.agreed_date = line.due_date
    answer.reviewed_by = real_user(user)
    answer.reviewed_at = timezone.now()
    answer.save()
    return answer


@transaction.atomic
def proposal_reject(*, answer_id: int, reason: str, user: User | None) -> LineAnswer:
    """The buyer rejects a proposal with a reason; the order line stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the rejection."), code="no_reason")
    answer = _lock_answer(answer_id)
    if answer.status == AnswerStatus.REJECTED:
        return answer
    ANSWER_FLOW.apply(answer, AnswerStatus.REJECTED)
    answer.reject_reason = reason[:500]
    answer.reviewed_by = real_user(user)
    answer.reviewed_at = timezone.now()
    answer.save()
    return answer
