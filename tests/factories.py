"""Small builders shared by every app's tests (plain functions, real database rows)."""

from decimal import Decimal

from inventory.models import Item, Supplier, UnitOfMeasure, Warehouse
from inventory.services.ledger import MoveSpec, stock_moves_post


def uom(code="pcs"):
    return UnitOfMeasure.objects.get_or_create(code=code, defaults={"name": code})[0]


def item(code, *, supply_type="purchase", unit="pcs", **fields):
    obj, _ = Item.objects.update_or_create(
        code=code, defaults={"name": fields.pop("name", code), "uom": uom(unit), "supply_type": supply_type, **fields}
    )
    return obj


def warehouse(code="WH", **fields):
    obj = Warehouse.objects.filter(code=code).first()
    if obj is None:
        obj = Warehouse.objects.create(code=code, name=fields.pop("name", code), **fields)
    return obj


def supplier(code="S1", **fields):
    return Supplier.objects.get_or_create(code=code, defaults={"name": fields.pop("name", code), **fields})[0]


_seq = [0]


def stock(item_obj, wh, qty, unit_cost="1", *, on_date=None):
    """Put `qty` on hand (a test receipt through the real ledger)."""
    _seq[0] += 1
    stock_moves_post(
        source_type="test.opening",
        source_id=_seq[0],
        moves=[MoveSpec(item_obj.pk, wh.pk, Decimal(str(qty)), Decimal(str(unit_cost)), kind="opening")],
        move_date=on_date,
    )
