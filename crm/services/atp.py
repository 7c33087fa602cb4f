"""Available-to-promise dates for sales-order lines (bulk: a few queries per call)."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from erp.fields import ZERO, to_decimal
from inventory.models import Item
from inventory.selectors import on_hand_by_item

from .. import atp as registry
from ..engine import promise_date
from ..models import SalesOrderLine


def committed_by_item(item_ids, *, exclude_order_id: int | None = None) -> dict[int, Decimal]:
    """Open quantity of confirmed sales-order lines per item (what free stock must keep for them)."""
    qs = SalesOrderLine.objects.filter(item_id__in=list(item_ids)).open()
    if exclude_order_id:
        qs = qs.exclude(order_id=exclude_order_id)
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in qs.open_qty().values("item_id").annotate(q=Sum("open_qty")):
        out[row["item_id"]] = row["q"] or ZERO
    return out


def free_stock_by_item(item_ids, *, exclude_order_id: int | None = None) -> dict[int, Decimal]:
    on_hand = on_hand_by_item(item_ids, nettable_only=True)
    committed = committed_by_item(item_ids, exclude_order_id=exclude_order_id)
    return {i: on_hand.get(i, ZERO) - committed.get(i, ZERO) for i in item_ids}


def promise_dates(
    lines: list[tuple[int, int, Decimal]], *, today: datetime.date | None = None, exclude_order_id: int | None = None
) -> dict[int, datetime.date]:
    """lines = [(key, item_id, qty)] -> {key: promise date}. Lines of the same item are promised in
    the given order: the second line only gets what the first one left.

    The promise comes from ATP (free stock and scheduled receipts); a line they can't cover is
    promised on its capable-to-promise date (crm.atp registry, MRP's what-if plan through the BOM:
    the date the quotation line showed), and on today + the item's lead time only without an answer."""
    today = today or timezone.localdate()
    item_ids = sorted({i for _k, i, _q in lines})
    if not item_ids:
        return {}
    free = free_stock_by_item(item_ids, exclude_order_id=exclude_order_id)
    lead = dict(Item.objects.filter(pk__in=item_ids).values_list("pk", "lead_time_days"))
    receipts: dict[int, list] = defaultdict(list)
    for item_id, day, qty in registry.scheduled_receipts(item_ids):
        receipts[item_id].append((day, to_decimal(qty)))
    used: dict[int, Decimal] = defaultdict(lambda: ZERO)
    out = {}
    uncovered = []
    for key, item_id, qty in lines:
        need = used[item_id] + to_decimal(qty)
        out[key] = promise_date(
            qty=need,
            free_stock=free.get(item_id, ZERO),
            receipts=receipts[item_id],
            today=today,
            lead_time_days=lead.get(item_id, 0),
        )
        if free.get(item_id, ZERO) + sum((q for _d, q in receipts[item_id]), ZERO) < need:
            uncovered.append((key, item_id, to_decimal(qty)))
        used[item_id] = need
    for key, answer in registry.capable_to_promise(uncovered, today).items():
        if answer.get("date") is not None:
            out[key] = answer["date"]
    return out
