"""A subcontractor's progress report on its outsourcing order: quantity finished and expected
completion; a new date moves the order's due date through procurement (audited, net change)."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import fmt_decimal, to_decimal
from erp.locks import lock_row
from erp.types import User
from procurement.models import OutsourcingOrder
from procurement.services import outsourcing_order_reschedule
from procurement.states import OrderStatus

from ..models import ProgressReport
from .common import real_user, supplier_for


@transaction.atomic
def progress_report_create(
    *, order_id: int, finished_qty: Decimal, expected_date: datetime.date, note: str = "", user: User | None
) -> ProgressReport:
    supplier = supplier_for(user)
    order = lock_row(OutsourcingOrder.objects.filter(supplier=supplier), order_id)  # another's: 404
    if order.status != OrderStatus.CONFIRMED:
        raise StateError(
            _("%(doc)s is %(status)s: progress can no longer be reported.")
            % {"doc": order, "status": order.get_status_display()},
            code="not_confirmed",
        )
    finished_qty = to_decimal(finished_qty)
    if finished_qty < 0 or finished_qty > order.qty:
        raise ValidationError(
            _("The finished quantity must lie between 0 and the ordered %(qty)s.") % {"qty": fmt_decimal(order.qty)},
            code="qty",
        )
    report = ProgressReport.objects.create(
        order=order,
        supplier=supplier,
        finished_qty=finished_qty,
        expected_date=expected_date,
        previous_date=order.due_date,
        note=(note or "").strip()[:500],
        created_by=real_user(user),
    )
    if expected_date != order.due_date:
        outsourcing_order_reschedule(
            order_id=order.pk,
            due_date=expected_date,
            reason=_("progress report %(id)s") % {"id": report.pk},
            user=user,
        )
    return report
