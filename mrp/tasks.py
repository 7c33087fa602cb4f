from celery import shared_task


@shared_task(time_limit=3600, soft_time_limit=3500, acks_late=True)
def execute_run(run_id: int) -> str:
    from .services.runs import mrp_run_execute

    return mrp_run_execute(run_id=run_id).status


@shared_task(time_limit=3600, soft_time_limit=3500)
def nightly_run() -> int | None:
    """The nightly regenerative run (schedule: erp/celery.py PERIODIC_TASKS, editable in the admin)."""
    from django.utils import timezone

    from erp.errors import ConcurrencyError

    from .services.runs import mrp_run_start

    try:
        return mrp_run_start(run_date=timezone.localdate()).pk
    except ConcurrencyError:
        return None


@shared_task(time_limit=300)
def fail_stale_runs() -> int:
    """Runs whose worker stopped sending heartbeats are marked failed (beat, every 5 minutes)."""
    from .services.runs import fail_stale_runs as fail

    return fail()
