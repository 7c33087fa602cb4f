from celery import shared_task


@shared_task(time_limit=3600, soft_time_limit=3500, acks_late=True)
def execute_cost_run(run_id: int) -> str:
    from .services.runs import cost_run_execute

    return cost_run_execute(run_id=run_id).status


@shared_task(time_limit=300)
def fail_stale_cost_runs() -> int:
    """Cost runs whose worker stopped sending heartbeats are marked failed (beat, every 5 minutes)."""
    from .services.runs import fail_stale_cost_runs as fail

    return fail()
