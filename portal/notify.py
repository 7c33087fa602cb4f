"""E-mail to a supplier's portal users when one of its purchase orders is confirmed (new) or a
confirmed order changes (quantities, dates, totals) — only where configured (PORTAL_EMAIL = True;
off by default). A decoupled side concern, so it listens to the order's audit rows
(simple-history) instead of hooking procurement's services; sent after the commit."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils.translation import gettext as _

from procurement.states import OrderStatus

from .models import SupplierUser


def _recipients(supplier_id: int) -> list[str]:
    return [
        e
        for e in SupplierUser.objects.filter(supplier_id=supplier_id, user__is_active=True).values_list(
            "user__email", flat=True
        )
        if e
    ]


def order_event(record) -> str | None:
    """ "new" / "changed" / None for one historical row of a purchase order."""
    if record.status != OrderStatus.CONFIRMED or record.history_type != "~":
        return None
    prev = record.prev_record
    if prev is None:
        return None
    if prev.status == OrderStatus.DRAFT:
        return "new"
    if prev.status == OrderStatus.CONFIRMED and (
        prev.total != record.total or (record.history_change_reason or "").startswith("line ")
    ):
        return "changed"
    return None


def on_order_history(sender, instance=None, history_instance=None, **kwargs) -> None:
    if not getattr(settings, "PORTAL_EMAIL", False) or history_instance is None:
        return
    event = order_event(history_instance)
    if event is None:
        return
    to = _recipients(history_instance.supplier_id)
    if not to:
        return
    number = history_instance.number
    subject = (_("New purchase order %(number)s") if event == "new" else _("Purchase order %(number)s changed")) % {
        "number": number
    }
    body = _("Please confirm its lines in the Tiangong supplier portal (Orders → %(number)s).") % {"number": number}
    transaction.on_commit(lambda: send_mass_mail([(subject, body, None, to)], fail_silently=True))


def connect() -> None:
    from simple_history.signals import post_create_historical_record

    from procurement.models import PurchaseOrder

    post_create_historical_record.connect(
        on_order_history, sender=PurchaseOrder.history.model, dispatch_uid="portal-order-mail"
    )
