from celery import shared_task


@shared_task(time_limit=10, soft_time_limit=8)
def ping() -> str:
    """Used by the health check tests and by operators: `celery -A erp call erp.tasks.ping`."""
    return "pong"


@shared_task(time_limit=300, soft_time_limit=240)
def delete_expired_import_uploads() -> int:
    """Previewed import files never confirmed: deleted after IMPORT_PREVIEW_HOURS (hourly)."""
    from .exchange.uploads import delete_expired

    return delete_expired()


@shared_task(time_limit=300, soft_time_limit=240)
def delete_old_submit_tokens() -> int:
    """Submission tokens older than SUBMIT_TOKEN_HOURS (a replay that late is refused as a new
    submit would be: the form is stale). Nightly."""
    from .submit import delete_old_tokens

    return delete_old_tokens()


@shared_task(time_limit=120, soft_time_limit=100)
def requeue_pending() -> dict[str, int]:
    """Queued background work whose message never reached a worker (the broker was down) is sent
    again (erp/requeue.py). Every minute, and once when a worker starts."""
    from .requeue import requeue_pending as requeue

    return requeue()
