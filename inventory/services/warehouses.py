from django.db import transaction

from ..models import Supplier, Warehouse, WarehouseKind


@transaction.atomic
def subcontractor_location_for(*, supplier_id: int) -> Warehouse:
    """The supplier's subcontractor location (our stock at their site, not nettable); created once."""
    existing = Warehouse.objects.filter(supplier_id=supplier_id).first()
    if existing:
        return existing
    supplier = Supplier.objects.select_for_update().get(pk=supplier_id)
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
