"""Capable to promise (pure, no ORM), docs/mrp.md §5 to the letter.

For a new demand of `qty` of item X: the earliest date d ≥ D0 such that the what-if plan (today's
data plus that demand at d, in memory, nothing written) contains no late planned order that the
base plan (today's data alone) does not contain. Stock and scheduled receipts are used first (ATP);
what they can't cover is planned through the BOM with lead times (CTP).

The new demand is a sales-order line (it consumes forecasts of its month like any order and is
pegged on make-to-order items). Demand only flows down the BOM, so both plans are computed for X
and its BOM descendants only (`partial.replan_scope`), with the dependent demand of parents outside
that part taken from the base plan; the result is the same as comparing two full runs.

Late planned orders are compared as a multiset of (item, type, quantity, release, due, peg): a late
order of the base plan that the new demand makes larger is a new late order.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .netting import MrpResult, PlanItem, PlannedOrder, SalesLine, run_mrp
from .partial import bom_maps, external_demands, replan_scope, restrict

CTP_PEG = "CTP/1"

OrderKey = tuple[int, str, Decimal, datetime.date, datetime.date, str]


@dataclass(frozen=True)
class ChainLink:
    """One step of the limiting chain: the item, how it is supplied and its lead time."""

    item_id: int
    item_code: str
    supply_type: str
    lead_time_days: int


@dataclass(frozen=True)
class CtpResult:
    date: datetime.date | None  # None: no date within the horizon
    kind: str  # atp (stock and scheduled receipts cover it) | ctp (planned through the BOM) | none
    limiting_item_id: int | None = None
    chain: tuple[ChainLink, ...] = ()  # from the limiting item up to X
    new_orders: tuple[PlannedOrder, ...] = field(default=(), compare=False)  # what-if orders at `date`
    evaluations: int = 0


class CtpError(Exception):
    pass


def _key(p: PlannedOrder) -> OrderKey:
    return (p.item_id, p.order_type, p.qty, p.release_date, p.due_date, p.pegged_to)


def _late(result: MrpResult) -> Counter[OrderKey]:
    return Counter(_key(p) for p in result.planned_orders if p.late)


def limiting_chain(
    item_id: int, limiting_id: int, items: Mapping[int, PlanItem], children: Mapping[int, set[int]]
) -> tuple[ChainLink, ...]:
    """The BOM path from X down to the limiting item with the longest total lead time, listed from
    the limiting item up to X ("A: buy, 5 days; FG: make, 2 days")."""
    best: dict[int, tuple[int, tuple[int, ...]]] = {}

    def walk(node: int, seen: frozenset[int]) -> tuple[int, tuple[int, ...]] | None:
        if node == limiting_id:
            return items[node].lead_time_days, (node,)
        if node in best:
            return best[node]
        found: tuple[int, tuple[int, ...]] | None = None
        for child in sorted(children.get(node, ())):
            if child in seen or child not in items:
                continue
            sub = walk(child, seen | {child})
            if sub is not None and (found is None or sub[0] > found[0]):
                found = sub
        if found is not None:
            found = (found[0] + items[node].lead_time_days, found[1] + (node,))
            best[node] = found
        return found

    path = walk(item_id, frozenset({item_id}))
    ids = path[1] if path else (limiting_id,)
    return tuple(ChainLink(i, items[i].code, items[i].supply_type, items[i].lead_time_days) for i in ids)


def capable_to_promise(
    *,
    d0: datetime.date,
    horizon_days: int,
    data: Mapping[str, Any],
    item_id: int,
    qty: Decimal,
    base_orders: Iterable[PlannedOrder] | None = None,
    peg: str = CTP_PEG,
) -> CtpResult:
    """`data` = run_mrp's inputs (mrp.sources.collect). `base_orders`: the current plan's planned
    orders, when known to match `data` (else the base plan is computed here, in memory)."""
    items: Mapping[int, PlanItem] = data["items"]
    if item_id not in items:
        raise CtpError(f"unknown or inactive item {item_id}")
    if qty <= 0:
        raise CtpError("the quantity must be greater than 0")
    children, parents = bom_maps(data.get("bom_lines", ()))
    scope = replan_scope([item_id], items, children, parents)
    if base_orders is None:
        base_orders = run_mrp(d0=d0, horizon_days=horizon_days, **data, pegging=False).planned_orders
    # the scope's inputs and the dependent demand from outside parents, once for every what-if plan
    part = restrict(data, scope)
    part["demands"] = list(part.get("demands", ())) + external_demands(
        scope, data.get("bom_lines", ()), (p for p in base_orders if p.item_id not in scope)
    )

    def plan(stage: Mapping[str, Any], extra: Sequence[SalesLine]) -> MrpResult:
        sales = list(stage.get("sales_lines", ())) + list(extra)
        return run_mrp(d0=d0, horizon_days=horizon_days, **{**stage, "sales_lines": sales}, pegging=False)

    base = plan(part, ())
    base_late = _late(base)
    base_own = Counter(_key(p) for p in base.planned_orders if p.item_id == item_id)
    # Staged what-if plans: the scope's items with low-level code ≤ k form a closed upper part of the
    # scope (all their parents are in it or outside the scope), so its plan is exact on its own; a
    # day that already gets a new late order there fails without planning the levels below.
    levels = sorted({base.llc.get(i, 0) for i in scope})
    stages: list[tuple[dict[str, Any], Counter[OrderKey]]] = []
    for level in levels[:-1]:
        upper = {i for i in scope if base.llc.get(i, 0) <= level}
        stages.append((restrict(part, upper), Counter({k: n for k, n in base_late.items() if k[0] in upper})))
    stages.append((part, base_late))
    evaluations = 1
    previous: MrpResult | None = None
    for offset in range(horizon_days + 1):
        day = d0 + datetime.timedelta(days=offset)
        extra = [SalesLine(item_id, day, qty, peg)]
        what_if: MrpResult | None = None
        for stage, late_before in stages:
            what_if = plan(stage, extra)
            evaluations += 1
            if _late(what_if) - late_before:
                break
        else:
            assert what_if is not None
            own = Counter(_key(p) for p in what_if.planned_orders if p.item_id == item_id)
            kind = "atp" if not (own - base_own) else "ctp"
            limiting: int | None = None
            chain: tuple[ChainLink, ...] = ()
            if previous is not None:
                limiting = _limiting(previous, base_late, base.llc)
                chain = limiting_chain(item_id, limiting, items, children)
            elif kind == "ctp":
                chain = limiting_chain(item_id, item_id, items, children)
            new = Counter(_key(p) for p in what_if.planned_orders) - Counter(_key(p) for p in base.planned_orders)
            return CtpResult(
                day,
                kind,
                limiting,
                chain,
                tuple(p for p in what_if.planned_orders if _key(p) in new),
                evaluations,
            )
        previous = what_if
    return CtpResult(None, "none", evaluations=evaluations)


def _limiting(what_if: MrpResult, base_late: Counter[OrderKey], llc: Mapping[int, int]) -> int:
    """The item of the new late order released earliest (deepest in the BOM on a tie)."""
    new = _late(what_if) - base_late
    orders = [p for p in what_if.planned_orders if p.late and _key(p) in new]
    orders.sort(key=lambda p: (p.release_date, -what_if.llc.get(p.item_id, llc.get(p.item_id, 0)), p.item_code))
    return orders[0].item_id
