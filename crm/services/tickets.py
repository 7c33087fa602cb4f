"""客户服务 service tickets."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import ValidationError
from erp.numbering import next_number
from erp.types import User

from ..models import SalesOrder, ServiceTicket
from ..states import TICKET_FLOW, TicketStatus


@transaction.atomic
def ticket_create(
    *,
    customer_id: int,
    subject: str,
    due_at: datetime.datetime,
    user: User | None,
    order_id=None,
    description="",
    priority="normal",
    assigned_to=None,
) -> ServiceTicket:
    if not (subject or "").strip():
        raise ValidationError(_("The subject is required."))
    if order_id and not SalesOrder.objects.filter(pk=order_id, customer_id=customer_id).exists():
        raise ValidationError(_("The sales order belongs to another customer."))
    return ServiceTicket.objects.create(
        number=next_number("TK"),
        customer_id=customer_id,
        order_id=order_id,
        subject=subject.strip(),
        description=description,
        priority=priority,
        due_at=due_at,
        assigned_to=assigned_to or user,
        created_by=user,
    )


@transaction.atomic
def ticket_set_status(*, ticket_id: int, status: str, user: User | None) -> ServiceTicket:
    t = ServiceTicket.objects.select_for_update().get(pk=ticket_id)
    if TICKET_FLOW.apply(t, status):
        t.resolved_at = timezone.now() if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) else None
        t.save()
    return t
