"""The debounced net-change task and its at-risk follow-up (mrp.services.netchange, mrp.services.risk)."""

from celery import shared_task

RETRY_WHILE_RUN_ACTIVE = 5.0  # seconds


@shared_task(time_limit=600, soft_time_limit=550, acks_late=True)
def net_change(scope: str = "all") -> int | None:
    """Apply the scope's pending planning changes to the current plan; returns the PlanUpdate id.
    While a full run is active it tries again a few seconds later; changes that arrived while it
    planned queue the next task (after this one committed)."""
    from .services.netchange import net_change_apply, pending_changes, schedule

    outcome = net_change_apply(scope=scope)
    if outcome.waiting:
        if not net_change.app.conf.task_always_eager:  # in-process: the run's end picks them up
            schedule(scope=scope, countdown=RETRY_WHILE_RUN_ACTIVE)
        return None
    if pending_changes(scope):
        schedule(scope=scope)
    return outcome.update.pk if outcome.update else None


@shared_task(time_limit=120, soft_time_limit=110, acks_late=True)
def at_risk(update_id: int) -> int:
    """The at-risk check of a plan update, queued when it is committed (mrp.services.risk)."""
    from .services.risk import plan_update_at_risk

    return plan_update_at_risk(update_id=update_id)
