"""Dead stock (呆滞料) per item x warehouse: idle days and FIFO ageing. Pure computation, no ORM.

This module is the definition; `inventory.selectors.dead_stock_report` computes the same in one
SQL statement on PostgreSQL (a test runs both on the same histories).

Input: the effective moves up to the as-of date. A cancelled document and its cancellation are
not moves at all (both left out once the cancellation is dated on or before the as-of date): a
receipt cancelled the next day is neither a receipt nor an issue. Receipts form FIFO layers in
the order they arrived in the warehouse, each dated by the receipt date of its goods: a plain
receipt by its own date, a transfer-in by the layers it took from the source warehouse
(`carried_layers`), so the age follows the goods. Issues consume the oldest arrivals first
(same-day receipts before issues). What is left are the layers of the stock on hand; each is
aged `as_of − layer date` and put in its bucket.

Idle days: criterion "no issue" counts from the last issue (any outflow of the warehouse,
a transfer-out included); goods never issued from their first receipt (the oldest layer date,
so stock moved in from another warehouse keeps its age); "no movement" from the last move of any
kind that changed the quantity (a revaluation is no movement). Dead = idle days ≥ N and stock > 0.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from erp.fields import ZERO, round_money

NO_ISSUE = "no_issue"
NO_MOVEMENT = "no_movement"
DEFAULT_BOUNDS = (30, 60, 90, 180, 365)

Layer = tuple[datetime.date, Decimal]  # (receipt date of the goods, quantity)


def bucket_labels(bounds: Sequence[int] = DEFAULT_BOUNDS) -> list[str]:
    labels, low = [], 0
    for b in bounds:
        labels.append(f"{low}–{b}")
        low = b + 1
    labels.append(f">{bounds[-1]}")
    return labels


def bucket_index(age_days: int, bounds: Sequence[int] = DEFAULT_BOUNDS) -> int:
    for n, b in enumerate(bounds):
        if age_days <= b:
            return n
    return len(bounds)


@dataclass(frozen=True)
class LedgerMove:
    """One effective stock move of an item (any warehouse), for `carried_layers`.
    `transfer_of`: on the receiving side of a transfer, the id of its issuing move."""

    id: int
    warehouse_id: int
    day: datetime.date
    qty: Decimal
    transfer_of: int | None = None


def _take(queue: list[list], qty: Decimal, day: datetime.date) -> list[Layer]:
    """Remove `qty` from the FIFO `queue` ([date, qty] oldest arrival first); the layers taken.
    What the queue cannot cover (negative stock) is dated `day`."""
    parts: list[Layer] = []
    left = qty
    while left > 0 and queue:
        take = min(left, queue[0][1])
        parts.append((queue[0][0], take))
        queue[0][1] -= take
        left -= take
        if queue[0][1] == 0:
            queue.pop(0)
    if left > 0:
        parts.append((day, left))
    return parts


def carried_layers(moves: Iterable[LedgerMove]) -> dict[int, list[Layer]]:
    """The FIFO layers each transfer-in of one item brings from its source warehouse:
    {receiving move id: [(receipt date, qty), ...]} in the order they left the source.

    Moves run day by day, plain receipts of a day first, then the other moves in posting order;
    a transfer is handled at its issuing move (its receiving move follows it), so transfers in a
    chain (A → B → C) carry the dates of A's receipts."""
    moves = [m for m in moves if m.qty != 0]
    issuing = {m.id for m in moves if m.qty < 0}
    by_out = {m.transfer_of: m for m in moves if m.transfer_of in issuing}
    queues: dict[int, list[list]] = {}
    carried: dict[int, list[Layer]] = {}
    events = [m for m in moves if m.transfer_of not in issuing]  # a receiving side moves with its issue
    for m in sorted(events, key=lambda m: (m.day, 0 if m.qty > 0 else 1, m.id)):
        queue = queues.setdefault(m.warehouse_id, [])
        if m.qty > 0:
            queue.append([m.day, m.qty])
            continue
        parts = _take(queue, -m.qty, m.day)
        receiving = by_out.get(m.id)
        if receiving is not None:
            carried[receiving.id] = parts
            queues.setdefault(receiving.warehouse_id, []).extend([d, q] for d, q in parts)
    return carried


@dataclass
class DeadStockResult:
    on_hand: Decimal = ZERO
    value: Decimal = ZERO
    unit_cost: Decimal = ZERO
    first_receipt: datetime.date | None = None
    last_receipt: datetime.date | None = None
    last_issue: datetime.date | None = None
    last_move: datetime.date | None = None
    idle_days: int | None = None
    dead: bool = False
    bucket_qty: list[Decimal] = field(default_factory=list)
    bucket_value: list[Decimal] = field(default_factory=list)
    layers: list[tuple[datetime.date, Decimal, int]] = field(default_factory=list)  # (date, qty, age)


def idle_since(res: DeadStockResult, criterion: str) -> datetime.date | None:
    if criterion == NO_MOVEMENT:
        return res.last_move
    return res.last_issue or res.first_receipt


def layer_value(qty: Decimal, value: Decimal, on_hand: Decimal) -> Decimal:
    """The value of `qty` of a stock of `on_hand` worth `value` (the SQL computes it the same way)."""
    return round_money(qty * value / on_hand) if on_hand > 0 else ZERO


def analyse(
    days: list[tuple],
    *,
    as_of: datetime.date,
    idle_threshold: int = 90,
    criterion: str = NO_ISSUE,
    bounds: Sequence[int] = DEFAULT_BOUNDS,
) -> DeadStockResult:
    """`days`: (date, received qty ≥ 0, issued qty ≥ 0, net value change[, layers]) of one item in
    one warehouse, effective moves only. `layers` lists what was received that day in arrival
    order as (receipt date of the goods, qty); without it the day's receipt is one layer of that day."""
    res = DeadStockResult(bucket_qty=[ZERO] * (len(bounds) + 1), bucket_value=[ZERO] * (len(bounds) + 1))
    layers: list[list] = []  # [receipt date, remaining qty], oldest arrival first
    qty = value = ZERO
    for day_row in sorted(days, key=lambda d: d[0]):
        day, received, issued, value_change = day_row[:4]
        if day > as_of:
            continue
        qty += received - issued
        value += value_change
        if received > 0 or issued > 0:
            res.last_move = day
        if received > 0:
            arrived = day_row[4] if len(day_row) > 4 and day_row[4] else [(day, received)]
            layers.extend([d, q] for d, q in arrived)
            oldest = min(d for d, _q in arrived)
            res.first_receipt = min(res.first_receipt or oldest, oldest)
            res.last_receipt = day
        if issued > 0:
            res.last_issue = day
            _take(layers, issued, day)
    res.on_hand, res.value = qty, value
    res.unit_cost = (value / qty) if qty > 0 else ZERO
    since = idle_since(res, criterion)
    res.idle_days = (as_of - since).days if since else None
    res.dead = res.idle_days is not None and res.idle_days >= idle_threshold and qty > 0
    # stock on hand may be less than the layers (issues beyond the stock): trim oldest first
    excess = sum((q for _d, q in layers), ZERO) - max(qty, ZERO)
    if excess > 0:
        _take(layers, excess, as_of)
    for day, q in layers:
        age = (as_of - day).days
        res.layers.append((day, q, age))
        n = bucket_index(age, bounds)
        res.bucket_qty[n] += q
        res.bucket_value[n] += layer_value(q, value, qty)
    return res
