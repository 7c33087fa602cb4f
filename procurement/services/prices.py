"""Supplier price list: default prices, lead times and suppliers for an item."""

import datetime
from decimal import Decimal

from django.db.models import Q

from ..models import SupplierPrice


def _valid(on_date: datetime.date):
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on_date)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=on_date)
    )


def price_for(*, item_id: int, supplier_id: int, qty: Decimal, on_date: datetime.date) -> SupplierPrice | None:
    """The valid price row with the highest minimum quantity not above `qty`."""
    return (
        SupplierPrice.objects.filter(_valid(on_date), item_id=item_id, supplier_id=supplier_id, min_qty__lte=qty)
        .order_by("-min_qty", "price")
        .first()
    )


def best_supplier_for(*, item_id: int, qty: Decimal, on_date: datetime.date) -> SupplierPrice | None:
    """The cheapest valid price row over all suppliers (used when neither line nor item names one)."""
    return (
        SupplierPrice.objects.filter(_valid(on_date), item_id=item_id, min_qty__lte=qty, supplier__is_active=True)
        .order_by("price", "lead_time_days", "supplier__code")
        .first()
    )


def prices_for_items(item_ids, *, on_date: datetime.date) -> dict[tuple[int, int], list[SupplierPrice]]:
    """All valid rows per (item, supplier), for bulk lookups; sorted by descending minimum quantity."""
    out: dict[tuple[int, int], list[SupplierPrice]] = {}
    qs = SupplierPrice.objects.filter(_valid(on_date), item_id__in=list(item_ids)).select_related("supplier")
    for row in qs.order_by("-min_qty", "price"):
        out.setdefault((row.item_id, row.supplier_id), []).append(row)
    return out


def pick(rows: list[SupplierPrice] | None, qty: Decimal) -> SupplierPrice | None:
    for row in rows or []:
        if row.min_qty <= qty:
            return row
    return None
