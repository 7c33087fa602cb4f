"""Builders for production tests (real rows through the real services)."""

import datetime
from decimal import Decimal as D

from inventory.models import StockBalance, StockMove
from production.services import work_orders as wos
from tests import factories as f

JUNE1 = datetime.date(2026, 6, 1)


def wh(code="RM"):
    return f.warehouse(code)


def make_wo(item_code="FG1", qty=10, *, lines=(), start=JUNE1, finish=None, **kw):
    """A released work order whose material list is given by hand:
    lines = [(component_code, qty_per, issue_method, warehouse, extra...)]."""
    fg = f.item(item_code, supply_type="manufacture", default_warehouse=wh("FG"))
    wo = wos.work_order_create(
        item_id=fg.pk,
        qty=D(str(qty)),
        planned_start=start,
        planned_finish=finish or start + datetime.timedelta(days=9),
        **kw,
    )
    for spec in lines:
        code, per, method, warehouse = spec[:4]
        extra = spec[4] if len(spec) > 4 else {}
        comp = f.item(code, unit=extra.pop("unit", "pcs"))
        wos.work_order_material_add(
            work_order_id=wo.pk,
            component_id=comp.pk,
            qty_per=D(str(per)),
            issue_method=method,
            warehouse_id=warehouse.pk,
            **extra,
        )
    wos.work_order_release(work_order_id=wo.pk)
    wo.refresh_from_db()
    return wo


def on_hand(code, warehouse):
    b = StockBalance.objects.filter(item__code=code, warehouse=warehouse).first()
    return b.qty if b else D(0)


def move_count():
    return StockMove.objects.count()


def mat(wo, code):
    return wo.materials.get(component__code=code)
