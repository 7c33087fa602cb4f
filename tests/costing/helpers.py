"""Builders for costing tests: real documents through the real services."""

import datetime
from decimal import Decimal as D

from django.db.models import Sum

from costing.models import CostSettings
from costing.services import pools
from costing.services.runs import cost_run_now
from erp.periods import period_for
from inventory.models import StockBalance, StockMove
from production.services import picking as pk
from production.services import receipts as rc
from production.services import work_orders as wos
from tests import factories as f

JAN = datetime.date(2026, 1, 1)
JAN10 = datetime.date(2026, 1, 10)
JAN20 = datetime.date(2026, 1, 20)
FEB10 = datetime.date(2026, 2, 10)


def settings(**kw):
    CostSettings.objects.update_or_create(pk=1, defaults=kw)


def wh(code):
    return f.warehouse(code)


def work_order(item_code, qty, lines, *, start=JAN, fg_wh=None):
    """lines = [(component_code, qty_per, issue_method, warehouse, line_type, cost_share)]"""
    product = f.item(item_code, supply_type="manufacture", default_warehouse=fg_wh or wh("FG"))
    wo = wos.work_order_create(
        item_id=product.pk,
        qty=D(str(qty)),
        planned_start=start,
        planned_finish=start + datetime.timedelta(days=20),
    )
    for spec in lines:
        code, per, method, warehouse = spec[:4]
        line_type = spec[4] if len(spec) > 4 else "component"
        comp = f.item(code)
        m = wos.work_order_material_add(
            work_order_id=wo.pk,
            component_id=comp.pk,
            qty_per=D(str(per)),
            issue_method=method,
            warehouse_id=warehouse.pk,
            line_type=line_type,
        )
        if len(spec) > 5:
            m.cost_share = D(str(spec[5]))
            m.save(update_fields=["cost_share"])
    wos.work_order_release(work_order_id=wo.pk)
    wo.refresh_from_db()
    return wo


def issue(wo, qtys, on_date=JAN10):
    p = pk.picking_create_batch(
        work_order_id=wo.pk,
        qtys={wo.materials.get(component__code=c).pk: D(str(q)) for c, q in qtys.items()},
        pick_date=on_date,
    )
    return pk.picking_confirm(picking_id=p.pk)


def receive(wo, qty, on_date=JAN20):
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D(str(qty)), receipt_date=on_date)
    return rc.fg_receipt_confirm(receipt_id=r.pk)


def hours(wo, centre, actual, on_date=JAN20):
    return pools.work_hours_report(
        work_order_id=wo.pk, cost_centre_id=centre.pk, work_date=on_date, actual_hours=D(str(actual))
    )


def pool(day, centre, element, amount, basis="actual_hours"):
    return pools.cost_pool_save(
        period_id=period_for(day).pk, cost_centre_id=centre.pk, element=element, amount=D(str(amount)), basis=basis
    )


def run(day=JAN):
    r = cost_run_now(period_id=period_for(day).pk)
    assert r.status == "done", r.message
    return r


def value(code, warehouse=None):
    qs = StockBalance.objects.filter(item__code=code)
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    return qs.aggregate(v=Sum("value"))["v"] or D(0)


def moved_value(code, **filters):
    return StockMove.objects.filter(item__code=code, **filters).aggregate(v=Sum("value"))["v"] or D(0)
