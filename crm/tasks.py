"""Celery tasks of the sales module (thin: load, call one service)."""

from celery import shared_task


# Scheduled in erp/celery.py PERIODIC_TASKS: every day at 01:00.
@shared_task(name="crm.tasks.return_idle_customers", soft_time_limit=300, time_limit=360)
def return_idle_customers() -> int:
    from .services.customers import customers_return_idle

    return len(customers_return_idle())


# Scheduled in erp/celery.py PERIODIC_TASKS: every 15 minutes.
@shared_task(name="crm.tasks.escalate_overdue_tickets", soft_time_limit=120, time_limit=180)
def escalate_overdue_tickets() -> int:
    from .services.tickets import tickets_escalate

    return len(tickets_escalate())
