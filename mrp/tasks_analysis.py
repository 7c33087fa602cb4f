from celery import shared_task


@shared_task(time_limit=1800, soft_time_limit=1700, acks_late=True)
def kitting_run_execute(run_id: int) -> str:
    """Run one queued kitting analysis (mrp.services.analysis.kitting_run_execute)."""
    from .services.analysis import kitting_run_execute as execute

    return execute(run_id=run_id).status
