from celery import shared_task


@shared_task(time_limit=10, soft_time_limit=8)
def ping() -> str:
    """Used by the health check tests and by operators: `celery -A erp call erp.tasks.ping`."""
    return "pong"
