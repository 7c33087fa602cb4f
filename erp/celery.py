"""The Celery app. Broker and result backend are Redis (REDIS_URL); without it tasks run eagerly."""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erp.settings")

app = Celery("erp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic task, in one place. `sync_beat_schedule` (run by migrate) copies these into
# django-celery-beat's tables, where admins can edit times or disable them.
PERIODIC_TASKS = {
    # 01:00 every day: customers without follow-up for N days return to the shared pool.
    "crm-return-idle-customers-to-pool": {
        "task": "crm.tasks.return_idle_customers",
        "schedule": crontab(hour=1, minute=0),
    },
    # every 15 minutes: overdue service tickets are escalated to the assignee's team manager (once).
    "crm-escalate-overdue-tickets": {
        "task": "crm.tasks.escalate_overdue_tickets",
        "schedule": crontab(minute="*/15"),
    },
    # 06:00 every day: production tracking warnings, notify planners and sales owners.
    "production-daily-warnings": {
        "task": "production.tasks.record_warnings",
        "schedule": crontab(hour=6, minute=0),
    },
    # 02:00 every day: regenerative MRP for the whole company (one active run per scope).
    "mrp-nightly-run": {
        "task": "mrp.tasks.nightly_run",
        "schedule": crontab(hour=2, minute=0),
    },
    # every minute: background work queued while the broker was down is sent again (erp/requeue.py).
    "erp-requeue-pending": {
        "task": "erp.tasks.requeue_pending",
        "schedule": crontab(minute="*"),
    },
    # every 5 minutes: MRP runs whose worker died (no heartbeat) are marked failed.
    "mrp-fail-stale-runs": {
        "task": "mrp.tasks.fail_stale_runs",
        "schedule": crontab(minute="*/5"),
    },
    # every 5 minutes: cost runs whose worker died (no heartbeat) are marked failed.
    "costing-fail-stale-runs": {
        "task": "costing.tasks.fail_stale_cost_runs",
        "schedule": crontab(minute="*/5"),
    },
    # every hour at :20: import previews never confirmed (older than IMPORT_PREVIEW_HOURS) are deleted.
    "erp-delete-expired-import-uploads": {
        "task": "erp.tasks.delete_expired_import_uploads",
        "schedule": crontab(minute=20),
    },
    # 03:30 every day: submission tokens older than SUBMIT_TOKEN_HOURS are deleted.
    "erp-delete-old-submit-tokens": {
        "task": "erp.tasks.delete_old_submit_tokens",
        "schedule": crontab(hour=3, minute=30),
    },
}


@worker_ready.connect
def _requeue_on_startup(sender=None, **kwargs):
    """A worker that starts (after an outage, an upgrade) sends queued work again at once."""
    from .dispatch import send
    from .tasks import requeue_pending

    send(requeue_pending)
