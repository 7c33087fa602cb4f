"""Dead stock (呆滞料) per item x warehouse: idle days and FIFO ageing. Pure computation, no ORM.

Input: the daily movements of one item in one warehouse up to the as-of date, as
(date, received qty (≥ 0), issued qty (≥ 0), net value change). Receipts form FIFO layers dated
by their receipt date; issues consume the oldest layers first (same-day receipts before issues).
What is left are the layers of the stock on hand; each is aged `as_of − receipt date` and put in
its bucket. Idle days: criterion "no issue" counts from the last issue (items never issued from
their first receipt); "no movement" from the last move of any kind. Dead = idle days ≥ N.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from erp.fields import ZERO, round_money

NO_ISSUE = "no_issue"
NO_MOVEMENT = "no_movement"
DEFAULT_BOUNDS = (30, 60, 90, 180, 365)


def bucket_labels(bounds=DEFAULT_BOUNDS) -> list[str]:
    labels, low = [], 0
    for b in bounds:
        labels.append(f"{low}–{b}")
        low = b + 1
    labels.append(f">{bounds[-1]}")
    return labels


def bucket_index(age_days: int, bounds=DEFAULT_BOUNDS) -> int:
    for n, b in enumerate(bounds):
        if age_days <= b:
            return n
    return len(bounds)


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


def analyse(
    days: list[tuple[datetime.date, Decimal, Decimal, Decimal]],
    *,
    as_of: datetime.date,
    idle_threshold: int = 90,
    criterion: str = NO_ISSUE,
    bounds=DEFAULT_BOUNDS,
) -> DeadStockResult:
    res = DeadStockResult(bucket_qty=[ZERO] * (len(bounds) + 1), bucket_value=[ZERO] * (len(bounds) + 1))
    layers: list[list] = []  # [date, remaining qty]
    qty = value = ZERO
    for day, received, issued, value_change in sorted(days, key=lambda d: d[0]):
        if day > as_of:
            continue
        qty += received - issued
        value += value_change
        res.last_move = day
        if received > 0:
            layers.append([day, received])
            res.first_receipt = res.first_receipt or day
            res.last_receipt = day
        if issued > 0:
            res.last_issue = day
            left = issued
            while left > 0 and layers:
                take = min(left, layers[0][1])
                layers[0][1] -= take
                left -= take
                if layers[0][1] == 0:
                    layers.pop(0)
    res.on_hand, res.value = qty, value
    res.unit_cost = (value / qty) if qty > 0 else ZERO
    since = res.last_move if criterion == NO_MOVEMENT else (res.last_issue or res.first_receipt)
    res.idle_days = (as_of - since).days if since else None
    res.dead = res.idle_days is not None and res.idle_days >= idle_threshold and qty > 0
    # stock on hand may be less than the layers (reversals of receipts): trim oldest first
    excess = sum((q for _d, q in layers), ZERO) - max(qty, ZERO)
    while excess > 0 and layers:
        take = min(excess, layers[0][1])
        layers[0][1] -= take
        excess -= take
        if layers[0][1] == 0:
            layers.pop(0)
    for day, q in layers:
        age = (as_of - day).days
        res.layers.append((day, q, age))
        n = bucket_index(age, bounds)
        res.bucket_qty[n] += q
        res.bucket_value[n] += round_money(q * res.unit_cost)
    return res
