"""Hand-offs to the buyer (issue 18): the dashboard to-dos, counted live. The notifications
(bell, e-mail) are sent by the services (requisitions.py, receipts.py)."""

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _


def _buyer_todos(user) -> list[dict]:
    from .models import PurchaseReceiptLine, Requisition
    from .states import PostedStatus, RequisitionStatus

    to_order = Requisition.objects.filter(status=RequisitionStatus.APPROVED).count()
    to_match = (
        PurchaseReceiptLine.objects.filter(receipt__status=PostedStatus.DONE)
        .filter(qty__gt=F("returned_qty") + F("invoiced_qty"))
        .values("receipt_id")
        .distinct()
        .count()
    )
    return [
        {
            "key": "procurement.requisitions_to_order",
            "title": _("Approved requisitions waiting for an order"),
            "count": to_order,
            "url": reverse("procurement:requisition_list") + f"?status={RequisitionStatus.APPROVED}",
        },
        {
            "key": "procurement.receipts_to_match",
            "title": _("Receipts waiting for invoice matching"),
            "count": to_match,
            "url": reverse("procurement:invoice_create"),
        },
    ]


def register() -> None:
    from erp.dashboard import register_todo

    register_todo("purchasing", _buyer_todos)
