"""客户服务 service tickets."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import ValidationError
from erp.numbering import next_number
from erp.types import User

from ..models import SalesOrder, ServiceTicket, TicketPriority
from ..states import TICKET_FLOW, TicketStatus

# SLA (issue 19): hours from creation to the due time, per priority (docs/crm.md "Marketing").
SLA_HOURS: dict[str, int] = {TicketPriority.HIGH: 4, TicketPriority.NORMAL: 24, TicketPriority.LOW: 72}


def sla_due(priority: str, created: datetime.datetime) -> datetime.datetime:
    return created + datetime.timedelta(hours=SLA_HOURS.get(priority, SLA_HOURS[TicketPriority.NORMAL]))


@transaction.atomic
def ticket_create(
    *,
    customer_id: int,
    subject: str,
    due_at: datetime.datetime | None,
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
    if priority not in TicketPriority.values:
        raise ValidationError(_("Choose a priority."))
    return ServiceTicket.objects.create(
        number=next_number("TK"),
        customer_id=customer_id,
        order_id=order_id,
        subject=subject.strip(),
        description=description,
        priority=priority,
        due_at=due_at or sla_due(priority, timezone.now()),
        assigned_to=assigned_to or user,
        created_by=user,
    )


@transaction.atomic
def ticket_set_status(
    *, ticket_id: int, status: str, user: User | None, satisfaction: int | None = None
) -> ServiceTicket:
    """Change the status; closing may record the customer's satisfaction score (1-5)."""
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationError(_("The satisfaction score lies between 1 and 5."))
    if satisfaction is not None and status != TicketStatus.CLOSED:
        raise ValidationError(_("The satisfaction score is recorded when the ticket is closed."))
    t = ServiceTicket.objects.select_for_update().get(pk=ticket_id)
    changed = TICKET_FLOW.apply(t, status)
    if changed:
        done = status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)
        t.resolved_at = (t.resolved_at or timezone.now()) if done else None
    if satisfaction is not None and t.satisfaction != satisfaction:
        t.satisfaction = satisfaction
        changed = True
    if changed:
        t.save()
    return t


@transaction.atomic
def tickets_escalate(*, now: datetime.datetime | None = None) -> list[int]:
    """升级: open tickets past their due time, not escalated yet, go to the manager of the
    assignee's sales team (the customer's owner when nobody is assigned): an in-app notification
    and `escalated_at`/`escalated_to` on the ticket. Once per ticket (a second run escalates none);
    a ticket whose assignee has no manager is left (the overdue list shows it). Returns the ids."""
    from erp.locks import lock_rows
    from erp.models import Notification

    from ..selectors_marketing import team_managers

    now = now or timezone.now()
    ids = list(ServiceTicket.objects.overdue(now).filter(escalated_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return []
    tickets = lock_rows(ServiceTicket.objects.select_related("customer"), ids, of=("self",))
    owner = {pk: t.assigned_to_id or t.customer.owner_id for pk, t in tickets.items()}
    managers = team_managers([uid for uid in owner.values() if uid])
    notes, done = [], []
    for pk, t in tickets.items():
        if t.escalated_at is not None or t.status not in ServiceTicket.OPEN_STATUSES:
            continue
        owner_id = owner[pk]
        manager_id = managers.get(owner_id) if owner_id else None
        if manager_id is None:
            continue
        t.escalated_at, t.escalated_to_id = now, manager_id
        t.save(update_fields=["escalated_at", "escalated_to", "updated_at"])
        notes.append(
            Notification(
                user_id=manager_id,
                title=_("Service ticket %(number)s is overdue") % {"number": t.number},
                body=_("%(subject)s (%(customer)s), priority %(priority)s, due %(due)s.")
                % {
                    "subject": t.subject,
                    "customer": t.customer,
                    "priority": t.get_priority_display(),
                    "due": timezone.localtime(t.due_at).strftime("%Y-%m-%d %H:%M"),
                },
                url=f"/crm/tickets/{t.pk}/",
                kind="crm.ticket_escalation",
                dedupe_key=f"crm.ticket_escalation:{t.pk}",
            )
        )
        done.append(pk)
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    return done
