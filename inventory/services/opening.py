"""Opening balances (期初库存): stock.csv and the demo post through here.

Each item x warehouse keeps the opening quantity and value last set (`OpeningBalance`). Setting
them again posts only the difference through the ledger (one `OpeningBatch` per call), so a
re-import of the same file changes nothing and a corrected file posts the correction.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from erp.fields import ZERO, round_money, to_decimal
from erp.locks import lock_rows
from erp.types import User

from ..models import OpeningBalance, OpeningBatch
from .ledger import MoveSpec, stock_moves_post

SOURCE_TYPE = "inventory.opening"


@dataclass(frozen=True)
class OpeningRow:
    item_id: int
    warehouse_id: int
    qty: Decimal
    unit_cost: Decimal


@dataclass
class OpeningResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    batch: OpeningBatch | None = None


@transaction.atomic
def opening_balances_set(
    *, rows: list[OpeningRow], user: User | None = None, move_date: datetime.date | None = None
) -> OpeningResult:
    """Make the opening balance of each (item, warehouse) equal to `qty` at `unit_cost`."""
    move_date = move_date or timezone.localdate()
    result = OpeningResult()
    if not rows:
        return result
    item_ids = {r.item_id for r in rows}
    wh_ids = {r.warehouse_id for r in rows}
    existing = {
        (ob.item_id, ob.warehouse_id): ob
        for ob in lock_rows(OpeningBalance.objects.filter(item_id__in=item_ids, warehouse_id__in=wh_ids)).values()
    }
    new_obs: list[OpeningBalance] = []
    to_update: list[OpeningBalance] = []
    changed: list[tuple[OpeningBalance, Decimal, Decimal]] = []  # (row, delta qty, delta value)
    for r in rows:
        qty = to_decimal(r.qty)
        cost = to_decimal(r.unit_cost)
        value = round_money(qty * cost)
        ob = existing.get((r.item_id, r.warehouse_id))
        if ob is None:
            ob = OpeningBalance(item_id=r.item_id, warehouse_id=r.warehouse_id, qty=qty, unit_cost=cost, value=value)
            new_obs.append(ob)
            existing[(r.item_id, r.warehouse_id)] = ob
            changed.append((ob, qty, value))
            result.created += 1
            continue
        if ob.qty == qty and ob.value == value and ob.unit_cost == cost:
            result.unchanged += 1
            continue
        changed.append((ob, qty - ob.qty, value - ob.value))
        ob.qty, ob.unit_cost, ob.value = qty, cost, value
        to_update.append(ob)
        result.updated += 1
    if new_obs:
        OpeningBalance.objects.bulk_create(new_obs, batch_size=2000)
    if to_update:
        OpeningBalance.objects.bulk_update(to_update, ["qty", "unit_cost", "value"], batch_size=1000)
    specs = [
        MoveSpec(
            item_id=ob.item_id,
            warehouse_id=ob.warehouse_id,
            qty=dq,
            unit_cost=ob.unit_cost,
            value=dv,
            source_line=ob.pk,
            kind="opening",
        )
        for ob, dq, dv in changed
        if dq != ZERO or dv != ZERO
    ]
    if specs:
        batch = OpeningBatch.objects.create(
            created_by=user if getattr(user, "pk", None) else None, move_date=move_date, lines=len(specs)
        )
        stock_moves_post(
            source_type=SOURCE_TYPE,
            source_id=batch.pk,
            moves=specs,
            move_date=move_date,
            user=user,
            source_number=str(batch),
        )
        result.batch = batch
    return result
