"""Demo costing data: cost centres, pools and hours of the current month, a closed period (the
month of the opening balances) and a finished cost run of the current month. Idempotent."""

import datetime
from decimal import Decimal

from django.utils import timezone

from erp.errors import DomainError
from erp.models import PeriodStatus
from erp.periods import period_for
from inventory.models import StockMove
from production.models import WorkOrder

from .models import CostPool, CostRun, RunStatus, WorkHours
from .services import pools
from .services.periods import period_close
from .services.runs import cost_run_now


def seed(out):
    today = timezone.localdate()
    current = period_for(today)
    asm = pools.cost_centre_get_or_create(code="ASM", name="装配车间 Assembly")
    pools.cost_centre_get_or_create(code="WLD", name="焊接车间 Welding")
    if current.status == PeriodStatus.OPEN and not CostPool.objects.filter(period=current).exists():
        pools.cost_pool_save(period_id=current.pk, cost_centre_id=asm.pk, element="labour", amount=Decimal("12000"))
        pools.cost_pool_save(period_id=current.pk, cost_centre_id=asm.pk, element="overhead", amount=Decimal("18000"))
    if not WorkHours.objects.exists():
        orders = WorkOrder.objects.filter(status__in=["released", "started", "completed"]).order_by("pk")[:6]
        for n, wo in enumerate(orders, start=1):
            try:
                pools.work_hours_report(
                    work_order_id=wo.pk,
                    cost_centre_id=asm.pk,
                    work_date=min(today, max(wo.planned_start, today.replace(day=1))),
                    actual_hours=Decimal(8 * n),
                    standard_hours=Decimal(7 * n),
                )
            except DomainError:
                continue
    first = StockMove.objects.order_by("move_date").values_list("move_date", flat=True).first()
    month_start = today.replace(day=1)
    two_back = (month_start - datetime.timedelta(days=1)).replace(day=1) - datetime.timedelta(days=1)
    if first and first <= two_back:
        oldest = period_for(first)
        if oldest.status != PeriodStatus.CLOSED:
            try:
                period_close(period_id=oldest.pk, acknowledge=True)
                out.write(f"costing demo: period {oldest} closed")
            except DomainError as exc:
                out.write(f"costing demo: period {oldest} not closed: {exc}")
    if not CostRun.objects.filter(period=current, status=RunStatus.DONE).exists():
        try:
            run = cost_run_now(period_id=current.pk)
            out.write(f"costing demo: cost run of {current} {run.status}")
        except DomainError as exc:
            out.write(f"costing demo: no cost run: {exc}")
