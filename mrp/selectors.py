"""Reads of MRP runs for pages and for other apps (the latest finished plan)."""

from .models import MrpRun, PlannedOrder

EXCEPTIONS_SHOWN = 200


def run_list():
    return MrpRun.objects.select_related("created_by").order_by("-created_at")


def planned_orders(run_id: int):
    return (
        PlannedOrder.objects.filter(run_id=run_id)
        .select_related("item", "item__uom")
        .order_by("item__code", "due_date", "release_date")
    )


def run_exceptions(run: MrpRun, limit: int = EXCEPTIONS_SHOWN):
    """The run's exception messages shown on its page (the first `limit`, with their items)."""
    return run.messages.select_related("item")[:limit]
