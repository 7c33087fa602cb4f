"""The one way stock changes: `stock_moves_post` (and `stock_moves_reverse`).

Every document of every app posts through here. A call is all-or-nothing, idempotent per
(source document, line, kind), locks the balance rows it touches in primary-key order,
refuses negative stock (unless the warehouse allows it) with a message naming item,
warehouse, needed and available, and refuses dates in a closed period.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.errors import InsufficientStock, ValidationError
from erp.fields import ZERO, fmt_decimal, round_money, to_decimal
from erp.locks import lock_rows
from erp.models import Period
from erp.periods import assert_open
from erp.types import User

from ..models import Item, StockBalance, StockMove, Warehouse


@dataclass(frozen=True)
class MoveSpec:
    """One line to post. qty is signed (+ receipt, − issue).

    unit_cost: receipts carry their document's cost; None means "current average" (issues,
    or receipts with no price, which fall back to the average or the standard cost).
    value: explicit signed value (revaluations with qty 0, exact reversals); else qty × cost.
    """

    item_id: int
    warehouse_id: int
    qty: Decimal
    unit_cost: Decimal | None = None
    source_line: int = 0
    kind: str = "move"
    value: Decimal | None = None
    note: str = ""


# Checks that may refuse a posting for (item_id, warehouse_id) pairs: callables
# (pairs: set[tuple[int, int]], source_type: str, source_id: int) -> None, raising DomainError.
# The stock count registers one (moves of counted items are refused while a count is open).
POSTING_GUARDS: list = []


def _lock_balances(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    StockBalance.objects.bulk_create(
        [StockBalance(item_id=i, warehouse_id=w) for i, w in pairs], ignore_conflicts=True, batch_size=1000
    )
    item_ids = {i for i, _w in pairs}
    wh_ids = {w for _i, w in pairs}
    rows = lock_rows(StockBalance.objects.filter(item_id__in=item_ids, warehouse_id__in=wh_ids)).values()
    return {(b.item_id, b.warehouse_id): b for b in rows if (b.item_id, b.warehouse_id) in pairs}


def _save_balances(rows: list[StockBalance]) -> None:
    """Write new qty/value of the locked balance rows: one UPDATE ... FROM unnest() on PostgreSQL
    (bulk_update's CASE WHEN grows quadratically with thousands of rows)."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE inventory_stockbalance AS b SET qty = v.qty, value = v.value "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::numeric[]) AS qty, "
                "unnest(%s::numeric[]) AS value) AS v WHERE b.id = v.id",
                [[b.pk for b in rows], [b.qty for b in rows], [b.value for b in rows]],
            )
    else:
        StockBalance.objects.bulk_update(rows, ["qty", "value"], batch_size=500)


def _rows(model, known: dict | None, ids: set[int]) -> dict:
    """{pk: row} of `ids`: the caller's rows when they hold every id, else one read."""
    if known is not None and ids <= known.keys():
        return known
    return model.objects.in_bulk(ids)


def stock_moves_post(
    *,
    source_type: str,
    source_id: int,
    moves: list[MoveSpec],
    move_date: datetime.date | None = None,
    user: User | None = None,
    source_number: str = "",
    reversal: bool = False,
    period: Period | None = None,
    items: dict[int, Item] | None = None,
    warehouses: dict[int, Warehouse] | None = None,
    savepoint: bool = True,
) -> list[StockMove]:
    """Post `moves` for one document. Lines already posted for this source are skipped.

    A caller that has already checked `move_date` with `assert_open` in this transaction may pass
    that `period`, and the item and warehouse rows it has loaded (`{pk: row}`): they are used
    instead of reading them again (fewer round trips per document); missing ones are read.
    `savepoint=False` is for a caller whose own transaction.atomic rolls back on any error of
    this call (it does not catch it): the posting then runs without a savepoint of its own."""
    with transaction.atomic(savepoint=savepoint):
        move_date = move_date or timezone.localdate()
        if not moves:
            return []
        if period is None or (period.year, period.month) != (move_date.year, move_date.month):
            period = assert_open(move_date)

        existing = set(
            StockMove.objects.filter(source_type=source_type, source_id=source_id, reversal=reversal).values_list(
                "source_line", "kind"
            )
        )
        todo = [m for m in moves if (m.source_line, m.kind) not in existing]
        keys = [(m.source_line, m.kind) for m in todo]
        if len(keys) != len(set(keys)):
            raise ValidationError(_("The same document line was posted twice in one call."), code="duplicate_line")
        if not todo:
            return list(StockMove.objects.filter(source_type=source_type, source_id=source_id, reversal=reversal))

        pairs = {(m.item_id, m.warehouse_id) for m in todo}
        balances = _lock_balances(pairs)
        # guards run after the balance rows are locked: a stock count opening at the same moment
        # either sees this posting (it waits for our locks) or is seen by the guard
        for guard in POSTING_GUARDS:
            guard(pairs, source_type, source_id)
        items = _rows(Item, items, {i for i, _w in pairs})
        warehouses = _rows(Warehouse, warehouses, {w for _i, w in pairs})

        created = []
        initial = {pair: bal.qty for pair, bal in balances.items()}
        needed: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
        short: list[tuple[int, int]] = []
        touched: dict[tuple[int, int], None] = {}
        for spec in todo:
            bal = balances[(spec.item_id, spec.warehouse_id)]
            qty = to_decimal(spec.qty)
            if spec.value is not None:
                value = round_money(spec.value)
                unit_cost = (
                    to_decimal(spec.unit_cost) if spec.unit_cost is not None else (abs(value / qty) if qty else ZERO)
                )
            elif qty < 0:
                if spec.unit_cost is not None:
                    unit_cost = to_decimal(spec.unit_cost)
                    value = round_money(qty * unit_cost)
                elif bal.qty > 0 and -qty >= bal.qty:
                    unit_cost = bal.value / bal.qty
                    value = -bal.value if -qty == bal.qty else round_money(qty * unit_cost)
                else:
                    unit_cost = (bal.value / bal.qty) if bal.qty > 0 else items[spec.item_id].standard_cost
                    value = round_money(qty * unit_cost)
            else:
                if spec.unit_cost is not None:
                    unit_cost = to_decimal(spec.unit_cost)
                else:
                    unit_cost = (bal.value / bal.qty) if bal.qty > 0 else items[spec.item_id].standard_cost
                value = round_money(qty * unit_cost)
            if qty < 0:
                needed[(spec.item_id, spec.warehouse_id)] += -qty
            bal.qty += qty
            bal.value += value
            pair = (spec.item_id, spec.warehouse_id)
            touched.setdefault(pair, None)
            if bal.qty < 0 and not warehouses[spec.warehouse_id].allow_negative and pair not in short:
                short.append(pair)
            created.append(
                StockMove(
                    item_id=spec.item_id,
                    warehouse_id=spec.warehouse_id,
                    qty=qty,
                    unit_cost=unit_cost.quantize(Decimal("0.000001")),
                    value=value,
                    move_date=move_date,
                    period=period,
                    posted_by=user if getattr(user, "pk", None) else None,
                    source_type=source_type,
                    source_id=source_id,
                    source_line=spec.source_line,
                    source_number=source_number,
                    kind=spec.kind,
                    reversal=reversal,
                    note=spec.note[:200],
                )
            )

        if short:
            lines = [
                _("%(item)s in %(warehouse)s: needed %(needed)s, available %(available)s")
                % {
                    "item": items[i],
                    "warehouse": warehouses[w],
                    "needed": fmt_decimal(needed[(i, w)]),
                    "available": fmt_decimal(initial[(i, w)]),
                }
                for i, w in short
            ]
            raise InsufficientStock(
                _("Not enough stock. %(lines)s") % {"lines": "; ".join(lines)}, code="insufficient_stock", details=lines
            )

        StockMove.objects.bulk_create(created, batch_size=1000)
        _save_balances([balances[p] for p in touched])
        if any(warehouses[w].nettable for _i, w in touched):  # net change (docs/mrp.md §5)
            from .planning import record_planning_change

            record_planning_change(
                item_ids=[i for i, w in touched if warehouses[w].nettable],
                cause=gettext_noop("%(doc)s posted"),
                params={"doc": source_number or source_type},
                document=source_number,
                kind="stock",
            )
        return created


@transaction.atomic
def stock_moves_reverse(
    *,
    source_type: str,
    source_id: int,
    move_date: datetime.date | None = None,
    user: User | None = None,
    source_lines: list[int] | None = None,
) -> list[StockMove]:
    """Post the exact opposite of a document's moves (cancel). Idempotent."""
    originals = StockMove.objects.filter(source_type=source_type, source_id=source_id, reversal=False)
    if source_lines is not None:
        originals = originals.filter(source_line__in=source_lines)
    specs = [
        MoveSpec(
            item_id=m.item_id,
            warehouse_id=m.warehouse_id,
            qty=-m.qty,
            unit_cost=m.unit_cost,
            value=-m.value,
            source_line=m.source_line,
            kind=m.kind,
            note=_("reversal"),
        )
        for m in originals.order_by("pk")
    ]
    number = originals[0].source_number if specs else ""
    return stock_moves_post(
        source_type=source_type,
        source_id=source_id,
        moves=specs,
        move_date=move_date,
        user=user,
        source_number=number,
        reversal=True,
    )


def available_qty(item_id: int, warehouse_id: int) -> Decimal:
    bal = StockBalance.objects.filter(item_id=item_id, warehouse_id=warehouse_id).first()
    return bal.qty if bal else ZERO
