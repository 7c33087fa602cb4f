"""Celery tasks of production (schedule in erp/celery.py PERIODIC_TASKS)."""

import datetime

from celery import shared_task
from django.utils import timezone


# 06:00 every day (erp.celery PERIODIC_TASKS "production-daily-warnings")
@shared_task(name="production.tasks.record_warnings", time_limit=600, soft_time_limit=540)
def record_warnings(on_date: str | None = None) -> dict:
    from .services.warnings import warnings_record

    day = datetime.date.fromisoformat(on_date) if on_date else timezone.localdate()
    return warnings_record(on_date=day)
