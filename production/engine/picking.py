"""Picking math of domain §2: kit picking, batch caps, merged consolidation and allocation."""

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

ZERO = Decimal("0")


def _floor(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR)


@dataclass(frozen=True)
class KitLine:
    """One manual component line of an order: per = quantity per parent unit (scrap included)."""

    key: Any
    per: Decimal
    net_issued: Decimal = ZERO
    stock: Decimal = ZERO
    required: Decimal | None = None


def issued_sets(lines: list[KitLine]) -> Decimal:
    """S = min_i floor(net_issued_i / per_i); lines with per 0 do not limit."""
    sets = [_floor(line.net_issued / line.per) for line in lines if line.per > 0]
    return max(ZERO, min(sets)) if sets else ZERO


def max_target_sets(lines: list[KitLine], order_qty: Decimal) -> Decimal:
    """T_max = min(order qty, min_i floor((net_issued_i + stock_i) / per_i))."""
    sets = [_floor((line.net_issued + line.stock) / line.per) for line in lines if line.per > 0]
    return max(ZERO, min([order_qty, *sets]))


def kit_pick(lines: list[KitLine], target: Decimal, *, order_qty: Decimal | None = None) -> dict:
    """Issue per line for target sets T: max(0, T × per − net_issued).

    When T is the whole order quantity the target is the line's `required` (fixed loss included).
    """
    out = {}
    for line in lines:
        goal = target * line.per
        if order_qty is not None and target >= order_qty and line.required is not None:
            goal = max(goal, line.required)
        out[line.key] = max(ZERO, goal - line.net_issued)
    return out


def batch_cap(*, required: Decimal, net_issued: Decimal, tolerance_pct: Decimal, forbidden: bool) -> Decimal:
    """What another batch picking may still take: required × (1 + tol %) − net issued (≥ 0);
    with over-issue forbidden the cap is the required quantity."""
    cap = required if forbidden else required * (1 + tolerance_pct / 100)
    return max(ZERO, cap - net_issued)


@dataclass(frozen=True)
class Demand:
    """One order's need for one item in a merged picking."""

    key: Any  # e.g. the material line id
    item: Any
    warehouse: Any
    qty: Decimal
    priority: tuple = ()  # sort key: earliest planned start first


@dataclass
class MergedLine:
    item: Any
    warehouse: Any
    qty: Decimal = ZERO
    demands: list[Demand] = field(default_factory=list)


def consolidate(demands: list[Demand]) -> list[MergedLine]:
    """Lines consolidated by item and warehouse, each keeping its per-order demands (by priority)."""
    merged: dict[tuple, MergedLine] = {}
    for d in demands:
        if d.qty <= 0:
            continue
        line = merged.setdefault((d.item, d.warehouse), MergedLine(d.item, d.warehouse))
        line.qty += d.qty
        line.demands.append(d)
    for line in merged.values():
        line.demands.sort(key=lambda d: d.priority)
    return list(merged.values())


def allocate(issue_qty: Decimal, demands: list[Demand]) -> dict:
    """A (partial) issue goes to the demands in priority order, each up to its quantity."""
    left = issue_qty
    out = {}
    for d in sorted(demands, key=lambda d: d.priority):
        take = min(left, d.qty) if left > 0 else ZERO
        out[d.key] = take
        left -= take
    return out
