"""Demo BOMs of the bicycle factory (on the items of inventory/demo.py). Idempotent.

BK-100 city bike = FRP-100 painted frame (outsourced painting of FR-100) + WS-100 wheel set
(phantom) + DT-100 drive train (skip level) + purchased parts.
"""

from decimal import Decimal

from django.db import transaction

from inventory.models import Item, UnitOfMeasure, Warehouse

from .models import Bom
from .services import LineInput, bom_approve, bom_create

D = Decimal
# parent, skip_level, [(component, qty_per, scrap, fixed_loss, issue_method, key_part, warehouse)]
BOMS = [
    (
        "FR-100",
        False,
        [
            ("RM-TUBE", "2.5", "0.03", "0", "manual", True, "RM"),
            ("PP-BOLT", "4", "0", "10", "backflush", False, "RM"),
        ],
    ),
    (
        "FRP-100",
        False,
        [("FR-100", "1", "0", "0", "manual", True, "WIP"), ("RM-PAINT", "0.4", "0.05", "0", "manual", False, "RM")],
    ),
    (
        "WS-100",
        False,
        [
            ("PP-TYRE", "2", "0", "0", "manual", True, "RM"),
            ("PP-RIM", "2", "0", "0", "manual", True, "RM"),
            ("PP-SPOKE", "72", "0.01", "0", "manual", False, "RM"),
            ("PP-HUB", "2", "0", "0", "manual", False, "RM"),
        ],
    ),
    (
        "DT-100",
        True,
        [
            ("PP-CHAIN", "1", "0", "0", "manual", True, "RM"),
            ("PP-CRANK", "1", "0", "0", "manual", False, "RM"),
            ("PP-PEDAL", "1", "0", "0", "manual", False, "RM"),
        ],
    ),
    (
        "BK-100",
        False,
        [
            ("FRP-100", "1", "0", "0", "manual", True, "WIP"),
            ("WS-100", "1", "0", "0", "manual", False, None),
            ("DT-100", "1", "0", "0", "manual", False, "WIP"),
            ("PP-SADDLE", "1", "0", "0", "manual", False, "RM"),
            ("PP-HBAR", "1", "0", "0", "manual", False, "RM"),
            ("PP-BRAKE", "1", "0", "0", "manual", False, "RM"),
            ("PP-BOLT", "12", "0.02", "0", "backflush", False, "RM"),
        ],
    ),
]
FALLBACK_TYPES = {
    "BK-100": "manufacture",
    "FR-100": "manufacture",
    "FRP-100": "outsource",
    "WS-100": "phantom",
    "DT-100": "manufacture",
}


def _item(code: str) -> Item:
    item = Item.objects.filter(code=code).first()
    if item is None:  # inventory demo not loaded: the few items we need, by the same codes
        uom = UnitOfMeasure.objects.get_or_create(code="pcs", defaults={"name": "个"})[0]
        item = Item.objects.create(code=code, name=code, uom=uom, supply_type=FALLBACK_TYPES.get(code, "purchase"))
    return item


@transaction.atomic
def seed(out):
    whs = {w.code: w.pk for w in Warehouse.objects.filter(code__in=["RM", "WIP", "FG"])}
    made = 0
    for parent_code, skip, lines in BOMS:
        parent = _item(parent_code)
        if Bom.objects.filter(item=parent).exists():
            continue
        inputs = [
            LineInput(
                component_id=_item(code).pk,
                qty_per=D(qty),
                scrap_rate=D(scrap),
                fixed_loss=D(loss),
                issue_method=method,
                key_part=key,
                issue_warehouse_id=whs.get(wh) if wh else None,
            )
            for code, qty, scrap, loss, method, key, wh in lines
        ]
        bom = bom_create(item_id=parent.pk, skip_level=skip, lines=inputs, notes="demo")
        bom_approve(bom_id=bom.pk)
        made += 1
    out.write(f"bom: {made} demo BOMs approved")
