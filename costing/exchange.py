"""cost_pools.csv (order 90) and work_hours.csv (order 92): overhead pools and reported hours
imported from CSV or an xlsx workbook (系统 → 数据导入), exported the same way.

`cost_pools.csv`: `period (YYYY-MM), cost_centre, element (labour/overhead), amount, basis`
(actual_hours / standard_hours / output_qty / material_cost, default actual_hours); unknown cost
centres are created; matched by period, centre and element (re-import updates).
`work_hours.csv`: `wo_no, cost_centre, date, actual_hours, standard_hours`; matched by order,
centre and date. Periods must be open.
"""

import re

from django.utils.translation import gettext as _

from erp.exchange import ExchangeFile, register
from erp.fields import ZERO, fmt_decimal
from erp.models import Period, PeriodStatus
from production.models import WorkOrder

from .models import Basis, CostCentre, CostPool, WorkHours

POOL_COLUMNS = ["period", "cost_centre", "element", "amount", "basis"]
HOURS_COLUMNS = ["wo_no", "cost_centre", "date", "actual_hours", "standard_hours"]
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def _centres(codes) -> dict[str, CostCentre]:
    known = {c.code: c for c in CostCentre.objects.filter(code__in=codes)}
    missing = [CostCentre(code=c, name=c) for c in sorted(set(codes) - set(known)) if c]
    for c in CostCentre.objects.bulk_create(missing):
        known[c.code] = c
    return known


def import_pools(rows, ctx):
    parsed = []
    periods: dict[tuple[int, int], Period] = {}
    for row in rows:
        raw = row.get("period", "") or ""
        m = _PERIOD.match(raw)
        if not m or not 1 <= int(m.group(2)) <= 12:
            ctx.error(row, "period", _("'%(value)s' is not a period YYYY-MM") % {"value": raw})
            continue
        key = (int(m.group(1)), int(m.group(2)))
        centre = ctx.text(row, "cost_centre", max_length=40)
        element = ctx.choice(row, "element", ["labour", "overhead"])
        amount = ctx.decimal(row, "amount", min_value=ZERO, max_digits=18, decimal_places=2)
        basis = ctx.choice(row, "basis", Basis.values, default=Basis.ACTUAL_HOURS)
        parsed.append((row, key, centre, element, amount, basis))
        periods.setdefault(key, None)  # type: ignore[arg-type]
    for y, mth in list(periods):
        periods[(y, mth)] = Period.objects.get_or_create(year=y, month=mth)[0]
        if periods[(y, mth)].status != PeriodStatus.OPEN:
            ctx.error(None, None, _("period %(period)s is not open") % {"period": periods[(y, mth)]})
    if ctx.failed:
        return
    centres = _centres({p[2] for p in parsed})
    created = updated = 0
    for _row, key, centre, element, amount, basis in parsed:
        _obj, was_created = CostPool.objects.update_or_create(
            period=periods[key],
            cost_centre=centres[centre],
            element=element,
            defaults={"amount": amount, "basis": basis},
        )
        created += was_created
        updated += not was_created
    ctx.count(created=created, updated=updated)


def import_hours(rows, ctx):
    numbers = {r.get("wo_no", "") for r in rows}
    orders = {wo.number: wo for wo in WorkOrder.objects.filter(number__in=numbers)}
    parsed = []
    for row in rows:
        number = ctx.text(row, "wo_no", max_length=40)
        wo = orders.get(number) if number else None
        if number and wo is None:
            ctx.error(row, "wo_no", _("'%(value)s' is not a work order") % {"value": number})
        centre = ctx.text(row, "cost_centre", max_length=40)
        day = ctx.date(row, "date")
        actual = ctx.decimal(row, "actual_hours", min_value=ZERO)
        standard = ctx.decimal(row, "standard_hours", required=False, default=ZERO, min_value=ZERO)
        parsed.append((row, wo, centre, day, actual, standard))
    closed = set(Period.objects.exclude(status=PeriodStatus.OPEN).values_list("year", "month"))
    for row, _wo, _c, day, *_rest in parsed:
        if day and (day.year, day.month) in closed:
            ctx.error(row, "date", _("'%(value)s' lies in a period that is not open") % {"value": day})
    if ctx.failed:
        return
    centres = _centres({p[2] for p in parsed})
    created = updated = 0
    for _row, wo, centre, day, actual, standard in parsed:
        _obj, was_created = WorkHours.objects.update_or_create(
            work_order=wo,
            cost_centre=centres[centre],
            work_date=day,
            defaults={"actual_hours": actual, "standard_hours": standard},
        )
        created += was_created
        updated += not was_created
    ctx.count(created=created, updated=updated)


def export_pools():
    for p in CostPool.objects.select_related("period", "cost_centre").order_by("period__year", "period__month", "pk"):
        yield {
            "period": str(p.period),
            "cost_centre": p.cost_centre.code,
            "element": p.element,
            "amount": f"{p.amount:.2f}",
            "basis": p.basis,
        }


def export_hours():
    for h in WorkHours.objects.select_related("work_order", "cost_centre").order_by("work_date", "pk"):
        yield {
            "wo_no": h.work_order.number,
            "cost_centre": h.cost_centre.code,
            "date": h.work_date.isoformat(),
            "actual_hours": fmt_decimal(h.actual_hours),
            "standard_hours": fmt_decimal(h.standard_hours),
        }


def register_files():
    register(
        ExchangeFile(
            "cost_pools.csv",
            columns=POOL_COLUMNS,
            order=90,
            importer=import_pools,
            exporter=export_pools,
            required_columns=["period", "cost_centre", "element", "amount"],
        )
    )
    register(
        ExchangeFile(
            "work_hours.csv",
            columns=HOURS_COLUMNS,
            order=92,
            importer=import_hours,
            exporter=export_hours,
            required_columns=["wo_no", "cost_centre", "date", "actual_hours"],
        )
    )
