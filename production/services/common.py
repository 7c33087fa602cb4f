"""Helpers shared by the production services."""

from decimal import Decimal

from django.utils.translation import gettext as _

from erp.errors import ValidationError
from erp.fields import ZERO, round_qty, to_decimal
from erp.locks import lock_rows

from ..models import WorkOrder, WorkOrderMaterial


def positive(value, label) -> Decimal:
    qty = round_qty(to_decimal(value))
    if qty <= 0:
        raise ValidationError(_("%(field)s must be greater than zero.") % {"field": label}, code="not_positive")
    return qty


def non_negative(value, label) -> Decimal:
    qty = round_qty(to_decimal(value))
    if qty < 0:
        raise ValidationError(_("%(field)s cannot be negative.") % {"field": label}, code="negative")
    return qty


def lock_orders(ids) -> dict[int, WorkOrder]:
    """Lock work orders in primary-key order (no deadlocks between merged pickings)."""
    return lock_rows(WorkOrder.objects.all(), ids)


def lock_materials(ids) -> dict[int, WorkOrderMaterial]:
    return lock_rows(
        WorkOrderMaterial.objects.select_related("component", "warehouse", "component__default_warehouse"),
        ids,
        of=("self",),
    )


def issue_warehouse_id(material: WorkOrderMaterial, work_order: WorkOrder | None = None) -> int:
    wh = material.warehouse_id or material.component.default_warehouse_id
    if not wh and work_order is not None:
        wh = work_order.warehouse_id
    if not wh:
        raise ValidationError(
            _("No issue warehouse for %(item)s: set it on the material line or on the item.")
            % {"item": material.component},
            code="no_warehouse",
        )
    return wh


def issue_cap(material: WorkOrderMaterial, work_order: WorkOrder) -> Decimal:
    """Cumulative net issue allowed: required × (1 + tolerance %), or required when forbidden."""
    if work_order.over_issue_forbidden:
        return material.required
    return round_qty(material.required * (1 + work_order.issue_tolerance_pct / 100))


__all__ = ["ZERO", "positive", "non_negative", "lock_orders", "lock_materials", "issue_warehouse_id", "issue_cap"]
