"""Builders for BOM tests."""

from decimal import Decimal

from bom.services import LineInput, bom_approve, bom_create
from tests import factories as f


def D(x) -> Decimal:  # noqa: N802
    return Decimal(str(x))


def make_bom(parent, lines, *, output_qty="1", skip_level=False, approve=True, version=None):
    """lines: [(component_item, qty_per, {extra LineInput fields})] or (component, qty)."""
    inputs = []
    for entry in lines:
        comp, qty, *rest = entry
        extra = rest[0] if rest else {}
        inputs.append(LineInput(component_id=comp.pk, qty_per=D(qty), **extra))
    bom = bom_create(item_id=parent.pk, output_qty=D(output_qty), skip_level=skip_level, lines=inputs, version=version)
    if approve:
        bom = bom_approve(bom_id=bom.pk)
    return bom


def made(code, **kw):
    return f.item(code, supply_type="manufacture", **kw)


def bought(code, **kw):
    return f.item(code, supply_type="purchase", **kw)
