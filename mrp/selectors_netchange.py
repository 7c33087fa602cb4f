"""Reads for net change pages and the plan-freshness line every planning page shows."""

from django.db.models import Avg, Max

from inventory.models import PlanningChange

from .models import MrpRun, PlanUpdate
from .selectors import current_run

UPDATES_SHOWN = 50


def plan_freshness(scope: str = "all") -> dict:
    """The current plan, its last update (when, by which change, latency) and the changes still
    pending (three small queries)."""
    run: MrpRun | None = current_run(scope)
    last = PlanUpdate.objects.filter(run=run).order_by("-created_at", "-id").first() if run is not None else None
    pending = PlanningChange.objects.filter(scope=scope, processed_at__isnull=True).count()
    updated_at = last.created_at if last else (run.finished_at if run else None)
    return {
        "run": run,
        "last_update": last,
        "updated_at": updated_at,
        "cause": last.cause if last else "",
        "pending": pending,
    }


def recent_updates(run: MrpRun | None, limit: int = UPDATES_SHOWN):
    if run is None:
        return PlanUpdate.objects.none()
    return PlanUpdate.objects.filter(run=run).order_by("-created_at", "-id")[:limit]


def latency_stats(run: MrpRun | None) -> dict:
    if run is None:
        return {"count": 0, "avg": None, "max": None}
    agg = PlanUpdate.objects.filter(run=run).aggregate(avg=Avg("latency_ms"), max=Max("latency_ms"))
    return {"count": PlanUpdate.objects.filter(run=run).count(), **agg}
