"""Reads of stock for other apps and pages (bulk, no per-row queries)."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from erp.fields import ZERO

from .models import StockBalance


def on_hand_by_item(item_ids, *, warehouse_ids=None, nettable_only: bool = False) -> dict[int, Decimal]:
    """Quantity on hand per item (summed over warehouses)."""
    qs = StockBalance.objects.filter(item_id__in=list(item_ids))
    if warehouse_ids is not None:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    if nettable_only:
        qs = qs.filter(warehouse__nettable=True)
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in qs.values("item_id").annotate(q=Sum("qty")):
        out[row["item_id"]] = row["q"] or ZERO
    return out


def on_hand_by_item_warehouse(item_ids, *, warehouse_ids=None) -> dict[tuple[int, int], Decimal]:
    qs = StockBalance.objects.filter(item_id__in=list(item_ids))
    if warehouse_ids is not None:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    return {(b["item_id"], b["warehouse_id"]): b["qty"] for b in qs.values("item_id", "warehouse_id", "qty")}


# Hints for the dead-stock report from other apps: callables (item_ids) -> {item_id: [text, ...]}.
ITEM_HINT_PROVIDERS: list = []


def register_item_hint_provider(fn) -> None:
    if fn not in ITEM_HINT_PROVIDERS:
        ITEM_HINT_PROVIDERS.append(fn)


def item_hints(item_ids) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for provider in ITEM_HINT_PROVIDERS:
        for item_id, texts in provider(list(item_ids)).items():
            out[item_id].extend(texts)
    return out
