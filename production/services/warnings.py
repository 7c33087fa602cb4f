"""Daily production warnings: record them and notify the planner and the sales owner."""

import datetime
import functools

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from erp.models import Notification

from ..models import WorkOrderWarning
from ..selectors import open_orders_with_warnings
from ..states import WarningKind

LABELS = dict(WarningKind.choices)


def _email_configured() -> bool:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    return bool(backend) and not backend.endswith("console.EmailBackend") and not backend.endswith("dummy.EmailBackend")


def warning_text(wo) -> str:
    parts = []
    for kind in wo.tracking.warnings:
        label = str(LABELS.get(kind, kind))
        if kind == "overdue":
            label = _("%(label)s %(days)s days") % {"label": label, "days": wo.tracking.overdue_days}
        parts.append(label)
    return ", ".join(parts)


@transaction.atomic
def warnings_record(*, on_date: datetime.date) -> dict:
    """Record today's warnings of every open order (idempotent per order, kind and day) and send
    one notification per order and recipient per day."""
    orders = open_orders_with_warnings(today=on_date)
    tracked = [(wo, wo.tracking) for wo in orders]  # type: ignore[attr-defined]  # set by the selector
    rows = [
        WorkOrderWarning(
            work_order=wo,
            on_date=on_date,
            kind=kind,
            days=tracking.overdue_days if kind == "overdue" else 0,
            detail=f"{tracking.elapsed_pct}% / {tracking.completion_pct}%",
        )
        for wo, tracking in tracked
        for kind in tracking.warnings
    ]
    created = WorkOrderWarning.objects.bulk_create(rows, ignore_conflicts=True)
    notes = []
    emails = []
    for wo in orders:
        recipients = {u for u in (wo.planner, wo.created_by) if u is not None and u.is_active}
        sol = wo.sales_order_line
        if sol is not None and sol.order.owner is not None:
            recipients.add(sol.order.owner)
        text = warning_text(wo)
        title = _("%(wo)s %(item)s: %(warnings)s") % {"wo": wo.number, "item": wo.item.code, "warnings": text}
        body = _("Planned %(start)s → %(finish)s, received %(received)s of %(qty)s.") % {
            "start": wo.planned_start,
            "finish": wo.planned_finish,
            "received": wo.received_qty.normalize(),
            "qty": wo.qty.normalize(),
        }
        if sol is not None:
            body += " " + _("Sales order %(so)s line %(line)s.") % {"so": sol.order.number, "line": sol.line_no}
        for user in recipients:
            notes.append(
                Notification(
                    user=user,
                    title=title[:200],
                    body=body,
                    url=reverse("production:wo_detail", args=[wo.pk]),
                    kind="production_warning",
                    dedupe_key=f"production-warning:{wo.pk}:{on_date.isoformat()}",
                )
            )
            if user.email:
                emails.append((title, body, user.email))
    made = Notification.objects.bulk_create(notes, ignore_conflicts=True)
    if _email_configured():
        for title, body, address in emails:
            transaction.on_commit(
                functools.partial(send_mail, title, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)
            )
    return {"orders": len(orders), "warnings": len(created), "notifications": len(made)}
