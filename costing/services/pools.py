"""Overhead pools (制造费用), reported hours (报工) and WIP completion: the inputs of the cost run."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import round_money
from erp.models import Period, PeriodStatus
from erp.periods import assert_open, period_for
from erp.types import User
from production.models import WorkOrder
from production.states import WorkOrderStatus

from ..models import Basis, CostCentre, CostPool, Element, WipCompletion, WorkHours


def _writable(period: Period) -> None:
    if period.status != PeriodStatus.OPEN:
        raise StateError(
            _("Period %(period)s is %(status)s: its cost inputs can no longer change.")
            % {"period": period, "status": period.get_status_display()},
            code="period_not_open",
        )


@transaction.atomic
def cost_centre_get_or_create(*, code: str, name: str = "") -> CostCentre:
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("Enter the cost centre code."), code="no_centre")
    centre, _created = CostCentre.objects.get_or_create(code=code, defaults={"name": name or code})
    return centre


@transaction.atomic
def cost_pool_save(
    *,
    period_id: int,
    cost_centre_id: int,
    element: str,
    amount: Decimal,
    basis: str = Basis.ACTUAL_HOURS,
    note: str = "",
    user: User | None = None,
) -> CostPool:
    """Enter (or replace) the labour or overhead pool of a cost centre in an open period."""
    period = Period.objects.select_for_update().get(pk=period_id)
    _writable(period)
    if element not in (Element.LABOUR, Element.OVERHEAD):
        raise ValidationError(_("A cost pool holds labour or overhead."), code="bad_element")
    if basis not in Basis.values:
        raise ValidationError(_("Choose an allocation basis."), code="bad_basis")
    if amount < 0:
        raise ValidationError(_("The amount of a cost pool cannot be negative."), code="negative")
    pool, _created = CostPool.objects.update_or_create(
        period=period,
        cost_centre_id=cost_centre_id,
        element=element,
        defaults={"amount": round_money(amount), "basis": basis, "note": note[:200]},
    )
    return pool


@transaction.atomic
def work_hours_report(
    *,
    work_order_id: int,
    cost_centre_id: int,
    work_date: datetime.date,
    actual_hours: Decimal,
    standard_hours: Decimal = Decimal("0"),
    note: str = "",
    user: User | None = None,
) -> WorkHours:
    """报工: hours worked on an order (released, started or completed) in an open period."""
    assert_open(work_date)
    wo = WorkOrder.objects.get(pk=work_order_id)
    if wo.status not in (WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED, WorkOrderStatus.COMPLETED):
        raise StateError(
            _("%(wo)s is %(status)s: hours can be reported on released, started or completed orders.")
            % {"wo": wo, "status": wo.get_status_display()},
            code="bad_state",
        )
    if actual_hours < 0 or standard_hours < 0:
        raise ValidationError(_("Hours cannot be negative."), code="negative")
    if actual_hours == 0 and standard_hours == 0:
        raise ValidationError(_("Enter the hours worked."), code="zero")
    return WorkHours.objects.create(
        work_order=wo,
        cost_centre_id=cost_centre_id,
        work_date=work_date,
        actual_hours=actual_hours,
        standard_hours=standard_hours,
        note=note[:200],
        created_by=user if getattr(user, "pk", None) else None,
    )


@transaction.atomic
def wip_completion_set(*, period_id: int, work_order_id: int, completion_pct: Decimal, user: User | None = None):
    period = Period.objects.select_for_update().get(pk=period_id)
    _writable(period)
    if not (0 <= completion_pct <= 100):
        raise ValidationError(_("The completion % lies between 0 and 100."), code="pct")
    obj, _created = WipCompletion.objects.update_or_create(
        period=period, work_order_id=work_order_id, defaults={"completion_pct": completion_pct}
    )
    return obj


def period_of(day: datetime.date) -> Period:
    return period_for(day)
