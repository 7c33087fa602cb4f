"""Copy erp.celery.PERIODIC_TASKS into django-celery-beat (admin-editable afterwards)."""

import json


def sync_beat_schedule():
    from django.conf import settings
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from .celery import PERIODIC_TASKS

    for name, spec in PERIODIC_TASKS.items():
        cron = spec["schedule"]
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=str(cron._orig_minute),
            hour=str(cron._orig_hour),
            day_of_week=str(cron._orig_day_of_week),
            day_of_month=str(cron._orig_day_of_month),
            month_of_year=str(cron._orig_month_of_year),
            timezone=settings.CELERY_TIMEZONE,
        )
        # Created once; afterwards the admin's edits (time, enabled) win.
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": spec["task"], "crontab": schedule, "kwargs": json.dumps(spec.get("kwargs", {}))},
        )
