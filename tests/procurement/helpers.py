"""Builders for procurement tests (real rows through the real services)."""

import datetime
from decimal import Decimal

from procurement import services
from tests import factories as f

D = Decimal


def confirmed_po(supplier, item, qty, price, *, order_date=datetime.date(2026, 1, 5), wh=None, due=None):
    po = services.purchase_order_create(
        supplier_id=supplier.pk,
        order_date=order_date,
        warehouse_id=wh.pk if wh else None,
        lines=[{"item_id": item.pk, "qty": D(str(qty)), "unit_price": D(str(price)), "due_date": due}],
    )
    return services.purchase_order_confirm(order_id=po.pk)


def outsourcing_setup(*, qty=100, per=2, fee="5.00", order_date=datetime.date(2026, 1, 5)):
    """Order `qty` of FRAME from supplier SUB1, material A `per` each, stock of A in WH."""
    wh = f.warehouse("WH")
    fg_wh = f.warehouse("FG")
    sup = f.supplier("SUB1", name="Subcontractor")
    a = f.item("A")
    frame = f.item("FRAME", supply_type="outsource")
    f.stock(a, wh, 1000, "2", on_date=datetime.date(2026, 1, 1))
    order = services.outsourcing_order_create(
        supplier_id=sup.pk,
        item_id=frame.pk,
        qty=D(str(qty)),
        unit_fee=D(fee),
        order_date=order_date,
        due_date=order_date + datetime.timedelta(days=20),
        warehouse_id=fg_wh.pk,
        issue_warehouse_id=wh.pk,
        materials=[{"component_id": a.pk, "qty_per": D(str(per))}],
    )
    order = services.outsourcing_order_confirm(order_id=order.pk)
    return order, wh, fg_wh, sup, a, frame
