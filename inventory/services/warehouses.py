from django.db import transaction

from erp.locks import lock_row

from ..models import Supplier, Warehouse, WarehouseKind
from .trees import tree_lock


@transaction.atomic
def subcontractor_location_for(*, supplier_id: int) -> Warehouse:
    """The supplier's subcontractor location (our stock at their site, not nettable); created once.
    Creating it inserts a node into the warehouse tree: the tree lock first, then the supplier row."""
    existing = Warehouse.objects.filter(supplier_id=supplier_id).first()
    if existing:
        return existing
    tree_lock("inventory.warehouse")
    supplier = lock_row(Supplier, supplier_id)
    existing = Warehouse.objects.filter(supplier_id=supplier_id).first()
    if existing:
        return existing
    return Warehouse.objects.create(
        code=f"SUB-{supplier.code}"[:40],
        name=f"{supplier.name} (委外)"[:100],
        kind=WarehouseKind.SUBCONTRACTOR,
        nettable=False,
        supplier=supplier,
    )
