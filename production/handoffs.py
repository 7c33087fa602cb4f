"""Hand-offs of production to other roles (issue 18): the dashboard to-dos, counted live.
The notifications (bell, e-mail) are sent by the services (services/picking.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _


def _warehouse_todos(user) -> list[dict]:
    from .models import Picking
    from .states import DocStatus

    drafts = Picking.objects.filter(status=DocStatus.DRAFT).count()
    return [
        {
            "key": "production.pickings_to_post",
            "title": _("Pickings waiting for the warehouse"),
            "count": drafts,
            "url": reverse("production:wh_picking_list") + f"?status={DocStatus.DRAFT}",
        }
    ]


def register() -> None:
    from erp.dashboard import register_todo

    register_todo("warehouse", _warehouse_todos)
