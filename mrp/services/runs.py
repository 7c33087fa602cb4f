"""MRP run lifecycle: start (one active run per scope), execute (in a Celery worker), results."""

import datetime
import time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import ConcurrencyError, DomainError, ValidationError
from erp.types import User

from ..engine import MrpCycleError, run_mrp
from ..models import MrpMessage, MrpRun, PlannedOrder
from ..states import ACTIVE, FINISHED, RUN_FLOW, RunStatus


def mrp_run_create(
    *, run_date: datetime.date, horizon_days: int = 90, scope: str = "all", user: User | None = None
) -> MrpRun:
    """A queued run (not yet executing); refused while another run of the same scope is queued
    or running (the database allows one active run per scope)."""
    if horizon_days < 1 or horizon_days > 3650:
        raise ValidationError(_("The horizon must be between 1 and 3650 days."))
    try:
        with transaction.atomic():
            run = MrpRun.objects.create(
                scope=scope, run_date=run_date, horizon_days=horizon_days, created_by=user if user else None
            )
    except IntegrityError:
        active = MrpRun.objects.filter(scope=scope, status__in=ACTIVE).first()
        raise ConcurrencyError(
            _("An MRP run of this scope is already active (%(status)s since %(when)s); wait for it to finish.")
            % {
                "status": active.get_status_display() if active else _("running"),
                "when": timezone.localtime(active.created_at).strftime("%Y-%m-%d %H:%M") if active else "",
            },
            code="mrp_active",
        ) from None
    return run


def mrp_run_start(
    *, run_date: datetime.date, horizon_days: int = 90, scope: str = "all", user: User | None = None
) -> MrpRun:
    """Queue a run for the worker (`mrp.tasks.execute_run`, after commit); refused while
    another run of the same scope is queued or running."""
    from ..tasks import execute_run

    run = mrp_run_create(run_date=run_date, horizon_days=horizon_days, scope=scope, user=user)

    transaction.on_commit(lambda: execute_run.delay(run.pk))
    return run


def _progress(run: MrpRun, pct: int) -> None:
    """Progress only (the browser polls it); the status changes only through RUN_FLOW."""
    MrpRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(progress=pct)


def _take(run_id: int) -> MrpRun:
    """Queued → running (a redelivered task finds it running and goes on); a finished run is
    returned unchanged."""
    with transaction.atomic():
        run = MrpRun.objects.select_for_update().get(pk=run_id)
        if run.status in FINISHED:
            return run
        if RUN_FLOW.apply(run, RunStatus.RUNNING):
            run.started_at = timezone.now()
            run.save(update_fields=["status", "started_at"])
    return run


def _finish(run_id: int, target: str, *, started: float, result=None, item_count: int = 0, message: str = ""):
    """Running → done (with its planned orders and exceptions, in the same transaction) or
    failed. When another delivery of the task finished the run first, nothing is written."""
    with transaction.atomic():
        run = MrpRun.objects.select_for_update().get(pk=run_id)
        if run.status in FINISHED:
            return run
        RUN_FLOW.apply(run, target)
        if result is not None:
            PlannedOrder.objects.bulk_create(
                [
                    PlannedOrder(
                        run=run,
                        item_id=p.item_id,
                        order_type=p.order_type,
                        qty=p.qty,
                        net_qty=p.net,
                        release_date=p.release_date,
                        due_date=p.due_date,
                        late=p.late,
                        pegged_to=p.pegged_to,
                    )
                    for p in result.planned_orders
                ],
                batch_size=2000,
            )
            MrpMessage.objects.bulk_create(
                [
                    MrpMessage(run=run, kind=e.kind, item_id=e.item_id, date=e.date, ref=e.ref, qty=e.qty)
                    for e in result.exceptions
                ],
                batch_size=2000,
            )
            run.progress = 100
            run.item_count = item_count
            run.order_count = len(result.planned_orders)
            run.exception_count = len(result.exceptions)
        run.message = message
        run.finished_at = timezone.now()
        run.duration_ms = int((time.perf_counter() - started) * 1000)
        run.save()
    return run


def mrp_run_execute(*, run_id: int) -> MrpRun:
    """Compute the plan and store planned orders and exceptions. Idempotent for finished runs;
    every status change goes through RUN_FLOW (queued → running → done / failed)."""
    from ..sources import collect

    run = _take(run_id)
    if run.status in FINISHED:
        return run
    started = time.perf_counter()
    try:
        data = collect(d0=run.run_date, horizon_days=run.horizon_days)
        _progress(run, 30)
        result = run_mrp(d0=run.run_date, horizon_days=run.horizon_days, **data)
        _progress(run, 70)
        return _finish(run_id, RunStatus.DONE, started=started, result=result, item_count=len(data["items"]))
    except (MrpCycleError, DomainError) as exc:
        msg = str(exc)
        msg = (_("BOM cycle: %(path)s") % {"path": msg}) if isinstance(exc, MrpCycleError) else msg
        return _finish(run_id, RunStatus.FAILED, started=started, message=msg)
    except Exception as exc:
        _finish(run_id, RunStatus.FAILED, started=started, message=f"{exc.__class__.__name__}: {exc}")
        raise
