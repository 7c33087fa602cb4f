"""Reads of stock for other apps and pages (bulk, no per-row queries)."""

from collections import defaultdict
from decimal import Decimal

from django.db import models
from django.db.models import Sum

from erp.fields import ZERO

from .models import StockBalance, StockMove


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


# --- pages and reports -------------------------------------------------------------------


def on_hand_queryset():
    """On-hand by item x warehouse (quantity, value, average cost, nettable), for the inquiry."""
    from django.db.models import Case, DecimalField, ExpressionWrapper, F, When

    return (
        StockBalance.objects.exclude(qty=0, value=0)
        .select_related("item", "item__uom", "item__category", "warehouse")
        .annotate(
            avg=Case(
                When(
                    ~models.Q(qty=0),
                    then=ExpressionWrapper(
                        F("value") / F("qty"), output_field=DecimalField(max_digits=18, decimal_places=6)
                    ),
                ),
                default=None,
            )
        )
        .order_by("item__code", "warehouse__code")
    )


def item_ledger_queryset():
    """Moves with running quantity and value per item x warehouse (window functions, one query)."""
    from django.db.models import F, Window

    order = [F("move_date").asc(), F("id").asc()]
    part = [F("item_id"), F("warehouse_id")]
    return (
        StockMove.objects.select_related("item", "item__uom", "warehouse", "posted_by")
        .annotate(
            running_qty=Window(Sum("qty"), partition_by=part, order_by=order),
            running_value=Window(Sum("value"), partition_by=part, order_by=order),
        )
        .order_by("item__code", "warehouse__code", "move_date", "id")
    )


def value_by_category(*, warehouse_ids=None) -> list[dict]:
    """Stock value and quantity per category, rolled up the category tree (one query + tree)."""
    from .models import ItemCategory

    qs = StockBalance.objects.all()
    if warehouse_ids:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    direct = {
        r["item__category_id"]: (r["v"] or ZERO, r["n"])
        for r in qs.values("item__category_id").annotate(v=Sum("value"), n=models.Count("item_id", distinct=True))
    }
    cats = list(ItemCategory.objects.order_by("tree_id", "lft"))
    parent = {c.pk: c.parent_id for c in cats}
    total: dict[int, Decimal] = defaultdict(lambda: ZERO)
    count: dict[int, int] = defaultdict(int)
    for cat_id, (value, n) in direct.items():
        node = cat_id
        while node is not None:  # add to the category and every ancestor
            total[node] += value
            count[node] += n
            node = parent.get(node)
    rows = [
        {
            "category": c,
            "level": c.level,
            "value": total[c.pk],
            "own": direct.get(c.pk, (ZERO, 0))[0],
            "items": count[c.pk],
        }
        for c in cats
    ]
    if None in direct:
        rows.append(
            {"category": None, "level": 0, "value": direct[None][0], "own": direct[None][0], "items": direct[None][1]}
        )
    return rows


def dead_stock(
    *,
    as_of,
    idle_threshold: int = 90,
    criterion: str = "no_issue",
    warehouse_ids=None,
    category_ids=None,
    include_zero: bool = False,
    bounds=None,
    only_dead: bool = False,
):
    """呆滞料查询表 rows (domain.md §6): one query for daily movements, one for names, one per hint provider."""
    from django.db.models import Q

    from .engine.deadstock import DEFAULT_BOUNDS, analyse
    from .models import Item, ItemCategory, Warehouse

    bounds = tuple(bounds or DEFAULT_BOUNDS)
    qs = StockMove.objects.filter(move_date__lte=as_of)
    if warehouse_ids:
        qs = qs.filter(warehouse_id__in=list(warehouse_ids))
    if category_ids:
        cats = ItemCategory.objects.filter(pk__in=list(category_ids)).get_descendants(include_self=True)
        qs = qs.filter(item__category__in=cats)
    daily = (
        qs.values("item_id", "warehouse_id", "move_date")
        .annotate(
            rq=Sum("qty", filter=Q(qty__gt=0)),
            iq=Sum("qty", filter=Q(qty__lt=0)),
            v=Sum("value"),
        )
        .order_by("item_id", "warehouse_id", "move_date")
    )
    groups: dict[tuple[int, int], list] = defaultdict(list)
    for r in daily:
        groups[(r["item_id"], r["warehouse_id"])].append(
            (r["move_date"], r["rq"] or ZERO, -(r["iq"] or ZERO), r["v"] or ZERO)
        )
    results = []
    for (item_id, wh_id), days in groups.items():
        res = analyse(days, as_of=as_of, idle_threshold=idle_threshold, criterion=criterion, bounds=bounds)
        if res.on_hand == 0 and not include_zero:
            continue
        if only_dead and not res.dead:
            continue
        results.append((item_id, wh_id, res))
    items = Item.objects.select_related("uom", "category").in_bulk({i for i, _w, _r in results})
    whs = Warehouse.objects.in_bulk({w for _i, w, _r in results})
    hints = item_hints(items.keys()) if items else {}
    rows = [{"item": items[i], "warehouse": whs[w], "result": r, "hints": hints.get(i, [])} for i, w, r in results]
    rows.sort(key=lambda x: (not x["result"].dead, -(x["result"].idle_days or 0), x["item"].code, x["warehouse"].code))
    return rows


def uom_factor(*, item, from_uom_id: int, to_uom_id: int | None = None) -> Decimal:
    """How many `to_uom` (default: the item's stock unit) one `from_uom` is, for this item.

    Order: same unit → 1; the item's purchase unit → purchase_factor; an item-specific
    conversion; a global conversion; the inverse of either. Unknown → ValidationError.
    """
    from django.db.models import Q
    from django.utils.translation import gettext as _

    from erp.errors import ValidationError

    from .models import UomConversion

    to_uom_id = to_uom_id or item.uom_id
    if from_uom_id == to_uom_id:
        return Decimal(1)
    bad = ValidationError(
        _("The unit conversion of %(item)s must be greater than 0.") % {"item": item}, code="bad_uom_factor"
    )
    if to_uom_id == item.uom_id and from_uom_id == item.purchase_uom_id:
        if item.purchase_factor <= 0:
            raise bad
        return item.purchase_factor
    convs = list(
        UomConversion.objects.filter(Q(item=item) | Q(item__isnull=True)).filter(
            Q(from_uom_id=from_uom_id, to_uom_id=to_uom_id) | Q(from_uom_id=to_uom_id, to_uom_id=from_uom_id)
        )
    )
    convs.sort(key=lambda c: c.item_id is None)  # item-specific first
    for c in convs:
        if c.factor <= 0:
            raise bad
        return c.factor if c.from_uom_id == from_uom_id else Decimal(1) / c.factor
    raise ValidationError(
        _("No conversion between these units for %(item)s.") % {"item": item}, code="no_uom_conversion"
    )
